"""Questions passed to staff (measure 6).

Citizen side — flow "ask_staff": the question, its topic (which routes it to a division),
a confirmation; then it is queued, announced to the division's registered LINE chats
(the SAO's admins when the division has none) and answered within one working day.
Entries: the menu ("ถามเจ้าหน้าที่", "ขอคุยกับเจ้าหน้าที่") and, for the handbook when it
cannot answer, `ask_staff_turn(ctx, question, procedure_id)`, which starts at the
confirmation with the division of that procedure.

Staff side — the announcement has a "ตอบ" button that sends "ตอบคำถาม <n>" (heard in
groups without tagging the bot). The chat then waits for the answer (in a group, the
member who tapped is heard untagged: their next message is the answer), shows it back,
and "ส่งคำตอบ" pushes it to the citizen. "ตอบคำถาม <n> <คำตอบ>" in one message, or
LINE's reply (quote) on the announcement with the answer (QUOTE_REPLY: the sender records
the ids of pushed messages, db/sent_messages.py), go straight to the same confirmation:
in a group a quote may be a word to a colleague, so nothing reaches the citizen before
"ส่งคำตอบ". Only chats registered for the question's division, or admins, may answer;
the answer is recorded with the staff member's name (bot/staff/people.py).
`answer_question` is the one function both LINE and `python -m bot question answer` use.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from bot.pipeline import effects
from bot.conversation import messages as m
from bot.conversation.engine import MAIN, Command, Context, Effect, Input, QuoteReply, State, Step, Turn
from bot.conversation.text import normalize_command
from bot.feedback import announce
from bot.feedback import common as c
from bot.feedback import staff_question_texts as t
from bot.feedback.texts import NEED_TEXT, privacy_line, rate_limited
from bot.feedback.announce import Office
from bot.content.workdays import WorkCalendar
from bot.common.thaidate import BANGKOK, thai_datetime
from bot.staff import name_texts, people
from db import feedback_limits, outbox, staff
from db import staff_questions as store

FLOW = "ask_staff"
STAFF_FLOW = "staff_answer"
CREATE = "staff-question-create"
OPEN_FOR_ANSWER = "staff-question-open"
SEND_ANSWER = "staff-question-answer"
ANNOUNCE_PURPOSE = "question:{}:announce"  # the announcement's pushes: a staff member may quote them
QUESTION_MIN, QUESTION_MAX = 5, 1000
ANSWER_MAX = 2000
MAX_QUESTIONS_A_DAY = 10
_YES = frozenset(normalize_command(w) for w in ("ส่ง", "ส่งเลย", "ยืนยัน", "ตกลง", "ใช่", "ส่งคำถาม", "ส่งคำตอบ"))


# --- citizen: asking ---------------------------------------------------------------------------


def _ask_question(state: State) -> list[dict]:
    return [m.text("พิมพ์คำถามของท่านมาได้เลยค่ะ", [c.cancel_button()])]


def _ask_topic(ctx: Context, state: State) -> list[dict]:
    extra = [c.button(state, t.NOT_SURE_TOPIC, "unsure")]
    return [m.text(t.CHOOSE_QUESTION_TOPIC, c.category_buttons(ctx, state, extra)[:12] + [c.cancel_button()])]


def _ask_confirm(ctx: Context, state: State) -> list[dict]:
    division = state.data.get("division_name") or f"เจ้าหน้าที่{ctx.profile.short_name}"
    request = state.data.get("source") == "request"
    buttons = [c.button(state, t.SEND_REQUEST if request else t.SEND_QUESTION, "send"), c.cancel_button()]
    return [m.text(t.question_summary(state.data["question"], division, request)),
            m.text("ส่งคำขอนี้เลยไหมคะ" if request else "ส่งคำถามนี้เลยไหมคะ", buttons)]


def start(ctx: Context, state: State) -> Turn:
    refused = c.private_only(ctx)
    if refused:
        return refused
    asking = State(FLOW, "question", state.session, {"source": "menu"})
    intro = m.text(f"{t.ask_staff_intro(ctx.profile)}\n\n{privacy_line(ctx.public_base_url)}", [c.cancel_button()])
    return Turn(asking, [intro])


def _calendar(req: effects.EffectRequest) -> WorkCalendar:
    """The SAO's working days: Thai holidays and its own days off (content/days-off.yaml)."""
    return req.part("calendar") or WorkCalendar()


