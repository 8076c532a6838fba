"""Corruption and misconduct reports (tables corruption_reports, corruption_report_events).

Confidential by design:
- Only this module queries these tables, and every function that returns a report's
  content takes the reader's role and refuses any role but the internal audit's
  (AUDITOR, the console's "auditor" role). Staff functions (tickets, questions, the
  dashboard) never touch these tables; counts without content are open to any role.
- An anonymous report stores no LINE id, only the day it came in (a time of day could
  point to who was chatting then), and a scrypt hash of the secret shown once to the
  reporter, who follows up with the report code and that secret.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlite_utils

AUDITOR = "auditor"
STATUSES = ("received", "reviewing", "referred", "closed", "not_pursued")
# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: read aloud or typed on a phone without mistakes.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_PREFIX = "TJ"
CODE_LENGTH = 6
SECRET_LENGTH = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class NotAuthorized(PermissionError):
    """Only the internal audit role may read or change corruption reports."""


@dataclass(frozen=True)
class Report:
    """Everything about a report: for the audit role only."""

    id: int
    code: str
    anonymous: bool
    chat_key: str | None
    line_user_id: str | None
    details: str
    received_on: str
    status: str
    message_to_reporter: str | None
    updated_at: float | None


@dataclass(frozen=True)
class ReporterView:
    """What the reporter sees when following up: no content is ever sent back."""

    code: str
    received_on: str
    status: str
    message_to_reporter: str | None


def _require_auditor(role: str) -> None:
    if role != AUDITOR:
        raise NotAuthorized("corruption reports are readable by the internal audit role only")


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(code: str) -> str:
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    if text.startswith(CODE_PREFIX):
        text = text[len(CODE_PREFIX):]
    return f"{CODE_PREFIX}-{text}"


def normalise_secret(secret: str) -> str:
    return "".join(ch for ch in secret.upper() if ch.isalnum())


def _hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(normalise_secret(secret).encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _secret_matches(secret: str, stored: str) -> bool:
    try:
        _, salt_hex, digest_hex = stored.split("$")
        expected = _hash_secret(secret, bytes.fromhex(salt_hex)).split("$")[2]
    except ValueError:
        return False
    return hmac.compare_digest(expected, digest_hex)


def create(
    db: sqlite_utils.Database,
    *,
    anonymous: bool,
    chat_key: str | None,
    line_user_id: str | None,
    details: str,
    received_on: str,
) -> tuple[int, str, str]:
    """Store a report; return (id, code, secret). The secret is not stored, only its hash."""
    if anonymous:
        chat_key = line_user_id = None
    secret = _random(SECRET_LENGTH)
    secret_hash = _hash_secret(secret)
    while True:
        code = f"{CODE_PREFIX}-{_random(CODE_LENGTH)}"
        # A code already given out inserts nothing and returns no row: draw another.
        row = db.execute(
            """INSERT INTO corruption_reports
                 (code, secret_hash, anonymous, chat_key, line_user_id, details, received_on, status)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'received') ON CONFLICT DO NOTHING RETURNING id""",
            (code, secret_hash, int(anonymous), chat_key, line_user_id, details, received_on),
        ).fetchone()
        if row is not None:
            report_id = row[0]
            break
    # The first event keeps the day only, like the report.
    db.execute(
        "INSERT INTO corruption_report_events (report_id, at, actor, status, note) VALUES (?, ?, ?, 'received', NULL)",
        (report_id, _day_start(received_on), "ผู้แจ้ง"),
    )
    return report_id, code, f"{secret[:4]}-{secret[4:]}"


def _day_start(day: str) -> float:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(day).replace(tzinfo=ZoneInfo("Asia/Bangkok")).timestamp()


def follow_up(db: sqlite_utils.Database, code: str, secret: str) -> ReporterView | None:
    """The reporter's view, if the code and secret match; None otherwise (same for both)."""
    row = db.execute(
        "SELECT code, received_on, status, message_to_reporter, secret_hash FROM corruption_reports WHERE code = ?",
        (normalise_code(code),),
    ).fetchone()
    if row is None:
        _hash_secret(secret)  # same work either way: the answer time does not tell which codes exist
        return None
    if not _secret_matches(secret, row[4]):
        return None
    return ReporterView(*row[:4])


