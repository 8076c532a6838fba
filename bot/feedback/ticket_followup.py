"""The citizen's side of staff work on their ticket, after it was filed:

- answering staff who asked for more (ขอข้อมูลเพิ่ม): flow "ticket_info" waits for the next
  message or photo (up to INFO_WAIT_DAYS), then "ticket_info_more" takes more for a few
  minutes; each joins the ticket and is passed to the staff member who asked;
- ✓ เรียบร้อย / ✗ ยังไม่เรียบร้อย on a closure (bot/feedback/ticket_status.py): ✓ confirms it and
  asks for the rating; ✗ reopens it to the same division at once, then asks why (flow
  "ticket_notfixed"), and the reason follows to the division;
- releasing a closure's message once its after-photos are stored (called by the photo fetcher).

Steps are pure; the effects below do the writes in the worker's transaction.
"""
from __future__ import annotations

import logging

from bot.conversation import messages as m
from bot.conversation.engine import Context, Effect, Flow, Input, State, Step, Turn
from bot.conversation.text import normalize_command
from bot.feedback import announce
from bot.feedback import common as c
from bot.feedback import ticket_status
from bot.feedback import ticket_texts as t
from bot.feedback.announce import Office
from bot.pipeline import effects
from db import outbox, ticket_closures, ticket_info, ticket_photos, tickets

log = logging.getLogger(__name__)

INFO_FLOW = ticket_status.INFO_FLOW
INFO_MORE_FLOW = "ticket_info_more"
NOT_FIXED_FLOW = "ticket_notfixed"
INFO_WAIT_DAYS = 7
INFO_MORE_MINUTES = 15
INFO_MAX = 2000
ADD_INFO = "ticket-info-add"
NOT_FIXED_REASON = "ticket-notfixed-reason"
_DONE = frozenset(normalize_command(w) for w in (t.INFO_DONE_BUTTON, "เสร็จ", "จบ", "พอแล้ว", "แค่นี้"))
_SKIP = frozenset(normalize_command(w) for w in (t.SKIP_REASON, "ไม่ระบุ", "ไม่มี"))


# --- answering staff ----------------------------------------------------------------------------


def _info_input(state: State, event: Input) -> Turn:
    request = state.data.get("request")
    if event.kind == "media" and event.media_type == "image" and event.message_id:
        return Turn(state, [], effects=(Effect(ADD_INFO, {"request": request, "photo": event.message_id}),))
    if event.kind == "text" and event.text.strip():
        if event.command in _DONE and state.flow == INFO_MORE_FLOW:
            return Turn(State(), [m.text(t.INFO_DONE)])
        text = c.clean_text(event.text)[:INFO_MAX]
        return Turn(state, [], effects=(Effect(ADD_INFO, {"request": request, "text": text}),))
    return Turn(state, [m.text(t.INFO_NEED_TEXT_OR_PHOTO)], unusable=True)


def info_step(ctx: Context, state: State, event: Input) -> Turn:
    return _info_input(state, event)


def info_start(ctx: Context, state: State) -> Turn:
    return Turn(State(), [])  # entered only by staff asking (ticket_status.ask_citizen) or the button


def _staff_chat(request: ticket_info.InfoRequest) -> tuple[str, str] | None:
    """(chat_key, id to push to) of the chat the question came from."""
    chat = request.asked_in_chat or ""
    kind, _, line_id = chat.partition(":")
    if kind not in ("user", "group", "room") or not line_id:
        return None
    return chat, line_id


@effects.effect(ADD_INFO)
def add_info(req: effects.EffectRequest) -> effects.EffectResult:
    request = ticket_info.get(req.db, int(req.args.get("request") or 0))
    ticket = tickets.get(req.db, request.ticket_id) if request else None
    if request is None or ticket is None or ticket.chat_key != req.chat_key:
        return effects.EffectResult(replies=[m.text(t.TICKET_GONE, list(req.menu_buttons))], state=State())
    if not ticket.is_open:
        return effects.EffectResult(replies=[m.text(t.INFO_CLOSED.format(number=ticket.number), list(req.menu_buttons))], state=State())
    now = req.now.timestamp()
    text = str(req.args.get("text") or "")
    photo = str(req.args.get("photo") or "")
    if photo:
        ticket_photos.add(req.db, ticket.id, photo, kind="info", now=now)
        ticket_info.mark_answered(req.db, request.id, now)
    else:
        ticket_info.add_answer(req.db, request.id, text, now)
    tickets.add_event(req.db, ticket.id, ticket_status.CITIZEN, ticket.status, ticket.status,
                      "ส่งรูปเพิ่มเติม" if photo else f"ตอบ: {c.excerpt(text, 300)}", now)
    queued = []
    staff_chat = _staff_chat(request)
    if staff_chat:
        link = Office.of(req).console_link("tickets", ticket.id)
        body = t.info_for_staff(ticket.number, text, 1 if photo else 0, link)
        queued_id = announce.push(
            req.db, chat_key=staff_chat[0], line_id=staff_chat[1], messages=[announce.text(body)],
            dedupe_key=f"ticket:{ticket.id}:info-answer:{req.event_key}", purpose=f"ticket:{ticket.id}:announce",
        )
        queued = [queued_id] if queued_id else []
    more = State(INFO_MORE_FLOW, "more", f"m{request.id}", {"request": request.id})
    return effects.EffectResult(
        replies=[m.text(t.INFO_RECEIVED, [m.message_action(t.INFO_DONE_BUTTON)])], queued_outbox_ids=queued, state=more
    )


