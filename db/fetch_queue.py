"""Rows of photos waiting to be fetched from LINE's content endpoint: ticket photos
(ticket_photos) and a service request's documents (service_request_documents). Both tables
have the same queue columns (status pending → fetching → stored | unavailable | failed,
attempts, next_attempt_at, locked_until, error, content, content_type, size, fetched_at);
bot/feedback/photos.py fetches from either.
"""
from __future__ import annotations

import time

import sqlite_utils

from db import dialect

TABLES = ("ticket_photos", "service_request_documents")


def _table(table: str) -> str:
    if table not in TABLES:  # the name is put into SQL: only these two
        raise ValueError(f"not a photo queue: {table!r}")
    return table


_CLAIM = {
    # SQLite runs one writer at a time: the statement alone is atomic.
    "sqlite": """UPDATE {table} SET status = 'fetching', attempts = attempts + 1, locked_until = ?
           WHERE id = (SELECT id FROM {table}
                       WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'fetching' AND locked_until < ?)
                       ORDER BY id LIMIT 1)
           RETURNING {returning}""",
    # PostgreSQL runs fetchers side by side: one skips the row another has locked (and the
    # row found stays locked until the UPDATE), so two fetchers never take one photo.
    "postgresql": """UPDATE {table} SET status = 'fetching', attempts = attempts + 1, locked_until = ?
           WHERE id = (SELECT id FROM {table}
                       WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'fetching' AND locked_until < ?)
                       ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING {returning}""",
}


def claim(db: sqlite_utils.Database, table: str, returning: str, lease_seconds: float, now: float | None = None):
    """Take one row due for fetching (one UPDATE … RETURNING: never two fetchers); its
    `returning` columns, or None."""
    table = _table(table)
    now = time.time() if now is None else now
    # Look first (a read): the sweeper asks every half second, and an UPDATE would take the
    # write lock each time even with nothing to do.
    due = db.execute(
        f"SELECT 1 FROM {table} WHERE (status = 'pending' AND next_attempt_at <= ?)"
        " OR (status = 'fetching' AND locked_until < ?) LIMIT 1",
        (now, now),
    ).fetchone()
    if due is None:
        return None
    claim_one = _CLAIM[dialect(db)].format(table=table, returning=returning)
    return db.execute(claim_one, (now + lease_seconds, now, now)).fetchone()


def store(db: sqlite_utils.Database, table: str, row_id: int, content: bytes, content_type: str) -> bool:
    """Keep the content, unless the row was erased meanwhile (then nothing is written)."""
    return db.execute(
        f"UPDATE {_table(table)} SET status = 'stored', content = ?, content_type = ?, size = ?, fetched_at = ?,"
        " locked_until = NULL, error = NULL WHERE id = ? AND status = 'fetching'",
        (content, content_type, len(content), time.time(), row_id),
    ).rowcount == 1


def retry(db: sqlite_utils.Database, table: str, row_id: int, delay_seconds: float, error: str) -> None:
    db.execute(
        f"UPDATE {_table(table)} SET status = 'pending', next_attempt_at = ?, locked_until = NULL, error = ?"
        " WHERE id = ? AND status = 'fetching'",
        (time.time() + delay_seconds, error[:300], row_id),
    )


def failed(db: sqlite_utils.Database, table: str, row_id: int, status: str, error: str) -> None:
    """unavailable (LINE no longer has it) or failed (gave up after retries)."""
    db.execute(
        f"UPDATE {_table(table)} SET status = ?, locked_until = NULL, error = ? WHERE id = ? AND status = 'fetching'",
        (status, error[:300], row_id),
    )
