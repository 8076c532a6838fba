"""Working days of a Thai government office: Monday to Friday, except Thai public and
government holidays (the pinned `holidays` package, which follows the cabinet's yearly
announcements, substitution days included). Used to say when a question for staff is due.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from bot.thaidate import BANGKOK

OFFICE_OPENS = time(8, 30)


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("TH", years=year, categories=("public", "government"))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def one_working_day_after(moment: datetime) -> datetime:
    """The same time on the next working day. Asked on a weekend or holiday, the clock
    starts when the office opens on the next working day, and runs one working day."""
    moment = moment.astimezone(BANGKOK)
    if not is_working_day(moment.date()):
        start = next_working_day(moment.date())
        moment = datetime.combine(start, OFFICE_OPENS, tzinfo=BANGKOK)
    due_day = next_working_day(moment.date())
    return datetime.combine(due_day, moment.timetz().replace(tzinfo=None), tzinfo=BANGKOK)


def holiday_name(day: date) -> str | None:
    return _holidays(day.year).get(day)
