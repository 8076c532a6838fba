"""The durable inbox of webhook events.

An event is stored before the webhook answers 200 and is then claimed by one worker,
handled, and finished. The unique event_key makes redeliveries no-ops, and a
claim takes only the oldest unfinished event of its chat, so a burst from one person
is handled in order while different people are handled in parallel.
"""
from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import dialect, transaction

UNFINISHED = ("pending", "processing", "handled")


@dataclass(frozen=True)
class InboxEvent:
    id: int
    webhook_event_id: str
    event_key: str
    event_type: str
    mode: str
    source_key: str
    payload: dict[str, Any]
    received_at: float
    attempts: int
    status: str


def _row_to_event(row: dict) -> InboxEvent:
    return InboxEvent(
        id=row["id"],
        webhook_event_id=row["webhook_event_id"],
        event_key=row["event_key"],
        event_type=row["event_type"],
        mode=row["mode"] or "active",
        source_key=row["source_key"],
        payload=json.loads(row["payload"]),
        received_at=row["received_at"],
        attempts=row["attempts"],
        status=row["status"],
    )


_COLUMNS = """(webhook_event_id, event_key, event_type, mode, source_key, user_id, message_id,
    is_redelivery, event_time, payload, received_at, status, attempts)"""
_ROW_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
# Rows one INSERT of the webhook's writer carries: 12 parameters each, far below SQLite's
# limit of 32,766 parameters a statement.
ROWS_PER_STATEMENT = 250


@functools.lru_cache(maxsize=ROWS_PER_STATEMENT)
def _insert_rows(rows: int) -> str:
    return f"INSERT INTO inbox {_COLUMNS} VALUES {', '.join([_ROW_VALUES] * rows)} ON CONFLICT DO NOTHING"


_INSERT = _insert_rows(1)


def _values(row: dict, now: float) -> tuple:
    return (
        row["webhook_event_id"],
        row["event_key"],
        row["event_type"],
        row["mode"],
        row["source_key"],
        row.get("user_id"),
        row.get("message_id"),
        int(bool(row.get("is_redelivery"))),
        row.get("event_time"),
        row["payload"],
        now,
        row.get("status", "pending"),
    )


def store_events(db: sqlite_utils.Database, rows: list[dict]) -> int:
    """Insert events; return how many were new (redeliveries are ignored).

    One event (LINE's usual request) is a single atomic statement; several go in one
    transaction, so a request's events are stored all or none.
    """
    now = time.time()
    if len(rows) == 1:
        return db.execute(_INSERT, _values(rows[0], now)).rowcount
    new = 0
    with transaction(db):
        for row in rows:
            new += db.execute(_INSERT, _values(row, now)).rowcount
    return new


_NEXT_EVENT = """
    SELECT i.id FROM inbox i
    WHERE i.status = 'pending'
      AND NOT EXISTS (
        SELECT 1 FROM inbox j
        WHERE j.source_key = i.source_key AND j.id < i.id
          AND j.status IN ('pending', 'processing', 'handled'))
    ORDER BY i.id LIMIT 1"""
_CLAIM_NEXT = {
    # SQLite runs one writer at a time: the statement alone is atomic.
    "sqlite": f"""UPDATE inbox SET status = 'processing', attempts = attempts + 1, locked_until = ?
                  WHERE id = ({_NEXT_EVENT}) RETURNING *""",
    # PostgreSQL runs writers side by side: a worker skips the rows another has locked, and
    # the status is checked again on the locked row, so two workers never take one event.
    "postgresql": f"""UPDATE inbox SET status = 'processing', attempts = attempts + 1, locked_until = ?
                      WHERE id = ({_NEXT_EVENT} FOR UPDATE OF i SKIP LOCKED) AND status = 'pending'
                      RETURNING *""",
}


def claim_next(db: sqlite_utils.Database, lease_seconds: float) -> InboxEvent | None:
    """Take the oldest pending event whose chat has nothing earlier unfinished.

    One UPDATE … RETURNING statement: atomic on its own, so two workers can never
    claim the same event, and no separate transaction is needed.
    """
    now = time.time()
    cur = db.execute(_CLAIM_NEXT[dialect(db)], (now + lease_seconds,))
    row = cur.fetchone()
    if row is None:
        return None
    return _row_to_event(dict(zip([d[0] for d in cur.description], row)))


def mark_handled(db: sqlite_utils.Database, inbox_id: int, lease_seconds: float) -> None:
    """Called inside the transaction that also saves state and queues replies.

    The lease says when a sweeper may conclude the process died before delivering.
    """
    db.execute(
        "UPDATE inbox SET status = 'handled', locked_until = ?, error = NULL WHERE id = ?",
        (time.time() + lease_seconds, inbox_id),
    )


