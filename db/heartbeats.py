"""The clock's heartbeat: when each of its jobs last started, last succeeded and last failed.

Written by the clock process around every job run (scheduler/clock.py `build_scheduler`),
read by the web process: /metrics, /healthz, the dashboard and the stale-clock alert.
"""
from __future__ import annotations

import time

import sqlite_utils

from db import transaction

REMINDERS_JOB = "reminders"  # the interval job: runs every few minutes, the clock's pulse


def started(db: sqlite_utils.Database, job: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    with transaction(db):
        db.execute(
            "INSERT INTO clock_heartbeats (job, last_run_at, runs) VALUES (?, ?, 1) "
            "ON CONFLICT (job) DO UPDATE SET last_run_at = excluded.last_run_at, runs = clock_heartbeats.runs + 1",
            (job, now),
        )


def finished(db: sqlite_utils.Database, job: str, error: str | None = None, now: float | None = None) -> None:
    now = time.time() if now is None else now
    with transaction(db):
        if error is None:
            db.execute("UPDATE clock_heartbeats SET last_ok_at = ?, last_error = NULL WHERE job = ?", (now, job))
        else:
            db.execute(
                "UPDATE clock_heartbeats SET last_error = ?, last_error_at = ?, errors = errors + 1 WHERE job = ?",
                (error[:500], now, job),
            )


def all_jobs(db: sqlite_utils.Database) -> list[dict]:
    cur = db.execute(
        "SELECT job, last_run_at, last_ok_at, last_error, last_error_at, runs, errors FROM clock_heartbeats ORDER BY job"
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def last_run(db: sqlite_utils.Database, job: str = REMINDERS_JOB) -> float | None:
    row = db.execute("SELECT last_run_at FROM clock_heartbeats WHERE job = ?", (job,)).fetchone()
    return row[0] if row else None
