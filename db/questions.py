"""Questions citizens asked the handbook search (table handbook_questions).

Kept so admins can improve the content: every unanswered question, every 👎, and the
requests to pass a question to staff (the staff queue routes them; see issue 4). The
question text is personal data: a 👍 drops it at once (the rating is enough), an answered
question nobody rated loses its text after ANSWERED_TEXT_DAYS, and every row is deleted
after KEEP_DAYS — first added to anonymous daily counts (handbook_question_counts), so the
yearly service statistics still count it. A person's rows are deleted when they ask for
erasure, after being added to the same counts.
"""
from __future__ import annotations

import time
from typing import Any

import sqlite_utils

from db import dialect

ANSWERED_TEXT_DAYS = 7
KEEP_DAYS = 90
OUTCOMES = ("answered", "choose", "unanswered", "outside")


def record(
    db: sqlite_utils.Database,
    *,
    ref: str,
    chat_key: str,
    user_id: str | None,
    question: str,
    outcome: str,
    procedure_id: str | None = None,
    section: str | None = None,
    score: float | None = None,
    handbook_version: str | None = None,
    intent: str | None = None,
    now: float | None = None,
) -> int | None:
    """Store one question; a second call with the same ref (a redelivered event) is a no-op.
    intent: what the bot understood it to be (question, request_service, out_of_scope)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    now = time.time() if now is None else now
    row = db.execute(
        """INSERT INTO handbook_questions
           (ref, chat_key, user_id, question, outcome, procedure_id, section, score, handbook_version, intent,
            created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id""",
        (ref, chat_key, user_id, question[:2000], outcome, procedure_id, section, score, handbook_version, intent,
         now, now),
    ).fetchone()
    return row[0] if row else None


def get(db: sqlite_utils.Database, ref: str) -> dict[str, Any] | None:
    cur = db.execute("SELECT * FROM handbook_questions WHERE ref = ?", (ref,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cur.description], row))


def set_feedback(db: sqlite_utils.Database, ref: str, vote: str, now: float | None = None) -> str:
    """Record 👍 ('up') or 👎 ('down'). Returns 'saved', 'already' or 'missing'."""
    if vote not in ("up", "down"):
        raise ValueError(vote)
    now = time.time() if now is None else now
    row = get(db, ref)
    if row is None:
        return "missing"
    if row["feedback"]:
        return "already"
    # A 👍 needs no text: keep only which answer helped.
    db.execute(
        "UPDATE handbook_questions SET feedback = ?, question = CASE WHEN ? = 'up' THEN NULL ELSE question END, "
        "updated_at = ? WHERE ref = ? AND feedback IS NULL",
        (vote, vote, now, ref),
    )
    return "saved"


def choose(db: sqlite_utils.Database, ref: str, procedure_id: str, section: str, now: float | None = None) -> bool:
    """The person picked one of the offered procedures: that is the answer they got."""
    now = time.time() if now is None else now
    cur = db.execute(
        "UPDATE handbook_questions SET outcome = 'answered', procedure_id = ?, section = ?, updated_at = ? "
        "WHERE ref = ? AND outcome = 'choose'",
        (procedure_id, section, now, ref),
    )
    return cur.rowcount > 0


def mark_unanswered(db: sqlite_utils.Database, ref: str, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    cur = db.execute(
        "UPDATE handbook_questions SET outcome = 'unanswered', procedure_id = NULL, updated_at = ? WHERE ref = ?",
        (now, ref),
    )
    return cur.rowcount > 0


def mark_reported(db: sqlite_utils.Database, ref: str, now: float | None = None) -> bool:
    """The person told the bot the message was a problem to report, not a question: off the
    review of what the content could not answer, resolved by the citizen."""
    return _resolve_once(db, "ref", ref, RESOLUTION_REPORTED, "citizen", now)


def request_staff(db: sqlite_utils.Database, ref: str, now: float | None = None) -> str:
    """Mark the question for staff. Returns 'saved', 'already' or 'missing'."""
    now = time.time() if now is None else now
    row = get(db, ref)
    if row is None or row["question"] is None:
        return "missing"
    if row["staff_requested_at"]:
        return "already"
    db.execute("UPDATE handbook_questions SET staff_requested_at = ?, updated_at = ? WHERE ref = ?", (now, now, ref))
    return "saved"


def for_review(db: sqlite_utils.Database, limit: int = 200) -> list[dict[str, Any]]:
    """What admins look at to improve the content: unanswered questions and 👎, newest first."""
    cur = db.execute(
        """SELECT id, ref, question, outcome, procedure_id, section, feedback, staff_requested_at, created_at
           FROM handbook_questions
           WHERE question IS NOT NULL AND (outcome IN ('unanswered', 'outside') OR feedback = 'down')
           ORDER BY id DESC LIMIT ?""",
        (limit,),
    )
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def staff_requests(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Questions people asked to pass to staff, oldest first (for the staff queue to route)."""
    cur = db.execute(
        """SELECT id, ref, chat_key, user_id, question, procedure_id, staff_requested_at
           FROM handbook_questions WHERE staff_requested_at IS NOT NULL AND question IS NOT NULL
           ORDER BY staff_requested_at"""
    )
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def erase_chat(db: sqlite_utils.Database, chat_key: str, user_id: str | None) -> int:
    """PDPA erasure: the person's questions, in their own chat and wherever they asked.

    They are first added to the anonymous daily counts, as the retention purge does, so the
    year's service statistics (questions asked, the share answered) do not change."""
    where, params = "chat_key = ? OR (user_id IS NOT NULL AND user_id = ?)", (chat_key, user_id)
    _fold_into_counts(db, where, params)
    return db.execute(f"DELETE FROM handbook_questions WHERE {where}", params).rowcount


def _fold_into_counts(db: sqlite_utils.Database, where: str, params: tuple) -> None:
    """Add the questions matching `where` to handbook_question_counts (no text, no chat,
    no LINE id), before they are deleted."""
    sql = _SQL[dialect(db)]
    db.execute(
        f"""INSERT INTO handbook_question_counts (day, procedure_id, outcome, feedback, staff_requested, questions)
            SELECT {sql["day"]}, coalesce(procedure_id, ''), outcome, coalesce(feedback, ''),
                   {sql["staff_requested"]}, count(*)
            FROM handbook_questions WHERE {where}
            GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT (day, procedure_id, outcome, feedback, staff_requested)
            DO UPDATE SET questions = handbook_question_counts.questions + excluded.questions""",
        params,
    )


def purge(db: sqlite_utils.Database, now: float | None = None) -> dict[str, int]:
    """Retention: drop text of answered questions nobody rated down, then old rows."""
    now = time.time() if now is None else now
    texts = db.execute(
        """UPDATE handbook_questions SET question = NULL
           WHERE question IS NOT NULL AND outcome = 'answered' AND feedback IS NULL
             AND staff_requested_at IS NULL AND created_at < ?""",
        (now - ANSWERED_TEXT_DAYS * 86400,),
    ).rowcount
    cutoff = now - KEEP_DAYS * 86400
    # The yearly service statistics still count them: as anonymous daily counts.
    _fold_into_counts(db, "created_at < ?", (cutoff,))
    rows = db.execute("DELETE FROM handbook_questions WHERE created_at < ?", (cutoff,)).rowcount
    return {"question_texts": texts, "questions": rows}


# --- for the admin console ------------------------------------------------------------------

# What the review list may show: kinds of question worth improving the content for.
REVIEW_KINDS = {
    "unanswered": "outcome = 'unanswered'",
    "down": "feedback = 'down'",
    "outside": "outcome = 'outside'",
    "staff": "staff_requested_at IS NOT NULL",
}
_REVIEWABLE = "question IS NOT NULL AND (" + " OR ".join(REVIEW_KINDS.values()) + ")"
RESOLUTION_DISMISSED = "dismissed"
RESOLUTION_REPORTED = "reported"  # the person said it was a problem to fix and reported it: no content to mend


def _review_where(
    *, kind: str | None, status: str, start: float | None, end: float | None, procedure_ids: list[str] | None,
    scope_ids: list[str] | None,
) -> tuple[str, list]:
    where, params = [_REVIEWABLE], []
    if kind:
        where.append(REVIEW_KINDS[kind])
    if status == "open":
        where.append("resolved_at IS NULL")
    elif status == "resolved":
        where.append("resolved_at IS NOT NULL")
    if start is not None:
        where.append("created_at >= ?")
        params.append(start)
    if end is not None:
        where.append("created_at < ?")
        params.append(end)
    for ids in (procedure_ids, scope_ids):  # a filter the person chose, then what they may see
        if ids is not None:
            where.append(f"procedure_id IN ({', '.join('?' for _ in ids)})" if ids else "0 = 1")
            params.extend(ids)
    return " AND ".join(where), params


def review(
    db: sqlite_utils.Database,
    *,
    kind: str | None = None,
    status: str = "open",
    start: float | None = None,
    end: float | None = None,
    procedure_ids: list[str] | None = None,
    scope_ids: list[str] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Questions to improve the content with, newest first, and how many there are.

    kind: unanswered | down | outside | staff | None (all of them); status: open | resolved | all;
    procedure_ids: only questions about these (a filter); scope_ids: None for every question,
    else only those about these procedures or ready answers (a staff member's division).
    """
    if kind is not None and kind not in REVIEW_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    where, params = _review_where(
        kind=kind, status=status, start=start, end=end, procedure_ids=procedure_ids, scope_ids=scope_ids
    )
    (total,) = db.execute(f"SELECT count(*) FROM handbook_questions WHERE {where}", params).fetchone()
    cur = db.execute(
        f"""SELECT id, question, outcome, procedure_id, section, score, feedback, staff_requested_at, created_at,
                   resolved_at, resolved_by, resolution
            FROM handbook_questions WHERE {where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?""",
        (*params, limit, offset),
    )
    cols = [c[0] for c in cur.description]
    return total, [dict(zip(cols, row)) for row in cur.fetchall()]


def by_id(db: sqlite_utils.Database, question_id: int) -> dict[str, Any] | None:
    cur = db.execute(
        """SELECT id, question, outcome, procedure_id, section, score, feedback, staff_requested_at, created_at,
                  resolved_at, resolved_by, resolution
           FROM handbook_questions WHERE id = ?""",
        (question_id,),
    )
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row)) if row else None


def resolve(db: sqlite_utils.Database, question_id: int, resolution: str, by: str, now: float | None = None) -> bool:
    """Record how the console dealt with a question (alias:<id>, faq:<id> or dismissed); once."""
    return _resolve_once(db, "id", question_id, resolution, by, now)


def _resolve_once(db: sqlite_utils.Database, key: str, value, resolution: str, by: str, now: float | None) -> bool:
    """Resolve the question with this id or ref, unless already resolved: the first resolution stays."""
    now = time.time() if now is None else now
    cur = db.execute(
        "UPDATE handbook_questions SET resolved_at = ?, resolved_by = ?, resolution = ?, updated_at = ? "
        f"WHERE {key} = ? AND resolved_at IS NULL",  # key: "id" or "ref", never from input
        (now, by, resolution, now, value),
    )
    return cur.rowcount == 1


def reopen(db: sqlite_utils.Database, question_id: int, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    cur = db.execute(
        "UPDATE handbook_questions SET resolved_at = NULL, resolved_by = NULL, resolution = NULL, updated_at = ? "
        "WHERE id = ? AND resolved_at IS NOT NULL",
        (now, question_id),
    )
    return cur.rowcount == 1


def counts(db: sqlite_utils.Database, start: float, end: float, scope_ids: list[str] | None = None) -> dict[str, int]:
    """Questions asked in [start, end): total, by outcome, 👍/👎 and staff requests."""
    scope, params = ("1 = 1", []) if scope_ids is None else (
        (f"procedure_id IN ({', '.join('?' for _ in scope_ids)})", list(scope_ids)) if scope_ids else ("0 = 1", [])
    )
    row = db.execute(_COUNTS[dialect(db)].format(scope=scope), (start, end, *params)).fetchone()
    keys = ("total", "answered", "choose", "unanswered", "outside", "up", "down", "staff")
    return dict(zip(keys, row))


_COUNTS = {
    "sqlite": """SELECT count(*),
                   coalesce(sum(outcome = 'answered'), 0), coalesce(sum(outcome = 'choose'), 0),
                   coalesce(sum(outcome = 'unanswered'), 0), coalesce(sum(outcome = 'outside'), 0),
                   coalesce(sum(feedback = 'up'), 0), coalesce(sum(feedback = 'down'), 0),
                   coalesce(sum(staff_requested_at IS NOT NULL), 0)
            FROM handbook_questions WHERE created_at >= ? AND created_at < ? AND {scope}""",
    # PostgreSQL has no sum of booleans: count what each filter lets through.
    "postgresql": """SELECT count(*),
                   count(*) FILTER (WHERE outcome = 'answered'), count(*) FILTER (WHERE outcome = 'choose'),
                   count(*) FILTER (WHERE outcome = 'unanswered'), count(*) FILTER (WHERE outcome = 'outside'),
                   count(*) FILTER (WHERE feedback = 'up'), count(*) FILTER (WHERE feedback = 'down'),
                   count(*) FILTER (WHERE staff_requested_at IS NOT NULL)
            FROM handbook_questions WHERE created_at >= ? AND created_at < ? AND {scope}""",
}


def per_day(db: sqlite_utils.Database, start: float, utc_offset_seconds: int,
            scope_ids: list[str] | None = None) -> dict[int, tuple[int, int]]:
    """Questions since start per local day: {days since 1970-01-01 local: (asked, answered)}."""
    scope, params = ("1 = 1", []) if scope_ids is None else (
        (f"procedure_id IN ({', '.join('?' for _ in scope_ids)})", list(scope_ids)) if scope_ids else ("0 = 1", [])
    )
    return {
        day: (n, answered)
        for day, n, answered in db.execute(
            f"SELECT {_PER_DAY[dialect(db)]} FROM handbook_questions WHERE created_at >= ? AND {scope} GROUP BY day",
            (utc_offset_seconds, start, *params),
        )
    }


_PER_DAY = {
    "sqlite": "CAST((created_at + ?) / 86400 AS INTEGER) AS day, count(*), coalesce(sum(outcome = 'answered'), 0)",
    # Whole days since 1970-01-01: SQLite's CAST truncates, PostgreSQL's rounds.
    "postgresql": "CAST(floor((created_at + ?) / 86400) AS bigint) AS day, count(*),"
                  " count(*) FILTER (WHERE outcome = 'answered')",
}

# What the engines write differently in the daily counts: the Bangkok day of created_at
# (Asia/Bangkok is UTC+7 all year: no daylight saving), whether staff were asked (0/1),
# and the sum of a bigint column (a Decimal on PostgreSQL unless cast).
_SQL = {
    "sqlite": {
        "day": "date(created_at, 'unixepoch', '+7 hours')",
        "staff_requested": "staff_requested_at IS NOT NULL",
        "sum_n": "sum(n)",
    },
    "postgresql": {
        "day": "to_char(to_timestamp(created_at) AT TIME ZONE 'UTC' + interval '7 hours', 'YYYY-MM-DD')",
        "staff_requested": "CAST(staff_requested_at IS NOT NULL AS integer)",
        "sum_n": "CAST(sum(n) AS bigint)",
    },
}


def report_counts(db: sqlite_utils.Database, first_day: str, last_day: str) -> list[tuple[str, str, str, str, int, int]]:
    """Questions asked between two days (YYYY-MM-DD, inclusive), kept or already purged, as
    (day, procedure_id or '', outcome, feedback or '', staff_requested 0/1, number). No text."""
    sql = _SQL[dialect(db)]
    return db.execute(
        f"""SELECT day, procedure_id, outcome, feedback, staff_requested, {sql["sum_n"]} FROM (
              SELECT {sql["day"]} AS day, coalesce(procedure_id, '') AS procedure_id, outcome,
                     coalesce(feedback, '') AS feedback, {sql["staff_requested"]} AS staff_requested, 1 AS n
              FROM handbook_questions
              WHERE created_at >= ? AND created_at < ?
              UNION ALL
              SELECT day, procedure_id, outcome, feedback, staff_requested, questions
              FROM handbook_question_counts WHERE day BETWEEN ? AND ?
            ) AS asked
            GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5""",
        (*_day_span(first_day, last_day), first_day, last_day),
    ).fetchall()


def _day_span(first_day: str, last_day: str) -> tuple[float, float]:
    """Epoch seconds of 00:00 in Bangkok on first_day and on the day after last_day."""
    from datetime import date, datetime, time as clock, timedelta, timezone

    bangkok = timezone(timedelta(hours=7))
    start = datetime.combine(date.fromisoformat(first_day), clock(), bangkok).timestamp()
    end = datetime.combine(date.fromisoformat(last_day) + timedelta(days=1), clock(), bangkok).timestamp()
    return start, end
