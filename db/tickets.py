"""Suggestions and complaints (tables tickets, ticket_events, ticket_sequences): filing a
ticket with its photos and first event, reading and changing it, its history, what the
published reports may show, and removing its personal data.

Storage only: which status may follow which, who is told, and what they are told live in
bot/feedback/ticket_status.py. The console's list (filters, Thai text search, counts) is
db/ticket_search.py; fetching and reading the photos, db/ticket_photos.py. Functions expect
the caller's transaction where several writes must commit together.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, fields

import sqlite_utils

from db import dialect

OPEN_STATUSES = ("received", "accepted", "in_progress", "reopened")
CLOSED_STATUSES = ("resolved", "forwarded", "rejected")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES


@dataclass(frozen=True)
class Ticket:
    id: int
    number: str
    fiscal_year: int
    category: str
    topic: str | None
    service_id: str | None
    division_id: str
    chat_key: str | None
    line_user_id: str | None
    description: str | None
    latitude: float | None
    longitude: float | None
    location_title: str | None
    location_address: str | None
    status: str
    forwarded_to: str | None
    forwarded_contact: str | None
    reject_reason: str | None
    resolution: str | None
    created_at: float
    updated_at: float
    resolved_at: float | None
    closed_at: float | None
    reopen_count: int
    handling_rating: int | None
    handling_rated_at: float | None
    personal_data_removed_at: float | None
    personal_data_removed_why: str | None
    submission_key: str | None
    assignee_user_id: str | None = None  # who tapped รับเรื่อง (bot/staff/ticket_actions.py)
    assignee_name: str | None = None
    assigned_at: float | None = None
    acknowledged_at: float | None = None  # first accepted: the acknowledgement deadline is met
    ack_due_on: str | None = None  # YYYY-MM-DD, working days from content/ticket-deadlines.yaml
    resolve_due_on: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class TicketEvent:
    id: int
    ticket_id: int
    at: float
    actor: str
    from_status: str | None
    to_status: str
    note: str | None


_COLUMNS = ", ".join(f.name for f in fields(Ticket))


def select(db: sqlite_utils.Database, where: str, params: tuple = (), tail: str = "") -> list[Ticket]:
    """Tickets matching an SQL condition (`tail`: ORDER BY, LIMIT)."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM tickets WHERE {where} {tail}", params).fetchall()
    return [Ticket(*row) for row in rows]


def next_number(db: sqlite_utils.Database, fiscal_year: int) -> int:
    """The next number of a fiscal year. One statement, inside the caller's write
    transaction: two tickets filed at once never get the same number, and a number is
    never given again, even if its ticket is deleted."""
    (number,) = db.execute(
        """INSERT INTO ticket_sequences (fiscal_year, last_number) VALUES (?, 1)
           ON CONFLICT (fiscal_year) DO UPDATE SET last_number = ticket_sequences.last_number + 1
           RETURNING last_number""",
        (fiscal_year,),
    ).fetchone()
    return number


def format_number(prefix: str, fiscal_year: int, number: int) -> str:
    return f"{prefix}-{fiscal_year}-{number:05d}"


def create(
    db: sqlite_utils.Database,
    *,
    prefix: str,
    fiscal_year: int,
    submission_key: str,
    category: str,
    topic: str | None,
    service_id: str | None,
    division_id: str,
    chat_key: str,
    line_user_id: str | None,
    description: str,
    location: dict | None,
    photo_message_ids: list[str],
    now: float | None = None,
) -> tuple[Ticket, bool]:
    """Create a ticket with its photos (to be fetched) and first event.

    Returns (ticket, created). A second call with the same submission_key (a repeated
    confirmation of the same conversation) returns the first ticket and created=False.
    """
    existing = select(db, "submission_key = ?", (submission_key,))
    if existing:
        return existing[0], False
    now = time.time() if now is None else now
    number = format_number(prefix, fiscal_year, next_number(db, fiscal_year))
    location = location or {}
    cur = db.execute(
        """INSERT INTO tickets
             (number, fiscal_year, category, topic, service_id, division_id, chat_key, line_user_id,
              description, latitude, longitude, location_title, location_address, status,
              created_at, updated_at, submission_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?)
           RETURNING id""",
        (
            number, fiscal_year, category, topic, service_id, division_id, chat_key, line_user_id,
            description, location.get("latitude"), location.get("longitude"),
            location.get("title"), location.get("address"), now, now, submission_key,
        ),
    )
    (ticket_id,) = cur.fetchone()
    for message_id in photo_message_ids:
        db.execute(
            "INSERT INTO ticket_photos (ticket_id, message_id, created_at) VALUES (?, ?, ?)",
            (ticket_id, message_id, now),
        )
    add_event(db, ticket_id, "ประชาชน", None, "received", None, now)
    return get(db, ticket_id), True


