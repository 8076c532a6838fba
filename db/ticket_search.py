"""The console's ticket list: its filters, Thai text search over the ticket_search index
(FTS5 trigrams, db/migrations.py version 7), and the counts of the list and the dashboard.
Read only, and apart from db/tickets.py (filing, changing, erasing): the one place that
knows how a query is folded and matched (the index is kept by triggers, merged on erasure).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

import sqlite_utils

from db import dialect
from db.tickets import CLOSED_STATUSES, OPEN_STATUSES, Ticket, select

# What the view ticket_search_source (db/migrations.py, version 7) does to the indexed text.
_SEARCH_FOLD = str.maketrans({**{chr(c): None for c in (0x0E48, 0x0E49, 0x0E4A, 0x0E4B, 0x0E47, 0x0E4C)},
                              **{chr(0x0E50 + i): str(i) for i in range(10)}})
_NUMBER = re.compile(r"^[A-Za-z]{1,6}-\d{4}-\d{1,6}$")
_NUMBER_PART = re.compile(r"^[A-Za-z0-9-]+$")


def fold_for_search(text: str) -> str:
    """A query folded like the indexed text: "ไฟฟ้าดับ" finds "ไฟฟาดบ", typed with or without tone marks."""
    text = unicodedata.normalize("NFC", text or "").replace("\u0e40\u0e40", "\u0e41").replace("\u0e4d\u0e32", "\u0e33")
    return text.translate(_SEARCH_FOLD).lower()


@dataclass(frozen=True)
class TicketQuery:
    """Filters of the console's ticket list; every field optional."""

    status: str | None = None  # a status, or "open" / "closed"
    category: str | None = None
    division_id: str | None = None
    start: float | None = None  # created_at, epoch seconds, inclusive
    end: float | None = None  # exclusive
    text: str = ""  # Thai words (all must appear) or a ticket number
    scope: tuple[str, list] = field(default=("1 = 1", []))  # bot.console.auth.division_sql(user, "division_id")
    # Only these tickets (the late ones: their due dates may be computed, not stored); None: any.
    ids: tuple[int, ...] | None = None


def _glob(word: str) -> str:
    """A GLOB pattern matching the word anywhere."""
    return "*" + "".join(f"[{ch}]" if ch in "*?[" else ch for ch in word) + "*"


# The engines' SQL for the ids of a JSON array, for a short word in the folded text, and for a
# ticket number's part. Long words: _long_words_match.
_IDS_IN = {
    "sqlite": "SELECT value FROM json_each(?)",
    "postgresql": "SELECT value::bigint FROM jsonb_array_elements_text(?::jsonb)",
}
_SHORT_WORD = {"sqlite": "instr(body, ?) > 0", "postgresql": "strpos(body, ?) > 0"}
_SEARCH_ID = {"sqlite": "rowid", "postgresql": "id"}
_NUMBER_HAS = {"sqlite": "number GLOB ?", "postgresql": "strpos(number, ?) > 0"}


def _long_words_match(engine: str, words: list[str]) -> tuple[list[str], list]:
    """Conditions on ticket_search that words of 3+ characters all appear, and their parameters.

    SQLite: one FTS5 MATCH of trigram phrases (a phrase of trigrams is exactly a substring).
    PostgreSQL (db/postgres_versions/0003_tickets.sql): the rows holding all of a word's
    trigrams (the GIN index), then the word as a substring of the text in lower case, as
    FTS5 folds case: the same rows match."""
    if engine == "sqlite":
        return ["ticket_search MATCH ?"], [" AND ".join('"' + w.replace('"', '""') + '"' for w in words)]
    trigrams = sorted({w[i:i + 3] for w in words for i in range(len(w) - 2)})
    return ["trigrams @> ?::text[]"] + ["strpos(lower(body), ?) > 0"] * len(words), [trigrams, *words]


def _query_where(q: TicketQuery, engine: str = "sqlite") -> tuple[str, list]:
    scope_sql, scope_params = q.scope
    where, params = [f"({scope_sql})"], list(scope_params)
    if q.status == "open":
        where.append(f"status IN ({','.join('?' * len(OPEN_STATUSES))})")
        params.extend(OPEN_STATUSES)
    elif q.status == "closed":
        where.append(f"status IN ({','.join('?' * len(CLOSED_STATUSES))})")
        params.extend(CLOSED_STATUSES)
    elif q.status:
        where.append("status = ?")
        params.append(q.status)
    if q.ids is not None:
        where.append(f"id IN ({_IDS_IN[engine]})")
        params.append(json.dumps(list(q.ids)))
    for column, value in (("category", q.category), ("division_id", q.division_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if q.start is not None:
        where.append("created_at >= ?")
        params.append(q.start)
    if q.end is not None:
        where.append("created_at < ?")
        params.append(q.end)
    text = " ".join((q.text or "").split())
    if _NUMBER.match(text):
        where.append("number = ?")
        params.append(text.upper())
    elif text:
        # Every word must appear (a substring, as staff expect). Words of 3+ characters are
        # trigram phrases (a phrase of trigrams is exactly a substring, and MATCH is the fast
        # path: bench/ticket_search_bench.py); shorter ones ("ไฟ") are checked with instr()
        # on the rows found, or on the index's copy of every row when no word is long enough.
        words = list(dict.fromkeys(fold_for_search(w) for w in text.split()))[:8]
        long_words = [w for w in words if len(w) >= 3]
        checks = [_SHORT_WORD[engine] for w in words if len(w) < 3]
        if long_words:
            long_checks, long_params = _long_words_match(engine, long_words)
            checks[:0] = long_checks
            params.extend(long_params)
        params.extend(w for w in words if len(w) < 3)
        matching = f"SELECT {_SEARCH_ID[engine]} FROM ticket_search WHERE {' AND '.join(checks)}"
        if _NUMBER_PART.match(text):  # "00042", "2570-000": part of a ticket number too
            matching += f" UNION SELECT id FROM tickets WHERE {_NUMBER_HAS[engine]}"
            params.append(_glob(text.upper()) if engine == "sqlite" else text.upper())
        where.append(f"id IN ({matching})")
    return " AND ".join(where), params


def find(db: sqlite_utils.Database, q: TicketQuery, limit: int = 50, offset: int = 0) -> list[Ticket]:
    where, params = _query_where(q, dialect(db))
    return select(db, where, tuple(params), f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)} OFFSET {int(offset)}")


def count(db: sqlite_utils.Database, q: TicketQuery) -> int:
    where, params = _query_where(q, dialect(db))
    (n,) = db.execute(f"SELECT count(*) FROM tickets WHERE {where}", params).fetchone()
    return n


def count_by_status(db: sqlite_utils.Database, scope: tuple[str, list] = ("1 = 1", [])) -> dict[str, int]:
    return dict(db.execute(f"SELECT status, count(*) FROM tickets WHERE {scope[0]} GROUP BY status", scope[1]).fetchall())


def count_created(db: sqlite_utils.Database, start: float, end: float, scope: tuple[str, list] = ("1 = 1", [])) -> int:
    (n,) = db.execute(
        f"SELECT count(*) FROM tickets WHERE ({scope[0]}) AND created_at >= ? AND created_at < ?", (*scope[1], start, end)
    ).fetchone()
    return n

