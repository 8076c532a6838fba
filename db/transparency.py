"""Published transparency reports, frozen (table transparency_snapshots).

A round of a report is published once, when it closes, and never changes afterwards: the
page's HTML and the PDF and XLSX files are kept exactly as published. A correction is a new
version with a note saying what it corrected; earlier versions stay readable.
Functions expect the caller's transaction where several writes must commit together.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Snapshot:
    id: int
    report: str
    fiscal_year: int
    round: str
    version: int
    title: str
    period_label: str
    as_of: float
    published_at: float
    published_by: str
    note: str | None


_COLUMNS = "id, report, fiscal_year, round, version, title, period_label, as_of, published_at, published_by, note"


def add(
    db: sqlite_utils.Database,
    *,
    report: str,
    fiscal_year: int,
    round: str,
    title: str,
    period_label: str,
    as_of: float,
    html: str,
    pdf: bytes,
    xlsx: bytes,
    published_by: str,
    note: str | None = None,
    now: float | None = None,
) -> Snapshot:
    """The next version of this round (1 if none yet)."""
    (version,) = db.execute(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM transparency_snapshots WHERE report = ? AND fiscal_year = ? AND round = ?",
        (report, fiscal_year, round),
    ).fetchone()
    cur = db.execute(
        """INSERT INTO transparency_snapshots
             (report, fiscal_year, round, version, title, period_label, as_of, html, pdf, xlsx, published_at, published_by, note)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           RETURNING id""",
        (report, fiscal_year, round, version, title, period_label, as_of, html, pdf, xlsx,
         time.time() if now is None else now, published_by, note),
    )
    return get(db, cur.fetchone()[0])


def get(db: sqlite_utils.Database, snapshot_id: int) -> Snapshot | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM transparency_snapshots WHERE id = ?", (snapshot_id,)).fetchone()
    return Snapshot(*row) if row else None


def versions(db: sqlite_utils.Database, report: str, fiscal_year: int, round: str) -> list[Snapshot]:
    """Every version of a round, oldest first."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM transparency_snapshots WHERE report = ? AND fiscal_year = ? AND round = ? ORDER BY version",
        (report, fiscal_year, round),
    ).fetchall()
    return [Snapshot(*row) for row in rows]


def of_year(db: sqlite_utils.Database, fiscal_year: int) -> list[Snapshot]:
    """Every version published for a fiscal year (report, round, version order)."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM transparency_snapshots WHERE fiscal_year = ? ORDER BY report, round, version",
        (fiscal_year,),
    ).fetchall()
    return [Snapshot(*row) for row in rows]


def years(db: sqlite_utils.Database) -> list[int]:
    return [y for (y,) in db.execute("SELECT DISTINCT fiscal_year FROM transparency_snapshots ORDER BY fiscal_year DESC")]


def content(db: sqlite_utils.Database, snapshot_id: int, part: str) -> bytes | str | None:
    """The frozen html, pdf or xlsx of a version."""
    if part not in ("html", "pdf", "xlsx"):
        raise ValueError(part)
    row = db.execute(f"SELECT {part} FROM transparency_snapshots WHERE id = ?", (snapshot_id,)).fetchone()
    if row is None:
        return None
    return row[0] if part == "html" else bytes(row[0])


# --- the public problem board (bot/transparency/problems.py) -----------------------------------


@dataclass(frozen=True)
class VillageProblem:
    """What the public board may show of a village problem: never who filed it, what they wrote
    or where exactly (the caller rounds the coordinates)."""

    id: int
    number: str
    topic: str | None
    status: str
    created_at: float
    closed_at: float | None
    latitude: float | None
    longitude: float | None
    location_title: str | None
    location_address: str | None
    closure_outcome: str | None  # the latest closure's: pending | confirmed | reopened | timed_out
    closure_id: int | None


def village_problems(db: sqlite_utils.Database, fiscal_year: int, limit: int = 300) -> list[VillageProblem]:
    """Village problems (category 'village' only) filed in a fiscal year, newest first."""
    rows = db.execute(
        """SELECT t.id, t.number, t.topic, t.status, t.created_at, t.closed_at, t.latitude, t.longitude,
                  t.location_title, t.location_address, c.outcome, c.id
           FROM tickets t
           LEFT JOIN ticket_closures c ON c.id = (SELECT MAX(id) FROM ticket_closures WHERE ticket_id = t.id)
           WHERE t.category = 'village' AND t.fiscal_year = ?
           ORDER BY t.created_at DESC, t.id DESC LIMIT ?""",
        (fiscal_year, limit),
    ).fetchall()
    return [VillageProblem(*row) for row in rows]


def after_photo_tokens(db: sqlite_utils.Database, closure_ids: list[int]) -> dict[int, list[str]]:
    """closure id → the public tokens of its stored after-photos."""
    if not closure_ids:
        return {}
    marks = ", ".join("?" * len(closure_ids))
    out: dict[int, list[str]] = {}
    for closure_id, token in db.execute(
        f"""SELECT closure_id, public_token FROM ticket_photos
            WHERE closure_id IN ({marks}) AND kind = 'after' AND status = 'stored' AND public_token IS NOT NULL
            ORDER BY id""",
        tuple(closure_ids),
    ):
        out.setdefault(closure_id, []).append(token)
    return out


def village_problem_years(db: sqlite_utils.Database) -> list[int]:
    return [y for (y,) in db.execute("SELECT DISTINCT fiscal_year FROM tickets WHERE category = 'village' ORDER BY fiscal_year DESC")]
