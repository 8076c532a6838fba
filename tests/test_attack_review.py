"""Regression tests for the outside attack review (issue 17): one or more per finding.

Each test failed on the code the review attacked. Findings with a home of their own are
tested there: F2 in test_auditor_duties.py, F5 in test_content_last_good.py.
"""
from __future__ import annotations

import json
import time

import pytest

from db import inbox
from admin_support import PASSWORD
from helpers import body_of, post_signed, text_event, user_id, wait_until


def replies(fake_line) -> list[dict]:
    return [r for r in fake_line.state.requests if r.path == "/v2/bot/message/reply"]


def finished(served) -> bool:
    counts = inbox.counts_by_status(served.db)
    return sum(counts.values()) > 0 and not any(counts.get(s) for s in ("pending", "processing", "handled"))


# --- F3: one bad event must not sink the batch ---------------------------------------------------


def test_lone_surrogate_is_repaired_and_the_other_users_event_still_answered(served, fake_line):
    spoiled, good = text_event(user_id(), "สวัสดีค่ะ X"), text_event(user_id(), "เบอร์โทร อบต.")
    # json.dumps writes a lone surrogate as the escape "\ud83d", as the attacker sent it.
    body = json.dumps({"destination": "Ubot", "events": [spoiled, good]}).replace("X", "\\ud83d").encode()
    assert "\\ud83d" in body.decode()
    assert post_signed(served.url, body).status_code == 200
    assert post_signed(served.url, body).status_code == 200  # a redelivery too, and it dedupes
    wait_until(lambda: finished(served))
    stored = [json.loads(p)["message"]["text"] for (p,) in served.db.execute("SELECT payload FROM inbox ORDER BY id")]
    assert stored == ["สวัสดีค่ะ \ufffd", "เบอร์โทร อบต."]
    assert {r.json["replyToken"] for r in replies(fake_line)} == {spoiled["replyToken"], good["replyToken"]}


# --- F8: non-finite numbers rejected at parse, per event; cleanup survives a bad row -----------


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "1" + "0" * 5000])
def test_a_non_finite_or_huge_number_skips_only_its_event(served, fake_line, number):
    bad, good = text_event(user_id(), "ถนนพัง"), text_event(user_id(), "ติดต่อ อบต.")
    bad["message"]["extra"] = "NUMBER"
    body = json.dumps({"events": [bad, good]}, ensure_ascii=False).replace('"NUMBER"', number).encode()
    assert post_signed(served.url, body).status_code == 200
    wait_until(lambda: finished(served))
    payloads = [p for (p,) in served.db.execute("SELECT payload FROM inbox")]
    assert len(payloads) == 1 and json.loads(payloads[0])["replyToken"] == good["replyToken"]
    assert "Infinity" not in payloads[0] and "NaN" not in payloads[0]
    assert [r.json["replyToken"] for r in replies(fake_line)] == [good["replyToken"]]


def _store_bad_rows(db, now: float) -> None:
    """Rows as the old webhook stored them: Infinity and NaN, which SQLite's JSON rejects."""
    for n, payload in enumerate(('{"type":"message","x":Infinity}', '{"type":"message","x":NaN,"redacted":true}')):
        db.execute(
            "INSERT INTO inbox (webhook_event_id, event_key, event_type, mode, source_key, user_id, payload, status,"
            " received_at) VALUES (?, ?, 'message', 'active', 'user:Ubad', 'Ubad', ?, 'done', ?)",
            (f"bad{n}", f"bad{n}", payload, now - 200 * 86400),
        )


