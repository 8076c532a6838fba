"""The spine's storage (inbox, outbox, conversations, chats) on both engines, and what only
PostgreSQL has to prove: one SAO can never reach another's rows, and workers running side
by side claim each event and each message once.

`connect_storage` (conftest.py) runs each test on SQLite and on a new SAO's PostgreSQL schema.
"""
from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest

from db import chats, conversations, inbox, outbox, transaction
from db import postgres as pg
from db.postgres_schema import migrate
from db.postgres import to_psycopg


def event(key: str, source: str = "user:U1", **extra) -> dict:
    return {"webhook_event_id": key, "event_key": key, "event_type": "message", "mode": "active",
            "source_key": source, "user_id": source.split(":")[1] if source.startswith("user:") else None,
            "payload": json.dumps({"type": "message", "message": {"text": "ไฟถนนหน้าบ้านดับค่ะ 😢"}},
                                  ensure_ascii=False), **extra}


def push(key: str, chat: str = "user:U1", purpose: str = "", text: str = "รับเรื่องแล้วค่ะ 🙏") -> dict:
    return dict(dedupe_key=key, chat_key=chat, kind="push", to_ids=[chat.split(":")[1]],
                messages=[{"type": "text", "text": text}], purpose=purpose)


# --- the parameter style the storage modules write, in psycopg's ---------------------------------

def test_sqlite_parameters_become_psycopgs_outside_literals_and_casts():
    assert to_psycopg("SELECT ? WHERE a = ?", False) == "SELECT %s WHERE a = %s"
    assert to_psycopg("SELECT 'a?b', \"c?\" -- d?\n WHERE x LIKE 'user:%' AND y = ?", False) == \
        "SELECT 'a?b', \"c?\" -- d?\n WHERE x LIKE 'user:%%' AND y = %s"
    assert to_psycopg("SELECT :now - :repeat_after, x::jsonb, 'it''s :no'", True) == \
        "SELECT %(now)s - %(repeat_after)s, x::jsonb, 'it''s :no'"
    assert to_psycopg("SELECT 5 % 2, :kept", False) == "SELECT 5 %% 2, :kept"


# --- the spine on both engines ----------------------------------------------------------------------

def test_outbox_queues_once_per_key_and_keeps_thai_and_emoji(connect_storage):
    db = connect_storage()
    with transaction(db):
        first = outbox.enqueue(db, **push("push:1"))
        assert outbox.enqueue(db, **push("push:1")) is None
    second = outbox.enqueue(db, **push("push:2", text="ขอบคุณที่แจ้งนะคะ ✅"))
    assert second > first
    assert outbox.messages_of(db, "push:2") == [{"type": "text", "text": "ขอบคุณที่แจ้งนะคะ ✅"}]
    assert outbox.due_ids(db) == [first, second]
    assert outbox.counts_by_status(db) == {"pending": 2}


def test_an_outbox_row_is_sent_by_one_of_many_racing_workers(connect_storage):
    db = connect_storage()
    ids = [outbox.enqueue(db, **push(f"push:{n}", chat=f"user:U{n % 5}")) for n in range(40)]
    claimed: list[int] = []
    start = threading.Barrier(4)

    def worker():
        mine = connect_storage()
        start.wait()
        for outbox_id in ids:
            row = outbox.claim(mine, outbox_id, lease_seconds=30)
            if row is not None:
                claimed.append(row.id)
                outbox.mark_sent(mine, row.id, request_id=f"req-{row.id}")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == ids  # every row once, none twice
    assert outbox.counts_by_status(db) == {"sent": 40}


def test_outbox_recovery_erasure_and_confidential_rows(connect_storage):
    db = connect_storage()
    stuck = outbox.claim(db, outbox.enqueue(db, **push("push:stuck")), lease_seconds=-1)
    assert outbox.recover_stale(db) == 1 and outbox.get(db, stuck.id)["status"] == "pending"
    kept = outbox.enqueue(db, **push("push:ticket-4", purpose="ticket:4:closed"))
    gone = outbox.enqueue(db, **push("push:ticket-42", purpose="ticket:42:closed"))
    secret = outbox.enqueue(db, **push("push:secret", purpose=outbox.CONFIDENTIAL, text="รหัสติดตาม R-7"))
    for outbox_id in (kept, gone, secret):
        outbox.mark_sent(db, outbox_id, request_id=None)
    # "ticket:4" must not erase ticket 42's messages: % and _ are escaped in LIKE
    assert outbox.erase_purpose(db, "ticket:42:") == 1
    assert outbox.get(db, gone) is None and outbox.get(db, kept) is not None
    assert outbox.delete_confidential(db, now=time.time()) == 0  # kept a few minutes for the console
    assert outbox.delete_confidential(db, now=time.time() + outbox.CONFIDENTIAL_KEEP_SECONDS + 1) == 1
    assert outbox.next_attempt_for(db, ("",)) is not None