def ask_staff_turn(ctx: Context, question: str, procedure_id: str | None = None, source: str = "handbook") -> Turn:
    """The entry point for other flows (the handbook's "ส่งคำถามให้เจ้าหน้าที่" button):
    a new ask_staff conversation at its confirmation, routed by the procedure's division."""
    refused = c.private_only(ctx)
    if refused:
        return refused
    question = c.clean_text(question)[:QUESTION_MAX]
    data: dict = {"source": source, "question": question}
    procedure = c.find_service(ctx, procedure_id) if procedure_id else None
    if procedure is not None:
        data.update(procedure=procedure.id, division=procedure.division, division_name=procedure.division_name)
    state = State(FLOW, "confirm" if procedure is not None or not c.categories(ctx) else "topic", ctx.new_session, data)
    if len(question) < QUESTION_MIN:
        state = State(FLOW, "question", ctx.new_session, {"source": source, **({"procedure": procedure.id} if procedure else {})})
        return Turn(state, [m.text(t.ask_staff_intro(ctx.profile), [c.cancel_button()])])
    head = [m.text(privacy_line(ctx.public_base_url))]
    if state.step == "topic":
        return Turn(state, head + _ask_topic(ctx, state))
    return Turn(state, head + _ask_confirm(ctx, state))


# Asking for a person says nothing of what to ask: "ขอคุยกับเจ้าหน้าที่" is not a question.
_ASKS_ONLY_FOR_A_PERSON = 40  # characters: a longer message carries the question itself


def start_from_message(ctx: Context, u) -> Turn:
    """Someone who wants a person (the router's `human`): the question-for-staff form, with
    their message as the question when it holds one ("ขอคุยกับเจ้าหน้าที่เรื่องภาษีที่ดินหน่อย"),
    routed by the service it names; otherwise the form asks what they want to ask."""
    text = c.clean_text(u.text)
    procedure_id = u.search.procedure.id if (u.search is not None and u.search.outcome == "answer") else None
    if len(text) > _ASKS_ONLY_FOR_A_PERSON or procedure_id:
        return ask_staff_turn(ctx, text, procedure_id, source="human")
    return start(ctx, State(session=ctx.new_session))


def prompt(ctx: Context, state: State) -> list[dict]:
    """The current step's question again (after an aside answer)."""
    if state.step == "topic":
        return _ask_topic(ctx, state)
    if state.step == "confirm":
        return _ask_confirm(ctx, state)
    return _ask_question(state)


def question_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind != "text":
        if c.is_earlier_button(state, event):
            return c.earlier_button(state, _ask_question(state))
        return c.not_usable(state, [m.text(NEED_TEXT)] + _ask_question(state))
    text = c.clean_text(event.text)
    problem = c.check_length(text, QUESTION_MIN, QUESTION_MAX)
    if problem:
        return c.not_usable(state, [m.text(problem)] + _ask_question(state))
    if state.data.get("procedure") or not c.categories(ctx):
        nxt = c.with_data(state, "confirm", question=text)
        procedure = c.find_service(ctx, state.data.get("procedure") or "")
        if procedure is not None:
            nxt = c.with_data(nxt, "confirm", division=procedure.division, division_name=procedure.division_name)
        return Turn(nxt, _ask_confirm(ctx, nxt))
    nxt = c.with_data(state, "topic", question=text)
    return Turn(nxt, _ask_topic(ctx, nxt))


def topic_step(ctx: Context, state: State, event: Input) -> Turn:
    if c.step_arg(state, event) == "unsure":
        nxt = c.with_data(state, "confirm", division=None, division_name=None)
        return Turn(nxt, _ask_confirm(ctx, nxt))
    index = c.chosen_category(state, event)
    groups = c.categories(ctx)
    if index is not None and index < len(groups):
        procedures = groups[index][1]
        division = c.category_division(procedures)
        name = next((p.division_name for p in procedures if p.division == division), None)
        nxt = c.with_data(state, "confirm", division=division, division_name=name, topic=groups[index][0])
        return Turn(nxt, _ask_confirm(ctx, nxt))
    if c.is_earlier_button(state, event):
        return c.earlier_button(state, _ask_topic(ctx, state))
    return c.not_usable(state, _ask_topic(ctx, state))


def confirm_step(ctx: Context, state: State, event: Input) -> Turn:
    if c.step_arg(state, event) == "send" or (event.kind == "text" and normalize_command(event.text) in _YES):
        data = state.data
        args = {
            "session": state.session,
            "question": data["question"],
            "procedure": data.get("procedure"),
            "division": data.get("division"),
            "source": data.get("source", "menu"),
        }
        return Turn(State(), [], must_arrive=True, effects=(Effect(CREATE, args),))
    if c.is_earlier_button(state, event):
        return c.earlier_button(state, _ask_confirm(ctx, state))
    return c.not_usable(state, _ask_confirm(ctx, state))


