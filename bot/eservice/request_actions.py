"""Staff act on a service request from LINE (the buttons of bot/eservice/request_card.py), and
the citizen rates a finished request.

รับคำร้อง acts at once. กำลังดำเนินการ and เสร็จแล้ว ask for an optional note to the citizen,
ไม่รับคำร้อง for a reason (a short list, or typed): the tap opens the flow "staff_request" at
that step in the staff member's own conversation (in a group, their own state there: they
answer untagged, Step.hears_member_in_group). The last step's effect re-checks the request
and acts.

Every change goes through bot/eservice/requests.py `change_status` (the rules, the history,
the citizen told exactly once) and is written to the audit log under the staff member's
name. A chat acts only on its own division's requests (admin chats on any); a tap on a closed
request, or on one a colleague took, says so. In a division's group any member may act, and
the group is told who did.

The rating: the five buttons `requests.rating_question` sends when a request is done. The
score is kept on the request and, so that it counts in the satisfaction results, as a row of
service_ratings with source 'eservice' (see `_save_rating`).
"""
from __future__ import annotations

import secrets

from bot.conversation import messages as m
from bot.conversation.engine import Context, Effect, Flow, Input, State, Step, Turn
from bot.conversation.text import normalize_command
from bot.common.thaidate import fiscal_year
from bot.eservice import request_card as card_
from bot.eservice import requests
from bot.eservice import texts as et
from bot.feedback import common as c
from bot.feedback.announce import Office
from bot.pipeline import effects
from bot.staff import access, people
from bot.staff import texts as st
from db import audit_log, ratings
from db import service_requests as store
from db.service_requests import ServiceRequest

FLOW = "staff_request"
DO = "staff-request-do"
MIN_TEXT = 3
RATING_SOURCE = "eservice"  # service_ratings.source of a rating given when a request is done
_NO_NOTE = frozenset(normalize_command(w) for w in (card_.NO_NOTE, "ไม่มี", "-"))


def _reply(*bodies: str | dict) -> effects.EffectResult:
    return effects.EffectResult(replies=[m.text(b) if isinstance(b, str) else b for b in bodies])


def _check(req: effects.EffectRequest, request_id, action: str) -> tuple[ServiceRequest | None, str | None]:
    """(request, None), or None and a polite note why this chat may not act now."""
    request = store.get(req.db, int(request_id)) if str(request_id or "").isdigit() else None
    if request is None:
        return None, card_.REQUEST_GONE
    registration = access.registration_for(req.db, req.chat_key, request.division_id)
    if registration is None:
        if access.is_staff_chat(req.db, req.chat_key):
            return None, card_.not_your_division(req.division_name(request.division_id))
        return None, card_.NOT_STAFF
    status = et.STATUS.get(request.status, request.status)
    if not request.is_open:
        closed_by = req.db.execute(
            "SELECT actor FROM service_request_events WHERE request_id = ? AND to_status = ? ORDER BY id DESC LIMIT 1",
            (request.id, request.status),
        ).fetchone()
        return None, card_.already_closed(request.number, status, closed_by[0] if closed_by else "")
    if action not in card_.BUTTONS_BY_STATUS.get(request.status, ()):
        if action == card_.ACCEPT and request.assignee_user_id and request.assignee_user_id == req.user_id:
            return None, card_.already_yours(request.number)
        if action == card_.ACCEPT and request.assignee_name:
            return None, card_.taken_by(request.number, request.assignee_name)
        return None, card_.cannot_now(request.number, status)
    taken = request.assignee_user_id and request.assignee_user_id != req.user_id
    # A person's own chat may not act on what a colleague took; a division group, a head or an
    # admin may (the group is told who acted).
    if taken and req.chat_kind == "user" and registration.role == "staff":
        return None, card_.taken_by(request.number, request.assignee_name or people.UNNAMED)
    return request, None


# --- the buttons ------------------------------------------------------------------------------------


@effects.action(card_.ACCEPT)
def accept(req: effects.EffectRequest) -> effects.EffectResult:
    request, problem = _check(req, req.args.get("record_id"), card_.ACCEPT)
    if problem:
        return _reply(problem)
    return carry_out(req, request, "accept", {})


