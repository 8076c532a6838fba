"""Staff act on a ticket from LINE: the buttons of a ticket's card (bot/staff/ticket_card.py).

รับเรื่อง acts at once. The others need something from the staff member first — a note, a
question for the citizen, an agency, after-photos and a one-line note, a reason — so the tap
opens the flow "staff_ticket" at that step, in the staff member's own conversation (in a
group, their own state there: they answer untagged, Step.hears_member_in_group). The last
step's effect re-checks the ticket and acts.

Every action goes through the console's domain functions (bot/feedback/ticket_status.py:
status rules, the ticket's history, the citizen's messages, exactly once) and is written to
the audit log under the staff member's name. A chat acts only on its own division's
tickets (admin chats on any); a tap on a closed ticket, or on one someone else has taken,
says so. In a division's group any member may act, and the group is told who did.
"""
from __future__ import annotations

import secrets

from bot.conversation import messages as m
from bot.conversation.engine import Context, Effect, Flow, Input, State, Step, Turn
from bot.conversation.text import normalize_command
from bot.feedback import common as c
from bot.feedback import ticket_status
from bot.feedback import ticket_texts as ft
from bot.feedback.announce import Office
from bot.pipeline import effects
from bot.staff import access, people, ticket_card
from bot.staff import texts as t
from db import audit_log, staff, ticket_photos, tickets
from db.tickets import Ticket

FLOW = "staff_ticket"
DO = "staff-ticket-do"
MIN_TEXT = 3
_NO_NOTE = frozenset(normalize_command(w) for w in (t.NO_NOTE, "ไม่มี", "-"))


# --- checks every tap and the last step share ------------------------------------------------------


def _reply(*bodies: str | dict) -> effects.EffectResult:
    return effects.EffectResult(replies=[m.text(b) if isinstance(b, str) else b for b in bodies])


def _check(req: effects.EffectRequest, ticket_id, action: str) -> tuple[Ticket | None, staff.Recipient | None, str | None]:
    """(ticket, the chat's registration, None), or a polite note why this chat may not act now."""
    ticket = tickets.get(req.db, int(ticket_id)) if str(ticket_id or "").isdigit() else None
    if ticket is None:
        return None, None, t.TICKET_GONE
    registration = access.registration_for(req.db, req.chat_key, ticket.division_id)
    if registration is None:
        if access.is_staff_chat(req.db, req.chat_key):
            return None, None, t.not_your_division(req.division_name(ticket.division_id))
        return None, None, t.NOT_STAFF
    status = ft.TICKET_STATUS.get(ticket.status, ticket.status)
    if not ticket.is_open:
        closed_by = req.db.execute(
            "SELECT actor FROM ticket_events WHERE ticket_id = ? AND to_status = ? ORDER BY id DESC LIMIT 1",
            (ticket.id, ticket.status),
        ).fetchone()
        return None, None, t.already_closed(ticket.number, status, closed_by[0] if closed_by else "")
    if action not in ticket_card.BUTTONS_BY_STATUS.get(ticket.status, ()):
        if action == ticket_card.ACCEPT and ticket.assignee_user_id == req.user_id:
            return None, None, t.already_yours(ticket.number)
        if action == ticket_card.ACCEPT and ticket.assignee_name:
            return None, None, t.taken_by(ticket.number, ticket.assignee_name)
        return None, None, t.cannot_now(ticket.number, status)
    taken = ticket.assignee_user_id and ticket.assignee_user_id != req.user_id and ticket.status != "reopened"
    # A person's own chat may not act on what a colleague took; a division group, a head or an
    # admin may (the group is told who acted).
    if taken and req.chat_kind == "user" and registration.role == "staff":
        return None, None, t.taken_by(ticket.number, ticket.assignee_name or people.UNNAMED)
    return ticket, registration, None


def _session() -> str:
    return secrets.token_hex(4)


# --- the buttons ------------------------------------------------------------------------------------


@effects.action(ticket_card.ACCEPT)
def accept(req: effects.EffectRequest) -> effects.EffectResult:
    ticket, _, problem = _check(req, req.args.get("record_id"), ticket_card.ACCEPT)
    if problem:
        return _reply(problem)
    return carry_out(req, ticket, "accept", {})


