"""Day one: a plan installed mid-year, and the clock reaching the app's own fake LINE (issue 21, part 8)."""
from __future__ import annotations

from datetime import date as D, timedelta

import pytest

from bot.common.thaidate import fiscal_year, now
from db import open_database
from db import reminders as store
from reminder_helpers import ENGINEERING_GROUP, FINANCE_STAFF, at, make_setup, register, run

INSTALL = D(2027, 1, 18)  # a Monday in January: FY 2569 is all past, FY 2570's Q1 reports were due on Friday 15th


@pytest.fixture
def db(settings):
    database = open_database(settings.database_path)
    yield database
    database.close()


def test_installed_mid_year_nothing_before_the_install_is_overdue(settings, fake_line, db):
    register(db, ENGINEERING_GROUP, "engineering")
    register(db, FINANCE_STAFF, "finance")
    setup = make_setup(settings)
    report = run(db, setup, at(INSTALL))  # the first pass plans FY 2569, 2570 and 2571
    assert 2569 in report.planned_years and 2570 in report.planned_years and not report.digests_queued
    assert store.installed_on(db) == INSTALL.isoformat()
    before = [r for fy in (2569, 2570) for r in store.deadlines_of_year(db, fy, INSTALL) if r["due_date"] < INSTALL.isoformat()]
    assert len(before) > 20 and any(r["fiscal_year"] == 2570 for r in before)  # last year's and this autumn's reports
    assert {r["status"] for r in before} == {store.STATUS_BEFORE_INSTALL}
    assert store.count_missing(db, INSTALL) == 0

    # Three weeks of passes: no reminder, and no overdue follow-up, about a deadline due before the install.
    day = INSTALL
    while day <= INSTALL + timedelta(days=21):
        run(db, setup, at(day, 10))
        day += timedelta(days=1)
    assert store.reminders_sent(db) == []
    run(db, setup, at(D(2027, 3, 31), 10))  # the due day of a report planned after the install: reminded as usual
    sent = store.reminders_sent(db)
    assert sent and all(r["due_date"] >= INSTALL.isoformat() for r in sent)
    # This check can fail: some deadline due before the install has a follow-up day after it.
    late_steps = [r for r in before if r["last_step_on"] >= INSTALL.isoformat()]
    assert late_steps, "the plan has a deadline whose follow-ups would fall after the install day"

    # A deadline due after the install and not reported is overdue as before.
    later = D(2027, 4, 20)
    missing = [r for r in store.deadlines_of_year(db, 2570, later) if r["status"] == store.STATUS_MISSING]
    assert missing and all(r["due_date"] >= INSTALL.isoformat() for r in missing)
    assert store.count_missing(db, later) == len([
        r for fy in (2569, 2570, 2571) for r in store.deadlines_of_year(db, fy, later) if r["status"] == store.STATUS_MISSING])


def test_status_of_keeps_reported_deadlines_and_needs_the_install_day():
    row = {"done_at": None, "late_working_days": None, "due_date": "2026-11-30", "reminders_sent": 0}
    assert store.status_of(row, D(2026, 12, 7)) == store.STATUS_MISSING  # no install day known: as before
    assert store.status_of(row, D(2026, 12, 7), "2026-12-07") == store.STATUS_BEFORE_INSTALL
    assert store.status_of({**row, "due_date": "2026-12-07"}, D(2026, 12, 8), "2026-12-07") == store.STATUS_MISSING
    done = {**row, "done_at": 1.0, "late_working_days": 2}
    assert store.status_of(done, D(2026, 12, 7), "2026-12-07") == store.STATUS_LATE  # a report that came in stays on record


def test_console_shows_before_install_and_the_dashboard_counts_none(console, admin_client):
    fy = fiscal_year(now().date())
    admin_client.get(f"/admin/reminders?fy={fy}")  # planned today: today is the install day
    page = admin_client.get(f"/admin/reminders?fy={fy - 1}").get_data(as_text=True)  # all of last year is past
    rows = store.deadlines_of_year(console.db, fy - 1, now().date())
    assert rows and all(r["status"] == store.STATUS_BEFORE_INSTALL for r in rows)
    assert page.count("ก่อนเริ่มใช้ระบบ") >= len(rows)
    assert 'class="badge status-missing"' not in page
    only = admin_client.get(f"/admin/reminders?fy={fy - 1}&status=before_install").get_data(as_text=True)
    assert only.count("data-deadline=") == len(rows)
    dashboard = admin_client.get("/admin/").get_data(as_text=True)
    card = dashboard.split("รายงานที่เลยกำหนด ยังไม่ส่ง")
    assert len(card) == 2 and store.count_missing(console.db, now().date()) == 0


# --- the clock reaches the app's own fake LINE ------------------------------------------------------


def test_web_and_clock_derive_the_same_fake_line_address():
    from bot.config import load_settings
    from bot.line.local import line_settings, local_line_settings

    # gunicorn.conf.py listens on BIND when set; a process manager may hand each process its own PORT.
    web_env = {"BIND": "127.0.0.1:8111", "PORT": "8000"}
    clock_env = {"BIND": "127.0.0.1:8111", "PORT": "8211"}
    web = load_settings(web_env)
    fake_served_at = local_line_settings(web, web.port).line_api_base_url  # what create_local_app serves and uses
    assert fake_served_at == "http://127.0.0.1:8111/fake-line"
    assert web.public_url == "http://127.0.0.1:8111"
    assert line_settings(load_settings(clock_env)).line_api_base_url == fake_served_at
    assert load_settings({"PORT": "8111"}).port == 8111 and load_settings({}).port == 8000
    # A LINE_API_BASE_URL set on purpose is used as it is, by both.
    fake = {**clock_env, "LINE_API_BASE_URL": "http://127.0.0.1:9999/fake-line"}
    assert line_settings(load_settings(fake)).line_api_base_url == "http://127.0.0.1:9999/fake-line"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tick_says_when_no_app_answers_at_the_port(tmp_path):
    import os
    import socket
    import subprocess
    import sys

    from bot.config import PROJECT_ROOT

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "BIND"))}
    env.update(DATABASE_PATH=str(tmp_path / "db.sqlite3"), PORT=str(port))
    tick = lambda: subprocess.run(  # noqa: E731  (20:00: outside sending hours, nothing is sent either way)
        [sys.executable, "-m", "scheduler", "tick", "--now", "2027-03-24T20:00+07:00"],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(PROJECT_ROOT)}, capture_output=True, text=True, timeout=120)
    missing = tick()
    assert missing.returncode == 0 and f"127.0.0.1:{port}" in missing.stderr and "PORT" in missing.stderr
    with socket.socket() as app:  # something (the app) listens on PORT: the pass runs
        app.bind(("127.0.0.1", port))
        app.listen()
        done = tick()
    assert done.returncode == 0 and "PORT" not in done.stderr, done.stderr
    assert "นอกเวลาส่งการแจ้งเตือน" in done.stdout
