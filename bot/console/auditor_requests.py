"""Requests about auditor accounts: an admin asks, another auditor confirms or rejects.

Finding F2: an admin who could create an auditor account (or make an account an auditor,
re-enable one, reset its password) could then sign in as that auditor and read every
corruption report. So in the console these changes are only requests; an active auditor
who is neither the requester nor the account itself confirms them, and only then is the
change made. A confirmation that needs a password (create, role, reset) makes a new
temporary one and shows it to the confirming auditor, who hands it to the account's owner:
the admin never sees a working auditor password, and an account that becomes an auditor
never keeps a password its admin may know. With no active auditor to confirm, the way is
`python -m bot create-admin --role auditor` on the server.
Each request and decision is told to the audit unit (bot/console/auditor_log.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bot.console import accounts, auditor_log, passwords
from bot.console.accounts import AccountError
from bot.console.audit import Actor
from bot.console.auth import AUDITOR
from db import admin_users, transaction
from db import auditor_requests as store
from db.admin_users import AdminUser
from db.auditor_requests import AuditorRequest

MAX_REASON = 300
# What a confirmed request does, as the audit action of the change.
CHANGE_OF = {
    "create": "auditor.create",
    "role": "auditor.role_grant",
    "enable": "auditor.enable",
    "reset": "auditor.password_reset",
}


@dataclass(frozen=True)
class Confirmed:
    request: AuditorRequest
    user: AdminUser
    temporary_password: str | None  # for the confirming auditor to hand over; None when re-enabled


def _someone_to_confirm(db: sqlite_utils.Database, account_id: int | None) -> None:
    if admin_users.count_active_with_role(db, AUDITOR, excluding_id=account_id) == 0:
        raise AccountError(
            "ยังไม่มีผู้ตรวจสอบที่ใช้งานอยู่ซึ่งจะยืนยันคำขอนี้ได้ กรุณาให้ผู้ดูแลเครื่องแม่ข่ายใช้คำสั่ง "
            "python -m bot create-admin --role auditor บนเครื่องแม่ข่าย",
            "no active auditor can confirm this: run `python -m bot create-admin --role auditor` on the server",
        )


def _still_applies(db: sqlite_utils.Database, kind: str, user: AdminUser, requested_by_id: int) -> None:
    """The account is still as the request expects (checked when asked and when confirmed)."""
    if kind == "role":
        if user.role == AUDITOR:
            raise AccountError("บัญชีนี้เป็นผู้ตรวจสอบอยู่แล้ว", "the account is an auditor already")
        if user.id == requested_by_id:
            raise AccountError("เปลี่ยนบทบาทของตนเองไม่ได้ ให้ผู้ดูแลระบบคนอื่นเปลี่ยนให้", "you cannot change your own role")
        accounts.keep_an_admin(db, user)
    elif user.role != AUDITOR:
        raise AccountError("บัญชีนี้ไม่ได้เป็นผู้ตรวจสอบแล้ว", "the account is no longer an auditor")
    elif kind == "enable" and user.active:
        raise AccountError("บัญชีนี้ใช้งานได้อยู่แล้ว", "the account is active already")


def request(
    db: sqlite_utils.Database, actor: Actor, kind: str, *, user_id: int | None = None, username: str = "", display_name: str = ""
) -> int:
    """An admin asks for auditor access to be given; nothing changes until an auditor confirms."""
    if kind == "create":
        username = accounts.normalise_username(username)
        accounts.check_username(username)
        display_name = accounts.clean_display_name(display_name)
    with transaction(db):
        if kind == "create":
            if admin_users.get_with_hash(db, username):
                raise AccountError("มีชื่อผู้ใช้นี้อยู่แล้ว กรุณาใช้ชื่ออื่น", f"the username {username!r} is taken")
        else:
            user = accounts.must_get(db, user_id)
            _still_applies(db, kind, user, actor.id)
            username, display_name = user.username, ""
        _someone_to_confirm(db, user_id)
        try:
            request_id = store.create(
                db, kind=kind, account_id=user_id, username=username, display_name=display_name,
                requested_by_id=actor.id, requested_by=actor.name,
            )
        except store.AlreadyPending:
            raise AccountError(
                "มีคำขอเกี่ยวกับบัญชีนี้รอผู้ตรวจสอบยืนยันอยู่แล้ว", f"a request about {username!r} is waiting already"
            ) from None
        auditor_log.record(
            db, actor, "auditor.request", f"user:{user_id}" if user_id else None,
            request=request_id, kind=kind, username=username, display_name=display_name,
        )
    return request_id


def _open(db: sqlite_utils.Database, request_id: int) -> AuditorRequest:
    found = store.get(db, request_id)
    if found is None:
        raise AccountError("ไม่พบคำขอนี้", f"no request {request_id}")
    if found.status != "pending":
        raise AccountError("คำขอนี้ได้รับการพิจารณาไปแล้ว", "the request was decided already")
    return found


def _may_decide(db: sqlite_utils.Database, actor: Actor, req: AuditorRequest, confirming: bool) -> None:
    person = admin_users.get(db, actor.id) if actor.id is not None else None
    if person is None or person.role != AUDITOR or not person.active:
        raise AccountError("เฉพาะผู้ตรวจสอบที่ใช้งานอยู่เท่านั้นที่พิจารณาคำขอนี้ได้", "only an active auditor may decide this request")
    if person.id == req.requested_by_id:
        raise AccountError("พิจารณาคำขอของตนเองไม่ได้ ต้องให้ผู้ตรวจสอบท่านอื่นพิจารณา", "you cannot decide your own request")
    if confirming and person.id == req.account_id:  # rejecting a request about oneself is fine
        raise AccountError(
            "คำขอนี้เกี่ยวกับบัญชีของท่านเอง ต้องให้ผู้ตรวจสอบท่านอื่นยืนยัน", "the request is about your own account"
        )


def confirm(db: sqlite_utils.Database, actor: Actor, request_id: int) -> Confirmed:
    """An auditor confirms: the change is made, in one transaction with closing the request."""
    kind = _open(db, request_id).kind
    temporary = None if kind == "enable" else passwords.temporary_password()
    hashed = passwords.hash_password(temporary) if temporary else None  # slow on purpose: outside the write lock
    with transaction(db):
        req = _open(db, request_id)  # again, under the lock: another auditor may have decided meanwhile
        _may_decide(db, actor, req, confirming=True)
        details = {}
        if req.kind == "create":
            try:
                user_id = admin_users.create(
                    db, username=req.username, password_hash=hashed, role=AUDITOR, division_id=None,
                    display_name=req.display_name, created_by=f"{req.requested_by} ({actor.name})", must_change_password=True,
                )
            except admin_users.UsernameTaken:
                raise AccountError("มีชื่อผู้ใช้นี้อยู่แล้ว กรุณาปฏิเสธคำขอนี้", f"the username {req.username!r} is taken") from None
        else:
            user = accounts.must_get(db, req.account_id)
            _still_applies(db, req.kind, user, req.requested_by_id)
            user_id = user.id
            if req.kind == "role":
                admin_users.set_role(db, user_id, AUDITOR, None)
                details = {"old_role": user.role, "old_division": user.division_id}
            elif req.kind == "enable":
                admin_users.set_active(db, user_id, True)
            if hashed:  # the account's old password may be known to its admin: a new one, for its owner
                accounts.set_temporary_password(db, user, hashed)
        store.decide(db, req.id, "confirmed", by_id=actor.id, by=actor.name)
        auditor_log.record(
            db, actor, CHANGE_OF[req.kind], f"user:{user_id}", username=req.username,
            request=req.id, requested_by=req.requested_by, new_password=bool(hashed), **details,
        )
    return Confirmed(req, admin_users.get(db, user_id), temporary)


def reject(db: sqlite_utils.Database, actor: Actor, request_id: int, reason: str = "") -> AuditorRequest:
    reason = " ".join((reason or "").split())[:MAX_REASON] or None
    with transaction(db):
        req = _open(db, request_id)
        _may_decide(db, actor, req, confirming=False)
        store.decide(db, req.id, "rejected", by_id=actor.id, by=actor.name, reason=reason)
        auditor_log.record(
            db, actor, "auditor.reject", f"user:{req.account_id}" if req.account_id else None,
            request=req.id, kind=req.kind, username=req.username, requested_by=req.requested_by, reason=reason,
        )
    return req
