"""Deadlines of the measures plan and the reminders sent about them.

The database is the source of truth for what is due and what was sent:
- `deadlines`: one row per report (or activity) per division, with its due date and, once a
  division taps "ส่งรายงานแล้ว", who reported and when;
- `reminders`: one row per (deadline, step, chat). A row is created when its step is due,
  claimed together with the chat's other due rows, and queued in the outbox as one push
  (a digest) in the same transaction; its status follows the outbox row's.

Functions that write expect the caller's transaction where several writes must commit
together. Query functions for the admin console are at the end.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Iterable

import sqlite_utils

# A deadline as the console shows it.
STATUS_UPCOMING = "upcoming"  # no reminder sent yet
STATUS_REMINDED = "reminded"  # reminders sent, not reported, not yet past due
STATUS_ON_TIME = "on_time"  # reported on or before the due date
STATUS_LATE = "late"  # reported after the due date
STATUS_MISSING = "missing"  # past due and not reported
STATUS_BEFORE_INSTALL = "before_install"  # due before the system was installed: never overdue, never reminded

# The day the system was installed: the plan is first planned (deadlines.created_on) the day the
# clock or the console first runs. Deadlines due before it are history, not overdue work.
INSTALLED_ON_SQL = "coalesce((SELECT min(created_on) FROM deadlines), '')"


def _rows(db: sqlite_utils.Database, sql: str, params: Iterable = ()) -> list[dict]:
    cur = db.execute(sql, tuple(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# --- the plan ---------------------------------------------------------------------------


def synced_fingerprint(db: sqlite_utils.Database, fiscal_year: int) -> str | None:
    row = db.execute("SELECT fingerprint FROM plan_syncs WHERE fiscal_year = ?", (fiscal_year,)).fetchone()
    return row[0] if row else None


def set_synced(db: sqlite_utils.Database, fiscal_year: int, fingerprint: str, now: float) -> None:
    db.execute(
        "INSERT INTO plan_syncs (fiscal_year, fingerprint, synced_at) VALUES (?, ?, ?) "
        "ON CONFLICT (fiscal_year) DO UPDATE SET fingerprint = excluded.fingerprint, synced_at = excluded.synced_at",
        (fiscal_year, fingerprint, now),
    )


def save_measure(
    db: sqlite_utils.Database,
    *,
    fiscal_year: int,
    measure_id: str,
    number: int,
    title: str,
    actions: list[str],
    responsible: str,
    period: str,
    follow_up: str,
    report: str,
    within_days: int | None,
) -> None:
    db.execute(
        """INSERT INTO plan_measures (fiscal_year, measure_id, number, title, actions, responsible, period,
                                      follow_up, report, within_days)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (fiscal_year, measure_id) DO UPDATE SET
             number = excluded.number, title = excluded.title, actions = excluded.actions,
             responsible = excluded.responsible, period = excluded.period, follow_up = excluded.follow_up,
             report = excluded.report, within_days = excluded.within_days""",
        (fiscal_year, measure_id, number, title, json.dumps(actions, ensure_ascii=False), responsible, period,
         follow_up, report, within_days),
    )


def measure(db: sqlite_utils.Database, fiscal_year: int, measure_id: str) -> dict | None:
    rows = _rows(db, "SELECT * FROM plan_measures WHERE fiscal_year = ? AND measure_id = ?", (fiscal_year, measure_id))
    if not rows:
        return None
    row = rows[0]
    row["actions"] = json.loads(row["actions"])
    return row


def save_deadline(
    db: sqlite_utils.Database,
    *,
    fiscal_year: int,
    measure_id: str,
    key: str,
    division_id: str,
    kind: str,
    audience: str,
    label: str,
    report: str,
    nominal: date,
    due: date,
    first_step_on: date,
    last_step_on: date,
    created_on: date,
) -> int:
    """Insert or update one deadline (a plan edit moves its dates); returns its id.

    A deadline already reported keeps its dates: the record of what was due stays true.
    """
    cur = db.execute(
        """INSERT INTO deadlines (fiscal_year, measure_id, key, division_id, kind, audience, label, report,
                                  nominal_date, due_date, first_step_on, last_step_on, created_on)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (fiscal_year, measure_id, key, division_id) DO UPDATE SET
             kind = excluded.kind, audience = excluded.audience, label = excluded.label, report = excluded.report,
             nominal_date = CASE WHEN deadlines.done_at IS NULL THEN excluded.nominal_date ELSE deadlines.nominal_date END,
             due_date = CASE WHEN deadlines.done_at IS NULL THEN excluded.due_date ELSE deadlines.due_date END,
             first_step_on = excluded.first_step_on, last_step_on = excluded.last_step_on, retired = 0
           RETURNING id""",
        (fiscal_year, measure_id, key, division_id, kind, audience, label, report, nominal.isoformat(),
         due.isoformat(), first_step_on.isoformat(), last_step_on.isoformat(), created_on.isoformat()),
    )
    return cur.fetchone()[0]


def retire_missing(db: sqlite_utils.Database, fiscal_year: int, keep_ids: set[int], kinds: tuple[str, ...]) -> int:
    """Deadlines of a year that the plan no longer has: kept for history, no more reminders."""
    marks = ",".join("?" * len(kinds))
    ids = [
        r[0]
        for r in db.execute(
            f"SELECT id FROM deadlines WHERE fiscal_year = ? AND retired = 0 AND kind IN ({marks})",
            (fiscal_year, *kinds),
        )
        if r[0] not in keep_ids
    ]
    for deadline_id in ids:
        db.execute("UPDATE deadlines SET retired = 1 WHERE id = ?", (deadline_id,))
        cancel_pending(db, deadline_id)
    return len(ids)


def deadline(db: sqlite_utils.Database, deadline_id: int) -> dict | None:
    rows = _rows(db, "SELECT * FROM deadlines WHERE id = ?", (deadline_id,))
    return rows[0] if rows else None


def find_deadline(db: sqlite_utils.Database, fiscal_year: int, measure_id: str, key: str, division_id: str) -> dict | None:
    rows = _rows(
        db,
        "SELECT * FROM deadlines WHERE fiscal_year = ? AND measure_id = ? AND key = ? AND division_id = ?",
        (fiscal_year, measure_id, key, division_id),
    )
    return rows[0] if rows else None


def open_deadlines(db: sqlite_utils.Database, today: date) -> list[dict]:
    """Deadlines not yet reported whose reminder days include today."""
    day = today.isoformat()
    return _rows(
        db,
        "SELECT * FROM deadlines WHERE done_at IS NULL AND retired = 0 AND first_step_on <= ? AND last_step_on >= ?"
        f" AND due_date >= {INSTALLED_ON_SQL} ORDER BY due_date, id",
        (day, day),
    )


def mark_done(
    db: sqlite_utils.Database, deadline_id: int, *, at: float, on: date, by: str | None, chat_key: str, late_working_days: int
) -> bool:
    """Record "ส่งรายงานแล้ว" (or "จัดกิจกรรมแล้ว") once; False if it was already recorded.

    One UPDATE: of two taps at once, exactly one records.
    """
    cur = db.execute(
        "UPDATE deadlines SET done_at = ?, done_on = ?, done_by = ?, done_chat = ?, late_working_days = ? "
        "WHERE id = ? AND done_at IS NULL",
        (at, on.isoformat(), by, chat_key, late_working_days, deadline_id),
    )
    if cur.rowcount:
        cancel_pending(db, deadline_id)
    return cur.rowcount == 1


# --- reminder rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    id: int
    deadline_id: int
    step: str
    chat_key: str
    line_id: str
    role: str
    escalation: bool


def add_reminder(
    db: sqlite_utils.Database,
    *,
    deadline_id: int,
    step: str,
    chat_key: str,
    line_id: str,
    role: str,
    escalation: bool,
    send_on: date,
    now: float,
) -> bool:
    """Create the row of one step for one chat (once); earlier unsent steps are superseded.

    Never a step before one already made for the deadline: after a backward clock jump an
    overdue escalation must not be followed by "4 days left"."""
    later = db.execute(
        "SELECT 1 FROM reminders WHERE deadline_id = ? AND status != 'cancelled' AND CAST(step AS INTEGER) > ? LIMIT 1",
        (deadline_id, int(step)),
    ).fetchone()
    if later:
        return False
    cur = db.execute(
        "INSERT INTO reminders (deadline_id, step, chat_key, line_id, role, escalation, send_on, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (deadline_id, step, chat_key, line_id, role, int(escalation), send_on.isoformat(), now),
    )
    if cur.rowcount:
        # After downtime only the most recent step goes out, not a burst of stale ones.
        db.execute(
            "UPDATE reminders SET status = 'superseded' WHERE deadline_id = ? AND chat_key = ? AND status = 'pending'"
            " AND step != ?",
            (deadline_id, chat_key, step),
        )
    return cur.rowcount == 1


def cancel_pending(db: sqlite_utils.Database, deadline_id: int) -> int:
    return db.execute(
        "UPDATE reminders SET status = 'cancelled' WHERE deadline_id = ? AND status = 'pending'", (deadline_id,)
    ).rowcount


def pending_chats(db: sqlite_utils.Database) -> list[dict]:
    """Chats with rows waiting to be sent: whether any is an escalation or overdue, for priorities."""
    return _rows(
        db,
        "SELECT chat_key, min(line_id) AS line_id, max(escalation) AS escalation,"
        " max(CASE WHEN step LIKE '+%' THEN 1 ELSE 0 END) AS overdue, count(*) AS items"
        " FROM reminders WHERE status = 'pending' GROUP BY chat_key ORDER BY chat_key",
    )


def claim_for_chat(db: sqlite_utils.Database, chat_key: str, now: float) -> list[DueRow]:
    """Mark every pending row of one chat as taken into a digest; one UPDATE … RETURNING."""
    cur = db.execute(
        "UPDATE reminders SET status = 'claimed', claimed_at = ? WHERE chat_key = ? AND status = 'pending'"
        " RETURNING id, deadline_id, step, chat_key, line_id, role, escalation",
        (now, chat_key),
    )
    return [DueRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in cur.fetchall()]


def attach_outbox(db: sqlite_utils.Database, reminder_ids: list[int], outbox_id: int) -> None:
    if not reminder_ids:
        return
    marks = ",".join("?" * len(reminder_ids))
    db.execute(f"UPDATE reminders SET outbox_id = ? WHERE id IN ({marks})", (outbox_id, *reminder_ids))


def digest_items(db: sqlite_utils.Database, reminder_ids: list[int]) -> list[dict]:
    """What a digest shows for its rows: the deadline and its measure."""
    marks = ",".join("?" * len(reminder_ids))
    rows = _rows(
        db,
        f"""SELECT r.id AS reminder_id, r.step, r.escalation, r.role, d.id AS deadline_id, d.fiscal_year, d.measure_id,
                   d.key, d.division_id, d.kind, d.label, d.report, d.due_date, m.number, m.title, m.actions,
                   m.responsible, m.period, m.follow_up
            FROM reminders r JOIN deadlines d ON d.id = r.deadline_id
            LEFT JOIN plan_measures m ON m.fiscal_year = d.fiscal_year AND m.measure_id = d.measure_id
            WHERE r.id IN ({marks})""",
        reminder_ids,
    )
    for row in rows:
        row["actions"] = json.loads(row["actions"] or "[]")
    return rows


def claimed_outbox_ids(db: sqlite_utils.Database) -> list[int]:
    """Outbox rows of digests whose reminders are not yet known to be delivered."""
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT outbox_id FROM reminders WHERE status = 'claimed' AND outbox_id IS NOT NULL ORDER BY outbox_id"
        )
    ]


def settle(db: sqlite_utils.Database, outbox_id: int, status: str, at: float) -> int:
    """Copy a digest's final outcome (sent | failed) onto its reminder rows."""
    return db.execute(
        "UPDATE reminders SET status = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
        " WHERE outbox_id = ? AND status = 'claimed'",
        (status, status, at, outbox_id),
    ).rowcount


