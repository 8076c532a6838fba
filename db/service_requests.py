"""Online service requests and walk-ins at the counter (tables service_requests,
service_request_events, service_request_sequences, service_request_documents).

Storage only: which status may follow which and who is told live in bot/eservice/requests.py.
Functions expect the caller's transaction where several writes must commit together.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, fields

import sqlite_utils

from db import fetch_queue

OPEN_STATUSES = ("received", "accepted", "scheduled", "in_progress")
CLOSED_STATUSES = ("done", "rejected")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES


@dataclass(frozen=True)
class ServiceRequest:
    id: int
    number: str
    fiscal_year: int
    service_id: str
    division_id: str
    channel: str
    chat_key: str | None
    line_user_id: str | None
    answers: str | None  # JSON; see .values
    status: str
    reject_reason: str | None
    note: str | None
    due_on: str | None
    created_at: float
    updated_at: float
    done_at: float | None
    closed_at: float | None
    assignee_user_id: str | None
    assignee_name: str | None
    rating: int | None
    rated_at: float | None
    personal_data_removed_at: float | None
    personal_data_removed_why: str | None
    submission_key: str | None

    @property
    def values(self) -> dict:
        return json.loads(self.answers) if self.answers else {}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class RequestEvent:
    id: int
    request_id: int
    at: float
    actor: str
    from_status: str | None
    to_status: str
    note: str | None


@dataclass(frozen=True)
class Document:
    id: int
    request_id: int
    document_id: str
    message_id: str
    status: str
    content_type: str | None
    size: int | None
    attempts: int


_COLUMNS = ", ".join(f.name for f in fields(ServiceRequest))


def select(db: sqlite_utils.Database, where: str, params: tuple = (), tail: str = "") -> list[ServiceRequest]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM service_requests WHERE {where} {tail}", params).fetchall()
    return [ServiceRequest(*row) for row in rows]


def get(db: sqlite_utils.Database, request_id: int) -> ServiceRequest | None:
    found = select(db, "id = ?", (request_id,))
    return found[0] if found else None


def by_number(db: sqlite_utils.Database, number: str) -> ServiceRequest | None:
    found = select(db, "number = ?", (number.strip().upper(),))
    return found[0] if found else None


def format_number(prefix: str, fiscal_year: int, number: int) -> str:
    """KC-R2570-00001: R tells a request from a ticket (KC-2570-00001) at a glance."""
    return f"{prefix}-R{fiscal_year}-{number:05d}"


def create(
    db: sqlite_utils.Database,
    *,
    prefix: str,
    fiscal_year: int,
    service_id: str,
    division_id: str,
    channel: str,
    answers: dict | None,
    chat_key: str | None = None,
    line_user_id: str | None = None,
    submission_key: str | None = None,
    due_on: str | None = None,
    documents: list[tuple[str, str]] = (),
    status: str = "received",
    actor: str = "ประชาชน",
    now: float | None = None,
) -> tuple[ServiceRequest, bool]:
    """A new request with its documents (to fetch from LINE) and first event. Returns (request,
    created); the same submission_key again (a repeated confirmation) returns the first one."""
    now = time.time() if now is None else now
    if submission_key:
        repeat = select(db, "submission_key = ?", (submission_key,))
        if repeat:
            return repeat[0], False
    (sequence,) = db.execute(
        """INSERT INTO service_request_sequences (fiscal_year, last_number) VALUES (?, 1)
           ON CONFLICT (fiscal_year) DO UPDATE SET last_number = service_request_sequences.last_number + 1
           RETURNING last_number""",
        (fiscal_year,),
    ).fetchone()
    closed = now if status in CLOSED_STATUSES else None
    (request_id,) = db.execute(
        """INSERT INTO service_requests (number, fiscal_year, service_id, division_id, channel, chat_key, line_user_id,
             answers, status, due_on, created_at, updated_at, done_at, closed_at, submission_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        (format_number(prefix, fiscal_year, sequence), fiscal_year, service_id, division_id, channel, chat_key, line_user_id,
         json.dumps(answers, ensure_ascii=False) if answers is not None else None, status, due_on, now, now,
         closed if status == "done" else None, closed, submission_key),
    ).fetchone()
    for document_id, message_id in documents:
        db.execute(
            "INSERT INTO service_request_documents (request_id, document_id, message_id, created_at) VALUES (?, ?, ?, ?)",
            (request_id, document_id, message_id, now),
        )
    add_event(db, request_id, actor, None, status, None, now)
    return get(db, request_id), True


