"""The outbox: every message the bot sends, queued in the same transaction as the
state change that produced it, then delivered by the one sender (bot.line.sender).

A row's retry_key never changes, so a push retried after a crash or a timeout is
delivered at most once by LINE. A reply whose outcome is unknown (the process died
mid-request) is never turned into a push, for the same reason.
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import transaction

# purpose of a row whose messages must not outlive their delivery (a secret shown once,
# anything that would show who reported corruption): deleted soon after delivery.
CONFIDENTIAL = "confidential"
CONFIDENTIAL_KEEP_SECONDS = 600  # long enough for the simulator or a console to show it


# Starts the error of a reply row one of whose attempts may have reached LINE (the
# connection broke, timed out, or the process stopped after the request went out).
AMBIGUOUS = "may have reached LINE: "


@dataclass(frozen=True)
class OutboxRow:
    id: int
    dedupe_key: str
    chat_key: str
    kind: str
    to_ids: list[str]
    reply_token: str | None
    must_arrive: bool
    messages: list[dict[str, Any]]
    purpose: str
    retry_key: str
    status: str
    attempts: int
    created_at: float
    error: str | None = None  # what went wrong last time, if anything


def _to_row(record: dict) -> OutboxRow:
    return OutboxRow(
        id=record["id"],
        dedupe_key=record["dedupe_key"],
        chat_key=record["chat_key"],
        kind=record["kind"],
        to_ids=json.loads(record["to_ids"] or "[]"),
        reply_token=record["reply_token"],
        must_arrive=bool(record["must_arrive"]),
        messages=json.loads(record["messages"]),
        purpose=record["purpose"] or "",
        retry_key=record["retry_key"],
        status=record["status"],
        attempts=record["attempts"],
        created_at=record["created_at"],
        error=record.get("error"),
    )


def _fetch(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[dict]:
    cur = db.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def enqueue(
    db: sqlite_utils.Database,
    *,
    dedupe_key: str,
    chat_key: str,
    kind: str,
    to_ids: list[str],
    messages: list[dict],
    reply_token: str | None = None,
    must_arrive: bool = False,
    purpose: str = "",
    inbox_id: int | None = None,
) -> int | None:
    """Queue one request; a second call with the same dedupe_key is ignored (returns None).

    Call inside the caller's transaction so the queue and the state change commit together.
    """
    fields = {name: value for name, value in locals().items() if name != "db"}  # the arguments above
    row = _insert(db, fields, lease_seconds=None)
    return row.id if row else None


def enqueue_claimed(db: sqlite_utils.Database, *, lease_seconds: float, **fields) -> OutboxRow | None:
    """Queue one request already claimed for its first attempt, as claim() would; the
    fields, their defaults and their checks are those of enqueue().

    For a caller that sends it as soon as its transaction commits (the inbox worker's
    replies): one write fewer than enqueue() and then claim(), each of which takes the
    database's write lock. A process that stops before sending leaves the row to
    recover_stale(), like any row it had claimed. None for a repeated dedupe_key.
    """
    bound = _ENQUEUE_SIGNATURE.bind(db, **fields)  # TypeError for a missing or unknown field
    bound.apply_defaults()
    return _insert(db, {name: value for name, value in bound.arguments.items() if name != "db"}, lease_seconds)


_ENQUEUE_SIGNATURE = inspect.signature(enqueue)


def _insert(db: sqlite_utils.Database, fields: dict, lease_seconds: float | None) -> OutboxRow | None:
    now = time.time()
    claimed = lease_seconds is not None
    row = OutboxRow(
        id=0,
        dedupe_key=fields["dedupe_key"],
        chat_key=fields["chat_key"],
        kind=fields["kind"],
        to_ids=fields["to_ids"],
        reply_token=fields["reply_token"],
        must_arrive=bool(fields["must_arrive"]),
        messages=fields["messages"],
        purpose=fields["purpose"],
        retry_key=str(uuid.uuid4()),
        status="sending" if claimed else "pending",
        attempts=1 if claimed else 0,
        created_at=now,
    )
    inserted = db.execute(
        """INSERT INTO outbox
           (dedupe_key, inbox_id, chat_key, kind, to_ids, reply_token, must_arrive, messages,
            purpose, retry_key, status, attempts, locked_until, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING id""",
        (
            row.dedupe_key,
            fields["inbox_id"],
            row.chat_key,
            row.kind,
            json.dumps(row.to_ids),
            row.reply_token,
            int(row.must_arrive),
            json.dumps(row.messages, ensure_ascii=False),
            row.purpose,
            row.retry_key,
            row.status,
            row.attempts,
            now + lease_seconds if claimed else None,
            now,
            now,
        ),
    ).fetchall()
    return dataclasses.replace(row, id=inserted[0][0]) if inserted else None


def claim(db: sqlite_utils.Database, outbox_id: int, lease_seconds: float) -> OutboxRow | None:
    """Mark one due row as being sent; None if another thread has it or it is finished.

    A single UPDATE … RETURNING: atomic, so a row is never sent by two threads.
    """
    now = time.time()
    cur = db.execute(
        """UPDATE outbox SET status = 'sending', attempts = attempts + 1, locked_until = ?
           WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?
           RETURNING *""",
        (now + lease_seconds, outbox_id, now),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return _to_row(dict(zip([d[0] for d in cur.description], row)))


def due_ids(db: sqlite_utils.Database, limit: int = 100) -> list[int]:
    """Pending rows whose next attempt is due, oldest first."""
    now = time.time()
    return [
        r[0]
        for r in db.execute(
            "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            (now, limit),
        )
    ]


def ids_for_inbox(db: sqlite_utils.Database, inbox_id: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM outbox WHERE inbox_id = ? ORDER BY id", (inbox_id,))]


def claimed_for_inbox(db: sqlite_utils.Database, inbox_id: int) -> bool:
    """Whether a message answering this inbox event is claimed for sending right now."""
    row = db.execute("SELECT 1 FROM outbox WHERE inbox_id = ? AND status = 'sending' LIMIT 1", (inbox_id,)).fetchone()
    return row is not None


def mark_sent(db: sqlite_utils.Database, outbox_id: int, request_id: str | None, kind: str | None = None) -> None:
    db.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, line_request_id = ?, locked_until = NULL, error = NULL,"
        " kind = coalesce(?, kind) WHERE id = ?",
        (time.time(), request_id, kind, outbox_id),
    )


def mark_retry(db: sqlite_utils.Database, outbox_id: int, delay_seconds: float, error: str) -> None:
    db.execute(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ?, locked_until = NULL, error = ? WHERE id = ?",
        (time.time() + delay_seconds, error[:500], outbox_id),
    )


def mark_final(db: sqlite_utils.Database, outbox_id: int, status: str, error: str) -> None:
    """failed (LINE refused it), expired (reply token gone, not worth a push), uncertain."""
    db.execute(
        "UPDATE outbox SET status = ?, locked_until = NULL, error = ? WHERE id = ?",
        (status, error[:500], outbox_id),
    )


def switch_to_push(db: sqlite_utils.Database, outbox_id: int, error: str) -> None:
    """The reply token was rejected before anything was delivered: send the same messages as a push."""
    db.execute(
        "UPDATE outbox SET kind = 'push', reply_token = NULL, status = 'pending', attempts = 0, next_attempt_at = ?,"
        " locked_until = NULL, error = ? WHERE id = ?",
        (time.time(), error[:500], outbox_id),
    )


def recover_stale(db: sqlite_utils.Database, now: float | None = None, everything: bool = False) -> int:
    """Rows left 'sending' by a dead process go back to pending, to be sent again.

    A push's retry key makes the repeat safe. So does a reply's token, which LINE takes
    once: the row is marked as possibly delivered, so that a refused token then ends it
    as uncertain instead of pushing the messages a second time.
    """
    now = time.time() if now is None else now
    condition = "status = 'sending'" + ("" if everything else " AND locked_until < ?")
    params: tuple = () if everything else (now,)
    with transaction(db):
        pushes = db.execute(
            f"UPDATE outbox SET status = 'pending', locked_until = NULL, next_attempt_at = 0 "
            f"WHERE {condition} AND kind != 'reply'",
            params,
        ).rowcount
        replies = db.execute(
            f"UPDATE outbox SET status = 'pending', locked_until = NULL, next_attempt_at = 0, "
            f"error = ? WHERE {condition} AND kind = 'reply'",
            (AMBIGUOUS + "the process stopped during the reply request", *params),
        ).rowcount
    return pushes + replies


def messages_for_chat(db: sqlite_utils.Database, chat_key: str, after_id: int = 0, limit: int = 200) -> list[dict]:
    """Sent and queued messages to one chat, for the simulator and the console."""
    return _fetch(
        db,
        "SELECT id, kind, status, messages, created_at, sent_at FROM outbox "
        "WHERE chat_key = ? AND id > ? ORDER BY id LIMIT ?",
        (chat_key, after_id, limit),
    )


def get(db: sqlite_utils.Database, outbox_id: int) -> dict | None:
    rows = _fetch(db, "SELECT * FROM outbox WHERE id = ?", (outbox_id,))
    return rows[0] if rows else None


def counts_by_status(db: sqlite_utils.Database) -> dict[str, int]:
    return {status: n for status, n in db.execute("SELECT status, count(*) FROM outbox GROUP BY status")}


def erase_chat(db: sqlite_utils.Database, chat_key: str) -> int:
    """PDPA erasure: delete delivered messages to one chat (undelivered ones still go out)."""
    return db.execute(
        "DELETE FROM outbox WHERE chat_key = ? AND status NOT IN ('pending', 'sending')", (chat_key,)
    ).rowcount


def counts_by_status_between(db: sqlite_utils.Database, start: float, end: float) -> dict[str, int]:
    """Outgoing requests created in [start, end), by status, for the dashboard."""
    return {
        status: n
        for status, n in db.execute(
            "SELECT status, count(*) FROM outbox WHERE created_at >= ? AND created_at < ? GROUP BY status", (start, end)
        )
    }


def requeue_failed(db: sqlite_utils.Database, outbox_id: int) -> bool:
    """Give a push that ran out of attempts on a passing fault (429, 5xx, network) a new round.

    The retry key stays, so LINE still delivers it at most once.
    """
    return (
        db.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, locked_until = NULL"
            " WHERE id = ? AND status = 'failed' AND kind != 'reply'",
            (time.time(), outbox_id),
        ).rowcount
        == 1
    )


def exists(db: sqlite_utils.Database, dedupe_key: str) -> bool:
    return db.execute("SELECT 1 FROM outbox WHERE dedupe_key = ?", (dedupe_key,)).fetchone() is not None


def due_ids_for(db: sqlite_utils.Database, purposes: tuple[str, ...], limit: int = 500) -> list[int]:
    """Pending rows of these purposes whose next attempt is due (the clock delivers its own)."""
    marks = ",".join("?" * len(purposes))
    return [
        r[0]
        for r in db.execute(
            f"SELECT id FROM outbox WHERE status = 'pending' AND purpose IN ({marks}) AND next_attempt_at <= ?"
            " ORDER BY id LIMIT ?",
            (*purposes, time.time(), limit),
        )
    ]


def next_attempt_for(db: sqlite_utils.Database, purposes: tuple[str, ...]) -> float | None:
    """When the next pending row of these purposes may be tried (epoch seconds), or None."""
    marks = ",".join("?" * len(purposes))
    row = db.execute(
        f"SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending' AND purpose IN ({marks})", purposes
    ).fetchone()
    return row[0] if row else None


def erase_purpose(db: sqlite_utils.Database, purpose_prefix: str) -> int:
    """PDPA erasure of messages about one record (e.g. "ticket:42:"), whoever received them.

    Delivered rows are deleted; undelivered ones still go out, as in erase_chat.
    """
    pattern = purpose_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return db.execute(
        "DELETE FROM outbox WHERE purpose LIKE ? ESCAPE '\\' AND status NOT IN ('pending', 'sending')",
        (pattern,),
    ).rowcount


def delete_confidential(db: sqlite_utils.Database, now: float | None = None) -> int:
    """Delete delivered (or finally failed) confidential rows once they are a few minutes old."""
    now = time.time() if now is None else now
    # The literal (not a parameter) lets SQLite use the partial index idx_outbox_confidential.
    return db.execute(
        f"DELETE FROM outbox WHERE purpose = '{CONFIDENTIAL}' AND status NOT IN ('pending', 'sending') AND created_at < ?",
        (now - CONFIDENTIAL_KEEP_SECONDS,),
    ).rowcount


def hold(db: sqlite_utils.Database, outbox_id: int, until: float) -> None:
    """Keep a queued push back until `until` (or release()): a ticket's closure waits for its
    after-photos to be stored, so the citizen's LINE can show them."""
    db.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'pending'", (until, outbox_id))


def release(db: sqlite_utils.Database, dedupe_key: str, messages: list[dict] | None = None) -> int | None:
    """Send a held push now (with its messages replaced, if given); its id, or None if it is
    not waiting any more."""
    row = db.execute("SELECT id FROM outbox WHERE dedupe_key = ? AND status = 'pending'", (dedupe_key,)).fetchone()
    if row is None:
        return None
    if messages is not None:
        db.execute("UPDATE outbox SET messages = ? WHERE id = ?", (json.dumps(messages, ensure_ascii=False), row[0]))
    db.execute("UPDATE outbox SET next_attempt_at = ? WHERE id = ?", (time.time(), row[0]))
    return row[0]


def messages_of(db: sqlite_utils.Database, dedupe_key: str) -> list[dict] | None:
    row = db.execute("SELECT messages FROM outbox WHERE dedupe_key = ?", (dedupe_key,)).fetchone()
    return json.loads(row[0]) if row else None
