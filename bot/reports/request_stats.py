"""Service requests in the service statistics (bot/reports/service_stats.py): online requests
(LINE) and walk-ins recorded at the counter, per service and per month; how they ended; and the
time from filing to done (median and 90th percentile, in days) of the online ones — a counter
entry is done when it is recorded.

Counted by the day a request was filed (a counter entry: the day it was served), Bangkok time.
Read from service_requests: service, division, channel, status and times only, never who asked
or what they wrote.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from bot.common.thaidate import thai_month, to_bangkok
from bot.reports import texts as t
from bot.reports.context import ReportContext
from bot.reports.document import Chart, Column, Paragraph, Section, Series, Table, rows
from bot.reports.scale import round2

DAY = 86400.0


@dataclass
class RequestCounts:
    online: int = 0
    counter: int = 0
    done: int = 0
    rejected: int = 0
    open: int = 0
    days_to_done: list[float] = field(default_factory=list)  # online requests done: filing → done

    def add(self, channel: str, status: str, created_at: float, done_at: float | None) -> None:
        if channel == "counter":
            self.counter += 1
        else:
            self.online += 1
        if status == "done":
            self.done += 1
        elif status == "rejected":
            self.rejected += 1
        else:
            self.open += 1
        if channel != "counter" and status == "done" and done_at is not None:
            self.days_to_done.append(max(0.0, done_at - created_at) / DAY)

    @property
    def total(self) -> int:
        return self.online + self.counter

    @property
    def online_share(self) -> float | None:
        return round2(self.online / self.total * 100) if self.total else None

    @property
    def median_days(self) -> float | None:
        return round2(statistics.median(self.days_to_done)) if self.days_to_done else None

    @property
    def p90_days(self) -> float | None:
        """The 90th percentile, interpolated between the nearest two (one request: its own time)."""
        values = self.days_to_done
        if len(values) < 2:
            return round2(values[0]) if values else None
        return round2(statistics.quantiles(values, n=10, method="inclusive")[-1])


@dataclass(frozen=True)
class RequestStatistics:
    all: RequestCounts
    by_service: dict[str, RequestCounts]
    by_month: dict[str, RequestCounts]  # YYYY-MM


def for_report(ctx: ReportContext) -> list[tuple]:
    """(service, channel, status, created_at, done_at) of the period's requests; nobody's data."""
    where, params = "created_at >= ? AND created_at < ?", [ctx.start, ctx.end]
    if ctx.division_id:
        where += " AND division_id = ?"
        params.append(ctx.division_id)
    return ctx.db.execute(
        f"SELECT service_id, channel, status, created_at, done_at FROM service_requests WHERE {where} ORDER BY id", params
    ).fetchall()


def compute(ctx: ReportContext) -> RequestStatistics:
    everything, by_service, by_month = RequestCounts(), defaultdict(RequestCounts), defaultdict(RequestCounts)
    for service_id, channel, status, created_at, done_at in for_report(ctx):
        day = to_bangkok(created_at)
        for counts in (everything, by_service[service_id], by_month[f"{day.year:04d}-{day.month:02d}"]):
            counts.add(channel, status, created_at, done_at)
    return RequestStatistics(everything, dict(by_service), dict(by_month))


def figures(data: RequestStatistics) -> tuple[tuple[str, str], ...]:
    a = data.all
    return (
        ("คำร้องออนไลน์ / ผู้รับบริการที่เคาน์เตอร์", f"{a.online:,} / {a.counter:,} ราย"),
        ("เวลาตั้งแต่ยื่นคำร้องออนไลน์ถึงเสร็จ (มัธยฐาน / เปอร์เซ็นไทล์ที่ 90)",
         f"{a.median_days:,.2f} / {a.p90_days:,.2f} วัน" if a.days_to_done else "–"),
    )


def section(ctx: ReportContext, data: RequestStatistics, heading: str) -> Section:
    services = sorted(data.by_service, key=ctx.service_order)
    a = data.all
    per_service = Table(
        "คำร้องออนไลน์และงานบริการที่เคาน์เตอร์ จำแนกตามบริการ",
        (
            Column("บริการ", 2.4), Column("ส่วนราชการ", 1.6), Column("ออนไลน์", 0.8), Column("เคาน์เตอร์", 0.8),
            Column("รวม", 0.7), Column("ร้อยละ ออนไลน์", 0.8, decimals=2), Column("เสร็จแล้ว", 0.8), Column("ไม่รับ คำร้อง", 0.8),
            Column("ยังไม่ เสร็จ", 0.8), Column("เวลาถึงเสร็จ มัธยฐาน (วัน)", 1, decimals=2),
            Column("เวลาถึงเสร็จ P90 (วัน)", 1, decimals=2),
        ),
        rows(
            (ctx.service_title(s), ctx.division_name(ctx.service_division(s)), c.online, c.counter, c.total, c.online_share,
             c.done, c.rejected, c.open, c.median_days, c.p90_days)
            for s in services for c in (data.by_service[s],)
        ),
        total=(t.TOTAL, None, a.online, a.counter, a.total, a.online_share, a.done, a.rejected, a.open, a.median_days, a.p90_days),
        sheet="คำร้องรายบริการ",
        landscape=True,
        note=(
            "ออนไลน์: ยื่นคำร้องทาง LINE; เคาน์เตอร์: เจ้าหน้าที่บันทึกผู้มารับบริการที่ อบต. (นับเป็นเสร็จเมื่อบันทึก) "
            "เวลาถึงเสร็จนับเฉพาะคำร้องออนไลน์ที่เสร็จแล้ว จากเวลาที่ยื่นถึงเวลาที่เจ้าหน้าที่แจ้งว่าเสร็จ (วันปฏิทิน) "
            "P90: ร้อยละ 90 ของคำร้องเสร็จภายในเวลานี้ สถานะ ณ วันที่ออกรายงาน"
        ),
    )
    months = [f"{y:04d}-{m:02d}" for y, m in ctx.period.months()]
    per_month = Table(
        "คำร้องออนไลน์และงานบริการที่เคาน์เตอร์รายเดือน",
        (Column("เดือน", 1.2), Column("ออนไลน์", 0.9), Column("เคาน์เตอร์", 0.9), Column("รวม", 0.9),
         Column("ร้อยละ ออนไลน์", 0.9, decimals=2)),
        rows(
            (thai_month(*map(int, m.split("-"))), c.online, c.counter, c.total, c.online_share)
            for m in months for c in (data.by_month.get(m, RequestCounts()),)
        ),
        total=(t.TOTAL, a.online, a.counter, a.total, a.online_share),
        sheet="คำร้องรายเดือน",
    )
    return Section(heading, (
        Paragraph("คำร้องขอรับบริการที่ประชาชนยื่นทาง LINE เทียบกับผู้มารับบริการที่ อบต. ซึ่งเจ้าหน้าที่บันทึกไว้ "
                  "ไม่มีข้อมูลที่ระบุตัวผู้ยื่นคำร้อง"),
        per_service,
        per_month,
        Chart("คำร้องออนไลน์และงานบริการที่เคาน์เตอร์รายเดือน", per_month, 0,
              (Series("ออนไลน์", 1), Series("เคาน์เตอร์", 2)), unit="ราย"),
    ))