def update(db: sqlite_utils.Database, request_id: int, expected_status: str, **changes) -> bool:
    """Change columns only if the request is still in expected_status (one UPDATE)."""
    allowed = {f.name for f in fields(ServiceRequest)} - {"id", "number", "submission_key"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown request columns {sorted(unknown)}")
    sets = ", ".join(f"{k} = ?" for k in changes)
    cur = db.execute(
        f"UPDATE service_requests SET {sets} WHERE id = ? AND status = ?", (*changes.values(), request_id, expected_status)
    )
    return cur.rowcount == 1


def add_event(db: sqlite_utils.Database, request_id: int, actor: str, from_status: str | None, to_status: str,
              note: str | None, at: float) -> None:
    db.execute(
        "INSERT INTO service_request_events (request_id, at, actor, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)",
        (request_id, at, actor, from_status, to_status, note),
    )


def events(db: sqlite_utils.Database, request_id: int) -> list[RequestEvent]:
    rows = db.execute(
        "SELECT id, request_id, at, actor, from_status, to_status, note FROM service_request_events WHERE request_id = ? ORDER BY id",
        (request_id,),
    ).fetchall()
    return [RequestEvent(*row) for row in rows]


def count_events(db: sqlite_utils.Database, request_id: int) -> int:
    return db.execute("SELECT count(*) FROM service_request_events WHERE request_id = ?", (request_id,)).fetchone()[0]


def for_chat(db: sqlite_utils.Database, chat_key: str, limit: int = 5) -> list[ServiceRequest]:
    return select(db, "chat_key = ?", (chat_key,), f"ORDER BY created_at DESC LIMIT {int(limit)}")


def ids_of_chat(db: sqlite_utils.Database, chat_key: str) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM service_requests WHERE chat_key = ?", (chat_key,))]


def rate(db: sqlite_utils.Database, request_id: int, rating: int, now: float) -> bool:
    return db.execute(
        "UPDATE service_requests SET rating = ?, rated_at = ? WHERE id = ? AND rating IS NULL AND status = 'done'",
        (rating, now, request_id),
    ).rowcount == 1


def remove_personal_data_of(db: sqlite_utils.Database, request_ids: list[int], why: str, now: float | None = None) -> None:
    """Keep what the statistics need (service, channel, status, dates, rating); drop who asked,
    what they wrote and their document photos."""
    now = time.time() if now is None else now
    for request_id in request_ids:
        db.execute(
            """UPDATE service_requests SET chat_key = NULL, line_user_id = NULL, answers = NULL, submission_key = NULL,
                 personal_data_removed_at = ?, personal_data_removed_why = ? WHERE id = ?""",
            (now, why, request_id),
        )
        db.execute("DELETE FROM service_request_documents WHERE request_id = ?", (request_id,))
        db.execute("UPDATE service_request_events SET note = NULL WHERE request_id = ? AND actor = 'ประชาชน'", (request_id,))


def closed_with_personal_data(db: sqlite_utils.Database, closed_before: float) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT id FROM service_requests WHERE closed_at < ? AND personal_data_removed_at IS NULL AND chat_key IS NOT NULL",
        (closed_before,),
    )]


# --- document photos, fetched from LINE after the request is filed ---------------------------------------


_DOCUMENTS = "service_request_documents"
_DOCUMENT_COLUMNS = "id, request_id, document_id, message_id, status, content_type, size, attempts"


def documents(db: sqlite_utils.Database, request_id: int) -> list[Document]:
    rows = db.execute(
        f"SELECT {_DOCUMENT_COLUMNS} FROM service_request_documents WHERE request_id = ? ORDER BY id",
        (request_id,),
    ).fetchall()
    return [Document(*row) for row in rows]


def document_content(db: sqlite_utils.Database, document_row_id: int) -> tuple[bytes, str] | None:
    row = db.execute(
        "SELECT content, content_type FROM service_request_documents WHERE id = ? AND status = 'stored'", (document_row_id,)
    ).fetchone()
    return (bytes(row[0]), row[1]) if row else None


def claim_document(db: sqlite_utils.Database, lease_seconds: float, now: float | None = None) -> Document | None:
    """Take one document photo due for fetching (db/fetch_queue.py)."""
    row = fetch_queue.claim(db, _DOCUMENTS, _DOCUMENT_COLUMNS, lease_seconds, now)
    return Document(*row) if row else None


def store_document(db: sqlite_utils.Database, row_id: int, content: bytes, content_type: str) -> bool:
    return fetch_queue.store(db, _DOCUMENTS, row_id, content, content_type)


def document_retry(db: sqlite_utils.Database, row_id: int, delay_seconds: float, error: str) -> None:
    fetch_queue.retry(db, _DOCUMENTS, row_id, delay_seconds, error)


def document_failed(db: sqlite_utils.Database, row_id: int, status: str, error: str) -> None:
    fetch_queue.failed(db, _DOCUMENTS, row_id, status, error)
