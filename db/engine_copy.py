"""One SAO's rows copied between the two engines, through a SQLite file.

    to_sqlite(pg_db, path)       # a new SQLite file at this version's schema, with every row
    from_sqlite(path, pg_db)     # a SQLite file (an export, a single install's database) into an empty schema

A SQLite file is the one format an SAO's data travels in, whichever engine keeps it: a hosted
install on PostgreSQL exports an SAO to the same zip as one on SQLite (bot/hosting/cli.py), and
either imports the other's. The two schemas have the same tables and columns (a test checks
it), so a copy is table by table, parents before the tables that refer to them. What each
engine derives itself is not copied: the ticket search index (both fill it by trigger), and
the schema's own bookkeeping.

Ids are kept, and so is where each table's ids go on: an id never used again on one engine is
not used again on the other (SQLite's sqlite_sequence, PostgreSQL's identity sequence).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

# Filled by each engine's triggers from the tickets; and each engine's schema versions.
DERIVED = {"ticket_search", "schema_migrations"}
# The SAO's content edits, which PostgreSQL shares between machines (bot/content/stored.py): a
# SQLite file carries them as files (db/backup.py's edited content), and a machine's next sync
# stores the files put back.
POSTGRES_ONLY = {"content_edits", "content_edits_version"}
BATCH = 1000


class CopyError(RuntimeError):
    """A copy that cannot be made: the message says why."""


def _postgres_tables(db) -> dict[str, list[str]]:
    """The SAO's tables on PostgreSQL and their columns, in order."""
    rows = db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position").fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        if table not in DERIVED | POSTGRES_ONLY:
            tables.setdefault(table, []).append(column)
    return tables


def _sqlite_tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The SAO's tables in a SQLite file and their columns: not SQLite's own, nor a full-text
    index and its shadow tables, nor the edited content a backup carries (db/backup.py)."""
    from db.backup import EDITED_TABLE

    listed = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    virtual = [name for name, sql in listed if (sql or "").upper().startswith("CREATE VIRTUAL")]
    names = [name for name, _ in listed if not name.startswith("sqlite_") and name not in DERIVED
             and name != EDITED_TABLE and not any(name == v or name.startswith(f"{v}_") for v in virtual)]
    return {name: [row[1] for row in conn.execute(f'PRAGMA table_info("{name}")')] for name in names}


def _parents_first(db, tables: list[str]) -> list[str]:
    """The tables ordered so that each comes after those its foreign keys refer to."""
    refers = {table: set() for table in tables}
    for child, parent in db.execute(
            "SELECT c.relname, p.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
            " JOIN pg_class p ON p.oid = k.confrelid WHERE k.contype = 'f'"
            " AND k.connamespace = current_schema()::regnamespace").fetchall():
        if child in refers and parent in refers and parent != child:
            refers[child].add(parent)
    ordered, done = [], set()
    while len(ordered) < len(tables):
        ready = sorted(t for t in tables if t not in done and refers[t] <= done)
        if not ready:
            raise CopyError(f"foreign keys in a circle among {sorted(set(tables) - done)}")
        ordered += ready
        done.update(ready)
    return ordered


def _common(postgres: dict[str, list[str]], sqlite: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each table's columns as both engines have them; a table or column only one has is refused:
    copying less than everything would lose an SAO's data without a word."""
    only = sorted(set(postgres) ^ set(sqlite))
    missing = sorted(f"{t}.{c}" for t in set(postgres) & set(sqlite) for c in set(postgres[t]) ^ set(sqlite[t]))
    if only or missing:
        raise CopyError(f"the two schemas differ: tables {only}, columns {missing}")
    return {table: postgres[table] for table in postgres}