STEPS = {
    "question": Step(question_step, goes_to=("topic", "confirm"), note="พิมพ์คำถาม", takes_text=True),
    "topic": Step(topic_step, goes_to=("confirm",), note="หมวดของคำถาม (ส่งถึงกองใด)"),
    "confirm": Step(confirm_step, goes_to=(MAIN,), note="ยืนยันส่งถึงเจ้าหน้าที่"),
}


# --- citizen: the write ----------------------------------------------------------------------------


def _due_text(due_at: float) -> str:
    return "วันที่ " + thai_datetime(datetime.fromtimestamp(due_at, BANGKOK))


@effects.effect(CREATE)
def create(req: effects.EffectRequest) -> effects.EffectResult:
    office = Office.of(req)
    args = req.args
    now = req.now.timestamp()
    submission_key = c.submission_key(req.chat_key, args["session"])
    repeat = req.db.execute("SELECT 1 FROM staff_questions WHERE submission_key = ?", (submission_key,)).fetchone()
    limit_key = f"question:{req.chat_key}"
    if repeat is None and feedback_limits.count(req.db, limit_key, 86400, now) >= MAX_QUESTIONS_A_DAY:
        return effects.EffectResult(replies=[m.text(rate_limited("question", MAX_QUESTIONS_A_DAY, req.profile), list(req.menu_buttons))])
    division = args.get("division") if office.has_division(args.get("division")) else office.general_division
    question, created = store.create(
        req.db,
        submission_key=submission_key,
        chat_key=req.chat_key,
        line_user_id=req.user_id,
        question=args["question"],
        procedure_id=args.get("procedure"),
        division_id=division,
        source=args.get("source", "menu"),
        due_at=_calendar(req).one_working_day_after(req.now).timestamp(),
        now=now,
    )
    queued: list[int] = []
    if created:
        feedback_limits.record(req.db, limit_key, now)
        queued = announce_question(req.db, office, question)
    reply = t.question_created(question.id, office.division_name(question.division_id), _due_text(question.due_at))
    return effects.EffectResult(replies=[m.text(reply, list(req.menu_buttons))], queued_outbox_ids=queued)


def answer_buttons(office: Office, question_id: int) -> dict:
    """Buttons under an announcement: "ตอบ" sends "ตอบคำถาม <n>" as the tapping staff member."""
    actions = [m.message_action(t.ANSWER_BUTTON, f"ตอบคำถาม {question_id}")]
    actions.append(m.uri_action("เปิดในระบบหลังบ้าน", office.console_link("questions", question_id)))
    return {
        "type": "template",
        "altText": f"ตอบคำถามหมายเลข {question_id}",
        "template": {"type": "buttons", "text": f"คำถามหมายเลข {question_id}: กด \"ตอบ\" แล้วพิมพ์คำตอบ", "actions": actions},
    }


def announce_question(db: sqlite_utils.Database, office: Office, question: store.StaffQuestion) -> list[int]:
    division = office.division_name(question.division_id)
    link = office.console_link("questions", question.id)

    def build(note: str) -> list[dict]:
        body = t.question_announcement(question.id, division, question.question or "", _due_text(question.due_at), link)
        return [announce.text(body + (f"\n{note}" if note else "")), answer_buttons(office, question.id)]

    return announce.to_division(
        db, office, question.division_id, build, dedupe_key=f"question:{question.id}:new", purpose=ANNOUNCE_PURPOSE.format(question.id)
    )


# --- staff: answering ---------------------------------------------------------------------------


class QuestionError(ValueError):
    """Thai message for LINE and the console; .english for the command line."""

    def __init__(self, thai: str, english: str):
        super().__init__(thai)
        self.english = english


@dataclass
class Answered:
    question: store.StaffQuestion
    outbox_ids: list[int] = field(default_factory=list)
    delivered_to_citizen: bool = False


def may_answer(db: sqlite_utils.Database, chat_key: str, division_id: str) -> bool:
    return any(r.division_id == division_id or r.role == "admin" for r in staff.of_chat(db, chat_key))


