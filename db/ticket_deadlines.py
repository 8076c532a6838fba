"""Ticket deadlines as stored: a ticket's due dates (tickets.ack_due_on, resolve_due_on),
whether it was acknowledged, which late tickets were told to whom (ticket_escalations), the
closures still waiting for the citizen's word, and the deadline figures of the reports.

What the deadlines are and when a ticket is late: bot/feedback/ticket_deadlines.py. Writes
expect the caller's transaction (an escalation row commits with its outbox row).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from db import dialect
from db.tickets import OPEN_STATUSES, Ticket, get, select

_OPEN = f"status IN ({','.join(repr(s) for s in OPEN_STATUSES)})"
# Staff moved the ticket on from 'received' (accepted it, or went straight to an outcome):
# acknowledged, for tickets handled before acknowledged_at was kept. A move to another
# division keeps the status and does not count.
_LEFT_RECEIVED = "from_status = 'received' AND to_status != 'received'"
# The ids in a JSON array (one parameter however many ids).
_IDS_IN = {
    "sqlite": "SELECT value FROM json_each(?)",
    "postgresql": "SELECT value::bigint FROM jsonb_array_elements_text(?::jsonb)",
}


def ticket(db: sqlite_utils.Database, ticket_id: int) -> Ticket:
    found = get(db, ticket_id)
    if found is None:
        raise LookupError(f"no ticket {ticket_id}")
    return found


def set_due(db: sqlite_utils.Database, ticket_id: int, ack_due_on: str, resolve_due_on: str) -> None:
    db.execute("UPDATE tickets SET ack_due_on = ?, resolve_due_on = ? WHERE id = ?", (ack_due_on, resolve_due_on, ticket_id))


def open_tickets(db: sqlite_utils.Database, scope: tuple[str, list] = ("1 = 1", [])) -> list[Ticket]:
    return select(db, f"{_OPEN} AND ({scope[0]})", tuple(scope[1]), "ORDER BY id")


def acknowledged(db: sqlite_utils.Database, ticket_ids: list[int]) -> set[int]:
    """Those of the tickets that were acknowledged."""
    if not ticket_ids:
        return set()
    ids, ids_in = json.dumps(list(ticket_ids)), _IDS_IN[dialect(db)]
    rows = db.execute(
        f"""SELECT id FROM tickets WHERE id IN ({ids_in}) AND acknowledged_at IS NOT NULL
            UNION SELECT ticket_id FROM ticket_events WHERE ticket_id IN ({ids_in}) AND {_LEFT_RECEIVED}""",
        (ids, ids),
    )
    return {r[0] for r in rows}


# --- ticket_escalations ------------------------------------------------------------------------


def told(db: sqlite_utils.Database, ticket_ids: list[int]) -> set[tuple[int, str, int]]:
    """(ticket id, deadline, stage) already told, of these tickets."""
    rows = db.execute(
        f"SELECT ticket_id, deadline, stage FROM ticket_escalations WHERE ticket_id IN ({_IDS_IN[dialect(db)]})",
        (json.dumps(list(ticket_ids)),),
    )
    return {(r[0], r[1], r[2]) for r in rows}


def record_told(db: sqlite_utils.Database, ticket_id: int, deadline: str, stage: int, sent_on: str) -> bool:
    cur = db.execute(
        "INSERT INTO ticket_escalations (ticket_id, deadline, stage, sent_on) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (ticket_id, deadline, stage, sent_on),
    )
    return cur.rowcount == 1


def forget_told(db: sqlite_utils.Database, ticket_id: int, deadline: str) -> None:
    """A deadline set again (a reopened ticket's resolve deadline) is escalated afresh."""
    db.execute("DELETE FROM ticket_escalations WHERE ticket_id = ? AND deadline = ?", (ticket_id, deadline))


# --- closures waiting for the citizen ---------------------------------------------------------


def closures_pending_since(db: sqlite_utils.Database, closed_before: float) -> list[tuple[int, int]]:
    """(closure id, ticket id) of pending closures older than `closed_before`, whose ticket
    is still resolved (one staff took back is settled when it is closed again)."""
    return db.execute(
        """SELECT c.id, c.ticket_id FROM ticket_closures c JOIN tickets t ON t.id = c.ticket_id
           WHERE c.outcome = 'pending' AND c.closed_at < ? AND t.status = 'resolved' ORDER BY c.id""",
        (closed_before,),
    ).fetchall()


# --- for the published reports -----------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineFacts:
    """A ticket's deadlines and what became of them; nothing about who filed it."""

    ticket_id: int
    category: str
    topic: str | None
    division_id: str
    created_at: float
    status: str
    resolved_at: float | None
    acknowledged_at: float | None  # acknowledged_at, or when staff first moved it on, or closed it
    ack_due_on: str | None
    resolve_due_on: str | None
    closures: Counter = field(default_factory=Counter)  # outcome → closures


def for_report(db: sqlite_utils.Database, start: float, end: float, division_id: str | None = None) -> list[DeadlineFacts]:
    """Tickets filed in [start, end) with their deadline facts, oldest first."""
    where, params = ("AND t.division_id = ?", (division_id,)) if division_id else ("", ())
    rows = db.execute(
        f"""SELECT t.id, t.category, t.topic, t.division_id, t.created_at, t.status, t.resolved_at,
                   COALESCE(t.acknowledged_at,
                            (SELECT min(e.at) FROM ticket_events e WHERE e.ticket_id = t.id AND {_LEFT_RECEIVED}),
                            t.resolved_at, t.closed_at),
                   t.ack_due_on, t.resolve_due_on
            FROM tickets t WHERE t.created_at >= ? AND t.created_at < ? {where} ORDER BY t.created_at, t.id""",
        (start, end, *params),
    ).fetchall()
    closures: dict[int, Counter] = {}
    for ticket_id, outcome, n in db.execute(
        f"""SELECT c.ticket_id, c.outcome, count(*) FROM ticket_closures c JOIN tickets t ON t.id = c.ticket_id
            WHERE t.created_at >= ? AND t.created_at < ? {where} GROUP BY c.ticket_id, c.outcome""",
        (start, end, *params),
    ):
        closures.setdefault(ticket_id, Counter())[outcome] = n
    return [DeadlineFacts(*row, closures=closures.get(row[0], Counter())) for row in rows]