def finish(db: sqlite_utils.Database, inbox_id: int, status: str = "done", error: str | None = None) -> None:
    """Final state: done, skipped or failed. Frees the next event of the same chat."""
    db.execute(
        "UPDATE inbox SET status = ?, locked_until = NULL, finished_at = ?, error = ? WHERE id = ?",
        (status, time.time(), error, inbox_id),
    )


def release(db: sqlite_utils.Database, inbox_id: int, error: str) -> None:
    """Put an event back to pending after a failed attempt (a transient error)."""
    db.execute(
        "UPDATE inbox SET status = 'pending', locked_until = NULL, error = ? WHERE id = ?",
        (error[:500], inbox_id),
    )


def recover_stale(db: sqlite_utils.Database, now: float | None = None, everything: bool = False) -> int:
    """Return events whose worker died (lease expired) to pending.

    everything=True releases every claim regardless of lease: only safe when no worker
    can be running, i.e. at server start before workers fork.
    """
    now = time.time() if now is None else now
    with transaction(db):
        if everything:
            cur = db.execute("UPDATE inbox SET status = 'pending', locked_until = NULL WHERE status = 'processing'")
            # Handled events of a dead process: let the sweeper deliver and finish them now.
            db.execute("UPDATE inbox SET locked_until = NULL WHERE status = 'handled'")
        else:
            cur = db.execute(
                "UPDATE inbox SET status = 'pending', locked_until = NULL "
                "WHERE status = 'processing' AND locked_until < ?",
                (now,),
            )
        return cur.rowcount


def stale_handled_ids(db: sqlite_utils.Database, now: float | None = None) -> list[int]:
    """Events whose state was saved but whose process stopped before delivering the replies."""
    now = time.time() if now is None else now
    return [
        r[0]
        for r in db.execute(
            "SELECT id FROM inbox WHERE status = 'handled' AND (locked_until IS NULL OR locked_until < ?) ORDER BY id",
            (now,),
        )
    ]


def take_people_waiting(
    db: sqlite_utils.Database, received_before: float, now: float, repeat_after: float, limit: int = 100
) -> list[str]:
    """People in 1:1 chats who have waited since before `received_before` for an answer to
    a message or tap, and who are not being shown the loading animation already: their
    user ids, longest wait first.

    They wait from when the message came or from the bot's last answer to them, whichever
    is later: someone whose earlier messages are being answered one after another sees
    the answers coming, not the animation.

    The animation runs until the bot's next message to that person or until it runs out
    (`repeat_after` seconds). The bot's next message is the answer to the person's oldest
    waiting event (one chat's events are handled in order), so the mark sits on that
    event: more messages from the same person while they wait ask for nothing more, and
    once that event is answered, the next one is unmarked and may be shown again.

    One UPDATE … RETURNING marks those events as shown, so that however many processes
    look, each person is taken once. A read looks first: most of the time nobody waits,
    and an UPDATE would take the write lock even when it changes nothing.
    """
    anyone = db.execute(
        "SELECT 1 FROM inbox WHERE status IN ('pending', 'processing') AND received_at < ? LIMIT 1",
        (received_before,),
    ).fetchone()
    if anyone is None:
        return []
    return [
        row[0]
        for row in db.execute(
            _MARK_WAITING[dialect(db)],
            {"now": now, "before": received_before, "limit": limit, "repeat_after": repeat_after},
        ).fetchall()
    ]


_WAITING = """
    WHERE status IN ('pending', 'processing') AND received_at < :before
      AND event_type IN ('message', 'postback') AND mode = 'active'
      AND source_key LIKE 'user:%' AND user_id IS NOT NULL"""
_MARK_WAITING_FROM = """UPDATE inbox SET loading_at = :now
    WHERE id IN (
      SELECT oldest FROM ({oldest}) AS waiting
      WHERE (loading_at IS NULL OR loading_at <= :now - :repeat_after)
        AND NOT EXISTS (
          SELECT 1 FROM inbox answered
          WHERE answered.source_key = waiting.source_key AND answered.finished_at >= :before)
      ORDER BY oldest LIMIT :limit)
    RETURNING user_id"""
_MARK_WAITING = {
    # In SQLite, a bare column next to min() comes from the row that has the minimum:
    # loading_at is that of each person's oldest waiting event.
    "sqlite": _MARK_WAITING_FROM.format(
        oldest=f"SELECT min(id) AS oldest, loading_at, source_key FROM inbox {_WAITING} GROUP BY user_id"
    ),
    "postgresql": _MARK_WAITING_FROM.format(
        oldest=f"SELECT DISTINCT ON (user_id) id AS oldest, loading_at, source_key FROM inbox {_WAITING}"
        " ORDER BY user_id, id"
    ),
}


