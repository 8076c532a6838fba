"""Exactly once: two schedulers at once, a crash between claiming and sending, LINE failing.

Whatever happens, each chat gets each day's digest once: never twice, never not at all. Every
test runs on SQLite and on PostgreSQL (two clock processes there share one server, as two
machines would).
"""
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date

import pytest

from bot.config import PROJECT_ROOT
from bot.line.sender import LineSender
from db import outbox
from helpers import ACCESS_TOKEN, wait_until
from reminder_helpers import (
    ADMIN,
    AUDIT_STAFF,
    ENGINEERING_GROUP,
    FINANCE_HEAD,
    FINANCE_STAFF,
    at,
    make_setup,
    open_db,
    pushes,
    register,
    run,
    settings,  # noqa: F401  (each test on both engines)
)
from bot.reminders.passes import create_due_rows, queue_digest, tick

D = date
CHATS = (ENGINEERING_GROUP, FINANCE_STAFF, FINANCE_HEAD, AUDIT_STAFF, ADMIN)
APRIL_STEPS = (D(2027, 3, 22), D(2027, 3, 31), D(2027, 4, 7))


@pytest.fixture
def db(settings, fake_line):
    database = open_db(settings)
    register(database, ENGINEERING_GROUP, "engineering")
    register(database, FINANCE_STAFF, "finance")
    register(database, FINANCE_HEAD, "finance", role="head")
    register(database, AUDIT_STAFF, "audit")
    register(database, ADMIN, "*", role="admin")
    fake_line.state.quota = 100_000
    yield database
    database.close()


def delivered(fake_line) -> Counter:
    """(chat, digest) pairs LINE delivered; a digest is told apart by its first message."""
    return Counter((p.json["to"], p.json["messages"][0]["text"]) for p in pushes(fake_line))


def assert_each_chat_once_per_day(db, fake_line, days):
    got = delivered(fake_line)
    assert all(n == 1 for n in got.values()), got
    rows = db.execute("SELECT dedupe_key, status FROM outbox WHERE purpose = 'reminder-digest'").fetchall()
    assert all(status == "sent" for _, status in rows), rows
    assert len(rows) == len(got)
    left = db.execute("SELECT count(*) FROM reminders WHERE status IN ('pending', 'claimed')").fetchone()[0]
    assert left == 0
    # Each row that went out is in exactly one digest.
    claimed = db.execute("SELECT count(*), count(DISTINCT id) FROM reminders WHERE status = 'sent'").fetchone()
    assert claimed[0] == claimed[1] > 0
    on_days = {key.rsplit(":", 1)[1] for key, _ in rows}
    assert on_days == {d.isoformat() for d in days}


def test_two_schedulers_ticking_at_once_in_threads(settings, fake_line, db):
    make_setup(settings, sender=False)  # content loads
    fake_line.state.delay_next(n=6, seconds=0.2)  # slow LINE: the passes overlap while sending
    for day in APRIL_STEPS:
        start = threading.Barrier(3)
        errors = []

        def one_scheduler():
            conn = open_db(settings)
            setup = make_setup(settings)
            try:
                start.wait()
                tick(conn, setup, at(day), wait_seconds=5)
            except Exception as exc:  # reported below: a thread's exception would vanish
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=one_scheduler) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
    assert_each_chat_once_per_day(db, fake_line, APRIL_STEPS)
    # 4 chats each day, and on 7 April the admin too: audit's campaign was due 31 March and its
    # +3 escalation (5 April, when no pass ran) is caught up.
    assert len(pushes(fake_line)) == 4 + 4 + 5


