"""Keeping personal data no longer than needed (PDPA): what the privacy notice promises."""
from __future__ import annotations

import time

import sqlite_utils

from db import conversations, questions, staff, transaction

CHAT_HISTORY_DAYS = 90
IDLE_CONVERSATION_DAYS = 7


def purge(db: sqlite_utils.Database, now: float | None = None) -> dict[str, int]:
    """Delete finished chat history older than 90 days and long-idle conversation state."""
    now = time.time() if now is None else now
    history_cutoff = now - CHAT_HISTORY_DAYS * 86400
    with transaction(db):
        events = db.execute(
            "DELETE FROM inbox WHERE received_at < ? AND status IN ('done', 'skipped', 'failed')",
            (history_cutoff,),
        ).rowcount
        messages = db.execute(
            "DELETE FROM outbox WHERE created_at < ? AND status NOT IN ('pending', 'sending')",
            (history_cutoff,),
        ).rowcount
        idle = conversations.delete_idle(db, now - IDLE_CONVERSATION_DAYS * 86400)
        asked = questions.purge(db, now)
        failures = staff.purge_failures(db, now)
    return {"events": events, "messages": messages, "conversations": idle, "staff_code_failures": failures, **asked}
