"""How long a ticket may wait (issue 18): working days to acknowledge it and to resolve it,
by category and village topic, from content/ticket-deadlines.yaml (a part of the content
snapshot: bot/wiring.py CONTENT_PARTS); a ticket's due dates; which open tickets are late.

The clock starts on the day a ticket is filed when that is a working day before the office
closes (16:30 Bangkok), else on the next working day: a report sent on Friday evening or on
Saturday is due as if filed on Monday. Due dates are Bangkok days; a ticket is late from the
day after. Tickets filed before deadlines existed (no dates stored) get theirs computed from
when they were filed, so the console and the clock treat every ticket alike. Telling people
about late tickets is bot/feedback/ticket_escalation.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Mapping

import sqlite_utils

from bot.common.thaidate import BANGKOK, thai_date
from bot.content import yamlfile
from bot.content.files import TICKET_DEADLINES_FILE
from bot.content.profile import ContentError
from bot.content.workdays import WorkCalendar
from bot.feedback.ticket_texts import TICKET_CATEGORIES, VILLAGE_TOPICS
from db import ticket_deadlines as store
from db.tickets import Ticket

OFFICE_CLOSES = time(16, 30)
MAX_WORKING_DAYS = 120  # about six months: a larger number is a typing mistake
MAX_ESCALATE_AFTER = 30
ACK, RESOLVE = "ack", "resolve"
CONFIRM_DAYS = 7  # a closure the citizen leaves unanswered this long counts as confirmed (timed out)
ACK_PENDING_STATUSES = ("received", "reopened")  # nobody has taken the ticket in hand yet
_DAYS = ("acknowledge", "resolve")


@dataclass(frozen=True)
class Deadline:
    acknowledge: int = 1  # working days
    resolve: int = 15


@dataclass(frozen=True)
class DeadlineRules:
    default: Deadline = Deadline()
    categories: Mapping[str, Deadline] = field(default_factory=dict)
    topics: Mapping[tuple[str, str], Deadline] = field(default_factory=dict)  # (category, topic)
    escalate_after: int = 2  # working days late before the division head and the admins hear

    def for_ticket(self, category: str, topic: str | None) -> Deadline:
        return self.topics.get((category, topic or "")) or self.categories.get(category) or self.default


@dataclass(frozen=True)
class Due:
    ack: date
    resolve: date


@dataclass(frozen=True)
class Late:
    """One missed deadline of an open ticket, as of a day."""

    ticket: Ticket
    deadline: str  # ack | resolve
    due: date
    working_days: int  # working days late (1 on the first working day after the due day)


# --- content/ticket-deadlines.yaml ---------------------------------------------------------------


def load_rules(path: Path) -> DeadlineRules:
    """Read and check the deadlines; a missing or empty file means the defaults (1 and 15
    working days). Every mistake names the file, the line and the field, and nothing loads."""
    if not path.exists():
        return DeadlineRules()
    raw, node = yamlfile.read(path)
    if raw is None:
        return DeadlineRules()
    return _Reader(path).rules(raw, node)


def from_content(folder: Path, divisions=()) -> DeadlineRules:
    """The content snapshot's part (bot/wiring.py)."""
    return load_rules(Path(folder) / TICKET_DEADLINES_FILE)


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []

    def error(self, line: int, where: str, english: str, thai: str) -> None:
        self.problems.append(f"{self.path}:{line}: {where}: {english} ({thai})")

    def mapping(self, value, node, line: int, where: str, allowed: tuple[str, ...]) -> dict[str, tuple[object, object, int]]:
        """key → (value, its node, its line) of a mapping; unknown keys are mistakes."""
        if not isinstance(value, dict) or not isinstance(getattr(node, "value", None), list):
            self.error(line, where or "(file)", "expected fields written 'name: value' on the lines below",
                       "ต้องเขียนเป็นรายการ ชื่อ: ค่า ในบรรทัดถัดไป")
            return {}
        values = {str(k): v for k, v in value.items()}
        out = {}
        for key_node, value_node in node.value:
            key, key_line = str(key_node.value), key_node.start_mark.line + 1
            name = f"{where}.{key}" if where else key
            if key not in allowed:
                self.error(key_line, name, f"unknown field; expected one of {', '.join(allowed)}", f"ไม่รู้จักช่อง '{key}'")
                continue
            out[key] = (values.get(key), value_node, key_line)
        return out

    def days(self, fields: dict, name: str, where: str, low: int, high: int, default: int) -> int:
        if name not in fields:
            return default
        value, _, line = fields[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(line, f"{where}.{name}" if where else name,
                       f"must be a whole number of working days from {low} to {high} (got {value!r})",
                       f"ต้องเป็นจำนวนวันทำการ {low}–{high}")
            return default
        return value

    def deadline(self, fields: dict, line: int, where: str, base: Deadline) -> Deadline:
        ack = self.days(fields, "acknowledge", where, 0, MAX_WORKING_DAYS, base.acknowledge)
        resolve = self.days(fields, "resolve", where, 1, MAX_WORKING_DAYS, base.resolve)
        if ack > resolve:
            self.error(line, where, f"acknowledge ({ack}) is later than resolve ({resolve})",
                       "กำหนดรับเรื่องต้องไม่เกินกำหนดแก้ไขเสร็จ")
        return Deadline(ack, resolve)

    def rules(self, raw, node) -> DeadlineRules:
        top = self.mapping(raw, node, 1, "", ("default", "escalate_after_working_days", "categories"))
        default = Deadline()
        if "default" in top:
            value, value_node, line = top["default"]
            default = self.deadline(self.mapping(value, value_node, line, "default", _DAYS), line, "default", default)
        escalate_after = self.days(top, "escalate_after_working_days", "", 1, MAX_ESCALATE_AFTER, DeadlineRules.escalate_after)
        categories: dict[str, Deadline] = {}
        topics: dict[tuple[str, str], Deadline] = {}
        if "categories" in top:
            value, value_node, line = top["categories"]
            for category, (v, n, at) in self.mapping(value, value_node, line, "categories", tuple(TICKET_CATEGORIES)).items():
                where = f"categories.{category}"
                fields = self.mapping(v, n, at, where, _DAYS + (("topics",) if category == "village" else ()))
                categories[category] = self.deadline(fields, at, where, default)
                if "topics" in fields:
                    tv, tn, tat = fields["topics"]
                    for topic, (x, xn, xat) in self.mapping(tv, tn, tat, f"{where}.topics", tuple(VILLAGE_TOPICS)).items():
                        topic_where = f"{where}.topics.{topic}"
                        topics[(category, topic)] = self.deadline(
                            self.mapping(x, xn, xat, topic_where, _DAYS), xat, topic_where, categories[category])
        if self.problems:
            raise ContentError("\n".join(self.problems))
        return DeadlineRules(default, categories, topics, escalate_after)


# --- due dates -------------------------------------------------------------------------------------


def _moment(value: datetime | float) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(BANGKOK)
    return datetime.fromtimestamp(value, BANGKOK)


def start_day(calendar: WorkCalendar, filed: datetime | float) -> date:
    """The working day a ticket's clock starts: the day itself before 16:30 on a working day,
    else the next working day."""
    moment = _moment(filed)
    if calendar.is_working_day(moment.date()) and moment.time() < OFFICE_CLOSES:
        return moment.date()
    return calendar.on_or_after(moment.date() + timedelta(days=1))


def due_dates(rules: DeadlineRules | None, calendar: WorkCalendar | None, category: str, topic: str | None,
              created: datetime | float) -> tuple[date, date]:
    """(acknowledge by, resolve by) of a ticket of this category and topic filed at `created`."""
    rules, calendar = rules or DeadlineRules(), calendar or WorkCalendar()
    deadline = rules.for_ticket(category, topic)
    start = start_day(calendar, created)
    return calendar.add_working_days(start, deadline.acknowledge), calendar.add_working_days(start, deadline.resolve)


def due_of(ticket: Ticket, rules: DeadlineRules | None, calendar: WorkCalendar | None) -> Due:
    """The ticket's due dates as stored, or as they would have been stamped when it was filed."""
    if ticket.ack_due_on and ticket.resolve_due_on:
        return Due(date.fromisoformat(ticket.ack_due_on), date.fromisoformat(ticket.resolve_due_on))
    ack, resolve = due_dates(rules, calendar, ticket.category, ticket.topic, ticket.created_at)
    return Due(date.fromisoformat(ticket.ack_due_on) if ticket.ack_due_on else ack,
               date.fromisoformat(ticket.resolve_due_on) if ticket.resolve_due_on else resolve)


def stamp(db: sqlite_utils.Database, ticket_id: int, rules: DeadlineRules | None, calendar: WorkCalendar | None,
          now: datetime | float) -> Due:
    """Write a new ticket's due dates (`now`: when it was filed), in the caller's transaction."""
    ticket = store.ticket(db, ticket_id)
    ack, resolve = due_dates(rules, calendar, ticket.category, ticket.topic, now)
    store.set_due(db, ticket_id, ack.isoformat(), resolve.isoformat())
    return Due(ack, resolve)


def restamp_resolve(db: sqlite_utils.Database, ticket_id: int, rules: DeadlineRules | None,
                    calendar: WorkCalendar | None, now: datetime | float) -> Due:
    """A reopened ticket's resolve deadline starts again from `now` (its acknowledgement
    deadline stays), and the new deadline is escalated afresh when missed."""
    ticket = store.ticket(db, ticket_id)
    rules, calendar = rules or DeadlineRules(), calendar or WorkCalendar()
    ack = due_of(ticket, rules, calendar).ack
    resolve = calendar.add_working_days(start_day(calendar, now), rules.for_ticket(ticket.category, ticket.topic).resolve)
    store.set_due(db, ticket_id, ack.isoformat(), resolve.isoformat())
    store.forget_told(db, ticket_id, RESOLVE)
    return Due(ack, resolve)


# --- which tickets are late ---------------------------------------------------------------------


def late_deadlines(ticket: Ticket, due: Due, acknowledged: bool, calendar: WorkCalendar, today: date) -> list[Late]:
    """The deadlines an open ticket has missed by `today`."""
    if not ticket.is_open:
        return []
    out = []
    if not acknowledged and ticket.status in ACK_PENDING_STATUSES and today > due.ack:
        out.append(Late(ticket, ACK, due.ack, calendar.working_days_between(due.ack, today)))
    if today > due.resolve:
        out.append(Late(ticket, RESOLVE, due.resolve, calendar.working_days_between(due.resolve, today)))
    return out


def late(db: sqlite_utils.Database, rules: DeadlineRules | None, calendar: WorkCalendar | None, today: date,
         tickets: list[Ticket] | None = None, scope: tuple[str, list] = ("1 = 1", [])) -> list[Late]:
    """Missed deadlines of these tickets (default: every open ticket in scope), oldest due first.
    Acknowledged: acknowledged_at is set, or staff once moved the ticket on from 'received'."""
    calendar = calendar or WorkCalendar()
    candidates = [t for t in (store.open_tickets(db, scope) if tickets is None else tickets) if t.is_open]
    acknowledged = store.acknowledged(db, [t.id for t in candidates])
    found = [
        item
        for t in candidates
        for item in late_deadlines(t, due_of(t, rules, calendar), t.id in acknowledged, calendar, today)
    ]
    return sorted(found, key=lambda item: (item.due, item.ticket.id, item.deadline))


def due_line(due: Due) -> str:
    """The due dates as staff read them on LINE and in the console."""
    return f"กำหนดรับเรื่อง {thai_date(due.ack, full_month=False)} · กำหนดแก้ไขเสร็จ {thai_date(due.resolve, full_month=False)}"
