"""Satisfaction ratings of the SAO's services (table service_ratings).

A person rates a service at most once a day: a second rating that day replaces the
first (one INSERT … ON CONFLICT). Reports read only the scores and comments, never
who rated.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

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
    return [ServiceSummary(r[0], r[1], {a: round(v, 2) for a, v in zip(ASPECTS, r[2:])}) for r in rows]


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
    parts = []
    for a in ASPECTS:
        parts.append(f"sum({a}), sum({a} * {a})")
        parts.extend(f"sum({a} = {level})" for level in (5, 4, 3, 2, 1))
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
            per[a] = (n, total, squares, dict(zip((5, 4, 3, 2, 1), levels)))
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