def _asking(req: effects.EffectRequest, action: str, step: str, prompt: dict, **data) -> effects.EffectResult:
    ticket, _, problem = _check(req, req.args.get("record_id"), action)
    if problem:
        return _reply(problem)
    state = State(FLOW, step, _session(), {"ticket": ticket.id, "number": ticket.number, **data})
    return effects.EffectResult(replies=[prompt_for(state) if prompt is None else prompt], state=state)


@effects.action(ticket_card.PROGRESS)
def progress(req: effects.EffectRequest) -> effects.EffectResult:
    return _asking(req, ticket_card.PROGRESS, "note", None)


@effects.action(ticket_card.ASK)
def ask(req: effects.EffectRequest) -> effects.EffectResult:
    return _asking(req, ticket_card.ASK, "question", None)


@effects.action(ticket_card.FORWARD)
def forward(req: effects.EffectRequest) -> effects.EffectResult:
    agencies = [[a.name, a.label, a.contact] for a in req.part("agencies", ())]
    return _asking(req, ticket_card.FORWARD, "agency", None, agencies=agencies)


@effects.action(ticket_card.CLOSE)
def close(req: effects.EffectRequest) -> effects.EffectResult:
    record = str(req.args.get("record_id") or "")
    found = tickets.get(req.db, int(record)) if record.isdigit() else None
    need_photo = bool(found and found.category in ticket_status.PHOTO_PROOF)
    return _asking(req, ticket_card.CLOSE, "close", None, need_photo=need_photo, photos=[])


@effects.action(ticket_card.REJECT)
def reject(req: effects.EffectRequest) -> effects.EffectResult:
    return _asking(req, ticket_card.REJECT, "reason", None)


# --- the steps (pure) --------------------------------------------------------------------------------


def _button(state: State, label: str, arg: str) -> dict:
    return c.button(state, label, arg, label)


def prompt_for(state: State) -> dict:
    """The question of the step the staff member is at (also after a miss)."""
    number = state.data.get("number", "")
    if state.step == "note":
        return m.text(t.ASK_PROGRESS_NOTE.format(number=number), [_button(state, t.NO_NOTE, "none")])
    if state.step == "question":
        return m.text(t.ASK_QUESTION.format(number=number) + "\n" + t.STAFF_CANCEL_HINT)
    if state.step == "agency":
        buttons = [_button(state, label, str(i)) for i, (_, label, _) in enumerate(state.data.get("agencies") or [])]
        return m.text(t.ASK_AGENCY.format(number=number), buttons[:12] + [_button(state, t.TYPE_AGENCY, "other")])
    if state.step == "agency_name":
        return m.text(t.ASK_AGENCY_NAME)
    if state.step == "agency_contact":
        return m.text(t.ASK_AGENCY_CONTACT.format(agency=state.data.get("agency", "")))
    if state.step == "close":
        most = ticket_status.MAX_AFTER_PHOTOS
        body = t.ASK_AFTER_PHOTO if state.data.get("need_photo") else t.ASK_CLOSE_NOTE
        return m.text(body.format(number=number, most=most) + "\n" + t.STAFF_CANCEL_HINT)
    if state.step == "reason":
        buttons = [_button(state, label, str(i)) for i, (label, _) in enumerate(t.REJECT_REASONS)]
        return m.text(t.ASK_REJECT_REASON.format(number=number), buttons)
    return m.text(t.NEED_TEXT)


def _do(state: State, action: str, **args) -> Turn:
    return Turn(State(), [], effects=(Effect(DO, {"ticket": state.data["ticket"], "action": action, **args}),))


def _again(state: State, note: str) -> Turn:
    return Turn(state, [m.text(note), prompt_for(state)], unusable=True)


def note_step(ctx: Context, state: State, event: Input) -> Turn:
    if (event.button and event.button.arg == "none") or event.command in _NO_NOTE:
        return _do(state, "progress", note="")
    text = c.typed_line(event)
    if not text:
        return _again(state, t.NEED_TEXT)
    return _do(state, "progress", note=text)


