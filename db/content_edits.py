"""An SAO's content edits kept in its PostgreSQL schema (bot/content/stored.py shares them
between machines): each edited file's bytes by its path in the content folder, and one version
number that every change bumps.

    version(db)                      # 0: nothing stored yet
    edits(db)                        # {path: bytes}, with the version they are at
    change(db, {"profile.yaml": b"…"}, removed=["faq.yaml"])   # one transaction; the new version
"""
from __future__ import annotations

import time

from db import transaction


def version(db) -> int:
    return db.execute("SELECT version FROM content_edits_version").fetchone()[0]


def edits(db) -> tuple[int, dict[str, bytes]]:
    """Every edit and the version they make up, read in one snapshot."""
    with transaction(db):
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        at = version(db)
        files = {path: bytes(body) for path, body in db.execute("SELECT path, body FROM content_edits")}
    return at, files


def change(db, saved: dict[str, bytes], removed: list[str] = (), now: float | None = None) -> int:
    """Store these files' new bytes and forget the removed ones; return the new version."""
    now = time.time() if now is None else now
    with transaction(db):
        for path, body in saved.items():
            db.execute("INSERT INTO content_edits (path, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (path)"
                       " DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at", (path, body, now))
        for path in removed:
            db.execute("DELETE FROM content_edits WHERE path = ?", (path,))
        (new,) = db.execute("UPDATE content_edits_version SET version = version + 1 RETURNING version").fetchone()
    return new
