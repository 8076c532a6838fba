"""Keeping citizens' personal data from feedback no longer than needed (PDPA).

Run by the clock's nightly job (scheduler: purge-old-data) after the spine's own purge:
- closed tickets (resolved, forwarded, rejected), closed service requests and answered questions lose who filed
  them, what was written, photos and location `retention_days` after they closed; their
  category, division, dates, status and ratings stay for the SAO's reports;
- satisfaction ratings forget who rated once the day is over (needed only to keep one
  rating per person, service and day);
- unfinished corruption reports left in a conversation are dropped after an hour; a
  report closed or not pursued `retention_days` ago forgets who sent it (the account stays).
"""
from __future__ import annotations

import time
from datetime import datetime

import sqlite_utils

from bot.feedback import corruption, staff_questions, ticket_effects
from bot.common.thaidate import BANGKOK
from db import conversations, corruption_reports, inbox, outbox, ratings
from db.retention import run_steps
from db import staff_questions as question_store
from db import tickets as ticket_store

CORRUPTION_DRAFT_SECONDS = 3600


def purge(db: sqlite_utils.Database, retention_days: int, now: float | None = None) -> dict[str, int]:
    now = time.time() if now is None else now
    cutoff = now - retention_days * 86400
    today = datetime.fromtimestamp(now, BANGKOK).date().isoformat()

    def closed_tickets() -> int:
        closed = ticket_store.closed_with_personal_data(db, cutoff)
        ticket_effects.remove_personal_data(db, closed, "retention")
        return len(closed)

    def answered_questions() -> int:
        answered = question_store.answered_with_personal_data(db, cutoff)
        for question_id in answered:
            staff_questions.remove_personal_data(db, question_id)
        return len(answered)

    from bot.eservice import records as service_requests  # e-Service builds on feedback: imported when used

    # Each step on its own (db.retention.run_steps): a bad row stops only its own step.
    return run_steps(db, {
        "tickets": closed_tickets,
        "service_requests": lambda: service_requests.purge_closed(db, cutoff),
        "questions": answered_questions,
        "raters": lambda: ratings.forget_raters(db, today),
        "corruption_drafts": lambda: conversations.delete_idle_in_flow(db, corruption.FLOW, now - CORRUPTION_DRAFT_SECONDS),
        "corruption_reporters": lambda: corruption_reports.forget_reporters(db, cutoff),
        "redacted_events_unlinked": lambda: inbox.forget_redacted_sources(db),
        "confidential_replies": lambda: outbox.delete_confidential(db, now),
    })
