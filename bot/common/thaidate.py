"""Dates as Thai people read them: Buddhist Era years, Thai month names, Asia/Bangkok time.

Formatting uses PyThaiNLP's thai_strftime. Also here: reading a date a person typed
("27/11/2569"), the fiscal year (1 October – 30 September, named by the B.E. year it ends
in: FY 2570 = 1 Oct 2026 – 30 Sep 2027) and day/month boundaries as timestamps.
Functions that format accept a date, a datetime or epoch seconds, and give "" for None.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543

_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

Moment = float | int | datetime | date | None


def to_bangkok(value: float | int | datetime) -> datetime:
    """A timestamp (epoch seconds) or datetime, as an aware datetime in Asia/Bangkok.

    A naive datetime is taken to be Bangkok time already."""
    if isinstance(value, datetime):
        return value.astimezone(BANGKOK) if value.tzinfo else value.replace(tzinfo=BANGKOK)
    return datetime.fromtimestamp(float(value), BANGKOK)


def now() -> datetime:
    return datetime.now(BANGKOK)


def _strftime(value: datetime | date, fmt: str) -> str:
    from pythainlp.util import thai_strftime  # imported on first use: PyThaiNLP takes ~0.1 s to load

    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return thai_strftime(value, fmt)


def _day_or_moment(value: float | int | datetime | date) -> date | datetime:
    return value if isinstance(value, date) and not isinstance(value, datetime) else to_bangkok(value)


def thai_date(value: Moment, full_month: bool = True) -> str:
    """27 พฤศจิกายน 2569 (full_month=False: 27 พ.ย. 2569)."""
    if value is None or value == "":
        return ""
    return _strftime(_day_or_moment(value), "%-d %B %Y" if full_month else "%-d %b %Y")


def thai_month(year: int, month: int, full_month: bool = False) -> str:
    """A calendar month (C.E. year): ต.ค. 2569, or ตุลาคม 2569 with full_month."""
    return _strftime(date(year, month, 1), "%B %Y" if full_month else "%b %Y")


def thai_date_short(value: Moment) -> str:
    """27 พ.ย. 69"""
    if value is None or value == "":
        return ""
    return _strftime(_day_or_moment(value), "%-d %b %y")


def thai_weekday_date(value: Moment) -> str:
    """วันศุกร์ที่ 27 พฤศจิกายน 2569"""
    if value is None or value == "":
        return ""
    return _strftime(_day_or_moment(value), "%Aที่ %-d %B %Y")


def thai_datetime(value: float | int | datetime | None, seconds: bool = False) -> str:
    """27 พ.ย. 2569 เวลา 14.05 น. (the style of Thai official letters)."""
    if value is None or value == "":
        return ""
    return _strftime(to_bangkok(value), "%-d %b %Y เวลา %H.%M.%S น." if seconds else "%-d %b %Y เวลา %H.%M น.")


def short_numeric(value: date) -> str:
    """27/11/2569: how a date is typed back into a form."""
    return f"{value.day}/{value.month}/{value.year + BE_OFFSET}"


def parse_thai_date(text: str) -> date:
    """Read a date a person typed: 27/11/2569, 27-11-69, ๒๗/๑๑/๒๕๖๙ (B.E.), or 2026-11-27 (ISO).

    A four-digit year from 2400 on is B.E., below it C.E.; two digits are a B.E. year of
    the 2500s. Raises ValueError with a Thai message.
    """
    text = (text or "").translate(_THAI_DIGITS)
    iso = _ISO_DATE.match(text)
    try:
        if iso:
            year, month, day = (int(g) for g in iso.groups())
            if year >= 2400:
                year -= BE_OFFSET
            return date(year, month, day)
        match = _NUMERIC_DATE.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            if year < 100:
                year += 2500
            if year >= 2400:
                year -= BE_OFFSET
            if year < 1900:
                raise ValueError
            return date(year, month, day)
    except ValueError:
        pass
    raise ValueError("วันที่ไม่ถูกต้อง กรุณาพิมพ์เป็น วัน/เดือน/ปี พ.ศ. เช่น 27/11/2569")


def day_start(value: date) -> float:
    """Epoch seconds of 00:00 in Bangkok on that day."""
    return datetime.combine(value, time(), BANGKOK).timestamp()


def day_bounds(value: date) -> tuple[float, float]:
    return day_start(value), day_start(value + timedelta(days=1))


def month_bounds(value: date) -> tuple[float, float]:
    first = value.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return day_start(first), day_start(following)


def fiscal_year(value: date | datetime) -> int:
    """The Thai government fiscal year (B.E.) a day belongs to: 1 Oct 2026 is in FY 2570."""
    return value.year + BE_OFFSET + (1 if value.month >= 10 else 0)


def fiscal_year_bounds(fy: int) -> tuple[date, date]:
    """First and last day of a fiscal year: 2570 → (2026-10-01, 2027-09-30)."""
    end_year = fy - BE_OFFSET
    return date(end_year - 1, 10, 1), date(end_year, 9, 30)


def fiscal_year_dates(fy: int) -> tuple[date, date]:
    """First day and the day after the last day of a fiscal year (for half-open ranges)."""
    end_year = fy - BE_OFFSET
    return date(end_year - 1, 10, 1), date(end_year, 10, 1)


def utc_offset_seconds(at: datetime | None = None) -> int:
    return int((at or now()).utcoffset().total_seconds())