def release(db: sqlite_utils.Database, outbox_id: int) -> int:
    """A digest that never got through: its rows wait for the chat's next digest."""
    return db.execute(
        "UPDATE reminders SET status = 'pending', outbox_id = NULL, claimed_at = NULL WHERE outbox_id = ? AND status = 'claimed'",
        (outbox_id,),
    ).rowcount


def erase_chat(db: sqlite_utils.Database, chat_key: str, user_id: str | None) -> None:
    """PDPA erasure: forget the chat's reminders and who tapped "ส่งรายงานแล้ว" (the fact stays)."""
    db.execute("DELETE FROM reminders WHERE chat_key = ? AND status NOT IN ('claimed')", (chat_key,))
    db.execute("UPDATE deadlines SET done_chat = NULL WHERE done_chat = ?", (chat_key,))
    if user_id:
        db.execute("UPDATE deadlines SET done_by = NULL WHERE done_by = ?", (user_id,))


# --- for the admin console ------------------------------------------------------------------


def installed_on(db: sqlite_utils.Database) -> str | None:
    """The install day (ISO date; see INSTALLED_ON_SQL), or None before the plan is first planned."""
    return db.execute(f"SELECT {INSTALLED_ON_SQL}").fetchone()[0] or None


def status_of(row: dict, today: date, installed: str | None = None) -> str:
    """upcoming | reminded | on_time | late | missing | before_install, as of today.

    installed: the install day (installed_on); an unreported deadline due before it is before_install."""
    if row["done_at"] is not None:
        return STATUS_ON_TIME if not row["late_working_days"] else STATUS_LATE
    if installed and row["due_date"] < installed:
        return STATUS_BEFORE_INSTALL
    if row["due_date"] < today.isoformat():
        return STATUS_MISSING
    return STATUS_REMINDED if row.get("reminders_sent") else STATUS_UPCOMING