def chat_busy(db: sqlite_utils.Database, source_key: str) -> bool:
    """Whether the bot is still working on something one chat sent."""
    row = db.execute(
        "SELECT 1 FROM inbox WHERE source_key = ? AND status IN ('pending', 'processing', 'handled') LIMIT 1",
        (source_key,),
    ).fetchone()
    return row is not None


def erase_message_content(db: sqlite_utils.Database, message_id: str) -> int:
    """Unsend: remove the text, file names and coordinates of a message from the inbox.

    Call inside the caller's transaction.
    """
    rows = db.execute("SELECT id, payload FROM inbox WHERE message_id = ?", (message_id,)).fetchall()
    for inbox_id, payload in rows:
        event = json.loads(payload)
        message = event.get("message") or {}
        event["message"] = {"id": message.get("id"), "type": message.get("type"), "unsent": True}
        db.execute("UPDATE inbox SET payload = ? WHERE id = ?", (json.dumps(event, ensure_ascii=False), inbox_id))
    return len(rows)


def erase_chat(db: sqlite_utils.Database, source_key: str) -> int:
    """PDPA erasure: drop every stored event of one chat that is already finished."""
    cur = db.execute(
        "DELETE FROM inbox WHERE source_key = ? AND status NOT IN ('pending', 'processing', 'handled')",
        (source_key,),
    )
    return cur.rowcount


def erase_user(db: sqlite_utils.Database, user_id: str) -> int:
    """PDPA erasure across chats: what the person wrote in groups and rooms too (finished events)."""
    cur = db.execute(
        "DELETE FROM inbox WHERE user_id = ? AND status NOT IN ('pending', 'processing', 'handled')", (user_id,)
    )
    return cur.rowcount


def counts_by_status(db: sqlite_utils.Database) -> dict[str, int]:
    return {status: n for status, n in db.execute("SELECT status, count(*) FROM inbox GROUP BY status")}


def redact(db: sqlite_utils.Database, inbox_id: int) -> None:
    """Keep only the bookkeeping of an event, not what the person wrote."""
    row = db.execute("SELECT payload FROM inbox WHERE id = ?", (inbox_id,)).fetchone()
    if row is None:
        return
    event = json.loads(row[0])
    kept = {k: event.get(k) for k in ("type", "mode", "timestamp", "webhookEventId") if k in event}
    kept["redacted"] = True
    db.execute("UPDATE inbox SET payload = ? WHERE id = ?", (json.dumps(kept), inbox_id))


def count_messages(db: sqlite_utils.Database, start: float, end: float) -> int:
    """Messages people sent (message events) received in [start, end), for the dashboard."""
    return db.execute(
        "SELECT count(*) FROM inbox WHERE event_type = 'message' AND received_at >= ? AND received_at < ?",
        (start, end),
    ).fetchone()[0]


def messages_per_day(db: sqlite_utils.Database, start: float, utc_offset_seconds: int) -> dict[int, int]:
    """Message events received since start, per local day: {days since 1970-01-01 local: count}."""
    return {
        day: n
        for day, n in db.execute(
            f"SELECT {_WHOLE_DAYS[dialect(db)]} AS day, count(*) FROM inbox"
            " WHERE event_type = 'message' AND received_at >= ? GROUP BY day",
            (utc_offset_seconds, start),
        )
    }


# Whole days since 1970-01-01 (times are after it): SQLite's CAST truncates, PostgreSQL's rounds.
_WHOLE_DAYS = {
    "sqlite": "CAST((received_at + ?) / 86400 AS INTEGER)",
    "postgresql": "CAST(floor((received_at + ?) / 86400) AS bigint)",
}


def forget_redacted_sources(db: sqlite_utils.Database, since: float = 0.0) -> int:
    """Finished events whose content was redacted also lose who sent them: the bookkeeping
    of a confidential conversation (a corruption report) must not say who had it.
    `since` limits the look to events received after it (epoch seconds)."""
    return db.execute(
        "UPDATE inbox SET source_key = 'redacted', user_id = NULL, message_id = NULL "
        "WHERE received_at >= ? AND source_key != 'redacted' AND status IN ('done', 'skipped', 'failed') "
        f"AND {_REDACTED[dialect(db)]}",
        (since,),
    ).rowcount


# A row whose payload is not JSON is passed over, not an error for all.
_REDACTED = {
    "sqlite": "CASE WHEN json_valid(payload) THEN json_extract(payload, '$.redacted') END = 1",
    "postgresql": "json_text(payload, 'redacted') = 'true'",  # db/postgres_schema.py
}
