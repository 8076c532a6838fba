"""Signed-in browsers of the admin console (server-side sessions).

The browser's cookie carries a random token; this table keeps only its SHA-256, the
account and when the session was last used, so the server can end a session (sign out,
idle timeout, an account disabled) no matter what the browser still holds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

from db import dialect

# "IS NOT ?" (SQLite) is "IS DISTINCT FROM ?" on PostgreSQL: true for every session when keep is None.
_NOT_KEPT = {"sqlite": "token_hash IS NOT ?", "postgresql": "token_hash IS DISTINCT FROM ?"}


@dataclass(frozen=True)
class AdminSession:
    token_hash: str
    user_id: int
    created_at: float
    last_seen_at: float


def create(db: sqlite_utils.Database, token_hash: str, user_id: int, ip: str | None, user_agent: str | None) -> None:
    now = time.time()
    db.execute(
        "INSERT INTO admin_sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash, user_id, now, now, ip, (user_agent or "")[:300]),
    )


def get(db: sqlite_utils.Database, token_hash: str) -> AdminSession | None:
    row = db.execute(
        "SELECT token_hash, user_id, created_at, last_seen_at FROM admin_sessions WHERE token_hash = ?", (token_hash,)
    ).fetchone()
    return AdminSession(*row) if row else None


def touch(db: sqlite_utils.Database, token_hash: str, at: float | None = None) -> None:
    db.execute("UPDATE admin_sessions SET last_seen_at = ? WHERE token_hash = ?", (at or time.time(), token_hash))


def delete(db: sqlite_utils.Database, token_hash: str) -> int:
    return db.execute("DELETE FROM admin_sessions WHERE token_hash = ?", (token_hash,)).rowcount


def delete_for_user(db: sqlite_utils.Database, user_id: int, keep_token_hash: str | None = None) -> int:
    """Sign an account out everywhere (optionally except the browser making the change)."""
    return db.execute(
        f"DELETE FROM admin_sessions WHERE user_id = ? AND {_NOT_KEPT[dialect(db)]}", (user_id, keep_token_hash)
    ).rowcount


def count_for_user(db: sqlite_utils.Database, user_id: int) -> int:
    return db.execute("SELECT count(*) FROM admin_sessions WHERE user_id = ?", (user_id,)).fetchone()[0]


def purge_expired(db: sqlite_utils.Database, idle_seconds: float, max_age_seconds: float, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return db.execute(
        "DELETE FROM admin_sessions WHERE last_seen_at < ? OR created_at < ?",
        (now - idle_seconds, now - max_age_seconds),
    ).rowcount
