"""Who is signed in and what they may do: the one place the console's roles are enforced.

Every view of the admin blueprint declares who may use it:

    @admin_bp.get("/users")
    @require_role("admin")
    def users(): ...

or `@public` for the sign-in page. A view that declares neither is refused to everyone
(deny by default), and tests/test_admin_roles.py fails for it. Inside a view, data of one
division is checked with `require_division(division_id)` (or filtered in SQL with
`division_sql(user)`), and corruption reports with `require_corruption_reader()`.

Roles: admin (everything except corruption reports), staff (the work of one division),
auditor (the only role that may read corruption reports; giving it takes another auditor's
confirmation or the command line, see bot/console/auditor_requests.py).
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import ValidationError, validate_csrf

from bot.common.security_headers import add_security_headers as common_headers
from db import admin_sessions, admin_users, transaction
from db.admin_users import AdminUser

log = logging.getLogger(__name__)

ADMIN, STAFF, AUDITOR = "admin", "staff", "auditor"
EVERY_ROLE = (ADMIN, STAFF, AUDITOR)
ROLE_LABELS = {ADMIN: "ผู้ดูแลระบบ", STAFF: "เจ้าหน้าที่ประจำกอง", AUDITOR: "ผู้ตรวจสอบ"}
ROLE_DESCRIPTIONS = {
    ADMIN: "ใช้งานได้ทุกส่วนและจัดการผู้ใช้ ยกเว้นเรื่องร้องเรียนการทุจริต",
    STAFF: "เห็นเฉพาะงานของกองตนเอง เช่น เรื่องร้องเรียน คำถาม และกำหนดส่งงาน",
    AUDITOR: "อ่านเรื่องร้องเรียนการทุจริตได้ (บทบาทเดียวที่อ่านได้) การให้บทบาทนี้ต้องให้ผู้ตรวจสอบยืนยัน",
}
# The only role that may read corruption reports (not even admins).
CORRUPTION_REPORT_ROLES = (AUDITOR,)

SESSION_TOKEN_KEY = "admin_session"  # in Flask's signed session cookie
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# last_seen_at is written at most this often, so browsing is not a stream of writes.
TOUCH_INTERVAL_SECONDS = 60
# Views a person who must change a password may still use.
_ALLOWED_WHILE_CHANGING_PASSWORD = {"admin.change_password", "admin.logout"}


def current_user() -> AdminUser | None:
    return g.get("admin_user")


def require_role(*roles: str) -> Callable:
    """Allow a view to signed-in people of these roles only: others get 403, strangers the sign-in page."""
    unknown = set(roles) - set(EVERY_ROLE)
    if not roles or unknown:
        raise ValueError(f"require_role needs roles from {EVERY_ROLE}, got {roles}")
    allowed = frozenset(roles)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect_to_login()
            if user.role not in allowed:
                log.warning("admin: %s (%s) refused %s %s", user.username, user.role, request.method, request.path)
                abort(403)
            return view(*args, **kwargs)

        guarded.required_roles = allowed
        return guarded

    return decorate


def public(view: Callable) -> Callable:
    """Mark a view anyone may open (the sign-in page)."""
    view.public = True
    return view


# --- divisions and corruption reports --------------------------------------------------------


def division_scope(user: AdminUser) -> frozenset[str] | None:
    """The divisions whose work a person may see: None means every division (admins)."""
    if user.role == ADMIN:
        return None
    if user.role == STAFF and user.division_id:
        return frozenset({user.division_id})
    return frozenset()


def may_see_division(user: AdminUser | None, division_id: str | None) -> bool:
    if user is None:
        return False
    scope = division_scope(user)
    return scope is None or (division_id is not None and division_id in scope)


def require_division(division_id: str | None) -> None:
    """403 unless the signed-in person may see this division's records (call it in a view)."""
    user = current_user()
    if not may_see_division(user, division_id):
        log.warning("admin: %s refused division %r at %s", user.username if user else None, division_id, request.path)
        abort(403)


def division_sql(user: AdminUser, column: str = "division_id") -> tuple[str, list]:
    """A WHERE fragment limiting rows to the person's divisions, for lists and exports."""
    scope = division_scope(user)
    if scope is None:
        return "1 = 1", []
    if not scope:
        return "0 = 1", []
    return f"{column} IN ({', '.join('?' for _ in scope)})", sorted(scope)


