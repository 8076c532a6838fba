"""Late tickets told to people, and closures the citizen never answered (the clock's jobs,
scheduler/clock.py).

Escalation, each working morning: a ticket late on a deadline (bot/feedback/ticket_deadlines.py)
is told first to whoever handles it — the assignee's own LINE chat if they are registered
there, else the division's registered chats — on the first working day it is late (stage 1),
then to the division's heads and the SAO's admins once it is `escalate_after` working days
late (stage 2). Each chat gets one digest a day listing all its tickets. A stage is recorded
(ticket_escalations) in the transaction that queues its digests, so a restart or a second run
tells nobody twice; a digest the month's push quota cannot cover waits for the next day, its
tickets unrecorded.

Confirmation timeout: a closure the citizen has neither confirmed nor reopened within
CONFIRM_DAYS days counts as confirmed by timeout (reports count it apart).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

import sqlite_utils

from bot.common.thaidate import thai_date
from bot.content.workdays import WorkCalendar
from bot.feedback import announce
from bot.feedback import ticket_texts as t
from bot.feedback.announce import Office
from bot.feedback.ticket_deadlines import ACK, CONFIRM_DAYS, DeadlineRules, Late, late
from db import staff, ticket_closures, tickets
from db import ticket_deadlines as store
from db.staff import Recipient

log = logging.getLogger(__name__)

SYSTEM = "ระบบ"
TIMED_OUT_NOTE = f"ปิดเรื่องโดยอัตโนมัติ: ผู้แจ้งไม่ได้ตอบภายใน {CONFIRM_DAYS} วัน"
PURPOSE = "ticket-escalation"
ASSIGNEE, HEADS = 1, 2  # stages
MAX_TEXT = 5000  # LINE's limit for one text message
MAX_MESSAGES = 5  # message objects in one push


@dataclass(frozen=True)
class PushBudget:
    """What this month's push quota allows: `left` pushes (None: no limit known), a push to
    a chat costing `cost(chat_key)` (one per member of a group)."""

    left: int | None = None
    cost: Callable[[str], int] = lambda chat_key: 1


@dataclass(frozen=True)
class Item:
    late: Late
    stage: int


def escalate_overdue(
    db: sqlite_utils.Database,
    office: Office,
    rules: DeadlineRules | None,
    calendar: WorkCalendar | None,
    today: date,
    budget: PushBudget | None = None,
) -> list[int]:
    """Queue today's digests of late tickets, in the caller's transaction; the outbox ids."""
    rules, calendar, budget = rules or DeadlineRules(), calendar or WorkCalendar(), budget or PushBudget()
    if not calendar.is_working_day(today):
        return []
    found = late(db, rules, calendar, today)
    already = store.told(db, sorted({item.ticket.id for item in found}))
    chats: dict[str, tuple[Recipient, list[Item]]] = {}
    owed: dict[tuple[int, str, int], set[str]] = {}  # a stage → the chats that must hear it
    for item in found:
        for stage, after in ((ASSIGNEE, 1), (HEADS, rules.escalate_after)):
            key = (item.ticket.id, item.deadline, stage)
            if item.working_days < after or key in already:
                continue
            recipients = _recipients(db, item.ticket, stage)
            if not recipients:
                log.warning("late ticket %s: nobody registered to tell (stage %s)", item.ticket.number, stage)
                continue
            owed[key] = {r.chat_key for r in recipients}
            for r in recipients:
                chats.setdefault(r.chat_key, (r, []))[1].append(Item(item, stage))
    queued, told_chats = [], set()
    for chat_key in _within_budget(chats, budget):
        recipient, items = chats[chat_key]
        outbox_id = announce.push(
            db,
            chat_key=chat_key,
            line_id=recipient.line_id,
            messages=digest(office, items, today, rules.escalate_after),
            dedupe_key=f"ticket-escalation:{today.isoformat()}:{chat_key}",
            purpose=PURPOSE,
        )
        if outbox_id:  # None: this chat had today's digest already; its new items wait a day
            queued.append(outbox_id)
            told_chats.add(chat_key)
    for (ticket_id, deadline, stage), needed in owed.items():
        if needed <= told_chats:
            store.record_told(db, ticket_id, deadline, stage, today.isoformat())
    return queued


def _recipients(db: sqlite_utils.Database, ticket: tickets.Ticket, stage: int) -> list[Recipient]:
    if stage == ASSIGNEE:
        own = staff.of_chat(db, f"user:{ticket.assignee_user_id}") if ticket.assignee_user_id else []
        found = own[:1] or staff.for_division(db, ticket.division_id) or staff.admins(db)
    else:
        found = staff.for_division(db, ticket.division_id, roles=("head",)) + staff.admins(db)
    return list({r.chat_key: r for r in found}.values())


def _within_budget(chats: dict[str, tuple[Recipient, list[Item]]], budget: PushBudget) -> list[str]:
    """The chats to tell today: all when the quota allows, else those the heads and admins
    first, as many as fit; the rest wait for the next working day."""
    order = sorted(chats, key=lambda key: (-max(i.stage for i in chats[key][1]), key))
    if budget.left is None:
        return order
    chosen, left = [], budget.left
    for key in order:
        cost = budget.cost(key)
        if cost <= left:
            chosen.append(key)
            left -= cost
    if len(chosen) < len(order):
        log.warning("push quota: %s left; %s of %s late-ticket digests wait for the next working day",
                    budget.left, len(order) - len(chosen), len(order))
    return chosen


# --- the digest ------------------------------------------------------------------------------------


def _line(office: Office, item: Item) -> str:
    ticket, what = item.late.ticket, item.late
    category = t.TICKET_CATEGORIES.get(ticket.category, ("", ticket.category))[1]
    if ticket.topic in t.VILLAGE_TOPICS:
        category += f" ({t.VILLAGE_TOPICS[ticket.topic][1]})"
    missed = "ยังไม่ได้รับเรื่อง" if what.deadline == ACK else "ยังแก้ไขไม่เสร็จ"
    who = ticket.assignee_name or "ยังไม่มีผู้รับเรื่อง"
    return (
        f"• {ticket.number} {category}\n"
        f"  {missed} เลยกำหนด {what.working_days} วันทำการ (กำหนด {thai_date(what.due, full_month=False)})\n"
        f"  {office.division_name(ticket.division_id)} · ผู้รับผิดชอบ: {who}\n"
        f"  {office.console_link('tickets', ticket.id)}"
    )


def digest(office: Office, items: list[Item], today: date, escalate_after: int) -> list[dict]:
    """One chat's digest: its late tickets, stage 2 first, split over up to MAX_MESSAGES texts;
    what does not fit is counted ("และอีก N เรื่อง") with the console's list of late tickets."""
    highest: dict[tuple[int, str], Item] = {}  # both stages at once (a head of the division): listed once
    for item in items:
        key = (item.late.ticket.id, item.late.deadline)
        if key not in highest or item.stage > highest[key].stage:
            highest[key] = item
    items = sorted(highest.values(), key=lambda i: (-i.stage, -i.late.working_days, i.late.ticket.id, i.late.deadline))
    tickets_count = len({i.late.ticket.id for i in items})
    blocks = [f"⏰ เรื่องร้องเรียน/เสนอแนะที่เลยกำหนด {tickets_count} เรื่อง ณ วันที่ {thai_date(today)}"]
    sections = (
        (HEADS, f"เลยกำหนด {escalate_after} วันทำการขึ้นไป แจ้งหัวหน้ากองและผู้ดูแลระบบเพื่อติดตามค่ะ"),
        (ASSIGNEE, "เลยกำหนดแล้ว รบกวนดำเนินการหรือแจ้งความคืบหน้าในระบบด้วยค่ะ"),
    )
    for stage, heading in sections:
        lines = [_line(office, i) for i in items if i.stage == stage]
        if lines:
            blocks += [heading] + lines
    overdue_list = f"{office.base_url}/admin/tickets?overdue=1"
    return [announce.text(body) for body in _pack(blocks, f"ดูเรื่องที่เลยกำหนดทั้งหมด: {overdue_list}")]


