"""`python -m bot create-admin`: create the first admin (or recover one) from the command line.

With `--role auditor` it creates (or with --reset recovers) an auditor: the way to the first
auditor, since in the console giving auditor access needs another auditor's confirmation
(bot/console/auditor_requests.py). Whoever runs it on the server could read the database
anyway; what it does is in the audit log and told to the audit unit on LINE.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from bot.config import Settings

PASSWORD_ENV = "ADMIN_PASSWORD"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--username", help="ชื่อผู้ใช้ (a-z 0-9 . - _) — the account's username (asked if left out)")
    parser.add_argument(
        "--role",
        choices=["admin", "auditor"],
        default="admin",
        help="admin = ผู้ดูแลระบบ (ค่าเริ่มต้น), auditor = ผู้ตรวจสอบที่อ่านเรื่องแจ้งเบาะแสทุจริต (แจ้งหน่วยตรวจสอบภายในทาง LINE) "
        "— admin (default), or auditor: reads corruption reports; the audit unit is told on LINE",
    )
    parser.add_argument("--display-name", default="", help="ชื่อ-นามสกุลที่แสดง — the name shown in the console")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"อ่านรหัสผ่านจากอินพุตมาตรฐาน — read the password from standard input (for scripts; or set {PASSWORD_ENV})",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="ถ้ามีชื่อผู้ใช้นี้แล้ว ให้ตั้งรหัสผ่านใหม่และทำให้เป็นบัญชีที่ใช้งานได้ตาม --role — if the username exists, "
        "set this password and make it an active account of --role (to recover a lost account)",
    )


def say(thai: str, english: str, error: bool = False) -> None:
    print(f"{thai} / {english}", file=sys.stderr if error else sys.stdout)


def read_password(args) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        say(
            "ไม่มีรหัสผ่าน: ใช้ --password-stdin หรือตั้งตัวแปร ADMIN_PASSWORD",
            f"no password: use --password-stdin or set {PASSWORD_ENV}",
            error=True,
        )
        return None
    first = getpass.getpass("รหัสผ่าน (อย่างน้อย 10 ตัวอักษร) / password (10+ characters): ")
    second = getpass.getpass("พิมพ์รหัสผ่านอีกครั้ง / repeat the password: ")
    if first != second:
        say("รหัสผ่านสองครั้งไม่ตรงกัน", "the two passwords differ", error=True)
        return None
    return first


def new_password(args, username: str) -> str | None:
    """The account's new password, as read_password gets it, if it keeps the rules (else says why)."""
    from bot.console import passwords

    password = read_password(args)
    if password is None:
        return None
    try:
        passwords.check_new_password(password, username)
    except passwords.PasswordRuleError as exc:
        say(str(exc), exc.english, error=True)
        return None
    return password


def create_admin(args, settings: Settings) -> int:
    from bot.console import accounts, auditor_log, passwords
    from bot.console.audit import Actor
    from bot.console.auth import AUDITOR, ROLE_LABELS
    from bot.content.divisions import load_divisions
    from db import admin_sessions, admin_users, open_for, transaction

    username = args.username
    if not username:
        if not sys.stdin.isatty() or args.password_stdin:
            say("ต้องระบุ --username", "--username is required here", error=True)
            return 2
        username = input("ชื่อผู้ใช้ / username: ")
    username = accounts.normalise_username(username)
    try:
        accounts.check_username(username)
    except accounts.AccountError as exc:
        say(str(exc), exc.english, error=True)
        return 2
    password = new_password(args, username)
    if password is None:
        return 2

    db = open_for(settings)
    actor = Actor(None, f"command-line ({os_user()})")
    role, label = args.role, ROLE_LABELS[args.role]
    existing = admin_users.get_with_hash(db, username)
    if existing and not args.reset:
        say(
            f"มีผู้ใช้ชื่อ {username} อยู่แล้ว (ใช้ --reset เพื่อตั้งรหัสผ่านใหม่และให้เป็น{label}ที่ใช้งานได้)",
            f"the username {username} exists (add --reset to set its password and make it an active {role})",
            error=True,
        )
        return 1
    if existing:
        user = existing[0]
        hashed = passwords.hash_password(password)
        with transaction(db):
            admin_users.set_password(db, user.id, hashed, must_change=False)
            admin_users.set_role(db, user.id, role, None)
            admin_users.set_active(db, user.id, True)
            admin_sessions.delete_for_user(db, user.id)
            details = dict(username=username, role=role, old_role=user.role, was_active=user.active, via="create-admin --reset")
            if AUDITOR in (role, user.role):  # the audit unit hears of any change to an auditor account
                action = "auditor.password_reset" if role == user.role else "auditor.role_grant" if role == AUDITOR else "auditor.role_remove"
                auditor_log.record(db, actor, action, f"user:{user.id}", **details)
            else:
                actor.record(db, "user.password_reset", f"user:{user.id}", **details)
        say(f"ตั้งรหัสผ่านใหม่ให้ {username} และเป็น{label}แล้ว", f"{username} is an active {role} with the new password")
        _tell_about_auditors(role, user.role)
        return 0
    divisions = load_divisions(settings.content_dir / "divisions.yaml")
    try:
        accounts.create_user(
            db, actor, username=username, role=role, password=password, divisions=divisions,
            display_name=args.display_name, must_change_password=False,
        )
    except accounts.AccountError as exc:
        say(str(exc), exc.english, error=True)
        return 1
    where = f"{settings.public_url}/admin" if settings.hosted else "/admin"  # a hosted SAO's console is under its prefix
    say(f"สร้าง{label} {username} แล้ว เข้าสู่ระบบได้ที่ {where}", f"{role} {username} created; sign in at {where}")
    _tell_about_auditors(role)
    return 0


def _tell_about_auditors(*roles: str) -> None:
    if "auditor" in roles:
        say(
            "บันทึกไว้ในบันทึกการใช้งานแล้ว และระบบจะแจ้งหน่วยตรวจสอบภายในทาง LINE เมื่อเว็บทำงาน",
            "recorded in the audit log; the audit unit will be told on LINE (sent by the web process)",
        )


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (containers): not worth failing for
        return "unknown"
