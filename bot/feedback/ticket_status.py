"""Changing a ticket's status or its division: the one place for it. `python -m bot ticket …`
and the admin console (bot/console/pages/tickets.py) call these functions.

Each change is checked against TRANSITIONS, written with who and when (ticket_events),
and pushes a Thai message to the citizen through the outbox, all in the caller's
transaction; the caller delivers the returned outbox ids after its commit.

received → accepted → in_progress → resolved, or forwarded (to the agency responsible,
whose name and contact the citizen is told) or rejected (with the reason). A citizen who
says a resolved ticket is not fixed reopens it within REOPEN_DAYS; staff may take any
closed ticket back to in_progress to correct a mistake.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlite_utils

from bot.conversation import messages as m
from bot.conversation import postback
from bot.feedback import announce, common
from bot.feedback import ticket_texts as t
from bot.feedback.announce import Office
from db import tickets
from db.tickets import CLOSED_STATUSES, Ticket

REOPEN_DAYS = 14
CITIZEN = "ประชาชน"
MAX_NOTE = 1000

_FROM_OPEN = {"accepted", "in_progress", "resolved", "forwarded", "rejected"}
TRANSITIONS: dict[str, set[str]] = {
    "received": _FROM_OPEN,
    "reopened": _FROM_OPEN,
    "accepted": {"in_progress", "resolved", "forwarded", "rejected"},
    "in_progress": {"resolved", "forwarded", "rejected"},
    "resolved": {"in_progress"},
    "forwarded": {"in_progress"},
    "rejected": {"in_progress"},
}


class TicketError(ValueError):
    """A change that is not allowed; str() is Thai (for the console), .english for the command line."""

    def __init__(self, thai: str, english: str):
        super().__init__(thai)
        self.english = english


@dataclass
class Change:
    ticket: Ticket
    outbox_ids: list[int] = field(default_factory=list)


def find(db: sqlite_utils.Database, ref: str | int) -> Ticket:
    """A ticket by id or number (KC-2570-00042)."""
    ticket = tickets.get(db, int(ref)) if str(ref).isdigit() else tickets.by_number(db, str(ref))
    if ticket is None:
        raise TicketError(f"ไม่พบเรื่อง {ref}", f"no ticket {ref}")
    return ticket


def _require(value: str | None, thai: str, english: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise TicketError(thai, english)
    if len(value) > MAX_NOTE:
        raise TicketError(f"ข้อความยาวเกิน {MAX_NOTE} ตัวอักษร", f"text longer than {MAX_NOTE} characters")
    return value


def change_status(
    db: sqlite_utils.Database,
    office: Office,
    ref: str | int,
    to_status: str,
    *,
    actor: str,
    note: str | None = None,
    agency: str | None = None,
    contact: str | None = None,
    reason: str | None = None,
    now: float | None = None,
) -> Change:
    """Move a ticket to `to_status` as staff member `actor`; tell the citizen."""
    now = time.time() if now is None else now
    actor = _require(actor, "ต้องระบุชื่อผู้เปลี่ยนสถานะ", "say who makes the change (--by)")
    ticket = find(db, ref)
    if to_status not in TRANSITIONS.get(ticket.status, set()):
        raise TicketError(
            f"เปลี่ยนสถานะจาก \"{t.TICKET_STATUS.get(ticket.status)}\" เป็น \"{t.TICKET_STATUS.get(to_status, to_status)}\" ไม่ได้",
            f"a {ticket.status} ticket cannot become {to_status}",
        )
    note = " ".join((note or "").split())[:MAX_NOTE] or None
    changes: dict = {"status": to_status, "updated_at": now}
    if to_status == "forwarded":
        changes["forwarded_to"] = _require(agency, "ต้องระบุหน่วยงานที่ส่งต่อ", "name the agency (--agency)")
        changes["forwarded_contact"] = _require(contact, "ต้องระบุช่องทางติดต่อหน่วยงาน", "give the agency's contact (--contact)")
    if to_status == "rejected":
        changes["reject_reason"] = _require(reason, "ต้องระบุเหตุผลที่ไม่ดำเนินการ", "give the reason (--reason)")
    if to_status == "resolved":
        changes["resolved_at"] = now
        changes["resolution"] = note
    if to_status in CLOSED_STATUSES:
        changes["closed_at"] = now
    elif ticket.status in CLOSED_STATUSES:
        changes["closed_at"] = None
    if not tickets.update(db, ticket.id, ticket.status, **changes):
        raise TicketError("เรื่องนี้เพิ่งถูกเปลี่ยนสถานะโดยผู้อื่น กรุณาโหลดใหม่", "the ticket changed meanwhile; try again")
    event_note = note if to_status != "rejected" else changes["reject_reason"]
    if to_status == "forwarded":
        event_note = f"{changes['forwarded_to']} ({changes['forwarded_contact']})" + (f" {note}" if note else "")
    tickets.add_event(db, ticket.id, actor, ticket.status, to_status, event_note, now)
    updated = tickets.get(db, ticket.id)
    return Change(updated, _tell_citizen(db, office, updated, note, now))


def assign_division(
    db: sqlite_utils.Database,
    office: Office,
    ref: str | int,
    division_id: str,
    *,
    actor: str,
    reason: str | None = None,
    tell_citizen: bool = True,
    now: float | None = None,
) -> Change:
    """Hand a ticket to another division: recorded in its history (the status stays),
    announced to that division's LINE chats, and the citizen told who handles it now."""
    now = time.time() if now is None else now
    actor = _require(actor, "ต้องระบุชื่อผู้มอบหมาย", "say who makes the change (--by)")
    ticket = find(db, ref)
    if not office.has_division(division_id):
        raise TicketError("ไม่พบกองที่เลือก", f"no division {division_id!r} in divisions.yaml")
    if division_id == ticket.division_id:
        raise TicketError(f"เรื่องนี้อยู่ในความดูแลของ{office.division_name(division_id)}อยู่แล้ว", "the ticket is already with that division")
    reason = " ".join((reason or "").split())[:MAX_NOTE] or None
    if not tickets.move_division(db, ticket.id, ticket.status, ticket.division_id, division_id, now):
        raise TicketError("เรื่องนี้เพิ่งถูกเปลี่ยนโดยผู้อื่น กรุณาโหลดใหม่", "the ticket changed meanwhile; try again")
    old_name, new_name = office.division_name(ticket.division_id), office.division_name(division_id)
    tickets.add_event(db, ticket.id, actor, ticket.status, ticket.status, f"มอบหมายให้{new_name} (เดิม {old_name})" + (f": {reason}" if reason else ""), now)
    updated = tickets.get(db, ticket.id)
    (n,) = db.execute("SELECT count(*) FROM ticket_events WHERE ticket_id = ?", (ticket.id,)).fetchone()
    link = office.console_link("tickets", updated.id)
    category = t.TICKET_CATEGORIES.get(updated.category, ("", updated.category))[1]
    excerpt = common.excerpt(updated.description or "(ลบข้อมูลส่วนบุคคลแล้ว)", 200)
    ids = announce.to_division(
        db,
        office,
        division_id,
        lambda note: [announce.text(t.ticket_assigned_announcement(updated.number, category, new_name, old_name, excerpt, reason or "", link) + (f"\n{note}" if note else ""))],
        dedupe_key=f"ticket:{updated.id}:assigned:{n}",
        purpose=f"ticket:{updated.id}:announce",
    )
    if tell_citizen and updated.line_user_id and updated.chat_key:
        queued = announce.push(
            db,
            chat_key=updated.chat_key,
            line_id=updated.line_user_id,
            messages=[announce.text(t.ticket_reassigned(updated.number, new_name))],
            dedupe_key=f"ticket:{updated.id}:update:{n}",
            purpose=f"ticket:{updated.id}:update",
        )
        if queued:
            ids.append(queued)
    return Change(updated, ids)


