"""Requests about auditor accounts that an admin makes and another auditor decides.

The rules (who may ask, who may decide, what a confirmation does) are in
bot/console/auditor_requests.py; here only the rows. Call the writers inside the caller's
transaction, with the change they go with.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

from db.duplicates import Duplicate, refused_duplicate

KINDS = ("create", "role", "enable", "reset")
_COLUMNS = (
    "id, kind, account_id, username, display_name, requested_by_id, requested_by, requested_at,"
    " status, decided_by_id, decided_by, decided_at, reason"
)


class AlreadyPending(ValueError):
    """An open request for this account exists already."""


@dataclass(frozen=True)
class AuditorRequest:
    id: int
    kind: str  # create | role | enable | reset
    account_id: int | None  # admin_users.id; None for create
    username: str
    display_name: str
    requested_by_id: int
    requested_by: str
    requested_at: float
    status: str  # pending | confirmed | rejected
    decided_by_id: int | None
    decided_by: str | None
    decided_at: float | None
    reason: str | None


def create(
    db: sqlite_utils.Database, *, kind: str, account_id: int | None, username: str, display_name: str,
    requested_by_id: int, requested_by: str,
) -> int:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    try:
        with refused_duplicate(db):
            (request_id,) = db.execute(
                "INSERT INTO auditor_requests (kind, account_id, username, display_name, requested_by_id, requested_by,"
                " requested_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (kind, account_id, username, display_name, requested_by_id, requested_by, time.time()),
            ).fetchone()
    except Duplicate:
        raise AlreadyPending(username) from None
    return request_id


def get(db: sqlite_utils.Database, request_id: int) -> AuditorRequest | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM auditor_requests WHERE id = ?", (request_id,)).fetchone()
    return AuditorRequest(*row) if row else None


def pending(db: sqlite_utils.Database) -> list[AuditorRequest]:
    """Open requests, oldest first."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM auditor_requests WHERE status = 'pending' ORDER BY id").fetchall()
    return [AuditorRequest(*r) for r in rows]


def decided(db: sqlite_utils.Database, limit: int = 20) -> list[AuditorRequest]:
    """The latest decisions, newest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM auditor_requests WHERE status != 'pending' ORDER BY decided_at DESC, id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [AuditorRequest(*r) for r in rows]


def decide(
    db: sqlite_utils.Database, request_id: int, status: str, *, by_id: int | None, by: str, reason: str | None = None
) -> bool:
    """Close a pending request; False when it was decided already (two auditors at once: one wins)."""
    if status not in ("confirmed", "rejected"):
        raise ValueError("status must be confirmed or rejected")
    cur = db.execute(
        "UPDATE auditor_requests SET status = ?, decided_by_id = ?, decided_by = ?, decided_at = ?, reason = ?"
        " WHERE id = ? AND status = 'pending'",
        (status, by_id, by, time.time(), reason, request_id),
    )
    return cur.rowcount == 1
