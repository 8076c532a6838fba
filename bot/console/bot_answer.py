"""What the bot would answer to a message: the console's test box.

It runs the very step a LINE message goes through (the router, bot/conversation/router.py, on
the handbook version the process has now) without storing anything, and returns what the bot
understood (intent, procedure, section, score), the reply's plain text (as `python -m bot ask`
prints it) and the reply's messages drawn as in LINE.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from bot.console.flex_preview import render_messages
from bot.conversation.engine import Context, State
from bot.handbook.model import SECTION_TITLES
from bot.common.thaidate import now
from bot.understanding.intents import LABELS as INTENT_LABELS
from bot.understanding.intents import OUT_OF_SCOPE, WITH_PROCEDURE

MAX_QUESTION = 300
OUTCOME_LABELS = {
    "answer": "ตอบได้",
    "choose": "ถามกลับว่าหมายถึงเรื่องไหน",
    "outside": "แจ้งว่าไม่ใช่งานของ อบต. และบอกที่ติดต่อ",
    "faq": "ตอบด้วยคำตอบสำเร็จรูป",
    "unknown": "ไม่ทราบคำตอบ (เสนอส่งให้เจ้าหน้าที่)",
}


@dataclass(frozen=True)
class BotAnswer:
    question: str
    outcome: str
    score: float
    text: str  # what a citizen reads, as plain text
    html: Markup  # the reply's messages drawn as in LINE
    procedure: object = None  # bot.handbook.Procedure for "answer"
    section: str | None = None
    faq: object = None  # bot.handbook.FaqEntry for "faq"
    choices: tuple = ()
    hits: tuple = field(default=())
    intent: str = "question"  # what the bot understood (bot/understanding/intents.py)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome) or INTENT_LABELS.get(self.outcome, self.outcome)

    @property
    def intent_label(self) -> str:
        return INTENT_LABELS.get(self.intent, self.intent)

    @property
    def section_label(self) -> str:
        return SECTION_TITLES.get(self.section or "", "")

    @property
    def answered_by(self) -> str:
        """One line for lists: which procedure or ready answer, or what the bot does instead."""
        if self.outcome == "answer" and self.procedure is not None:
            return f"{self.procedure.short_title} — {self.section_label}"
        if self.outcome == "faq" and self.faq is not None:
            return f"คำตอบสำเร็จรูป: {self.faq.question}"
        if self.outcome == "choose":
            return "ถามกลับ: " + ", ".join(p.short_title for p in self.choices)
        return self.outcome_label


def bot_answer(store, profile, question: str, public_base_url: str = "") -> BotAnswer:
    """The bot's answer to `question` with the handbook `store` (HandbookStore) has now: the
    same reading (bot/understanding) and the same reply (bot/conversation/router.py) a LINE
    message gets, without storing anything."""
    from bot.conversation import router
    from bot.conversation.flows import build_engine

    question = " ".join((question or "").split())[:MAX_QUESTION]
    loaded = store.current()
    index = loaded.index
    ctx = Context(
        profile=profile, now=now(), new_session="preview", handbook=loaded.handbook, search=index, public_base_url=public_base_url,
        menu_buttons=tuple(build_engine().menu_buttons()),  # the main menu's quick replies, as in LINE
    )
    u = ctx.reader.understand(question)
    result = u.search
    turn = router.route(ctx, State(), question)
    asks = u.intent in WITH_PROCEDURE
    procedure = loaded.handbook.get(u.procedure) if (asks and u.procedure) else None
    outcome = result.outcome if result is not None else "unknown"
    if asks and procedure is not None and outcome not in ("answer", "choose"):
        outcome = "answer"  # the reader's own guess of the service
    if u.intent == OUT_OF_SCOPE and outcome != "outside":
        outcome = OUT_OF_SCOPE  # another agency's business, none named: "not the SAO's"
    elif not asks and u.intent != OUT_OF_SCOPE:
        outcome = u.intent
    return BotAnswer(
        question=question,
        outcome=outcome,
        score=result.score if result is not None else 0.0,
        text=router.plain_text(turn),
        html=render_messages(turn.messages),
        procedure=procedure,
        section=u.section if procedure is not None else None,
        faq=result.faq if (result is not None and asks) else None,
        choices=result.choices if (result is not None and asks and result.outcome == "choose") else (),
        hits=result.hits if result is not None else (),
        intent=u.intent,
    )


def summary(answer: BotAnswer) -> dict:
    """What to remember of an answer to show it again later ("before the change")."""
    return {"question": answer.question, "outcome": answer.outcome, "score": answer.score, "answered_by": answer.answered_by}