_REPORT_COLUMNS = "id, code, anonymous, chat_key, line_user_id, details, received_on, status, message_to_reporter, updated_at"


def _report(row) -> Report:
    return Report(row[0], row[1], bool(row[2]), *row[3:])


def list_reports(db: sqlite_utils.Database, *, role: str, status: str | None = None) -> list[Report]:
    _require_auditor(role)
    where, params = ("WHERE status = ?", (status,)) if status else ("", ())
    return [_report(r) for r in db.execute(f"SELECT {_REPORT_COLUMNS} FROM corruption_reports {where} ORDER BY id DESC", params)]


def read(db: sqlite_utils.Database, code: str, *, role: str) -> Report | None:
    _require_auditor(role)
    row = db.execute(f"SELECT {_REPORT_COLUMNS} FROM corruption_reports WHERE code = ?", (normalise_code(code),)).fetchone()
    return _report(row) if row else None


def read_by_id(db: sqlite_utils.Database, report_id: int, *, role: str) -> Report | None:
    _require_auditor(role)
    row = db.execute(f"SELECT {_REPORT_COLUMNS} FROM corruption_reports WHERE id = ?", (report_id,)).fetchone()
    return _report(row) if row else None


def history(db: sqlite_utils.Database, report_id: int, *, role: str) -> list[tuple[float, str, str, str | None]]:
    _require_auditor(role)
    return db.execute(
        "SELECT at, actor, status, note FROM corruption_report_events WHERE report_id = ? ORDER BY at, id", (report_id,)
    ).fetchall()


def update(
    db: sqlite_utils.Database,
    code: str,
    *,
    role: str,
    actor: str,
    status: str,
    note: str | None = None,
    message_to_reporter: str | None = None,
) -> Report:
    """Change the status (and what the reporter is told); recorded with who and when."""
    _require_auditor(role)
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    report = read(db, code, role=role)
    if report is None:
        raise LookupError(code)
    now = time.time()
    db.execute(
        "UPDATE corruption_reports SET status = ?, message_to_reporter = coalesce(?, message_to_reporter), updated_at = ? WHERE id = ?",
        (status, message_to_reporter, now, report.id),
    )
    db.execute(
        "INSERT INTO corruption_report_events (report_id, at, actor, status, note) VALUES (?, ?, ?, ?, ?)",
        (report.id, now, actor, status, note),
    )
    return read(db, code, role=role)


def count_by_status(db: sqlite_utils.Database) -> dict[str, int]:
    """Counts only, no content: for dashboards of any role."""
    return dict(db.execute("SELECT status, count(*) FROM corruption_reports GROUP BY status").fetchall())


def counts_received_between(db: sqlite_utils.Database, first_day: str, last_day: str) -> list[tuple[str, str, int]]:
    """Counts only, no content: (month YYYY-MM received, current status, number) of the
    reports received between two days (inclusive), for the audit unit's yearly report."""
    return db.execute(
        "SELECT substr(received_on, 1, 7), status, count(*) FROM corruption_reports "
        "WHERE received_on BETWEEN ? AND ? GROUP BY 1, 2 ORDER BY 1, 2",
        (first_day, last_day),
    ).fetchall()


def forget_reporters(db: sqlite_utils.Database, before: float) -> int:
    """Retention: a case closed (or not pursued) before `before` no longer keeps who reported
    it; the account, the status and the dates stay for the integrity report."""
    return db.execute(
        """UPDATE corruption_reports SET chat_key = NULL, line_user_id = NULL, anonymous = 1
           WHERE status IN ('closed', 'not_pursued') AND updated_at < ?
             AND (chat_key IS NOT NULL OR line_user_id IS NOT NULL)""",
        (before,),
    ).rowcount


def erase_chat(db: sqlite_utils.Database, chat_key: str) -> int:
    """PDPA erasure: the reporter's LINE link goes, so the report becomes anonymous. The
    content stays with the audit unit: it concerns a possible offence by an official and
    the SAO must keep it to investigate (PDPA section 33 allows refusing erasure there)."""
    return db.execute(
        "UPDATE corruption_reports SET chat_key = NULL, line_user_id = NULL, anonymous = 1 WHERE chat_key = ?",
        (chat_key,),
    ).rowcount
