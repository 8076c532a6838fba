"""Nightly backups by the clock (14 daily, 8 weekly, each checked, copied elsewhere) and
`python -m bot restore` (issue 21, part 7)."""
from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta

import pytest

import db as dbmod
from bot.config import PROJECT_ROOT, load_settings
from db import backup as backups
from db import open_database
from scheduler import clock


def _event(db, key: str) -> None:
    db.execute(
        "INSERT INTO inbox (webhook_event_id, event_key, event_type, mode, source_key, payload, received_at, status)"
        " VALUES (?, ?, 'message', 'active', 'user:U1', '{}', 0, 'done')", (key, key))


@pytest.fixture
def live(tmp_path):
    path = tmp_path / "var" / "sao-bot.sqlite3"
    database = open_database(path)
    database.close()
    return path


def _events(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM inbox").fetchone()[0]
    finally:
        conn.close()


def test_the_clock_runs_the_backup_at_two(live, tmp_path):
    assert ("backup", {"hour": 2, "minute": 0}, 6 * 3600) in clock.TIMETABLE
    settings = load_settings({"DATABASE_PATH": str(live)})
    assert settings.backups_path == live.parent / "backups"
    done = clock.JOBS["backup"](settings, date(2026, 12, 6))
    copy = live.parent / "backups" / "sao-bot-2026-12-06.sqlite3"
    assert done["file"] == str(copy) and copy.is_file() and not list(copy.parent.glob("*.partial"))
    check = sqlite3.connect(copy)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
    again = clock.JOBS["backup"](settings, date(2026, 12, 6))  # a second run the same day keeps the first copy
    assert again["skipped"]
    elsewhere = load_settings({"DATABASE_PATH": str(live), "BACKUP_DIR": str(tmp_path / "b")})
    assert elsewhere.backups_path == tmp_path / "b"


def test_keeps_14_daily_and_8_weekly(live, tmp_path):
    folder = tmp_path / "backups"
    start = date(2026, 6, 1)  # a Monday
    days = [start + timedelta(days=n) for n in range(120)]
    for day in days[:-1]:
        (folder).mkdir(exist_ok=True)
        (folder / backups.nightly_name(day)).write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup")
    backups.nightly(live, folder, days[-1])
    kept = sorted(date.fromisoformat(p.name[8:18]) for p in folder.glob("sao-bot-*.sqlite3"))
    daily = days[-14:]
    assert set(daily) <= set(kept)
    weekly = [d for d in kept if d not in daily]
    # The 8 newest ISO weeks: this week so far (Monday, its first copy) and the 7 Sundays before it.
    assert days[-1].isoweekday() == 1
    weeks = [d for d in days if d.isoweekday() == 7][-7:] + [days[-1]]
    assert set(weekly) == set(weeks) - set(daily) and len(set(weekly)) == 5
    assert len(kept) == len(set(daily) | set(weeks)) and (folder / "notes.txt").exists()
    # A week without its Sunday copy keeps its first.
    assert backups.to_keep([date(2026, 6, 2), date(2026, 6, 3)] + [date(2026, 7, 1) + timedelta(days=n) for n in range(14)]) >= {date(2026, 6, 2)}
    assert date(2026, 6, 3) not in backups.to_keep([date(2026, 6, 2), date(2026, 6, 3)] + [date(2026, 7, 1) + timedelta(days=n) for n in range(14)])


def test_a_copy_that_fails_its_check_is_deleted_and_logged(live, tmp_path, monkeypatch, caplog):
    real = backups._check

    def damaged(conn, what):
        if what.endswith(".partial"):
            raise backups.BackupError(f"{what} is damaged: *** in database main ***")
        return real(conn, what)

    monkeypatch.setattr(backups, "_check", damaged)
    with caplog.at_level(logging.ERROR, logger="db.backup"):
        done = backups.nightly(live, tmp_path / "backups", date(2026, 12, 6))
    assert done["file"] is None and "damaged" in done["error"]
    assert list((tmp_path / "backups").iterdir()) == []  # neither the copy nor its .partial is left
    assert any("failed and was not kept" in r.message for r in caplog.records if r.levelno == logging.ERROR)


def test_copy_to_a_folder_or_rclone(live, tmp_path, monkeypatch, caplog):
    done = backups.nightly(live, tmp_path / "backups", date(2026, 12, 6), str(tmp_path / "usb"))
    assert done["copied_to"] == str(tmp_path / "usb" / "sao-bot-2026-12-06.sqlite3")
    assert (tmp_path / "usb" / "sao-bot-2026-12-06.sqlite3").read_bytes() == (tmp_path / "backups" / "sao-bot-2026-12-06.sqlite3").read_bytes()

    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    with caplog.at_level(logging.WARNING, logger="db.backup"):
        done = backups.nightly(live, tmp_path / "backups", date(2026, 12, 7), "rclone:office-drive:sao-backups")
    assert done["copied_to"] is None and any("rclone is not installed" in r.message for r in caplog.records)

    calls = []
    monkeypatch.setattr(backups.shutil, "which", lambda name: "/usr/bin/rclone")
    monkeypatch.setattr(backups.subprocess, "run", lambda argv, **kw: calls.append(argv) or subprocess.CompletedProcess(argv, 0, "", ""))
    done = backups.nightly(live, tmp_path / "backups", date(2026, 12, 8), "rclone:office-drive:sao-backups")
    assert calls == [["/usr/bin/rclone", "copyto", str(tmp_path / "backups" / "sao-bot-2026-12-08.sqlite3"),
                      "office-drive:sao-backups/sao-bot-2026-12-08.sqlite3"]]
    assert done["copied_to"] == "office-drive:sao-backups/sao-bot-2026-12-08.sqlite3"


def _restore(live, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "BIND"))}
    env["DATABASE_PATH"] = str(live)
    return subprocess.run([sys.executable, "-m", "bot", "restore", *map(str, args)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_restore_keeps_the_current_database_and_refuses_while_it_is_open(live, tmp_path):
    database = dbmod.connect(live)
    _event(database, "E1")
    database.close()
    copy = backups.nightly(live, tmp_path / "backups", date(2026, 12, 6))["file"]
    database = dbmod.connect(live)
    _event(database, "E2")  # written after the backup: kept aside by the restore, not lost
    database.execute("SELECT 1").fetchone()  # the web app's connection stays open

    refused = _restore(live, copy)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert _events(live) == 2
    database.close()

    done = _restore(live, copy)
    assert done.returncode == 0, done.stderr
    assert "กู้คืนข้อมูลแล้ว" in done.stdout
    [aside] = live.parent.glob("sao-bot.before-restore-*.sqlite3")
    assert _events(live) == 1 and _events(aside) == 2 and str(aside) in done.stdout

    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    damaged = _restore(live, bad)
    assert damaged.returncode == 1 and _events(live) == 1
    assert len(list(live.parent.glob("sao-bot.before-restore-*"))) == 1  # nothing moved for a refused file


def test_restore_force_while_open(live, tmp_path):
    copy = backups.nightly(live, tmp_path / "backups", date(2026, 12, 6))["file"]
    database = dbmod.connect(live)
    _event(database, "E9")
    try:
        done = _restore(live, copy, "--force")
        assert done.returncode == 0, done.stderr
        assert database.execute("SELECT count(*) FROM inbox").fetchone()[0] == 0  # the open connection sees the restored content
    finally:
        database.close()


def test_a_backup_carries_the_edited_content_and_restore_puts_it_back(live, tmp_path):
    """The console's edits (real files in DATA_DIR/content) travel inside the backup file; restore
    brings them back as they were and takes away an edit made since, so its default returns."""
    from bot.content import overlay

    settings = load_settings({"DATA_DIR": str(live.parent)})
    overlay.prepare(settings)
    content = settings.content_dir
    profile = content / "profile.yaml"
    edited = profile.read_text(encoding="utf-8").replace("คอนฉิม", "คอนฉิม (แก้ไขแล้ว)")
    overlay.remember_base(profile, content)  # as the console does before its first edit of a file
    profile.unlink()
    profile.write_text(edited, encoding="utf-8")  # as the console's atomic write leaves it
    bases = (content / overlay.BASES).read_text(encoding="utf-8")
    done = clock.JOBS["backup"](settings, date(2026, 12, 6))
    assert done["edited_files"] == 1

    # After the backup: the profile edited again, and the FAQ edited for the first time.
    profile.write_text(edited.replace("(แก้ไขแล้ว)", "(ครั้งที่สอง)"), encoding="utf-8")
    faq = content / "faq.yaml"
    faq_default = faq.read_text(encoding="utf-8")
    overlay.remember_base(faq, content)
    faq.unlink()
    faq.write_text(faq_default + "\n# edited after the backup\n", encoding="utf-8")

    restored = _restore(live, done["file"])
    assert restored.returncode == 0, restored.stderr
    assert "1 ไฟล์" in restored.stdout
    assert profile.read_text(encoding="utf-8") == edited and not profile.is_symlink()
    # …with the note of which default each edit started from as it was (doctor compares by it).
    assert (content / overlay.BASES).read_text(encoding="utf-8") == bases
    overlay.prepare(settings)  # the next start links the default back where the later edit was
    assert faq.is_symlink() and faq.read_text(encoding="utf-8") == faq_default
    # The edits the restore replaced are in the database kept aside.
    [aside] = live.parent.glob("sao-bot.before-restore-*.sqlite3")
    assert set(backups.edited_in_backup(aside)) == {"profile.yaml", "faq.yaml", overlay.BASES}
    # The live database does not keep the table: the files are in their folder.
    conn = sqlite3.connect(live)
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (backups.EDITED_TABLE,)).fetchone()
    conn.close()


def test_the_code_folders_own_content_is_never_carried(tmp_path):
    assert load_settings({"DATABASE_PATH": str(tmp_path / "x.sqlite3")}).edited_content_dir == tmp_path / "content"
    assert load_settings({}).with_(default_content_dir=None, content_dir=PROJECT_ROOT / "content").edited_content_dir is None
