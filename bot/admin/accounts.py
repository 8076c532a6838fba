"""Managing console accounts: the rules, shared by the web pages and `python -m bot create-admin`.

Each change is validated, made in one transaction with its audit entry, and ends the
sessions it must (a disabled account, a reset password). There is always at least one
active admin: the last one can be neither disabled nor given another role.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import sqlite_utils

from bot.admin import passwords
from bot.admin.audit import Actor
from bot.admin.auth import ADMIN, EVERY_ROLE, STAFF
from bot.config import Settings
from bot.content.divisions import Division
from db import admin_sessions, admin_users, login_failures, transaction
from db.admin_users import AdminUser

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
MAX_DISPLAY_NAME = 100


class AccountError(ValueError):
    """A change that is not allowed; str() is Thai for the page, .english for the command line."""

    def __init__(self, thai: str, english: str):
        super().__init__(thai)
        self.english = english


def normalise_username(raw: str | None) -> str:
    return (raw or "").strip().lower()


def check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise AccountError(
            "ชื่อผู้ใช้ต้องยาว 3–32 ตัว ใช้ได้เฉพาะอักษรภาษาอังกฤษตัวเล็ก ตัวเลข จุด ขีดกลาง หรือขีดล่าง และขึ้นต้นด้วยอักษรหรือตัวเลข",
            "the username must be 3-32 characters: lower-case a-z, digits, '.', '-' or '_', starting with a letter or digit",
        )


def check_role(role: str, division_id: str | None, divisions: tuple[Division, ...]) -> str | None:
    """Validate a role and division; return the division to store (staff only)."""
    if role not in EVERY_ROLE:
        raise AccountError("บทบาทไม่ถูกต้อง", f"the role must be one of {', '.join(EVERY_ROLE)}")
    if role != STAFF:
        return None
    if not division_id:
        raise AccountError("เจ้าหน้าที่ประจำกองต้องเลือกกองที่สังกัด", "a staff account needs a division")
    if division_id not in {d.id for d in divisions}:
        raise AccountError("ไม่พบกองนี้ในรายชื่อกองของ อบต.", f"unknown division {division_id!r} (see content/divisions.yaml)")
    return division_id


def _display_name(value: str | None) -> str:
    name = " ".join((value or "").split())
    if len(name) > MAX_DISPLAY_NAME:
        raise AccountError(f"ชื่อที่แสดงยาวได้ไม่เกิน {MAX_DISPLAY_NAME} ตัวอักษร", "the display name is too long")
    return name


def _new_password(password: str, username: str) -> str:
    try:
        passwords.check_new_password(password, username)
    except passwords.PasswordRuleError as exc:
        raise AccountError(str(exc), exc.english) from None
    return passwords.hash_password(password)


def _must_get(db, user_id: int) -> AdminUser:
    user = admin_users.get(db, user_id)
    if user is None:
        raise AccountError("ไม่พบบัญชีผู้ใช้นี้", f"no account with id {user_id}")
    return user


def _keep_an_admin(db, user: AdminUser) -> None:
    if user.role == ADMIN and user.active and admin_users.count_active_admins(db, excluding_id=user.id) == 0:
        raise AccountError(
            "ทำไม่ได้ เพราะนี่คือผู้ดูแลระบบคนสุดท้ายที่ใช้งานอยู่ กรุณาเพิ่มผู้ดูแลระบบอีกคนก่อน",
            "not allowed: this is the last active admin; add another admin first",
        )


def create_user(
    db: sqlite_utils.Database,
    actor: Actor,
    *,
    username: str,
    role: str,
    password: str,
    divisions: tuple[Division, ...],
    division_id: str | None = None,
    display_name: str = "",
    must_change_password: bool = True,
) -> int:
    username = normalise_username(username)
    check_username(username)
    division_id = check_role(role, division_id, divisions)
    display_name = _display_name(display_name)
    hashed = _new_password(password, username)  # slow on purpose: outside the write lock
    with transaction(db):
        try:
            user_id = admin_users.create(
                db,
                username=username,
                password_hash=hashed,
                role=role,
                division_id=division_id,
                display_name=display_name,
                created_by=actor.name,
                must_change_password=must_change_password,
            )
        except admin_users.UsernameTaken:
            raise AccountError("มีชื่อผู้ใช้นี้อยู่แล้ว กรุณาใช้ชื่ออื่น", f"the username {username!r} is taken") from None
        actor.record(
            db, "user.create", f"user:{user_id}", username=username, display_name=display_name, role=role, division=division_id
        )
    return user_id


def change_role(
    db: sqlite_utils.Database, actor: Actor, user_id: int, role: str, division_id: str | None, divisions: tuple[Division, ...]
) -> bool:
    """Give an account a new role (and division); False when nothing changed."""
    division_id = check_role(role, division_id, divisions)
    with transaction(db):
        user = _must_get(db, user_id)
        if (user.role, user.division_id) == (role, division_id):
            return False
        if role != ADMIN:
            if user.id == actor.id:
                raise AccountError("เปลี่ยนบทบาทของตนเองไม่ได้ ให้ผู้ดูแลระบบคนอื่นเปลี่ยนให้", "you cannot change your own role")
            _keep_an_admin(db, user)
        admin_users.set_role(db, user_id, role, division_id)
        actor.record(
            db, "user.role", f"user:{user_id}", username=user.username,
            old_role=user.role, old_division=user.division_id, role=role, division=division_id,
        )
    return True


def rename(db: sqlite_utils.Database, actor: Actor, user_id: int, display_name: str) -> bool:
    display_name = _display_name(display_name)
    with transaction(db):
        user = _must_get(db, user_id)
        if user.display_name == display_name:
            return False
        admin_users.set_display_name(db, user_id, display_name)
        actor.record(db, "user.rename", f"user:{user_id}", username=user.username, old=user.display_name, new=display_name)
    return True


def set_active(db: sqlite_utils.Database, actor: Actor, user_id: int, active: bool) -> bool:
    """Disable (signing the account out everywhere) or enable an account; False when already so."""
    with transaction(db):
        user = _must_get(db, user_id)
        if user.active == active:
            return False
        if not active:
            if user.id == actor.id:
                raise AccountError("ปิดบัญชีของตนเองไม่ได้", "you cannot disable your own account")
            _keep_an_admin(db, user)
            admin_sessions.delete_for_user(db, user_id)
        admin_users.set_active(db, user_id, active)
        actor.record(db, "user.enable" if active else "user.disable", f"user:{user_id}", username=user.username)
    return True


def reset_password(db: sqlite_utils.Database, actor: Actor, user_id: int) -> str:
    """Give an account a new temporary password (returned, shown once) to change at next sign-in."""
    if user_id == actor.id:
        raise AccountError("ตั้งรหัสผ่านของตนเองได้ที่หน้า “เปลี่ยนรหัสผ่าน”", "change your own password on the password page")
    temporary = passwords.temporary_password()
    hashed = passwords.hash_password(temporary)
    with transaction(db):
        user = _must_get(db, user_id)
        admin_users.set_password(db, user_id, hashed, must_change=True)
        admin_sessions.delete_for_user(db, user_id)
        login_failures.clear(db, f"user:{user.username}")
        actor.record(db, "user.password_reset", f"user:{user_id}", username=user.username)
    return temporary


def change_own_password(
    db: sqlite_utils.Database, actor: Actor, user: AdminUser, current: str, new: str, keep_session_hash: str | None
) -> None:
    """A signed-in person changes their password; their other sessions end."""
    if not passwords.verify_password(admin_users.password_hash(db, user.id), current):
        raise AccountError("รหัสผ่านปัจจุบันไม่ถูกต้อง", "the current password is wrong")
    if new == current:
        raise AccountError("รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านเดิม", "the new password must differ from the current one")
    hashed = _new_password(new, user.username)
    with transaction(db):
        admin_users.set_password(db, user.id, hashed, must_change=False)
        admin_sessions.delete_for_user(db, user.id, keep_token_hash=keep_session_hash)
        actor.record(db, "user.password_change", f"user:{user.id}", username=user.username)


# --- signing in -------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    user: AdminUser | None = None
    wait_seconds: float = 0.0  # > 0: too many failures, try again after this


def authenticate(
    db: sqlite_utils.Database, settings: Settings, actor_ip: str, username: str, password: str, now: float | None = None
) -> SignInResult:
    """Check a username and password under the rate limit (per username and per IP address).

    While a key is over its limit the password is not even checked. Every failure is
    counted in SQLite (shared by all worker processes, kept across restarts) and logged.
    """
    now = time.time() if now is None else now
    username = normalise_username(username)[:64]
    window = settings.login_failure_window_minutes * 60
    user_key, ip_key = f"user:{username}", f"ip:{actor_ip}"
    limits = ((user_key, settings.login_max_failures_per_user), (ip_key, settings.login_max_failures_per_ip))
    wait = 0.0
    for key, limit in limits:
        count, oldest = login_failures.recent(db, key, now - window)
        if count >= limit:
            wait = max(wait, oldest + window - now)
    if wait > 0:
        return SignInResult(wait_seconds=wait)

    found = admin_users.get_with_hash(db, username) if USERNAME.match(username) else None
    user, hashed = found if found else (None, None)
    ok = passwords.verify_password(hashed, password) and user is not None and user.active
    if ok:
        with transaction(db):
            login_failures.clear(db, user_key)
        if passwords.needs_rehash(hashed):
            admin_users.replace_hash(db, user.id, hashed, passwords.hash_password(password))
        return SignInResult(user=user)

    reason = "unknown user" if user is None else ("disabled" if not user.active else "wrong password")
    # The name typed is kept only when it looks like a username: people type passwords there by mistake.
    shown_name = username if USERNAME.match(username) else "(not a username)"
    with transaction(db):
        login_failures.purge(db, now - window)
        login_failures.record(db, [user_key, ip_key], now)
        record_as = Actor(user.id if user else None, shown_name, actor_ip)
        record_as.record(db, "login.failure", f"user:{user.id}" if user else None, reason=reason)
        for key, limit in limits:
            count, _ = login_failures.recent(db, key, now - window)
            if count == limit:
                record_as.record(db, "login.locked", key, minutes=settings.login_failure_window_minutes)
    return SignInResult()
