"""Publishing the public reports: a round is frozen when it closes; the running round is live.

- `publish_due` (the clock's `publish-transparency`, daily at 01:00): every round closed since
  the start of last fiscal year that has no snapshot yet is built as of now, rendered (page
  HTML, PDF, XLSX) and stored as version 1 (db/transparency.py). Later changes to the data
  never alter it.
- `republish`: a correction, the same round built again as a new version, with a note that
  the page shows (`python -m bot transparency republish <fy> <report> <round> --note "…"`).
- `live`: a round with no snapshot (running, or closed and not yet published), built on request
  and kept a few minutes, so a busy page does not draw PDFs for every visitor.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.common.thaidate import BANGKOK
from bot.reports import render
from bot.reports.context import ReportContext
from bot.reports.document import Document
from bot.reports.period import ReportPeriod
from bot.transparency import rounds
from bot.transparency.catalogue import REPORTS
from bot.transparency.render import fragment
from db import transaction
from db import transparency as snapshots

log = logging.getLogger(__name__)
LIVE_SECONDS = 300  # how long a live round's page and files are kept before they are built again
CLOCK = "clock"


@dataclass(frozen=True)
class Built:
    """A report as shown: from a snapshot, or live."""

    report: str
    fiscal_year: int
    round: str
    title: str
    period_label: str
    as_of: float
    html: str
    snapshot: snapshots.Snapshot | None = None  # None: live
    document: Document | None = None  # live only


def context(db, content: Any, content_dir: Path, period: ReportPeriod, at: datetime) -> ReportContext:
    """A report context from the content snapshot the app or the clock holds."""
    return ReportContext.of_snapshot(db, content_dir, content, period, now=at)


def build(db, content: Any, content_dir: Path, report: str, fy: int, key: str, at: datetime) -> Document:
    return REPORTS[report].build(context(db, content, content_dir, rounds.period_of(fy, key), at))


def _store(db, report: str, fy: int, key: str, document: Document, at: datetime, by: str, note: str | None,
           only_if_new: bool) -> snapshots.Snapshot | None:
    html, pdf, xlsx = fragment(document), render(document, "pdf"), render(document, "xlsx")
    with transaction(db):
        if only_if_new and snapshots.versions(db, report, fy, key):
            return None  # another clock got there first
        return snapshots.add(
            db, report=report, fiscal_year=fy, round=key, title=document.title, period_label=document.period_label,
            as_of=at.timestamp(), html=html, pdf=pdf, xlsx=xlsx, published_by=by, note=note,
        )


def _plan_measures(db, content: Any, content_dir: Path, fy: int, key: str, at: datetime) -> None:
    """The measures report counts the deadlines the clock planned; a year never planned is planned first."""
    from bot.reports import measures

    ctx = context(db, content, content_dir, rounds.period_of(fy, key), at)
    measures.ensure_planned(ctx, [fy])  # its own transaction (bot/reminders/passes.py)


def publish_due(db, content: Any, content_dir: Path, at: datetime | None = None, years_back: int = 1) -> list[snapshots.Snapshot]:
    """Freeze every closed round without a snapshot; return what was published."""
    at = (at or datetime.now(BANGKOK)).astimezone(BANGKOK)
    published = []
    for slug, report in REPORTS.items():
        for fy, key in rounds.closed_rounds(report.rounds, at.date(), years_back):
            if snapshots.versions(db, slug, fy, key):
                continue
            try:
                if slug == "measures":
                    _plan_measures(db, content, content_dir, fy, key, at)
                document = build(db, content, content_dir, slug, fy, key, at)
                done = _store(db, slug, fy, key, document, at, CLOCK, None, only_if_new=True)
            except Exception:  # one report's failure must not keep the others from being published
                log.exception("transparency: publishing %s %s %s failed; the next run tries again", slug, fy, key)
                continue
            if done:
                log.info("transparency: published %s %s %s", slug, fy, key)
                published.append(done)
    return published


class RepublishError(ValueError):
    """str() is Thai; .english for the command line."""

    def __init__(self, thai: str, english: str):
        super().__init__(thai)
        self.english = english


def republish(db, content: Any, content_dir: Path, report: str, fy: int, key: str, note: str, by: str,
              at: datetime | None = None) -> snapshots.Snapshot:
    """A correction: the round built again as of now, stored as the next version with its note."""
    if report not in REPORTS or not REPORTS[report].rounds:
        raise RepublishError(f"ไม่มีรายงาน {report} ที่เผยแพร่เป็นรอบ", f"unknown report {report!r} (one of: "
                             + ", ".join(s for s, r in REPORTS.items() if r.rounds) + ")")
    if key not in REPORTS[report].rounds:
        raise RepublishError(f"รายงานนี้ไม่มีรอบ {key}", f"round must be one of {', '.join(REPORTS[report].rounds)}")
    note = " ".join((note or "").split())
    if not note:
        raise RepublishError("กรุณาระบุว่าแก้ไขอะไร (--note)", "a correction needs --note saying what it corrects")
    at = (at or datetime.now(BANGKOK)).astimezone(BANGKOK)
    if not rounds.is_closed(fy, key, at.date()):
        raise RepublishError("รอบนี้ยังไม่สิ้นสุด จึงยังไม่เผยแพร่", "this round has not closed yet")
    if report == "measures":
        _plan_measures(db, content, content_dir, fy, key, at)
    document = build(db, content, content_dir, report, fy, key, at)
    return _store(db, report, fy, key, document, at, by, note, only_if_new=False)


# --- live rounds ---------------------------------------------------------------------------------

_live: dict[tuple, tuple[float, Any]] = {}
_live_lock = threading.Lock()


def _cached(key: tuple, make):
    now = time.monotonic()
    with _live_lock:
        hit = _live.get(key)
        if hit and hit[0] > now:
            return hit[1]
    value = make()
    with _live_lock:
        if len(_live) > 200:
            _live.clear()
        _live[key] = (now + LIVE_SECONDS, value)
    return value


def clear_cache() -> None:
    with _live_lock:
        _live.clear()


def live(db, content: Any, content_dir: Path, report: str, fy: int, key: str, at: datetime) -> Built:
    def make() -> Built:
        if report == "handbook":
            from bot.transparency.catalogue import handbook_document

            ctx = context(db, content, content_dir, ReportPeriod.of_round(fy, 12), at)
            document = handbook_document(ctx)
        else:
            document = build(db, content, content_dir, report, fy, key, at)
        return Built(report, fy, key, document.title, document.period_label, at.timestamp(), fragment(document), None, document)

    return _cached(("page", id(content), report, fy, key), make)


def live_file(db, content: Any, content_dir: Path, report: str, fy: int, key: str, fmt: str, at: datetime) -> bytes:
    built = live(db, content, content_dir, report, fy, key, at)
    return _cached(("file", id(content), report, fy, key, fmt, built.as_of), lambda: render(built.document, fmt))
