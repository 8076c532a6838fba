"""Suggestions and complaints (tables tickets, ticket_events, ticket_photos, ticket_sequences).

Storage only: which status may follow which, who is told, and what they are told live in
bot/feedback/ticket_status.py. Functions expect the caller's transaction where several
writes must commit together.
"""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field, fields

import sqlite_utils

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


@dataclass(frozen=True)
class Photo:
    id: int
    ticket_id: int
    message_id: str
    status: str
    content_type: str | None
    size: int | None
    attempts: int


_COLUMNS = ", ".join(f.name for f in fields(Ticket))


def _tickets(db: sqlite_utils.Database, where: str, params: tuple = (), tail: str = "") -> list[Ticket]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM tickets WHERE {where} {tail}", params).fetchall()
    return [Ticket(*row) for row in rows]


def next_number(db: sqlite_utils.Database, fiscal_year: int) -> int:
    """The next number of a fiscal year. One statement, inside the caller's write
    transaction: two tickets filed at once never get the same number, and a number is
    never given again, even if its ticket is deleted."""
    (number,) = db.execute(
        """INSERT INTO ticket_sequences (fiscal_year, last_number) VALUES (?, 1)
           ON CONFLICT (fiscal_year) DO UPDATE SET last_number = last_number + 1
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
    existing = _tickets(db, "submission_key = ?", (submission_key,))
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
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?)""",
        (
            number, fiscal_year, category, topic, service_id, division_id, chat_key, line_user_id,
            description, location.get("latitude"), location.get("longitude"),
            location.get("title"), location.get("address"), now, now, submission_key,
        ),
    )
    ticket_id = cur.lastrowid
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
    found = _tickets(db, "id = ?", (ticket_id,))
    return found[0] if found else None


def by_number(db: sqlite_utils.Database, number: str) -> Ticket | None:
    found = _tickets(db, "number = ?", (number.strip().upper(),))
    return found[0] if found else None


def for_chat(db: sqlite_utils.Database, chat_key: str, limit: int = 10) -> list[Ticket]:
    return _tickets(db, "chat_key = ?", (chat_key,), f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)}")


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
    return _tickets(db, " AND ".join(where), tuple(params), f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)}")


# --- the console's list: filters and Thai text search -------------------------------------------

# What the view ticket_search_source (db/migrations.py, version 7) does to the indexed text.
_SEARCH_FOLD = str.maketrans({**{chr(c): None for c in (0x0E48, 0x0E49, 0x0E4A, 0x0E4B, 0x0E47, 0x0E4C)},
                              **{chr(0x0E50 + i): str(i) for i in range(10)}})
_NUMBER = re.compile(r"^[A-Za-z]{1,6}-\d{4}-\d{1,6}$")
_NUMBER_PART = re.compile(r"^[A-Za-z0-9-]+$")


def fold_for_search(text: str) -> str:
    """A query folded like the indexed text: "ไฟฟ้าดับ" finds "ไฟฟาดบ", typed with or without tone marks."""
    text = unicodedata.normalize("NFC", text or "").replace("\u0e40\u0e40", "\u0e41").replace("\u0e4d\u0e32", "\u0e33")
    return text.translate(_SEARCH_FOLD).lower()


@dataclass(frozen=True)
class TicketQuery:
    """Filters of the console's ticket list; every field optional."""

    status: str | None = None  # a status, or "open" / "closed"
    category: str | None = None
    division_id: str | None = None
    start: float | None = None  # created_at, epoch seconds, inclusive
    end: float | None = None  # exclusive
    text: str = ""  # Thai words (all must appear) or a ticket number
    scope: tuple[str, list] = field(default=("1 = 1", []))  # bot.admin.auth.division_sql(user, "division_id")


def _glob(word: str) -> str:
    """A GLOB pattern matching the word anywhere."""
    return "*" + "".join(f"[{ch}]" if ch in "*?[" else ch for ch in word) + "*"


