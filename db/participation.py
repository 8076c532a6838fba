"""Participation records (tables of migration 18): activities the SAO held outside LINE, and
consultations on LINE with their answers and the followers who asked to hear of them.

An answer names nobody: its person_key is HMAC-SHA256 of the chat key under the
consultation's own random salt, enough to take one answer per person while it is open; closing
deletes the salt, after which no answer can be traced back to a chat. Published figures
(`closed_consultations`) hold counts only, never the comments.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from bot.common.thaidate import fiscal_year_bounds, now as bangkok_now, to_bangkok

LINE_TOPIC_KEYS = ("satisfaction", "tickets", "staff-questions", "handbook")


# --- activities ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    id: int
    held_on: date
    topic: str  # an activity's name, or a LINE topic key (LINE_TOPIC_KEYS)
    channel: str
    participants: tuple[tuple[str, int], ...]  # (village or "", number)
    decided: str
    improvement: str
    created_by: str
    created_at: float
    updated_by: str | None
    updated_at: float | None

    @property
    def total(self) -> int:
        return sum(n for _, n in self.participants)

    @property
    def is_line_topic(self) -> bool:
        return self.topic in LINE_TOPIC_KEYS


_ACTIVITY = ("SELECT id, held_on, topic, channel, participants, decided, improvement, created_by, created_at, updated_by,"
             " updated_at FROM participation_activities")


def _activity(row) -> Activity:
    participants = tuple((str(v), int(n)) for v, n in json.loads(row[4] or "[]"))
    return Activity(row[0], date.fromisoformat(row[1]), row[2], row[3], participants, *row[5:])


def _participants_json(participants) -> str:
    return json.dumps([[str(v), int(n)] for v, n in participants], ensure_ascii=False)


def add_activity(db: sqlite_utils.Database, *, held_on: date, topic: str, channel: str = "", participants=(), decided: str = "",
                 improvement: str = "", by: str, now: float | None = None) -> int:
    return db.execute(
        "INSERT INTO participation_activities (held_on, topic, channel, participants, decided, improvement, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (held_on.isoformat(), topic, channel, _participants_json(participants), decided, improvement, by,
         time.time() if now is None else now),
    ).fetchone()[0]


def update_activity(db: sqlite_utils.Database, activity_id: int, *, held_on: date, topic: str, channel: str = "", participants=(),
                    decided: str = "", improvement: str = "", by: str, now: float | None = None) -> bool:
    return db.execute(
        "UPDATE participation_activities SET held_on = ?, topic = ?, channel = ?, participants = ?, decided = ?, improvement = ?,"
        " updated_by = ?, updated_at = ? WHERE id = ?",
        (held_on.isoformat(), topic, channel, _participants_json(participants), decided, improvement, by,
         time.time() if now is None else now, activity_id),
    ).rowcount == 1


def delete_activity(db: sqlite_utils.Database, activity_id: int) -> bool:
    return db.execute("DELETE FROM participation_activities WHERE id = ?", (activity_id,)).rowcount == 1


def get_activity(db: sqlite_utils.Database, activity_id: int) -> Activity | None:
    row = db.execute(_ACTIVITY + " WHERE id = ?", (activity_id,)).fetchone()
    return _activity(row) if row else None


def activities(db: sqlite_utils.Database, first: date | None = None, last: date | None = None) -> list[Activity]:
    """Oldest first; within [first, last] when given."""
    rows = db.execute(
        _ACTIVITY + " WHERE held_on >= ? AND held_on <= ? ORDER BY held_on, id",
        ((first or date.min).isoformat(), (last or date.max).isoformat()),
    ).fetchall()
    return [_activity(r) for r in rows]


def count_activities(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM participation_activities").fetchone()[0]


def import_once(db: sqlite_utils.Database, import_key: str, *, by: str, now: float | None = None, **fields) -> int | None:
    """Add an activity from an imported entry unless that entry was imported before (even if
    its activity was deleted since): the new id, or None."""
    if db.execute("SELECT 1 FROM participation_imports WHERE import_key = ?", (import_key,)).fetchone():
        return None
    activity_id = add_activity(db, by=by, now=now, **fields)
    db.execute("INSERT INTO participation_imports (import_key, activity_id, imported_at) VALUES (?, ?, ?)",
               (import_key, activity_id, time.time() if now is None else now))
    return activity_id


# --- consultations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consultation:
    id: int
    question: str
    choices: tuple[str, ...]
    allow_comment: bool
    villages: tuple[str, ...]
    opens_at: float
    closes_on: date
    status: str  # open | closed (an open one past its closing day counts as closed)
    closed_at: float | None
    announced: int
    created_by: str
    created_at: float

    def is_open(self, today: date) -> bool:
        return self.status == "open" and today <= self.closes_on

    def choice_text(self, index: int | None) -> str:
        return self.choices[index] if index is not None and 0 <= index < len(self.choices) else ""


_CONSULTATION = ("SELECT id, question, choices, allow_comment, villages, opens_at, closes_on, status, closed_at, announced,"
                 " created_by, created_at FROM consultations")


def _consultation(row) -> Consultation:
    return Consultation(row[0], row[1], tuple(json.loads(row[2] or "[]")), bool(row[3]), tuple(json.loads(row[4] or "[]")),
                        row[5], date.fromisoformat(row[6]), *row[7:])


def open_consultation(db: sqlite_utils.Database, *, question: str, choices=(), allow_comment: bool = False, villages=(),
                      closes_on: date, by: str, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return db.execute(
        "INSERT INTO consultations (question, choices, allow_comment, villages, opens_at, closes_on, status, salt, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id",
        (question, json.dumps(list(choices), ensure_ascii=False), int(bool(allow_comment)),
         json.dumps(list(villages), ensure_ascii=False), now, closes_on.isoformat(), secrets.token_bytes(32), by, now),
    ).fetchone()[0]


def get(db: sqlite_utils.Database, consultation_id: int) -> Consultation | None:
    row = db.execute(_CONSULTATION + " WHERE id = ?", (consultation_id,)).fetchone()
    return _consultation(row) if row else None


def all_consultations(db: sqlite_utils.Database) -> list[Consultation]:
    return [_consultation(r) for r in db.execute(_CONSULTATION + " ORDER BY id DESC").fetchall()]


def open_now(db: sqlite_utils.Database, today: date) -> list[Consultation]:
    rows = db.execute(_CONSULTATION + " WHERE status = 'open' AND closes_on >= ? ORDER BY closes_on, id", (today.isoformat(),))
    return [_consultation(r) for r in rows.fetchall()]


def close(db: sqlite_utils.Database, consultation_id: int, now: float | None = None) -> bool:
    """Close it (early, or after its day): no more answers, and the salt is forgotten."""
    return db.execute(
        "UPDATE consultations SET status = 'closed', closed_at = ?, salt = NULL WHERE id = ? AND (status = 'open' OR salt IS NOT NULL)",
        (time.time() if now is None else now, consultation_id),
    ).rowcount == 1


def due_to_close(db: sqlite_utils.Database, today: date) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM consultations WHERE status = 'open' AND closes_on < ?", (today.isoformat(),))]


def set_announced(db: sqlite_utils.Database, consultation_id: int, pushes: int) -> None:
    db.execute("UPDATE consultations SET announced = ? WHERE id = ?", (pushes, consultation_id))


def _salt(db, consultation_id: int) -> bytes | None:
    row = db.execute("SELECT salt FROM consultations WHERE id = ?", (consultation_id,)).fetchone()
    return row[0] if row else None


def person_key(salt: bytes, chat_key: str) -> str:
    return hmac.new(salt, chat_key.encode("utf-8"), hashlib.sha256).hexdigest()


def has_answered(db: sqlite_utils.Database, consultation_id: int, chat_key: str) -> bool:
    salt = _salt(db, consultation_id)
    if salt is None:
        return False
    key = person_key(salt, chat_key)
    return db.execute("SELECT 1 FROM consultation_answers WHERE consultation_id = ? AND person_key = ?",
                      (consultation_id, key)).fetchone() is not None


def add_answer(db: sqlite_utils.Database, consultation_id: int, chat_key: str, *, choice: int | None, comment: str | None,
               village: str | None, now: float | None = None) -> bool:
    """Record one person's answer; False when they answered already or it is closed."""
    salt = _salt(db, consultation_id)
    if salt is None:
        return False
    return db.execute(
        "INSERT INTO consultation_answers (consultation_id, person_key, choice, comment, village, answered_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (consultation_id, person_key(salt, chat_key), choice, comment or None, village or None, time.time() if now is None else now),
    ).rowcount == 1


