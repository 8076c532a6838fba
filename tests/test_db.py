"""Storage: migrations in place, WAL, the inbox's claim order and races.

Tests that take `connect_storage` run on both engines (SQLite, and PostgreSQL as an SAO's schema).
"""
import sqlite3
import threading
import time

import psycopg
import pytest

import db as dbmod
from db import inbox, inbox_writer, migrations, open_database, outbox, transaction


def row(event_key: str, source: str = "user:U1", **extra) -> dict:
    return {
        "webhook_event_id": event_key,
        "event_key": event_key,
        "event_type": "message",
        "mode": "active",
        "source_key": source,
        "payload": '{"type": "message"}',
        **extra,
    }


def test_new_database_uses_wal_and_latest_schema(tmp_path):
    db = open_database(tmp_path / "a.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == dbmod.BUSY_TIMEOUT_MS
    assert migrations.current_version(db) == migrations.MIGRATIONS[-1][0]
    assert {"inbox", "outbox", "conversations", "chats"} <= set(db.table_names())


def test_a_new_migration_upgrades_an_existing_database_in_place(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite3"
    db = open_database(path)
    inbox.store_events(db, [row("E1")])
    db.close()

    def add_column(d):
        d.execute("ALTER TABLE inbox ADD COLUMN note TEXT")
        d.execute("UPDATE inbox SET note = 'kept'")

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + [(99, "test column", add_column)])
    db = open_database(path)
    assert migrations.current_version(db) == 99
    assert db.execute("SELECT webhook_event_id, note FROM inbox").fetchall() == [("E1", "kept")]
    assert migrations.migrate(db) == []  # running again changes nothing


def test_a_failing_migration_leaves_the_database_at_the_previous_version(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite3"
    open_database(path).close()
    latest = migrations.MIGRATIONS[-1][0]

    def broken(d):
        d.execute("ALTER TABLE inbox ADD COLUMN half TEXT")
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + [(99, "broken", broken)])
    with pytest.raises(RuntimeError):
        open_database(path)
    db = dbmod.connect(path)
    assert migrations.current_version(db) == latest
    assert "half" not in db["inbox"].columns_dict


def test_store_events_ignores_repeats_under_concurrency(connect_storage):
    local = threading.local()
    stored = []

    def store(n):
        local.db = connect_storage()  # one connection per thread, as the web workers have
        stored.append(inbox.store_events(local.db, [row("SAME"), row(f"U-{n}")]))

    threads = [threading.Thread(target=store, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db = connect_storage()
    assert db.execute("SELECT count(*) FROM inbox WHERE event_key = 'SAME'").fetchone()[0] == 1
    assert sum(stored) == db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 17


def test_inbox_writer_group_commits_many_requests_and_reports_new_events(connect_storage):
    writer = inbox_writer.InboxWriter(connect_storage)
    results = {}

    def request(n):
        # Every request repeats SAME: exactly one of them stores it.
        results[n] = writer.store([row("SAME"), row(f"R-{n}-a"), row(f"R-{n}-b")])

    threads = [threading.Thread(target=request, args=(n,)) for n in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db = connect_storage()
    assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 1 + 32 * 2 == sum(results.values())
    assert sorted(results.values()).count(3) == 1


@pytest.mark.parametrize("events", [3, inbox.ROWS_PER_STATEMENT * 2 + 1])
def test_inbox_writer_stores_a_request_all_or_none_in_one_statement_or_several(connect_storage, events):
    # Up to ROWS_PER_STATEMENT rows go in one INSERT; more in one transaction of several.
    writer = inbox_writer.InboxWriter(connect_storage)
    rows = [row(f"E{n}", f"user:U{n % 7}") for n in range(events)]
    broken = [*rows[:-1], row("BROKEN", payload=object())]  # neither engine can store it
    with pytest.raises((sqlite3.Error, psycopg.Error)):
        writer.store(broken)
    db = connect_storage()
    assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 0
    assert writer.store(rows) == events
    assert writer.store(rows[:2] + [row("NEW")]) == 1  # a redelivery is not new
    assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == events + 1


def test_inbox_writer_failure_reaches_every_waiting_request(tmp_path):
    path = tmp_path / "a.sqlite3"
    writer = inbox_writer.InboxWriter(lambda: dbmod.connect(path))  # no schema yet: every insert fails
    errors = []

    def request(n):
        try:
            writer.store([row(f"R-{n}")])
        except sqlite3.OperationalError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 8
    open_database(path).close()
    assert writer.store([row("AFTER")]) == 1  # the writer carries on once storage works


def test_quiet_inbox_writer_commits_in_the_requesting_thread(tmp_path):
    # No writer thread to hand over to: a lone request stores its own events.
    path = tmp_path / "a.sqlite3"
    open_database(path).close()
    writer = inbox_writer.InboxWriter(lambda: dbmod.connect(path, busy_timeout_ms=0))
    before = threading.active_count()
    assert writer.store([row("ONE")]) == 1
    assert writer.store([row("ONE"), row("TWO")]) == 1
    assert threading.active_count() == before
    assert dbmod.connect(path).execute("SELECT count(*) FROM inbox").fetchone()[0] == 2


def test_inbox_writer_request_that_times_out_is_not_stored_and_the_lead_moves_on(tmp_path):
    path = tmp_path / "a.sqlite3"
    open_database(path).close()
    writer = inbox_writer.InboxWriter(lambda: dbmod.connect(path, busy_timeout_ms=0))
    other_process = dbmod.connect(path)
    other_process.execute("BEGIN IMMEDIATE")  # holds the write lock
    results, errors = {}, {}

    def request(name, timeout):
        try:
            results[name] = writer.store([row(name)], timeout=timeout)
        except TimeoutError as exc:
            errors[name] = exc

    leader = threading.Thread(target=request, args=("LEADER", 30))
    leader.start()
    while not writer._leader:  # the leader is now polling for the lock
        time.sleep(0.001)
    impatient = threading.Thread(target=request, args=("IMPATIENT", 0.05))
    impatient.start()
    impatient.join()
    patient = threading.Thread(target=request, args=("PATIENT", 30))
    patient.start()
    other_process.execute("COMMIT")
    leader.join()
    patient.join()
    assert set(errors) == {"IMPATIENT"}
    assert results == {"LEADER": 1, "PATIENT": 1}
    stored = {r[0] for r in dbmod.connect(path).execute("SELECT event_key FROM inbox")}
    assert stored == {"LEADER", "PATIENT"}  # told 503, so not stored: LINE redelivers it
    assert writer.store([row("AFTER")]) == 1 and not writer._leader


def test_polling_transaction_waits_for_another_writer_and_gives_up_at_the_busy_timeout(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite3"
    open_database(path).close()
    holder = dbmod.connect(path)
    poller = dbmod.connect(path, busy_timeout_ms=0)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.05, lambda: holder.execute("COMMIT")).start()
    with dbmod.transaction(poller, poll_for_lock=True):
        poller.execute("INSERT INTO chats (chat_key, kind, status) VALUES ('after-the-wait', 'user', 'following')")
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 50)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with dbmod.transaction(poller, poll_for_lock=True):
            pass
    holder.execute("ROLLBACK")


def test_claims_keep_each_chats_order_and_let_other_chats_go_ahead(connect_storage):
    db = connect_storage()
    inbox.store_events(db, [row("A1", "user:A"), row("A2", "user:A"), row("B1", "user:B")])
    first = inbox.claim_next(db, 30)
    second = inbox.claim_next(db, 30)
    assert (first.event_key, second.event_key) == ("A1", "B1")  # A2 waits for A1
    assert inbox.claim_next(db, 30) is None
    with transaction(db):
        inbox.finish(db, first.id)
    assert inbox.claim_next(db, 30).event_key == "A2"


def test_an_expired_claim_is_taken_over(connect_storage):
    db = connect_storage()
    inbox.store_events(db, [row("A1")])
    claimed = inbox.claim_next(db, lease_seconds=-1)  # its worker "died" at once
    assert inbox.claim_next(db, 30) is None
    assert inbox.recover_stale(db) == 1
    again = inbox.claim_next(db, 30)
    assert again.id == claimed.id and again.attempts == 2


def test_ids_are_never_reused_after_erasure(connect_storage):
    db = connect_storage()
    inbox.store_events(db, [row("A1")])
    first = inbox.claim_next(db, 30)
    with transaction(db):
        inbox.finish(db, first.id)
        inbox.erase_chat(db, "user:U1")
    inbox.store_events(db, [row("A2")])
    assert inbox.claim_next(db, 30).id > first.id


def test_locked_database_makes_the_webhook_answer_503_and_lose_nothing(served):
    """While another process holds the write lock past the busy timeout, the event is not acknowledged."""
    from helpers import text_event, user_id

    blocker = sqlite3.connect(str(served.app.config["SETTINGS"].database_path), timeout=5)
    blocker.execute("BEGIN EXCLUSIVE")
    original = dbmod.BUSY_TIMEOUT_MS
    try:
        db = served.app.extensions["db_pool"]
        # Short busy timeout for this test only, on a fresh connection of the pool's thread.
        dbmod.BUSY_TIMEOUT_MS = 200
        db._local = threading.local()
        response = served.post(text_event(user_id(), "สวัสดี"))
        assert response.status_code == 503
    finally:
        dbmod.BUSY_TIMEOUT_MS = original
        blocker.rollback()
        blocker.close()
    event = text_event(user_id(), "สวัสดีอีกครั้ง")
    assert served.post(event).status_code == 200  # LINE's redelivery would now succeed


def test_a_reply_queued_already_claimed_is_this_threads_until_its_lease_runs_out(connect_storage):
    db = connect_storage()
    fields = dict(dedupe_key="reply:E1:0", chat_key="user:U1", kind="reply", to_ids=["U1"],
                  reply_token="token-1", messages=[{"type": "text", "text": "สวัสดีค่ะ 🙏"}])
    with transaction(db):
        row = outbox.enqueue_claimed(db, lease_seconds=30, **fields)
        assert outbox.enqueue_claimed(db, lease_seconds=30, **fields) is None  # the same reply twice
        with pytest.raises(TypeError):  # enqueue()'s fields, checked as enqueue() checks them
            outbox.enqueue_claimed(db, lease_seconds=30, **fields, purpse="reply")
    stored = outbox.get(db, row.id)
    assert (stored["status"], stored["attempts"], row.status, row.attempts) == ("sending", 1, "sending", 1)
    assert row.messages == fields["messages"] and stored["retry_key"] == row.retry_key
    assert outbox.claim(db, row.id, lease_seconds=30) is None  # no other thread sends it
    assert outbox.due_ids(db) == []
    # The process stopped before sending: once the lease is over, a sweeper takes it over
    # as a reply that may have reached LINE (so a refused token never turns into a push).
    assert outbox.recover_stale(db, now=time.time() + 10) == 0
    assert outbox.recover_stale(db, now=time.time() + 31) == 1
    again = outbox.claim(db, row.id, lease_seconds=30)
    assert again.attempts == 2 and again.error.startswith(outbox.AMBIGUOUS)
