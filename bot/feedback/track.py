""""ติดตามเรื่อง": a citizen's own tickets with their status, and their questions to staff.

Corruption reports are not listed: they are followed up with their code and secret only
(bot/feedback/corruption.py), so nothing on this screen could reveal one.
"""
from __future__ import annotations

from datetime import datetime

from bot.pipeline import effects
from bot.conversation import messages as m
from bot.conversation import postback
from bot.conversation.engine import Context, Effect, State, Turn
from bot.feedback import common as c
from bot.feedback import ticket_texts as t
from bot.feedback.staff_question_texts import QUESTION_STATUS
from bot.feedback import ticket_status
from bot.feedback.announce import Office
from bot.common.thaidate import BANGKOK, thai_date_short, thai_datetime
from db import service_requests, staff_questions, tickets

LIST = "feedback-track"
ONE = "feedback-track-number"
MAX_TICKETS = 10
MAX_QUESTIONS = 5


def start(ctx: Context, state: State) -> Turn:
    refused = c.private_only(ctx)
    if refused:
        return refused
    return Turn(State(), [], effects=(Effect(LIST),))


def start_for(ctx: Context, ticket: tuple[str, int, int] | None) -> Turn:
    """Following up from free text (the router's `track`): the ticket whose number was typed
    ("kc 2570 42" is KC-2570-00042), or the person's list."""
    refused = c.private_only(ctx)
    if refused:
        return refused
    if ticket is None:
        return Turn(State(), [], effects=(Effect(LIST),))
    _prefix, year, number = ticket
    return Turn(State(), [], effects=(Effect(ONE, {"year": year, "number": number}),))


def _when(epoch: float) -> str:
    return thai_date_short(datetime.fromtimestamp(epoch, BANGKOK))


def ticket_bubble(office: Office, ticket: tickets.Ticket, now: float) -> dict:
    status = f"{t.TICKET_STATUS_EMOJI.get(ticket.status, '')} {t.TICKET_STATUS.get(ticket.status, ticket.status)}"
    category = t.TICKET_CATEGORIES.get(ticket.category, (ticket.category, ticket.category))[1]
    rows = [
        ("ประเภท", category),
        ("รายละเอียด", c.excerpt(ticket.description, 80)),
        ("แจ้งเมื่อ", _when(ticket.created_at)),
        ("สถานะ", f"{status} ({_when(ticket.updated_at)})"),
        ("ผู้รับผิดชอบ", office.division_name(ticket.division_id)),
    ]
    if ticket.status == "forwarded":
        rows.append(("ส่งต่อถึง", f"{ticket.forwarded_to} {ticket.forwarded_contact or ''}".strip()))
    if ticket.status == "rejected" and ticket.reject_reason:
        rows.append(("เหตุผล", ticket.reject_reason))
    if ticket.status == "resolved" and ticket.resolution:
        rows.append(("สิ่งที่ดำเนินการ", ticket.resolution))
    buttons = []
    if ticket.status == "resolved" and ticket.handling_rating is None:
        buttons.append(m.postback_action("ให้คะแนนการแก้ไข", postback.action("ticket-rating-card", ticket.id)))
    if ticket_status.can_reopen(ticket, now):
        buttons.append(m.postback_action(t.REOPEN_BUTTON, postback.action("ticket-reopen", ticket.id)))
    card = m.card(ticket.number, rows, buttons, alt_text=f"{ticket.number}: {status}")
    return card["contents"]


@effects.effect(LIST)
def list_mine(req: effects.EffectRequest) -> effects.EffectResult:
    office = Office.of(req)
    now = req.now.timestamp()
    mine = tickets.for_chat(req.db, req.chat_key, MAX_TICKETS)
    questions = staff_questions.for_chat(req.db, req.chat_key, MAX_QUESTIONS)
    replies: list[dict] = []
    if mine:
        bubbles = [ticket_bubble(office, ticket, now) for ticket in mine]
        alt = t.TRACK_HEAD.format(n=len(mine)) + ": " + ", ".join(f"{x.number} {t.TICKET_STATUS.get(x.status)}" for x in mine)
        replies.append({"type": "flex", "altText": alt[:1500], "contents": {"type": "carousel", "contents": bubbles}})
    requests = service_requests.for_chat(req.db, req.chat_key, MAX_QUESTIONS)
    if requests:
        from bot.eservice.texts import STATUS as REQUEST_STATUS

        services = req.part("services") or {}
        lines = ["คำร้องออนไลน์ของท่าน:"]
        for r in requests:
            title = services[r.service_id].title if r.service_id in services else r.service_id
            lines.append(f"• {r.number} {title} ({_when(r.created_at)}) — {REQUEST_STATUS.get(r.status, r.status)}")
        replies.append(m.text("\n".join(lines)))
    if questions:
        lines = [t.TRACK_QUESTIONS_HEAD]
        for q in questions:
            line = f"• หมายเลข {q.id} ({_when(q.created_at)}): {c.excerpt(q.question, 60)} — {QUESTION_STATUS.get(q.status, q.status)}"
            if q.status == "answered" and q.answered_at:
                line += f" เมื่อ {thai_datetime(datetime.fromtimestamp(q.answered_at, BANGKOK))}"
            lines.append(line)
        replies.append(m.text("\n".join(lines)))
    if not replies:
        return effects.EffectResult(replies=[m.text(t.TRACK_NONE, list(req.menu_buttons))])
    replies.append(m.text("มีเรื่องอื่นให้ช่วยไหมคะ", list(req.menu_buttons)))
    return effects.EffectResult(replies=replies)


@effects.effect(ONE)
def show_one(req: effects.EffectRequest) -> effects.EffectResult:
    """One ticket by its number, shown only to the person who filed it: a number typed by
    anyone else finds nothing (it would tell them about someone's complaint)."""
    number = tickets.format_number(req.profile.ticket_prefix or "TK", int(req.args["year"]), int(req.args["number"]))
    ticket = tickets.by_number(req.db, number)
    if ticket is None or ticket.chat_key != req.chat_key:
        listed = list_mine(req)
        return effects.EffectResult(replies=[m.text(t.track_number_not_found(number))] + listed.replies[:4])
    office = Office.of(req)
    bubble = ticket_bubble(office, ticket, req.now.timestamp())
    alt = f"{ticket.number}: {t.TICKET_STATUS.get(ticket.status, ticket.status)}"
    card = {"type": "flex", "altText": alt, "contents": bubble}
    return effects.EffectResult(replies=[card, m.text("มีเรื่องอื่นให้ช่วยไหมคะ", list(req.menu_buttons))])


@effects.action("ticket-rating-card")
def rating_card(req: effects.EffectRequest) -> effects.EffectResult:
    record = str(req.args.get("record_id") or "")
    ticket = tickets.get(req.db, int(record)) if record.isdigit() else None
    if ticket is None or ticket.chat_key is None:
        return effects.EffectResult(replies=[m.text(t.TICKET_GONE)])
    if ticket.chat_key != req.chat_key:
        return effects.EffectResult(replies=[m.text(t.NOT_YOUR_TICKET)])
    if ticket.handling_rating is not None:
        return effects.EffectResult(replies=[m.text(t.ALREADY_RATED)])
    if ticket.status != "resolved":
        return effects.EffectResult(replies=[m.text(t.NOT_RESOLVED_YET.format(status=t.TICKET_STATUS.get(ticket.status)))])
    return effects.EffectResult(replies=[ticket_status.rating_card(ticket)])
