"""Signing in to the console: passwords, rate limits, CSRF, cookies, sessions, headers."""
import time

import pytest
from flask import Flask

from admin_support import PASSWORD, csrf_from
from bot import create_app
from bot.console.auth import SESSION_TOKEN_KEY, token_hash
from db import admin_sessions, audit_log, login_failures

FAILED = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"


def session_data(app: Flask, client) -> dict:
    cookie = client.get_cookie("session")
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def post_login(console, client, username, password):
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token})


def test_passwords_are_stored_as_argon2id_hashes(console, admin):
    stored = console.db.execute("SELECT password_hash FROM admin_users WHERE id = ?", (admin.id,)).fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_and_out(console, admin):
    client = console.login("SomChai ")  # usernames are case-insensitive, spaces trimmed
    page = client.get("/admin/").get_data(as_text=True)
    assert "สมชาย ใจดี" in page and "ภาพรวม" in page
    token = csrf_from(page)
    response = client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.get("/admin/").status_code == 302
    actions = [e.action for e in audit_log.search(console.db, audit_log.AuditFilter())]
    assert actions[:2] == ["logout", "login.success"]


@pytest.mark.parametrize("username, password", [("somchai", "ผิด-ผิด-ผิด-ผิด"), ("nobody", PASSWORD), ("somchai", "")])
def test_a_failed_sign_in_says_the_same_generic_thai_thing(console, admin, username, password):
    response = post_login(console, console.client(), username, password)
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 401)
    assert (FAILED if password else "กรุณากรอกช่องนี้") in page
    assert "ไม่พบผู้ใช้" not in page and "nobody" not in page.replace('value="nobody"', "")


def test_a_disabled_account_cannot_sign_in_and_gets_the_same_message(console, admin):
    other = console.make_user("wichai", "staff")
    from bot.console import accounts
    from bot.console.audit import Actor

    accounts.set_active(console.db, Actor(admin.id, admin.username), other.id, False)
    response = post_login(console, console.client(), "wichai", PASSWORD)
    assert response.status_code == 401 and FAILED in response.get_data(as_text=True)
    entry = audit_log.search(console.db, audit_log.AuditFilter(action="login.failure"))[0]
    assert entry.details == {"reason": "disabled"} and entry.target == f"user:{other.id}"


def test_failed_sign_ins_are_rate_limited_per_username_even_with_the_right_password(console, admin):
    client = console.client()
    for _ in range(5):
        assert post_login(console, client, "somchai", "wrong-password-1").status_code == 401
    locked = post_login(console, client, "somchai", PASSWORD)
    assert locked.status_code == 429
    assert "ไม่สำเร็จหลายครั้ง กรุณารอ 30 วินาที" in locked.get_data(as_text=True)
    assert audit_log.count(console.db, audit_log.AuditFilter(action="login.locked")) == 1
    # Another account from the same address is not locked by somchai's failures.
    console.make_user("wichai", "auditor")
    assert post_login(console, console.client(), "wichai", PASSWORD).status_code == 302


def test_the_rate_limit_is_stored_so_a_restart_or_another_worker_process_sees_it(console, admin, settings):
    for _ in range(5):
        post_login(console, console.client(), "somchai", "wrong-password-1")
    # A second app on the same database: another gunicorn worker, or the same one after a restart.
    other_worker = create_app(settings.with_(start_worker=False))
    client = other_worker.test_client()
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"username": "somchai", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429


def test_the_lock_ends_when_the_window_has_passed(console, admin):
    window = console.app.config["SETTINGS"].login_failure_window_minutes * 60
    login_failures.record(console.db, ["user:somchai"] * 5, at=time.time() - window - 1)
    assert post_login(console, console.client(), "somchai", PASSWORD).status_code == 302


