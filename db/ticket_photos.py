"""A ticket's photos (table ticket_photos): the queue bot/feedback/photos.py fetches from
LINE after the ticket is filed (claim, store, retry, give up), and what the console and the
command line show. The rows are written with the ticket (db/tickets.py create) and deleted
with its personal data (db/tickets.py remove_personal_data_of).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

from db import fetch_queue


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


_PHOTO_COLUMNS = "id, ticket_id, message_id, status, content_type, size, attempts, kind"


def photo_counts(db: sqlite_utils.Database, ticket_ids: list[int]) -> dict[int, int]:
    if not ticket_ids:
        return {}
    marks = ",".join("?" * len(ticket_ids))
    return dict(db.execute(f"SELECT ticket_id, count(*) FROM ticket_photos WHERE ticket_id IN ({marks}) GROUP BY ticket_id", ticket_ids).fetchall())


def photos(db: sqlite_utils.Database, ticket_id: int) -> list[Photo]:
    rows = db.execute(
        f"SELECT {_PHOTO_COLUMNS} FROM ticket_photos WHERE ticket_id = ? ORDER BY id",
        (ticket_id,),
    ).fetchall()
    return [Photo(*row) for row in rows]


def photo(db: sqlite_utils.Database, photo_id: int) -> Photo | None:
    row = db.execute(
        f"SELECT {_PHOTO_COLUMNS} FROM ticket_photos WHERE id = ?", (photo_id,)
    ).fetchone()
    return Photo(*row) if row else None


def photo_content(db: sqlite_utils.Database, photo_id: int) -> tuple[bytes, str] | None:
    row = db.execute(
        "SELECT content, content_type FROM ticket_photos WHERE id = ? AND status = 'stored'", (photo_id,)
    ).fetchone()
    return (bytes(row[0]), row[1]) if row else None


def claim_photo(db: sqlite_utils.Database, lease_seconds: float, now: float | None = None) -> Photo | None:
    """Take one photo due for fetching (db/fetch_queue.py)."""
    row = fetch_queue.claim(db, "ticket_photos", _PHOTO_COLUMNS, lease_seconds, now)
    return Photo(*row) if row else None


def store_photo(db: sqlite_utils.Database, photo_id: int, content: bytes, content_type: str) -> bool:
    return fetch_queue.store(db, "ticket_photos", photo_id, content, content_type)


def photo_retry(db: sqlite_utils.Database, photo_id: int, delay_seconds: float, error: str) -> None:
    fetch_queue.retry(db, "ticket_photos", photo_id, delay_seconds, error)


def photo_failed(db: sqlite_utils.Database, photo_id: int, status: str, error: str) -> None:
    fetch_queue.failed(db, "ticket_photos", photo_id, status, error)

def add(
    db: sqlite_utils.Database, ticket_id: int, message_id: str, *, kind: str, closure_id: int | None = None, now: float | None = None
) -> int:
    """A photo to fetch from LINE: sent in answer to staff (kind 'info') or the proof of a fix
    ('after', which gets an unguessable token: the citizen's LINE shows it by URL)."""
    import secrets

    token = secrets.token_urlsafe(24) if kind == "after" else None
    cur = db.execute(
        "INSERT INTO ticket_photos (ticket_id, message_id, kind, closure_id, public_token, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        (ticket_id, message_id, kind, closure_id, token, time.time() if now is None else now),
    )
    return cur.fetchone()[0]


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


def add_uploaded(db: sqlite_utils.Database, ticket_id: int, content: bytes, content_type: str, *, closure_id: int,
                 now: float | None = None) -> int:
    """An after-photo uploaded in the console: stored at once (nothing to fetch from LINE)."""
    import secrets

    now = time.time() if now is None else now
    cur = db.execute(
        "INSERT INTO ticket_photos (ticket_id, message_id, kind, closure_id, public_token, status, content_type, content,"
        " size, created_at, fetched_at) VALUES (?, ?, 'after', ?, ?, 'stored', ?, ?, ?, ?, ?) RETURNING id",
        (ticket_id, "upload:" + secrets.token_hex(8), closure_id, secrets.token_urlsafe(24), content_type, content,
         len(content), now, now),
    )
    return cur.fetchone()[0]
