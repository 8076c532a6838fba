"""Conversation state per chat, so any worker process can continue a conversation."""
from __future__ import annotations

import json
import time
from typing import Any

import sqlite_utils


def load(db: sqlite_utils.Database, chat_key: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT flow, step, session, data, updated_at FROM conversations WHERE chat_key = ?", (chat_key,)
    ).fetchone()
    if row is None:
        return None
    flow, step, session, data, updated_at = row
    return {"flow": flow, "step": step, "session": session, "data": json.loads(data), "updated_at": updated_at}


def save(db: sqlite_utils.Database, chat_key: str, flow: str, step: str, session: str, data: dict) -> None:
    db.execute(
        """INSERT INTO conversations (chat_key, flow, step, session, data, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(chat_key) DO UPDATE SET
             flow = excluded.flow, step = excluded.step, session = excluded.session,
             data = excluded.data, updated_at = excluded.updated_at""",
        (chat_key, flow, step, session, json.dumps(data, ensure_ascii=False), time.time()),
    )


def delete(db: sqlite_utils.Database, chat_key: str) -> int:
    return db.execute("DELETE FROM conversations WHERE chat_key = ?", (chat_key,)).rowcount


def delete_chat(db: sqlite_utils.Database, chat_key: str) -> int:
    """A chat ends (unfollowed, the bot left the group): its state, and each group member's in it."""
    return db.execute(
        "DELETE FROM conversations WHERE chat_key = ? OR (chat_key > ? AND chat_key < ?)",
        (chat_key, chat_key + "/", chat_key + "0"),  # '0' follows '/': every "<chat>/…" key
    ).rowcount


def erase_user(db: sqlite_utils.Database, user_id: str) -> int:
    """PDPA erasure: the person's own state in every group they talked to the bot in."""
    return db.execute("DELETE FROM conversations WHERE chat_key LIKE ? ESCAPE '\\'", ("%/" + user_id.replace("%", "\\%").replace("_", "\\_"),)).rowcount


def delete_idle(db: sqlite_utils.Database, older_than: float) -> int:
    """Housekeeping: forget conversations idle since before `older_than` (epoch seconds)."""
    return db.execute("DELETE FROM conversations WHERE updated_at < ?", (older_than,)).rowcount


def delete_idle_in_flow(db: sqlite_utils.Database, flow: str, older_than: float) -> int:
    """Forget unfinished conversations of one flow idle since before `older_than` (a
    corruption report's draft must not wait in the database for the next message)."""
    return db.execute("DELETE FROM conversations WHERE flow = ? AND updated_at < ?", (flow, older_than)).rowcount
