"""Staff's internal notes on tickets (table ticket_notes): for the console only, never sent
to the citizen. They go with the ticket's personal data (db.tickets.remove_personal_data_of)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

MAX_NOTE = 2000


@dataclass(frozen=True)
class TicketNote:
    id: int
    ticket_id: int
    at: float
    author_id: int | None
    author: str
    note: str


def add(db: sqlite_utils.Database, ticket_id: int, *, author: str, note: str, author_id: int | None = None, now: float | None = None) -> int:
    cur = db.execute(
        "INSERT INTO ticket_notes (ticket_id, at, author_id, author, note) VALUES (?, ?, ?, ?, ?) RETURNING id",
        (ticket_id, time.time() if now is None else now, author_id, author, note),
    )
    return cur.fetchone()[0]


def for_ticket(db: sqlite_utils.Database, ticket_id: int) -> list[TicketNote]:
    rows = db.execute(
        "SELECT id, ticket_id, at, author_id, author, note FROM ticket_notes WHERE ticket_id = ? ORDER BY at, id", (ticket_id,)
    ).fetchall()
    return [TicketNote(*row) for row in rows]