def _pack(blocks: list[str], footer: str) -> list[str]:
    """Blocks into at most MAX_MESSAGES texts of at most MAX_TEXT characters each; the footer
    last, after "และอีก N เรื่อง" when some ticket lines were left out."""
    room = MAX_TEXT - len(footer) - 40  # the footer and "และอีก N เรื่อง" always fit
    messages, current = [], ""
    for index, block in enumerate(blocks):
        joined = f"{current}\n\n{block}" if current else block
        if len(joined) <= room:
            current = joined
            continue
        if len(messages) < MAX_MESSAGES - 1 and len(block) <= room:
            messages.append(current)
            current = block
            continue
        left_out = sum(1 for b in blocks[index:] if b.startswith("• "))
        current += f"\n\nและอีก {left_out} เรื่อง" if left_out else ""
        break
    current = f"{current}\n\n{footer}"
    return messages + [current]


# --- confirmation timeout ----------------------------------------------------------------------------


def close_unconfirmed(db: sqlite_utils.Database, office: Office | None = None, now: float | None = None) -> list[int]:
    """Closures pending over CONFIRM_DAYS days become timed out, each with a line in its ticket's
    history; in the caller's transaction. The citizen is not messaged. Returns the ticket ids."""
    now = time.time() if now is None else now
    closed = []
    for closure_id, ticket_id in store.closures_pending_since(db, now - CONFIRM_DAYS * 86400):
        if ticket_closures.decide(db, closure_id, "timed_out", now):
            tickets.add_event(db, ticket_id, SYSTEM, "resolved", "resolved", TIMED_OUT_NOTE, now)
            closed.append(ticket_id)
    return closed
