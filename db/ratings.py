"""Satisfaction ratings of the SAO's services (table service_ratings).

A person rates a service at most once a day: a second rating that day replaces the
first (one INSERT … ON CONFLICT). Reports read only the scores and comments, never
who rated.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

from db import dialect

ASPECTS = ("process", "staff", "facilities", "information", "overall")


@dataclass(frozen=True)
class ServiceSummary:
    service_id: str
    count: int
    averages: dict[str, float]  # aspect → mean score 1..5


def save(
    db: sqlite_utils.Database,
    *,
    chat_key: str,
    service_id: str,
    division_id: str,
    rated_on: str,
    fiscal_year: int,
    scores: dict[str, int],
    comment: str | None,
    source: str,
) -> bool:
    """Record a rating; return True when it replaced the person's earlier one of today."""
    if set(scores) != set(ASPECTS) or not all(1 <= int(v) <= 5 for v in scores.values()):
        raise ValueError(f"scores must give 1..5 for each of {ASPECTS}")
    now = time.time()
    existed = db.execute(
        "SELECT 1 FROM service_ratings WHERE chat_key = ? AND service_id = ? AND rated_on = ?",
        (chat_key, service_id, rated_on),
    ).fetchone()
    db.execute(
        """INSERT INTO service_ratings
             (service_id, division_id, rated_on, fiscal_year, chat_key, process, staff, facilities,
              information, overall, comment, source, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (chat_key, service_id, rated_on) WHERE chat_key IS NOT NULL DO UPDATE SET
             division_id = excluded.division_id, process = excluded.process, staff = excluded.staff,
             facilities = excluded.facilities, information = excluded.information,
             overall = excluded.overall, comment = excluded.comment, source = excluded.source,
             updated_at = excluded.updated_at""",
        (
            service_id, division_id, rated_on, fiscal_year, chat_key,
            *(int(scores[a]) for a in ASPECTS),
            comment or None, source, now, now,
        ),
    )
    return existed is not None


def count_today(db: sqlite_utils.Database, chat_key: str, rated_on: str) -> int:
    (n,) = db.execute(
        "SELECT count(*) FROM service_ratings WHERE chat_key = ? AND rated_on = ?", (chat_key, rated_on)
    ).fetchone()
    return n


def summary(db: sqlite_utils.Database, first_day: str, last_day: str) -> list[ServiceSummary]:
    """Average scores per service between two days (YYYY-MM-DD, inclusive), no names."""
    means = ", ".join(f"avg({a})" for a in ASPECTS)
    rows = db.execute(
        f"SELECT service_id, count(*), {means} FROM service_ratings "
        "WHERE rated_on BETWEEN ? AND ? GROUP BY service_id ORDER BY service_id",
        (first_day, last_day),
    ).fetchall()
    return [ServiceSummary(r[0], r[1], {a: _mean(v) for a, v in zip(ASPECTS, r[2:])}) for r in rows]


def _mean(value) -> float | None:
    """An avg() to two decimals: PostgreSQL's avg of a bigint column is a Decimal, SQLite's a float."""
    return None if value is None else round(float(value), 2)


def comments(
    db: sqlite_utils.Database, first_day: str, last_day: str, division_id: str | None = None
) -> list[tuple[str, str, str]]:
    """(rated_on, service_id, comment) without who wrote them; optionally one division's services."""
    where, params = ("AND division_id = ?", (division_id,)) if division_id else ("", ())
    return db.execute(
        "SELECT rated_on, service_id, comment FROM service_ratings "
        f"WHERE comment IS NOT NULL AND rated_on BETWEEN ? AND ? {where} ORDER BY rated_on, id",
        (first_day, last_day, *params),
    ).fetchall()


# --- for the published reports (bot/reports) ---------------------------------------------------

# How many answers gave one level: SQLite sums the comparison's 0/1, PostgreSQL has no sum of booleans.
_LEVEL_COUNT = {
    "sqlite": "sum({aspect} = {level})",
    "postgresql": "count(*) FILTER (WHERE {aspect} = {level})",
}

REPORT_GROUPS = {
    "all": "''",
    "service": "service_id",
    "source": "source",
    "month": "substr(rated_on, 1, 7)",
    "division": "division_id",
}


def score_totals(
    db: sqlite_utils.Database, first_day: str, last_day: str, group: str = "all", division_id: str | None = None
) -> dict[str, dict[str, tuple[int, int, int, dict[int, int]]]]:
    """Sums to compute means, S.D. and shares without reading every rating into Python.

    {group key: {aspect: (answers, sum of scores, sum of squares, {level: answers})}}; the
    group is the service id, the source (menu | qr | handbook), the month (YYYY-MM), the
    division, or '' for all ratings between the two days (inclusive). No names.
    """
    key = REPORT_GROUPS[group]
    level_count = _LEVEL_COUNT[dialect(db)]
    parts = []
    for a in ASPECTS:
        parts.append(f"sum({a}), sum({a} * {a})")
        parts.extend(level_count.format(aspect=a, level=level) for level in (5, 4, 3, 2, 1))
    where, params = ("AND division_id = ?", (division_id,)) if division_id else ("", ())
    rows = db.execute(
        f"SELECT {key}, count(*), {', '.join(parts)} FROM service_ratings "
        f"WHERE rated_on BETWEEN ? AND ? {where} GROUP BY 1 ORDER BY 1",
        (first_day, last_day, *params),
    ).fetchall()
    out: dict[str, dict[str, tuple[int, int, int, dict[int, int]]]] = {}
    for row in rows:
        n, values, per = row[1], row[2:], {}
        for i, a in enumerate(ASPECTS):
            total, squares, *levels = values[i * 7:(i + 1) * 7]
            # int(): PostgreSQL's sum of a bigint column is a Decimal.
            per[a] = (n, int(total), int(squares), dict(zip((5, 4, 3, 2, 1), levels)))
        out[row[0]] = per
    return out


