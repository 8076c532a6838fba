"""Chats the bot is part of: users who follow it, groups and rooms it has joined."""
from __future__ import annotations

import time

import sqlite_utils


def set_status(db: sqlite_utils.Database, chat_key: str, kind: str, status: str) -> None:
    now = time.time()
    db.execute(
        """INSERT INTO chats (chat_key, kind, status, since, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(chat_key) DO UPDATE SET
             since = CASE WHEN chats.status = excluded.status THEN chats.since ELSE excluded.since END,
             status = excluded.status, updated_at = excluded.updated_at""",
        (chat_key, kind, status, now, now),
    )


def status(db: sqlite_utils.Database, chat_key: str) -> str | None:
    row = db.execute("SELECT status FROM chats WHERE chat_key = ?", (chat_key,)).fetchone()
    return row[0] if row else None


def delete(db: sqlite_utils.Database, chat_key: str) -> int:
    return db.execute("DELETE FROM chats WHERE chat_key = ?", (chat_key,)).rowcount


def counts(db: sqlite_utils.Database) -> dict[tuple[str, str], int]:
    """{(kind, status): count}, e.g. ("user", "following"): the OA's followers the bot has seen."""
    return {(kind, st): n for kind, st, n in db.execute("SELECT kind, status, count(*) FROM chats GROUP BY kind, status")}
