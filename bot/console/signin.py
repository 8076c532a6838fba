"""Checking a username and password under throttles an attacker cannot turn against the owner.

- Counted before checked: an attempt is recorded in the same write transaction that looks
  at the throttle, before the slow password check, so simultaneous guesses see each other
  (40 at once used to get 17 password checks past a limit of 5).
- Growing delays, not a lockout: after the free failures within the window (per username 5,
  per address 20: settings), each further try waits 30 s, 1, 2, 4, 8 … minutes after the
  previous failure, at most the window.
- A browser that signed in before as this person carries a signed device cookie; its tries
  are counted for that browser alone, not under the username or the address. The owner
  still gets in while someone else guesses the username, and one person behind an office's
  shared address cannot lock the whole office out.
- The owner is told: the page says how long to wait, and the next successful sign-in says
  how many failed tries there were since the one before.

Failures are kept in SQLite (db.login_failures), shared by every worker process and kept
across restarts; each is also in the audit log.
"""
from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass

import sqlite_utils
from itsdangerous import BadSignature, URLSafeSerializer

from bot.console import passwords
from bot.console.accounts import USERNAME, normalise_username
from bot.console.audit import Actor
from bot.config import Settings
from db import admin_users, audit_log, login_failures, transaction
from db.admin_users import AdminUser

FIRST_DELAY_SECONDS = 30
DEVICE_COOKIE = "sao_admin_device"
DEVICE_COOKIE_DAYS = 180


@dataclass(frozen=True)
class SignInResult:
    user: AdminUser | None = None
    wait_seconds: float = 0.0  # > 0: too many failures; try again after this
    failures_since_last_sign_in: int = 0  # for the owner, on success
    last_failure_at: float | None = None


# --- the device cookie --------------------------------------------------------------------


def _devices(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="admin-device")


def new_device_cookie(secret_key: str, user: AdminUser) -> str:
    """Set after a successful sign-in: this browser has shown it knows this user's password."""
    return _devices(secret_key).dumps({"u": user.username, "d": secrets.token_urlsafe(16)})


def device_of(secret_key: str, cookie: str | None, username: str) -> str | None:
    """The device id when the cookie is genuine and was issued to this username."""
    if not cookie:
        return None
    try:
        value = _devices(secret_key).loads(cookie)
    except BadSignature:
        return None
    if isinstance(value, dict) and value.get("u") == username and isinstance(value.get("d"), str):
        return value["d"]
    return None


# --- the throttle ---------------------------------------------------------------------------


def _wait(db: sqlite_utils.Database, key: str, free: int, now: float, window: float) -> float:
    count, last = db.execute(
        "SELECT count(*), max(at) FROM login_failures WHERE key = ? AND at >= ?", (key, now - window)
    ).fetchone()
    if count < free:
        return 0.0
    delay = min(FIRST_DELAY_SECONDS * 2 ** min(count - free, 20), window)
    return max(0.0, last + delay - now)


def authenticate(
    db: sqlite_utils.Database,
    settings: Settings,
    actor_ip: str,
    username: str,
    password: str,
    device: str | None = None,
    now: float | None = None,
) -> SignInResult:
    """Check a password unless a throttle says wait. `device`: from device_of(), or None."""
    now = time.time() if now is None else now
    username = normalise_username(username)[:64]
    window = settings.login_failure_window_minutes * 60
    user_key = f"user:{username}"
    if device:
        limits = ((f"device:{device}", settings.login_max_failures_per_user),)
    else:
        limits = ((user_key, settings.login_max_failures_per_user), (f"ip:{actor_ip}", settings.login_max_failures_per_ip))

    with transaction(db):
        login_failures.purge(db, now - window)
        wait = max(_wait(db, key, free, now, window) for key, free in limits)
        if wait > 0:
            return SignInResult(wait_seconds=wait)
        # Recorded as a failure now, forgotten if the password is right.
        attempt = login_failures.record(db, [key for key, _ in limits], now)

    found = admin_users.get_with_hash(db, username) if USERNAME.match(username) else None
    user, hashed = found if found else (None, None)
    ok = passwords.verify_password(hashed, password) and user is not None and user.active
    if ok:
        with transaction(db):
            login_failures.forget(db, attempt)
            if not device:  # a known browser's success must not reset a guesser's count
                login_failures.clear(db, user_key)
            since = user.last_login_at or 0.0
            failures, last = _failures_since(db, user.id, since)
        if passwords.needs_rehash(hashed):
            admin_users.replace_hash(db, user.id, hashed, passwords.hash_password(password))
        return SignInResult(user=user, failures_since_last_sign_in=failures, last_failure_at=last)

    reason = "unknown user" if user is None else ("disabled" if not user.active else "wrong password")
    # The name typed is kept only when it looks like a username: people type passwords there by mistake.
    shown_name = username if USERNAME.match(username) else "(not a username)"
    with transaction(db):
        record_as = Actor(user.id if user else None, shown_name, actor_ip)
        record_as.record(db, "login.failure", f"user:{user.id}" if user else None, reason=reason,
                         **({"known_browser": True} if device else {}))
        for key, free in limits:
            count, _ = login_failures.recent(db, key, now - window)
            if count == free:
                record_as.record(db, "login.locked", key, minutes=settings.login_failure_window_minutes)
    return SignInResult()


