"""What the bot would answer to a question: the console's test box.

It runs the very conversation step a LINE message goes through (bot/conversation/handbook.py
`ask`, on the handbook version the process has now) without storing anything, and returns
the search result (procedure, section, score), the reply's plain text (as `python -m bot ask`
prints it) and the reply's messages drawn as in LINE.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from bot.admin.flex_preview import render_messages
from bot.conversation.engine import Context, State
from bot.handbook.model import SECTION_TITLES
from bot.thaidate import now

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

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

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
    """The bot's answer to `question` with the handbook `store` (HandbookStore) has now."""
    from bot.conversation import handbook as flow
    from bot.handbook.cards import answer_text

    question = " ".join((question or "").split())[:MAX_QUESTION]
    loaded = store.current()
    index = loaded.index
    ctx = Context(
        profile=profile, now=now(), new_session="preview", handbook=loaded.handbook, search=index, public_base_url=public_base_url
    )
    result = index.search(question)
    turn = flow.ask(ctx, State(), question)
    return BotAnswer(
        question=question,
        outcome=result.outcome,
        score=result.score,
        text=answer_text(result, profile),
        html=render_messages(turn.messages),
        procedure=result.procedure,
        section=result.section if result.outcome == "answer" else None,
        faq=result.faq,
        choices=result.choices,
        hits=result.hits,
    )


def summary(answer: BotAnswer) -> dict:
    """What to remember of an answer to show it again later ("before the change")."""
    return {"question": answer.question, "outcome": answer.outcome, "score": answer.score, "answered_by": answer.answered_by}