def test_one_bad_stored_event_does_not_stop_the_privacy_cleanup(settings):
    from bot.feedback import retention as feedback_retention
    from db import open_database, retention

    db = open_database(settings.database_path)
    now = time.time()
    _store_bad_rows(db, now)
    db.execute(
        "INSERT INTO inbox (webhook_event_id, event_key, event_type, mode, source_key, user_id, payload, status,"
        " received_at) VALUES ('ok', 'ok', 'message', 'active', 'user:Uok', 'Uok', ?, 'done', ?)",
        (json.dumps({"type": "message", "redacted": True}), now - 60),
    )
    removed = feedback_retention.purge(db, settings.feedback_retention_days, now)
    assert removed["redacted_events_unlinked"] == 1  # the good redacted row, despite the bad ones
    assert db.execute("SELECT source_key FROM inbox WHERE webhook_event_id = 'ok'").fetchone()[0] == "redacted"
    removed = retention.purge(db, now)
    assert removed["events"] == 2  # the 200-day-old bad rows are gone with the rest of the history
    db.close()


def test_each_cleanup_step_runs_even_when_another_fails(settings, monkeypatch, caplog):
    import sqlite3

    from bot.feedback import retention as feedback_retention
    from db import open_database, outbox

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("malformed JSON")

    deleted = []
    monkeypatch.setattr(feedback_retention.inbox, "forget_redacted_sources", broken)
    monkeypatch.setattr(outbox, "delete_confidential", lambda db, now: deleted.append(now) or 0)
    db = open_database(settings.database_path)
    removed = feedback_retention.purge(db, settings.feedback_retention_days, time.time())
    db.close()
    assert deleted, "the step after the failing one still ran"
    assert "redacted_events_unlinked" not in removed and removed["tickets"] == 0
    assert "redacted_events_unlinked" in caplog.text and removed["failed_steps"] == 1


# --- F11: a channel secret without a token ------------------------------------------------------


def test_half_a_channel_refuses_to_start_and_never_mounts_the_fake(tmp_path):
    from bot import create_app
    from bot.config import PROJECT_ROOT, ConfigError, Settings
    from bot.line.local import local_line_settings
    from bot.pages.simulator import create_local_app

    base = Settings(database_path=tmp_path / "bot.sqlite3", content_dir=PROJECT_ROOT / "content", secret_key="x",
                    start_worker=False)
    secret_only = base.with_(channel_secret="a-real-channel-secret")
    assert local_line_settings(secret_only, 8000) is secret_only  # the fake never takes a channel's replies
    for half in (secret_only, base.with_(channel_access_token="a-real-token")):
        for factory in (create_app, create_local_app):
            with pytest.raises(ConfigError, match="LINE_CHANNEL_SECRET และ LINE_CHANNEL_ACCESS_TOKEN"):
                factory(half)


def test_the_clock_refuses_half_a_channel_with_a_clear_message(monkeypatch, tmp_path, capsys):
    from scheduler.__main__ import main

    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "a-real-channel-secret")
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN", raising=False)
    assert main(["tick"]) == 2
    assert "LINE_CHANNEL_ACCESS_TOKEN is missing" in capsys.readouterr().err


# --- F1: anonymous corruption reports are limited per person, unlinkably ----------------------


def test_one_person_cannot_block_anonymous_reports_for_everyone(served, fake_line):
    from bot.feedback.corruption import MAX_ANONYMOUS_AN_HOUR
    from feedback_support import Chat
    from test_feedback_corruption import report

    flooder, citizen = Chat(served, fake_line), Chat(served, fake_line)
    for _ in range(MAX_ANONYMOUS_AN_HOUR):
        assert "รหัสเรื่อง" in report(flooder)
    refused = report(flooder)
    assert "รหัสเรื่อง" not in refused and "ชั่วโมงนี้ท่านแจ้งเรื่องแบบไม่เปิดเผยตัวตนครบ" in refused
    assert "รหัสเรื่อง" in report(citizen)  # another person still gets through

    db = served.db
    assert db.execute("SELECT count(*) FROM corruption_reports").fetchone()[0] == MAX_ANONYMOUS_AN_HOUR + 1
    # The counts name nobody: no LINE id, and only the hour, never a report's time or id.
    rows = db.execute("SELECT key, at FROM feedback_rate_events").fetchall()
    assert rows and all(flooder.uid not in key and citizen.uid not in key for key, _ in rows)
    assert len({key for key, _ in rows}) == 2 and all(at % 3600 == 0 for _, at in rows)


