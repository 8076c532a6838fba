"""Observability: /metrics (from the database, guarded), /healthz, the clock's heartbeat, the
stopped-clock alert to the admins, the dashboard's warning card and JSON logs."""
import json
import subprocess
import sys
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import create_app, observability
from bot.config import PROJECT_ROOT
from bot.pipeline import effects
from db import heartbeats, inbox, outbox

STOPPED = observability.STALE_CLOCK_SECONDS + 600  # a heartbeat this old means the clock stopped


def scrape(client, **kwargs) -> dict:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def seed_inbox(db, status: str, n: int, age: float = 0.0) -> None:
    now = time.time()
    rows = [{"webhook_event_id": f"{status}{i}{age}", "event_key": f"{status}{i}{age}", "event_type": "message",
             "mode": "active", "source_key": "user:U1", "payload": "{}", "status": status} for i in range(n)]
    inbox.store_events(db, rows)
    if age:
        db.execute("UPDATE inbox SET received_at = ? WHERE event_key LIKE ?", (now - age, f"{status}%{age}"))


def seed_outbox(db, status: str, n: int, kind: str = "push") -> None:
    for i in range(n):
        oid = outbox.enqueue(db, dedupe_key=f"{status}{kind}{i}", chat_key="user:U1", kind=kind, to_ids=["U1"],
                             messages=[{"type": "text", "text": "ค่ะ"}])
        db.execute("UPDATE outbox SET status = ?, sent_at = ? WHERE id = ?",
                   (status, time.time() if status == "sent" else None, oid))


def beat(db, job: str, ago: float, error: str | None = None) -> None:
    heartbeats.started(db, job, now=time.time() - ago)
    heartbeats.finished(db, job, error, now=time.time() - ago)


@pytest.fixture
def app(settings):
    app = create_app(settings.with_(start_worker=False))
    yield app
    app.extensions["db_pool"].get().close()


# --- /metrics --------------------------------------------------------------------------------


def test_metrics_show_the_inbox_outbox_quota_and_clock_from_the_database(app, fake_line):
    db = app.extensions["db_pool"].get()
    seed_inbox(db, "done", 3)
    seed_inbox(db, "failed", 2)
    seed_inbox(db, "pending", 1, age=120)
    seed_inbox(db, "pending", 1)
    seed_outbox(db, "pending", 2)
    seed_outbox(db, "failed", 1)
    seed_outbox(db, "sent", 4)
    seed_outbox(db, "sent", 1, kind="reply")  # a reply is not a push
    beat(db, "reminders", ago=60)
    beat(db, "purge-old-data", ago=3600, error="OperationalError: disk I/O error")

    client = app.test_client()
    m = scrape(client)
    assert m[("sao_database_up", ())] == 1
    assert m[("sao_inbox_events", (("status", "done"),))] == 3
    assert m[("sao_inbox_events", (("status", "failed"),))] == 2
    assert m[("sao_inbox_events", (("status", "pending"),))] == 2
    assert m[("sao_inbox_events", (("status", "processing"),))] == 0
    assert 119 <= m[("sao_inbox_lag_seconds", ())] < 180
    assert m[("sao_outbox_requests", (("status", "pending"),))] == 2
    assert m[("sao_outbox_requests", (("status", "failed"),))] == 1
    assert m[("sao_outbox_requests", (("status", "sent"),))] == 5
    assert m[("sao_line_pushes_sent_this_month", ())] == 4
    assert m[("sao_errors", (("source", "inbox"),))] == 2
    assert m[("sao_errors", (("source", "outbox"),))] == 1
    assert m[("sao_errors", (("source", "clock"),))] == 1
    assert m[("sao_clock_job_failing", (("job", "purge-old-data"),))] == 1
    assert m[("sao_clock_job_failing", (("job", "reminders"),))] == 0
    assert m[("sao_clock_job_errors_total", (("job", "purge-old-data"),))] == 1
    assert abs(m[("sao_clock_job_last_run_timestamp_seconds", (("job", "reminders"),))] - (time.time() - 60)) < 5
    assert 55 <= m[("sao_clock_heartbeat_age_seconds", ())] < 90
    assert m[("sao_line_push_quota_limit", ())] == fake_line.state.quota

    # Another scrape reads the database again; LINE's quota comes from the 5-minute cache.
    seed_inbox(db, "done", 1, age=5)
    again = scrape(client)
    assert again[("sao_inbox_events", (("status", "done"),))] == 4
    assert len([r for r in fake_line.state.requests if r.path.startswith("/v2/bot/message/quota")]) == 2  # one of each


