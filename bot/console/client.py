"""What the console knows about the browser: its address and whether it came over HTTPS.

Behind a reverse proxy that terminates TLS, the app sees the proxy's address and plain
HTTP; set TRUSTED_PROXY_HOPS to the number of proxies in front so X-Forwarded-For and
X-Forwarded-Proto are believed (and only then: a client could send them itself).
Only the console reads these, so the webhook does no extra work per request.
"""
from __future__ import annotations

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface


def _hops() -> int:
    return current_app.config.get("SAO_TRUSTED_PROXY_HOPS", 0)


def _forwarded(header: str) -> str | None:
    """The value the outermost trusted proxy saw, from a comma-separated X-Forwarded-* header."""
    hops = _hops()
    if hops <= 0:
        return None
    values = [v.strip() for v in request.headers.get(header, "").split(",") if v.strip()]
    return values[-hops] if len(values) >= hops else None


def client_ip() -> str:
    return _forwarded("X-Forwarded-For") or request.remote_addr or "unknown"


def is_https() -> bool:
    proto = _forwarded("X-Forwarded-Proto")
    return proto.lower() == "https" if proto else request.is_secure


class SessionCookie(SecureCookieSessionInterface):
    """The app's one session interface: Flask's signed cookie, HttpOnly and SameSite=Lax,
    Secure as configured, and no session at all for LINE's webhook.

    SESSION_COOKIE_SECURE=auto (the default) marks the cookie Secure when the request came
    over HTTPS, so the same install works on http://127.0.0.1 and behind HTTPS. LINE sends
    no cookie and the webhook keeps nothing in a session, yet opening one builds a signing
    serializer on every request: a fifth of the webhook's own CPU.
    """

    def __init__(self, skip_paths: frozenset[str] = frozenset()):
        self.skip_paths = skip_paths

    def open_session(self, app, request):
        if request.path in self.skip_paths:
            return None  # Flask uses an empty, read-only session instead
        return super().open_session(app, request)

    def get_cookie_secure(self, app) -> bool:
        mode = app.config.get("SAO_SESSION_COOKIE_SECURE", "auto")
        return is_https() if mode == "auto" else mode == "true"

    def save_session(self, app, session, response) -> None:
        # Most requests (the webhook, assets) have no session: skip working out the cookie.
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
