"""Changing a ticket's status or its division: the one place for it. `python -m bot ticket …`
and the admin console (bot/console/pages/tickets.py) call these functions.

Each change is checked against TRANSITIONS, written with who and when (ticket_events),
and pushes a Thai message to the citizen through the outbox, all in the caller's
transaction; the caller delivers the returned outbox ids after its commit.

received → accepted → in_progress → resolved, or forwarded (to the agency responsible,
whose name and contact the citizen is told) or rejected (with the reason). Staff may take
any closed ticket back to in_progress to correct a mistake.

Closing as fixed needs the citizen's word (against "แก้ทิพย์", cases closed as fixed when
they were not): each closure is a row of ticket_closures, and the citizen is sent the note,
the after-photos and "แก้ไขเรียบร้อยแล้วใช่ไหมคะ" ✓/✗. ✓ confirms it and asks for the
rating; ✗ reopens it to the same division with the citizen's reason; no answer within
CONFIRM_DAYS settles it as confirmed by timeout (bot/feedback/ticket_deadlines.py). A village
problem is closed with at least one after-photo; the citizen is told once the photos are
stored (bot/feedback/ticket_followup.py), so the proof always shows.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlite_utils

from bot.conversation import messages as m
from bot.conversation import postback
from bot.feedback import announce, common, ticket_deadlines
from bot.feedback import ticket_texts as t
from bot.feedback.announce import Office
from db import outbox, ticket_closures, ticket_photos, tickets
from db.tickets import CLOSED_STATUSES, Ticket

REOPEN_DAYS = 14
CONFIRM_DAYS = ticket_deadlines.CONFIRM_DAYS  # the citizen's ✓/✗ on a closure; then confirmed by timeout
PHOTO_PROOF = frozenset({"village"})  # categories staff close on LINE only with an after-photo
MAX_AFTER_PHOTOS = 3
PHOTO_HOLD_SECONDS = 600  # the closure's message waits this long at most for its photos
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


class TicketError(common.ChangeRefused):
    """A change to a ticket that is not allowed."""


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
    return common.required_text(value, thai, english, MAX_NOTE, TicketError)

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
    after_photos: list[str] = (),
    uploaded_photos: list[tuple[bytes, str]] = (),
    assignee: tuple[str, str] | None = None,
    now: float | None = None,
) -> Change:
    """Move a ticket to `to_status` as staff member `actor`; tell the citizen.

    after_photos: LINE message ids of the photos proving a fix (closing as resolved);
    uploaded_photos: the same uploaded in the console, as (content, content type).
    assignee: (LINE user id, name) of the staff member who takes the ticket (รับเรื่อง on LINE)."""
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
    if ticket.status in ("received", "reopened") and ticket.acknowledged_at is None:
        changes["acknowledged_at"] = now  # any first answer from staff meets the acknowledgement deadline
    if assignee is not None:
        changes["assignee_user_id"], changes["assignee_name"] = assignee
        changes["assigned_at"] = now
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
    if to_status == "resolved":
        closure = ticket_closures.add(db, ticket.id, closed_by=actor, note=note, at=now)
        for message_id in list(after_photos)[:MAX_AFTER_PHOTOS]:
            ticket_photos.add(db, ticket.id, message_id, kind="after", closure_id=closure.id, now=now)
        for content, content_type in list(uploaded_photos)[:MAX_AFTER_PHOTOS]:
            ticket_photos.add_uploaded(db, ticket.id, content, content_type, closure_id=closure.id, now=now)
        queued = tell_closure(db, office, closure.id, now)
        if after_photos and queued:
            # Sent once the photos are stored (bot/feedback/ticket_followup.py), at the latest after the hold.
            outbox.hold(db, queued[0], now + PHOTO_HOLD_SECONDS)
            return Change(updated, [])
        return Change(updated, queued)
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
    from bot.staff import ticket_card

    handed = f"เดิม {old_name}" + (f" เหตุผลที่ส่งมา: {reason}" if reason else "")
    ids = announce.to_division(
        db,
        office,
        division_id,
        lambda note: [ticket_card.card(office, updated, title=ticket_card.t.ASSIGNED_TICKET, note=" ".join(filter(None, (handed, note))))],
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


def reopen_by_citizen(
    db: sqlite_utils.Database, office: Office, ticket: Ticket, now: float | None = None, reason: str | None = None,
    *, deadlines=None, calendar=None,
) -> Change:
    """The citizen says a resolved ticket is not fixed (✗, or "ยังไม่ได้รับการแก้ไข" later):
    back to the same division, its closure counted as reopened with their reason, and its
    resolve deadline counted again from today (`deadlines`, `calendar`: the content's rules and
    working days). The caller checked who and when."""
    now = time.time() if now is None else now
    reason = " ".join((reason or "").split())[:MAX_NOTE] or None
    if not tickets.update(db, ticket.id, "resolved", status="reopened", updated_at=now, closed_at=None, reopen_count=ticket.reopen_count + 1):
        raise TicketError("สถานะของเรื่องเปลี่ยนไปแล้ว", "the ticket is no longer resolved")
    tickets.add_event(db, ticket.id, CITIZEN, "resolved", "reopened", reason, now)
    # The latest closure was not a fix, even if the week to say so had passed.
    db.execute(
        "UPDATE ticket_closures SET outcome = 'reopened', decided_at = ?, reason = ? WHERE id = "
        "(SELECT max(id) FROM ticket_closures WHERE ticket_id = ?) AND outcome IN ('pending', 'timed_out')",
        (now, reason, ticket.id),
    )
    ticket_deadlines.restamp_resolve(db, ticket.id, deadlines, calendar, now)
    updated = tickets.get(db, ticket.id)
    from bot.staff import ticket_card

    said = f"ผู้แจ้งบอกว่า: {reason}" if reason else ""
    ids = announce.to_division(
        db,
        office,
        updated.division_id,
        lambda note: [ticket_card.card(office, updated, title=ticket_card.t.REOPENED_TICKET, note=" ".join(filter(None, (said, note))))],
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
    messages = [announce.text(body)]
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


# --- closing as fixed: the citizen's word ---------------------------------------------------------

FIXED_ACTION, NOT_FIXED_ACTION = "ticket-fixed", "ticket-notfixed"


def photo_url(office: Office, token: str) -> str:
    return f"{office.base_url}/photos/{token}"


def closure_messages(office: Office, ticket: Ticket, closure: ticket_closures.Closure, tokens: list[str]) -> list[dict]:
    """The update, the after-photos, and ✓ เรียบร้อย / ✗ ยังไม่เรียบร้อย (buttons naming this closure:
    a tap on an older closure's buttons is recognised)."""
    body = t.ticket_update(ticket.number, "resolved", office.division_name(ticket.division_id))
    if closure.note:
        body += f"\nสิ่งที่ดำเนินการ: {closure.note}"
    messages: list[dict] = []
    if office.base_url.startswith("https://"):
        # LINE shows an image only from an https address.
        for token in tokens[:MAX_AFTER_PHOTOS]:
            url = photo_url(office, token)
            messages.append({"type": "image", "originalContentUrl": url, "previewImageUrl": url})
    elif tokens:
        body += "\nรูปหลังแก้ไข: " + " ".join(photo_url(office, token) for token in tokens[:MAX_AFTER_PHOTOS])
    messages.insert(0, announce.text(body))
    messages.append(
        m.confirm(
            t.ask_fixed(ticket.number, CONFIRM_DAYS),
            m.postback_action(t.FIXED_YES, postback.action(FIXED_ACTION, ticket.id, str(closure.id)), t.FIXED_YES),
            m.postback_action(t.FIXED_NO, postback.action(NOT_FIXED_ACTION, ticket.id, str(closure.id)), t.FIXED_NO),
            alt_text=f"เรื่อง {ticket.number}: {t.FIXED_QUESTION}",
        )
    )
    return messages


def closure_key(ticket_id: int, closure_id: int) -> str:
    return f"ticket:{ticket_id}:closure:{closure_id}"


def tell_closure(db: sqlite_utils.Database, office: Office, closure_id: int, now: float) -> list[int]:
    """Queue the closure's message to the citizen, once (its after-photos stored, or given up on)."""
    closure = ticket_closures.get(db, closure_id)
    if closure is None or closure.told_at is not None or not ticket_closures.mark_told(db, closure_id, now):
        return []
    ticket = tickets.get(db, closure.ticket_id)
    if ticket is None or not ticket.line_user_id or not ticket.chat_key:
        return []  # personal data removed: nobody to tell
    tokens = [token for _, _, token in ticket_photos.of_closure(db, closure_id) if token]
    queued = announce.push(
        db,
        chat_key=ticket.chat_key,
        line_id=ticket.line_user_id,
        messages=closure_messages(office, ticket, closure, tokens),
        dedupe_key=closure_key(ticket.id, closure_id),
        purpose=f"ticket:{ticket.id}:update",
    )
    return [queued] if queued else []


def confirm_fixed(db: sqlite_utils.Database, ticket: Ticket, closure_id: int, now: float) -> bool:
    """✓ เรียบร้อย: the closure stands, confirmed by the citizen. False if already settled."""
    if not ticket_closures.decide(db, closure_id, "confirmed", now):
        return False
    tickets.add_event(db, ticket.id, CITIZEN, ticket.status, ticket.status, "ยืนยันว่าแก้ไขเรียบร้อยแล้ว", now)
    return True


# --- asking the citizen for more ---------------------------------------------------------------------

def ask_citizen(
    db: sqlite_utils.Database,
    office: Office,
    ref: str | int,
    question: str,
    *,
    actor: str,
    actor_user_id: str | None,
    asked_in_chat: str,
    now: float | None = None,
):
    """ขอข้อมูลเพิ่ม: the question goes to the citizen; their next message or photo joins the
    ticket and reaches the staff member (bot/feedback/ticket_followup.py). Returns
    (InfoRequest, outbox ids)."""
    from db import conversations, ticket_info

    now = time.time() if now is None else now
    actor = _require(actor, "ต้องระบุชื่อผู้ถาม", "say who asks (--by)")
    question = _require(question, "กรุณาพิมพ์สิ่งที่อยากถามผู้แจ้ง", "type the question")
    ticket = find(db, ref)
    if not ticket.is_open:
        raise TicketError(f"เรื่องนี้ปิดแล้ว ({t.TICKET_STATUS.get(ticket.status)}) จึงขอข้อมูลเพิ่มไม่ได้", "the ticket is closed")
    if not ticket.line_user_id or not ticket.chat_key:
        raise TicketError("ติดต่อผู้แจ้งทาง LINE ไม่ได้ เพราะข้อมูลผู้แจ้งถูกลบแล้ว", "the citizen's data was removed")
    request = ticket_info.ask(db, ticket.id, by_user=actor_user_id, by_name=actor, in_chat=asked_in_chat, question=question, at=now)
    tickets.add_event(db, ticket.id, actor, ticket.status, ticket.status, f"ขอข้อมูลเพิ่ม: {question}", now)
    if ticket.status in ("received", "reopened") and ticket.acknowledged_at is None:
        tickets.update(db, ticket.id, ticket.status, acknowledged_at=now, updated_at=now)
    answer_button = m.postback_action(t.INFO_ANSWER_BUTTON, postback.action(INFO_ANSWER_ACTION, request.id), t.INFO_ANSWER_BUTTON)
    queued = announce.push(
        db,
        chat_key=ticket.chat_key,
        line_id=ticket.line_user_id,
        messages=[m.text(t.info_question(ticket.number, office.division_name(ticket.division_id), question), [answer_button])],
        dedupe_key=f"ticket:{ticket.id}:info:{request.id}",
        purpose=f"ticket:{ticket.id}:update",
    )
    # If the citizen is not in the middle of something, what they send next is the answer.
    current = conversations.load(db, ticket.chat_key)
    idle = current is None or current["flow"] == "main" or now - (current["updated_at"] or 0) > 30 * 60
    if idle:
        conversations.save(db, ticket.chat_key, INFO_FLOW, "answer", f"i{request.id}", {"request": request.id})
    return request, ([queued] if queued else [])


INFO_FLOW = "ticket_info"
INFO_ANSWER_ACTION = "ticket-info-answer"
