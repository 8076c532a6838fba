"""The SAOs of a hosted install side by side, for a province: the same figures each SAO's own
reports give (bot/reports), one row per SAO and a total.

    python -m bot tenant summary --fy 2570 --round 12 [--json]

Each SAO's figures come from its own database, and nothing is written to it (as every command,
it is only brought up to this version's schema; the measures' follow-up is not planned here for a
year the SAO's clock has not planned). Nothing personal is in them: counts, rates and means.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from bot.config import Settings
from bot.hosting.registry import TenantRegistry, settings_for


@dataclass(frozen=True)
class SaoFigures:
    slug: str
    name: str
    handbook_asked: int  # questions the bot read as handbook questions
    handbook_unanswered: int
    tickets_received: int
    tickets_closed: int
    tickets_resolve_counted: int  # tickets whose resolution deadline is decided (done, or past due)
    tickets_resolved_on_time: int
    ratings: int  # people who rated a service (the satisfaction survey)
    rating_total: int  # the sum of every score given, for a pooled mean
    rating_answers: int
    deadlines_due: int  # the measures plan's deadlines due in the period
    deadlines_on_time: int
    deadlines_late: int
    deadlines_missing: int

    @property
    def satisfaction(self) -> float | None:
        return round(self.rating_total / self.rating_answers, 2) if self.rating_answers else None

    @property
    def resolved_on_time_pct(self) -> float | None:
        counted = self.tickets_resolve_counted
        return round(self.tickets_resolved_on_time / counted * 100, 1) if counted else None


def figures(settings: Settings, slug: str, name: str, period, at: datetime) -> SaoFigures:
    """From the SAO's own database and content files (the command line)."""
    from bot.reports import ReportContext
    from db import open_for

    db = open_for(settings)
    try:
        return figures_of(ReportContext.load(db, settings.content_dir, period, now=at), slug, name)
    finally:
        db.close()


def figures_of(ctx, slug: str, name: str) -> SaoFigures:
    """From a report context (bot.reports.ReportContext): the province's console builds it from
    the SAO's running app, so its content is not read again."""
    from bot.reports import measures, satisfaction, service_stats

    stats = service_stats.compute(ctx)
    rated = satisfaction.compute(ctx)
    follow = measures.compute(ctx, plan_missing_years=False)
    due = [i for i in follow.items() if i.status != measures.NOT_DUE]
    respondents = sum(n for _source, n in rated.by_source)
    return SaoFigures(
        slug, name,
        handbook_asked=stats.handbook.asked, handbook_unanswered=stats.handbook.unanswered,
        tickets_received=stats.tickets.received, tickets_closed=stats.tickets.closed,
        tickets_resolve_counted=stats.tickets.resolve_counted, tickets_resolved_on_time=stats.tickets.resolve_on_time,
        ratings=respondents, rating_total=rated.pooled.total, rating_answers=rated.pooled.n,
        deadlines_due=len(due), deadlines_on_time=sum(i.status == measures.ON_TIME for i in due),
        deadlines_late=sum(i.status == measures.LATE for i in due),
        deadlines_missing=sum(i.status == measures.MISSING for i in due),
    )


def province(host: Settings, registry: TenantRegistry, period, at: datetime) -> list[SaoFigures]:
    """Every SAO's figures, then the total (slug "*")."""
    return with_total([figures(settings_for(host, t), t.slug, t.name, period, at) for t in registry.all()])


def with_total(rows: list[SaoFigures], name: str = "รวมทุก อบต.") -> list[SaoFigures]:
    """The rows and their total (slug "*"): counts added up, so its means are pooled over every
    answer, never a mean of the SAOs' means."""
    if not rows:
        return []
    counts = {k: sum(getattr(r, k) for r in rows) for k in asdict(rows[0]) if k not in ("slug", "name")}
    return rows + [SaoFigures("*", name, **counts)]


COLUMNS = (  # (heading, value)
    ("อบต.", lambda r: r.name),
    ("คำถามคู่มือ", lambda r: r.handbook_asked),
    ("ตอบไม่ได้", lambda r: r.handbook_unanswered),
    ("เรื่องร้องเรียน", lambda r: r.tickets_received),
    ("ปิดแล้ว", lambda r: r.tickets_closed),
    ("แก้ไขทันกำหนด (%)", lambda r: _or_dash(r.resolved_on_time_pct)),
    ("ผู้ประเมิน", lambda r: r.ratings),
    ("ความพึงพอใจเฉลี่ย (1–5)", lambda r: _or_dash(r.satisfaction)),
    ("รายงานถึงกำหนด", lambda r: r.deadlines_due),
    ("ส่งตรงเวลา", lambda r: r.deadlines_on_time),
    ("ส่งล่าช้า", lambda r: r.deadlines_late),
    ("ยังไม่ส่ง", lambda r: r.deadlines_missing),
)


def _or_dash(value) -> object:
    return "–" if value is None else value


def as_table(rows: list[SaoFigures]) -> str:
    lines = ["\t".join(h for h, _ in COLUMNS)]
    lines += ["\t".join(str(value(r)) for _, value in COLUMNS) for r in rows]
    return "\n".join(lines)


def as_json(rows: list[SaoFigures]) -> list[dict]:
    return [asdict(r) | {"satisfaction": r.satisfaction, "resolved_on_time_pct": r.resolved_on_time_pct} for r in rows]