def test_conversations_and_chats_round_trip(connect_storage):
    db = connect_storage()
    conversations.save(db, "group:C1", "complaint", "describe", "s1", {"text": "น้ำปะปาบ่ไหล"})
    conversations.save(db, "group:C1/U2", "rating", "score", "s2", {})
    conversations.save(db, "group:C10/U2", "rating", "score", "s3", {})  # another group: not a member key
    conversations.save(db, "group:C1", "complaint", "photo", "s1", {"text": "น้ำปะปาบ่ไหล", "photo": None})
    assert conversations.load(db, "group:C1")["step"] == "photo"
    assert conversations.delete_chat(db, "group:C1") == 2
    assert conversations.load(db, "group:C10/U2") is not None
    assert conversations.erase_user(db, "U2") == 1

    chats.set_status(db, "user:U1", "user", "following")
    since = db.execute("SELECT since FROM chats WHERE chat_key = 'user:U1'").fetchone()[0]
    chats.set_status(db, "user:U1", "user", "following")  # the same status keeps its start
    assert db.execute("SELECT since FROM chats WHERE chat_key = 'user:U1'").fetchone()[0] == since
    chats.set_status(db, "user:U2", "user", "unfollowed")
    assert chats.counts(db) == {("user", "following"): 1, ("user", "unfollowed"): 1}


def test_the_loading_animation_marks_each_waiting_person_once(connect_storage):
    db = connect_storage()
    inbox.store_events(db, [event("A1", "user:UA"), event("A2", "user:UA"), event("B1", "user:UB"),
                            event("G1", "group:C1")])
    later = time.time() + 5
    assert sorted(inbox.take_people_waiting(db, received_before=later, now=later, repeat_after=20)) == ["UA", "UB"]
    assert inbox.take_people_waiting(db, received_before=later, now=later + 1, repeat_after=20) == []
    assert sorted(inbox.take_people_waiting(db, received_before=later, now=later + 21, repeat_after=20)) == ["UA", "UB"]
    marked = db.execute("SELECT event_key FROM inbox WHERE loading_at IS NOT NULL ORDER BY id").fetchall()
    assert [key for (key,) in marked] == ["A1", "B1"]  # the oldest event of each person