@dataclass(frozen=True)
class Results:
    total: int
    by_choice: tuple[tuple[str, int], ...]  # every choice, in order, with its count
    by_village: tuple[tuple[str, int], ...]  # "" = not said
    comments: tuple[tuple[float, str, str, str], ...]  # (answered_at, village, choice, comment): staff only


def results(db: sqlite_utils.Database, consultation: Consultation) -> Results:
    cid = consultation.id
    total = db.execute("SELECT count(*) FROM consultation_answers WHERE consultation_id = ?", (cid,)).fetchone()[0]
    counted = dict(db.execute("SELECT choice, count(*) FROM consultation_answers WHERE consultation_id = ? AND choice IS NOT NULL"
                              " GROUP BY choice", (cid,)).fetchall())
    by_village = db.execute("SELECT coalesce(village, ''), count(*) FROM consultation_answers WHERE consultation_id = ?"
                            " GROUP BY coalesce(village, '') ORDER BY 1", (cid,)).fetchall()
    order = {v: i for i, v in enumerate(consultation.villages)}
    by_village.sort(key=lambda r: (r[0] == "", order.get(r[0], len(order)), r[0]))
    comments = db.execute("SELECT answered_at, coalesce(village, ''), choice, comment FROM consultation_answers"
                          " WHERE consultation_id = ? AND comment IS NOT NULL ORDER BY answered_at, id", (cid,)).fetchall()
    return Results(
        total,
        tuple((text, counted.get(i, 0)) for i, text in enumerate(consultation.choices)),
        tuple((v, n) for v, n in by_village),
        tuple((at, v, consultation.choice_text(ch), text) for at, v, ch, text in comments),
    )


