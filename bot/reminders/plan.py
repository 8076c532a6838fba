"""The measures plan as data: content/measures-plan.yaml, and content/plans/<FY>.yaml for one year.

The default plan is written relative to a fiscal year (months, not dates), so the same
file serves every year; a file content/plans/2570.yaml, when present, is the whole plan
for FY 2570 instead (same format, and it may also give exact dates).

Every mistake is reported with file, line and field, all at once, and nothing loads
unless the whole file is valid: a half-loaded plan would silently drop reminders.

Months are fiscal positions internally: ต.ค. = 1 … ก.ย. = 12, and 13 = the October after
the year ends (where reports on the whole year fall due).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content import yamlfile
from bot.content.divisions import Division
from bot.content.files import DEFAULT_PLAN_FILE, PLANS_DIR
from bot.content.profile import ContentError

ALL_DIVISIONS_WORDS = ("ทุกส่วนราชการ", "ทุกกอง", "all")
RULES = ("quarterly", "rounds", "months", "date", "after_activity")
AUDIENCES = ("staff", "head")

THAI_MONTHS = {
    1: ("ม.ค.", "มกราคม", "jan"),
    2: ("ก.พ.", "กุมภาพันธ์", "feb"),
    3: ("มี.ค.", "มีนาคม", "mar"),
    4: ("เม.ย.", "เมษายน", "apr"),
    5: ("พ.ค.", "พฤษภาคม", "may"),
    6: ("มิ.ย.", "มิถุนายน", "jun"),
    7: ("ก.ค.", "กรกฎาคม", "jul"),
    8: ("ส.ค.", "สิงหาคม", "aug"),
    9: ("ก.ย.", "กันยายน", "sep"),
    10: ("ต.ค.", "ตุลาคม", "oct"),
    11: ("พ.ย.", "พฤศจิกายน", "nov"),
    12: ("ธ.ค.", "ธันวาคม", "dec"),
}
_MONTH_WORDS = {}
for _number, _names in THAI_MONTHS.items():
    for _name in _names:
        _MONTH_WORDS[_name.replace(".", "").replace(" ", "").lower()] = _number
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def fiscal_position(month: int) -> int:
    """Calendar month → position in the fiscal year: October 1 … September 12."""
    return (month - 10) % 12 + 1


def calendar_month(position: int) -> tuple[int, int]:
    """Fiscal position → (years after the FY's first calendar year, calendar month)."""
    return (position + 8) // 12, (position + 8) % 12 + 1


def parse_month(value: Any) -> int | None:
    """'เม.ย.', 'เมษายน', 'apr' or 4 → 4; None if it is not a month."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= 12 else None
    word = str(value).translate(_THAI_DIGITS).strip().replace(".", "").replace(" ", "").lower()
    if word.isdigit():
        number = int(word)
        return number if 1 <= number <= 12 else None
    return _MONTH_WORDS.get(word)


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out. Working days skip weekends, Thai public holidays and the SAO's days off."""

    before_due: tuple[int, ...] = (14, 7, 3, 1, 0)  # working days before the due date; 0 = on the day
    after_due: tuple[int, ...] = (1, 3)  # follow-ups, working days after the due date
    escalate_after: int = 3  # follow-ups this late also go to the division's head and the admins
    send_from: str = "09:00"  # never earlier, never on a day off …
    send_until: str = "17:00"  # … and never later (nobody is woken at night)
    report_due_day: int | str = 15  # day of the month reports fall due ("last" = the month's last day)
    catch_up_working_days: int = 5  # after downtime, the last follow-up is still sent this long

    @property
    def send_from_minutes(self) -> int:
        hours, minutes = self.send_from.split(":")
        return int(hours) * 60 + int(minutes)

    @property
    def send_until_minutes(self) -> int:
        hours, minutes = self.send_until.split(":")
        return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class FollowUp:
    rule: str  # quarterly | rounds | months | date | after_activity
    report: str  # what to report, as people read it
    rounds: tuple[int, ...] = ()  # rounds: lengths in months from 1 October (6, 12)
    months: tuple[int, ...] = ()  # months: calendar months (4, 10)
    day: int | str | None = None  # day of the month the report is due; None: the policy's
    date: date | None = None  # date: an exact date (a per-year file)
    date_month: int | None = None  # date: a month and day inside the fiscal year
    date_day: int | None = None
    within_days: int = 0  # after_activity: report due this many days after the activity


@dataclass(frozen=True)
class Measure:
    no: int
    id: str
    title: str
    actions: tuple[str, ...]
    division_ids: tuple[str, ...]
    responsible: str  # as the plan writes it, e.g. "สำนักปลัด/กองคลัง"
    audience: str  # staff | head: who in each division is reminded
    period_from: int  # fiscal positions, 1..12
    period_to: int
    period_text: str
    follow_up: FollowUp
    follow_up_text: str  # as the plan writes it


@dataclass(frozen=True)
class Plan:
    title: str
    source: str
    policy: ReminderPolicy
    measures: tuple[Measure, ...]
    path: Path
    fingerprint: str  # changes whenever the file's meaning changes
    fiscal_year: int | None = None  # set for a per-year file

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


# --- reading YAML with line numbers ---------------------------------------------------


class _Doc:
    """A YAML file with the line of every node, so a message can point at the mistake."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems

    def line(self, node: yaml.Node | None) -> int | str:
        return node.start_mark.line + 1 if node is not None else "?"

    def problem(self, node: yaml.Node | None, where: str, message: str) -> None:
        self.problems.append(f"{self.path}:{self.line(node)}: {where}: {message}")


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        return next((v for k, v in node.value if k.value == key), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def _key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((k for k, _ in node.value if k.value == key), None)
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# --- the loader -------------------------------------------------------------------------

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s*(.+)$")
MEASURE_FIELDS = {"number", "id", "title", "actions", "divisions", "responsible", "remind", "period", "follow_up"}
FOLLOW_UP_FIELDS = {"rule", "report", "text", "rounds", "months", "day", "date", "within_days"}
POLICY_FIELDS = {
    "before_due",
    "after_due",
    "escalate_after",
    "send_from",
    "send_until",
    "report_due_day",
    "catch_up_working_days",
}
TOP_FIELDS = {"title", "source", "fiscal_year", "reminders", "measures"}


def _working_days_list(doc: _Doc, node, value, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 60 for v in value):
        doc.problem(node, where, "must be a list of whole numbers of working days (0-60), e.g. [14, 7, 3, 1, 0]")
        return ()
    if len(set(value)) != len(value):
        doc.problem(node, where, "a number appears twice")
    return tuple(value)


def _due_day(doc: _Doc, node, value, where: str) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in ("last", "สิ้นเดือน"):
        return "last"
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 31:
        return value
    doc.problem(node, where, "must be a day of the month (1-31) or 'last' (สิ้นเดือน)")
    return None


def _policy(doc: _Doc, node, raw: Any) -> ReminderPolicy:
    if raw is None:
        return ReminderPolicy()
    if not isinstance(raw, dict):
        doc.problem(node, "reminders", "must be key: value lines")
        return ReminderPolicy()
    for key in raw:
        if key not in POLICY_FIELDS:
            doc.problem(_key_node(node, key), f"reminders.{key}", "unknown field")
    base = ReminderPolicy()
    values: dict[str, Any] = {}
    for key in ("before_due", "after_due"):
        if key in raw:
            values[key] = _working_days_list(doc, _child(node, key), raw[key], f"reminders.{key}")
    for key in ("escalate_after", "catch_up_working_days"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60:
                doc.problem(_child(node, key), f"reminders.{key}", "must be a whole number of working days (0-60)")
            else:
                values[key] = value
    for key in ("send_from", "send_until"):
        if key in raw:
            value = _text(raw[key])
            if isinstance(raw[key], int):  # YAML reads 09:00 as a base-60 number
                value = f"{raw[key] // 60:02d}:{raw[key] % 60:02d}"
            if not _TIME.match(value):
                doc.problem(_child(node, key), f"reminders.{key}", "must be a time like \"09:00\"")
            else:
                values[key] = value
    if "report_due_day" in raw:
        day = _due_day(doc, _child(node, "report_due_day"), raw["report_due_day"], "reminders.report_due_day")
        if day is not None:
            values["report_due_day"] = day
    policy = ReminderPolicy(**{**base.__dict__, **values})
    if policy.send_from_minutes >= policy.send_until_minutes:
        doc.problem(node, "reminders.send_until", "must be later than send_from")
    return policy


def _period(doc: _Doc, node, value, where: str) -> tuple[int, int, str] | None:
    text = _text(value)
    parts = [p.strip() for p in re.split(r"\s*[-–—]\s*(?=[^.\s])", text) if p.strip()] if text else []
    if not 1 <= len(parts) <= 2:
        doc.problem(node, where, "must be a month or a range of months, e.g. 'ต.ค.-ก.ย.' or 'มี.ค.'")
        return None
    months = [parse_month(p) for p in parts]
    if None in months:
        doc.problem(node, where, f"unknown month in {text!r}; write Thai months like ต.ค., มี.ค., ก.ย.")
        return None
    first, last = fiscal_position(months[0]), fiscal_position(months[-1])
    if last < first:
        doc.problem(node, where, "the period must lie inside one fiscal year (ต.ค. to ก.ย.)")
        return None
    return first, last, text


def _follow_up(doc: _Doc, node, raw: Any, where: str, measure: dict) -> FollowUp | None:
    if not isinstance(raw, dict):
        doc.problem(node, where, f"must give a rule: one of {', '.join(RULES)}")
        return None
    for key in raw:
        if key not in FOLLOW_UP_FIELDS:
            doc.problem(_key_node(node, key), f"{where}.{key}", "unknown field")
    rule = _text(raw.get("rule"))
    if rule not in RULES:
        doc.problem(_child(node, "rule") or node, f"{where}.rule", f"must be one of {', '.join(RULES)} (got {rule!r})")
        return None
    report = _text(raw.get("report"))
    if not report:
        doc.problem(_child(node, "report") or node, f"{where}.report", "say what to report (required)")
    day = _due_day(doc, _child(node, "day"), raw.get("day"), f"{where}.day")
    values: dict[str, Any] = {"rule": rule, "report": report, "day": day}

    def needs(key: str) -> bool:
        if key not in raw:
            doc.problem(node, f"{where}.{key}", f"required for rule '{rule}'")
            return False
        return True

    for key in ("rounds", "months", "date", "within_days"):
        wanted = {"rounds": "rounds", "months": "months", "date": "date", "within_days": "after_activity"}[key]
        if key in raw and rule != wanted:
            doc.problem(_key_node(node, key), f"{where}.{key}", f"only for rule '{wanted}'")
    if rule == "rounds" and needs("rounds"):
        rounds = raw["rounds"]
        if not isinstance(rounds, list) or not rounds or not all(isinstance(r, int) and 1 <= r <= 12 for r in rounds):
            doc.problem(_child(node, "rounds"), f"{where}.rounds", "must list round lengths in months (1-12), e.g. [6, 12]")
        else:
            values["rounds"] = tuple(sorted(set(rounds)))
    if rule == "months" and needs("months"):
        months = raw["months"]
        parsed = [parse_month(m) for m in months] if isinstance(months, list) and months else [None]
        if None in parsed:
            doc.problem(_child(node, "months"), f"{where}.months", "must list months, e.g. [เม.ย., ต.ค.]")
        else:
            values["months"] = tuple(dict.fromkeys(parsed))
    if rule == "date" and needs("date"):
        value = raw["date"]
        if isinstance(value, date):
            values["date"] = value
        else:
            found = _DAY_MONTH.match(_text(value).translate(_THAI_DIGITS))
            month = parse_month(found.group(2)) if found else None
            if not found or month is None or not 1 <= int(found.group(1)) <= 31:
                doc.problem(_child(node, "date"), f"{where}.date", "must be a day and month like '20 เม.ย.' or a date like 2027-04-20")
            else:
                values["date_month"], values["date_day"] = month, int(found.group(1))
    if rule == "after_activity" and needs("within_days"):
        days = raw["within_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 180:
            doc.problem(_child(node, "within_days"), f"{where}.within_days", "must be a number of days (1-180)")
        else:
            values["within_days"] = days
    return FollowUp(**values)


def _measure(doc: _Doc, node, raw: Any, index: int, divisions: tuple[Division, ...]) -> Measure | None:
    where = f"measures[{index}]"
    if not isinstance(raw, dict):
        doc.problem(node, where, "each measure needs number, id, title, actions, divisions, period and follow_up")
        return None
    for key in raw:
        if key not in MEASURE_FIELDS:
            doc.problem(_key_node(node, key), f"{where}.{key}", "unknown field")
    ok = True
    no = raw.get("number")
    if not isinstance(no, int) or isinstance(no, bool) or no < 1:
        doc.problem(_child(node, "number") or node, f"{where}.number", "must be the measure's number (1, 2, …)")
        ok = False
    measure_id = _text(raw.get("id"))
    if not _ID.match(measure_id):
        doc.problem(_child(node, "id") or node, f"{where}.id", f"must be lower-case letters, digits or '-' (got {measure_id!r})")
        ok = False
    title = _text(raw.get("title"))
    if not title:
        doc.problem(_child(node, "title") or node, f"{where}.title", "required")
        ok = False
    actions = raw.get("actions")
    if not isinstance(actions, list) or not actions or not all(_text(a) for a in actions):
        doc.problem(_child(node, "actions") or node, f"{where}.actions", "must list at least one action (วิธีการดำเนินการ)")
        ok = False
        actions = []
    known = {d.id: d.name for d in divisions}
    chosen = raw.get("divisions")
    division_ids: tuple[str, ...] = ()
    if isinstance(chosen, str) and chosen.strip() in ALL_DIVISIONS_WORDS:
        division_ids = tuple(known)
        default_responsible = "ทุกส่วนราชการ"
    elif isinstance(chosen, list) and chosen:
        unknown = [str(d) for d in chosen if str(d) not in known]
        if unknown:
            doc.problem(
                _child(node, "divisions"),
                f"{where}.divisions",
                f"unknown division {unknown[0]!r}; use ids from divisions.yaml ({', '.join(known)}) or 'ทุกส่วนราชการ'",
            )
            ok = False
        division_ids = tuple(dict.fromkeys(str(d) for d in chosen))
        default_responsible = "/".join(known.get(d, d) for d in division_ids)
    else:
        doc.problem(_child(node, "divisions") or node, f"{where}.divisions", "must be 'ทุกส่วนราชการ' or a list of division ids")
        ok = False
        default_responsible = ""
    audience = _text(raw.get("remind") or "staff")
    if audience not in AUDIENCES:
        doc.problem(_child(node, "remind"), f"{where}.remind", "must be 'staff' (the division's registered chats) or 'head' (its head)")
        ok = False
    period = _period(doc, _child(node, "period") or node, raw.get("period"), f"{where}.period")
    follow_up = _follow_up(doc, _child(node, "follow_up") or node, raw.get("follow_up"), f"{where}.follow_up", raw)
    if not ok or period is None or follow_up is None:
        return None
    follow_raw = raw.get("follow_up") or {}
    return Measure(
        no=no,
        id=measure_id,
        title=title,
        actions=tuple(_text(a) for a in actions),
        division_ids=division_ids,
        responsible=_text(raw.get("responsible")) or default_responsible,
        audience=audience,
        period_from=period[0],
        period_to=period[1],
        period_text=period[2],
        follow_up=follow_up,
        follow_up_text=_text(follow_raw.get("text")) or follow_up.report,
    )


def load_plan(path: Path, divisions: tuple[Division, ...], fiscal_year: int | None = None) -> Plan:
    """Read and check one plan file; raise ContentError listing every mistake."""
    raw, node = yamlfile.read(path)
    problems: list[str] = []
    doc = _Doc(path, problems)
    if not isinstance(raw, dict) or not isinstance(raw.get("measures"), list) or not raw["measures"]:
        raise ContentError(f"{path}:1: expected 'title:', 'reminders:' and a non-empty 'measures:' list")
    for key in raw:
        if key not in TOP_FIELDS:
            doc.problem(_key_node(node, key), key, "unknown field")
    if fiscal_year is not None and "fiscal_year" in raw and raw["fiscal_year"] != fiscal_year:
        doc.problem(_child(node, "fiscal_year"), "fiscal_year", f"this file is for FY {fiscal_year} (its name says so)")
    policy = _policy(doc, _child(node, "reminders"), raw.get("reminders"))
    measures = []
    items = _child(node, "measures")
    for i, item in enumerate(raw["measures"]):
        measure = _measure(doc, _child(items, i), item, i, divisions)
        if measure is not None:
            measures.append(measure)
    seen_ids: set[str] = set()
    seen_nos: set[int] = set()
    for i, measure in enumerate(measures):
        if measure.id in seen_ids:
            doc.problem(_child(_child(items, i), "id"), f"measures[{i}].id", f"id '{measure.id}' appears twice")
        if measure.no in seen_nos:
            doc.problem(_child(_child(items, i), "number"), f"measures[{i}].number", f"number {measure.no} appears twice")
        seen_ids.add(measure.id)
        seen_nos.add(measure.no)
    if problems:
        raise ContentError("\n".join(problems))
    title = _text(raw.get("title")) or "มาตรการส่งเสริมคุณธรรมและความโปร่งใส"
    fingerprint = hashlib.sha256(
        repr((title, policy, sorted((m.id, m) for m in measures), [d.id for d in divisions])).encode()
    ).hexdigest()[:16]
    return Plan(
        title=title,
        source=_text(raw.get("source")),
        policy=policy,
        measures=tuple(measures),
        path=path,
        fingerprint=fingerprint,
        fiscal_year=fiscal_year,
    )


@dataclass
class PlanLibrary:
    """The default plan and any per-year plans in a content folder, all checked at load."""

    content_dir: Path
    divisions: tuple[Division, ...]
    default: Plan = field(init=False)
    by_year: dict[int, Plan] = field(init=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        try:
            self.default = load_plan(self.content_dir / DEFAULT_PLAN_FILE, self.divisions)
        except ContentError as exc:
            problems.append(str(exc))
        self.by_year = {}
        folder = self.content_dir / PLANS_DIR
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            if not re.fullmatch(r"25\d\d", path.stem):
                problems.append(f"{path}: name a year's plan by its B.E. fiscal year, e.g. plans/2570.yaml")
                continue
            try:
                self.by_year[int(path.stem)] = load_plan(path, self.divisions, fiscal_year=int(path.stem))
            except ContentError as exc:
                problems.append(str(exc))
        if problems:
            raise ContentError("\n".join(problems))

    def for_year(self, fiscal_year: int) -> Plan:
        return self.by_year.get(fiscal_year, self.default)