@effects.action(ticket_status.INFO_ANSWER_ACTION)
def answer_button(req: effects.EffectRequest) -> effects.EffectResult:
    """ตอบเจ้าหน้าที่: the citizen was busy with something else when staff asked."""
    record = str(req.args.get("record_id") or "")
    request = ticket_info.get(req.db, int(record)) if record.isdigit() else None
    ticket = tickets.get(req.db, request.ticket_id) if request else None
    if request is None or ticket is None or ticket.chat_key is None:
        return effects.EffectResult(replies=[m.text(t.TICKET_GONE)])
    if ticket.chat_key != req.chat_key:
        return effects.EffectResult(replies=[m.text(t.NOT_YOUR_TICKET)])
    if not ticket.is_open:
        return effects.EffectResult(replies=[m.text(t.INFO_CLOSED.format(number=ticket.number))])
    waiting = State(INFO_FLOW, "answer", f"i{request.id}", {"request": request.id})
    return effects.EffectResult(replies=[m.text(t.INFO_ASK_ANSWER.format(number=ticket.number))], state=waiting)


# --- ✓ / ✗ on a closure ---------------------------------------------------------------------------


def _closure_tap(req: effects.EffectRequest):
    """(ticket, closure, None) for a tap the citizen may make now, else (…, a polite note)."""
    record = str(req.args.get("record_id") or "")
    ticket = tickets.get(req.db, int(record)) if record.isdigit() else None
    if ticket is None or ticket.chat_key is None:
        return None, None, t.TICKET_GONE
    if ticket.chat_key != req.chat_key:
        return None, None, t.NOT_YOUR_TICKET
    arg = str(req.args.get("arg") or "")
    closure = ticket_closures.get(req.db, int(arg)) if arg.isdigit() else None
    if closure is None or closure.ticket_id != ticket.id:
        return None, None, t.TICKET_GONE
    latest = ticket_closures.of_ticket(req.db, ticket.id)[-1]
    if latest.id != closure.id or ticket.status != "resolved":
        return None, None, t.CLOSURE_OLD.format(status=t.TICKET_STATUS.get(ticket.status, ticket.status))
    if closure.outcome != "pending":
        return None, None, t.CLOSURE_SETTLED
    return ticket, closure, None


@effects.action(ticket_status.FIXED_ACTION)
def fixed(req: effects.EffectRequest) -> effects.EffectResult:
    ticket, closure, problem = _closure_tap(req)
    if problem:
        return effects.EffectResult(replies=[m.text(problem)])
    if not ticket_status.confirm_fixed(req.db, ticket, closure.id, req.now.timestamp()):
        return effects.EffectResult(replies=[m.text(t.CLOSURE_SETTLED)])
    replies = [m.text(t.FIXED_THANKS)]
    if ticket.handling_rating is None:
        replies.append(ticket_status.rating_card(ticket))
    return effects.EffectResult(replies=replies)


@effects.action(ticket_status.NOT_FIXED_ACTION)
def not_fixed(req: effects.EffectRequest) -> effects.EffectResult:
    """✗: reopened now, to the same division; then the citizen may say why."""
    ticket, closure, problem = _closure_tap(req)
    if problem:
        return effects.EffectResult(replies=[m.text(problem)])
    change = ticket_status.reopen_by_citizen(
        req.db, Office.of(req), ticket, req.now.timestamp(), deadlines=req.part("ticket_deadlines"), calendar=req.part("calendar")
    )
    asking = State(NOT_FIXED_FLOW, "reason", f"r{closure.id}", {"ticket": ticket.id, "closure": closure.id})
    replies = [m.text(t.reopened_reply(ticket.number)), m.text(t.ASK_NOT_FIXED_REASON, [m.message_action(t.SKIP_REASON)])]
    return effects.EffectResult(replies=replies, queued_outbox_ids=change.outbox_ids, state=asking)


