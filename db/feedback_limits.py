"""Rate limits for citizen submissions (table feedback_rate_events).

A key names what is counted: "ticket:user:U…" for one person's tickets. Anonymous
corruption reports are counted per person under person_key(): a hash of the LINE user
keyed with a random key of the current hour, deleted when the hour is over. One person
cannot use up a limit that others share, and no count points to anyone afterwards.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
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


def person_key(db: sqlite_utils.Database, prefix: str, who: str, now: float | None = None) -> str:
    """A key that counts one person's submissions within the current clock hour only."""
    now = time.time() if now is None else now
    hour = int(now // 3600)
    db.execute("DELETE FROM rate_limit_keys WHERE hour < ?", (hour,))
    db.execute(
        "INSERT INTO rate_limit_keys (hour, key) VALUES (?, ?) ON CONFLICT DO NOTHING", (hour, secrets.token_bytes(32))
    )
    (key,) = db.execute("SELECT key FROM rate_limit_keys WHERE hour = ?", (hour,)).fetchone()
    return f"{prefix}:{hmac.new(key, who.encode(), hashlib.sha256).hexdigest()[:32]}"