def question_step(ctx: Context, state: State, event: Input) -> Turn:
    text = c.typed_line(event)
    if len(text) < MIN_TEXT:
        return _again(state, t.TOO_SHORT if text else t.NEED_TEXT)
    return _do(state, "ask", question=text)


def agency_step(ctx: Context, state: State, event: Input) -> Turn:
    agencies = state.data.get("agencies") or []
    arg = event.button.arg if event.button else ""
    if arg.isdigit() and int(arg) < len(agencies):
        name, _, contact = agencies[int(arg)]
        return _do(state, "forward", agency=name, contact=contact)
    if arg == "other":
        asking = State(FLOW, "agency_name", state.session, dict(state.data))
        return Turn(asking, [prompt_for(asking)])
    text = c.typed_line(event)
    if len(text) < MIN_TEXT:
        return _again(state, t.NEED_TEXT)
    for name, label, contact in agencies:  # typed a listed agency's name or button
        if normalize_command(text) in (normalize_command(name), normalize_command(label)):
            return _do(state, "forward", agency=name, contact=contact)
    asking = State(FLOW, "agency_contact", state.session, {**state.data, "agency": text})
    return Turn(asking, [prompt_for(asking)])


def agency_name_step(ctx: Context, state: State, event: Input) -> Turn:
    text = c.typed_line(event)
    if len(text) < MIN_TEXT:
        return _again(state, t.NEED_TEXT)
    asking = State(FLOW, "agency_contact", state.session, {**state.data, "agency": text})
    return Turn(asking, [prompt_for(asking)])


def agency_contact_step(ctx: Context, state: State, event: Input) -> Turn:
    text = c.typed_line(event)
    if len(text) < MIN_TEXT:
        return _again(state, t.NEED_TEXT)
    return _do(state, "forward", agency=state.data.get("agency", ""), contact=text)


def close_step(ctx: Context, state: State, event: Input) -> Turn:
    photos = list(state.data.get("photos") or [])
    most = ticket_status.MAX_AFTER_PHOTOS
    if event.kind == "media" and event.media_type == "image" and event.message_id:
        if len(photos) >= most:
            return Turn(state, [m.text(t.TOO_MANY_PHOTOS.format(most=most))])
        photos.append(event.message_id)
        kept = State(FLOW, "close", state.session, {**state.data, "photos": photos})
        return Turn(kept, [m.text(t.photo_received(len(photos), most))])
    text = c.typed_line(event)
    if state.data.get("need_photo") and not photos:
        return _again(state, t.NEED_AFTER_PHOTO)
    if len(text) < MIN_TEXT:
        return _again(state, t.TOO_SHORT if text else t.NEED_TEXT)
    return _do(state, "close", note=text, photos=photos)


def reason_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = event.button.arg if event.button else ""
    if arg.isdigit() and int(arg) < len(t.REJECT_REASONS):
        return _do(state, "reject", reason=t.REJECT_REASONS[int(arg)][1])
    text = c.typed_line(event)
    if len(text) < MIN_TEXT:
        return _again(state, t.NEED_TEXT)
    return _do(state, "reject", reason=text)


def _start(ctx: Context, state: State) -> Turn:
    return Turn(State(), [])  # entered only from a ticket card's button


def _prompt(ctx: Context, state: State) -> list[dict]:
    return [prompt_for(state)]


def _step(handle, goes_to=("main",), note="") -> Step:
    return Step(handle, goes_to=goes_to, note=note, takes_text=True, hears_member_in_group=True)


