"""The rounds a public report is published for, and when each closes.

Fiscal year (B.E.) N runs 1 October N-544 – 30 September N-543 (Gregorian). Rounds:
- r6: the 6-month round, 1 October – 31 March; r12: the whole fiscal year;
- q1..q4: the quarters (October–December, January–March, April–June, July–September),
  for the reports published quarterly (service statistics, complaints).
A round closes at the end of its last day; the clock publishes it the next night.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.common.thaidate import fiscal_year, fiscal_year_bounds, thai_date
from bot.reports.period import ReportPeriod

ROUNDS_HALF = ("r6", "r12")
ROUNDS_QUARTERLY = ("q1", "q2", "q3", "q4", "r6", "r12")
LABELS = {
    "q1": "ไตรมาสที่ 1 (ต.ค. – ธ.ค.)",
    "q2": "ไตรมาสที่ 2 (ม.ค. – มี.ค.)",
    "q3": "ไตรมาสที่ 3 (เม.ย. – มิ.ย.)",
    "q4": "ไตรมาสที่ 4 (ก.ค. – ก.ย.)",
    "r6": "รอบ 6 เดือน (ต.ค. – มี.ค.)",
    "r12": "รอบ 12 เดือน (ทั้งปีงบประมาณ)",
}


@dataclass(frozen=True)
class QuarterPeriod(ReportPeriod):
    """One quarter of a fiscal year: labelled, titled and named as such."""

    quarter: int = 0

    @classmethod
    def of_quarter(cls, fy: int, quarter: int) -> "QuarterPeriod":
        first, _ = fiscal_year_bounds(fy)
        y = first.year  # the Gregorian year the fiscal year starts in
        start, end = {
            1: (date(y, 10, 1), date(y, 12, 31)),
            2: (date(y + 1, 1, 1), date(y + 1, 3, 31)),
            3: (date(y + 1, 4, 1), date(y + 1, 6, 30)),
            4: (date(y + 1, 7, 1), date(y + 1, 9, 30)),
        }[quarter]
        return cls(start, end, fy, None, quarter)

    @property
    def label(self) -> str:
        return f"ไตรมาสที่ {self.quarter} ({thai_date(self.first)} – {thai_date(self.last)})"

    @property
    def heading(self) -> str:
        return f"ประจำปีงบประมาณ พ.ศ. {self.fiscal_year} {self.label}"

    @property
    def slug(self) -> str:
        return f"fy{self.fiscal_year}-q{self.quarter}"

    def previous(self) -> "QuarterPeriod":
        return QuarterPeriod.of_quarter(self.fiscal_year - 1, self.quarter)


def is_round(key: str) -> bool:
    return key in LABELS


def period_of(fy: int, key: str) -> ReportPeriod:
    if key.startswith("q"):
        return QuarterPeriod.of_quarter(fy, int(key[1]))
    return ReportPeriod.of_round(fy, int(key[1:]))


def last_day(fy: int, key: str) -> date:
    return period_of(fy, key).last


def is_closed(fy: int, key: str, today: date) -> bool:
    return last_day(fy, key) < today


def closed_rounds(rounds: tuple[str, ...], today: date, years_back: int = 1) -> list[tuple[int, str]]:
    """(fiscal year, round) of every round closed before today, this fiscal year and the
    `years_back` before it: what the clock must have published."""
    current = fiscal_year(today)
    return [(fy, key) for fy in range(current - years_back, current + 1) for key in rounds if is_closed(fy, key, today)]


def open_round(rounds: tuple[str, ...], fy: int, today: date) -> str | None:
    """The shortest round of this fiscal year still running today (shown live), if any."""
    running = [key for key in rounds if period_of(fy, key).first <= today <= last_day(fy, key)]
    return min(running, key=lambda k: period_of(fy, k).days) if running else None
