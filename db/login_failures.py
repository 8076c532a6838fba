"""Failed sign-ins to the admin console, the stored counter behind its rate limit.

Kept in SQLite, not in memory, so every gunicorn worker process sees the same count
and a restart does not hand an attacker a fresh allowance. Keys are "user:<username>",
"ip:<address>" and "device:<id>" (a browser that signed in before: bot/console/signin.py).
"""
from __future__ import annotations

import time

import sqlite_utils


def record(db: sqlite_utils.Database, keys: list[str], at: float | None = None) -> list[int]:
    """Count a failure (or an attempt not yet checked) under each key; returns the row ids."""
    at = time.time() if at is None else at
    insert = "INSERT INTO login_failures (key, at) VALUES (?, ?) RETURNING id"
    return [db.execute(insert, (key, at)).fetchone()[0] for key in keys]


def forget(db: sqlite_utils.Database, ids: list[int]) -> None:
    """An attempt recorded before its check turned out to be the right password."""
    for row_id in ids:
        db.execute("DELETE FROM login_failures WHERE id = ?", (row_id,))


def recent(db: sqlite_utils.Database, key: str, since: float) -> tuple[int, float | None]:
    """How many failures a key has had since a moment, and when the oldest of them was."""
    count, oldest = db.execute("SELECT count(*), min(at) FROM login_failures WHERE key = ? AND at >= ?", (key, since)).fetchone()
    return count, oldest


def clear(db: sqlite_utils.Database, key: str) -> None:
    db.execute("DELETE FROM login_failures WHERE key = ?", (key,))


def purge(db: sqlite_utils.Database, before: float) -> int:
    return db.execute("DELETE FROM login_failures WHERE at < ?", (before,)).rowcount