def reopen_by_citizen(db: sqlite_utils.Database, office: Office, ticket: Ticket, now: float | None = None) -> Change:
    """The citizen says a resolved ticket is not fixed; the caller checked who and when."""
    now = time.time() if now is None else now
    if not tickets.update(db, ticket.id, "resolved", status="reopened", updated_at=now, closed_at=None, reopen_count=ticket.reopen_count + 1):
        raise TicketError("สถานะของเรื่องเปลี่ยนไปแล้ว", "the ticket is no longer resolved")
    tickets.add_event(db, ticket.id, CITIZEN, "resolved", "reopened", None, now)
    updated = tickets.get(db, ticket.id)
    division = office.division_name(updated.division_id)
    link = office.console_link("tickets", updated.id)
    ids = announce.to_division(
        db,
        office,
        updated.division_id,
        lambda note: [announce.text(t.ticket_reopened_announcement(updated.number, division, link) + (f"\n{note}" if note else ""))],
        dedupe_key=f"ticket:{updated.id}:reopened:{updated.reopen_count}",
        purpose=f"ticket:{updated.id}:announce",
    )
    return Change(updated, ids)


def can_reopen(ticket: Ticket, now: float) -> bool:
    return ticket.status == "resolved" and ticket.resolved_at is not None and now - ticket.resolved_at <= REOPEN_DAYS * 86400


