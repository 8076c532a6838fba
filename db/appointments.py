"""Appointments at the office for a service request (table appointments): a service's slots
on working days, each holding `capacity` people.

No slot is ever overbooked: a booking is one INSERT … SELECT that counts the slot's bookings
in the same statement, run inside the caller's write transaction (BEGIN IMMEDIATE, db.transaction),
so two bookings never count at the same time; and the unique index on booked rows keeps one
booked appointment per request. PostgreSQL runs transactions side by side: there a booking
first takes a lock on the slot (an advisory lock, held until the transaction ends), so two
bookings of one slot still count one after the other. Rules about who may book live in
bot/eservice/appointments.py.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import sqlite_utils

from db import dialect
from db.duplicates import Duplicate, refused_duplicate

ENDED = ("cancelled", "moved", "attended", "missed")


class AlreadyBooked(Exception):
    """The request has a booked appointment already (one per request)."""


@dataclass(frozen=True)
class Appointment:
    id: int
    request_id: int
    service_id: str
    day: str  # YYYY-MM-DD
    slot: str  # HH:MM
    status: str  # booked | cancelled | moved | attended | missed
    created_at: float
    ended_at: float | None
    reminded_at: float | None


@dataclass(frozen=True)
class Booking:
    """An appointment with what the staff's day list and the reminder need of its request."""

    appointment: Appointment
    number: str
    division_id: str
    request_status: str
    chat_key: str | None
    line_user_id: str | None
    answers: str | None  # JSON, NULL once personal data is removed


_COLUMNS = ", ".join(f.name for f in fields(Appointment))
_JOINED = ", ".join(f"a.{f.name}" for f in fields(Appointment))
_REQUEST = "r.number, r.division_id, r.status, r.chat_key, r.line_user_id, r.answers"


def _select(db: sqlite_utils.Database, where: str, params: tuple = (), tail: str = "") -> list[Appointment]:
    return [Appointment(*row) for row in db.execute(f"SELECT {_COLUMNS} FROM appointments WHERE {where} {tail}", params)]


def _bookings(db: sqlite_utils.Database, where: str, params: tuple = ()) -> list[Booking]:
    rows = db.execute(
        f"SELECT {_JOINED}, {_REQUEST} FROM appointments a JOIN service_requests r ON r.id = a.request_id"
        f" WHERE {where} ORDER BY a.day, a.slot, a.id",
        params,
    ).fetchall()
    width = len(fields(Appointment))
    return [Booking(Appointment(*row[:width]), *row[width:]) for row in rows]


def get(db: sqlite_utils.Database, appointment_id: int) -> Appointment | None:
    found = _select(db, "id = ?", (appointment_id,))
    return found[0] if found else None


def booked_counts(db: sqlite_utils.Database, service_id: str, first_day: str, last_day: str) -> dict[tuple[str, str], int]:
    """(day, slot) → how many are booked, for the service's days first_day..last_day."""
    rows = db.execute(
        "SELECT day, slot, count(*) FROM appointments WHERE service_id = ? AND day BETWEEN ? AND ? AND status = 'booked'"
        " GROUP BY day, slot",
        (service_id, first_day, last_day),
    )
    return {(day, slot): n for day, slot, n in rows}


def free_slots(db: sqlite_utils.Database, service_id: str, day: str, slots: tuple[str, ...], capacity: int) -> list[tuple[str, int]]:
    """(slot, places left) of the slots with a place left on that day, in order."""
    taken = booked_counts(db, service_id, day, day)
    return [(slot, capacity - taken.get((day, slot), 0)) for slot in slots if taken.get((day, slot), 0) < capacity]


def book(db: sqlite_utils.Database, request_id: int, service_id: str, day: str, slot: str, capacity: int,
         now: float) -> Appointment | None:
    """Book a place, or None when the slot is full. Raises AlreadyBooked when the request has
    a booked appointment. Run inside a write transaction."""
    try:
        with refused_duplicate(db):
            if dialect(db) == "postgresql":
                db.execute(_LOCK_SLOT, (service_id, day, slot))
            row = db.execute(
                f"""INSERT INTO appointments (request_id, service_id, day, slot, status, created_at)
                    SELECT ?, ?, ?, ?, 'booked', ?
                    WHERE (SELECT count(*) FROM appointments
                           WHERE service_id = ? AND day = ? AND slot = ? AND status = 'booked') < ?
                    RETURNING {_COLUMNS}""",
                (request_id, service_id, day, slot, now, service_id, day, slot, capacity),
            ).fetchone()
    except Duplicate as exc:
        if exc.what in _ONE_BOOKED_PER_REQUEST or "appointments.request_id" in exc.what:
            raise AlreadyBooked(request_id) from None
        raise
    return Appointment(*row) if row else None


