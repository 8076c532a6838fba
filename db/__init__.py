"""SQLite storage: connections, transactions and versioned migrations (PostgreSQL, for
hosted installs of many SAOs, is in db/postgres.py; the storage modules serve both).

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
WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024


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
    # The WAL keeps old page images (erased words too) until overwritten; cap the file so a
    # checkpoint that restarts it cuts it back instead of leaving a long tail of old frames.
    conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES}")
    if not autocheckpoint:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    return sqlite_utils.Database(conn)


# Errors that mean the connection went bad, not the statement: a connection SQLite opened
# while the file was read-only stays read-only after the file is writable again, and one that
# saw an I/O error may keep failing. Such a connection is closed and opened again.
_REOPEN_ERRORS = ("SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_CORRUPT")


def _psycopg(exc: BaseException):
    """psycopg, if exc is one of its errors (db/postgres.py's connections); else None. psycopg is
    imported only by an install on PostgreSQL: an error of a module named psycopg says it is."""
    if not type(exc).__module__.startswith("psycopg"):
        return None
    import psycopg

    return psycopg


def needs_reopen(exc: BaseException) -> bool:
    psycopg = _psycopg(exc)
    if psycopg is not None:
        return isinstance(exc, psycopg.OperationalError)  # the server closed it or went away
    return isinstance(exc, sqlite3.Error) and str(getattr(exc, "sqlite_errorname", "")).startswith(_REOPEN_ERRORS)


def is_storage_error(exc: BaseException) -> bool:
    """An error of the database, on either engine (not of the code using it)."""
    psycopg = _psycopg(exc)
    return isinstance(exc, psycopg.Error) if psycopg is not None else isinstance(exc, sqlite3.Error)


def write_probe(db: sqlite_utils.Database) -> None:
    """Raise unless this connection can write: an insert that is rolled back, so nothing changes."""
    probe = "INSERT INTO feedback_rate_events (key, at) VALUES ('healthz', 0)"
    if dialect(db) == "postgresql":
        with db.begin(force_rollback=True):
            db.execute(probe)
        return
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(probe)
    finally:
        conn.execute("ROLLBACK")


def checkpoint(db: sqlite_utils.Database) -> None:
    """Copy the WAL into the database file, without waiting for readers or writers.
    (PostgreSQL's server does its own checkpoints.)"""
    if dialect(db) == "sqlite":
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def truncate_wal(db: sqlite_utils.Database) -> bool:
    """Copy the WAL into the database and empty the file: after an erasure (and nightly), so
    no copy of var/ carries erased words in old WAL frames. False when a reader or writer was
    in the way (the file is then not emptied): try again later.

    PostgreSQL keeps no file of ours: its server recycles its WAL and autovacuum reclaims
    erased rows (deploy/ sets how long its archive, if any, is kept)."""
    if dialect(db) == "postgresql":
        return True
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


class ConnectionPool:
    """One connection per thread for one database file, or through `opener` for another
    database (pool_for: one SAO's PostgreSQL schema)."""

    def __init__(self, path: str | Path | None = None, autocheckpoint: bool = True, opener=None):
        self.path = Path(path) if path is not None else None
        self.autocheckpoint = autocheckpoint
        self._open = opener or (lambda: connect(self.path, self.autocheckpoint))
        self._local = threading.local()

    def get(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None or getattr(db.conn, "closed", False):  # closed: a shared PostgreSQL one, after an error
            db = self._open()
            self._local.db = db
        return db

    def discard(self) -> None:
        """Close this thread's connection (after an error needs_reopen() names); the next get() opens anew."""
        db = getattr(self._local, "db", None)
        self._local.db = None
        if db is not None:
            try:
                db.close()
            except Exception as exc:  # it is being thrown away: only the database's own errors are expected
                if not is_storage_error(exc):
                    raise

    def discard_after(self, exc: BaseException) -> bool:
        if needs_reopen(exc):
            self.discard()
            return True
        return False


def dialect(db) -> str:
    """"sqlite", or "postgresql" for a db.postgres.PostgresDatabase: for the few statements
    whose SQL differs between the engines."""
    return getattr(db, "dialect", "sqlite")


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
    if dialect(db) == "postgresql":
        # PostgreSQL locks rows, not the database: nothing to take up front or poll for.
        with db.begin():
            yield db
        return
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


def is_postgres_url(database_url: str) -> bool:
    return database_url.startswith(("postgresql://", "postgres://"))


def pool_for(database_path: str | Path, database_url: str = "", tenant: str = "", autocheckpoint: bool = True):
    """One connection per thread to the configured database (see open_storage)."""
    if is_postgres_url(database_url):
        tenant = _required(tenant)
        from db import postgres

        # Connections shared by the SAOs a thread serves: a hosted install's threads serve many.
        return ConnectionPool(opener=lambda: postgres.thread_database(database_url, tenant))
    return ConnectionPool(database_path, autocheckpoint)


def connect_storage(database_path: str | Path, database_url: str = "", tenant: str = "", **sqlite_options):
    """One more connection to the configured database, without migrating (see open_storage)."""
    if is_postgres_url(database_url):
        from db import postgres

        return postgres.connect(database_url, _required(tenant))
    return connect(database_path, **sqlite_options)


def _required(tenant: str) -> str:
    if not tenant:
        raise ValueError("DATABASE_URL is PostgreSQL: SAO_TENANT must name the SAO (its slug)")
    return tenant


def open_storage(database_path: str | Path, database_url: str = "", tenant: str = ""):
    """The configured database, brought up to date: the SQLite file at database_path, or with
    a postgresql:// database_url the schema of the SAO `tenant` there (db/postgres.py)."""
    if not is_postgres_url(database_url):
        return open_database(database_path)
    from db import postgres_schema

    db = connect_storage(database_path, database_url, tenant)
    try:
        postgres_schema.migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def open_for(settings) -> sqlite_utils.Database:
    """open_storage() for what a Settings (bot/config.py) names: DATABASE_PATH, or DATABASE_URL and SAO_TENANT."""
    return open_storage(settings.database_path, settings.database_url, settings.tenant)
