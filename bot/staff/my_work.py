""""งานของฉัน": a staff chat's open work — tickets and online service requests as cards with
their buttons, questions waiting for an answer — typed or tapped any time, and pushed each working morning to
every staff chat that has something open (the clock's `staff-morning-digest`).

Whose work: in a person's own chat, the tickets they took and those of their divisions that
nobody has taken yet; in a division's group, the division's open tickets; in an admin chat,
open tickets nobody has taken. Questions and requests: those of the chat's divisions still open
(an admin chat: all).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from bot.common.thaidate import thai_date
from bot.conversation import messages as m
from bot.conversation.engine import Command, Context, Effect, State, Turn
from bot.feedback import common as c
from bot.feedback.announce import Office
from bot.pipeline import effects
from bot.staff import ticket_card
from bot.staff import texts as t
from db import outbox, service_requests, staff, staff_questions, ticket_photos, tickets
from db.tickets import Ticket

log = logging.getLogger(__name__)

MY_WORK = "staff-my-work"
MAX_CARDS = 10  # a carousel holds 12 bubbles; 10 keep it inside LINE's size limit
MAX_QUESTIONS = 10
DIGEST = "staff-digest"  # outbox purpose of the morning digest


@dataclass(frozen=True)
class Work:
    tickets: list[Ticket]
    questions: list
    requests: list  # db.service_requests.ServiceRequest

    def __bool__(self) -> bool:
        return bool(self.tickets or self.questions or self.requests)


def open_work(db: sqlite_utils.Database, chat_key: str) -> Work:
    """The open tickets, unanswered questions and open requests this chat should see, oldest first."""
    registrations = staff.of_chat(db, chat_key)
    if not registrations:
        return Work([], [], [])
    divisions = sorted({r.division_id for r in registrations if r.division_id != staff.ALL_DIVISIONS})
    is_admin = any(r.division_id == staff.ALL_DIVISIONS for r in registrations)
    kind, _, line_id = chat_key.partition(":")
    marks = ",".join("?" * len(divisions)) or "NULL"
    open_marks = ",".join("?" * len(tickets.OPEN_STATUSES))
    untaken = "(assignee_user_id IS NULL OR status = 'reopened')"
    if kind == "user":
        where = f"(assignee_user_id = ? OR (division_id IN ({marks}) AND {untaken}))"
        params: list = [line_id, *divisions]
        if is_admin:
            where = f"({where} OR {untaken})"
    else:
        where = f"division_id IN ({marks})" if not is_admin else f"(division_id IN ({marks}) OR {untaken})"
        params = list(divisions)
    found = tickets.select(db, f"status IN ({open_marks}) AND {where}", (*tickets.OPEN_STATUSES, *params), "ORDER BY created_at")
    question_divisions = divisions if not is_admin else None
    questions = [
        q for q in staff_questions.search(db, status="open", limit=200)
        if question_divisions is None or q.division_id in question_divisions
    ]
    request_marks = ",".join("?" * len(service_requests.OPEN_STATUSES))
    where = f"status IN ({request_marks})" + ("" if is_admin else f" AND division_id IN ({marks})")
    requests = service_requests.select(
        db, where, (*service_requests.OPEN_STATUSES, *([] if is_admin else divisions)), "ORDER BY created_at LIMIT 200"
    )
    return Work(found, questions, requests)


def work_messages(db: sqlite_utils.Database, office: Office, work: Work, services=None, head: str = "") -> list[dict]:
    """At most 3 messages: the heading, the cards' carousel (tickets, then requests), the questions
    with ตอบ buttons."""
    from bot.eservice import request_card

    found, questions, requests = work.tickets, work.questions, work.requests
    shown_tickets = found[:MAX_CARDS]
    shown_requests = requests[: MAX_CARDS - len(shown_tickets)]
    more = len(found) + len(requests) - len(shown_tickets) - len(shown_requests)
    text = (head + "\n" if head else "") + t.my_work_head(len(found), len(questions), more, len(requests))
    messages = [m.text(text)]
    if shown_tickets or shown_requests:
        photos = ticket_photos.photo_counts(db, [x.id for x in shown_tickets])
        bubbles = [ticket_card.card(office, x, photos=photos.get(x.id, 0))["contents"] for x in shown_tickets]
        bubbles += [request_card.card(office, (services or {}).get(r.service_id), r)["contents"] for r in shown_requests]
        alt = "งานที่ค้าง: " + ", ".join(x.number for x in [*shown_tickets, *shown_requests])
        messages.append({"type": "flex", "altText": alt[:1500], "contents": {"type": "carousel", "contents": bubbles}})
    if questions:
        lines = ["คำถามจากประชาชนที่รอคำตอบ:"]
        for q in questions[:MAX_QUESTIONS]:
            lines.append(f"• หมายเลข {q.id}: {c.excerpt(q.question or '(ลบข้อมูลแล้ว)', 80)}")
        buttons = [m.message_action(f"ตอบคำถาม {q.id}") for q in questions[:MAX_QUESTIONS]]
        messages.append(m.text("\n".join(lines), buttons))
    return messages


# --- "งานของฉัน" typed or tapped --------------------------------------------------------------------


def _my_work(ctx: Context, state: State, _argument: str) -> Turn:
    return Turn(state, [], effects=(Effect(MY_WORK),))


COMMAND = Command(
    name="my-work",
    pattern=re.compile("|".join(re.escape(w) for w in t.MY_WORK_WORDS), re.I),
    run=_my_work,
    in_groups=True,
    usage="งานของฉัน (เจ้าหน้าที่)",
)


@effects.effect(MY_WORK)
def my_work(req: effects.EffectRequest) -> effects.EffectResult:
    if not staff.of_chat(req.db, req.chat_key):
        return effects.EffectResult(replies=[m.text(t.MY_WORK_NOT_STAFF, list(req.menu_buttons))])
    work = open_work(req.db, req.chat_key)
    if not work:
        return effects.EffectResult(replies=[m.text(t.MY_WORK_NONE)])
    return effects.EffectResult(replies=work_messages(req.db, Office.of(req), work, req.part("services")))


# --- the morning digest ------------------------------------------------------------------------------


def morning_digest(db: sqlite_utils.Database, office: Office, today: date, quota_left: int | None = None, cost=lambda key: 1,
                   services=None) -> list[int]:
    """Queue today's digest to each staff chat with open work, once (a restart queues nothing
    twice). Within the push quota: `quota_left` pushes left this month (None: no limit known),
    `cost(chat_key)` what one push to a chat costs (a group: one per member). Run in a transaction."""
    queued: list[int] = []
    budget = quota_left
    seen: set[str] = set()
    for recipient in staff.all_active(db):
        if recipient.chat_key in seen:
            continue
        seen.add(recipient.chat_key)
        key = f"{DIGEST}:{today.isoformat()}:{recipient.chat_key}"
        if outbox.exists(db, key):
            continue
        work = open_work(db, recipient.chat_key)
        if not work:
            continue
        price = cost(recipient.chat_key)
        if budget is not None and price > budget:
            log.warning("staff digest for %s left out: %s pushes left this month", recipient.chat_key, budget)
            continue
        messages = work_messages(db, office, work, services, head=t.morning_digest_head(thai_date(today)))
        outbox_id = outbox.enqueue(
            db, dedupe_key=key, chat_key=recipient.chat_key, kind="push", to_ids=[recipient.line_id],
            messages=messages, purpose=DIGEST,
        )
        if outbox_id:
            queued.append(outbox_id)
            if budget is not None:
                budget -= price
    return queued
