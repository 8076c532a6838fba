"""LINE consultations (ร่วมแสดงความเห็น, issue 20): an admin opens one in the console
(/admin/participation); a citizen answers it once.

Entries: the main menu's quick replies and the entry words (the rich menu's six cells are
taken, so it is not there), the push opted-in followers get when one opens, and a QR poster
whose deep link types "ร่วมแสดงความเห็น <id>" (COMMAND). Steps: pick the consultation (when
several are open) → a choice → an optional comment → the village (when it lists villages) →
confirm. Answer once each: a second answer gets a polite note, never a change (the count
stays honest without keeping who answered: db/participation.py person_key).

"รับข่าวการรับฟังความเห็น" / "เลิกรับข่าว" (1:1 chats only) opt in and out of the push.
Steps are pure; the effects below read and write in the worker's transaction.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.conversation import messages as m
from bot.conversation.engine import MAIN, Command, Context, Effect, Flow, Input, State, Step, Turn
from bot.conversation.text import normalize_command
from bot.feedback import announce
from bot.feedback import common as c
from bot.feedback import consultation_texts as t
from bot.line.limits import truncate_label
from bot.pipeline import effects
from db import participation, transaction

log = logging.getLogger(__name__)

FLOW = "consultation"
LIST = "consultation-list"
SHOW = "consultation-show"
SAVE = "consultation-save"
OPT = "consultation-opt"
MAX_CHOICES = 10
MAX_VILLAGES = 12
MAX_LISTED = 10
_YES = frozenset(normalize_command(w) for w in (t.CONFIRM_BUTTON, "ยืนยัน", "ส่ง", "ตกลง"))
_SKIP = frozenset(normalize_command(w) for w in (t.NO_COMMENT_BUTTON, "ไม่มี", "ข้าม"))


# --- entries -----------------------------------------------------------------------------------


def start(ctx: Context, state: State) -> Turn:
    refused = c.private_only(ctx)
    if refused:
        return refused
    return Turn(State(), [], effects=(Effect(LIST, {"session": state.session}),))


def from_typed(ctx: Context, state: State, argument: str) -> Turn:
    """"ร่วมแสดงความเห็น 12": the QR poster's or the announcement's way in."""
    refused = c.private_only(ctx)
    if refused:
        return refused
    return Turn(State(), [], effects=(Effect(SHOW, {"id": int(argument), "session": ctx.new_session}),))


def _opt(on: bool):
    def run(ctx: Context, state: State, argument: str) -> Turn:
        refused = c.private_only(ctx)
        if refused:
            return refused
        return Turn(State(), [], effects=(Effect(OPT, {"on": on}),))

    return run


COMMANDS = [
    Command("consultation-by-number", re.compile(r"ร่วม\s*แสดง\s*ความ\s*(?:คิด\s*)?เห็น\s*(?:เรื่อง(?:ที่)?\s*)?#?\s*(\d{1,7})"),
            from_typed, usage="ร่วมแสดงความเห็น <เลขที่> (ป้าย QR)"),
    Command("consultation-opt-in", re.compile(r"รับ\s*ข่าว\s*การ\s*รับ\s*ฟัง\s*ความ\s*(?:คิด\s*)?เห็น()"), _opt(True),
            usage=t.OPT_IN_WORDS),
    Command("consultation-opt-out", re.compile(r"เลิก\s*รับ\s*ข่าว(?:\s*การ\s*รับ\s*ฟัง\s*ความ\s*(?:คิด\s*)?เห็น)?()"), _opt(False),
            usage=t.OPT_OUT_WORDS),
]


# --- the steps -----------------------------------------------------------------------------------


def _order(data) -> list[str]:
    return (["choice"] if data.get("choices") else []) + (["comment"] if data.get("comment_ok") else []) + \
        (["village"] if data.get("villages") else []) + ["confirm"]


def _next(state: State, after: str | None, **changes) -> State:
    data = {**state.data, **changes}
    order = _order(data)
    step = order[0] if after is None else order[order.index(after) + 1]
    return State(FLOW, step, state.session, data)


def _ask(state: State) -> list[dict]:
    data = state.data
    cancel = c.cancel_button()
    if state.step == "pick":
        buttons = [c.button(state, truncate_label(f"{i}. {q}"), f"k{cid}", q[:300]) for i, (cid, q) in enumerate(data["listed"], 1)]
        body = t.PICK + "\n" + "\n".join(f"{i}. {q}" for i, (_, q) in enumerate(data["listed"], 1))
        return [m.text(body, buttons + [cancel])]
    if state.step == "choice":
        buttons = [c.button(state, truncate_label(f"{i}. {ch}"), f"c{i - 1}", ch) for i, ch in enumerate(data["choices"], 1)]
        return [m.text(t.PICK_CHOICE, buttons + [cancel])]
    if state.step == "comment":
        optional = bool(data.get("choices"))
        buttons = [c.button(state, t.NO_COMMENT_BUTTON, "none")] if optional else []
        return [m.text(t.ask_comment(optional), buttons + [cancel])]
    if state.step == "village":
        buttons = [c.button(state, truncate_label(v), f"v{i}", v) for i, v in enumerate(data["villages"])]
        return [m.text(t.ASK_VILLAGE, buttons + [c.button(state, t.NOT_SAID_BUTTON, "v-")])]
    choices = data.get("choices") or []
    choice = choices[data["choice"]] if data.get("choice") is not None else ""
    body = t.summary(data["question"], choice, data.get("comment") or "", data.get("village") or "")
    return [m.text(body, [c.button(state, t.CONFIRM_BUTTON, "yes"), c.button(state, t.AGAIN_BUTTON, "again"), cancel])]


def prompt(ctx: Context, state: State) -> list[dict]:
    return _ask(state)


def _again(state: State, event: Input, note: str) -> Turn:
    if c.is_earlier_button(state, event):
        return Turn(state, [m.text(t.EARLIER)] + _ask(state))
    return c.not_usable(state, [m.text(note)] + _ask(state))


def pick_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    listed = [cid for cid, _ in state.data["listed"]]
    chosen = None
    if arg and arg.startswith("k") and arg[1:].isdigit():
        chosen = int(arg[1:])
    elif event.kind == "text" and event.command.isdigit() and 1 <= int(event.command) <= len(listed):
        chosen = listed[int(event.command) - 1]
    if chosen is None:
        return _again(state, event, t.PICK_AGAIN)
    return Turn(State(), [], effects=(Effect(SHOW, {"id": chosen, "session": state.session}),))


def choice_step(ctx: Context, state: State, event: Input) -> Turn:
    choices = state.data["choices"]
    arg = c.step_arg(state, event)
    index = None
    if arg and arg.startswith("c") and arg[1:].isdigit():
        index = int(arg[1:])
    elif event.kind == "text":
        typed = event.command
        if typed.isdigit():
            index = int(typed) - 1
        else:
            index = next((i for i, ch in enumerate(choices) if normalize_command(ch) == typed), None)
    if index is None or not 0 <= index < len(choices):
        return _again(state, event, t.PICK_CHOICE)
    nxt = _next(state, "choice", choice=index)
    return Turn(nxt, _ask(nxt))


def comment_step(ctx: Context, state: State, event: Input) -> Turn:
    optional = bool(state.data.get("choices"))
    comment = None
    if c.step_arg(state, event) == "none" or (optional and event.command in _SKIP):
        comment = ""
    elif event.kind == "text":
        comment = c.clean_text(event.text)
        problem = c.check_length(comment, 1, t.COMMENT_MAX)
        if problem:
            return c.not_usable(state, [m.text(problem)] + _ask(state))
    if comment is None:
        return _again(state, event, t.NEED_COMMENT)
    nxt = _next(state, "comment", comment=comment)
    return Turn(nxt, _ask(nxt))


def village_step(ctx: Context, state: State, event: Input) -> Turn:
    villages = state.data["villages"]
    arg = c.step_arg(state, event)
    village = None
    if arg == "v-" or event.command == normalize_command(t.NOT_SAID_BUTTON):
        village = ""
    elif arg and arg.startswith("v") and arg[1:].isdigit() and int(arg[1:]) < len(villages):
        village = villages[int(arg[1:])]
    elif event.kind == "text":
        village = next((v for v in villages if normalize_command(v) == event.command), None)
    if village is None:
        return _again(state, event, t.PICK_VILLAGE)
    nxt = _next(state, "village", village=village)
    return Turn(nxt, _ask(nxt))


def confirm_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    data = state.data
    if arg == "yes" or event.command in _YES:
        args = {"id": data["id"], "choice": data.get("choice"), "comment": data.get("comment") or "", "village": data.get("village") or ""}
        return Turn(State(), [], effects=(Effect(SAVE, args),))
    if arg == "again":
        first = _next(State(FLOW, session=state.session, data={k: v for k, v in data.items() if k not in ("choice", "comment", "village")}), None)
        return Turn(first, _ask(first))
    return _again(state, event, t.CONFIRM_AGAIN)


STEPS = {
    "pick": Step(pick_step, goes_to=("choice", "comment", "village", "confirm"), note="เลือกเรื่อง"),
    "choice": Step(choice_step, goes_to=("comment", "village", "confirm"), note="เลือกคำตอบ"),
    "comment": Step(comment_step, goes_to=("village", "confirm"), note="ความเห็นเพิ่มเติม", takes_text=True),
    "village": Step(village_step, goes_to=("confirm",), note="หมู่บ้าน"),
    "confirm": Step(confirm_step, goes_to=(MAIN, "choice", "comment"), note="ยืนยัน แล้วบันทึกครั้งเดียว"),
}

FLOWS = [
    Flow(
        name=FLOW,
        title="ร่วมแสดงความเห็น (รับฟังความเห็นประชาชน)",
        start=start,
        steps=STEPS,
        starts_at=("pick", "choice", "comment"),
        entry_words=t.ENTRY_WORDS,
        timeout_minutes=20,
        prompt=prompt,
        menu_label=t.MENU_LABEL,
        menu_caption="ตอบคำถามที่ อบต. รับฟังความเห็น",
        icon="megaphone",
        on_rich_menu=False,  # the rich menu's six cells are taken: the main menu, the push and QR posters lead here
    ),
]


# --- the effects -----------------------------------------------------------------------------------


def _menu(req: effects.EffectRequest, body: str, extra: list[dict] = ()) -> effects.EffectResult:
    return effects.EffectResult(replies=[m.text(body, list(extra) + list(req.menu_buttons))])


def _opt_in_button(req: effects.EffectRequest) -> list[dict]:
    return [] if req.chat_key in participation.opted_in_followers(req.db) else [m.message_action("รับข่าวเรื่องใหม่", t.OPT_IN_WORDS)]


def _show(req: effects.EffectRequest, consultation, session: str) -> effects.EffectResult:
    data = {"id": consultation.id, "question": consultation.question, "choices": list(consultation.choices),
            "comment_ok": consultation.allow_comment or not consultation.choices, "villages": list(consultation.villages)}
    state = _next(State(FLOW, session=session, data=data), None)
    head = [m.text(t.intro(req.profile)), m.text(t.question(consultation.question, consultation.choices, consultation.closes_on))]
    return effects.EffectResult(replies=head + _ask(state), state=state)


@effects.effect(LIST)
def list_open(req: effects.EffectRequest) -> effects.EffectResult:
    today = req.now.date()
    waiting = [x for x in participation.open_now(req.db, today) if not participation.has_answered(req.db, x.id, req.chat_key)]
    if not waiting:
        return _menu(req, t.NONE_OPEN + "\n" + t.OPT_IN_HINT, _opt_in_button(req))
    if len(waiting) == 1:
        return _show(req, waiting[0], req.args["session"])
    listed = [(x.id, x.question) for x in waiting[:MAX_LISTED]]
    state = State(FLOW, "pick", req.args["session"], {"listed": listed})
    return effects.EffectResult(replies=_ask(state), state=state)


@effects.effect(SHOW)
def show(req: effects.EffectRequest) -> effects.EffectResult:
    consultation = participation.get(req.db, int(req.args["id"]))
    if consultation is None:
        return _menu(req, t.NOT_FOUND)
    if not consultation.is_open(req.now.date()):
        return _menu(req, t.CLOSED)
    if participation.has_answered(req.db, consultation.id, req.chat_key):
        return _menu(req, t.ALREADY)
    return _show(req, consultation, req.args["session"])


@effects.effect(SAVE)
def save(req: effects.EffectRequest) -> effects.EffectResult:
    args = req.args
    consultation = participation.get(req.db, int(args["id"]))
    if consultation is None or not consultation.is_open(req.now.date()):
        return _menu(req, t.CLOSED)
    choice = args.get("choice")
    village = args.get("village") or ""
    saved = participation.add_answer(
        req.db, consultation.id, req.chat_key,
        choice=int(choice) if choice is not None and 0 <= int(choice) < len(consultation.choices) else None,
        comment=(args.get("comment") or "")[: t.COMMENT_MAX] or None,
        village=village if village in consultation.villages else None,
        now=req.now.timestamp(),
    )
    if not saved:
        return _menu(req, t.ALREADY)
    return _menu(req, t.THANKS, _opt_in_button(req))


@effects.effect(OPT)
def opt(req: effects.EffectRequest) -> effects.EffectResult:
    if req.args.get("on"):
        added = participation.opt_in(req.db, req.chat_key, req.now.timestamp())
        return _menu(req, t.OPTED_IN if added else t.ALREADY_IN)
    return _menu(req, t.OPTED_OUT if participation.opt_out(req.db, req.chat_key) else t.NOT_IN)


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    participation.erase_chat(db, chat_key)


@effects.background
def _close_due_and_forget_unfollowed(db, sender) -> None:
    """Close consultations past their day (their salt goes with it); drop opt-ins of chats that
    unfollowed. Reads first: the sweeper writes only when there is something to do."""
    from bot.common.thaidate import now as bangkok_now

    due = participation.due_to_close(db, bangkok_now().date())
    if due or participation.unfollowed_optins(db):
        with transaction(db):
            for cid in due:
                participation.close(db, cid)
            participation.forget_unfollowed(db)


# --- telling opted-in followers when one opens (from the console) ------------------------------------


@dataclass(frozen=True)
class Announced:
    recipients: int
    outbox_ids: tuple[int, ...]
    skipped_for_quota: bool  # the month's push quota could not cover it: nothing was queued
    remaining: int | None


def announce_opened(db, profile, consultation, remaining_quota: int | None) -> Announced:
    """Queue one push per opted-in follower (1:1 chats that still follow), once each by the
    outbox's dedupe key; nothing when the month's remaining quota cannot cover them all. Call
    inside the transaction that opened it, deliver the ids after the commit."""
    recipients = participation.opted_in_followers(db)
    if remaining_quota is not None and len(recipients) > remaining_quota:
        log.warning("consultation %s: %s followers opted in, %s pushes left this month: not announced",
                    consultation.id, len(recipients), remaining_quota)
        return Announced(len(recipients), (), True, remaining_quota)
    body = t.announcement(profile, t.question(consultation.question, consultation.choices, consultation.closes_on), consultation.closes_on)
    message = m.text(body, [m.message_action(t.MENU_LABEL, t.typed_entry(consultation.id))])
    ids = []
    for chat_key in recipients:
        queued = announce.push(db, chat_key=chat_key, line_id=chat_key.split(":", 1)[1], messages=[message],
                               dedupe_key=f"consultation:{consultation.id}:open:{chat_key}", purpose=f"consultation:{consultation.id}:announce")
        if queued:
            ids.append(queued)
    participation.set_announced(db, consultation.id, len(ids))
    return Announced(len(recipients), tuple(ids), False, remaining_quota)
