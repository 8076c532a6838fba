"""Staff on LINE: one-time registration codes and the chats that receive a division's work.

A registration ties a chat (a staff member's 1:1 chat or a division's group) to a division
and a role: `staff` get their division's reminders, tickets and questions; `head` also gets
escalations; `admin` (division '*') gets what concerns the whole SAO. Functions that write
expect the caller's transaction where several writes must commit together.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import sqlite_utils

ALL_DIVISIONS = "*"
ROLES = ("staff", "head", "admin")
# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a clerk reads the code aloud or types it on a phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
MAX_FAILURES_PER_HOUR = 5


@dataclass(frozen=True)
class Recipient:
    id: int
    chat_key: str
    kind: str
    line_id: str
    division_id: str
    role: str
    registered_by: str | None
    registered_at: float


@dataclass(frozen=True)
class Code:
    code: str
    division_id: str
    role: str
    expires_at: float
    used_at: float | None


def _recipients(db: sqlite_utils.Database, where: str, params: tuple) -> list[Recipient]:
    rows = db.execute(
        "SELECT id, chat_key, kind, line_id, division_id, role, registered_by, registered_at "
        f"FROM staff_recipients WHERE active = 1 AND {where} ORDER BY id",
        params,
    ).fetchall()
    return [Recipient(*row) for row in rows]


def new_code(db: sqlite_utils.Database, division_id: str, role: str, valid_days: float = 7, created_by: str = "") -> Code:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if (role == "admin") != (division_id == ALL_DIVISIONS):
        raise ValueError("admin codes are for the whole SAO ('*'); staff and head codes for one division")
    now = time.time()
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        cur = db.execute(
            "INSERT INTO staff_codes (code, division_id, role, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (code, division_id, role, created_by, now, now + valid_days * 86400),
        )
        if cur.rowcount:
            return Code(code, division_id, role, now + valid_days * 86400, None)


def find_code(db: sqlite_utils.Database, code: str) -> Code | None:
    row = db.execute(
        "SELECT code, division_id, role, expires_at, used_at FROM staff_codes WHERE code = ?", (code.upper(),)
    ).fetchone()
    return Code(*row) if row else None


def codes(db: sqlite_utils.Database, include_used: bool = False) -> list[Code]:
    where = "" if include_used else "WHERE used_at IS NULL"
    rows = db.execute(f"SELECT code, division_id, role, expires_at, used_at FROM staff_codes {where} ORDER BY created_at").fetchall()
    return [Code(*row) for row in rows]


def revoke_code(db: sqlite_utils.Database, code: str, now: float | None = None) -> bool:
    """End an unused code now (given to the wrong person, or no longer needed); False if used or gone."""
    now = time.time() if now is None else now
    cur = db.execute(
        "UPDATE staff_codes SET expires_at = ? WHERE code = ? AND used_at IS NULL AND expires_at > ?",
        (now, code.upper(), now),
    )
    return cur.rowcount == 1


def recipient(db: sqlite_utils.Database, recipient_id: int) -> Recipient | None:
    found = _recipients(db, "id = ?", (recipient_id,))
    return found[0] if found else None


def use_code(db: sqlite_utils.Database, code: str, chat_key: str, now: float | None = None) -> bool:
    """Mark a valid code used by this chat; False if it is unknown, used or expired.

    One UPDATE: of two chats sending the same code at once, exactly one wins.
    """
    now = time.time() if now is None else now
    cur = db.execute(
        "UPDATE staff_codes SET used_at = ?, used_by_chat = ? WHERE code = ? AND used_at IS NULL AND expires_at > ?",
        (now, chat_key, code.upper(), now),
    )
    return cur.rowcount == 1


def record_failure(db: sqlite_utils.Database, chat_key: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    db.execute("DELETE FROM staff_code_failures WHERE at < ?", (now - 3600,))
    db.execute("INSERT INTO staff_code_failures (chat_key, at) VALUES (?, ?)", (chat_key, now))


def purge_failures(db: sqlite_utils.Database, now: float | None = None) -> int:
    """Retention: a wrong code counts for an hour (the rate limit), then is forgotten."""
    now = time.time() if now is None else now
    return db.execute("DELETE FROM staff_code_failures WHERE at < ?", (now - 3600,)).rowcount


def too_many_failures(db: sqlite_utils.Database, chat_key: str, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    (n,) = db.execute(
        "SELECT count(*) FROM staff_code_failures WHERE chat_key = ? AND at > ?", (chat_key, now - 3600)
    ).fetchone()
    return n >= MAX_FAILURES_PER_HOUR


def register(
    db: sqlite_utils.Database, *, chat_key: str, kind: str, line_id: str, division_id: str, role: str, registered_by: str | None
) -> Recipient:
    """Make this chat receive the division's messages in this role (replacing an earlier role)."""
    now = time.time()
    db.execute(
        """INSERT INTO staff_recipients (chat_key, kind, line_id, division_id, role, registered_by, registered_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (chat_key, division_id) WHERE active = 1 DO UPDATE SET
             role = excluded.role, registered_by = excluded.registered_by, registered_at = excluded.registered_at""",
        (chat_key, kind, line_id, division_id, role, registered_by, now),
    )
    return _recipients(db, "chat_key = ? AND division_id = ?", (chat_key, division_id))[0]


def unregister_chat(db: sqlite_utils.Database, chat_key: str) -> int:
    return db.execute(
        "UPDATE staff_recipients SET active = 0, unregistered_at = ? WHERE chat_key = ? AND active = 1",
        (time.time(), chat_key),
    ).rowcount


