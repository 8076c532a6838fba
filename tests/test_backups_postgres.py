"""Backups of an SAO on PostgreSQL: the clock's nightly copy is the same SQLite file as on
SQLite (db/backup.backup_postgres), and `python -m bot restore` puts one back into the SAO's
schema, keeping today's data aside first."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from bot.__main__ import main as bot_main
from bot.config import PROJECT_ROOT, Settings
from db import postgres, tickets, transaction
from db.backup import BackupError, restore_postgres
from scheduler.clock import nightly_backup


def file_ticket(db, n: int, description: str) -> None:
    with transaction(db):
        tickets.create(db, prefix="KC", fiscal_year=2570, submission_key=f"user:U{n}/s{n}", category="village",
                       topic="water", service_id=None, division_id="engineering", chat_key=f"user:U{n}",
                       line_user_id=f"U{n}", description=description, location=None, photo_message_ids=[])


def descriptions(db) -> list[str]:
    return [d for (d,) in db.execute("SELECT description FROM tickets ORDER BY id").fetchall()]


@pytest.fixture
def single_sao(postgres_sao, tmp_path, monkeypatch):
    """One SAO on PostgreSQL, configured as its install's environment has it."""
    url, tenant = postgres_sao
    for name, value in {"DATABASE_URL": url, "SAO_TENANT": tenant, "DATA_DIR": str(tmp_path / "data"),
                        "DATABASE_PATH": str(tmp_path / "data" / "sao-bot.sqlite3")}.items():
        monkeypatch.setenv(name, value)
    settings = Settings(database_url=url, tenant=tenant, data_dir=tmp_path / "data",
                        database_path=tmp_path / "data" / "sao-bot.sqlite3", content_dir=PROJECT_ROOT / "content")
    db = postgres.connect(url, tenant)
    yield settings, db
    db.close()


def test_the_nightly_backup_copies_the_schema_and_restore_puts_it_back(single_sao, capsys):
    settings, db = single_sao
    file_ticket(db, 1, "น้ำประปาไม่ไหล 2 วันแล้วค่ะ 💧")
    made = nightly_backup(settings, today=date(2026, 12, 7))
    assert made["file"] == str(settings.backups_path / "sao-bot-2026-12-07.sqlite3") and made["events"] == 0
    assert nightly_backup(settings, today=date(2026, 12, 7))["skipped"] == "already made today"
    with sqlite3.connect(made["file"]) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT description FROM tickets").fetchall() == [("น้ำประปาไม่ไหล 2 วันแล้วค่ะ 💧",)]

    file_ticket(db, 2, "ถนนพังหน้าโรงเรียน")  # after the backup: gone by the restore, kept aside
    assert bot_main(["restore", made["file"]]) == 0
    assert "PostgreSQL" in capsys.readouterr().out
    assert descriptions(db) == ["น้ำประปาไม่ไหล 2 วันแล้วค่ะ 💧"]
    (aside,) = settings.backups_path.glob("before-restore-*.sqlite3")
    with sqlite3.connect(aside) as kept:
        assert [d for (d,) in kept.execute("SELECT description FROM tickets ORDER BY id")] == [
            "น้ำประปาไม่ไหล 2 วันแล้วค่ะ 💧", "ถนนพังหน้าโรงเรียน"]
    file_ticket(db, 3, "ไฟดับ")  # the schema works on after the restore
    assert descriptions(db)[-1] == "ไฟดับ"


def test_a_file_that_is_not_a_backup_changes_nothing(single_sao, tmp_path):
    settings, db = single_sao
    file_ticket(db, 1, "ขยะไม่มีคนเก็บ")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(BackupError, match="not a usable SQLite database"):
        restore_postgres(junk, db, settings.backups_path)
    with pytest.raises(BackupError, match="no such file"):
        restore_postgres(tmp_path / "missing.sqlite3", db, settings.backups_path)
    assert descriptions(db) == ["ขยะไม่มีคนเก็บ"]
    assert bot_main(["restore", str(junk)]) == 1
    assert descriptions(db) == ["ขยะไม่มีคนเก็บ"]


def test_python_m_db_backs_up_and_restores_the_schema_as_the_deploy_timer_runs_it(single_sao, tmp_path, capsys):
    from db.__main__ import main as db_main

    settings, db = single_sao
    file_ticket(db, 1, "ไฟกิ่งหน้าวัดดับค่ะ 🙏")
    assert db_main(["backup", "--nightly"]) == 0
    assert "backed up" in capsys.readouterr().out
    assert db_main(["backup", "--nightly"]) == 0  # made already today: kept, not made twice
    assert "already exists" in capsys.readouterr().out
    copy = tmp_path / "by-hand.sqlite3"
    assert db_main(["backup", str(copy)]) == 0
    file_ticket(db, 2, "ถนนลูกรังเป็นหลุม")
    assert db_main(["restore", str(copy)]) == 0
    assert descriptions(db) == ["ไฟกิ่งหน้าวัดดับค่ะ 🙏"]
    assert len(list(settings.backups_path.glob("before-restore-*.sqlite3"))) == 1
