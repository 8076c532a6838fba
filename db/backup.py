"""Online backup and restore of the SQLite database (python -m db backup|restore, the clock's
nightly `backup` job, python -m bot restore).

A backup is a consistent copy taken while the bot runs: SQLite's backup API copies the
database as of one read transaction (in WAL mode readers never block the webhook's
writes), then the copy is checked with PRAGMA integrity_check; a copy that fails the check
is deleted.

Nightly (`nightly`): <backups>/sao-bot-YYYY-MM-DD.sqlite3, keeping the 14 newest daily copies and
8 weekly ones (per ISO week the Sunday copy, or the week's first when there is none), and
optionally a copy elsewhere (BACKUP_COPY_TO: a folder, or rclone:<remote:path>).

A backup also carries the content edited in the console (the real files of DATA_DIR/content;
its links are the shipped defaults, which come with the code): in the copy's table
backup_edited_content, so one file restores both, and python -m bot restore puts them back.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sqlite3
import time
from datetime import date
from pathlib import Path

from db import BUSY_TIMEOUT_MS, connect

log = logging.getLogger(__name__)
KEEP_DAILY = 14
KEEP_WEEKLY = 8
NIGHTLY_NAME = re.compile(r"^sao-bot-(\d{4}-\d{2}-\d{2})\.sqlite3$")
EDITED_TABLE = "backup_edited_content"  # only in backup files: restore() drops it from the database


def edited_paths(folder: Path) -> list[str]:
    """The edited content of a content folder over the defaults (bot/content/overlay.py): its
    regular files, hidden ones aside (links are the defaults); sorted relative paths."""
    folder = Path(folder)
    out = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        relative = path.relative_to(folder)
        if path.is_file() and not path.is_symlink() and not any(part.startswith(".") for part in relative.parts):
            out.append(relative.as_posix())
    return out


# Which default each edit started from, written by bot/content/overlay.py beside the edits: it
# travels with them, or after a restore doctor would compare the edits with the wrong defaults.
EDIT_BASES = ".edited-from.json"


def edited_files(folder: Path) -> dict[str, bytes]:
    """The edited content with what each file holds, by relative path, and the note of their
    defaults (EDIT_BASES) when there is one."""
    folder = Path(folder)
    files = {relative: (folder / relative).read_bytes() for relative in edited_paths(folder)}
    if (folder / EDIT_BASES).is_file():
        files[EDIT_BASES] = (folder / EDIT_BASES).read_bytes()
    return files


def _store_edited(copy: sqlite3.Connection, content: Path) -> int:
    files = edited_files(content)
    copy.execute(f"DROP TABLE IF EXISTS {EDITED_TABLE}")
    copy.execute(f"CREATE TABLE {EDITED_TABLE} (path TEXT PRIMARY KEY, data BLOB NOT NULL)")
    copy.executemany(f"INSERT INTO {EDITED_TABLE} VALUES (?, ?)", files.items())
    copy.commit()
    return len(files.keys() - {EDIT_BASES})


def edited_in_backup(backup_file: Path) -> dict[str, bytes] | None:
    """The edited content a backup carries; None for a backup made without it."""
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        if not source.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (EDITED_TABLE,)).fetchone():
            return None
        return {path: bytes(data) for path, data in source.execute(f"SELECT path, data FROM {EDITED_TABLE}")}
    finally:
        source.close()


class BackupError(RuntimeError):
    pass


def _check(conn: sqlite3.Connection, what: str) -> int:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} is damaged: {result}")
    return conn.execute("PRAGMA user_version").fetchone()[0]


def backup(database: Path, target: Path, content: Path | None = None) -> dict:
    """Copy the live database to `target` (a new file), with the edited files of `content` when
    given; return what was copied."""
    database, target = Path(database), Path(target)
    if not database.exists():
        raise BackupError(f"{database}: no database there")

    def copy_into(partial: Path) -> None:
        # A plain connection: only read, and never turning a database that is not in WAL mode (the
        # hosted install's registry, whose file's time tells the web of a new tenant) into one.
        source = sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # pages=-1: the whole database in one step, one consistent snapshot
        finally:
            copy.close()
            source.close()

    return _made(target, content, copy_into)


def backup_postgres(db, target: Path, content: Path | None = None) -> dict:
    """backup()'s file, made from an SAO's schema on PostgreSQL `db` (db/engine_copy.py): the
    same SQLite file, which `restore` and `tenant import` take on either engine."""
    import psycopg

    from db.engine_copy import CopyError, to_sqlite

    def copy_into(partial: Path) -> None:
        try:
            to_sqlite(db, partial)
        except CopyError as exc:
            raise BackupError(str(exc)) from None
        except psycopg.Error as exc:
            raise BackupError(f"PostgreSQL: {exc}") from exc

    return _made(Path(target), content, copy_into)


def _made(target: Path, content: Path | None, copy_into) -> dict:
    """A backup file made by copy_into(partial), checked, with the edited content, then renamed
    into place: a copy that failed (or failed its check) is never left behind."""
    if target.exists():
        raise BackupError(f"{target}: already exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        copy_into(partial)
        copy = sqlite3.connect(partial)
        try:
            # A single file, readable without its -wal: the copy is self-contained.
            copy.execute("PRAGMA journal_mode = DELETE")
            edited = _store_edited(copy, content) if content is not None else None
            version = _check(copy, str(partial))
            has_inbox = copy.execute("SELECT 1 FROM sqlite_master WHERE name = 'inbox'").fetchone()
            events = copy.execute("SELECT count(*) FROM inbox").fetchone()[0] if has_inbox else None
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    done = {"file": str(target), "schema_version": version, "events": events, "bytes": target.stat().st_size}
    if edited is not None:
        done["edited_files"] = edited
    return done


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
            target.conn.execute(f"DROP TABLE IF EXISTS {EDITED_TABLE}")  # the files go back to their folder
            _check(target.conn, str(database))
        finally:
            target.close()
    finally:
        source.close()
    return {"database": str(database), "schema_version": version, "migrated": applied}


# --- nightly, by the clock ----------------------------------------------------------------------


def nightly_name(day: date) -> str:
    return f"sao-bot-{day.isoformat()}.sqlite3"


def to_keep(days: list[date]) -> set[date]:
    """Of the nightly copies' days: the 14 newest, and the 8 newest weekly ones (per ISO week
    the Sunday copy, or the week's first when there is none)."""
    weeks: dict[tuple[int, int], date] = {}
    for day in sorted(days):
        week = day.isocalendar()[:2]
        if week not in weeks or day.isoweekday() == 7:
            weeks[week] = day
    weekly = sorted(weeks.values())[-KEEP_WEEKLY:]
    return set(sorted(days)[-KEEP_DAILY:]) | set(weekly)