def _identities(db) -> dict[str, str]:
    """Each table's identity column (its id), on PostgreSQL."""
    return dict(db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'").fetchall())


def _quoted(names: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _newest_sqlite(path: Path) -> None:
    from db import connect
    from db.migrations import MIGRATIONS, current_version

    conn = connect(path)
    try:
        if current_version(conn) != MIGRATIONS[-1][0]:
            raise CopyError(f"{path}: schema {current_version(conn)}, not this version's {MIGRATIONS[-1][0]}: "
                            "bring it up to date first (db.backup.restore)")
    finally:
        conn.close()


def _newest_postgres(db) -> None:
    from db.postgres_schema import MIGRATIONS, current_version

    if current_version(db) != MIGRATIONS[-1][0]:
        raise CopyError(f"the schema of {db.tenant} is at version {current_version(db)}, not this version's "
                        f"{MIGRATIONS[-1][0]}: bring it up to date first (start the app, or init-db)")


def to_sqlite(db, target: Path) -> dict:
    """Copy every row of the SAO `db` (PostgreSQL) into a new SQLite file `target`, made with
    this version's schema: one consistent snapshot, taken while the SAO keeps working."""
    from db import open_database

    target = Path(target)
    if target.exists():
        raise CopyError(f"{target}: already exists; choose a new file name")
    _newest_postgres(db)
    out = open_database(target)  # this version's schema, migrated
    rows = 0
    try:
        conn = out.conn
        tables = _common(_postgres_tables(db), _sqlite_tables(conn))
        identities = _identities(db)
        conn.execute("BEGIN")
        with db.begin():
            # Every table as of one moment: a reply written meanwhile is in all of them or none.
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for table in _parents_first(db, list(tables)):
                columns = tables[table]
                insert = f'INSERT INTO "{table}" ({_quoted(columns)}) VALUES ({", ".join("?" * len(columns))})'
                with db.conn.cursor(name=f"copy_{table}") as cursor:  # server side: a big inbox is not held whole
                    cursor.execute(f'SELECT {_quoted(columns)} FROM "{table}"')
                    while batch := cursor.fetchmany(BATCH):
                        conn.executemany(insert, batch)
                        rows += len(batch)
                if table in identities:  # ids PostgreSQL gave out, even of rows gone since, stay used
                    sequence = _sequence(db, table, identities[table])
                    used = db.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}").fetchone()[0]
                    if not conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (used, table)).rowcount \
                            and used:
                        conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, used))
        conn.execute("COMMIT")
    except BaseException:
        out.close()
        target.unlink(missing_ok=True)
        for leftover in (f"{target}-wal", f"{target}-shm"):
            Path(leftover).unlink(missing_ok=True)
        raise
    out.close()
    return {"tables": len(tables), "rows": rows}


def _sequence(db, table: str, column: str) -> str:
    return db.execute("SELECT pg_get_serial_sequence(?, ?)", (f'"{table}"', column)).fetchone()[0]


def from_sqlite(source: Path, db, replace: bool = False) -> dict:
    """Copy every row of a SQLite file at this version's schema into the SAO `db` (PostgreSQL),
    whose tables must be empty, or are emptied first with replace=True (a restore): all of it
    in one transaction, so a failure leaves them as they were."""
    source = Path(source)
    _newest_sqlite(source)
    _newest_postgres(db)
    conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    rows = 0
    try:
        tables = _common(_postgres_tables(db), _sqlite_tables(conn))
        identities = _identities(db)
        sequences = dict(conn.execute("SELECT name, seq FROM sqlite_sequence"))
        with db.begin():
            if replace:  # identities restart: setval below puts them after the backup's
                db.execute(f"TRUNCATE {_quoted(list(tables))} RESTART IDENTITY CASCADE")
            for table in _parents_first(db, list(tables)):
                if db.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:
                    raise CopyError(f"{db.tenant} already has data ({table}): an SAO is copied only into an empty schema")
                columns = tables[table]
                with db.conn.cursor().copy(f'COPY "{table}" ({_quoted(columns)}) FROM STDIN') as copy:
                    for row in conn.execute(f'SELECT {_quoted(columns)} FROM "{table}"'):
                        copy.write_row(row)
                        rows += 1
                if table in identities:
                    column = identities[table]
                    # The next id follows the highest ever given out, as SQLite's AUTOINCREMENT had it.
                    highest = max(sequences.get(table, 0),
                                  db.execute(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"').fetchone()[0])
                    db.execute("SELECT setval(?, ?, ?)", (_sequence(db, table, column), max(highest, 1), highest > 0))
    finally:
        conn.close()
    return {"tables": len(tables), "rows": rows}
