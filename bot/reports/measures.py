"""Measure follow-up (รายงานผลการติดตามการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส).

For each measure of the year's plan: its actions, responsible divisions, and each report (or
activity) it asks of each division, with the due date and whether the division reported on
time, late (in working days), has not reported although the date has passed, or is not yet
due — as of the day the report is produced. The record is what divisions tapped on the
reminders ("ส่งรายงานแล้ว", "จัดกิจกรรมแล้ว"), kept in the deadlines table (db/reminders.py).

A round covers the deadlines of its fiscal year that fall due from the round's first day to
the end of the month after it ends: reports on a round are due in that month (the 6-month
round's reports fall due in April, the 12-month round's in October).
"""
from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from bot.reports import texts as t
from bot.reports.context import ReportContext
from bot.reports.document import Bullets, Chart, Column, Document, Figures, Paragraph, Section, Series, Table, rows
from bot.reports.scale import round2
from bot.common.thaidate import fiscal_year, thai_date
from db import reminders

KIND = "measure-follow-up"
TITLE = "รายงานผลการติดตามการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"
ON_TIME, LATE, MISSING, NOT_DUE = "on_time", "late", "missing", "not_due"
STATUS_NAMES = {ON_TIME: "ส่งตรงเวลา", LATE: "ส่งล่าช้า", MISSING: "ยังไม่ส่ง (เลยกำหนด)", NOT_DUE: "ยังไม่ถึงกำหนด"}
ACTIVITY_NAMES = {ON_TIME: "จัดกิจกรรมแล้ว", LATE: "จัดกิจกรรมแล้ว (ล่าช้า)", MISSING: "ยังไม่ได้จัด (เลยกำหนด)", NOT_DUE: "ยังไม่ถึงกำหนด"}


@dataclass(frozen=True)
class Item:
    label: str
    kind: str  # report | activity | activity-report
    division_id: str
    due: date
    done_on: date | None
    late_days: int | None
    status: str  # on_time | late | missing | not_due

    @property
    def status_text(self) -> str:
        names = ACTIVITY_NAMES if self.kind == "activity" else STATUS_NAMES
        text = names[self.status]
        if self.status == LATE and self.late_days:
            text += f" {self.late_days} วันทำการ"
        return text


@dataclass(frozen=True)
class MeasureResult:
    number: int
    measure_id: str
    title: str
    actions: tuple[str, ...]
    responsible: str
    period: str
    follow_up: str
    items: tuple[Item, ...]

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)


@dataclass(frozen=True)
class MeasureFollowUp:
    fiscal_years: tuple[int, ...]
    window: tuple[date, date]  # due dates counted
    measures: tuple[MeasureResult, ...]
    planned: bool  # False: no plan in the database for these years (the clock has never run)
    # Unreported deadlines due before the system was installed: not counted as missing (the SAO
    # reported them on paper before), only said.
    before_install: int = 0

    def items(self) -> list[Item]:
        return [i for m in self.measures for i in m.items]


def window(ctx: ReportContext) -> tuple[date, date]:
    last = ctx.period.last
    following = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
    return ctx.period.first, following.replace(day=calendar.monthrange(following.year, following.month)[1])


def ensure_planned(ctx: ReportContext, years: list[int]) -> None:
    """Plan a year's deadlines into the database as the clock would, if it never did (a new
    install, or a report on a year the clock has not reached). A year already planned is left
    to the clock, which keeps it up to date."""
    missing = [fy for fy in years if reminders.synced_fingerprint(ctx.db, fy) is None]
    if not missing:
        return
    from bot.reminders.passes import Setup, sync_year

    if ctx.plans is not None and ctx.calendar is not None:
        setup = Setup(ctx.plans, ctx.calendar, ctx.divisions)  # the snapshot the console has
    else:
        setup = Setup.from_content(ctx.content_dir, divisions=ctx.divisions)
    for fy in missing:
        sync_year(ctx.db, setup, fy, ctx.today, ctx.generated_at.timestamp())


def _status(row: dict, today: date) -> tuple[str, date | None]:
    done_on = date.fromisoformat(row["done_on"]) if row["done_on"] else None
    if done_on is not None and done_on <= today:
        return (ON_TIME if not row["late_working_days"] else LATE), done_on
    if date.fromisoformat(row["due_date"]) < today:
        return MISSING, None
    return NOT_DUE, None