def _failures_since(db: sqlite_utils.Database, user_id: int, since: float) -> tuple[int, float | None]:
    f = audit_log.AuditFilter(action="login.failure", target=f"user:{user_id}", start=since)
    count = audit_log.count(db, f)
    if not count:
        return 0, None
    return count, audit_log.search(db, f, limit=1)[0].at


# --- a sign-in form's answer (the SAO's console and the province's: bot/hosting/province.py) ----


def check_form(db: sqlite_utils.Database, username: str, password: str) -> tuple[SignInResult, str | None]:
    """authenticate() for the browser of this request: (the result, its device id if it has one)."""
    from flask import current_app, request

    from bot.console.client import client_ip

    settings = current_app.config["SETTINGS"]
    username = normalise_username(username)
    device = device_of(settings.secret_key, request.cookies.get(DEVICE_COOKIE), username)
    return authenticate(db, settings, client_ip(), username, password, device=device), device


def signed_in(db: sqlite_utils.Database, result: SignInResult, device: str | None, target: str, cookie_path: str):
    """After the right password: the session, a notice of the failed tries since the last sign-in,
    the redirect to target, and the device cookie for a browser new to this account."""
    from flask import current_app, flash, redirect

    from bot.console.auth import sign_in
    from bot.console.client import client_ip, is_https

    settings = current_app.config["SETTINGS"]
    user = result.user
    sign_in(db, user, Actor(user.id, user.username, client_ip()))
    if result.failures_since_last_sign_in:
        flash(failures_notice(result), "error")
    response = redirect(target)
    if device is None:  # this browser now knows the password: it keeps a way in
        response.set_cookie(
            DEVICE_COOKIE, new_device_cookie(settings.secret_key, user), max_age=DEVICE_COOKIE_DAYS * 86400,
            path=cookie_path, httponly=True, samesite="Lax",
            secure=is_https() if settings.session_cookie_secure == "auto" else settings.session_cookie_secure == "true",
        )
    return response


def wait_notice(seconds: float) -> str:
    wait = f"{math.ceil(seconds)} วินาที" if seconds < 60 else f"{math.ceil(seconds / 60)} นาที"
    return (
        f"มีการเข้าสู่ระบบด้วยชื่อผู้ใช้นี้ไม่สำเร็จหลายครั้ง กรุณารอ {wait} แล้วลองใหม่ "
        "(เบราว์เซอร์ที่ท่านเคยเข้าสู่ระบบสำเร็จไว้แล้วเข้าได้ตามปกติ หากลืมรหัสผ่าน ขอให้ผู้ดูแลระบบตั้งรหัสผ่านใหม่ให้)"
    )


def failures_notice(result: SignInResult) -> str:
    from bot.common.thaidate import thai_datetime

    return (
        f"ตั้งแต่ท่านเข้าสู่ระบบครั้งก่อน มีผู้พยายามเข้าสู่ระบบด้วยชื่อผู้ใช้ของท่านแต่รหัสผ่านไม่ถูกต้อง "
        f"{result.failures_since_last_sign_in} ครั้ง ล่าสุดเมื่อ {thai_datetime(result.last_failure_at)} "
        "หากไม่ใช่ท่าน กรุณาเปลี่ยนรหัสผ่านและแจ้งผู้ดูแลระบบ"
    )