def test_failed_sign_ins_are_rate_limited_per_ip_address_across_usernames(console, settings, admin):
    app = create_app(settings.with_(start_worker=False, login_max_failures_per_ip=3))
    from admin_support import Console

    c = Console(app)
    for name in ("a-user", "b-user", "c-user"):
        assert post_login(c, c.client(), name, "wrong-password-1").status_code == 401
    assert post_login(c, c.client(), "somchai", PASSWORD).status_code == 429


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(console, settings, admin):
    client = console.client()
    for n in range(6):
        token = csrf_from(client.get("/admin/login").get_data(as_text=True))
        client.post(
            "/admin/login",
            data={"username": "somchai", "password": "wrong-password-1", "csrf_token": token},
            headers={"X-Forwarded-For": f"10.0.0.{n}"},
        )
    keys = {k for (k,) in console.db.execute("SELECT DISTINCT key FROM login_failures")}
    assert keys == {"user:somchai", "ip:127.0.0.1"}  # a client cannot pick a new address per try

    trusted = create_app(settings.with_(start_worker=False, trusted_proxy_hops=1))
    client = trusted.test_client()
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    client.post(
        "/admin/login",
        data={"username": "x-user", "password": "wrong-password-1", "csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7"},
    )
    assert console.db.execute("SELECT count(*) FROM login_failures WHERE key = 'ip:198.51.100.7'").fetchone()[0] == 1


def test_every_post_needs_the_csrf_token_of_its_own_session(console, admin):
    client = console.client()
    no_token = client.post("/admin/login", data={"username": "somchai", "password": PASSWORD})
    assert no_token.status_code == 400 and "แบบฟอร์มหมดอายุ" in no_token.get_data(as_text=True)
    signed_in = console.login("somchai")
    someone_elses = csrf_from(console.client().get("/admin/login").get_data(as_text=True))
    refused = signed_in.post("/admin/users/new", data={"username": "evil", "role": "admin", "csrf_token": someone_elses})
    assert refused.status_code == 400
    assert signed_in.post("/admin/logout", data={}).status_code == 400
    assert console.db.execute("SELECT count(*) FROM admin_users WHERE username = 'evil'").fetchone()[0] == 0
    # The same request with the session's own token goes through.
    token = console.token(signed_in)
    assert signed_in.post("/admin/users/new", data={"username": "okay", "role": "admin", "csrf_token": token}).status_code == 200


def test_session_id_is_new_after_sign_in_and_a_planted_cookie_never_signs_in(console, admin):
    client = console.client()
    client.get("/admin/login")
    before = session_data(console.app, client)
    planted = client.get_cookie("session").value
    assert SESSION_TOKEN_KEY not in before and "csrf_token" in before
    console.login("somchai", client=client)
    after = session_data(console.app, client)
    assert after[SESSION_TOKEN_KEY] and "csrf_token" not in after  # nothing from before sign-in survives
    # Whoever kept the pre-sign-in cookie is still signed out.
    attacker = console.client()
    attacker.set_cookie("session", planted)
    assert attacker.get("/admin/").status_code == 302
    # Signing in again issues yet another session; each is its own row.
    console.login("somchai", client=console.client())
    assert console.db.execute("SELECT count(*) FROM admin_sessions").fetchone()[0] == 2


def test_a_signed_out_cookie_is_dead_on_the_server(console, admin):
    client = console.login("somchai")
    stolen = client.get_cookie("session").value
    client.post("/admin/logout", data={"csrf_token": console.token(client)})
    replay = console.client()
    replay.set_cookie("session", stolen)
    assert replay.get("/admin/").status_code == 302