def compute(ctx: ReportContext, plan_missing_years: bool = True) -> MeasureFollowUp:
    first, last = window(ctx)
    years = list(range(fiscal_year(ctx.period.first), fiscal_year(ctx.period.last) + 1))
    if plan_missing_years:
        ensure_planned(ctx, years)
    results = []
    planned = False
    installed = reminders.installed_on(ctx.db)
    before_install = 0
    for fy in years:
        rows_of_year = reminders.deadlines_of_year(ctx.db, fy, ctx.today)
        planned = planned or bool(rows_of_year)
        by_measure: dict[str, list[Item]] = {}
        for row in rows_of_year:
            due = date.fromisoformat(row["due_date"])
            if not first <= due <= last or (ctx.division_id and row["division_id"] != ctx.division_id):
                continue
            if installed and not row["done_on"] and row["due_date"] < installed:
                before_install += 1
                continue
            status, done_on = _status(row, ctx.today)
            by_measure.setdefault(row["measure_id"], []).append(
                Item(row["label"], row["kind"], row["division_id"], due, done_on, row["late_working_days"] if status == LATE else None, status)
            )
        for measure_id, items in by_measure.items():
            m = reminders.measure(ctx.db, fy, measure_id) or {}
            results.append(
                MeasureResult(
                    m.get("number", 0), measure_id, m.get("title", measure_id), tuple(m.get("actions", ())),
                    m.get("responsible", ""), m.get("period", ""), m.get("follow_up", ""),
                    tuple(sorted(items, key=lambda i: (i.due, _division_order(ctx, i.division_id), i.label))),
                )
            )
    results.sort(key=lambda m: m.number)
    return MeasureFollowUp(tuple(years), (first, last), tuple(results), planned, before_install)


def _division_order(ctx: ReportContext, division_id: str) -> int:
    ids = [d.id for d in ctx.divisions]
    return ids.index(division_id) if division_id in ids else len(ids)


# --- the document -----------------------------------------------------------------------------------