def rating_card(ticket: Ticket) -> dict:
    """Buttons in the pushed 'resolved' message: rate the handling, or say it is not fixed."""
    stars = {5: "มากที่สุด", 4: "มาก", 3: "ปานกลาง", 2: "น้อย", 1: "น้อยที่สุด"}
    buttons = [
        {
            "type": "button",
            "style": "primary" if level == 5 else "secondary",
            "height": "sm",
            "action": m.postback_action(
                f"{'★' * level} {stars[level]}", postback.action("ticket-rate", ticket.id, str(level)), f"ให้คะแนน {stars[level]}"
            ),
        }
        for level in (5, 4, 3, 2, 1)
    ]
    buttons.append(
        {
            "type": "button",
            "style": "link",
            "height": "sm",
            "action": m.postback_action(t.REOPEN_BUTTON, postback.action("ticket-reopen", ticket.id), t.REOPEN_BUTTON),
        }
    )
    body = [
        {"type": "text", "text": t.HANDLING_RATING_TITLE, "weight": "bold", "size": "lg", "color": "#1B5E20", "wrap": True},
        {"type": "text", "text": f"เรื่องเลขที่ {ticket.number}", "size": "sm", "color": "#666666"},
        {"type": "text", "text": t.ask_handling_rating(REOPEN_DAYS), "wrap": True, "margin": "md", "size": "sm"},
    ]
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": body},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons},
    }
    return {"type": "flex", "altText": f"ให้คะแนนการแก้ไขเรื่อง {ticket.number}", "contents": bubble}


def _tell_citizen(db: sqlite_utils.Database, office: Office, ticket: Ticket, note: str | None, now: float) -> list[int]:
    if not ticket.line_user_id or not ticket.chat_key:
        return []  # personal data removed: nobody to tell
    body = t.ticket_update(
        ticket.number,
        ticket.status,
        office.division_name(ticket.division_id),
        note=note if ticket.status != "resolved" else "",
        agency=ticket.forwarded_to or "",
        contact=ticket.forwarded_contact or "",
        reason=ticket.reject_reason or "",
        p=office.profile,
    )
    if ticket.status == "resolved" and note:
        body += f"\nสิ่งที่ดำเนินการ: {note}"
    messages = [announce.text(body)]
    if ticket.status == "resolved":
        messages.append(rating_card(ticket))
    # The event count makes each change its own message, and a repeat of one change none.
    (n,) = db.execute("SELECT count(*) FROM ticket_events WHERE ticket_id = ?", (ticket.id,)).fetchone()
    queued = announce.push(
        db,
        chat_key=ticket.chat_key,
        line_id=ticket.line_user_id,
        messages=messages,
        dedupe_key=f"ticket:{ticket.id}:update:{n}",
        purpose=f"ticket:{ticket.id}:update",
    )
    return [queued] if queued else []