def _asking(req: effects.EffectRequest, action: str, step: str, **data) -> effects.EffectResult:
    request, problem = _check(req, req.args.get("record_id"), action)
    if problem:
        return _reply(problem)
    state = State(FLOW, step, secrets.token_hex(4), {"request": request.id, "number": request.number, **data})
    return effects.EffectResult(replies=[prompt_for(state)], state=state)


@effects.action(card_.PROGRESS)
def progress(req: effects.EffectRequest) -> effects.EffectResult:
    return _asking(req, card_.PROGRESS, "note", then="progress")


@effects.action(card_.DONE)
def done(req: effects.EffectRequest) -> effects.EffectResult:
    return _asking(req, card_.DONE, "note", then="done")


@effects.action(card_.REJECT)
def reject(req: effects.EffectRequest) -> effects.EffectResult:
    return _asking(req, card_.REJECT, "reason")


# --- the steps (pure) ---------------------------------------------------------------------------------


def _button(state: State, label: str, arg: str) -> dict:
    return c.button(state, label, arg, label)


def prompt_for(state: State) -> dict:
    """The question of the step the staff member is at (also after a miss)."""
    number = state.data.get("number", "")
    if state.step == "note":
        ask = card_.ASK_NOTE.get(state.data.get("then"), card_.ASK_NOTE["progress"])
        return m.text(ask.format(number=number), [_button(state, card_.NO_NOTE, "none")])
    if state.step == "reason":
        buttons = [_button(state, label, str(i)) for i, (label, _) in enumerate(card_.REJECT_REASONS)]
        return m.text(card_.ASK_REJECT_REASON.format(number=number) + "\n" + st.STAFF_CANCEL_HINT, buttons)
    return m.text(card_.NEED_TEXT)


def _do(state: State, action: str, **args) -> Turn:
    return Turn(State(), [], effects=(Effect(DO, {"request": state.data["request"], "action": action, **args}),))


def _again(state: State, note: str) -> Turn:
    return Turn(state, [m.text(note), prompt_for(state)], unusable=True)


def note_step(ctx: Context, state: State, event: Input) -> Turn:
    then = state.data.get("then") if state.data.get("then") in ("progress", "done") else "progress"
    if (event.button and event.button.arg == "none") or event.command in _NO_NOTE:
        return _do(state, then, note="")
    text = c.typed_line(event)
    if not text:
        return _again(state, card_.NEED_TEXT)
    return _do(state, then, note=text)


def reason_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = event.button.arg if event.button else ""
    if arg.isdigit() and int(arg) < len(card_.REJECT_REASONS):
        return _do(state, "reject", reason=card_.REJECT_REASONS[int(arg)][1])
    text = c.typed_line(event)
    if len(text) < MIN_TEXT:
        return _again(state, st.TOO_SHORT if text else card_.NEED_TEXT)
    return _do(state, "reject", reason=text)


def _start(ctx: Context, state: State) -> Turn:
    return Turn(State(), [])  # entered only from a request card's button


def _step(handle, note: str) -> Step:
    return Step(handle, goes_to=("main",), note=note, takes_text=True, hears_member_in_group=True)


FLOWS = [
    Flow(
        name=FLOW,
        title="เจ้าหน้าที่ดำเนินการคำร้องออนไลน์",
        start=_start,
        starts_at=("note", "reason"),
        steps={
            "note": _step(note_step, "กำลังดำเนินการ / เสร็จแล้ว: หมายเหตุ หรือ ไม่มีหมายเหตุ"),
            "reason": _step(reason_step, "ไม่รับคำร้อง: เหตุผล"),
        },
        timeout_minutes=30,
        prompt=lambda ctx, state: [prompt_for(state)],
    ),
]


# --- carrying it out ---------------------------------------------------------------------------------

_TO_STATUS = {"accept": "accepted", "progress": "in_progress", "done": "done", "reject": "rejected"}
_BUTTON_OF = {"accept": card_.ACCEPT, "progress": card_.PROGRESS, "done": card_.DONE, "reject": card_.REJECT}


