"""The period a report covers: a round of a fiscal year, or any dates.

- 6-month round (รอบ 6 เดือน): 1 October – 31 March of the fiscal year;
- 12-month round (รอบ 12 เดือน): 1 October – 30 September (the whole fiscal year);
- any dates (--from/--to, B.E. "1/10/2569" or ISO "2026-10-01").

The previous round to compare with is the same dates one year earlier: the 6-month round of
FY 2570 is compared with the 6-month round of FY 2569. (The 12-month round contains the
6-month round of the same year, so comparing those two would compare half the same ratings.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.common.thaidate import fiscal_year, fiscal_year_bounds, parse_thai_date, thai_date

ROUNDS = (6, 12)


def latest_ended_round(today: date) -> tuple[int, int]:
    """(fiscal year, months) of the latest round that has ended: April–September, this year's 6
    months; else last year's 12. The round a reports page opens on."""
    fy = fiscal_year(today)
    return (fy, 6) if 4 <= today.month <= 9 else (fy - 1, 12)


class PeriodError(ValueError):
    """str() is Thai; .english for the command line."""

    def __init__(self, thai: str, english: str):
        super().__init__(thai)
        self.english = english


@dataclass(frozen=True)
class ReportPeriod:
    first: date  # inclusive
    last: date  # inclusive
    fiscal_year: int  # B.E.: the fiscal year of the first day
    round: int | None = None  # 6 | 12 for a round; None for any dates

    @classmethod
    def of_round(cls, fy: int, months: int) -> "ReportPeriod":
        if months not in ROUNDS:
            raise PeriodError("รอบรายงานต้องเป็น 6 หรือ 12 เดือน", "--round must be 6 or 12")
        if not 2400 < fy < 2800:
            raise PeriodError(f"ปีงบประมาณ {fy} ไม่ถูกต้อง (ใช้ปี พ.ศ. เช่น 2570)", f"fiscal year {fy}: give a B.E. year such as 2570")
        first, last = fiscal_year_bounds(fy)
        if months == 6:
            last = date(first.year + 1, 3, 31)
        return cls(first, last, fy, months)

    @classmethod
    def of_dates(cls, first: date, last: date) -> "ReportPeriod":
        if first > last:
            raise PeriodError("วันที่เริ่มต้องไม่อยู่หลังวันที่สิ้นสุด", "--from is after --to")
        return cls(first, last, fiscal_year(first), None)

    @classmethod
    def parse(cls, fy: int | None, months: int | None, from_text: str | None, to_text: str | None, today: date) -> "ReportPeriod":
        """From the command line or the console's form: dates win over a round."""
        if from_text or to_text:
            try:
                first = parse_thai_date(from_text) if from_text else None
                last = parse_thai_date(to_text) if to_text else None
            except ValueError as exc:
                raise PeriodError(str(exc), "dates are day/month/B.E. year (1/10/2569) or ISO (2026-10-01)") from None
            if first is None:
                first = fiscal_year_bounds(fiscal_year(last))[0]
            if last is None:
                last = min(today, fiscal_year_bounds(fiscal_year(first))[1])
            return cls.of_dates(first, last)
        return cls.of_round(fy or fiscal_year(today), months or 12)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        """รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)"""
        dates = f"{thai_date(self.first)} – {thai_date(self.last)}"
        return f"รอบ {self.round} เดือน ({dates})" if self.round else dates

    @property
    def heading(self) -> str:
        """ประจำปีงบประมาณ พ.ศ. 2570 รอบ 6 เดือน (…) — for a report's title block."""
        if self.round:
            return f"ประจำปีงบประมาณ พ.ศ. {self.fiscal_year} {self.label}"
        return f"ระหว่างวันที่ {self.label}"

    @property
    def slug(self) -> str:
        """For file names: fy2570-r6, or 2569-10-01_2570-03-31 (B.E.)."""
        if self.round:
            return f"fy{self.fiscal_year}-r{self.round}"

        def be(d: date) -> str:
            return f"{d.year + 543}-{d.month:02d}-{d.day:02d}"

        return f"{be(self.first)}_{be(self.last)}"

    def previous(self) -> "ReportPeriod":
        """The same dates one year earlier (29 February becomes the 28th)."""

        def back(d: date) -> date:
            try:
                return d.replace(year=d.year - 1)
            except ValueError:
                return d.replace(year=d.year - 1, day=28)

        if self.round:
            return ReportPeriod.of_round(self.fiscal_year - 1, self.round)
        return ReportPeriod.of_dates(back(self.first), back(self.last))

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every calendar month the period touches, in order."""
        out, current = [], self.first.replace(day=1)
        while current <= self.last:
            out.append((current.year, current.month))
            current = (current + timedelta(days=32)).replace(day=1)
        return out

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last
