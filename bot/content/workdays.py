"""Working days of a Thai SAO: Monday to Friday, except Thai public and government holidays
and the SAO's own days off. The one place every part of the product asks "is this a working
day?": reminder due dates, when a question for staff is overdue, the audit unit's digest.

Holidays come from the `holidays` package (maintained, works offline: the dates are computed,
including the lunar Buddhist holidays and substitution days; the "government" category adds
days off for government offices such as the Royal Ploughing Ceremony). The SAO adds its own
days off, and holidays the cabinet declares at short notice, in content/days-off.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

import holidays

from bot.content import yamlfile
from bot.content.files import DAYS_OFF_FILE
from bot.content.profile import ContentError
from bot.common.thaidate import BANGKOK

OFFICE_OPENS = time(8, 30)


@lru_cache(maxsize=64)
def _thai_public_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("TH", years=year, categories=("public", "government"), language="th"))


@dataclass(frozen=True)
class DayOff:
    day: date
    name: str


def load_days_off(path: Path) -> tuple[DayOff, ...]:
    """Read the SAO's days off; a missing file means none. Mistakes name the file and line."""
    if not path.exists():
        return ()
    raw, node = yamlfile.read(path)
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not isinstance(raw.get("days_off", []), list):
        raise ContentError(f"{path}:1: expected 'days_off:' followed by a list of '- date: …' entries")
    for key, _ in node.value:
        if key.value != "days_off":
            raise ContentError(f"{path}:{key.start_mark.line + 1}: {key.value}: unknown field")
    items = next((v for k, v in node.value if k.value == "days_off"), None)
    problems = []
    result = []
    for i, entry in enumerate(raw.get("days_off") or []):
        line = items.value[i].start_mark.line + 1 if items is not None else "?"
        if not isinstance(entry, dict) or not isinstance(entry.get("date"), date):
            problems.append(f"{path}:{line}: days_off[{i}].date: must be a date written 2027-05-14")
            continue
        unknown = set(entry) - {"date", "name"}
        if unknown:
            problems.append(f"{path}:{line}: days_off[{i}].{sorted(unknown)[0]}: unknown field")
        result.append(DayOff(entry["date"], str(entry.get("name") or "วันหยุดของ อบต.").strip()))
    if problems:
        raise ContentError("\n".join(problems))
    return tuple(result)


@dataclass(frozen=True)
class WorkCalendar:
    days_off: tuple[DayOff, ...] = ()
    _own: dict[date, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_own", {d.day: d.name for d in self.days_off})

    @classmethod
    def from_content(cls, content_dir: Path) -> "WorkCalendar":
        return cls(load_days_off(content_dir / DAYS_OFF_FILE))

    @property
    def fingerprint(self) -> str:
        return ",".join(sorted(d.isoformat() for d in self._own))

    def day_off_name(self, day: date) -> str | None:
        """Why a day is not a working day (holiday name, 'เสาร์', 'อาทิตย์'), or None on a working day."""
        if day in self._own:
            return self._own[day]
        name = _thai_public_holidays(day.year).get(day)
        if name:
            return name
        if day.weekday() == 5:
            return "วันเสาร์"
        if day.weekday() == 6:
            return "วันอาทิตย์"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.day_off_name(day) is None

    def on_or_before(self, day: date) -> date:
        """The day itself if it is a working day, else the working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """n working days after (n > 0) or before (n < 0) a day; n = 0 gives the day itself."""
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after start up to and including end (negative when end is earlier)."""
        if end == start:
            return 0
        sign = 1 if end > start else -1
        count = 0
        day = start
        while day != end:
            day += timedelta(days=sign)
            if self.is_working_day(day):
                count += 1
        return sign * count

    def one_working_day_after(self, moment: datetime) -> datetime:
        """The same time on the next working day. Asked on a day off, the clock starts when
        the office opens on the next working day, and runs one working day."""
        moment = moment.astimezone(BANGKOK)
        if not self.is_working_day(moment.date()):
            moment = datetime.combine(self.on_or_after(moment.date()), OFFICE_OPENS, tzinfo=BANGKOK)
        due_day = self.add_working_days(moment.date(), 1)
        return datetime.combine(due_day, moment.timetz().replace(tzinfo=None), tzinfo=BANGKOK)