def test_the_hourly_key_is_forgotten_so_old_counts_point_to_nobody(settings):
    from db import feedback_limits, open_database

    db = open_database(settings.database_path)
    hour = 1_800_000_000 - 1_800_000_000 % 3600
    first = feedback_limits.person_key(db, "corruption:anonymous", "Uaaa", hour + 10)
    assert first == feedback_limits.person_key(db, "corruption:anonymous", "Uaaa", hour + 3599)
    assert first != feedback_limits.person_key(db, "corruption:anonymous", "Ubbb", hour + 10)
    later = feedback_limits.person_key(db, "corruption:anonymous", "Uaaa", hour + 3600)
    assert later != first
    assert db.execute("SELECT hour FROM rate_limit_keys").fetchall() == [(hour // 3600 + 1,)]
    db.close()


# --- F9 and F10: sign-in throttles that cannot be raced, nor turned against the owner ---------


def _post_login(console, client, username, password):
    from admin_support import csrf_from

    token = csrf_from(client.get("/admin/login").get_data(as_text=True))
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token})


def test_simultaneous_wrong_passwords_get_no_more_checks_than_the_limit(console, admin, settings, monkeypatch):
    import threading

    from bot.console import passwords, signin
    from db import connect

    checks, real_verify = [], passwords.verify_password

    def slow_verify(hashed, password):  # as slow as a real Argon2 check, so the race is wide open
        checks.append(password)
        time.sleep(0.05)
        return real_verify(hashed, password)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    start, results = threading.Barrier(40), []

    def guess(n: int) -> None:
        db = connect(settings.database_path)  # one connection each, as separate worker processes have
        start.wait()
        results.append(signin.authenticate(db, settings, f"10.1.0.{n}", "somchai", f"guess-{n}"))
        db.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checks) == settings.login_max_failures_per_user == 5
    assert sum(r.wait_seconds > 0 for r in results) == 35


def test_delays_grow_with_each_failure_instead_of_a_fixed_lockout(console, admin, settings):
    from bot.console import signin

    t0 = 1_900_000_000.0
    for n in range(5):
        assert signin.authenticate(console.db, settings, "10.0.0.1", "somchai", "wrong", now=t0 + n).wait_seconds == 0
    assert signin.authenticate(console.db, settings, "10.0.0.1", "somchai", "wrong", now=t0 + 14).wait_seconds == 20
    assert signin.authenticate(console.db, settings, "10.0.0.1", "somchai", "wrong", now=t0 + 35).wait_seconds == 0
    assert signin.authenticate(console.db, settings, "10.0.0.1", "somchai", "wrong", now=t0 + 36).wait_seconds == 59
    assert signin.authenticate(console.db, settings, "10.0.0.1", "somchai", "wrong", now=t0 + 95).wait_seconds == 0
    assert signin.authenticate(console.db, settings, "10.0.0.1", "somchai", "wrong", now=t0 + 96).wait_seconds == 119


def test_the_owners_browser_still_gets_in_while_someone_guesses_and_the_owner_is_told(console, admin):
    owner = console.client()
    assert _post_login(console, owner, "somchai", PASSWORD).status_code == 302
    owner.post("/admin/logout", data={"csrf_token": console.token(owner, "/admin/")})
    attacker = console.client()
    for _ in range(8):
        _post_login(console, attacker, "somchai", "wrong-password-1")
    refused = _post_login(console, attacker, "somchai", PASSWORD)
    assert refused.status_code == 429 and "กรุณารอ" in refused.get_data(as_text=True)
    assert _post_login(console, console.client(), "somchai", PASSWORD).status_code == 429  # a new browser waits

    signed_in = _post_login(console, owner, "somchai", PASSWORD)  # the browser that signed in before
    assert signed_in.status_code == 302
    page = owner.get("/admin/").get_data(as_text=True)
    assert "รหัสผ่านไม่ถูกต้อง 5 ครั้ง" in page and "กรุณาเปลี่ยนรหัสผ่าน" in page
    assert "รหัสผ่านไม่ถูกต้อง" not in owner.get("/admin/").get_data(as_text=True)  # told once