def document(ctx: ReportContext, data: MeasureFollowUp) -> Document:
    items = data.items()
    counts = Counter(i.status for i in items)
    due = counts[ON_TIME] + counts[LATE] + counts[MISSING]
    figures = Figures((
        ("มาตรการที่ติดตาม", f"{len(data.measures):,} มาตรการ"),
        ("รายการที่ต้องรายงาน/ดำเนินการในรอบนี้", f"{len(items):,} รายการ (ครบกำหนดแล้ว {due:,} รายการ)"),
        ("ส่งตรงเวลา", f"{counts[ON_TIME]:,} รายการ"),
        ("ส่งล่าช้า", f"{counts[LATE]:,} รายการ"),
        ("ยังไม่ส่ง (เลยกำหนด)", f"{counts[MISSING]:,} รายการ"),
        ("ยังไม่ถึงกำหนด", f"{counts[NOT_DUE]:,} รายการ"),
        ("ร้อยละที่ส่งตรงเวลา (ของรายการที่ครบกำหนดแล้ว)", f"{round2(counts[ON_TIME] / due * 100):.2f}" if due else "–"),
        ("นับกำหนดส่งระหว่าง", f"{thai_date(data.window[0])} – {thai_date(data.window[1])} สถานะ ณ วันที่ {thai_date(ctx.today)}"),
    ) + ((("กำหนดส่งก่อนเริ่มใช้ระบบ (ไม่นับในรายงานนี้)", f"{data.before_install:,} รายการ"),) if data.before_install else ()))
    summary = Table(
        "สรุปผลการรายงานจำแนกตามมาตรการ",
        (Column("มาตรการ", 3.2), Column("รายการ", 0.8), Column("ส่งตรงเวลา", 0.9), Column("ส่งล่าช้า", 0.9),
         Column("ยังไม่ส่ง (เลยกำหนด)", 1), Column("ยังไม่ถึง กำหนด", 0.9)),
        rows(
            (f"{m.number}. {m.title}", len(m.items), m.count(ON_TIME), m.count(LATE), m.count(MISSING), m.count(NOT_DUE))
            for m in data.measures
        ),
        total=(t.TOTAL, len(items), counts[ON_TIME], counts[LATE], counts[MISSING], counts[NOT_DUE]),
        sheet="สรุปตามมาตรการ",
        landscape=False,
    )
    by_division: dict[str, Counter] = {}
    for i in items:
        by_division.setdefault(i.division_id, Counter())[i.status] += 1
    division_table = Table(
        "สรุปผลการรายงานจำแนกตามส่วนราชการ",
        (Column("ส่วนราชการ", 2.6), Column("รายการ", 0.8), Column("ส่งตรงเวลา", 0.9), Column("ส่งล่าช้า", 0.9),
         Column("ยังไม่ส่ง (เลยกำหนด)", 1), Column("ยังไม่ถึง กำหนด", 0.9), Column("ร้อยละตรงเวลา", 0.9, decimals=2)),
        rows(
            (ctx.division_name(d), sum(c.values()), c[ON_TIME], c[LATE], c[MISSING], c[NOT_DUE],
             round2(c[ON_TIME] / (c[ON_TIME] + c[LATE] + c[MISSING]) * 100) if c[ON_TIME] + c[LATE] + c[MISSING] else None)
            for d, c in sorted(by_division.items(), key=lambda kv: _division_order(ctx, kv[0]))
        ),
        total=(t.TOTAL, len(items), counts[ON_TIME], counts[LATE], counts[MISSING], counts[NOT_DUE],
               round2(counts[ON_TIME] / due * 100) if due else None),
        sheet="สรุปตามส่วนราชการ",
    )
    detail = Table(
        "รายการกำหนดส่งและผลการรายงานทั้งหมด",
        (Column("มาตรการ", 0.7, align="C"), Column("รายการ", 2.6), Column("ส่วนราชการ", 1.8), Column("กำหนดส่ง", 1.0),
         Column("วันที่รายงาน", 1.0), Column("ผล", 1.6)),
        rows(
            (m.number, i.label, ctx.division_name(i.division_id), thai_date(i.due, full_month=False),
             thai_date(i.done_on, full_month=False) if i.done_on else None, i.status_text)
            for m in data.measures for i in m.items
        ),
        sheet="รายการทั้งหมด",
        formats=frozenset({"xlsx"}),
    )
    measure_blocks = []
    for m in data.measures:
        measure_blocks.append(Bullets(
            tuple(m.actions) + tuple(x for x in (
                f"ผู้รับผิดชอบ: {m.responsible}" if m.responsible else "",
                f"ระยะเวลาดำเนินการ: {m.period}" if m.period else "",
                f"การติดตามผล: {m.follow_up}" if m.follow_up else "",
            ) if x),
            title=f"มาตรการที่ {m.number} {m.title}",
        ))
        measure_blocks.append(Table(
            f"มาตรการที่ {m.number}: กำหนดส่งและผลการรายงาน",
            (Column("รายการ", 2.6), Column("ส่วนราชการ", 1.8), Column("กำหนดส่ง", 1.0), Column("วันที่รายงาน", 1.0), Column("ผล", 1.5)),
            rows(
                (i.label, ctx.division_name(i.division_id), thai_date(i.due, full_month=False),
                 thai_date(i.done_on, full_month=False) if i.done_on else None, i.status_text)
                for i in m.items
            ),
            sheet=f"มาตรการที่ {m.number}",
            formats=frozenset({"pdf", "html"}),
        ))
    intro = Paragraph(
        f"{ctx.profile.name} ติดตามการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน "
        "โดยระบบแจ้งเตือนกำหนดส่งรายงานแต่ละส่วนราชการทาง LINE และบันทึกเมื่อส่วนราชการกด \"ส่งรายงานแล้ว\" "
        "(หรือ \"จัดกิจกรรมแล้ว\") ส่งล่าช้านับเป็นวันทำการหลังวันครบกำหนด"
    )
    if not data.planned:
        intro_blocks = (intro, Paragraph("ยังไม่มีแผนกำหนดส่งรายงานของปีงบประมาณนี้ในระบบ (content/measures-plan.yaml)"))
    else:
        intro_blocks = (intro, figures, summary,
                        Chart("ผลการรายงานจำแนกตามมาตรการ", summary, 0,
                              (Series("ส่งตรงเวลา", 2), Series("ส่งล่าช้า", 3), Series("ยังไม่ส่ง", 4)), unit="รายการ"),
                        division_table)
    sections = (
        Section("1. สรุปผลการติดตาม", intro_blocks),
        Section("2. รายละเอียดแต่ละมาตรการ", tuple(measure_blocks) + (detail,) if measure_blocks else (Paragraph("ไม่มีกำหนดส่งในช่วงนี้"),)),
    )
    return ctx.document(KIND, TITLE, "measure-follow-up", sections)


def build(ctx: ReportContext) -> Document:
    return document(ctx, compute(ctx))
