"""Staff registration on LINE: "ลงทะเบียน <รหัส>" and "ยกเลิกลงทะเบียน".

An admin issues a one-time code for a division (`python -m bot staff code`). A staff member
types it in a 1:1 chat with the bot, or in the division's LINE group after adding the bot;
from then on that chat receives the division's reminders, tickets and questions. Both
commands are heard in groups without tagging the bot (they are staff commands). A valid
code goes on to ask the group's name and the person's name (bot/staff/names.py).

The commands are pure (bot/conversation/flows.py lists them); the checks and writes are
the effects below, run in the worker's transaction.
"""
from __future__ import annotations

import re

from bot.pipeline import effects
from bot.conversation import texts
from bot.conversation.engine import Command, Context, Effect, State, Turn
from bot.staff import names
from db import staff

REGISTER = "staff-register"
UNREGISTER = "staff-unregister"


def _register(ctx: Context, state: State, code: str) -> Turn:
    return Turn(state, [], effects=(Effect(REGISTER, {"code": code.upper(), "session": ctx.new_session}),))


def _unregister(ctx: Context, state: State, _argument: str) -> Turn:
    return Turn(state, [], effects=(Effect(UNREGISTER),))


COMMANDS = [
    Command(
        name="register",
        pattern=re.compile(r"(?:ลง\s*ทะ\s*เบียน|register)\s*[:：]?\s*([A-Za-z0-9]{%d})" % staff.CODE_LENGTH, re.I),
        run=_register,
        in_groups=True,
        usage="ลงทะเบียน <รหัส>",
    ),
    Command(
        name="unregister",
        pattern=re.compile(r"(?:ยกเลิก\s*(?:การ)?\s*ลง\s*ทะ\s*เบียน|unregister)", re.I),
        run=_unregister,
        in_groups=True,
        usage="ยกเลิกลงทะเบียน",
    ),
]


def _text(body: str) -> effects.EffectResult:
    return effects.EffectResult(replies=[{"type": "text", "text": body}])


@effects.effect(REGISTER)
def register(req: effects.EffectRequest) -> effects.EffectResult:
    db = req.db
    if req.chat_kind not in ("user", "group", "room"):
        return effects.EffectResult()
    if staff.too_many_failures(db, req.chat_key):
        return _text(texts.STAFF_CODE_TOO_MANY)
    code = staff.find_code(db, req.args["code"])
    if code is None or not staff.use_code(db, code.code, req.chat_key):
        staff.record_failure(db, req.chat_key)
        return _text(texts.STAFF_CODE_INVALID)
    line_id = req.user_id if req.chat_kind == "user" else req.chat_key.split(":", 1)[1]
    staff.register(
        db,
        chat_key=req.chat_key,
        kind=req.chat_kind,
        line_id=line_id,
        division_id=code.division_id,
        role=code.role,
        registered_by=req.user_id,
    )
    division = texts.ALL_DIVISIONS if code.division_id == staff.ALL_DIVISIONS else req.division_name(code.division_id)
    # Then people, not ids: the group's name and the person's (bot/staff/names.py).
    state, asked = names.after_registration(req, division, req.args.get("session") or "-")
    registered = {"type": "text", "text": texts.staff_registered(division, code.role, in_group=req.chat_kind != "user")}
    return effects.EffectResult(replies=[registered] + asked, state=state)


@effects.effect(UNREGISTER)
def unregister(req: effects.EffectRequest) -> effects.EffectResult:
    if staff.unregister_chat(req.db, req.chat_key):
        return _text(texts.STAFF_UNREGISTERED)
    return _text(texts.STAFF_NOT_REGISTERED)


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    staff.erase_chat(db, chat_key, user_id)
