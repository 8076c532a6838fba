"""Corruption reports: counts by status (รายงานสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ).

For the internal audit unit (the auditor role) only: how many reports of corruption or
misconduct came in during the period, by their status today and by month received. Counts
only: no report's content, code, day or reporter ever appears (db/corruption_reports.py
gives this module nothing else).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.reports import texts as t
from bot.reports.context import ReportContext
from bot.reports.document import Chart, Column, Document, Figures, Paragraph, Section, Series, Table, rows
from bot.reports.scale import round2
from bot.common.thaidate import thai_month
from db import corruption_reports

KIND = "corruption-reports"
TITLE = "รายงานสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ"
STATUSES = corruption_reports.STATUSES


@dataclass(frozen=True)
class CorruptionCounts:
    by_status: dict[str, int]
    by_month: dict[str, Counter]  # YYYY-MM → status → number

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def compute(ctx: ReportContext) -> CorruptionCounts:
    by_status: Counter = Counter()
    by_month: dict[str, Counter] = {}
    for month, status, n in corruption_reports.counts_received_between(ctx.db, ctx.first_day, ctx.last_day):
        by_status[status] += n
        by_month.setdefault(month, Counter())[status] += n
    return CorruptionCounts({s: by_status.get(s, 0) for s in STATUSES} | {s: n for s, n in by_status.items() if s not in STATUSES}, by_month)


def document(ctx: ReportContext, data: CorruptionCounts) -> Document:
    total = data.total
    finished = data.by_status.get("closed", 0) + data.by_status.get("not_pursued", 0) + data.by_status.get("referred", 0)
    status_table = Table(
        "เรื่องร้องเรียนการทุจริตจำแนกตามสถานะ",
        (Column("สถานะ ณ วันที่ออกรายงาน", 3), Column("จำนวน (เรื่อง)", 1), Column("ร้อยละ", 1, decimals=2)),
        rows((t.CORRUPTION_STATUS.get(s, s), n, round2(n / total * 100) if total else None) for s, n in data.by_status.items()),
        total=(t.TOTAL, total, 100.0 if total else None),
        sheet="ตามสถานะ",
    )
    months = [f"{y:04d}-{m:02d}" for y, m in ctx.period.months()]
    month_table = Table(
        "เรื่องร้องเรียนการทุจริตที่ได้รับรายเดือน",
        (Column("เดือนที่ได้รับ", 1.4), *[Column(t.CORRUPTION_STATUS[s], 1) for s in STATUSES], Column(t.TOTAL, 0.8)),
        rows(
            (thai_month(*map(int, m.split("-"))), *[data.by_month.get(m, Counter()).get(s, 0) for s in STATUSES],
             sum(data.by_month.get(m, Counter()).values()))
            for m in months
        ),
        total=(t.TOTAL, *[data.by_status.get(s, 0) for s in STATUSES], total),
        sheet="รายเดือน",
        landscape=True,
    )
    sections = (
        Section("1. สรุป", (
            Paragraph(
                f"{ctx.profile.name} รับเรื่องร้องเรียนการทุจริตและประพฤติมิชอบของเจ้าหน้าที่ผ่าน {t.LINE_CHANNEL} "
                "(ผู้แจ้งเลือกไม่เปิดเผยตัวตนได้) เรื่องที่ได้รับอยู่ในความดูแลของหน่วยตรวจสอบภายในเท่านั้น "
                "รายงานนี้แสดงเฉพาะจำนวนเรื่อง ไม่มีรายละเอียดของเรื่องหรือข้อมูลของผู้แจ้ง"
            ),
            Figures((
                ("เรื่องที่ได้รับในช่วงนี้", f"{total:,} เรื่อง"),
                ("ดำเนินการเสร็จ ส่งต่อ หรือไม่รับไว้พิจารณา", f"{finished:,} เรื่อง"),
                ("อยู่ระหว่างพิจารณาและตรวจสอบ", f"{total - finished:,} เรื่อง"),
            )),
            status_table,
            Chart("จำนวนเรื่องจำแนกตามสถานะ", status_table, 0, (Series("จำนวน", 1),), unit="เรื่อง"),
        )),
        Section("2. จำนวนเรื่องรายเดือน", (month_table,)),
    )
    return ctx.document(KIND, TITLE, "corruption-reports", sections, scope="")


def build(ctx: ReportContext) -> Document:
    return document(ctx, compute(ctx))
