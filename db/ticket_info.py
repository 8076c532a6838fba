"""Staff asking a citizen for more about their ticket (ขอข้อมูลเพิ่ม), and the answer
(table ticket_info_requests; photos sent in answer join ticket_photos as kind 'info').
Functions expect the caller's transaction."""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class InfoRequest:
    id: int
    ticket_id: int
    asked_by_user: str | None
    asked_by_name: str
    asked_in_chat: str | None
    question: str
    asked_at: float
    answer: str | None
    answered_at: float | None


_COLUMNS = "id, ticket_id, asked_by_user, asked_by_name, asked_in_chat, question, asked_at, answer, answered_at"


def ask(db: sqlite_utils.Database, ticket_id: int, *, by_user: str | None, by_name: str, in_chat: str, question: str, at: float) -> InfoRequest:
    cur = db.execute(
        "INSERT INTO ticket_info_requests (ticket_id, asked_by_user, asked_by_name, asked_in_chat, question, asked_at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (ticket_id, by_user, by_name, in_chat, question, at),
    )
    return get(db, cur.fetchone()[0])


def get(db: sqlite_utils.Database, request_id: int) -> InfoRequest | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM ticket_info_requests WHERE id = ?", (request_id,)).fetchone()
    return InfoRequest(*row) if row else None


def of_ticket(db: sqlite_utils.Database, ticket_id: int) -> list[InfoRequest]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM ticket_info_requests WHERE ticket_id = ? ORDER BY id", (ticket_id,)).fetchall()
    return [InfoRequest(*row) for row in rows]


def add_answer(db: sqlite_utils.Database, request_id: int, text: str, at: float) -> None:
    """Append what the citizen wrote (they may answer in several messages)."""
    db.execute(
        "UPDATE ticket_info_requests SET answer = CASE WHEN answer IS NULL THEN ? ELSE answer || ? END,"
        " answered_at = ? WHERE id = ?",
        (text, "\n" + text, at, request_id),
    )


def mark_answered(db: sqlite_utils.Database, request_id: int, at: float) -> None:
    db.execute("UPDATE ticket_info_requests SET answered_at = coalesce(answered_at, ?) WHERE id = ?", (at, request_id))