def may_read_corruption_reports(user: AdminUser | None) -> bool:
    return user is not None and user.role in CORRUPTION_REPORT_ROLES


def require_corruption_reader() -> None:
    """403 unless the signed-in person may read corruption reports (auditors only)."""
    if not may_read_corruption_reports(current_user()):
        abort(403)


# --- sessions ----------------------------------------------------------------------------


def _db():
    return current_app.extensions["db_pool"].get()


def _settings():
    return current_app.config["SETTINGS"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(db, user: AdminUser, actor) -> None:
    """Start a new session for a person whose password was just checked.

    Everything the browser held before is dropped and a new random token issued, so a
    session planted before sign-in (session fixation) never becomes a signed-in one.
    """
    from bot.console.client import client_ip

    session.clear()
    token = secrets.token_urlsafe(32)
    settings = _settings()
    with transaction(db):
        admin_sessions.purge_expired(db, settings.admin_idle_minutes * 60, settings.admin_session_max_hours * 3600)
        admin_sessions.create(db, token_hash(token), user.id, client_ip(), request.user_agent.string)
        admin_users.record_login(db, user.id)
        actor.record(db, "login.success", f"user:{user.id}")
    session[SESSION_TOKEN_KEY] = token


def sign_out(db) -> None:
    token = session.get(SESSION_TOKEN_KEY)
    user = current_user()
    if token:
        from bot.console.audit import current_actor

        with transaction(db):
            admin_sessions.delete(db, token_hash(token))
            if user is not None:
                current_actor().record(db, "logout", f"user:{user.id}")
    session.clear()


def load_signed_in_user() -> None:
    """Find the person behind this browser's session, ending it when idle, too old or disabled."""
    g.admin_user = None
    g.admin_session_hash = None
    token = session.get(SESSION_TOKEN_KEY)
    if not token:
        return
    settings = _settings()
    db = _db()
    hashed = token_hash(token)
    row = admin_sessions.get(db, hashed)
    now = time.time()
    user = admin_users.get(db, row.user_id) if row else None
    ended = (
        row is None
        or user is None
        or not user.active
        or now - row.last_seen_at > settings.admin_idle_minutes * 60
        or now - row.created_at > settings.admin_session_max_hours * 3600
    )
    if ended:
        if row is not None:
            admin_sessions.delete(db, hashed)
        session.pop(SESSION_TOKEN_KEY, None)
        g.admin_session_ended = True
        return
    if now - row.last_seen_at > TOUCH_INTERVAL_SECONDS:
        admin_sessions.touch(db, hashed, now)
    g.admin_user = user
    g.admin_session_hash = hashed


def safe_next(target: str | None) -> str | None:
    """Only a path inside the console may be a place to return to after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/admin") or target.startswith("//") or "\\" in target:
        return None
    return target


def redirect_to_login():
    args = {}
    if request.method == "GET":
        args["next"] = request.full_path.rstrip("?")
    if g.get("admin_session_ended"):
        args["reason"] = "expired"
    return redirect(url_for("admin.login", **args))


def csrf_failed() -> bool:
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token, time_limit=int(_settings().admin_session_max_hours * 3600))
    except ValidationError as exc:
        log.warning("admin: CSRF check failed for %s %s: %s", request.method, request.path, exc)
        return True
    return False


def guard_request():
    """Runs before every request to the admin blueprint (and only those)."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return None
    load_signed_in_user()
    is_public = getattr(view, "public", False)
    if getattr(view, "required_roles", None) is None and not is_public:
        log.error("admin view %s declares no role: refused to everyone", request.endpoint)
        abort(403)
    user = current_user()
    if user is None and not is_public:
        return redirect_to_login()
    upload_limit = getattr(view, "upload_limit", None)
    if upload_limit:  # a form with photos: more than the app's 1 MB, read only once signed in
        request.max_content_length = upload_limit
    if request.method in UNSAFE_METHODS and csrf_failed():
        abort(400, description="csrf")
    if user is not None and user.must_change_password and request.endpoint not in _ALLOWED_WHILE_CHANGING_PASSWORD and not is_public:
        return redirect(url_for("admin.change_password"))
    return None


def add_security_headers(response):
    common_headers(response)
    # Console pages hold personal data: never keep them in a shared or back-button cache.
    response.headers["Cache-Control"] = "no-store"
    return response