@effects.effect(DO)
def do(req: effects.EffectRequest) -> effects.EffectResult:
    """The last step's answer: check the request again (it may have moved on meanwhile), then act."""
    action = str(req.args.get("action") or "")
    request, problem = _check(req, req.args.get("request"), _BUTTON_OF.get(action, ""))
    if problem:
        return _reply(problem)
    return carry_out(req, request, action, req.args)


def carry_out(req: effects.EffectRequest, request: ServiceRequest, action: str, args) -> effects.EffectResult:
    office = Office.of(req)
    name = people.name_of(req.db, req.user_id)
    # Whoever acts first on a request nobody has taken becomes its assignee.
    takes = req.user_id and (action == "accept" or request.assignee_user_id is None)
    try:
        change = requests.change_status(
            req.db, office, request.id, _TO_STATUS[action], actor=name,
            note=str(args.get("note") or "") or None, reason=args.get("reason"),
            assignee=(req.user_id, name) if takes else None, now=req.now.timestamp(),
        )
    except requests.RequestError as exc:
        return _reply(str(exc))
    updated = change.request
    audit_log.record(
        req.db, actor=name, action="request.status", target=f"request:{request.id}",
        details={"number": request.number, "old": request.status, "new": updated.status, "via": "LINE",
                 "chat": people.chat_label(req.db, req.chat_key)},
    )
    told = card_.DONE_TEXT[action].format(who=st.who(name, req.chat_kind != "user"), number=request.number)
    replies: list[dict] = [m.text(told)]
    if updated.is_open:
        replies.append(card_.card(office, (req.part("services") or {}).get(updated.service_id), updated))
    return effects.EffectResult(replies=replies, queued_outbox_ids=change.outbox_ids)


# --- the citizen's rating of a finished request ------------------------------------------------------


@effects.action(requests.RATE_ACTION)
def rate(req: effects.EffectRequest) -> effects.EffectResult:
    record = str(req.args.get("record_id") or "")
    request = store.get(req.db, int(record)) if record.isdigit() else None
    menu = list(req.menu_buttons)
    if request is None:
        return effects.EffectResult(replies=[m.text(et.GONE, menu)])
    if not request.chat_key or request.chat_key != req.chat_key:
        return effects.EffectResult(replies=[m.text(et.NOT_YOURS, menu)])
    if request.rating is not None:
        return effects.EffectResult(replies=[m.text(et.ALREADY_RATED, menu)])
    if request.status != "done":
        return effects.EffectResult(replies=[m.text(et.NOT_DONE_YET, menu)])
    arg = str(req.args.get("arg") or "")
    if arg not in ("1", "2", "3", "4", "5"):
        return effects.EffectResult(replies=[m.text(et.GONE, menu)])  # not a button the bot made
    if not store.rate(req.db, request.id, int(arg), req.now.timestamp()):
        return effects.EffectResult(replies=[m.text(et.ALREADY_RATED, menu)])
    _save_rating(req, request, int(arg))
    return effects.EffectResult(replies=[m.text(et.RATED, menu)])


def _save_rating(req: effects.EffectRequest, request: ServiceRequest, score: int) -> None:
    """The rating as the satisfaction results count it. The citizen answered one question (how
    satisfied, overall), and service_ratings holds five aspects: the one answer goes in all
    five, so the request's pooled mean is what the citizen said. One rating per person, service
    and day: if the person already rated this service today (from the menu, a QR code), that
    fuller answer stays and this one is kept on the request only."""
    today = req.now.date().isoformat()
    rated_today = req.db.execute(
        "SELECT 1 FROM service_ratings WHERE chat_key = ? AND service_id = ? AND rated_on = ?",
        (req.chat_key, request.service_id, today),
    ).fetchone()
    if rated_today:
        return
    ratings.save(
        req.db, chat_key=req.chat_key, service_id=request.service_id, division_id=request.division_id, rated_on=today,
        fiscal_year=fiscal_year(req.now), scores={a: score for a in ratings.ASPECTS}, comment=None, source=RATING_SOURCE,
    )


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    """A staff member's LINE identity leaves the requests they handled; their name stays in the
    request's history, the SAO's record of who did the public's work."""
    if user_id:
        db.execute("UPDATE service_requests SET assignee_user_id = NULL WHERE assignee_user_id = ?", (user_id,))
