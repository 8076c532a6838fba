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
    """Flask's signed session cookie, HttpOnly and SameSite=Lax, Secure as configured.

    SESSION_COOKIE_SECURE=auto (the default) marks the cookie Secure when the request came
    over HTTPS, so the same install works on http://127.0.0.1 and behind HTTPS.
    """

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
