"""The audit log: who did what, when, to what, in the admin console or on the command line.

Write an entry inside the same transaction as the change it describes, so a change is
never made without its entry (or the other way round).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    actor_id: int | None
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]
    ip: str | None


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # exact action, or a prefix ending in "." such as "user."
    target: str | None = None
    start: float | None = None  # epoch seconds, inclusive
    end: float | None = None  # epoch seconds, exclusive
    auditors_view: bool = False  # only what concerns auditor accounts and corruption reports


# The auditors' own log page: every change to an auditor account is an "auditor." action, and
# an account that has ever been an auditor has one (unless it predates them: then it is one
# now), so its sign-ins show too; corruption reports are "integrity." actions. A request or a
# rejection alone does not make an account's history the auditors' business.
_AUDITORS_VIEW = """(
    action >= 'auditor.' AND action < 'auditor/' OR action >= 'integrity.' AND action < 'integrity/'
    OR target IN (SELECT 'user:' || id FROM admin_users WHERE role = 'auditor')
    OR target IN (SELECT target FROM audit_log WHERE action >= 'auditor.' AND action < 'auditor/'
                  AND action NOT IN ('auditor.request', 'auditor.reject'))
)"""


def record(
    db: sqlite_utils.Database,
    *,
    actor: str,
    action: str,
    actor_id: int | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
    at: float | None = None,
) -> int:
    (entry_id,) = db.execute(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, details, ip) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            time.time() if at is None else at,
            actor_id,
            actor,
            action,
            target,
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
            ip,
        ),
    ).fetchone()
    return entry_id


def _where(f: AuditFilter) -> tuple[str, list]:
    clauses, params = [], []
    if f.actor:
        clauses.append("actor = ?")
        params.append(f.actor)
    if f.action:
        if f.action.endswith("."):
            clauses.append("substr(action, 1, ?) = ?")
            params += [len(f.action), f.action]
        else:
            clauses.append("action = ?")
            params.append(f.action)
    if f.target:
        clauses.append("target = ?")
        params.append(f.target)
    if f.auditors_view:
        clauses.append(_AUDITORS_VIEW)
    if f.start is not None:
        clauses.append("at >= ?")
        params.append(f.start)
    if f.end is not None:
        clauses.append("at < ?")
        params.append(f.end)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def search(db: sqlite_utils.Database, f: AuditFilter, limit: int | None = 100, offset: int = 0) -> list[AuditEntry]:
    """Newest first."""
    where, params = _where(f)
    sql = f"SELECT id, at, actor_id, actor, action, target, details, ip FROM audit_log{where} ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return [
        AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6] or "{}"), r[7]) for r in db.execute(sql, params)
    ]


def count(db: sqlite_utils.Database, f: AuditFilter) -> int:
    where, params = _where(f)
    return db.execute(f"SELECT count(*) FROM audit_log{where}", params).fetchone()[0]


def actors(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT actor FROM audit_log ORDER BY actor")]


def actions(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]
