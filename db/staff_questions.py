"""Questions passed to staff (table staff_questions): the queue each division answers."""
from __future__ import annotations

import time
from dataclasses import dataclass, fields

import sqlite_utils

from db import dialect


@dataclass(frozen=True)
class StaffQuestion:
    id: int
    chat_key: str | None
    line_user_id: str | None
    question: str | None
    procedure_id: str | None
    division_id: str
    source: str
    status: str  # open | answered
    created_at: float
    due_at: float
    flagged_at: float | None
    answer: str | None
    answered_by: str | None
    answered_at: float | None
    personal_data_removed_at: float | None
    submission_key: str | None


_COLUMNS = ", ".join(f.name for f in fields(StaffQuestion))


def _select(db, where: str, params: tuple = (), tail: str = "") -> list[StaffQuestion]:
    return [StaffQuestion(*r) for r in db.execute(f"SELECT {_COLUMNS} FROM staff_questions WHERE {where} {tail}", params)]


def create(
    db: sqlite_utils.Database,
    *,
    submission_key: str,
    chat_key: str,
    line_user_id: str | None,
    question: str,
    procedure_id: str | None,
    division_id: str,
    source: str,
    due_at: float,
    now: float | None = None,
) -> tuple[StaffQuestion, bool]:
    """Queue a question; a repeat of the same submission returns the first (created=False)."""
    existing = _select(db, "submission_key = ?", (submission_key,))
    if existing:
        return existing[0], False
    now = time.time() if now is None else now
    (question_id,) = db.execute(
        """INSERT INTO staff_questions
             (chat_key, line_user_id, question, procedure_id, division_id, source, status, created_at, due_at, submission_key)
           VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id""",
        (chat_key, line_user_id, question, procedure_id, division_id, source, now, due_at, submission_key),
    ).fetchone()
    return get(db, question_id), True


def get(db: sqlite_utils.Database, question_id: int) -> StaffQuestion | None:
    found = _select(db, "id = ?", (question_id,))
    return found[0] if found else None


def answer(db: sqlite_utils.Database, question_id: int, text: str, by: str, now: float | None = None) -> bool:
    """Record the answer if the question is still open (one UPDATE: answered once)."""
    cur = db.execute(
        "UPDATE staff_questions SET status = 'answered', answer = ?, answered_by = ?, answered_at = ? "
        "WHERE id = ? AND status = 'open'",
        (text, by, time.time() if now is None else now, question_id),
    )
    return cur.rowcount == 1


def search(db: sqlite_utils.Database, status: str | None = None, division_id: str | None = None, overdue_at: float | None = None, limit: int = 100) -> list[StaffQuestion]:
    where, params = ["1 = 1"], []
    if status:
        where.append("status = ?")
        params.append(status)
    if division_id:
        where.append("division_id = ?")
        params.append(division_id)
    if overdue_at is not None:
        where.append("status = 'open' AND due_at < ?")
        params.append(overdue_at)
    return _select(db, " AND ".join(where), tuple(params), f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)}")


def for_chat(db: sqlite_utils.Database, chat_key: str, limit: int = 5) -> list[StaffQuestion]:
    return _select(db, "chat_key = ?", (chat_key,), f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)}")


def flag_overdue(db: sqlite_utils.Database, now: float | None = None) -> list[StaffQuestion]:
    """Mark open questions past due that were not flagged yet; return them (each once)."""
    now = time.time() if now is None else now
    ids = [
        r[0]
        for r in db.execute(
            "UPDATE staff_questions SET flagged_at = ? WHERE status = 'open' AND due_at < ? AND flagged_at IS NULL RETURNING id",
            (now, now),
        )
    ]
    return [q for q in (get(db, i) for i in sorted(ids)) if q is not None]


def for_report(
    db: sqlite_utils.Database, start: float, end: float, division_id: str | None = None
) -> list[tuple[int, str, str | None, str, str, float, float, float | None]]:
    """Questions asked in [start, end), oldest first, without their text: (id, division_id,
    procedure_id, source, status, created_at, due_at, answered_at)."""
    where, params = ("AND division_id = ?", (division_id,)) if division_id else ("", ())
    return db.execute(
        "SELECT id, division_id, procedure_id, source, status, created_at, due_at, answered_at FROM staff_questions "
        f"WHERE created_at >= ? AND created_at < ? {where} ORDER BY created_at, id",
        (start, end, *params),
    ).fetchall()


