"""Staff by name on LINE: people, not LINE ids.

After registering (bot/staff/registration.py) a staff member gives their name and position,
or agrees to be known by their LINE display name; whoever registers a group names it
("กลุ่มกองช่าง"). These are the steps of flow "staff_name" (bot/conversation/flows.py); in
a group the member they ask is heard without tagging the bot. "ชื่อของฉัน" and
"ตั้งชื่อกลุ่ม" ask again later. The console, the audit log and the records then show
names (bot/staff/people.py).

The LINE display name is fetched only with the person's consent (the button), after the
commit: a background job asks LINE through the sender, never inside the worker's transaction.
"""
from __future__ import annotations

import logging
import re
import time

import urllib3
from linebot.v3.messaging.exceptions import ApiException

from bot.conversation import messages as m
from bot.conversation.engine import MAIN, Command, Context, Effect, Input, State, Step, Turn
from bot.feedback import common as c
from bot.line.sender import ProfileUnavailable
from bot.pipeline import effects
from bot.staff import access
from bot.staff import name_texts as t
from db import outbox, staff, transaction

log = logging.getLogger(__name__)

FLOW = "staff_name"
OPEN = "staff-name-open"
SAVE_NAME = "staff-name-save"
SAVE_GROUP_NAME = "staff-group-name-save"
NAME_MIN, NAME_MAX = 2, 80
GROUP_NAME_MAX = 50
LINE_NAME_TRIES = 8


# --- what is asked -----------------------------------------------------------------------


def name_prompt(state: State, in_group: bool) -> list[dict]:
    return [m.text(t.ask_name(in_group), [c.button(state, t.USE_LINE_NAME, "line"), c.cancel_button()])]


def position_prompt(state: State) -> list[dict]:
    return [m.text(t.ASK_POSITION, [c.button(state, t.NO_POSITION, "none"), c.cancel_button()])]


def group_name_prompt(state: State) -> list[dict]:
    suggestion = state.data.get("suggestion") or "กลุ่มกองช่าง"
    return [m.text(t.ask_group_name(suggestion), [m.message_action(suggestion), c.cancel_button()])]


def _typed(event: Input, longest: int) -> tuple[str, str | None]:
    """The typed text on one line, and a note when it is too short or too long."""
    text = " ".join(c.clean_text(event.text).split())
    return text, c.check_length(text, NAME_MIN, longest)


# --- the steps (pure) --------------------------------------------------------------------------


def start(ctx: Context, state: State) -> Turn:
    asking = State(FLOW, "name", state.session)
    return Turn(asking, name_prompt(asking, ctx.chat_kind != "user"))


def group_name_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind != "text":
        return Turn(state, group_name_prompt(state))
    name, problem = _typed(event, GROUP_NAME_MAX)
    if problem:
        return Turn(state, [m.text(problem)] + group_name_prompt(state))
    args = {"name": name, "session": state.session, "then_name": bool(state.data.get("then_name"))}
    return Turn(State(), [], effects=(Effect(SAVE_GROUP_NAME, args),))


def name_step(ctx: Context, state: State, event: Input) -> Turn:
    if c.step_arg(state, event) == "line":  # consent to their LINE display name
        nxt = c.with_data(state, "position", consent=True)
        return Turn(nxt, [m.text(t.LINE_NAME_AGREED)] + position_prompt(nxt))
    if event.kind != "text":
        return Turn(state, name_prompt(state, ctx.chat_kind != "user"))
    name, problem = _typed(event, NAME_MAX)
    if problem:
        return Turn(state, [m.text(problem)] + name_prompt(state, ctx.chat_kind != "user"))
    nxt = c.with_data(state, "position", name=name, consent=False)
    return Turn(nxt, position_prompt(nxt))