def _query_where(q: TicketQuery) -> tuple[str, list]:
    scope_sql, scope_params = q.scope
    where, params = [f"({scope_sql})"], list(scope_params)
    if q.status == "open":
        where.append(f"status IN ({','.join('?' * len(OPEN_STATUSES))})")
        params.extend(OPEN_STATUSES)
    elif q.status == "closed":
        where.append(f"status IN ({','.join('?' * len(CLOSED_STATUSES))})")
        params.extend(CLOSED_STATUSES)
    elif q.status:
        where.append("status = ?")
        params.append(q.status)
    for column, value in (("category", q.category), ("division_id", q.division_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if q.start is not None:
        where.append("created_at >= ?")
        params.append(q.start)
    if q.end is not None:
        where.append("created_at < ?")
        params.append(q.end)
    text = " ".join((q.text or "").split())
    if _NUMBER.match(text):
        where.append("number = ?")
        params.append(text.upper())
    elif text:
        # Every word must appear (a substring, as staff expect). Words of 3+ characters are
        # trigram phrases (a phrase of trigrams is exactly a substring, and MATCH is the fast
        # path: bench/ticket_search_bench.py); shorter ones ("ไฟ") are checked with instr()
        # on the rows found, or on the index's copy of every row when no word is long enough.
        words = list(dict.fromkeys(fold_for_search(w) for w in text.split()))[:8]
        long_words = [w for w in words if len(w) >= 3]
        checks = ["instr(body, ?) > 0" for w in words if len(w) < 3]
        if long_words:
            checks.insert(0, "ticket_search MATCH ?")
            params.append(" AND ".join('"' + w.replace('"', '""') + '"' for w in long_words))
        params.extend(w for w in words if len(w) < 3)
        matching = f"SELECT rowid FROM ticket_search WHERE {' AND '.join(checks)}"
        if _NUMBER_PART.match(text):  # "00042", "2570-000": part of a ticket number too
            matching += " UNION SELECT id FROM tickets WHERE number GLOB ?"
            params.append(_glob(text.upper()))
        where.append(f"id IN ({matching})")
    return " AND ".join(where), params


def find(db: sqlite_utils.Database, q: TicketQuery, limit: int = 50, offset: int = 0) -> list[Ticket]:
    where, params = _query_where(q)
    return _tickets(db, where, tuple(params), f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)} OFFSET {int(offset)}")


def count(db: sqlite_utils.Database, q: TicketQuery) -> int:
    where, params = _query_where(q)
    (n,) = db.execute(f"SELECT count(*) FROM tickets WHERE {where}", params).fetchone()
    return n


def count_by_status(db: sqlite_utils.Database, scope: tuple[str, list] = ("1 = 1", [])) -> dict[str, int]:
    return dict(db.execute(f"SELECT status, count(*) FROM tickets WHERE {scope[0]} GROUP BY status", scope[1]).fetchall())


def count_created(db: sqlite_utils.Database, start: float, end: float, scope: tuple[str, list] = ("1 = 1", [])) -> int:
    (n,) = db.execute(
        f"SELECT count(*) FROM tickets WHERE ({scope[0]}) AND created_at >= ? AND created_at < ?", (*scope[1], start, end)
    ).fetchone()
    return n


def photo_counts(db: sqlite_utils.Database, ticket_ids: list[int]) -> dict[int, int]:
    if not ticket_ids:
        return {}
    marks = ",".join("?" * len(ticket_ids))
    return dict(db.execute(f"SELECT ticket_id, count(*) FROM ticket_photos WHERE ticket_id IN ({marks}) GROUP BY ticket_id", ticket_ids).fetchall())


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


# --- photos ---------------------------------------------------------------------------------


def photos(db: sqlite_utils.Database, ticket_id: int) -> list[Photo]:
    rows = db.execute(
        "SELECT id, ticket_id, message_id, status, content_type, size, attempts FROM ticket_photos WHERE ticket_id = ? ORDER BY id",
        (ticket_id,),
    ).fetchall()
    return [Photo(*row) for row in rows]


def photo(db: sqlite_utils.Database, photo_id: int) -> Photo | None:
    row = db.execute(
        "SELECT id, ticket_id, message_id, status, content_type, size, attempts FROM ticket_photos WHERE id = ?", (photo_id,)
    ).fetchone()
    return Photo(*row) if row else None


def photo_content(db: sqlite_utils.Database, photo_id: int) -> tuple[bytes, str] | None:
    row = db.execute(
        "SELECT content, content_type FROM ticket_photos WHERE id = ? AND status = 'stored'", (photo_id,)
    ).fetchone()
    return (bytes(row[0]), row[1]) if row else None


def claim_photo(db: sqlite_utils.Database, lease_seconds: float, now: float | None = None) -> Photo | None:
    """Take one photo due for fetching (one UPDATE … RETURNING: never two fetchers)."""
    now = time.time() if now is None else now
    # Look first (a read): the sweeper asks every half second, and an UPDATE would take the
    # write lock each time even with nothing to do.
    due = db.execute(
        "SELECT 1 FROM ticket_photos WHERE (status = 'pending' AND next_attempt_at <= ?)"
        " OR (status = 'fetching' AND locked_until < ?) LIMIT 1",
        (now, now),
    ).fetchone()
    if due is None:
        return None
    row = db.execute(
        """UPDATE ticket_photos SET status = 'fetching', attempts = attempts + 1, locked_until = ?
           WHERE id = (SELECT id FROM ticket_photos
                       WHERE (status = 'pending' AND next_attempt_at <= ?)
                          OR (status = 'fetching' AND locked_until < ?)
                       ORDER BY id LIMIT 1)
           RETURNING id, ticket_id, message_id, status, content_type, size, attempts""",
        (now + lease_seconds, now, now),
    ).fetchone()
    return Photo(*row) if row else None


def store_photo(db: sqlite_utils.Database, photo_id: int, content: bytes, content_type: str) -> bool:
    """Keep the content, unless the photo was erased meanwhile (then nothing is written)."""
    cur = db.execute(
        "UPDATE ticket_photos SET status = 'stored', content = ?, content_type = ?, size = ?, fetched_at = ?,"
        " locked_until = NULL, error = NULL WHERE id = ? AND status = 'fetching'",
        (content, content_type, len(content), time.time(), photo_id),
    )
    return cur.rowcount == 1


def photo_retry(db: sqlite_utils.Database, photo_id: int, delay_seconds: float, error: str) -> None:
    db.execute(
        "UPDATE ticket_photos SET status = 'pending', next_attempt_at = ?, locked_until = NULL, error = ?"
        " WHERE id = ? AND status = 'fetching'",
        (time.time() + delay_seconds, error[:300], photo_id),
    )


def photo_failed(db: sqlite_utils.Database, photo_id: int, status: str, error: str) -> None:
    """unavailable (LINE no longer has it) or failed (gave up after retries)."""
    db.execute(
        "UPDATE ticket_photos SET status = ?, locked_until = NULL, error = ? WHERE id = ? AND status = 'fetching'",
        (status, error[:300], photo_id),
    )


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
    forget_deleted_search_text(db)  # once for the lot: it rewrites the whole index


def forget_deleted_search_text(db: sqlite_utils.Database) -> None:
    """Merge the search index into one segment. FTS5 deletes by adding a "deleted" marker;
    the words stay in older segments until a merge, and erased text must really go
    (secure_delete then overwrites the freed pages). Cost: bench/ticket_search_bench.py."""
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