def scheduler_tick(settings, now: str, extra_env: dict | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_PATH": str(settings.database_path),
        "CONTENT_DIR": str(settings.content_dir),
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_CHANNEL_SECRET": "s",
        "LINE_API_BASE_URL": settings.line_api_base_url,
        "DATABASE_URL": settings.database_url,
        "SAO_TENANT": settings.tenant,
        **(extra_env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler", "tick", "--now", now, "--wait", "10"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_two_scheduler_processes_at_once(settings, fake_line, db):
    fake_line.state.delay_next(n=4, seconds=0.3)
    for day in APRIL_STEPS[:2]:
        procs = [scheduler_tick(settings, f"{day.isoformat()}T09:00+07:00") for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=90)
            assert p.returncode == 0, err
    assert_each_chat_once_per_day(db, fake_line, APRIL_STEPS[:2])


def test_a_crash_between_claiming_and_sending_loses_and_doubles_nothing(settings, fake_line, db):
    setup = make_setup(settings)
    now = at(D(2027, 3, 22))
    run(db, setup, at(D(2027, 3, 1)))  # plans the year
    create_due_rows(db, setup, now.date(), now.timestamp())
    outbox_id = queue_digest(db, setup, f"group:{ENGINEERING_GROUP}", now.date(), now.timestamp())
    # … the process dies here: claimed and queued (committed), nothing sent yet.
    assert outbox_id and pushes(fake_line) == []
    run(db, setup, at(D(2027, 3, 22), 9, 5))  # the next pass (or a restarted clock)
    [push] = [p for p in pushes(fake_line) if p.json["to"] == ENGINEERING_GROUP]
    assert push.headers["x-line-retry-key"] == outbox.get(db, outbox_id)["retry_key"]
    run(db, setup, at(D(2027, 3, 22), 9, 10))
    assert_each_chat_once_per_day(db, fake_line, [D(2027, 3, 22)])


def test_kill_9_while_the_push_is_on_its_way(settings, fake_line, db):
    # LINE takes 3 s to answer the first push: the clock is killed while waiting for it.
    fake_line.state.delay_next(n=1, seconds=3)
    proc = scheduler_tick(settings, "2027-03-22T09:00+07:00")
    wait_until(lambda: db.execute("SELECT count(*) FROM outbox WHERE status = 'sending'").fetchone()[0] == 1, timeout=30)
    # Killed once the push has reached LINE and waits there, not between the claim and the send.
    wait_until(lambda: fake_line.state.faults_pending() == 0, timeout=30)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    wait_until(lambda: len(pushes(fake_line)) >= 1, timeout=10)  # LINE delivered it after all
    # The restarted clock, once the dead process's lease has run out, sends again with the same key.
    outbox.recover_stale(db, now=time.time() + 3600)
    run(db, make_setup(settings), at(D(2027, 3, 22), 9, 5))
    attempts = [r for r in fake_line.state.requests if r.path == "/v2/bot/message/push"]
    assert Counter(r.status for r in attempts)[409] >= 1  # LINE: "already accepted"
    by_key = Counter(r.headers["x-line-retry-key"] for r in attempts)
    assert max(by_key.values()) == 2  # the interrupted digest was retried with its own key
    assert_each_chat_once_per_day(db, fake_line, [D(2027, 3, 22)])


@pytest.mark.parametrize("status", [500, 429])
def test_line_failing_for_a_while(settings, fake_line, db, status):
    fake_line.state.fail_next(n=3, status=status)
    setup = make_setup(settings)
    run(db, setup, at(D(2027, 3, 22)))
    failures = [r for r in fake_line.state.requests if r.path == "/v2/bot/message/push" and r.status == status]
    assert len(failures) == 3
    assert_each_chat_once_per_day(db, fake_line, [D(2027, 3, 22)])


def test_line_down_for_every_attempt_then_back(settings, fake_line, db):
    setup = make_setup(settings)
    run(db, setup, at(D(2027, 3, 1)))
    fake_line.state.fail_next(n=100, status=500)
    report = run(db, setup, at(D(2027, 3, 22)))
    assert report.delivered == 0 and pushes(fake_line) == []
    claimed = db.execute("SELECT count(*) FROM reminders WHERE status = 'claimed'").fetchone()[0]
    assert claimed > 0  # not lost: waiting for LINE to come back
    fake_line.state.reset()
    fake_line.state.quota = 100_000
    report = run(db, setup, at(D(2027, 3, 22), 9, 30))
    assert report.requeued == 4 and report.delivered == 4
    assert_each_chat_once_per_day(db, fake_line, [D(2027, 3, 22)])


def test_a_digest_line_refuses_is_recorded_not_retried(settings, fake_line, db):
    setup = make_setup(settings)
    run(db, setup, at(D(2027, 3, 1)))
    fake_line.state.fail_next(n=1, status=400)
    run(db, setup, at(D(2027, 3, 22)))
    run(db, setup, at(D(2027, 3, 22), 10))
    statuses = Counter(r[0] for r in db.execute("SELECT status FROM reminders"))
    assert statuses["failed"] >= 1 and statuses["claimed"] == 0 and statuses["pending"] == 0
    assert len(pushes(fake_line)) == 3  # the other three chats
    failed = db.execute("SELECT DISTINCT chat_key FROM reminders WHERE status = 'failed'").fetchall()
    assert len(failed) == 1 and failed[0][0].split(":")[1] not in {p.json["to"] for p in pushes(fake_line)}
