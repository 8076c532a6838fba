"""Writes of the handbook Q&A, run by the inbox worker inside its transaction (bot/pipeline/effects.py)."""
from __future__ import annotations

import sqlite_utils

from bot.pipeline import effects
from bot.conversation import messages as m
from bot.conversation import postback, texts
from bot.conversation.engine import MAIN, State
from db import questions


@effects.effect("handbook_record")
def record_question(req: effects.EffectRequest) -> None:
    a = req.args
    questions.record(
        req.db,
        ref=a["ref"],
        chat_key=req.chat_key,
        user_id=req.user_id,
        question=a["question"],
        outcome=a["outcome"],
        procedure_id=a.get("procedure"),
        section=a.get("section"),
        score=a.get("score"),
        handbook_version=a.get("version"),
        intent=a.get("intent"),
        now=req.now.timestamp(),
    )


@effects.effect("handbook_feedback")
def feedback(req: effects.EffectRequest) -> effects.EffectResult:
    from bot.conversation.handbook import FLOW, STEP, staff_offer

    ref, vote = req.args["ref"], req.args["vote"]
    outcome = questions.set_feedback(req.db, ref, vote, now=req.now.timestamp())
    menu = [m.postback_action(texts.MENU_BUTTON, postback.menu(MAIN))]
    if outcome == "missing":
        return effects.EffectResult([m.text(texts.HANDBOOK_RATING_GONE, menu)])
    if outcome == "already":
        return effects.EffectResult([m.text(texts.HANDBOOK_ALREADY_RATED, menu)])
    if vote == "up":
        return effects.EffectResult([m.text(texts.HANDBOOK_THANKS_UP, menu)])
    state = State(FLOW, STEP, req.args["session"])
    return effects.EffectResult([staff_offer(state, ref, texts.handbook_thanks_down(req.profile))])


@effects.effect("handbook_pick")
def pick(req: effects.EffectRequest) -> None:
    questions.choose(req.db, req.args["ref"], req.args["procedure"], req.args["section"], now=req.now.timestamp())


@effects.effect("handbook_unanswered")
def unanswered(req: effects.EffectRequest) -> None:
    questions.mark_unanswered(req.db, req.args["ref"], now=req.now.timestamp())


@effects.effect("handbook_reported")
def reported(req: effects.EffectRequest) -> None:
    questions.mark_reported(req.db, req.args["ref"], now=req.now.timestamp())


@effects.effect("handbook_staff")
def staff(req: effects.EffectRequest) -> effects.EffectResult:
    """Mark that the person asked for staff; the staff-question flow (bot/feedback/) now
    carries the question itself to the division and answers the person."""
    questions.request_staff(req.db, req.args["ref"], now=req.now.timestamp())
    return effects.EffectResult()


@effects.eraser
def erase_questions(db: sqlite_utils.Database, chat_key: str, user_id: str | None) -> None:
    questions.erase_chat(db, chat_key, user_id)
