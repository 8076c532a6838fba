"""python -m bot province add | list | grant | revoke | remove: the province's console accounts.

    python -m bot province add somchai --tenants khonchim,nonsaat [--display-name …] [--password-stdin]
    python -m bot province add somchai --all-tenants        every SAO on this server now
    python -m bot province add somchai --reset              a new password for a lost one
    python -m bot province list
    python -m bot province grant somchai khonchim nonsaat
    python -m bot province revoke somchai nonsaat
    python -m bot province remove somchai                   signs them out and takes every SAO away

The accounts sign in at /province (bot/hosting/province.py). Each change is in the province
database's audit log, as a console account's change is in an SAO's.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

from bot.config import Settings
from bot.hosting.registry import TenantError, TenantRegistry


def cmd_province(args, host: Settings) -> int:
    registry = TenantRegistry.for_settings(host)
    try:
        return {"add": _add, "list": _list, "grant": _grant_or_revoke, "revoke": _grant_or_revoke,
                "remove": _remove}[args.province_command](args, host, registry)
    except TenantError as exc:
        print(exc, file=sys.stderr)
        return 2


@contextmanager
def _opened(host: Settings):
    """The province's database, made or brought up to this version's schema, closed after."""
    from bot.hosting.registry import ensure_province, province_settings
    from db import open_for

    ensure_province(host)
    db = open_for(province_settings(host))
    try:
        yield db
    finally:
        db.close()


def _actor():
    from bot.console.audit import Actor
    from bot.console.cli import os_user

    return Actor(None, f"command-line ({os_user()})")


def _slugs(args, registry: TenantRegistry) -> list[str]:
    if getattr(args, "all_tenants", False):
        return [t.slug for t in registry.all()]
    listed = getattr(args, "tenants", None) or ""
    return [s.strip() for s in (listed.split(",") if isinstance(listed, str) else listed) if s.strip()]


def _account(db, username: str):
    from bot.console.accounts import normalise_username
    from db import admin_users

    found = admin_users.get_with_hash(db, normalise_username(username))
    if found is None:
        raise TenantError(f"ไม่พบบัญชี {username} (ดู python -m bot province list) / no province account {username!r}")
    return found[0]


def _add(args, host: Settings, registry: TenantRegistry) -> int:
    from bot.console import accounts, passwords
    from bot.console.cli import new_password
    from db import admin_sessions, admin_users, transaction

    username = accounts.normalise_username(args.username)
    try:
        accounts.check_username(username)
    except accounts.AccountError as exc:
        raise TenantError(f"{exc} / {exc.english}") from None
    slugs = _slugs(args, registry)
    for slug in slugs:
        if registry.get(slug) is None:
            raise TenantError(f"ไม่พบ {slug} (ดู python -m bot tenant list) / no tenant {slug!r}")
    password = new_password(args, username)
    if password is None:
        return 2
    with _opened(host) as db:
        existing = admin_users.get_with_hash(db, username)
        if existing and not args.reset:
            raise TenantError(f"มีบัญชี {username} อยู่แล้ว (ใช้ --reset เพื่อตั้งรหัสผ่านใหม่) / "
                              f"{username} exists: add --reset to set a new password")
        if existing:
            user = existing[0]
            hashed = passwords.hash_password(password)
            with transaction(db):
                admin_users.set_password(db, user.id, hashed, must_change=False)
                admin_users.set_active(db, user.id, True)
                admin_sessions.delete_for_user(db, user.id)
                _actor().record(db, "user.password_reset", f"user:{user.id}", username=username, via="province add --reset")
        else:
            # Every account of the province's database is a provincial one; its role column says
            # "admin" of this console, which shows figures only (province.py).
            accounts.create_user(db, _actor(), username=username, role="admin", password=password, divisions=(),
                                 display_name=args.display_name, must_change_password=False)
    if slugs:
        registry.grant(username, slugs)
    given = [t.slug for t in registry.granted(username)]
    print(f"บัญชี {username} พร้อมใช้ที่ {host.public_url}/province เห็น อบต.: {', '.join(given) or '(ยังไม่มี)'} / "
          f"{username} can sign in at {host.public_url}/province; sees: {', '.join(given) or '(none yet)'}")
    return 0


def _list(args, host: Settings, registry: TenantRegistry) -> int:
    from bot.common.thaidate import thai_datetime
    from db import admin_users

    with _opened(host) as db:
        users = admin_users.list_all(db)
    if not users:
        print("ยังไม่มีบัญชีระดับจังหวัด / no province accounts yet")
    for user in users:
        given = ", ".join(t.slug for t in registry.granted(user.username)) or "-"
        state = "ใช้งานได้" if user.active else "ปิดแล้ว"
        last = thai_datetime(user.last_login_at) if user.last_login_at else "ยังไม่เคยเข้าสู่ระบบ"
        print(f"{user.username}\t{user.display_name or '-'}\t{state}\t{last}\t{given}")
    return 0


def _grant_or_revoke(args, host: Settings, registry: TenantRegistry) -> int:
    from db import transaction

    with _opened(host) as db:
        user = _account(db, args.username)
        if args.province_command == "grant":
            registry.grant(user.username, args.slugs)
        else:
            registry.revoke(user.username, args.slugs)
        with transaction(db):
            _actor().record(db, f"province.{args.province_command}", f"user:{user.id}", username=user.username,
                            tenants=args.slugs)
    print(f"{user.username} เห็น: {', '.join(t.slug for t in registry.granted(user.username)) or '-'} / now sees these")
    return 0


def _remove(args, host: Settings, registry: TenantRegistry) -> int:
    from db import admin_sessions, admin_users, transaction

    with _opened(host) as db:
        user = _account(db, args.username)
        with transaction(db):
            admin_users.set_active(db, user.id, False)
            admin_sessions.delete_for_user(db, user.id)
            _actor().record(db, "user.disable", f"user:{user.id}", username=user.username, via="province remove")
    registry.revoke(user.username)
    print(f"ปิดบัญชี {user.username} และนำ อบต. ทั้งหมดออกแล้ว / {user.username} is signed out, disabled and sees no SAO")
    return 0


def add_arguments(parser) -> None:
    from bot.console.cli import PASSWORD_ENV

    sub = parser.add_subparsers(dest="province_command", metavar="<add|list|grant|revoke|remove>", required=True)
    add = sub.add_parser("add", help="สร้างบัญชีเจ้าหน้าที่ระดับจังหวัด — create a province account")
    add.add_argument("username", help="ชื่อผู้ใช้ (a-z 0-9 . - _)")
    which = add.add_mutually_exclusive_group()
    which.add_argument("--tenants", default="", help="อบต. ที่บัญชีนี้เห็น คั่นด้วยจุลภาค เช่น khonchim,nonsaat — the SAOs it sees")
    which.add_argument("--all-tenants", action="store_true", help="ทุก อบต. ที่มีในระบบตอนนี้ — every SAO on this server now")
    add.add_argument("--display-name", default="", help="ชื่อ-นามสกุลที่แสดง")
    add.add_argument("--password-stdin", action="store_true",
                     help=f"อ่านรหัสผ่านจากอินพุตมาตรฐาน — read the password from standard input (or set {PASSWORD_ENV})")
    add.add_argument("--reset", action="store_true", help="ตั้งรหัสผ่านใหม่ให้บัญชีที่มีอยู่ — a new password for an existing account")
    sub.add_parser("list", help="รายชื่อบัญชีและ อบต. ที่แต่ละบัญชีเห็น — the accounts and the SAOs each sees")
    for name, thai in (("grant", "ให้บัญชีเห็น อบต. เพิ่ม — let the account see these SAOs"),
                       ("revoke", "นำ อบต. ออกจากบัญชี — take these SAOs away from the account")):
        p = sub.add_parser(name, help=thai)
        p.add_argument("username")
        p.add_argument("slugs", nargs="+", metavar="slug")
    remove = sub.add_parser("remove", help="ปิดบัญชี ออกจากระบบ และนำ อบต. ทั้งหมดออก — disable the account")
    remove.add_argument("username")


COMMANDS = {
    "province": (cmd_province, "บัญชีเจ้าหน้าที่ระดับจังหวัดของการติดตั้งที่โฮสต์หลายแห่ง — the province console's accounts "
                 "(add, list, grant, revoke, remove)", add_arguments),
}
