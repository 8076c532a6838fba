"""Accounts of the admin console: who may sign in, with which role and division.

Passwords are stored only as hashes made by bot/console/passwords.py; the rules about who
may change what (the last active admin, roles and divisions) live in bot/console/accounts.py.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlite_utils

from db import dialect
from db.duplicates import Duplicate, refused_duplicate

ROLES = ("admin", "staff", "auditor")
_COLUMNS = (
    "id, username, display_name, role, division_id, active, must_change_password,"
    " created_at, created_by, updated_at, password_changed_at, last_login_at"
)


class UsernameTaken(ValueError):
    pass


@dataclass(frozen=True)
class AdminUser:
    id: int
    username: str
    display_name: str
    role: str  # admin | staff | auditor
    division_id: str | None  # staff only
    active: bool
    must_change_password: bool
    created_at: float
    created_by: str | None
    updated_at: float
    password_changed_at: float | None
    last_login_at: float | None

    @property
    def name(self) -> str:
        """What to call the person on a page: the display name, else the username."""
        return self.display_name or self.username


def _user(row: tuple) -> AdminUser:
    return AdminUser(
        id=row[0],
        username=row[1],
        display_name=row[2],
        role=row[3],
        division_id=row[4],
        active=bool(row[5]),
        must_change_password=bool(row[6]),
        created_at=row[7],
        created_by=row[8],
        updated_at=row[9],
        password_changed_at=row[10],
        last_login_at=row[11],
    )


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM admin_users").fetchone()[0]


# "IS NOT ?" (SQLite) is "IS DISTINCT FROM ?" on PostgreSQL: true when excluding_id is None.
_NOT_THIS_ID = {"sqlite": "id IS NOT ?", "postgresql": "id IS DISTINCT FROM ?"}
# Usernames compare without case (SQLite's COLLATE NOCASE column; PostgreSQL's index on lower()).
_USERNAME_IS = {"sqlite": "username = ?", "postgresql": "lower(username) = lower(?)"}


def count_active_admins(db: sqlite_utils.Database, excluding_id: int | None = None) -> int:
    return db.execute(
        f"SELECT count(*) FROM admin_users WHERE role = 'admin' AND active = 1 AND {_NOT_THIS_ID[dialect(db)]}",
        (excluding_id,),
    ).fetchone()[0]


def count_active_with_role(db: sqlite_utils.Database, role: str, excluding_id: int | None = None) -> int:
    return db.execute(
        f"SELECT count(*) FROM admin_users WHERE role = ? AND active = 1 AND {_NOT_THIS_ID[dialect(db)]}",
        (role, excluding_id),
    ).fetchone()[0]


def get(db: sqlite_utils.Database, user_id: int) -> AdminUser | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM admin_users WHERE id = ?", (user_id,)).fetchone()
    return _user(row) if row else None


def get_with_hash(db: sqlite_utils.Database, username: str) -> tuple[AdminUser, str] | None:
    """The account and its password hash, by username (case-insensitive), for signing in."""
    row = db.execute(
        f"SELECT {_COLUMNS}, password_hash FROM admin_users WHERE {_USERNAME_IS[dialect(db)]}", (username,)
    ).fetchone()
    return (_user(row[:-1]), row[-1]) if row else None


def password_hash(db: sqlite_utils.Database, user_id: int) -> str | None:
    row = db.execute("SELECT password_hash FROM admin_users WHERE id = ?", (user_id,)).fetchone()
    return row[0] if row else None


def list_all(db: sqlite_utils.Database) -> list[AdminUser]:
    """Active accounts first, then by role and username."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM admin_users ORDER BY active DESC,"
        " CASE role WHEN 'admin' THEN 0 WHEN 'staff' THEN 1 ELSE 2 END, division_id, username"
    ).fetchall()
    return [_user(r) for r in rows]


def create(
    db: sqlite_utils.Database,
    *,
    username: str,
    password_hash: str,
    role: str,
    division_id: str | None,
    display_name: str = "",
    created_by: str | None = None,
    must_change_password: bool = False,
) -> int:
    now = time.time()
    try:
        with refused_duplicate(db):
            (user_id,) = db.execute(
                """INSERT INTO admin_users (username, display_name, password_hash, role, division_id, active,
                     must_change_password, created_at, created_by, updated_at, password_changed_at)
                   VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?) RETURNING id""",
                (username, display_name, password_hash, role, division_id, int(must_change_password), now, created_by,
                 now, now),
            ).fetchone()
    except Duplicate:
        raise UsernameTaken(username) from None
    return user_id


def set_password(db: sqlite_utils.Database, user_id: int, password_hash: str, must_change: bool) -> None:
    now = time.time()
    db.execute(
        "UPDATE admin_users SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ?"
        " WHERE id = ?",
        (password_hash, int(must_change), now, now, user_id),
    )


def replace_hash(db: sqlite_utils.Database, user_id: int, old_hash: str, new_hash: str) -> None:
    """Upgrade a hash made with older parameters, unless the password changed meanwhile."""
    db.execute("UPDATE admin_users SET password_hash = ? WHERE id = ? AND password_hash = ?", (new_hash, user_id, old_hash))


def set_role(db: sqlite_utils.Database, user_id: int, role: str, division_id: str | None) -> None:
    db.execute(
        "UPDATE admin_users SET role = ?, division_id = ?, updated_at = ? WHERE id = ?",
        (role, division_id, time.time(), user_id),
    )


def set_active(db: sqlite_utils.Database, user_id: int, active: bool) -> None:
    db.execute("UPDATE admin_users SET active = ?, updated_at = ? WHERE id = ?", (int(active), time.time(), user_id))


def set_display_name(db: sqlite_utils.Database, user_id: int, display_name: str) -> None:
    db.execute("UPDATE admin_users SET display_name = ?, updated_at = ? WHERE id = ?", (display_name, time.time(), user_id))


def record_login(db: sqlite_utils.Database, user_id: int, at: float | None = None) -> None:
    db.execute("UPDATE admin_users SET last_login_at = ? WHERE id = ?", (at or time.time(), user_id))