def add_event(db, ticket_id: int, actor: str, from_status: str | None, to_status: str, note: str | None, at: float | None = None) -> None:
    db.execute(
        "INSERT INTO ticket_events (ticket_id, at, actor, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)",
        (ticket_id, time.time() if at is None else at, actor, from_status, to_status, note),
    )


def get(db: sqlite_utils.Database, ticket_id: int) -> Ticket | None:
    found = select(db, "id = ?", (ticket_id,))
    return found[0] if found else None


def by_number(db: sqlite_utils.Database, number: str) -> Ticket | None:
    found = select(db, "number = ?", (number.strip().upper(),))
    return found[0] if found else None


def for_chat(db: sqlite_utils.Database, chat_key: str, limit: int = 10) -> list[Ticket]:
    return select(db, "chat_key = ?", (chat_key,), f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)}")


def search(db: sqlite_utils.Database, status: str | None = None, division_id: str | None = None, open_only: bool = False, limit: int = 100) -> list[Ticket]:
    where, params = ["1 = 1"], []
    if status:
        where.append("status = ?")
        params.append(status)
    if division_id:
        where.append("division_id = ?")
        params.append(division_id)
    if open_only:
        where.append(f"status IN ({','.join('?' * len(OPEN_STATUSES))})")
        params.extend(OPEN_STATUSES)
    return select(db, " AND ".join(where), tuple(params), f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)}")