# PostgreSQL: one slot's bookings, one at a time, until the transaction ends (the SAO's schema
# is in the key: advisory locks are the whole server's).
_LOCK_SLOT = (
    "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/appointments/' || ? || '/' || ? || '/' || ?, 0))"
)
_ONE_BOOKED_PER_REQUEST = ("idx_appointments_one_per_request",)  # PostgreSQL's name; SQLite names the column


def _end(db: sqlite_utils.Database, appointment_id: int, status: str, now: float) -> bool:
    return db.execute(
        "UPDATE appointments SET status = ?, ended_at = ? WHERE id = ? AND status = 'booked'", (status, now, appointment_id)
    ).rowcount == 1


def cancel(db: sqlite_utils.Database, appointment_id: int, now: float) -> bool:
    return _end(db, appointment_id, "cancelled", now)


def set_outcome(db: sqlite_utils.Database, appointment_id: int, outcome: str, now: float) -> bool:
    """Staff: the person came (attended) or did not (missed)."""
    if outcome not in ("attended", "missed"):
        raise ValueError(f"unknown outcome {outcome!r}")
    return _end(db, appointment_id, outcome, now)


def move(db: sqlite_utils.Database, appointment_id: int, day: str, slot: str, capacity: int, now: float) -> Appointment | None:
    """The booked appointment becomes 'moved' and a new one is booked, together; None (and
    nothing changed) when it is no longer booked or the new slot is full. Run inside a write
    transaction: nobody sees the moment between the two."""
    old = get(db, appointment_id)
    if old is None or not _end(db, appointment_id, "moved", now):
        return None
    new = book(db, old.request_id, old.service_id, day, slot, capacity, now)
    if new is None:  # full: the old one stands as it was
        db.execute("UPDATE appointments SET status = 'booked', ended_at = NULL WHERE id = ?", (appointment_id,))
    return new


def booked_for_request(db: sqlite_utils.Database, request_id: int) -> Appointment | None:
    found = _select(db, "request_id = ? AND status = 'booked'", (request_id,))
    return found[0] if found else None


def for_request(db: sqlite_utils.Database, request_id: int) -> list[Appointment]:
    return _select(db, "request_id = ?", (request_id,), "ORDER BY id")


def booked_of_chat(db: sqlite_utils.Database, chat_key: str, from_day: str) -> list[Booking]:
    """The person's booked appointments from that day on."""
    return _bookings(db, "r.chat_key = ? AND a.status = 'booked' AND a.day >= ?", (chat_key, from_day))


def of_day(db: sqlite_utils.Database, day: str, scope: tuple[str, list] = ("1 = 1", [])) -> list[Booking]:
    """A day's appointments (booked and their outcome; not cancelled or moved), by slot; `scope`
    is a WHERE fragment on the request (r.division_id) limiting it to some divisions."""
    where, params = scope
    return _bookings(db, f"a.day = ? AND a.status IN ('booked', 'attended', 'missed') AND ({where})", (day, *params))


def due_reminders(db: sqlite_utils.Database, after_day: str, through_day: str) -> list[Booking]:
    """Booked appointments after one day up to another, not reminded yet, of open requests
    whose citizen can still be reached."""
    return _bookings(
        db,
        "a.status = 'booked' AND a.reminded_at IS NULL AND a.day > ? AND a.day <= ?"
        " AND r.status IN ('received', 'accepted', 'scheduled', 'in_progress')"
        " AND r.chat_key IS NOT NULL AND r.line_user_id IS NOT NULL",
        (after_day, through_day),
    )


def mark_reminded(db: sqlite_utils.Database, appointment_id: int, now: float) -> None:
    db.execute("UPDATE appointments SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL", (now, appointment_id))


def cancel_for_chat(db: sqlite_utils.Database, chat_key: str, now: float) -> list[Appointment]:
    """Erasure: the person's booked appointments cancelled (the request itself is anonymised, not
    deleted); also any left booked on a request whose personal data is already removed."""
    booked = _select(
        db,
        "status = 'booked' AND request_id IN (SELECT id FROM service_requests WHERE chat_key = ?"
        " OR (chat_key IS NULL AND personal_data_removed_at IS NOT NULL))",
        (chat_key,),
    )
    return [a for a in booked if cancel(db, a.id, now)]
