"""A unique index's refusal, told the same way by both engines.

    with refused_duplicate(db):
        db.execute("INSERT INTO admin_users …")
    # raises Duplicate (its .what names the index or columns) instead of the engine's error

SQLite raises sqlite3.IntegrityError ("UNIQUE constraint failed: t.col") and its transaction
goes on; PostgreSQL raises psycopg's UniqueViolation and would abort the caller's whole
transaction. So on PostgreSQL the statement runs in a savepoint (a transaction of its own
outside one): after a Duplicate the caller's transaction goes on, as on SQLite.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Iterator

from db import dialect


class Duplicate(Exception):
    """A unique index refused the row. `what`: SQLite's message ("UNIQUE constraint failed:
    appointments.request_id") or PostgreSQL's index name ("idx_appointments_one_per_request")."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


@contextmanager
def refused_duplicate(db) -> Iterator[None]:
    if dialect(db) == "postgresql":
        from psycopg import errors

        try:
            with db.begin():  # a savepoint inside the caller's transaction
                yield
        except errors.UniqueViolation as exc:
            raise Duplicate(exc.diag.constraint_name or str(exc)) from None
        return
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" not in str(exc):
            raise
        raise Duplicate(str(exc)) from None