def update(db: sqlite_utils.Database, ticket_id: int, expected_status: str, **changes) -> bool:
    """Change columns only if the ticket is still in expected_status (one UPDATE: of two
    staff changing it at once, the second sees it has moved on). Returns whether it changed."""
    allowed = {f.name for f in fields(Ticket)} - {"id", "number", "submission_key"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown ticket columns {sorted(unknown)}")
    sets = ", ".join(f"{k} = ?" for k in changes)
    cur = db.execute(
        f"UPDATE tickets SET {sets} WHERE id = ? AND status = ?", (*changes.values(), ticket_id, expected_status)
    )
    return cur.rowcount == 1


def move_division(db: sqlite_utils.Database, ticket_id: int, expected_status: str, from_division: str, to_division: str, now: float) -> bool:
    """Hand a ticket to another division if neither its status nor its division changed
    meanwhile (one UPDATE). Returns whether it moved."""
    cur = db.execute(
        "UPDATE tickets SET division_id = ?, updated_at = ? WHERE id = ? AND status = ? AND division_id = ?",
        (to_division, now, ticket_id, expected_status, from_division),
    )
    return cur.rowcount == 1


def events(db: sqlite_utils.Database, ticket_id: int) -> list[TicketEvent]:
    rows = db.execute(
        "SELECT id, ticket_id, at, actor, from_status, to_status, note FROM ticket_events WHERE ticket_id = ? ORDER BY at, id",
        (ticket_id,),
    ).fetchall()
    return [TicketEvent(*row) for row in rows]


def rate_handling(db: sqlite_utils.Database, ticket_id: int, rating: int, now: float | None = None) -> bool:
    """The citizen's rating of how the ticket was handled; only the first one counts."""
    cur = db.execute(
        "UPDATE tickets SET handling_rating = ?, handling_rated_at = ? WHERE id = ? AND handling_rating IS NULL",
        (int(rating), time.time() if now is None else now, ticket_id),
    )
    return cur.rowcount == 1


# --- for the published reports (bot/reports) ---------------------------------------------------


@dataclass(frozen=True)
class ReportTicket:
    """What a published report may show of a ticket: never who filed it or what they wrote."""

    number: str
    created_at: float
    category: str
    topic: str | None
    service_id: str | None
    division_id: str
    status: str
    forwarded_to: str | None
    reject_reason: str | None
    resolution: str | None  # what staff told the citizen was done
    resolved_at: float | None
    closed_at: float | None
    reopen_count: int
    handling_rating: int | None


_REPORT_COLUMNS = ", ".join(f.name for f in fields(ReportTicket))


def for_report(db: sqlite_utils.Database, start: float, end: float, division_id: str | None = None) -> list[ReportTicket]:
    """Tickets filed in [start, end) (epoch seconds), oldest first; optionally one division's."""
    where, params = ("AND division_id = ?", (division_id,)) if division_id else ("", ())
    rows = db.execute(
        f"SELECT {_REPORT_COLUMNS} FROM tickets WHERE created_at >= ? AND created_at < ? {where} ORDER BY created_at, id",
        (start, end, *params),
    ).fetchall()
    return [ReportTicket(*row) for row in rows]


# --- personal data ------------------------------------------------------------------------------


def remove_personal_data(db: sqlite_utils.Database, ticket_id: int, why: str, now: float | None = None) -> None:
    remove_personal_data_of(db, [ticket_id], why, now)


def remove_personal_data_of(db: sqlite_utils.Database, ticket_ids: list[int], why: str, now: float | None = None) -> None:
    """Keep what the SAO reports (category, division, status, dates, the handling
    rating); drop who filed it, what they wrote, where, their photos and staff's notes."""
    if not ticket_ids:
        return
    now = time.time() if now is None else now
    for ticket_id in ticket_ids:
        db.execute(
            """UPDATE tickets SET chat_key = NULL, line_user_id = NULL, description = NULL,
                 latitude = NULL, longitude = NULL, location_title = NULL, location_address = NULL,
                 personal_data_removed_at = ?, personal_data_removed_why = ?, submission_key = NULL
               WHERE id = ?""",
            (now, why, ticket_id),
        )
        db.execute("DELETE FROM ticket_photos WHERE ticket_id = ?", (ticket_id,))
        db.execute("DELETE FROM ticket_notes WHERE ticket_id = ?", (ticket_id,))
        # What the citizen wrote back: their answers to staff, why a fix was not a fix.
        db.execute("UPDATE ticket_info_requests SET answer = NULL WHERE ticket_id = ?", (ticket_id,))
        db.execute("UPDATE ticket_closures SET reason = NULL WHERE ticket_id = ?", (ticket_id,))
    forget_deleted_search_text(db)  # once for the lot: it rewrites the whole index


def forget_deleted_search_text(db: sqlite_utils.Database) -> None:
    """Merge the search index into one segment. FTS5 deletes by adding a "deleted" marker;
    the words stay in older segments until a merge, and erased text must really go
    (secure_delete then overwrites the freed pages). Cost: bench/ticket_search_bench.py.

    PostgreSQL's ticket_search is an ordinary table, rewritten by the tickets' trigger: no
    segments to merge. Its old row versions stay on disk until (auto)vacuum, which cannot
    run inside the caller's transaction."""
    if dialect(db) == "sqlite":
        db.execute("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")


def ids_of_chat(db: sqlite_utils.Database, chat_key: str) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM tickets WHERE chat_key = ?", (chat_key,))]


def closed_with_personal_data(db: sqlite_utils.Database, closed_before: float) -> list[int]:
    marks = ",".join("?" * len(CLOSED_STATUSES))
    return [
        r[0]
        for r in db.execute(
            f"SELECT id FROM tickets WHERE status IN ({marks}) AND closed_at < ? AND personal_data_removed_at IS NULL",
            (*CLOSED_STATUSES, closed_before),
        )
    ]
