"""LINE's ids of the messages the bot pushed (table sent_messages), with the push's outbox id
and purpose: a staff member who quotes one of them (LINE's quote-reply) is understood, e.g.
quoting a forwarded question answers it.

Kept KEEP_DAYS: a quote of an older message is read as ordinary text. The rows name no
person (a purpose is "question:12:announce", never a LINE id).
"""
from __future__ import annotations

import time

import sqlite_utils

KEEP_DAYS = 60


def record(db: sqlite_utils.Database, outbox_id: int, purpose: str, message_ids: list[str], now: float | None = None) -> int:
    """Remember the ids LINE gave a push's messages; a repeat (LINE's 409 echoes them) is ignored."""
    now = time.time() if now is None else now
    rows = [(message_id, outbox_id, purpose, now) for message_id in message_ids if message_id]
    if not rows:
        return 0
    values = ", ".join(["(?, ?, ?, ?)"] * len(rows))
    return db.execute(
        f"INSERT INTO sent_messages (message_id, outbox_id, purpose, at) VALUES {values} ON CONFLICT DO NOTHING",
        [value for row in rows for value in row],
    ).rowcount


def purpose_of(db: sqlite_utils.Database, message_id: str | None) -> str | None:
    """What the quoted message was for ("question:12:announce"), or None if it is not one of
    the bot's pushes kept here."""
    if not message_id:
        return None
    row = db.execute("SELECT purpose FROM sent_messages WHERE message_id = ?", (str(message_id),)).fetchone()
    return row[0] if row else None


def purge(db: sqlite_utils.Database, now: float | None = None) -> int:
    """Retention: forget pushes older than KEEP_DAYS."""
    now = time.time() if now is None else now
    return db.execute("DELETE FROM sent_messages WHERE at < ?", (now - KEEP_DAYS * 86400,)).rowcount