@dataclass(frozen=True)
class ClosedConsultation:
    """What may be published about a closed consultation: counts only."""

    id: int
    question: str
    choices: tuple[tuple[str, int], ...]  # (choice, answers)
    participants: int
    villages: tuple[tuple[str, int], ...]  # (village, answers); "" = not said
    opened_on: date
    closes_on: date


def closing_day(consultation: Consultation) -> date:
    """The day it stopped taking answers: its closing day, or the day it was closed early."""
    if consultation.closed_at is not None:
        return min(consultation.closes_on, to_bangkok(consultation.closed_at).date())
    return consultation.closes_on


def closed_between(db: sqlite_utils.Database, first: date, last: date, today: date | None = None) -> list[ClosedConsultation]:
    """Consultations closed by `today` whose closing day (closed early: that day) is in [first, last], oldest first."""
    today = today or bangkok_now().date()
    rows = db.execute(_CONSULTATION + " WHERE status = 'closed' OR closes_on < ?", (today.isoformat(),)).fetchall()
    found = sorted(((closing_day(c), c) for c in map(_consultation, rows)), key=lambda pair: (pair[0], pair[1].id))
    out = []
    for day, c in found:
        if first <= day <= last:
            r = results(db, c)
            out.append(ClosedConsultation(c.id, c.question, r.by_choice, r.total, r.by_village, to_bangkok(c.opens_at).date(), day))
    return out


def closed_consultations(db: sqlite_utils.Database, fiscal_year: int, today: date | None = None) -> list[ClosedConsultation]:
    """The closed consultations of a fiscal year (B.E., by closing day), for the public pages:
    the question, each choice with its count, participants per village, the closing day."""
    first, last = fiscal_year_bounds(fiscal_year)
    return closed_between(db, first, last, today)


# --- who asked to hear of new consultations ------------------------------------------------------


def opt_in(db: sqlite_utils.Database, chat_key: str, now: float | None = None) -> bool:
    return db.execute("INSERT INTO consultation_optins (chat_key, opted_in_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                      (chat_key, time.time() if now is None else now)).rowcount == 1


def opt_out(db: sqlite_utils.Database, chat_key: str) -> bool:
    return db.execute("DELETE FROM consultation_optins WHERE chat_key = ?", (chat_key,)).rowcount == 1


def opted_in_followers(db: sqlite_utils.Database) -> list[str]:
    """Chat keys of 1:1 chats that opted in and have not unfollowed (a chat that followed before
    the bot kept chats has no row there: it is still a follower)."""
    rows = db.execute(
        "SELECT o.chat_key FROM consultation_optins o LEFT JOIN chats c ON c.chat_key = o.chat_key"
        " WHERE o.chat_key LIKE 'user:%' AND coalesce(c.status, 'following') = 'following' ORDER BY o.opted_in_at",
    ).fetchall()
    return [r[0] for r in rows]


_UNFOLLOWED = "chat_key IN (SELECT chat_key FROM chats WHERE status != 'following')"


def unfollowed_optins(db: sqlite_utils.Database) -> int:
    return db.execute(f"SELECT count(*) FROM consultation_optins WHERE {_UNFOLLOWED}").fetchone()[0]


def forget_unfollowed(db: sqlite_utils.Database) -> int:
    """Opt-ins of chats that unfollowed (blocked) the account: nobody to tell any more."""
    return db.execute(f"DELETE FROM consultation_optins WHERE {_UNFOLLOWED}").rowcount


def erase_chat(db: sqlite_utils.Database, chat_key: str) -> None:
    """PDPA erasure: the opt-in, and the person's answers to consultations still open (their key
    can still be computed); answers to closed ones are already anonymous."""
    opt_out(db, chat_key)
    for cid, salt in db.execute("SELECT id, salt FROM consultations WHERE salt IS NOT NULL").fetchall():
        db.execute("DELETE FROM consultation_answers WHERE consultation_id = ? AND person_key = ?", (cid, person_key(salt, chat_key)))