def test_daily_counts_and_forgetting_redacted_senders(connect_storage):
    db = connect_storage()
    inbox.store_events(db, [event("A1"), event("A2"), event("BAD", "user:U9")])
    # Bangkok midnight boundaries: every event today, counted in one local day
    offset = 7 * 3600
    today = int((time.time() + offset) // 86400)
    assert inbox.messages_per_day(db, 0, offset) == {today: 3}
    for claimed in iter(lambda: inbox.claim_next(db, 30), None):
        inbox.finish(db, claimed.id)
    inbox.redact(db, db.execute("SELECT id FROM inbox WHERE event_key = 'A1'").fetchone()[0])
    db.execute("UPDATE inbox SET payload = 'not json {' WHERE event_key = 'BAD'")
    assert inbox.forget_redacted_sources(db) == 1  # the unreadable payload is passed over
    rows = dict(db.execute("SELECT event_key, source_key FROM inbox").fetchall())
    assert rows == {"A1": "redacted", "A2": "user:U1", "BAD": "user:U9"}


def test_workers_side_by_side_claim_each_event_once_and_each_chat_in_order(connect_storage):
    """Four workers, each with its own connection, on 120 events of 12 chats: on PostgreSQL
    they run truly side by side (SKIP LOCKED), on SQLite one writer at a time."""
    db = connect_storage()
    inbox.store_events(db, [event(f"E{n:03d}", f"user:U{n % 12}") for n in range(120)])
    handled: list[tuple[str, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def worker():
        mine = connect_storage()
        start.wait()
        idle = 0
        while idle < 50:
            claimed = inbox.claim_next(mine, lease_seconds=30)
            if claimed is None:
                idle += 1
                time.sleep(0.002)
                continue
            idle = 0
            with lock:
                handled.append((claimed.source_key, claimed.event_key))
            with transaction(mine):
                inbox.finish(mine, claimed.id)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [key for _, key in handled]
    assert sorted(keys) == [f"E{n:03d}" for n in range(120)]  # each once
    for chat in {source for source, _ in handled}:
        mine = [key for source, key in handled if source == chat]
        assert mine == sorted(mine)  # a chat's events in the order they came
    assert inbox.counts_by_status(db) == {"done": 120}


# --- PostgreSQL: one SAO can never reach another's rows ---------------------------------------------

def test_an_sao_sees_only_its_own_rows_whatever_the_query_says(postgres):
    url, admin = postgres.url("sao"), postgres.url("sao", user="postgres")
    pg.create_tenant(admin, url, "iso-a")
    pg.create_tenant(admin, url, "iso-b")
    a, b = pg.connect(url, "iso-a"), pg.connect(url, "iso-b")
    try:
        first_a = outbox.enqueue(a, **push("push:a", text="ของ อบต.เอ"))
        first_b = outbox.enqueue(b, **push("push:b", text="ของ อบต.บี"))
        assert first_a == first_b == 1  # ids count per SAO, as in SQLite
        # A query without any filter reaches only the SAO's own schema.
        assert [r[0] for r in a.execute("SELECT dedupe_key FROM outbox").fetchall()] == ["push:a"]
        # Naming the other SAO's schema is refused by PostgreSQL, not by our code.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            a.execute('SELECT * FROM "sao_iso-b".outbox')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            a.execute("UPDATE \"sao_iso-b\".outbox SET status = 'sent'")
        # Without an SAO's role the login role has nothing: no rights of its own.
        a.execute("RESET ROLE")
        for schema in ("sao_iso-a", "sao_iso-b"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                a.execute(f'SELECT * FROM "{schema}".outbox')
        assert outbox.messages_of(b, "push:b") == [{"type": "text", "text": "ของ อบต.บี"}]
    finally:
        a.close()
        b.close()


def test_a_dropped_sao_leaves_nothing_and_others_untouched(postgres):
    url, admin = postgres.url("sao"), postgres.url("sao", user="postgres")
    pg.create_tenant(admin, url, "drop-a")
    pg.create_tenant(admin, url, "drop-b")
    for tenant in ("drop-a", "drop-b"):
        db = pg.connect(url, tenant)
        inbox.store_events(db, [event("E1")])
        db.close()
    pg.drop_tenant(admin, "drop-a")
    assert "drop-a" not in pg.tenants(url) and "drop-b" in pg.tenants(url)
    with pytest.raises(psycopg.Error):
        pg.connect(url, "drop-a")
    db = pg.connect(url, "drop-b")
    try:
        assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 1
        assert migrate(db) == []  # up to date: nothing to apply
    finally:
        db.close()


def test_postgresql_schema_versions_are_files_numbered_without_gaps(tmp_path):
    from db.postgres_schema import MIGRATIONS, _versions

    assert [v for v, _, _ in MIGRATIONS][:2] == [1, 2] and all(description for _, description, _ in MIGRATIONS)
    (tmp_path / "0001_spine.sql").write_text("-- the spine\nSELECT 1;\n")
    (tmp_path / "0003_later.sql").write_text("-- later\nSELECT 1;\n")
    (tmp_path / "notes.txt").write_text("not a version")
    with pytest.raises(ValueError, match="without gaps"):
        _versions(tmp_path)


def test_init_db_makes_a_single_saos_schema_on_postgresql_once(postgres, monkeypatch, capsys):
    from bot.__main__ import main as bot_main

    url = postgres.create_database()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATABASE_ADMIN_URL", postgres.url(url.rsplit("/", 1)[1], user="postgres"))
    monkeypatch.delenv("SAO_TENANT", raising=False)
    assert bot_main(["init-db"]) == 2 and "SAO_TENANT" in capsys.readouterr().err
    monkeypatch.setenv("SAO_TENANT", "khonchim")
    for _ in range(2):  # made once, then only checked
        assert bot_main(["init-db"]) == 0
        assert "PostgreSQL, sao_khonchim (schema version" in capsys.readouterr().out
    assert pg.tenants(url) == ["khonchim"]


def test_one_threads_connection_serves_several_saos_each_statement_as_its_own(postgres):
    url, admin = postgres.url("sao"), postgres.url("sao", user="postgres")
    for tenant in ("shared-a", "shared-b"):
        pg.create_tenant(admin, url, tenant)
    a, b = pg.thread_database(url, "shared-a"), pg.thread_database(url, "shared-b")
    assert a.conn is b.conn  # one connection for the thread, not one per SAO
    outbox.enqueue(a, **push("push:a", text="ของ อบต.เอ"))
    outbox.enqueue(b, **push("push:b", text="ของ อบต.บี"))
    # An older view keeps acting as its own SAO after the other one used the connection.
    assert [key for (key,) in a.execute("SELECT dedupe_key FROM outbox")] == ["push:a"]
    assert [key for (key,) in b.execute("SELECT dedupe_key FROM outbox")] == ["push:b"]
    # One transaction never spans two SAOs: switching inside it is refused, and nothing is written.
    with pytest.raises(RuntimeError, match="transaction"):
        with transaction(a):
            outbox.enqueue(a, **push("push:a2"))
            outbox.enqueue(b, **push("push:b2"))
    assert outbox.get(a, 2) is None and [key for (key,) in b.execute("SELECT dedupe_key FROM outbox")] == ["push:b"]
    other_thread: list = []
    thread = threading.Thread(target=lambda: other_thread.append(pg.thread_database(url, "shared-a").conn))
    thread.start()
    thread.join()
    assert other_thread[0] is not a.conn  # each thread its own
    other_thread[0].close()
    a.close()
