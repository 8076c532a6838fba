"""Keeping personal data no longer than needed (PDPA): what the privacy notice promises."""
from __future__ import annotations

import logging
import time
from typing import Callable

import sqlite_utils

from db import conversations, questions, sent_messages, staff, transaction

log = logging.getLogger(__name__)
CHAT_HISTORY_DAYS = 90
IDLE_CONVERSATION_DAYS = 7


def run_steps(db: sqlite_utils.Database, steps: dict[str, Callable[[], int | dict[str, int]]]) -> dict[str, int]:
    """Run each purge step in its own transaction: one bad row (or bug) stops only its step.

    Returns what each step removed; a failed step is logged, left out, and counted in "failed_steps".
    """
    removed: dict[str, int] = {}
    for name, step in steps.items():
        try:
            with transaction(db):
                result = step()
        except Exception:  # noqa: BLE001 - the other steps must still forget what they must
            log.exception("retention step %r failed; the other steps go on", name)
            removed["failed_steps"] = removed.get("failed_steps", 0) + 1
            continue
        removed.update(result if isinstance(result, dict) else {name: result})
    return removed


def purge(db: sqlite_utils.Database, now: float | None = None) -> dict[str, int]:
    """Delete finished chat history older than 90 days and long-idle conversation state."""
    now = time.time() if now is None else now
    history_cutoff = now - CHAT_HISTORY_DAYS * 86400
    return run_steps(db, {
        "events": lambda: db.execute(
            "DELETE FROM inbox WHERE received_at < ? AND status IN ('done', 'skipped', 'failed')",
            (history_cutoff,),
        ).rowcount,
        "messages": lambda: db.execute(
            "DELETE FROM outbox WHERE created_at < ? AND status NOT IN ('pending', 'sending')",
            (history_cutoff,),
        ).rowcount,
        "conversations": lambda: conversations.delete_idle(db, now - IDLE_CONVERSATION_DAYS * 86400),
        "questions": lambda: questions.purge(db, now),
        "staff_code_failures": lambda: staff.purge_failures(db, now),
        "sent_messages": lambda: sent_messages.purge(db, now),  # quote-replies to pushes older than 60 days are plain text
    })