def position_step(ctx: Context, state: State, event: Input) -> Turn:
    position = None
    if c.step_arg(state, event) != "none":
        if event.kind != "text":
            return Turn(state, position_prompt(state))
        position, problem = _typed(event, NAME_MAX)
        if problem:
            return Turn(state, [m.text(problem)] + position_prompt(state))
    args = {"name": state.data.get("name"), "position": position, "consent": bool(state.data.get("consent"))}
    return Turn(State(), [], effects=(Effect(SAVE_NAME, args),))


STEPS = {
    "group_name": Step(group_name_step, goes_to=("name", MAIN), note="ชื่อกลุ่ม (ผู้ลงทะเบียนพิมพ์โดยไม่ต้องแท็กบอท)",
                       takes_text=True, hears_member_in_group=True),
    "name": Step(name_step, goes_to=("position",), note="ชื่อ-นามสกุล หรือยินยอมใช้ชื่อ LINE", takes_text=True,
                 hears_member_in_group=True),
    "position": Step(position_step, goes_to=(MAIN,), note="ตำแหน่ง", takes_text=True, hears_member_in_group=True),
}


def _my_name(ctx: Context, state: State, _argument: str) -> Turn:
    return Turn(state, [], effects=(Effect(OPEN, {"step": "name", "session": ctx.new_session}),))


def _group_name(ctx: Context, state: State, _argument: str) -> Turn:
    return Turn(state, [], effects=(Effect(OPEN, {"step": "group_name", "session": ctx.new_session}),))


# The bare words only: "ชื่อของฉันหายจากทะเบียนบ้าน" is a citizen's question, not the command.
COMMANDS = [
    Command(name="my-name", pattern=re.compile(r"ชื่อ\s*ของ\s*ฉัน\s*(?:ค่ะ|คะ|ครับ)?"), run=_my_name, in_groups=True,
            usage="ชื่อของฉัน (เจ้าหน้าที่: แก้ชื่อและตำแหน่ง)"),
    Command(name="group-name", pattern=re.compile(r"ตั้ง\s*ชื่อ\s*กลุ่ม\s*(?:ค่ะ|คะ|ครับ)?"), run=_group_name, in_groups=True,
            usage="ตั้งชื่อกลุ่ม (กลุ่มที่ลงทะเบียนแล้ว)"),
]


# --- the effects (in the worker's transaction) -------------------------------------------------


def _refused(req: effects.EffectRequest, body: str) -> effects.EffectResult:
    """Not staff: a polite note in a 1:1 chat; in a group, silence (it may be ordinary talk)."""
    return effects.EffectResult(replies=[m.text(body)] if req.chat_kind == "user" else [], state=State())


def ask_group_name(session: str, suggestion: str, then_name: bool) -> tuple[State, list[dict]]:
    asking = State(FLOW, "group_name", session, {"suggestion": suggestion, "then_name": then_name})
    return asking, group_name_prompt(asking)


def ask_name_if_unknown(req: effects.EffectRequest, session: str) -> tuple[State | None, list[dict]]:
    """Ask the person's name unless it is known (or their LINE name is being fetched)."""
    if not req.user_id:
        return None, []
    known = staff.person(req.db, req.user_id)
    if known is not None and known.name:
        return None, [m.text(t.known_as(f"{known.name} ({known.position})" if known.position else known.name))]
    if known is not None:  # their LINE name is on its way
        return None, []
    asking = State(FLOW, "name", session)
    return asking, name_prompt(asking, req.chat_kind != "user")


def after_registration(req: effects.EffectRequest, division: str, session: str) -> tuple[State | None, list[dict]]:
    """What registering goes on to ask: a new group's name, then the person's name."""
    if req.chat_kind != "user" and not staff.group_name(req.db, req.chat_key):
        return ask_group_name(session, f"กลุ่ม{division}", then_name=True)
    return ask_name_if_unknown(req, session)


