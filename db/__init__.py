"""SQLite storage: connections, transactions and versioned migrations.

Every process opens its own connections (one per thread) to one SQLite file in WAL mode,
so the web workers, the inbox worker threads and the clock process can share it.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path, autocheckpoint: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite_utils.Database:
    """Open the database with the pragmas every connection needs.

    autocheckpoint=False leaves copying the WAL into the database file to checkpoint(),
    called from a background thread: an automatic checkpoint runs inside whichever
    commit crosses the threshold and took a webhook's INSERT from 0.8 ms to 4.5 ms at worst.
    """
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE) so that
    # writers queue on the busy timeout instead of failing on lock upgrades.
    conn = sqlite3.connect(
        str(path), timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
    )
    # Setting up waits for locks like any connection (journal_mode needs one briefly, and a
    # busy machine may hold it); a caller's shorter busy timeout applies to its own statements.
    conn.execute(f"PRAGMA busy_timeout = {max(busy_timeout_ms, BUSY_TIMEOUT_MS)}")
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL is durable against process crashes in WAL mode (a power cut may lose the last commit).
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are overwritten, not left in free pages: PDPA erasure really erases
    # (a citizen's photos and words) and a copy of the file does not bring them back.
    conn.execute("PRAGMA secure_delete = ON")
    if not autocheckpoint:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    return sqlite_utils.Database(conn)


def checkpoint(db: sqlite_utils.Database) -> None:
    """Copy the WAL into the database file, without waiting for readers or writers."""
    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class ConnectionPool:
    """One connection per thread for one database file."""

    def __init__(self, path: str | Path, autocheckpoint: bool = True):
        self.path = Path(path)
        self.autocheckpoint = autocheckpoint
        self._local = threading.local()

    def get(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path, self.autocheckpoint)
            self._local.db = db
        return db


@contextmanager
def transaction(db: sqlite_utils.Database, poll_for_lock: bool = False) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    poll_for_lock=True, for a connection opened with busy_timeout_ms=0, tries for the lock
    every fraction of a millisecond instead of leaving the wait to SQLite's busy handler,
    which sleeps 1, 2, 5, 10 … ms between tries although another process's commit
    releases the lock again within a fraction of a millisecond.

    Only the webhook's inbox writer polls. The other writers (event handling, the clock)
    wait in SQLite's sleeping handler and so leave the lock to the webhook's answer, which
    LINE is waiting for: with every connection polling, the webhook's p99 at 300 events/s
    went from 53 to 109 ms in one benchmark run, and handling got no faster.
    """
    conn = db.conn
    if poll_for_lock:
        _begin_immediate_polling(conn)
    else:
        conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def _begin_immediate_polling(conn: sqlite3.Connection) -> None:
    execute_polling(conn, "BEGIN IMMEDIATE")


def execute_polling(conn: sqlite3.Connection, sql: str, params: Sequence = ()) -> sqlite3.Cursor:
    """Run one statement on a busy_timeout_ms=0 connection, trying again every fraction of a
    millisecond while the database is locked (see transaction()).

    Outside a transaction, one statement is its own transaction: a try that met the lock
    wrote nothing, so trying again is safe.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.0001
    while True:
        try:
            return conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.002)


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Connect and bring the schema up to date."""
    from db.migrations import migrate

    db = connect(path)
    migrate(db)
    return db