def deadlines_of_year(db: sqlite_utils.Database, fiscal_year: int, today: date, include_retired: bool = False) -> list[dict]:
    """Every deadline of a fiscal year, per measure and division, with its status.

    Each row: the deadline's columns, measure number and title, reminders_sent, last_reminded_on
    and status (see status_of).
    """
    retired = "" if include_retired else "AND d.retired = 0"
    rows = _rows(
        db,
        f"""SELECT d.*, m.number AS measure_number, m.title AS measure_title,
                   (SELECT count(*) FROM reminders r WHERE r.deadline_id = d.id AND r.status = 'sent') AS reminders_sent,
                   (SELECT max(r.send_on) FROM reminders r WHERE r.deadline_id = d.id AND r.status = 'sent') AS last_reminded_on
            FROM deadlines d
            LEFT JOIN plan_measures m ON m.fiscal_year = d.fiscal_year AND m.measure_id = d.measure_id
            WHERE d.fiscal_year = ? {retired}
            ORDER BY m.number, d.due_date, d.division_id""",
        (fiscal_year,),
    )
    installed = installed_on(db)
    for row in rows:
        row["status"] = status_of(row, today, installed)
    return rows


def acknowledgements(db: sqlite_utils.Database, fiscal_year: int) -> list[dict]:
    """Who reported what and when: deadline, division, when, the LINE user and chat, late days."""
    return _rows(
        db,
        """SELECT d.id AS deadline_id, d.measure_id, m.number AS measure_number, d.key, d.label, d.division_id,
                  d.due_date, d.done_at, d.done_on, d.done_by, d.done_chat, d.late_working_days
           FROM deadlines d
           LEFT JOIN plan_measures m ON m.fiscal_year = d.fiscal_year AND m.measure_id = d.measure_id
           WHERE d.fiscal_year = ? AND d.done_at IS NOT NULL
           ORDER BY d.done_at""",
        (fiscal_year,),
    )


