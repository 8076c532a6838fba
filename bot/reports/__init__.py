"""The reports an SAO publishes each year, computed from what the bot already holds.

    ctx = ReportContext.load(db, content_dir, ReportPeriod.of_round(2570, 6))
    report = produce("satisfaction", "pdf", ctx)        # .content, .filename, .mimetype, .document

One module per report computes plain figures from SQLite (`compute`) and lays them out as a
Document (`document`, document.py); render_pdf.py and render_xlsx.py turn any Document into a
file, so every report has both formats and the console previews the same Document.

Reports are named by what they contain, never by an assessment's item number (those change
from year to year). Who may produce which (the console and the command line apply the same):
- the corruption counts: the internal audit role (auditor) only;
- the others: admins for the whole SAO; a division's staff for their own division only
  (each report then counts only that division's services, tickets, questions and deadlines).
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from bot.reports import corruption_counts, measures, participation, satisfaction, service_stats
from bot.reports.context import ReportContext
from bot.reports.document import Document
from bot.reports.period import PeriodError, ReportPeriod

ADMIN, STAFF, AUDITOR = "admin", "staff", "auditor"
FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Kind:
    name: str  # on the command line and in URLs
    module: ModuleType
    roles: frozenset[str]
    description: str  # Thai, for the console and --help

    @property
    def title(self) -> str:
        return self.module.TITLE


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(satisfaction.KIND, satisfaction, frozenset({ADMIN, STAFF}),
             "ผลการประเมินความพึงพอใจ รายด้าน รายบริการ เทียบรอบก่อน และข้อเสนอแนะ"),
        Kind(service_stats.KIND, service_stats, frozenset({ADMIN, STAFF}),
             "สถิติคำถามคู่มือประชาชน คำถามถึงเจ้าหน้าที่ เรื่องร้องเรียน และคำร้องออนไลน์/ที่เคาน์เตอร์ รายบริการและรายเดือน"),
        Kind(participation.KIND, participation, frozenset({ADMIN, STAFF}),
             "การมีส่วนร่วมของประชาชน ช่องทาง ผลการดำเนินการเรื่องเสนอแนะ/ร้องเรียน และคะแนนการแก้ไข"),
        Kind(measures.KIND, measures, frozenset({ADMIN, STAFF}),
             "การติดตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส: ส่งตรงเวลา ล่าช้า หรือยังไม่ส่ง"),
        Kind(corruption_counts.KIND, corruption_counts, frozenset({AUDITOR}),
             "จำนวนเรื่องร้องเรียนการทุจริตตามสถานะ (ไม่มีรายละเอียดของเรื่อง) เฉพาะหน่วยตรวจสอบภายใน"),
    )
}


class ReportNotAllowed(PermissionError):
    """This role may not produce this report (str() is Thai)."""


@dataclass(frozen=True)
class Produced:
    document: Document
    content: bytes
    filename: str
    mimetype: str


def kinds_for(role: str) -> list[Kind]:
    return [k for k in KINDS.values() if role in k.roles]


def check_allowed(kind: str, role: str, division_id: str | None) -> Kind:
    """The kind, if this role may produce it with this scope; raises otherwise."""
    found = KINDS.get(kind)
    if found is None:
        raise KeyError(kind)
    if role not in found.roles:
        raise ReportNotAllowed("บทบาทของท่านออกรายงานนี้ไม่ได้")
    if role == STAFF and not division_id:
        raise ReportNotAllowed("เจ้าหน้าที่ประจำกองออกรายงานได้เฉพาะของกองตนเอง")
    return found


def build(kind: str, ctx: ReportContext) -> Document:
    return KINDS[kind].module.build(ctx)


def render(document: Document, fmt: str) -> bytes:
    if fmt == "pdf":
        from bot.reports.render_pdf import render_pdf

        return render_pdf(document)
    if fmt == "xlsx":
        from bot.reports.render_xlsx import render_xlsx

        return render_xlsx(document)
    raise ValueError(f"format must be one of {sorted(FORMATS)}")


def produce(kind: str, fmt: str, ctx: ReportContext) -> Produced:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}")
    document = build(kind, ctx)
    stem = document.file_stem + (f"_{ctx.division_id}" if ctx.division_id else "")
    return Produced(document, render(document, fmt), f"{stem}.{fmt}", FORMATS[fmt])


__all__ = ["KINDS", "FORMATS", "Kind", "Produced", "PeriodError", "ReportContext", "ReportPeriod", "ReportNotAllowed",
           "build", "check_allowed", "kinds_for", "produce", "render"]