def test_metrics_with_no_clock_and_an_empty_inbox(app):
    m = scrape(app.test_client())
    assert m[("sao_inbox_lag_seconds", ())] == 0
    assert ("sao_clock_heartbeat_age_seconds", ()) not in m


def test_metrics_refuse_a_caller_from_outside_without_the_token(settings):
    app = create_app(settings.with_(start_worker=False, metrics_token="s3cret-token"))
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    assert client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics").status_code == 200  # 127.0.0.1
    # A forwarded address is believed only from the trusted proxies (none here).
    spoofed = client.get("/metrics", environ_base=outside, headers={"X-Forwarded-For": "127.0.0.1"})
    assert spoofed.status_code == 403
    app.extensions["db_pool"].get().close()


def test_metrics_without_a_token_set_refuse_any_bearer_from_outside(app):
    response = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"},
                                     headers={"Authorization": "Bearer "})
    assert response.status_code == 403


# --- /healthz --------------------------------------------------------------------------------


def test_healthz_reports_the_clock_but_only_an_unwritable_database_fails_it(app):
    client = app.test_client()
    pool = app.extensions["db_pool"]
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}  # no clock ever ran

    beat(pool.get(), "reminders", ago=120)
    body = client.get("/healthz").get_json()
    assert body["clock"] == {"status": "ok", "last_run_age_seconds": body["clock"]["last_run_age_seconds"]}
    assert 115 <= body["clock"]["last_run_age_seconds"] < 180

    beat(pool.get(), "reminders", ago=STOPPED)
    stale = client.get("/healthz")
    assert stale.status_code == 200 and stale.get_json()["clock"]["status"] == "stale"

    pool.get().execute("PRAGMA query_only = ON")  # writes fail as on a read-only file (SQLITE_READONLY)
    broken = client.get("/healthz")
    assert broken.status_code == 503
    assert broken.get_json()["status"] == "error" and "readonly" in broken.get_json()["database"]
    assert client.get("/healthz").status_code == 200  # the bad connection was opened again


# --- the clock's heartbeat -------------------------------------------------------------------


def test_every_clock_job_records_its_heartbeat(settings):
    from scheduler.clock import JOBS, build_scheduler, run_reminders

    scheduler = build_scheduler(settings)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(JOBS) | {"reminders"}
    for name, job in jobs.items():
        assert job.func.__wrapped__ is (run_reminders if name == "reminders" else JOBS[name]), name

    from db import open_database

    db = open_database(settings.database_path)
    before = time.time()
    jobs["purge-old-data"].func(*jobs["purge-old-data"].args)
    (row,) = [j for j in heartbeats.all_jobs(db) if j["job"] == "purge-old-data"]
    assert row["last_run_at"] >= before and row["last_ok_at"] >= row["last_run_at"]
    assert row["last_error"] is None and row["runs"] == 1 and row["errors"] == 0


def test_a_failing_job_records_its_error_and_still_raises(settings):
    from db import open_database

    def broken(settings):
        raise RuntimeError("LINE is down")

    with pytest.raises(RuntimeError):
        observability.with_heartbeat("broken-job", broken)(settings)
    (row,) = [j for j in heartbeats.all_jobs(open_database(settings.database_path)) if j["job"] == "broken-job"]
    assert row["last_error"] == "RuntimeError: LINE is down" and row["errors"] == 1 and row["last_ok_at"] is None


# --- a stopped clock -------------------------------------------------------------------------


