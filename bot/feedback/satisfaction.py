"""Satisfaction with a service (measure 5): choose the service, five questions on the
5-level Thai scale, an optional comment. Under a minute, all quick replies.

Entries: the menu ("ประเมินความพึงพอใจ"), a QR poster at the counter (its deep link
prefills "ประเมินบริการ [<id>]", recognised by COMMAND), and a handbook
answer (`start_for_service`). The rating is written once, by the last step's effect;
leaving earlier writes nothing.
"""
from __future__ import annotations

import re

from bot.pipeline import effects
from bot.conversation import messages as m
from bot.conversation.engine import MAIN, Command, Context, Effect, Input, State, Step, Turn
from bot.feedback import common as c
from bot.feedback import satisfaction_texts as t
from bot.feedback.texts import (
    CHOOSE_CATEGORY, NEED_TEXT, NO_SERVICES, SERVICE_NOT_FOUND, choose_service, privacy_line, rate_limited, service_chosen,
)
from bot.feedback.announce import Office
from bot.common.thaidate import fiscal_year
from db import ratings

FLOW = "satisfaction"
SAVE = "satisfaction-save"
ASPECT_KEYS = tuple(key for key, _ in t.ASPECTS)
RATE_STEPS = tuple(f"rate_{key}" for key in ASPECT_KEYS)
COMMENT_MAX = 500
MAX_RATINGS_A_DAY = 30


# --- asking ----------------------------------------------------------------------------------


def _ask_category(ctx: Context, state: State) -> list[dict]:
    return [m.text(CHOOSE_CATEGORY, c.category_buttons(ctx, state, [c.cancel_button()]))]


def _ask_service(ctx: Context, state: State) -> list[dict]:
    index = state.data.get("category", 0)
    name = c.categories(ctx)[index][0]
    return [m.text(choose_service(name), c.service_buttons(ctx, state, index))]


def _ask_rating(state: State) -> list[dict]:
    aspect = state.step.removeprefix("rate_")
    n = ASPECT_KEYS.index(aspect) + 1
    return [m.text(t.rate_question(n, len(ASPECT_KEYS), aspect), c.scale_buttons(state))]


def _ask_comment(state: State) -> list[dict]:
    return [m.text(t.COMMENT_PROMPT, [c.button(state, t.NO_COMMENT_BUTTON, "none"), c.cancel_button()])]


def prompt(ctx: Context, state: State) -> list[dict]:
    """The current step's question again (after an aside answer, "ทำต่อ")."""
    return _ask_again(ctx, state)


def _ask_again(ctx: Context, state: State) -> list[dict]:
    if state.step == "category":
        return _ask_category(ctx, state)
    if state.step == "service":
        return _ask_service(ctx, state)
    if state.step in RATE_STEPS:
        return _ask_rating(state)
    return _ask_comment(state)


def _intro(ctx: Context) -> dict:
    return m.text(f"{t.satisfaction_intro(ctx.profile)}\n\n{privacy_line(ctx.public_base_url)}")


# --- entries ---------------------------------------------------------------------------------


def start(ctx: Context, state: State) -> Turn:
    refused = c.private_only(ctx)
    if refused:
        return refused
    if not c.categories(ctx):
        return Turn(State(), [m.text(NO_SERVICES)])
    asking = State(FLOW, "category", state.session, {"source": "menu"})
    return Turn(asking, [_intro(ctx)] + _ask_category(ctx, asking))


def start_for_service(ctx: Context, service_id: str, source: str = "handbook", note: str = "") -> Turn:
    """Begin with the service already chosen (a QR poster, a handbook answer)."""
    refused = c.private_only(ctx)
    if refused:
        return refused
    procedure = c.find_service(ctx, service_id)
    if procedure is None:
        turn = start(ctx, State(FLOW, session=ctx.new_session))
        return Turn(turn.state, [m.text(t.QR_UNKNOWN_SERVICE)] + turn.messages[1:])
    state = State(FLOW, RATE_STEPS[0], ctx.new_session, _service_data(procedure, source))
    head = [_intro(ctx), m.text((note + "\n" if note else "") + service_chosen(procedure.short_title))]
    return Turn(state, head + _ask_rating(state))


def _service_data(procedure, source: str) -> dict:
    return {
        "source": source,
        "service": procedure.id,
        "service_title": procedure.short_title,
        "division": procedure.division,
        "scores": {},
    }


_DEEP_LINK_ID = re.compile(r"\[([a-z0-9][a-z0-9-]*)\]\s*$")


def from_typed(ctx: Context, state: State, argument: str) -> Turn:
    """"ประเมินบริการ [elderly-allowance]" (a QR poster), or a service's name after the words."""
    argument = argument.strip()
    found = _DEEP_LINK_ID.search(argument)
    if found:
        return start_for_service(ctx, found.group(1), source="qr")
    if argument:
        procedure = c.match_service(ctx, argument)
        if procedure is not None:
            return start_for_service(ctx, procedure.id, source="menu")
    return start(ctx, State(FLOW, session=ctx.new_session))


COMMAND = Command(
    name="satisfaction-for-service",
    pattern=re.compile(r"(?:ประเมิน\s*(?:ความ\s*)?พึง\s*พอ\s*ใจ|ประเมิน\s*บริการ)\s*[:：]?\s*(.*)", re.S),
    run=from_typed,
    usage="ประเมินบริการ [<รหัสบริการ>] (ป้าย QR)",
)


