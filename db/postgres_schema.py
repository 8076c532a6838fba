"""The PostgreSQL schema of one SAO, in versions, like db/migrations.py is SQLite's.

Each version is one file in db/postgres_versions/, `NNNN_name.sql`, whose first line is a
comment that says what it adds. The tables have SQLite's shape after all of its migrations,
so that the storage modules' SQL runs on both: INTEGER PRIMARY KEY AUTOINCREMENT becomes an
identity column (ids are never reused either), REAL double precision, INTEGER bigint. Keys
compared by range (conversations' "<chat>/…" keys) use the C collation, as SQLite compares bytes.

The port goes module by module (docs/developer-guide.md, "Storage on two engines"): a module
whose tables are not in a version here does not run on PostgreSQL yet.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

VERSIONS_DIR = Path(__file__).with_name("postgres_versions")
_VERSION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def _versions(folder: Path = VERSIONS_DIR) -> list[tuple[int, str, str]]:
    """(version, what it adds, its SQL), in order; the numbers must run 1, 2, 3 … without a gap."""
    found = []
    for path in sorted(folder.iterdir()):
        match = _VERSION_FILE.match(path.name)
        if not match:
            continue
        script = path.read_text(encoding="utf-8")
        description = script.splitlines()[0].removeprefix("--").strip()
        found.append((int(match.group(1)), description, script))
    numbers = [version for version, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"PostgreSQL schema versions must be 1, 2, 3 … without gaps: {numbers}")
    return found


MIGRATIONS: list[tuple[int, str, str]] = _versions()


def current_version(db) -> int:
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(db) -> list[int]:
    """Apply every version newer than this SAO's schema; return the versions applied.

    PostgreSQL's DDL is transactional: a version is applied whole or not at all, and the
    lock on schema_migrations makes a second process wait and then find it done.
    """
    from db import transaction

    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    applied = []
    for version, description, script in MIGRATIONS:
        with transaction(db):
            db.execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            if current_version(db) >= version:
                continue
            log.info("migrating PostgreSQL schema of %s to version %s: %s", db.tenant, version, description)
            db.execute(script)
            db.execute("INSERT INTO schema_migrations (version, description) VALUES (?, ?)", (version, description))
        applied.append(version)
    return applied
