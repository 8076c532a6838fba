"""An SAO's content edits shared by every machine of an install on PostgreSQL.

On SQLite the content folder is the SAO's content. On PostgreSQL the SAO's edits (the real
files over the links to the shipped defaults: overlay.py) are kept in its schema as well
(db/content_edits.py), and each machine's folder is a copy that sync() keeps in step. The
handbook store calls it when it looks for changed files (every 2 s, bot/handbook/store.py)
and right after an edit in the console:

- what this machine's folder changed since it last agreed with the database (an edit in the
  console, files put back by a restore or an import) goes to the database;
- what another machine changed since then comes into the folder; an edit removed there is
  removed here, and overlay.sync links its default again.

The last agreed state is `.stored.json` in the folder: the version and each file's hash. A
folder without it is a new machine's: it takes the database's edits, unless the database has
none yet, when its own are the first (the install's first machine, as it was before sharing).

An edit in the console runs inside editing(): one edit of the SAO's content at a time on every
machine (an advisory lock in its schema), with the folder brought into step first, so the
console's check that the file has not changed since the form was opened sees another machine's
edit of a second ago too; the edit is stored before the next one may start. Two machines
changing the same file by hand within one check: the later check wins.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from db.backup import edited_files  # the real files over the links, and the note of their defaults

log = logging.getLogger(__name__)

STATE = ".stored.json"
LOCK = ".stored.lock"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ContentShare:
    def __init__(self, open_db: Callable[[], object], folder: Path):
        self.open_db = open_db  # the SAO's schema: db.postgres.thread_database, not closed after use
        self.folder = Path(folder)

    @classmethod
    def for_settings(cls, settings) -> "ContentShare | None":
        """The share of an SAO on PostgreSQL whose folder overlays the defaults; None otherwise."""
        from db import is_postgres_url

        if not is_postgres_url(settings.database_url) or settings.default_content_dir is None:
            return None
        from db import postgres

        # A connection of its own on each thread, beside the one the SAO's data uses: a sync
        # never runs inside (nor ends) a transaction a request has open.
        url = settings.database_url + ("&" if "?" in settings.database_url else "?") + "application_name=sao-content"
        tenant = settings.tenant
        return cls(lambda: postgres.thread_database(url, tenant), settings.content_dir)

    @contextmanager
    def editing(self):
        """Hold the SAO's one edit at a time across machines, with the folder in step with the
        database while held; what was edited is stored on the way out. The lock is the
        connection's (a session's advisory lock): a machine that dies mid-edit lets it go."""
        db = self.open_db()
        (key,) = db.execute("SELECT hashtextextended(current_schema() || '/content-edit', 0)").fetchone()
        db.execute("SELECT pg_advisory_lock(?)", (key,))
        try:
            self._sync_or_raise()  # the database out of reach: the edit is refused, not made on a stale file
            yield self
            self.sync()  # out of reach now: the edit is in the folder, stored at the next check
        finally:
            db.execute("SELECT pg_advisory_unlock(?)", (key,))

    def _sync_or_raise(self) -> bool:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / LOCK, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._sync()

    def sync(self) -> bool:
        """Bring the folder and the database into step; True when the folder changed. A failure
        is logged and leaves the folder as it is: the bot goes on answering from it."""
        try:
            return self._sync_or_raise()  # the processes of one machine, one at a time (flock)
        except Exception:
            log.exception("content of %s not brought into step with the database", self.folder)
            return False

    def _sync(self) -> bool:
        from db import content_edits

        db = self.open_db()
        local = edited_files(self.folder)
        state = self._state()
        if state is None:  # this folder has never agreed with the database
            at, stored = content_edits.edits(db)
            if at == 0 and local:  # the first machine: its edits are the first stored
                self._agreed(content_edits.change(db, local), local)
                log.info("content of %s: %d edited files stored in the database", self.folder, len(local))
                return False
            changed = self._take(stored, local)
            self._agreed(at, stored)
            return changed
        agreed = state["files"]
        saved = {path: data for path, data in local.items() if agreed.get(path) != _sha(data)}
        removed = sorted(set(agreed) - set(local))
        if saved or removed:
            new = content_edits.change(db, saved, removed)
            log.info("content of %s: %d files stored, %d removed", self.folder, len(saved), len(removed))
            if new == state["version"] + 1:  # nobody else changed anything meanwhile
                files = {path: sha for path, sha in agreed.items() if path not in removed}
                files.update((path, _sha(data)) for path, data in saved.items())
                self._agreed(new, files=files)
                return False
        elif content_edits.version(db) == state["version"]:
            return False
        at, stored = content_edits.edits(db)  # another machine changed them
        changed = self._take(stored, local)
        self._agreed(at, stored)
        return changed

    def _take(self, stored: dict[str, bytes], local: dict[str, bytes]) -> bool:
        """Make the folder's edits the stored ones."""
        changed = False
        for relative, data in stored.items():
            parts = Path(relative).parts
            if not parts or Path(relative).is_absolute() or ".." in parts:
                log.error("content of %s: %r is outside the folder; left out", self.folder, relative)
                continue
            if local.get(relative) == data:
                continue
            path = self.folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.stored")
            tmp.write_bytes(data)
            os.replace(tmp, path)  # over the link to the default, or the older edit
            changed = True
        for relative in set(local) - set(stored):
            (self.folder / relative).unlink(missing_ok=True)  # overlay.sync links the default again
            changed = True
        if changed:
            log.info("content of %s: taken from the database (edited elsewhere)", self.folder)
        return changed

    def _state(self) -> dict | None:
        try:
            state = json.loads((self.folder / STATE).read_text(encoding="utf-8"))
            return state if isinstance(state.get("version"), int) and isinstance(state.get("files"), dict) else None
        except (OSError, ValueError):
            return None

    def _agreed(self, version: int, stored: dict[str, bytes] | None = None, files: dict[str, str] | None = None) -> None:
        if files is None:
            files = {path: _sha(data) for path, data in (stored or {}).items()}
        tmp = self.folder / f"{STATE}.{secrets.token_hex(4)}.tmp"
        tmp.write_text(json.dumps({"version": version, "files": files}, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.folder / STATE)