# --- steps -----------------------------------------------------------------------------------


def category_step(ctx: Context, state: State, event: Input) -> Turn:
    index = c.chosen_category(state, event)
    if index is not None and index < len(c.categories(ctx)):
        choosing = c.with_data(state, "service", category=index)
        return Turn(choosing, _ask_service(ctx, choosing))
    if event.kind == "text":
        procedure = c.match_service(ctx, event.text)
        if procedure is not None:
            rating = State(FLOW, RATE_STEPS[0], state.session, _service_data(procedure, state.data.get("source", "menu")))
            return Turn(rating, [m.text(service_chosen(procedure.short_title))] + _ask_rating(rating))
        return c.not_usable(state, [m.text(SERVICE_NOT_FOUND)] + _ask_category(ctx, state))
    if c.is_earlier_button(state, event):
        return c.earlier_button(state, _ask_category(ctx, state))
    return c.not_usable(state, _ask_category(ctx, state))


def service_step(ctx: Context, state: State, event: Input) -> Turn:
    procedure, back = c.chosen_service(ctx, state, event)
    if back:
        choosing = c.with_data(state, "category")
        return Turn(choosing, _ask_category(ctx, choosing))
    if procedure is not None:
        data = _service_data(procedure, state.data.get("source", "menu"))
        rating = State(FLOW, RATE_STEPS[0], state.session, data)
        return Turn(rating, [m.text(service_chosen(procedure.short_title))] + _ask_rating(rating))
    if event.kind == "text":
        return c.not_usable(state, [m.text(SERVICE_NOT_FOUND)] + _ask_service(ctx, state))
    if c.is_earlier_button(state, event):
        return c.earlier_button(state, _ask_service(ctx, state))
    return c.not_usable(state, _ask_service(ctx, state))


def rate_step(ctx: Context, state: State, event: Input) -> Turn:
    level = c.parse_level(state, event)
    if level is None:
        if c.is_earlier_button(state, event):
            return c.earlier_button(state, _ask_rating(state))
        return c.not_usable(state, [m.text(t.PICK_A_LEVEL)] + _ask_rating(state))
    aspect = state.step.removeprefix("rate_")
    scores = dict(state.data.get("scores") or {})
    scores[aspect] = level
    position = RATE_STEPS.index(state.step)
    if position + 1 < len(RATE_STEPS):
        nxt = c.with_data(state, RATE_STEPS[position + 1], scores=scores)
        return Turn(nxt, _ask_rating(nxt))
    commenting = c.with_data(state, "comment", scores=scores)
    return Turn(commenting, _ask_comment(commenting))


def comment_step(ctx: Context, state: State, event: Input) -> Turn:
    comment = None
    if c.step_arg(state, event) == "none":
        comment = ""
    elif event.kind == "text":
        comment = c.clean_text(event.text)
        problem = c.check_length(comment, 1, COMMENT_MAX)
        if problem:
            return c.not_usable(state, [m.text(problem)] + _ask_comment(state))
    elif c.is_earlier_button(state, event):
        return c.earlier_button(state, _ask_comment(state))
    if comment is None:
        return c.not_usable(state, [m.text(NEED_TEXT)] + _ask_comment(state))
    data = state.data
    args = {
        "service": data["service"],
        "service_title": data["service_title"],
        "division": data["division"],
        "scores": dict(data["scores"]),
        "comment": comment,
        "source": data.get("source", "menu"),
    }
    return Turn(State(), [], effects=(Effect(SAVE, args),))


STEPS = {
    "category": Step(category_step, goes_to=("service", RATE_STEPS[0]), note="เลือกหมวดบริการ"),
    "service": Step(service_step, goes_to=("category", RATE_STEPS[0]), note="เลือกบริการ"),
    **{
        step: Step(rate_step, goes_to=(RATE_STEPS[i + 1] if i + 1 < len(RATE_STEPS) else "comment",), note=t.ASPECT_SHORT[step[5:]])
        for i, step in enumerate(RATE_STEPS)
    },
    "comment": Step(comment_step, goes_to=(MAIN,), note="ข้อเสนอแนะ แล้วบันทึก", takes_text=True),
}


# --- the write ---------------------------------------------------------------------------------


@effects.effect(SAVE)
def save(req: effects.EffectRequest) -> effects.EffectResult:
    office = Office.of(req)
    args = req.args
    today = req.now.date().isoformat()
    if ratings.count_today(req.db, req.chat_key, today) >= MAX_RATINGS_A_DAY:
        return effects.EffectResult(replies=[m.text(rate_limited("rating", MAX_RATINGS_A_DAY, req.profile), list(req.menu_buttons))])
    replaced = ratings.save(
        req.db,
        chat_key=req.chat_key,
        service_id=args["service"],
        division_id=args["division"] if office.has_division(args["division"]) else office.general_division,
        rated_on=today,
        fiscal_year=fiscal_year(req.now),
        scores={k: int(v) for k, v in args["scores"].items()},
        comment=args.get("comment") or None,
        source=args.get("source", "menu"),
    )
    body = t.rating_thanks(args["service_title"], req.profile, replaced)
    return effects.EffectResult(replies=[m.text(body, list(req.menu_buttons))])


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    ratings.erase_chat(db, chat_key)
