"""Dates as Thai people read them: Buddhist Era years, Thai month names, the fiscal year.

Formatting uses PyThaiNLP's thai_strftime. Thailand's government fiscal year runs from
1 October to 30 September and is named by the B.E. year it ends in: FY 2570 is
1 Oct 2026 – 30 Sep 2027. All times are Asia/Bangkok.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pythainlp.util import thai_strftime

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543


def _as_datetime(d: date | datetime) -> datetime:
    if isinstance(d, datetime):
        return d.astimezone(BANGKOK) if d.tzinfo else d
    return datetime(d.year, d.month, d.day)


def thai_date(d: date | datetime) -> str:
    """27 พฤศจิกายน 2569"""
    return thai_strftime(_as_datetime(d), "%-d %B %Y")


def thai_date_short(d: date | datetime) -> str:
    """27 พ.ย. 69"""
    return thai_strftime(_as_datetime(d), "%-d %b %y")


def thai_datetime(d: datetime) -> str:
    """27 พ.ย. 2569 เวลา 09.05 น."""
    return thai_strftime(_as_datetime(d), "%-d %b %Y เวลา %H.%M น.")


def thai_weekday_date(d: date | datetime) -> str:
    """วันศุกร์ที่ 27 พฤศจิกายน 2569"""
    return thai_strftime(_as_datetime(d), "%Aที่ %-d %B %Y")


def be_year(d: date | datetime) -> int:
    return d.year + BE_OFFSET


def fiscal_year(d: date | datetime) -> int:
    """The B.E. fiscal year a day belongs to: 1 Oct 2026 → 2570."""
    return d.year + BE_OFFSET + (1 if d.month >= 10 else 0)


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    """First and last day of a fiscal year: 2570 → (2026-10-01, 2027-09-30)."""
    ce_end = fy_be - BE_OFFSET
    return date(ce_end - 1, 10, 1), date(ce_end, 9, 30)


def now() -> datetime:
    return datetime.now(BANGKOK)
