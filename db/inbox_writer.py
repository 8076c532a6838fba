"""The webhook's writer: every request thread's events stored in as few commits as possible.

See InboxWriter; the inbox itself (claims, states, erasure) is db/inbox.py.
"""
from __future__ import annotations

import os
import threading
import time
from collections import Counter
from typing import Callable

import sqlite_utils

from db import dialect, execute_polling, needs_reopen, transaction
from db.inbox import ROWS_PER_STATEMENT, _insert_rows, _values


class InboxWriter:
    """Stores webhook events for all request threads of a process, one commit per batch.

    A commit costs far more than an insert (one event alone: about 90 µs of CPU; in
    batches: about 30 µs an event, measured on this machine). So request threads group
    their commits: the thread that finds no commit under way becomes the leader and
    stores, in one INSERT statement, its own rows and whatever other requests have
    queued meanwhile; when it is done it wakes them, and hands the lead to the first of those
    that queued during its commit. A quiet webhook thus commits inline, with no thread
    switch (a dedicated writer thread cost about 150 µs of CPU a request in the
    hand-over alone), and a busy one commits in batches. A request still answers only
    after its own events are durably stored, all or none; a failed transaction fails
    every request of its batch (LINE redelivers).
    """

    def __init__(self, connect: Callable[[], sqlite_utils.Database], max_batch: int = 500, per_thread: bool = False):
        # per_thread: `connect` gives the calling thread's own connection (a ConnectionPool's
        # get, on PostgreSQL, where a hosted install's SAOs share their threads' connections):
        # asked each time, as the thread that leads a batch changes.
        self._connect = connect
        self._per_thread = per_thread
        self._max_batch = max_batch
        self._lock = threading.Lock()  # guards _pending and _leader
        self._pending: list[_Pending] = []
        self._leader = False
        self._db: sqlite_utils.Database | None = None
        self._pid = None
        # (when, error) of the last failed commit, cleared by the next success: for /healthz.
        self.last_failure: tuple[float, str] | None = None

    def store(self, rows: list[dict], timeout: float | None = None) -> int:
        """Store one request's events; return how many were new. Raises on failure.

        The default timeout outlasts SQLite's busy timeout, so a locked database shows
        as its own error rather than as a timeout. If a request times out and its batch
        commits later, LINE's redelivery of it is ignored as a repeat: nothing doubles.
        """
        from db import BUSY_TIMEOUT_MS

        deadline = time.monotonic() + (BUSY_TIMEOUT_MS / 1000 + 5 if timeout is None else timeout)
        item = _Pending(rows)
        with self._lock:
            self._pending.append(item)
            lead = not self._leader
            self._leader = True
        while True:
            if lead:
                self._commit_next_batch()
            if not item.done.wait(max(0.0, deadline - time.monotonic())):
                with self._lock:
                    if not item.lead and item in self._pending:
                        self._pending.remove(item)  # not stored: LINE redelivers it
                        raise TimeoutError("the inbox writer did not store the events in time")
                # The lead reached us as we gave up (we must take it, or no one commits
                # again), or our batch is committing now: wait for it like any other.
                if not item.lead:
                    item.done.wait()
            if not item.lead:
                break
            item.lead, lead = False, True  # handed the lead: our rows are in the next batch
            item.done.clear()
        if item.error is not None:
            raise item.error
        return item.new

    def _commit_next_batch(self) -> None:
        with self._lock:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
        now = time.time()
        try:
            stored = Counter(self._insert([_values(row, now) for item in batch for row in item.rows], now))
            for item in batch:  # the first of two requests with the same event stored it
                item.new = 0
                for row in item.rows:
                    if stored[row["event_key"]]:
                        stored[row["event_key"]] -= 1
                        item.new += 1
        except Exception as exc:  # every waiting request must hear about it
            for item in batch:
                item.error = exc
            self.last_failure = (time.time(), f"{type(exc).__name__}: {exc}")
            if needs_reopen(exc) and self._db is not None:
                # Only the leader uses the connection: closing it here races nobody.
                db, self._db = self._db, None
                db.close()
        else:
            self.last_failure = None
        with self._lock:
            if self._pending:
                successor = self._pending[0]
                successor.lead = True
                successor.done.set()
            else:
                self._leader = False
        for item in batch:
            item.done.set()

    def _insert(self, values: list[tuple], now: float) -> list[str]:
        """Insert the rows, received at `now`; return the event keys that were new.

        A batch that fits one statement is one statement and no BEGIN or COMMIT: the
        write lock is held for one call into SQLite. Each call releases the GIL, and in
        a process where other threads want it, every further call in a transaction (or
        every row of a RETURNING clause) waits for its turn while still holding the lock
        every other writer needs. So repeats are found by reading afterwards, and only
        when the count of inserted rows says there were some (LINE's redeliveries).
        """
        db = self._connection()
        chunks = [values[i : i + ROWS_PER_STATEMENT] for i in range(0, len(values), ROWS_PER_STATEMENT)]
        if dialect(db) == "postgresql":  # it locks rows, not the database: no lock to poll for
            run = db.execute
            with transaction(db):
                inserted = sum(run(_insert_rows(len(chunk)), _flat(chunk)).rowcount for chunk in chunks)
        elif len(chunks) == 1:
            run = db.conn.execute
            inserted = execute_polling(db.conn, _insert_rows(len(values)), _flat(values)).rowcount
        else:
            run = db.conn.execute
            with transaction(db, poll_for_lock=True):
                inserted = sum(run(_insert_rows(len(chunk)), _flat(chunk)).rowcount for chunk in chunks)
        keys = [v[1] for v in values]
        if inserted == len(keys):
            return keys
        # Ours are the rows with this batch's received_at (time.time(), to the microsecond).
        distinct = sorted(set(keys))
        new = []
        for i in range(0, len(distinct), ROWS_PER_STATEMENT):
            part = distinct[i : i + ROWS_PER_STATEMENT]
            sql = f"SELECT event_key FROM inbox WHERE received_at = ? AND event_key IN ({','.join('?' * len(part))})"
            new += [key for (key,) in run(sql, (now, *part))]
        return new

    def _connection(self) -> sqlite_utils.Database:
        if self._per_thread:
            return self._connect()
        # Opened on first use and again after a fork: a connection must not cross fork().
        if self._db is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._db = self._connect()
        return self._db


def _flat(values: list[tuple]) -> list:
    return [v for row in values for v in row]


class _Pending:
    __slots__ = ("rows", "new", "error", "done", "lead")

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.new = 0
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.lead = False  # woken to commit the next batch, not because ours is stored