def test_idle_sessions_time_out(console, admin):
    client = console.login("somchai")
    token = session_data(console.app, client)[SESSION_TOKEN_KEY]
    idle = console.app.config["SETTINGS"].admin_idle_minutes * 60
    console.db.execute("UPDATE admin_sessions SET last_seen_at = ?", (time.time() - idle - 5,))
    response = client.get("/admin/users")
    assert response.status_code == 302 and "reason=expired" in response.headers["Location"]
    assert admin_sessions.get(console.db, token_hash(token)) is None
    assert "หมดเวลาการใช้งาน" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_activity_keeps_a_session_alive_and_no_session_outlives_the_maximum(console, admin):
    client = console.login("somchai")
    idle = console.app.config["SETTINGS"].admin_idle_minutes * 60
    console.db.execute("UPDATE admin_sessions SET last_seen_at = ?", (time.time() - idle + 30,))
    assert client.get("/admin/").status_code == 200
    seen = console.db.execute("SELECT last_seen_at FROM admin_sessions").fetchone()[0]
    assert time.time() - seen < 5  # the request counted as activity
    max_age = console.app.config["SETTINGS"].admin_session_max_hours * 3600
    console.db.execute("UPDATE admin_sessions SET created_at = ?", (time.time() - max_age - 1,))
    assert client.get("/admin/").status_code == 302


def test_session_cookie_is_httponly_lax_and_secure_over_https(console, admin, settings):
    http = console.client()
    http.get("/admin/login")
    cookie = http.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    https = console.app.test_client()
    response = https.get("/admin/login", base_url="https://sao.example")
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    forced = create_app(settings.with_(start_worker=False, session_cookie_secure="true")).test_client()
    assert "Secure" in forced.get("/admin/login").headers["Set-Cookie"]


@pytest.mark.parametrize("path", ["/admin/login", "/admin/", "/admin/users/999999"])
def test_console_pages_send_security_headers(admin_client, path):
    response = admin_client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_webhook_is_untouched_by_the_console(console):
    """No app-wide hooks: /callback does no console work, needs no CSRF token, gets no cookie."""
    app = console.app
    assert not app.before_request_funcs.get(None) and not app.after_request_funcs.get(None)
    from helpers import CHANNEL_SECRET, body_of, text_event, user_id
    from bot.line.signature import sign

    body = body_of(text_event(user_id(), "สวัสดีค่ะ"))
    response = console.client().post(
        "/callback", data=body, headers={"X-Line-Signature": sign(CHANNEL_SECRET, body), "Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and "Content-Security-Policy" not in response.headers


def test_the_webhook_opens_no_session_even_with_a_cookie(console, monkeypatch):
    """One session interface for the app: the console's Secure cookie, and none for /callback.

    The console once replaced the webhook's session-skipping interface, so every webhook
    request built a signing serializer again.
    """
    app = console.app
    opened = []
    real = type(app.session_interface).get_signing_serializer
    monkeypatch.setattr(
        type(app.session_interface), "get_signing_serializer", lambda self, a: opened.append(1) or real(self, a)
    )
    from helpers import CHANNEL_SECRET, body_of, text_event, user_id
    from bot.line.signature import sign

    client = console.client()
    client.set_cookie("session", "planted")
    body = body_of(text_event(user_id(), "ขอบคุณค่ะ"))
    response = client.post(
        "/callback", data=body, headers={"X-Line-Signature": sign(CHANNEL_SECRET, body), "Content-Type": "application/json"}
    )
    assert response.status_code == 200 and opened == []
    client.get("/admin/login")
    assert opened  # the console still has its session


@pytest.mark.parametrize("target", ["//evil.example/admin", "https://evil.example/", "/simulator", "/admin\\@evil"])
def test_after_sign_in_the_console_never_redirects_elsewhere(console, admin, target):
    client = console.client()
    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"username": "somchai", "password": PASSWORD, "csrf_token": token, "next": target})
    assert response.headers["Location"] == "/admin/"


def test_after_sign_in_the_console_returns_to_the_page_asked_for(console, admin):
    client = console.client()
    first = client.get("/admin/audit?period=7d")
    assert first.status_code == 302
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    response = client.post(
        first.headers["Location"], data={"username": "somchai", "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    assert response.headers["Location"] == "/admin/audit?period=7d"