def forget_raters(db: sqlite_utils.Database, before_day: str) -> int:
    """Retention: the rater is needed only on the day itself (one rating a day)."""
    return db.execute(
        "UPDATE service_ratings SET chat_key = NULL WHERE chat_key IS NOT NULL AND rated_on < ?", (before_day,)
    ).rowcount


def erase_chat(db: sqlite_utils.Database, chat_key: str) -> int:
    """PDPA erasure: keep the scores (anonymous), drop who rated and what they wrote."""
    return db.execute(
        "UPDATE service_ratings SET chat_key = NULL, comment = NULL WHERE chat_key = ?", (chat_key,)
    ).rowcount


# --- the console: lists, averages and charts, never who rated ------------------------------------


@dataclass(frozen=True)
class Rating:
    """One rating as reports show it: no chat, no name."""

    id: int
    service_id: str
    division_id: str
    rated_on: str
    fiscal_year: int
    process: int
    staff: int
    facilities: int
    information: int
    overall: int
    comment: str | None
    source: str

    def score(self, aspect: str) -> int:
        return getattr(self, aspect)


_RATING_COLUMNS = "id, service_id, division_id, rated_on, fiscal_year, process, staff, facilities, information, overall, comment, source"
SCORE_FILTERS = ("5", "4", "3", "2", "1", "low")  # "low": 1–2 on the overall question


@dataclass(frozen=True)
class RatingQuery:
    first_day: str | None = None  # YYYY-MM-DD, inclusive
    last_day: str | None = None
    service_id: str | None = None
    score: str | None = None  # one of SCORE_FILTERS, on the overall question
    with_comment: bool = False
    scope: tuple[str, list] = ("1 = 1", [])  # bot.console.auth.division_sql(user)


def _where(q: RatingQuery) -> tuple[str, list]:
    where, params = [f"({q.scope[0]})"], list(q.scope[1])
    if q.first_day:
        where.append("rated_on >= ?")
        params.append(q.first_day)
    if q.last_day:
        where.append("rated_on <= ?")
        params.append(q.last_day)
    if q.service_id:
        where.append("service_id = ?")
        params.append(q.service_id)
    if q.score == "low":
        where.append("overall <= 2")
    elif q.score in SCORE_FILTERS:
        where.append("overall = ?")
        params.append(int(q.score))
    if q.with_comment:
        where.append("comment IS NOT NULL AND comment <> ''")
    return " AND ".join(where), params


def find(db: sqlite_utils.Database, q: RatingQuery, limit: int = 50, offset: int = 0) -> list[Rating]:
    where, params = _where(q)
    rows = db.execute(
        f"SELECT {_RATING_COLUMNS} FROM service_ratings WHERE {where} ORDER BY rated_on DESC, id DESC LIMIT ? OFFSET ?",
        (*params, int(limit), int(offset)),
    ).fetchall()
    return [Rating(*row) for row in rows]


def averages(db: sqlite_utils.Database, q: RatingQuery) -> tuple[int, dict[str, float | None]]:
    """(number of ratings, mean score per aspect) of what the filters select."""
    where, params = _where(q)
    row = db.execute(f"SELECT count(*), {', '.join(f'avg({a})' for a in ASPECTS)} FROM service_ratings WHERE {where}", params).fetchone()
    return row[0], {a: _mean(v) for a, v in zip(ASPECTS, row[1:])}


def by_service(db: sqlite_utils.Database, q: RatingQuery) -> list[ServiceSummary]:
    where, params = _where(q)
    rows = db.execute(
        f"SELECT service_id, count(*), {', '.join(f'avg({a})' for a in ASPECTS)} FROM service_ratings WHERE {where} "
        "GROUP BY service_id ORDER BY count(*) DESC, service_id",
        params,
    ).fetchall()
    return [ServiceSummary(r[0], r[1], {a: _mean(v) for a, v in zip(ASPECTS, r[2:])}) for r in rows]


def by_month(db: sqlite_utils.Database, q: RatingQuery) -> dict[str, tuple[int, float]]:
    """'YYYY-MM' → (number of ratings, mean overall score)."""
    where, params = _where(q)
    rows = db.execute(
        f"SELECT substr(rated_on, 1, 7), count(*), avg(overall) FROM service_ratings WHERE {where} GROUP BY 1", params
    ).fetchall()
    return {month: (n, _mean(mean)) for month, n, mean in rows}


def service_ids(db: sqlite_utils.Database, scope: tuple[str, list] = ("1 = 1", [])) -> list[str]:
    return [r[0] for r in db.execute(f"SELECT DISTINCT service_id FROM service_ratings WHERE {scope[0]} ORDER BY 1", scope[1])]


def first_day(db: sqlite_utils.Database, q: RatingQuery) -> str | None:
    where, params = _where(q)
    return db.execute(f"SELECT min(rated_on) FROM service_ratings WHERE {where}", params).fetchone()[0]