def reason_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind == "text" and event.command in _SKIP:
        return Turn(State(), [m.text(t.INFO_DONE)])
    if event.kind == "text" and event.text.strip():
        reason = c.clean_text(event.text)[:ticket_status.MAX_NOTE]
        return Turn(State(), [], effects=(Effect(NOT_FIXED_REASON, {**state.data, "reason": reason}),))
    return Turn(state, [m.text(t.ASK_NOT_FIXED_REASON, [m.message_action(t.SKIP_REASON)])], unusable=True)


@effects.effect(NOT_FIXED_REASON)
def not_fixed_reason(req: effects.EffectRequest) -> effects.EffectResult:
    ticket = tickets.get(req.db, int(req.args.get("ticket") or 0))
    closure = ticket_closures.get(req.db, int(req.args.get("closure") or 0))
    if ticket is None or closure is None or ticket.chat_key != req.chat_key or closure.ticket_id != ticket.id:
        return effects.EffectResult(replies=[m.text(t.TICKET_GONE, list(req.menu_buttons))])
    reason = str(req.args.get("reason") or "")
    now = req.now.timestamp()
    req.db.execute("UPDATE ticket_closures SET reason = ? WHERE id = ? AND outcome = 'reopened'", (reason, closure.id))
    tickets.add_event(req.db, ticket.id, ticket_status.CITIZEN, ticket.status, ticket.status, f"เหตุที่ยังไม่เรียบร้อย: {reason}", now)
    office = Office.of(req)
    link = office.console_link("tickets", ticket.id)
    queued = announce.to_division(
        req.db, office, ticket.division_id,
        lambda note: [announce.text(t.not_fixed_reason_announcement(ticket.number, reason, link) + (f"\n{note}" if note else ""))],
        dedupe_key=f"ticket:{ticket.id}:notfixed-reason:{closure.id}", purpose=f"ticket:{ticket.id}:announce",
    )
    return effects.EffectResult(replies=[m.text(t.INFO_DONE, list(req.menu_buttons))], queued_outbox_ids=queued)


# --- the closure's message, released once its photos are stored -------------------------------------


def release_closure_of_photo(db, photo_id: int) -> bool:
    """Called as each ticket photo is stored or given up on (bot/feedback/photos.py): when it was
    the last after-photo of a held closure, the closure's message goes now, without the photos
    LINE no longer had. Returns whether it was released."""
    row = db.execute("SELECT ticket_id, closure_id FROM ticket_photos WHERE id = ?", (photo_id,)).fetchone()
    if row is None or row[1] is None:
        return False
    ticket_id, closure_id = row
    photos = ticket_photos.of_closure(db, closure_id)
    if any(status in ("pending", "fetching") for _, status, _ in photos):
        return False
    gone = {token for _, status, token in photos if status != "stored"}
    key = ticket_status.closure_key(ticket_id, closure_id)
    messages = outbox.messages_of(db, key) or []
    kept = [msg for msg in messages if not (msg.get("type") == "image" and any(g and g in msg.get("originalContentUrl", "") for g in gone))]
    return outbox.release(db, key, kept if len(kept) != len(messages) else None) is not None


# --- the flow table's entries -------------------------------------------------------------------------

FLOWS = [
    Flow(
        name=INFO_FLOW,
        title="ตอบเจ้าหน้าที่ (ข้อมูลเพิ่มเติม)",
        start=info_start,
        steps={"answer": Step(info_step, goes_to=("answer",), note="ข้อความหรือรูปถึงเจ้าหน้าที่", takes_text=True)},
        timeout_minutes=INFO_WAIT_DAYS * 24 * 60,
        timeout_note=False,
    ),
    Flow(
        name=INFO_MORE_FLOW,
        title="ส่งข้อมูลเพิ่มอีก",
        start=info_start,
        steps={"more": Step(info_step, goes_to=("more",), note="ส่งเพิ่ม หรือ เสร็จแล้ว", takes_text=True)},
        timeout_minutes=INFO_MORE_MINUTES,
        timeout_note=False,
    ),
    Flow(
        name=NOT_FIXED_FLOW,
        title="เหตุที่ยังไม่เรียบร้อย",
        start=info_start,
        steps={"reason": Step(reason_step, note="เล่าสั้น ๆ หรือ ข้าม", takes_text=True)},
        timeout_minutes=60,
        timeout_note=False,
    ),
]
