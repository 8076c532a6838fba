"""python -m db backup / restore: a consistent copy while writes go on, and a restore."""
import os
import sqlite3
import subprocess
import sys
import threading

import pytest

import db as dbmod
from bot.config import PROJECT_ROOT
from db import inbox_writer, open_database
from db.backup import BackupError, backup, restore
from helpers import wait_until


def row(key: str) -> dict:
    return {"webhook_event_id": key, "event_key": key, "event_type": "message", "mode": "active",
            "source_key": "user:U1", "payload": '{"type": "message", "message": {"text": "สวัสดีค่ะ"}}'}


def test_backup_while_the_webhook_writes_is_consistent_and_restores(tmp_path):
    live = tmp_path / "live.sqlite3"
    open_database(live).close()
    writer = inbox_writer.InboxWriter(lambda: dbmod.connect(live))
    stop = threading.Event()
    written = []

    def write():
        n = 0
        while not stop.is_set():
            writer.store([row(f"E{n}")])
            written.append(n)
            n += 1

    thread = threading.Thread(target=write)
    thread.start()
    try:
        wait_until(lambda: len(written) >= 200)
        copy = backup(live, tmp_path / "copy.sqlite3")
    finally:
        stop.set()
        thread.join()
    assert 200 <= copy["events"] <= len(written)
    # The copy is one self-contained file: no -wal beside it is needed.
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    with pytest.raises(BackupError):
        backup(live, tmp_path / "copy.sqlite3")  # never overwrite an earlier backup

    restored = tmp_path / "restored.sqlite3"
    open_database(restored).close()
    restore(tmp_path / "copy.sqlite3", restored)
    db = dbmod.connect(restored)
    assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == copy["events"]
    assert db.execute("SELECT payload FROM inbox LIMIT 1").fetchone()[0].count("สวัสดีค่ะ") == 1


def test_restore_refuses_a_damaged_file(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    target = tmp_path / "t.sqlite3"
    open_database(target).close()
    with pytest.raises((BackupError, sqlite3.DatabaseError)):
        restore(bad, target)
    assert dbmod.connect(target).execute("SELECT count(*) FROM inbox").fetchone()[0] == 0


def test_command_line(tmp_path):
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "db.sqlite3")}
    open_database(tmp_path / "db.sqlite3").close()
    run = lambda *a: subprocess.run([sys.executable, "-m", "db", *a], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    done = run("backup", str(tmp_path / "b.sqlite3"))
    assert done.returncode == 0 and "สำรองข้อมูลแล้ว" in done.stdout
    assert run("backup", str(tmp_path / "b.sqlite3")).returncode == 1
    again = run("restore", str(tmp_path / "b.sqlite3"))
    assert again.returncode == 0 and "กู้คืนข้อมูลแล้ว" in again.stdout
