"""What the complaint flow writes (its steps, pure, are in tickets.py): the confirmation's
effect files the ticket — routed to a division, numbered, announced to that division's
staff — in one transaction, keyed by the conversation's session so a repeated confirmation
is the same ticket; the record-action buttons in pushed updates ("ticket-rate",
"ticket-reopen"); and the eraser of a person's tickets.
"""
from __future__ import annotations

import logging

from bot.pipeline import effects
from bot.conversation import messages as m
from bot.feedback import announce
from bot.feedback import common as c
from bot.feedback import ticket_texts as t
from bot.feedback import ticket_deadlines, ticket_status
from bot.feedback.announce import Office
from bot.feedback.texts import rate_limited
from bot.common.thaidate import fiscal_year
from db import feedback_limits, outbox, ticket_photos
from db import tickets as store

log = logging.getLogger(__name__)

CREATE = "ticket-create"
MAX_PHOTOS = 3
MAX_TICKETS_A_DAY = 5
# Village problems go to the division that fixes them, if the SAO has it.
TOPIC_DIVISIONS = {"road": "engineering", "light": "engineering", "water": "engineering", "waste": "health"}


# --- the write ---------------------------------------------------------------------------------


def route(office: Office, category: str, topic: str | None, service_division: str | None, hint: str | None = None) -> str:
    """Which division handles a new ticket. `hint`: the division the reader guessed for a
    village problem of no listed topic (a farm's smell → health, a blocked drain → engineering)."""
    if service_division and office.has_division(service_division):
        return service_division
    if category == "village" and office.has_division(TOPIC_DIVISIONS.get(topic or "")):
        return TOPIC_DIVISIONS[topic]
    if category == "village" and office.has_division(hint):
        return hint
    return office.general_division


@effects.effect(CREATE)
def create(req: effects.EffectRequest) -> effects.EffectResult:
    office = Office.of(req)
    args = req.args
    submission_key = c.submission_key(req.chat_key, args["session"])
    repeat = req.db.execute("SELECT id FROM tickets WHERE submission_key = ?", (submission_key,)).fetchone()
    now = req.now.timestamp()
    limit_key = f"ticket:{req.chat_key}"
    if repeat is None and feedback_limits.count(req.db, limit_key, 86400, now) >= MAX_TICKETS_A_DAY:
        return effects.EffectResult(replies=[m.text(rate_limited("ticket", MAX_TICKETS_A_DAY, req.profile), list(req.menu_buttons))])
    division = route(office, args["category"], args.get("topic"), args.get("service_division"), args.get("division_hint"))
    prefix = req.profile.ticket_prefix or "TK"
    ticket, created = store.create(
        req.db,
        prefix=prefix,
        fiscal_year=fiscal_year(req.now),
        submission_key=submission_key,
        category=args["category"],
        topic=args.get("topic"),
        service_id=args.get("service"),
        division_id=division,
        chat_key=req.chat_key,
        line_user_id=req.user_id,
        description=args["description"],
        location=args.get("location"),
        photo_message_ids=list(args.get("photos") or [])[:MAX_PHOTOS],
        now=now,
    )
    queued: list[int] = []
    if created:
        ticket_deadlines.stamp(req.db, ticket.id, req.part("ticket_deadlines"), req.part("calendar"), req.now)
        feedback_limits.record(req.db, limit_key, now)
        queued = _announce_new(req, office, store.get(req.db, ticket.id))  # with its due dates
    reply = t.ticket_created(ticket.number, office.division_name(ticket.division_id), req.profile)
    return effects.EffectResult(replies=[m.text(reply, list(req.menu_buttons))], queued_outbox_ids=queued)


def _announce_new(req: effects.EffectRequest, office: Office, ticket: store.Ticket) -> list[int]:
    """The division's chats get the ticket's card, with the buttons that act on it."""
    from bot.staff import ticket_card

    photos = len(ticket_photos.photos(req.db, ticket.id))

    def build(note: str) -> list[dict]:
        return [ticket_card.card(office, ticket, title=ticket_card.t.NEW_TICKET, photos=photos, note=note)]

    return announce.to_division(
        req.db, office, ticket.division_id, build, dedupe_key=f"ticket:{ticket.id}:new", purpose=f"ticket:{ticket.id}:announce"
    )


# --- buttons in pushed updates -----------------------------------------------------------------


def _own_ticket(req: effects.EffectRequest) -> tuple[store.Ticket | None, str | None]:
    record = str(req.args.get("record_id") or "")
    ticket = store.get(req.db, int(record)) if record.isdigit() else None
    if ticket is None or ticket.chat_key is None:
        return None, t.TICKET_GONE
    if req.chat_key != ticket.chat_key:
        return None, t.NOT_YOUR_TICKET
    return ticket, None


def _note(body: str) -> effects.EffectResult:
    return effects.EffectResult(replies=[m.text(body)])


@effects.action("ticket-rate")
def rate_handling(req: effects.EffectRequest) -> effects.EffectResult:
    ticket, problem = _own_ticket(req)
    if problem:
        return _note(problem)
    arg = str(req.args.get("arg") or "")
    if not (arg.isdigit() and 1 <= int(arg) <= 5):
        return _note(t.ALREADY_RATED)
    if ticket.handling_rating is not None:
        return _note(t.ALREADY_RATED)
    if ticket.status != "resolved":
        return _note(t.NOT_RESOLVED_YET.format(status=t.TICKET_STATUS.get(ticket.status, ticket.status)))
    if not store.rate_handling(req.db, ticket.id, int(arg), req.now.timestamp()):
        return _note(t.ALREADY_RATED)
    return _note(t.RATED_THANKS.format(sao=req.profile.short_name))


@effects.action("ticket-reopen")
def reopen(req: effects.EffectRequest) -> effects.EffectResult:
    ticket, problem = _own_ticket(req)
    if problem:
        return _note(problem)
    now = req.now.timestamp()
    if ticket.status != "resolved":
        return _note(t.NOT_RESOLVED_YET.format(status=t.TICKET_STATUS.get(ticket.status, ticket.status)))
    if not ticket_status.can_reopen(ticket, now):
        return _note(t.reopen_too_late(ticket_status.REOPEN_DAYS, req.profile))
    change = ticket_status.reopen_by_citizen(
        req.db, Office.of(req), ticket, now, deadlines=req.part("ticket_deadlines"), calendar=req.part("calendar")
    )
    return effects.EffectResult(replies=[m.text(t.reopened_reply(ticket.number))], queued_outbox_ids=change.outbox_ids)


# --- personal data -------------------------------------------------------------------------------


def remove_personal_data(db, ticket_ids: int | list[int], why: str) -> None:
    """One ticket or many (the search index is merged once for all of them)."""
    ids = [ticket_ids] if isinstance(ticket_ids, int) else list(ticket_ids)
    store.remove_personal_data_of(db, ids, why)
    for ticket_id in ids:
        outbox.erase_purpose(db, f"ticket:{ticket_id}:")  # announcements quoting what they wrote


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    remove_personal_data(db, store.ids_of_chat(db, chat_key), "erasure")
    feedback_limits.erase_chat(db, chat_key)