def test_one_person_behind_an_office_address_cannot_lock_the_office_out(console, admin, settings):
    console.make_user("wichai", "staff")
    colleague = console.client()
    assert _post_login(console, colleague, "wichai", PASSWORD).status_code == 302
    colleague.post("/admin/logout", data={"csrf_token": console.token(colleague, "/admin/")})
    prankster = console.client()  # same address: the test client is always 127.0.0.1
    for n in range(settings.login_max_failures_per_ip):
        _post_login(console, prankster, f"name-{n}", "wrong-password-1")
    assert _post_login(console, prankster, "wichai", PASSWORD).status_code == 429
    assert _post_login(console, colleague, "wichai", PASSWORD).status_code == 302


def test_a_device_cookie_is_only_good_for_its_own_user_and_is_throttled_too(console, admin, settings):
    from bot.console import signin

    somchai = console.client()
    assert _post_login(console, somchai, "somchai", PASSWORD).status_code == 302
    cookie = somchai.get_cookie(signin.DEVICE_COOKIE, path="/admin").value
    assert signin.device_of(settings.secret_key, cookie, "somchai")
    assert signin.device_of(settings.secret_key, cookie, "wichai") is None
    assert signin.device_of("another-key", cookie, "somchai") is None
    device = signin.device_of(settings.secret_key, cookie, "somchai")
    for _ in range(5):
        assert signin.authenticate(console.db, settings, "1.2.3.4", "somchai", "wrong", device=device).wait_seconds == 0
    assert signin.authenticate(console.db, settings, "1.2.3.4", "somchai", PASSWORD, device=device).wait_seconds > 0


# --- F4: a short read-only period must not leave the webhook failing until a restart -----------


def test_after_a_read_only_period_the_webhook_recovers_and_healthz_tells_the_truth(settings, fake_line, monkeypatch):
    """SQLite opens a file it cannot write read-only, silently, and such a connection stays
    read-only after the file is writable again. Simulated here with PRAGMA query_only, which
    fails writes with the same SQLITE_READONLY error."""
    import requests

    import db as db_module
    from bot import create_app
    from helpers import ServedApp

    real_connect, read_only = db_module.connect, [False]

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        if read_only[0]:
            conn.execute("PRAGMA query_only = ON")
        return conn

    monkeypatch.setattr(db_module, "connect", connect)
    with ServedApp(create_app(settings)) as served:
        read_only[0] = True  # the file is read-only while connections open
        failed = served.post(text_event(user_id(), "ติดต่อ อบต."))
        assert failed.status_code == 503
        health = requests.get(served.url + "/healthz", timeout=5)
        assert health.status_code == 503 and "readonly" in health.text
        read_only[0] = False  # ten seconds later, writable again; no restart
        event = text_event(user_id(), "เบอร์โทร อบต.")
        assert served.post(event).status_code == 200
        assert requests.get(served.url + "/healthz", timeout=5).status_code == 200
        wait_until(lambda: [r for r in replies(fake_line) if r.json["replyToken"] == event["replyToken"]])


# --- F6: erasure reaches what the person wrote in groups ----------------------------------------


def test_erasure_removes_what_the_person_wrote_in_groups_too(served, fake_line):
    import secrets

    from feedback_support import Chat, text_of

    uid = user_id()
    in_group = Chat(served, fake_line, uid=uid, group="C" + secrets.token_hex(16))
    in_group.say("บ้านผมเลขที่ 99 หมู่ 4 ถนนพังมาสามเดือนแล้ว")  # not addressed to the bot: stored, not answered
    own = Chat(served, fake_line, uid=uid)
    own.say("ข้อมูลส่วนบุคคล")
    own.tap("ลบข้อมูลของฉัน")
    assert "ลบข้อมูลของท่านเรียบร้อยแล้ว" in text_of(own.tap("ยืนยันลบ"))
    rows = str(served.db.execute("SELECT * FROM inbox WHERE status NOT IN ('pending', 'processing', 'handled')").fetchall())
    assert "เลขที่ 99" not in rows
    assert served.db.execute("SELECT count(*) FROM inbox WHERE user_id = ? AND source_key LIKE 'group:%'", (uid,)).fetchone()[0] == 0


