"""Rate limits for citizen submissions (table feedback_rate_events).

A key names what is counted: "ticket:user:U…" for one person's tickets, or a key that
names nobody (anonymous corruption reports are limited for the whole SAO, since a
per-person count would tie a person to the time of a report).
"""
from __future__ import annotations

import time

import sqlite_utils

KEEP_SECONDS = 86400


def count(db: sqlite_utils.Database, key: str, window_seconds: float, now: float | None = None) -> int:
    now = time.time() if now is None else now
    (n,) = db.execute(
        "SELECT count(*) FROM feedback_rate_events WHERE key = ? AND at > ?", (key, now - window_seconds)
    ).fetchone()
    return n


def record(db: sqlite_utils.Database, key: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    db.execute("DELETE FROM feedback_rate_events WHERE at < ?", (now - KEEP_SECONDS,))
    db.execute("INSERT INTO feedback_rate_events (key, at) VALUES (?, ?)", (key, now))


def erase_chat(db: sqlite_utils.Database, chat_key: str) -> int:
    pattern = "%:" + chat_key.replace("%", "").replace("_", "\\_")
    return db.execute("DELETE FROM feedback_rate_events WHERE key LIKE ? ESCAPE '\\'", (pattern,)).rowcount