def answer_question(db: sqlite_utils.Database, office: Office, question_id: int, text: str, by: str, now: float | None = None) -> Answered:
    """Record a staff answer and push it to the citizen (in the caller's transaction)."""
    now = time.time() if now is None else now
    question = store.get(db, question_id)
    if question is None:
        raise QuestionError(t.QUESTION_NOT_FOUND, f"no question {question_id}")
    if question.status == "answered":
        when = thai_datetime(datetime.fromtimestamp(question.answered_at, BANGKOK))
        raise QuestionError(t.question_already_answered(question.id, _who(question.answered_by), when), f"question {question_id} is already answered")
    text = c.clean_text(text)
    problem = c.check_length(text, 1, ANSWER_MAX)
    if problem:
        raise QuestionError(problem, f"the answer must be 1-{ANSWER_MAX} characters")
    if not store.answer(db, question.id, text, by, now):
        raise QuestionError("คำถามนี้เพิ่งมีผู้ตอบไปแล้วค่ะ", f"question {question_id} was answered meanwhile")
    answered = store.get(db, question.id)
    if not answered.line_user_id or not answered.chat_key:
        return Answered(answered)
    body = t.answer_to_citizen(answered.id, c.excerpt(answered.question, 150), text, office.division_name(answered.division_id))
    queued = announce.push(
        db,
        chat_key=answered.chat_key,
        line_id=answered.line_user_id,
        messages=[announce.text(body)],
        dedupe_key=f"question:{answered.id}:answer",
        purpose=f"question:{answered.id}:answer",
    )
    return Answered(answered, [queued] if queued else [], True)


def _who(by: str | None) -> str:
    return "เจ้าหน้าที่ทาง LINE" if (by or "").startswith("LINE:") else (by or "เจ้าหน้าที่")


_ANSWER_COMMAND = re.compile(r"ตอบ\s*คำ\s*ถาม\s*(?:ที่|หมายเลข|เลขที่|#)?\s*(\d{1,9}(?:\s.*)?)", re.S)


def _answer_command(ctx: Context, state: State, argument: str) -> Turn:
    number, *rest = re.split(r"\s+", argument.strip(), maxsplit=1)
    text = c.clean_text(rest[0] if rest else "")
    question_id = int(number)
    if text:
        waiting = State(STAFF_FLOW, "confirm", ctx.new_session, {"question": question_id, "answer": text})
    else:
        waiting = State(STAFF_FLOW, "answer", ctx.new_session, {"question": question_id})
    args = {"question": question_id, "answer": text, "session": waiting.session}
    return Turn(waiting, [], effects=(Effect(OPEN_FOR_ANSWER, args),))


COMMAND = Command(
    name="answer-question",
    pattern=_ANSWER_COMMAND,
    run=_answer_command,
    in_groups=True,
    usage="ตอบคำถาม <หมายเลข> [คำตอบ] (เจ้าหน้าที่)",
)


def _answer_by_quote(ctx: Context, state: State, question_id: str, text: str) -> Turn:
    """Quoting the announcement with the answer is "ตอบคำถาม <n> <คำตอบ>": the same checks, the
    same confirmation (a quote in a group may be a word to a colleague, not the answer)."""
    return _answer_command(ctx, state, f"{question_id} {text}")


QUOTE_REPLY = QuoteReply(
    name="answer-by-quote",
    purpose=re.compile(ANNOUNCE_PURPOSE.format(r"(\d{1,9})")),
    run=_answer_by_quote,
    usage="ตอบกลับ (อ้างอิง) ข้อความแจ้งคำถาม พร้อมคำตอบ (เจ้าหน้าที่)",
)


def _confirm_answer(state: State) -> list[dict]:
    buttons = [c.button(state, t.SEND_ANSWER, "send"), c.button(state, t.EDIT_ANSWER, "edit"), c.cancel_button()]
    return [m.text(t.staff_answer_confirm(state.data["question"], state.data["answer"]), buttons)]


def staff_start(ctx: Context, state: State) -> Turn:
    return Turn(State(), [m.text("เจ้าหน้าที่ตอบคำถามได้โดยพิมพ์ \"ตอบคำถาม <หมายเลข>\" หรือกด \"ตอบ\" ใต้ข้อความแจ้งคำถามค่ะ")])


def staff_answer_step(ctx: Context, state: State, event: Input) -> Turn:
    if event.kind != "text":
        if c.is_earlier_button(state, event):
            return c.earlier_button(state, [m.text("พิมพ์คำตอบได้เลยค่ะ")])
        return Turn(state, [m.text(NEED_TEXT)])
    text = c.clean_text(event.text)
    problem = c.check_length(text, 1, ANSWER_MAX)
    if problem:
        return Turn(state, [m.text(problem)])
    nxt = c.with_data(state, "confirm", answer=text)
    return Turn(nxt, _confirm_answer(nxt))


