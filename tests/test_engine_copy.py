"""One SAO's rows copied between SQLite and PostgreSQL (db/engine_copy.py): every table, ids
and all, both ways, so an SAO moves between a single install and a hosted one without losing
a row or reusing an id."""
from __future__ import annotations

import sqlite3

import pytest

from db import admin_users, corruption_reports, engine_copy, inbox, open_database, postgres, ticket_photos
from db import ticket_search, tickets, transaction
from db.ticket_search import TicketQuery

NOW = 1_760_000_000.0  # 2025-10-09, fiscal year 2569
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\x00\xff\xd9"


def file_ticket(db, n: int, description: str, photos: list[str] = ()) -> tickets.Ticket:
    with transaction(db):
        ticket, _ = tickets.create(
            db, prefix="KC", fiscal_year=2569, submission_key=f"user:U{n}/s{n}", category="village", topic="light",
            service_id=None, division_id="engineering", chat_key=f"user:U{n}", line_user_id=f"U{n}",
            description=description, location={"latitude": 16.05, "longitude": 102.6, "title": "หน้าวัด 🛕"},
            photo_message_ids=list(photos), now=NOW + n)
    return ticket


def an_sao_with_data(path) -> None:
    """A single install's database with a bit of everything: Thai text, emoji, bytes, an id
    given out and then deleted."""
    db = open_database(path)
    file_ticket(db, 1, "ไฟถนนหน้าบ้านดับ ๓ วันแล้วค่ะ 😢🙏", photos=["m1"])
    file_ticket(db, 2, "น้ำปะปาบ่ไหลเลยจ้า")
    photo = ticket_photos.claim_photo(db, lease_seconds=30, now=NOW)
    ticket_photos.store_photo(db, photo.id, JPEG, "image/jpeg")
    admin_users.create(db, username="somchai", password_hash="scrypt:…", role="admin", division_id=None,
                       display_name="สมชาย ใจดี")
    corruption_reports.create(db, anonymous=False, chat_key="user:U9", line_user_id="U9",
                              details="นายกเอารถ อบต ไปขนของส่วนตัว", received_on="2025-10-09")
    inbox.store_events(db, [event(f"e{n}") for n in range(3)])
    db.execute("DELETE FROM inbox WHERE event_key = 'e2'")  # its id was given out: never again
    db.close()


def event(key: str) -> dict:
    return {"webhook_event_id": key, "event_key": key, "event_type": "message", "mode": "active",
            "source_key": "user:U1", "user_id": "U1", "payload": '{"type": "message"}'}


def rows(db, table: str, columns: list[str]) -> list[tuple]:
    listed = ", ".join(f'"{c}"' for c in columns)
    return sorted((tuple(r) for r in db.execute(f'SELECT {listed} FROM "{table}"').fetchall()), key=repr)


def test_the_two_engines_have_the_same_tables_and_columns(postgres_sao, tmp_path):
    url, tenant = postgres_sao
    pg = postgres.connect(url, tenant)
    lite = open_database(tmp_path / "empty.sqlite3")
    try:
        tables = engine_copy._common(engine_copy._postgres_tables(pg), engine_copy._sqlite_tables(lite.conn))
        order = engine_copy._parents_first(pg, list(tables))
    finally:
        pg.close()
        lite.close()
    assert {"tickets", "ticket_photos", "inbox", "admin_users", "service_requests", "appointments"} <= set(tables)
    assert order.index("tickets") < order.index("ticket_photos") and order.index("admin_users") < order.index("admin_sessions")
    assert "ticket_search" not in tables and not any(t.startswith("ticket_search_") for t in tables)


def test_an_sao_goes_to_postgresql_and_back_with_every_row(postgres_sao, tmp_path):
    url, tenant = postgres_sao
    an_sao_with_data(tmp_path / "single.sqlite3")
    pg = postgres.connect(url, tenant)
    try:
        copied = engine_copy.from_sqlite(tmp_path / "single.sqlite3", pg)
        back = engine_copy.to_sqlite(pg, tmp_path / "back.sqlite3")
        assert copied["rows"] == back["rows"] > 10

        source, returned = sqlite3.connect(tmp_path / "single.sqlite3"), sqlite3.connect(tmp_path / "back.sqlite3")
        tables = engine_copy._common(engine_copy._postgres_tables(pg), engine_copy._sqlite_tables(source))
        for table, columns in tables.items():
            assert rows(pg, table, columns) == rows(source, table, columns) == rows(returned, table, columns), table

        # What each engine derives itself works on the copy: Thai search without tone marks …
        assert [t.number for t in ticket_search.find(pg, TicketQuery(text="ปะปาบไหล"))] == ["KC-2569-00002"]
        assert ticket_photos.photo_content(pg, 1) == (JPEG, "image/jpeg")
        # … and the next ids follow the highest ever given out, on both engines.
        inbox.store_events(pg, [event("e3")])
        assert pg.execute("SELECT id FROM inbox WHERE event_key = 'e3'").fetchone() == (4,)
        assert returned.execute("SELECT seq FROM sqlite_sequence WHERE name = 'inbox'").fetchone() == (3,)
        assert file_ticket(pg, 3, "ถนนพังค่ะ").id == 3
        source.close()
        returned.close()
    finally:
        pg.close()


def test_a_copy_goes_only_into_an_empty_schema_and_a_failed_one_leaves_it_empty(postgres_sao, tmp_path):
    url, tenant = postgres_sao
    an_sao_with_data(tmp_path / "single.sqlite3")
    pg = postgres.connect(url, tenant)
    try:
        engine_copy.from_sqlite(tmp_path / "single.sqlite3", pg)
        before = pg.execute("SELECT count(*) FROM tickets").fetchone()[0]
        with pytest.raises(engine_copy.CopyError, match="already has data"):
            engine_copy.from_sqlite(tmp_path / "single.sqlite3", pg)
        assert pg.execute("SELECT count(*) FROM tickets").fetchone()[0] == before == 2

        pg.execute("DELETE FROM tickets")  # the citizens' rows gone, an admin's left: still not empty
        with pytest.raises(engine_copy.CopyError, match=r"already has data \(admin_users\)"):
            engine_copy.from_sqlite(tmp_path / "single.sqlite3", pg)
        assert pg.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0  # the failed copy left nothing

        with pytest.raises(engine_copy.CopyError, match="already exists"):
            engine_copy.to_sqlite(pg, tmp_path / "single.sqlite3")
    finally:
        pg.close()


def test_an_older_sqlite_file_is_refused_until_brought_up_to_date(postgres_sao, tmp_path):
    url, tenant = postgres_sao
    old = tmp_path / "old.sqlite3"
    an_sao_with_data(old)
    with sqlite3.connect(old) as conn:
        conn.execute("PRAGMA user_version = 18")
    pg = postgres.connect(url, tenant)
    try:
        with pytest.raises(engine_copy.CopyError, match="not this version"):
            engine_copy.from_sqlite(old, pg)
    finally:
        pg.close()