def prune(directory: Path) -> list[Path]:
    """Delete the nightly copies `to_keep` does not keep; other files are left alone."""
    copies = {}
    for path in Path(directory).glob("sao-bot-*.sqlite3"):
        match = NIGHTLY_NAME.match(path.name)
        if match:
            copies[date.fromisoformat(match.group(1))] = path
    keep = to_keep(list(copies))
    removed = [path for day, path in sorted(copies.items()) if day not in keep]
    for path in removed:
        path.unlink()
    return removed


def copy_elsewhere(file: Path, destination: str) -> str | None:
    """BACKUP_COPY_TO: a folder (the file is copied into it) or rclone:<remote:path> (rclone copyto).
    Returns where it went, or None (logged) when it could not."""
    if not destination:
        return None
    if destination.startswith("rclone:"):
        remote = destination[len("rclone:"):].rstrip("/")
        rclone = shutil.which("rclone")
        if rclone is None:
            log.warning("backup: rclone is not installed; %s was not copied to %s", file.name, remote)
            return None
        target = f"{remote}/{file.name}"
        done = subprocess.run([rclone, "copyto", str(file), target], capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            log.error("backup: rclone copyto %s failed: %s", target, done.stderr.strip()[-500:])
            return None
        return target
    folder = Path(destination)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / (file.name + ".partial")
        shutil.copyfile(file, partial)
        partial.replace(folder / file.name)
    except OSError as exc:
        log.error("backup: copying %s to %s failed: %s", file.name, folder, exc)
        return None
    return str(folder / file.name)


def nightly(database, directory: Path, day: date, copy_to: str = "", content: Path | None = None, make=None) -> dict:
    """The clock's `backup` job: today's copy (once a day), checked, pruned, copied elsewhere.
    `database`: the SQLite file's path, or an SAO's connection on PostgreSQL (backup_postgres);
    or anything else `make(database, target, content)` copies into a new file."""
    make = make or (backup if isinstance(database, (str, Path)) else backup_postgres)
    directory = Path(directory)
    target = directory / nightly_name(day)
    result: dict = {"file": str(target)}
    if target.exists():
        result["skipped"] = "already made today"
    else:
        try:
            result.update(make(database, target, content))
        except (BackupError, sqlite3.DatabaseError, OSError) as exc:
            log.error("backup: %s failed and was not kept: %s", target, exc)
            return {"file": None, "error": str(exc)}
    result["removed"] = [p.name for p in prune(directory)]
    result["copied_to"] = copy_elsewhere(target, copy_to)
    log.info("backup: %s", result)
    return result


# --- python -m bot restore --------------------------------------------------------------------------


def in_use(database: Path) -> bool:
    """Whether another process has the database open: the web app always does (its connection
    pool); the clock only while one of its jobs runs. In WAL mode an open connection keeps a
    shared lock, so an exclusive lock is refused."""
    if not Path(database).exists():
        return False
    probe = sqlite3.connect(database, timeout=0.2, isolation_level=None)
    try:
        probe.execute("PRAGMA locking_mode = EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def restore_keeping_current(backup_file: Path, database: Path, force: bool = False, content: Path | None = None) -> dict:
    """python -m bot restore: check the backup, refuse while another process has the database open
    (unless force), keep the current database aside as <name>.before-restore-<time>.sqlite3 (a
    consistent copy with today's edited content, never deleted), then put the backup's data in
    place (`restore`), and its edited content into `content` when given (restore_edited)."""
    backup_file, database = Path(backup_file), Path(database)
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such file")
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _check(source, str(backup_file))
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup_file} is not a usable SQLite database: {exc}") from None
    finally:
        source.close()
    if not force and in_use(database):
        raise BackupError(
            f"{database} is open in another process (web or clock): stop them first, or use --force "
            "(safe for the database, but a running app keeps what it has in memory)"
        )
    aside = None
    if database.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = database.with_name(f"{database.stem}.before-restore-{stamp}{database.suffix}")
        try:
            backup(database, aside, content)
        except (BackupError, sqlite3.DatabaseError) as exc:  # a damaged database: moved aside as it is
            log.warning("restore: %s could not be copied (%s); moving its files aside", database, exc)
            for suffix in ("", "-wal", "-shm"):
                old = Path(f"{database}{suffix}")
                if old.exists():
                    old.rename(f"{aside}{suffix}")
    edited = edited_in_backup(backup_file) if content is not None else None
    done = restore(backup_file, database)
    done["kept_aside"] = str(aside) if aside else None
    if edited is not None:
        done["edited_files"] = restore_edited(edited, Path(content))
    return done


def restore_edited(files: dict[str, bytes], content: Path) -> int:
    """Make the folder's edited files those of the backup: each written in place (over a link to
    the default), and an edit made since the backup removed, so its default comes back (the
    overlay links it at the next start). The edits replaced are in the database kept aside."""
    for relative in [*edited_paths(content), EDIT_BASES]:
        if relative not in files:
            (content / relative).unlink(missing_ok=True)
    for relative, data in files.items():
        parts = Path(relative).parts
        if not parts or Path(relative).is_absolute() or ".." in parts:
            raise BackupError(f"{relative}: outside the content folder")
        path = content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.restore")
        tmp.write_bytes(data)
        tmp.replace(path)
    return len(files.keys() - {EDIT_BASES})


def restore_postgres(backup_file: Path, db, aside_dir: Path, content: Path | None = None) -> dict:
    """python -m bot restore for an SAO on PostgreSQL: the backup (from either engine) brought up
    to this version's schema in a scratch copy, today's data kept aside in `aside_dir` as a
    backup file (never deleted), then every table's rows replaced by the backup's in one
    transaction, and its edited content put back into `content` when given."""
    import tempfile

    import psycopg

    from db.engine_copy import CopyError, from_sqlite

    backup_file = Path(backup_file)
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such file")
    with tempfile.TemporaryDirectory() as scratch:
        try:
            done = restore(backup_file, Path(scratch) / "restored.sqlite3")  # checked and migrated
            edited = edited_in_backup(backup_file) if content is not None else None
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{backup_file} is not a usable SQLite database: {exc}") from None
        aside = Path(aside_dir) / f"before-restore-{time.strftime('%Y%m%d-%H%M%S')}.sqlite3"
        backup_postgres(db, aside, content)
        try:
            from_sqlite(Path(scratch) / "restored.sqlite3", db, replace=True)
        except CopyError as exc:
            raise BackupError(str(exc)) from None
        except psycopg.Error as exc:
            raise BackupError(f"PostgreSQL: {exc}") from exc
    done.update(database=f"PostgreSQL {db.tenant}", kept_aside=str(aside))
    if edited is not None:
        done["edited_files"] = restore_edited(edited, Path(content))
    return done