FLOWS = [
    Flow(
        name=FLOW,
        title="เจ้าหน้าที่ดำเนินการเรื่องร้องเรียน",
        start=_start,
        starts_at=("note", "question", "agency", "close", "reason"),
        steps={
            "note": _step(note_step, note="กำลังดำเนินการ: หมายเหตุ หรือ ไม่มีหมายเหตุ"),
            "question": _step(question_step, note="ขอข้อมูลเพิ่ม: คำถามถึงผู้แจ้ง"),
            "agency": _step(agency_step, goes_to=("agency_name", "agency_contact", "main"), note="ส่งต่อ: เลือกหน่วยงาน"),
            "agency_name": _step(agency_name_step, goes_to=("agency_contact",), note="ชื่อหน่วยงาน"),
            "agency_contact": _step(agency_contact_step, note="ช่องทางติดต่อหน่วยงาน"),
            "close": _step(close_step, goes_to=("close", "main"), note="ปิดเรื่อง: รูปหลังแก้ไข + สรุป 1 บรรทัด"),
            "reason": _step(reason_step, note="ไม่รับเรื่อง: เหตุผล"),
        },
        timeout_minutes=30,
        prompt=_prompt,
    ),
]


# --- carrying it out -------------------------------------------------------------------------------

_TO_STATUS = {"accept": "accepted", "progress": "in_progress", "forward": "forwarded", "close": "resolved", "reject": "rejected"}
_BUTTON_OF = {"accept": ticket_card.ACCEPT, "progress": ticket_card.PROGRESS, "ask": ticket_card.ASK,
              "forward": ticket_card.FORWARD, "close": ticket_card.CLOSE, "reject": ticket_card.REJECT}


@effects.effect(DO)
def do(req: effects.EffectRequest) -> effects.EffectResult:
    """The last step's answer: check the ticket again (it may have moved on meanwhile), then act."""
    action = str(req.args.get("action") or "")
    ticket, _, problem = _check(req, req.args.get("ticket"), _BUTTON_OF.get(action, ""))
    if problem:
        return _reply(problem)
    return carry_out(req, ticket, action, req.args)


def carry_out(req: effects.EffectRequest, ticket: Ticket, action: str, args) -> effects.EffectResult:
    office = Office.of(req)
    name = people.name_of(req.db, req.user_id)
    now = req.now.timestamp()
    if action == "close" and ticket.category in ticket_status.PHOTO_PROOF and not args.get("photos"):
        return _reply(t.NEED_AFTER_PHOTO)
    try:
        if action == "ask":
            _, queued = ticket_status.ask_citizen(
                req.db, office, ticket.id, str(args.get("question") or ""),
                actor=name, actor_user_id=req.user_id, asked_in_chat=req.chat_key, now=now,
            )
        else:
            change = ticket_status.change_status(
                req.db, office, ticket.id, _TO_STATUS[action], actor=name,
                note=str(args.get("note") or "") or None,
                agency=args.get("agency"), contact=args.get("contact"), reason=args.get("reason"),
                after_photos=list(args.get("photos") or []),
                assignee=(req.user_id, name) if action == "accept" and req.user_id else None,
                now=now,
            )
            queued = change.outbox_ids
    except ticket_status.TicketError as exc:
        return _reply(str(exc))
    updated = tickets.get(req.db, ticket.id)
    audit_log.record(
        req.db, actor=name, action="ticket.status" if action != "ask" else "ticket.ask",
        target=f"ticket:{ticket.id}",
        details={"number": ticket.number, "old": ticket.status, "new": updated.status, "via": "LINE",
                 "chat": people.chat_label(req.db, req.chat_key)},
    )
    done = t.DONE[action].format(who=t.who(name, req.chat_kind != "user"), number=ticket.number, agency=args.get("agency") or "")
    replies: list[dict] = [m.text(done, [m.message_action(t.MY_WORK_WORDS[0])])]
    if updated.is_open:
        photos = len(ticket_photos.photos(req.db, updated.id))
        replies.append(ticket_card.card(office, updated, photos=photos))
    return effects.EffectResult(replies=replies, queued_outbox_ids=queued)


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    """A staff member's LINE identity leaves the tickets they handled; their name stays in the
    ticket's history, which is the SAO's record of who did the public's work."""
    if user_id:
        db.execute("UPDATE tickets SET assignee_user_id = NULL WHERE assignee_user_id = ?", (user_id,))
        db.execute("UPDATE ticket_info_requests SET asked_by_user = NULL WHERE asked_by_user = ?", (user_id,))
    db.execute("UPDATE ticket_info_requests SET asked_in_chat = NULL WHERE asked_in_chat = ?", (chat_key,))