def staff_confirm_step(ctx: Context, state: State, event: Input) -> Turn:
    arg = c.step_arg(state, event)
    if arg == "edit":
        nxt = c.with_data(state, "answer")
        return Turn(nxt, [m.text("พิมพ์คำตอบใหม่ได้เลยค่ะ")])
    if arg == "send" or (event.kind == "text" and normalize_command(event.text) in _YES):
        args = {"question": state.data["question"], "answer": state.data["answer"]}
        return Turn(State(), [], effects=(Effect(SEND_ANSWER, args),))
    if c.is_earlier_button(state, event):
        return c.earlier_button(state, _confirm_answer(state))
    return Turn(state, _confirm_answer(state))


STAFF_STEPS = {
    # In a group the member who tapped "ตอบ" answers untagged, as they would to a colleague.
    "answer": Step(staff_answer_step, goes_to=("confirm",), note="พิมพ์คำตอบ", takes_text=True, hears_member_in_group=True),
    "confirm": Step(staff_confirm_step, goes_to=("answer", MAIN), note="ยืนยันส่งคำตอบถึงประชาชน"),
}


def _refuse(body: str) -> effects.EffectResult:
    return effects.EffectResult(replies=[m.text(body)], state=State())


@effects.effect(OPEN_FOR_ANSWER)
def open_for_answer(req: effects.EffectRequest) -> effects.EffectResult:
    """Check "ตอบคำถาม <n>" before waiting for an answer: who asks, and is it still open."""
    question = store.get(req.db, int(req.args["question"]))
    if question is None:
        return _refuse(t.QUESTION_NOT_FOUND)
    if not may_answer(req.db, req.chat_key, question.division_id):
        return _refuse(t.STAFF_ONLY)
    if question.status == "answered":
        when = thai_datetime(datetime.fromtimestamp(question.answered_at, BANGKOK))
        return _refuse(t.question_already_answered(question.id, _who(question.answered_by), when))
    if question.question is None:
        return _refuse(t.QUESTION_ASKER_GONE)
    if req.args.get("answer"):
        waiting = State(STAFF_FLOW, "confirm", req.args["session"], {"question": question.id, "answer": req.args["answer"]})
        return effects.EffectResult(replies=_confirm_answer(waiting))
    in_group = req.chat_kind != "user"
    prompt = t.staff_answer_prompt(question.id, question.question, in_group)
    return effects.EffectResult(replies=[m.text(prompt, [c.cancel_button()])])


@effects.effect(SEND_ANSWER)
def send_answer(req: effects.EffectRequest) -> effects.EffectResult:
    question = store.get(req.db, int(req.args["question"]))
    if question is None:
        return _refuse(t.QUESTION_NOT_FOUND)
    if not may_answer(req.db, req.chat_key, question.division_id):
        return _refuse(t.STAFF_ONLY)
    by = people.name_of(req.db, req.user_id)  # a name, never a LINE id (the console shows it)
    try:
        done = answer_question(req.db, Office.of(req), question.id, req.args["answer"], by, req.now.timestamp())
    except QuestionError as exc:
        return _refuse(str(exc))
    reply = t.answer_sent(question.id) if done.delivered_to_citizen else t.QUESTION_ASKER_GONE
    if by == people.UNNAMED:
        reply += "\n\n" + name_texts.NOT_NAMED_YET
    return effects.EffectResult(replies=[m.text(reply)], queued_outbox_ids=done.outbox_ids)


# --- overdue questions (the clock) -------------------------------------------------------------


def flag_overdue(db: sqlite_utils.Database, office: Office, now: float | None = None) -> tuple[list[store.StaffQuestion], list[int]]:
    """Flag open questions past one working day; tell their divisions and the admins once."""
    flagged = store.flag_overdue(db, now)
    by_division: dict[str, list[store.StaffQuestion]] = {}
    for question in flagged:
        by_division.setdefault(question.division_id, []).append(question)
    queued: list[int] = []
    stamp = int(now or time.time())
    for division_id, questions in by_division.items():
        items = [
            (q.id, office.division_name(division_id), thai_datetime(datetime.fromtimestamp(q.created_at, BANGKOK)))
            for q in questions
        ]
        body = t.overdue_announcement(items, f"{office.base_url}/admin/questions?overdue=1")
        recipients = {r.chat_key: r for r in staff.for_division(db, division_id) + staff.admins(db)}
        queued += announce.to_recipients(
            db,
            recipients.values(),
            [announce.text(body)],
            dedupe_key=f"questions-overdue:{division_id}:{stamp}",
            purpose="questions-overdue",
        )
    return flagged, queued


# --- personal data -------------------------------------------------------------------------------


def remove_personal_data(db, question_id: int) -> None:
    store.remove_personal_data(db, question_id)
    outbox.erase_purpose(db, f"question:{question_id}:")


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    for question_id in store.ids_of_chat(db, chat_key):
        remove_personal_data(db, question_id)