# --- F7: erased words must not survive in the WAL ------------------------------------------------


def _files_hold(settings, needle: bytes) -> list[str]:
    paths = [settings.database_path, settings.database_path.with_name(settings.database_path.name + "-wal")]
    return [p.name for p in paths if p.exists() and needle in p.read_bytes()]


def test_after_an_erasure_the_wal_is_emptied_so_a_file_copy_carries_no_erased_words(served, fake_line, settings):
    from feedback_support import Chat, text_of

    chat = Chat(served, fake_line)
    secret_words = "บ้านเลขที่ 4471 ซอยลับเฉพาะ"
    for _ in range(3):
        chat.say(secret_words)
    assert _files_hold(settings, secret_words.encode())  # there, before the erasure
    chat.say("ข้อมูลส่วนบุคคล")
    chat.tap("ลบข้อมูลของฉัน")
    assert "ลบข้อมูลของท่านเรียบร้อยแล้ว" in text_of(chat.tap("ยืนยันลบ"))
    wait_until(lambda: not _files_hold(settings, secret_words.encode()), timeout=10)
    assert served.db.execute("PRAGMA journal_size_limit").fetchone()[0] == 4 * 1024 * 1024


def test_the_nightly_purge_empties_the_wal(settings):
    from db import open_database
    from scheduler.clock import purge_old_data

    db = open_database(settings.database_path)
    db.execute("PRAGMA wal_autocheckpoint = 0")
    for n in range(200):
        db.execute("INSERT INTO feedback_rate_events (key, at) VALUES (?, ?)", (f"k{n}", 0))
    wal = settings.database_path.with_name(settings.database_path.name + "-wal")
    assert wal.stat().st_size > 0
    purge_old_data(settings)
    assert wal.stat().st_size == 0
    db.close()


# --- every public page sends the console's security headers -------------------------------------


def test_every_page_sends_the_security_headers(served):
    """Every GET page without parameters (any new one too) and a static file, over HTTP."""
    import requests

    from bot.common.security_headers import SECURITY_HEADERS

    paths = sorted(
        rule.rule for rule in served.app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in ("healthz",)
    ) + ["/static/simulator.css", "/handbook/building-permit"]
    assert {"/handbook", "/privacy", "/simulator", "/admin/login"} <= set(paths)
    for path in paths:
        response = requests.get(served.url + path, timeout=5, allow_redirects=False)
        assert response.status_code < 500, path
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (path, name)


# --- a backward clock jump never sends "days left" after an overdue escalation ------------------


def test_a_backward_clock_jump_never_sends_days_left_after_an_escalation(settings, fake_line):
    from datetime import date

    from db import open_database
    from db import reminders as store
    from reminder_helpers import ENGINEERING_GROUP, at, make_setup, messages_json, pushes, register, run

    db = open_database(settings.database_path)
    register(db, ENGINEERING_GROUP, "engineering")
    setup = make_setup(settings)
    run(db, setup, at(date(2027, 1, 5)))
    run(db, setup, at(date(2027, 1, 20)))  # the January reports are 3 working days overdue: escalated
    escalated = pushes(fake_line)
    assert escalated and "เลยกำหนด" in messages_json(escalated[-1])
    run(db, setup, at(date(2027, 1, 12)))  # the server's clock jumps back eight days
    run(db, setup, at(date(2027, 1, 12), 13))
    assert pushes(fake_line) == escalated
    assert "-3" not in {r["step"] for r in store.reminders_sent(db, 2570)}
    db.close()
