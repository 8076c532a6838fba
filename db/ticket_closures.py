"""Closures of tickets as fixed, and what the citizen said (table ticket_closures).

Each time staff close a ticket as fixed a row is written, 'pending' until the citizen taps
✓ (confirmed) or ✗ (reopened, with their reason), or CONFIRM_DAYS pass (timed_out, the
clock's job). Reports count the three apart: a closure the citizen reopened is not a fix.
Functions expect the caller's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

OUTCOMES = ("pending", "confirmed", "reopened", "timed_out")


@dataclass(frozen=True)
class Closure:
    id: int
    ticket_id: int
    closed_at: float
    closed_by: str
    note: str | None
    outcome: str
    decided_at: float | None
    reason: str | None
    told_at: float | None


_COLUMNS = "id, ticket_id, closed_at, closed_by, note, outcome, decided_at, reason, told_at"


def add(db: sqlite_utils.Database, ticket_id: int, *, closed_by: str, note: str | None, at: float) -> Closure:
    """A new pending closure; an earlier one still pending (closed, taken back, closed again)
    is superseded: it counts as reopened by staff, with no citizen's reason."""
    db.execute(
        "UPDATE ticket_closures SET outcome = 'reopened', decided_at = ? WHERE ticket_id = ? AND outcome = 'pending'",
        (at, ticket_id),
    )
    cur = db.execute(
        "INSERT INTO ticket_closures (ticket_id, closed_at, closed_by, note) VALUES (?, ?, ?, ?) RETURNING id",
        (ticket_id, at, closed_by, note),
    )
    return get(db, cur.fetchone()[0])


def get(db: sqlite_utils.Database, closure_id: int) -> Closure | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM ticket_closures WHERE id = ?", (closure_id,)).fetchone()
    return Closure(*row) if row else None


def of_ticket(db: sqlite_utils.Database, ticket_id: int) -> list[Closure]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM ticket_closures WHERE ticket_id = ? ORDER BY id", (ticket_id,)).fetchall()
    return [Closure(*row) for row in rows]


def pending_of(db: sqlite_utils.Database, ticket_id: int) -> Closure | None:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM ticket_closures WHERE ticket_id = ? AND outcome = 'pending'", (ticket_id,)
    ).fetchone()
    return Closure(*row) if row else None


def decide(db: sqlite_utils.Database, closure_id: int, outcome: str, at: float, reason: str | None = None) -> bool:
    """Settle a pending closure; False if it was settled already (a second tap, the timeout)."""
    if outcome not in OUTCOMES[1:]:
        raise ValueError(f"outcome must be one of {OUTCOMES[1:]}")
    cur = db.execute(
        "UPDATE ticket_closures SET outcome = ?, decided_at = ?, reason = ? WHERE id = ? AND outcome = 'pending'",
        (outcome, at, reason, closure_id),
    )
    return cur.rowcount == 1


def untold(db: sqlite_utils.Database, limit: int = 20) -> list[Closure]:
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM ticket_closures WHERE told_at IS NULL ORDER BY id LIMIT ?", (limit,)
    ).fetchall()
    return [Closure(*row) for row in rows]


def mark_told(db: sqlite_utils.Database, closure_id: int, at: float) -> bool:
    return db.execute(
        "UPDATE ticket_closures SET told_at = ? WHERE id = ? AND told_at IS NULL", (at, closure_id)
    ).rowcount == 1

