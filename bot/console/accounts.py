"""Managing console accounts: the rules, shared by the web pages and `python -m bot create-admin`.

Each change is validated, made in one transaction with its audit entry, and ends the
sessions it must (a disabled account, a reset password). There is always at least one
active admin: the last one can be neither disabled nor given another role.

Auditor access (finding F2): only auditors read corruption reports, so an admin alone must
never hold a working auditor account. In the console, creating an auditor, making an account
an auditor, re-enabling a disabled auditor or resetting an auditor's password is a request
another auditor confirms (bot/console/auditor_requests.py); here such a change is refused to
anyone signed in, and made directly only by the command line on the server (actor without
id). Every change to an auditor account is also told to the audit unit (bot/console/auditor_log.py).
"""
from __future__ import annotations

import re

import sqlite_utils

from bot.console import auditor_log, passwords
from bot.console.audit import Actor
from bot.console.auth import ADMIN, AUDITOR, EVERY_ROLE, STAFF
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


def clean_display_name(value: str | None) -> str:
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


def must_get(db, user_id: int) -> AdminUser:
    user = admin_users.get(db, user_id)
    if user is None:
        raise AccountError("ไม่พบบัญชีผู้ใช้นี้", f"no account with id {user_id}")
    return user


def keep_an_admin(db, user: AdminUser) -> None:
    if user.role == ADMIN and user.active and admin_users.count_active_admins(db, excluding_id=user.id) == 0:
        raise AccountError(
            "ทำไม่ได้ เพราะนี่คือผู้ดูแลระบบคนสุดท้ายที่ใช้งานอยู่ กรุณาเพิ่มผู้ดูแลระบบอีกคนก่อน",
            "not allowed: this is the last active admin; add another admin first",
        )


def from_command_line_only(actor: Actor) -> None:
    """Refuse a change that gives auditor access to anyone signed in: in the console it is a
    request an auditor confirms (bot/console/auditor_requests.py)."""
    if actor.id is not None:
        raise AccountError(
            "การให้สิทธิ์ผู้ตรวจสอบต้องส่งเป็นคำขอ และจะมีผลเมื่อผู้ตรวจสอบยืนยันแล้วเท่านั้น",
            "giving auditor access from the console needs another auditor's confirmation",
        )


def _record(db: sqlite_utils.Database, actor: Actor, action: str, user_id: int, **details) -> None:
    """The audit entry of a change; one to an auditor account is also told to the audit unit."""
    if action.startswith("auditor."):
        auditor_log.record(db, actor, action, f"user:{user_id}", **details)
    else:
        actor.record(db, action, f"user:{user_id}", **details)


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
    if role == AUDITOR:
        from_command_line_only(actor)
    display_name = clean_display_name(display_name)
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
        _record(
            db, actor, "auditor.create" if role == AUDITOR else "user.create", user_id,
            username=username, display_name=display_name, role=role, division=division_id,
        )
    return user_id


def change_role(
    db: sqlite_utils.Database, actor: Actor, user_id: int, role: str, division_id: str | None, divisions: tuple[Division, ...]
) -> bool:
    """Give an account a new role (and division); False when nothing changed."""
    division_id = check_role(role, division_id, divisions)
    with transaction(db):
        user = must_get(db, user_id)
        if (user.role, user.division_id) == (role, division_id):
            return False
        if role != ADMIN:
            if user.id == actor.id:
                raise AccountError("เปลี่ยนบทบาทของตนเองไม่ได้ ให้ผู้ดูแลระบบคนอื่นเปลี่ยนให้", "you cannot change your own role")
            keep_an_admin(db, user)
        if role == AUDITOR:
            from_command_line_only(actor)
        admin_users.set_role(db, user_id, role, division_id)
        action = "auditor.role_grant" if role == AUDITOR else "auditor.role_remove" if user.role == AUDITOR else "user.role"
        _record(
            db, actor, action, user_id, username=user.username,
            old_role=user.role, old_division=user.division_id, role=role, division=division_id,
        )
    return True


def rename(db: sqlite_utils.Database, actor: Actor, user_id: int, display_name: str) -> bool:
    display_name = clean_display_name(display_name)
    with transaction(db):
        user = must_get(db, user_id)
        if user.display_name == display_name:
            return False
        admin_users.set_display_name(db, user_id, display_name)
        action = "auditor.rename" if user.role == AUDITOR else "user.rename"
        _record(db, actor, action, user_id, username=user.username, old=user.display_name, new=display_name)
    return True


def set_active(db: sqlite_utils.Database, actor: Actor, user_id: int, active: bool) -> bool:
    """Disable (signing the account out everywhere) or enable an account; False when already so."""
    with transaction(db):
        user = must_get(db, user_id)
        if user.active == active:
            return False
        if active and user.role == AUDITOR:
            from_command_line_only(actor)
        if not active:
            if user.id == actor.id:
                raise AccountError("ปิดบัญชีของตนเองไม่ได้", "you cannot disable your own account")
            keep_an_admin(db, user)
            admin_sessions.delete_for_user(db, user_id)
        admin_users.set_active(db, user_id, active)
        # Disabling an auditor stays immediate (it takes access away), and the auditors hear of it.
        what = "enable" if active else "disable"
        _record(db, actor, f"auditor.{what}" if user.role == AUDITOR else f"user.{what}", user_id, username=user.username)
    return True


def set_temporary_password(db: sqlite_utils.Database, user: AdminUser, hashed: str) -> None:
    """A password someone gave out: changed at next sign-in; the account's sessions end."""
    admin_users.set_password(db, user.id, hashed, must_change=True)
    admin_sessions.delete_for_user(db, user.id)
    login_failures.clear(db, f"user:{user.username}")


def reset_password(db: sqlite_utils.Database, actor: Actor, user_id: int) -> str:
    """Give an account a new temporary password (returned, shown once) to change at next sign-in."""
    if user_id == actor.id:
        raise AccountError("ตั้งรหัสผ่านของตนเองได้ที่หน้า “เปลี่ยนรหัสผ่าน”", "change your own password on the password page")
    temporary = passwords.temporary_password()
    hashed = passwords.hash_password(temporary)
    with transaction(db):
        user = must_get(db, user_id)
        if user.role == AUDITOR:
            from_command_line_only(actor)
        set_temporary_password(db, user, hashed)
        action = "auditor.password_reset" if user.role == AUDITOR else "user.password_reset"
        _record(db, actor, action, user_id, username=user.username)
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
        if user.role == AUDITOR:  # the audit unit hears of every change to an auditor account
            auditor_log.record(db, actor, "auditor.password_change", f"user:{user.id}", username=user.username)
        else:
            actor.record(db, "user.password_change", f"user:{user.id}", username=user.username)
