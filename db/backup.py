"""Online backup and restore of the SQLite database (python -m db backup|restore).

A backup is a consistent copy taken while the bot runs: SQLite's backup API copies the
database as of one read transaction (in WAL mode readers never block the webhook's
writes), then the copy is checked with PRAGMA integrity_check.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from db import BUSY_TIMEOUT_MS, connect


class BackupError(RuntimeError):
    pass


def _check(conn: sqlite3.Connection, what: str) -> int:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} is damaged: {result}")
    return conn.execute("PRAGMA user_version").fetchone()[0]


def backup(database: Path, target: Path) -> dict:
    """Copy the live database to `target` (a new file); return what was copied."""
    database, target = Path(database), Path(target)
    if not database.exists():
        raise BackupError(f"{database}: no database there")
    if target.exists():
        raise BackupError(f"{target}: already exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = connect(database).conn
    partial = target.with_name(target.name + ".partial")
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # pages=-1: the whole database in one step, one consistent snapshot
        # A single file, readable without its -wal: the copy is self-contained.
        copy.execute("PRAGMA journal_mode = DELETE")
        version = _check(copy, str(partial))
        events = copy.execute("SELECT count(*) FROM inbox").fetchone()[0]
    finally:
        copy.close()
        source.close()
    partial.rename(target)
    return {"file": str(target), "schema_version": version, "events": events, "bytes": target.stat().st_size}


def restore(backup_file: Path, database: Path) -> dict:
    """Replace the database's content with a backup's. Stop the web and clock processes first."""
    from db.migrations import MIGRATIONS, migrate

    backup_file, database = Path(backup_file), Path(database)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        version = _check(source, str(backup_file))
        newest = MIGRATIONS[-1][0]
        if version > newest:
            raise BackupError(f"{backup_file} comes from a newer version of the bot (schema {version} > {newest})")
        target = connect(database)
        try:
            target.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            source.backup(target.conn)  # overwrites every page, in one transaction
            applied = migrate(target)  # an older backup is brought up to today's schema
            _check(target.conn, str(database))
        finally:
            target.close()
    finally:
        source.close()
    return {"database": str(database), "schema_version": version, "migrated": applied}