def reminders_sent(db: sqlite_utils.Database, fiscal_year: int | None = None) -> list[dict]:
    """Reminder rows that reached LINE, with their deadline: for the console and the tests."""
    where = "WHERE r.status = 'sent'" + (" AND d.fiscal_year = ?" if fiscal_year is not None else "")
    params = (fiscal_year,) if fiscal_year is not None else ()
    return _rows(
        db,
        f"""SELECT r.*, d.fiscal_year, d.measure_id, d.key, d.division_id, d.due_date
            FROM reminders r JOIN deadlines d ON d.id = r.deadline_id {where} ORDER BY r.id""",
        params,
    )


def upcoming(db: sqlite_utils.Database, today: date, limit: int = 6, division_ids: list[str] | None = None) -> list[dict]:
    """The next deadlines not yet reported (due today or later), soonest first; for the dashboard."""
    scope, params = "1 = 1", []
    if division_ids is not None:
        scope = f"d.division_id IN ({', '.join('?' for _ in division_ids)})" if division_ids else "0 = 1"
        params = list(division_ids)
    return _rows(
        db,
        f"""SELECT d.*, m.number AS measure_number, m.title AS measure_title
            FROM deadlines d
            LEFT JOIN plan_measures m ON m.fiscal_year = d.fiscal_year AND m.measure_id = d.measure_id
            WHERE d.done_at IS NULL AND d.retired = 0 AND d.due_date >= ? AND {scope}
            ORDER BY d.due_date, m.number, d.division_id LIMIT ?""",
        (today.isoformat(), *params, limit),
    )


def count_missing(db: sqlite_utils.Database, today: date, division_ids: list[str] | None = None) -> int:
    """Deadlines past due and not reported (any fiscal year still in the table), not counting
    those due before the install day (before_install)."""
    scope, params = "1 = 1", []
    if division_ids is not None:
        scope = f"division_id IN ({', '.join('?' for _ in division_ids)})" if division_ids else "0 = 1"
        params = list(division_ids)
    return db.execute(
        f"SELECT count(*) FROM deadlines WHERE done_at IS NULL AND retired = 0 AND due_date < ?"
        f" AND due_date >= {INSTALLED_ON_SQL} AND {scope}",
        (today.isoformat(), *params),
    ).fetchone()[0]