@effects.effect(OPEN)
def open_naming(req: effects.EffectRequest) -> effects.EffectResult:
    """"ชื่อของฉัน" / "ตั้งชื่อกลุ่ม": only in a registered chat."""
    if not access.is_staff_chat(req.db, req.chat_key):
        return _refused(req, t.NOT_STAFF)
    if req.args["step"] == "group_name":
        if req.chat_kind == "user":
            return effects.EffectResult(replies=[m.text(t.GROUP_ONLY)], state=State())
        name = staff.group_name(req.db, req.chat_key) or "กลุ่มกองช่าง"
        state, asked = ask_group_name(req.args["session"], name, then_name=False)
    else:
        state = State(FLOW, "name", req.args["session"])
        asked = name_prompt(state, req.chat_kind != "user")
    return effects.EffectResult(replies=asked, state=state)


@effects.effect(SAVE_GROUP_NAME)
def save_group_name(req: effects.EffectRequest) -> effects.EffectResult:
    if req.chat_kind == "user" or not access.is_staff_chat(req.db, req.chat_key):
        return _refused(req, t.GROUP_ONLY)
    staff.set_group_name(req.db, req.chat_key, req.args["name"])
    state, more = ask_name_if_unknown(req, req.args["session"]) if req.args.get("then_name") else (None, [])
    return effects.EffectResult(replies=[m.text(t.group_named(req.args["name"]))] + more, state=state)


@effects.effect(SAVE_NAME)
def save_name(req: effects.EffectRequest) -> effects.EffectResult:
    if not req.user_id or not access.is_staff_chat(req.db, req.chat_key):
        return _refused(req, t.NOT_STAFF)
    position = req.args.get("position") or None
    if req.args.get("consent"):
        staff.await_line_name(req.db, req.user_id, req.chat_key, position)  # fetched after the commit
        return effects.EffectResult(replies=[m.text(t.name_saved(None, position))])
    staff.set_person(req.db, req.user_id, req.args["name"], position)
    return effects.EffectResult(replies=[m.text(t.name_saved(req.args["name"], position))])


# --- the LINE display name, fetched after the commit ----------------------------------------------

_TRIES: dict[str, tuple[int, float]] = {}  # user id → (failed tries, when to try again): a LINE outage


@effects.background
def fetch_line_names(db, sender) -> int:
    """Ask LINE for the display names people agreed to; return how many were stored."""
    stored = 0
    now = time.time()
    for user_id, chat_key in staff.awaiting_line_names(db, limit=20):
        tries, next_at = _TRIES.get(user_id, (0, 0.0))
        if next_at > now:
            continue
        kind, _, chat_id = chat_key.partition(":")
        try:
            name = " ".join(c.clean_text(sender.display_name(user_id, kind, chat_id)).split())[:NAME_MAX]
        except ProfileUnavailable as exc:
            log.info("LINE has no display name of a staff member for the bot: %s", exc)
            name = ""
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            if tries + 1 < LINE_NAME_TRIES:
                _TRIES[user_id] = (tries + 1, now + min(300.0, 2.0 ** (tries + 1)))
                continue
            log.warning("LINE display name not fetched after %s tries: %s", tries + 1, exc)
            name = ""
        _TRIES.pop(user_id, None)
        if name:
            stored += staff.set_line_name(db, user_id, chat_key, name)
        else:
            _tell_name_unavailable(db, sender, user_id, chat_key)
    return stored


def _tell_name_unavailable(db, sender, user_id: str, chat_key: str) -> None:
    _, _, chat_id = chat_key.partition(":")
    with transaction(db):
        staff.line_name_unavailable(db, user_id, chat_key)
        queued = outbox.enqueue(
            db, dedupe_key=f"staff-line-name:{user_id}:{int(time.time())}", chat_key=chat_key, kind="push",
            to_ids=[chat_id], messages=[m.text(t.LINE_NAME_UNAVAILABLE)], purpose="staff-name",
        )
    if queued:
        sender.deliver(db, queued)