def remove_personal_data(db: sqlite_utils.Database, question_id: int, now: float | None = None) -> None:
    """Keep the division, dates and status (response-time reports); drop who asked, the
    question and the answer written to them."""
    db.execute(
        "UPDATE staff_questions SET chat_key = NULL, line_user_id = NULL, question = NULL, answer = NULL,"
        " personal_data_removed_at = ?, submission_key = NULL WHERE id = ?",
        (time.time() if now is None else now, question_id),
    )


def ids_of_chat(db: sqlite_utils.Database, chat_key: str) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM staff_questions WHERE chat_key = ?", (chat_key,))]


def answered_with_personal_data(db: sqlite_utils.Database, answered_before: float) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT id FROM staff_questions WHERE status = 'answered' AND answered_at < ? AND personal_data_removed_at IS NULL",
            (answered_before,),
        )
    ]


# --- the console's queue ------------------------------------------------------------------------

STATES = ("open", "overdue", "answered")


@dataclass(frozen=True)
class QuestionQuery:
    state: str | None = None  # open (unanswered), overdue (unanswered past due), answered; None: all
    division_id: str | None = None
    start: float | None = None  # created_at, epoch seconds, inclusive
    end: float | None = None  # exclusive
    scope: tuple[str, list] = ("1 = 1", [])  # bot.console.auth.division_sql(user)


def _query_where(q: QuestionQuery, now: float) -> tuple[str, list]:
    where, params = [f"({q.scope[0]})"], list(q.scope[1])
    if q.state == "open":
        where.append("status = 'open'")
    elif q.state == "overdue":
        where.append("status = 'open' AND due_at < ?")
        params.append(now)
    elif q.state == "answered":
        where.append("status = 'answered'")
    if q.division_id:
        where.append("division_id = ?")
        params.append(q.division_id)
    if q.start is not None:
        where.append("created_at >= ?")
        params.append(q.start)
    if q.end is not None:
        where.append("created_at < ?")
        params.append(q.end)
    return " AND ".join(where), params


def find(db: sqlite_utils.Database, q: QuestionQuery, now: float | None = None, limit: int = 50, offset: int = 0) -> list[StaffQuestion]:
    """Unanswered first (oldest due first), then answered (newest first)."""
    where, params = _query_where(q, time.time() if now is None else now)
    order = "ORDER BY (status = 'answered'), CASE WHEN status = 'open' THEN due_at END, created_at DESC, id DESC"
    return _select(db, where, tuple(params), f"{order} LIMIT {int(limit)} OFFSET {int(offset)}")


def count(db: sqlite_utils.Database, q: QuestionQuery, now: float | None = None) -> int:
    where, params = _query_where(q, time.time() if now is None else now)
    (n,) = db.execute(f"SELECT count(*) FROM staff_questions WHERE {where}", params).fetchone()
    return n


def queue_counts(db: sqlite_utils.Database, scope: tuple[str, list] = ("1 = 1", []), now: float | None = None) -> dict[str, int]:
    """open, overdue (a part of open) and answered, for the queue's tabs and the dashboard."""
    now = time.time() if now is None else now
    row = db.execute(f"{_QUEUE_COUNTS[dialect(db)]} FROM staff_questions WHERE {scope[0]}", (now, *scope[1])).fetchone()
    return {"open": row[0], "overdue": row[1], "answered": row[2], "all": row[3]}


_QUEUE_COUNTS = {
    "sqlite": "SELECT coalesce(sum(status = 'open'), 0), coalesce(sum(status = 'open' AND due_at < ?), 0),"
              " coalesce(sum(status = 'answered'), 0), count(*)",
    # PostgreSQL has no sum of booleans: count what each filter lets through.
    "postgresql": "SELECT count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'open' AND due_at < ?),"
                  " count(*) FILTER (WHERE status = 'answered'), count(*)",
}