def test_a_stopped_clock_is_pushed_once_to_the_admin_chats(served, fake_line, monkeypatch):
    from feedback_support import register
    from helpers import user_id, wait_until

    assert observability._watch_the_clock in effects.background_jobs()
    admin, other_admin, staff_member = user_id(), user_id(), user_id()
    register(served, f"user:{admin}", "user", admin, "*", role="admin")
    register(served, f"user:{other_admin}", "user", other_admin, "*", role="admin")
    register(served, f"user:{staff_member}", "user", staff_member, "engineering")
    db = served.db
    beat(db, "reminders", ago=observability.STALE_CLOCK_SECONDS - 300)  # late, not yet stopped
    sender = served.app.extensions["inbox_worker"].sender
    assert observability.report_stopped_clock(db, sender) == []

    beat(db, "reminders", ago=STOPPED)
    monkeypatch.setattr(observability, "_last_clock_check", [0.0])  # the sweeper looks at once
    wait_until(lambda: fake_line.state.messages_to(admin) and fake_line.state.messages_to(other_admin))
    # Another look (this process's sweeper or another web process's): told already.
    assert observability.report_stopped_clock(db, sender) == []
    time.sleep(0.3)
    (message,) = fake_line.state.messages_to(admin)
    assert "นาฬิกาของบอทหยุดทำงาน" in message["text"] and "python -m scheduler run" in message["text"]
    assert len(fake_line.state.messages_to(other_admin)) == 1
    assert fake_line.state.messages_to(staff_member) == []

    # The clock came back, then stopped again: a new outage is told again.
    beat(db, "reminders", ago=STOPPED - 300)
    assert len(observability.report_stopped_clock(db, sender)) == 2
    wait_until(lambda: len(fake_line.state.messages_to(admin)) == 2)


def test_a_clock_that_never_ran_is_not_reported(served):
    sender = served.app.extensions["inbox_worker"].sender
    assert observability.report_stopped_clock(served.db, sender) == []


def test_the_dashboard_warns_of_a_stopped_clock(console, admin, admin_client):
    assert "นาฬิกาของบอทหยุดทำงาน" not in admin_client.get("/admin/").get_data(as_text=True)
    beat(console.db, "reminders", ago=60)
    assert "นาฬิกาของบอทหยุดทำงาน" not in admin_client.get("/admin/").get_data(as_text=True)
    beat(console.db, "reminders", ago=STOPPED)
    assert "นาฬิกาของบอทหยุดทำงาน" in admin_client.get("/admin/").get_data(as_text=True)


# --- JSON logs -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["web", "clock"])
def test_json_logs_are_one_object_per_line(role):
    script = (
        "import logging\n"
        "from bot.observability import configure_logging\n"
        f"configure_logging({role!r}, 'json')\n"
        "logging.getLogger('bot.test').info('สวัสดี %s', 'ครับ')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    logging.getLogger('x').exception('broken\\nline')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "สวัสดี ครับ" and first["level"] == "INFO" and first["logger"] == "bot.test"
    assert first["role"] == role and first["time"].endswith("+07:00")
    assert second["level"] == "ERROR" and "ZeroDivisionError" in second["exception"]


def test_the_log_format_setting_is_read_from_the_environment():
    from bot.config import load_settings

    assert load_settings({"LOG_FORMAT": "JSON"}).log_format == "json"
    assert load_settings({}).log_format == "text"
    assert load_settings({"METRICS_TOKEN": " t "}).metrics_token == "t"


def test_gunicorn_logs_in_the_same_json_format_as_the_app(tmp_path):
    """The web process's own lines (gunicorn's start, workers, access log) are JSON too."""
    import requests

    from test_processes import Gunicorn, free_port

    port = free_port()
    web = Gunicorn({"LOG_FORMAT": "json", "ACCESS_LOG": "-", "DATA_DIR": str(tmp_path), "SECRET_KEY": "test",
                    "LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": "", "DATABASE_PATH": ""}, port)
    try:
        web.wait_healthy(60)
        requests.get(web.url + "/healthz", timeout=5)
    finally:
        web.stop()
    lines = [line for line in web.proc.stderr.read().decode().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    loggers = {e["logger"] for e in entries}
    assert {"gunicorn.error", "gunicorn.access", "bot"} <= loggers, loggers
    assert all(e["role"] == "web" and e["time"].endswith("+07:00") for e in entries)
