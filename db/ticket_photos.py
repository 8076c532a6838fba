"""A ticket's photos (table ticket_photos): the queue bot/feedback/photos.py fetches from
LINE after the ticket is filed (claim, store, retry, give up), and what the console and the
command line show. The rows are written with the ticket (db/tickets.py create) and deleted
with its personal data (db/tickets.py remove_personal_data_of).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Photo:
    id: int
    ticket_id: int
    message_id: str
    status: str
    content_type: str | None
    size: int | None
    attempts: int
    kind: str = "citizen"  # citizen (with the report) | info (sent when staff asked) | after (proof of the fix)


def photo_counts(db: sqlite_utils.Database, ticket_ids: list[int]) -> dict[int, int]:
    if not ticket_ids:
        return {}
    marks = ",".join("?" * len(ticket_ids))
    return dict(db.execute(f"SELECT ticket_id, count(*) FROM ticket_photos WHERE ticket_id IN ({marks}) GROUP BY ticket_id", ticket_ids).fetchall())


def photos(db: sqlite_utils.Database, ticket_id: int) -> list[Photo]:
    rows = db.execute(
        "SELECT id, ticket_id, message_id, status, content_type, size, attempts, kind FROM ticket_photos WHERE ticket_id = ? ORDER BY id",
        (ticket_id,),
    ).fetchall()
    return [Photo(*row) for row in rows]


def photo(db: sqlite_utils.Database, photo_id: int) -> Photo | None:
    row = db.execute(
        "SELECT id, ticket_id, message_id, status, content_type, size, attempts, kind FROM ticket_photos WHERE id = ?", (photo_id,)
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
           RETURNING id, ticket_id, message_id, status, content_type, size, attempts, kind""",
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


def add(
    db: sqlite_utils.Database, ticket_id: int, message_id: str, *, kind: str, closure_id: int | None = None, now: float | None = None
) -> int:
    """A photo to fetch from LINE: sent in answer to staff (kind 'info') or the proof of a fix
    ('after', which gets an unguessable token: the citizen's LINE shows it by URL)."""
    import secrets

    token = secrets.token_urlsafe(24) if kind == "after" else None
    cur = db.execute(
        "INSERT INTO ticket_photos (ticket_id, message_id, kind, closure_id, public_token, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (ticket_id, message_id, kind, closure_id, token, time.time() if now is None else now),
    )
    return cur.lastrowid


def of_closure(db: sqlite_utils.Database, closure_id: int) -> list[tuple[int, str, str | None]]:
    """(id, status, public_token) of a closure's after-photos."""
    return db.execute(
        "SELECT id, status, public_token FROM ticket_photos WHERE closure_id = ? ORDER BY id", (closure_id,)
    ).fetchall()


def by_token(db: sqlite_utils.Database, token: str) -> tuple[bytes, str] | None:
    """An after-photo's content by its public token, once stored."""
    row = db.execute(
        "SELECT content, content_type FROM ticket_photos WHERE public_token = ? AND status = 'stored' AND kind = 'after'",
        (token,),
    ).fetchone()
    return (bytes(row[0]), row[1]) if row else None