def unregister(db: sqlite_utils.Database, recipient_id: int) -> int:
    return db.execute(
        "UPDATE staff_recipients SET active = 0, unregistered_at = ? WHERE id = ? AND active = 1",
        (time.time(), recipient_id),
    ).rowcount


def of_chat(db: sqlite_utils.Database, chat_key: str) -> list[Recipient]:
    return _recipients(db, "chat_key = ?", (chat_key,))


def for_division(db: sqlite_utils.Database, division_id: str, roles: tuple[str, ...] = ("staff", "head")) -> list[Recipient]:
    marks = ",".join("?" * len(roles))
    return _recipients(db, f"division_id = ? AND role IN ({marks})", (division_id, *roles))


def admins(db: sqlite_utils.Database) -> list[Recipient]:
    return _recipients(db, "role = 'admin'", ())


def all_active(db: sqlite_utils.Database) -> list[Recipient]:
    return _recipients(db, "1 = 1", ())


def erase_chat(db: sqlite_utils.Database, chat_key: str, user_id: str | None = None) -> None:
    """PDPA erasure: forget this chat's registrations and who used codes, and which groups
    the person registered (the group stays registered)."""
    db.execute("DELETE FROM staff_recipients WHERE chat_key = ?", (chat_key,))
    if user_id:
        db.execute("UPDATE staff_recipients SET registered_by = NULL WHERE registered_by = ?", (user_id,))
    db.execute("UPDATE staff_codes SET used_by_chat = NULL WHERE used_by_chat = ?", (chat_key,))
    db.execute("DELETE FROM staff_code_failures WHERE chat_key = ?", (chat_key,))
    if user_id:
        erase_person(db, user_id)


# --- staff by name (staff_people) ------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    line_user_id: str
    name: str
    position: str | None
    name_source: str  # typed | line_profile


def person(db: sqlite_utils.Database, line_user_id: str | None) -> Person | None:
    if not line_user_id:
        return None
    row = db.execute(
        "SELECT line_user_id, name, position, name_source FROM staff_people WHERE line_user_id = ?", (line_user_id,)
    ).fetchone()
    return Person(*row) if row else None


def set_person(
    db: sqlite_utils.Database, line_user_id: str, name: str, position: str | None = None, name_source: str = "typed"
) -> Person:
    db.execute(
        """INSERT INTO staff_people (line_user_id, name, position, name_source, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (line_user_id) DO UPDATE SET name = excluded.name, position = excluded.position,
             name_source = excluded.name_source, updated_at = excluded.updated_at""",
        (line_user_id, name, position, name_source, time.time()),
    )
    return Person(line_user_id, name, position, name_source)


def set_group_name(db: sqlite_utils.Database, chat_key: str, display_name: str) -> int:
    return db.execute(
        "UPDATE staff_recipients SET display_name = ? WHERE chat_key = ? AND active = 1", (display_name, chat_key)
    ).rowcount


def group_name(db: sqlite_utils.Database, chat_key: str) -> str | None:
    row = db.execute(
        "SELECT display_name FROM staff_recipients WHERE chat_key = ? AND display_name IS NOT NULL ORDER BY id DESC LIMIT 1",
        (chat_key,),
    ).fetchone()
    return row[0] if row else None


def erase_person(db: sqlite_utils.Database, line_user_id: str) -> None:
    db.execute("DELETE FROM staff_people WHERE line_user_id = ?", (line_user_id,))


# A person who agreed to be known by their LINE display name: the name is fetched from LINE
# after the commit (bot/staff/names.py, a background job), never inside the worker's
# transaction. Meanwhile name_source says where to ask ("pending:group:C…" asks the group
# for its member's name) and any earlier name stays.
PENDING = "pending:"


def await_line_name(db: sqlite_utils.Database, line_user_id: str, chat_key: str, position: str | None) -> None:
    db.execute(
        """INSERT INTO staff_people (line_user_id, name, position, name_source, updated_at) VALUES (?, '', ?, ?, ?)
           ON CONFLICT (line_user_id) DO UPDATE SET position = excluded.position,
             name_source = excluded.name_source, updated_at = excluded.updated_at""",
        (line_user_id, position, PENDING + chat_key, time.time()),
    )


def awaiting_line_names(db: sqlite_utils.Database, limit: int = 5) -> list[tuple[str, str]]:
    """(LINE user id, chat key to ask in) of people whose LINE display name is still to be fetched."""
    rows = db.execute(
        "SELECT line_user_id, substr(name_source, ?) FROM staff_people WHERE name_source LIKE ? ORDER BY updated_at LIMIT ?",
        (len(PENDING) + 1, PENDING + "%", limit),
    ).fetchall()
    return [(user_id, chat_key) for user_id, chat_key in rows]


def set_line_name(db: sqlite_utils.Database, line_user_id: str, chat_key: str, name: str) -> bool:
    """Store the fetched display name, unless the person typed a name meanwhile."""
    return db.execute(
        "UPDATE staff_people SET name = ?, name_source = 'line_profile', updated_at = ? WHERE line_user_id = ? AND name_source = ?",
        (name, time.time(), line_user_id, PENDING + chat_key),
    ).rowcount == 1


def line_name_unavailable(db: sqlite_utils.Database, line_user_id: str, chat_key: str) -> None:
    """LINE has no name for them: keep an earlier name if there was one, else forget the row."""
    marker = PENDING + chat_key
    db.execute("DELETE FROM staff_people WHERE line_user_id = ? AND name_source = ? AND name = ''", (line_user_id, marker))
    db.execute("UPDATE staff_people SET name_source = 'typed' WHERE line_user_id = ? AND name_source = ?", (line_user_id, marker))
