"""python -m db backup FILE | restore FILE: copies of the bot's database, as a SQLite file on either engine.

  python -m db backup var/backup-2569-11-27.sqlite3   while the bot runs
  python -m db backup --nightly                       today's nightly copy, unless the clock made it
  python -m db restore var/backup-2569-11-27.sqlite3  with web and clock stopped

DATABASE_PATH, or DATABASE_URL and SAO_TENANT (or .env), say which database, as for the bot.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

from dotenv import load_dotenv


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    from bot.config import load_settings
    from db.backup import BackupError, backup, backup_postgres, restore, restore_postgres

    parser = argparse.ArgumentParser(prog="python -m db", description="สำรองและกู้คืนฐานข้อมูล — back up and restore the database")
    sub = parser.add_subparsers(dest="command", required=True, metavar="<backup|restore>")
    b = sub.add_parser("backup", help="สำรองข้อมูลขณะระบบทำงานอยู่ได้ — consistent copy while the bot runs")
    b.add_argument("file", nargs="?", help="ไฟล์ใหม่ที่จะเขียน — a new file to write")
    b.add_argument(
        "--nightly", action="store_true",
        help="สำรองประจำวันของวันนี้ในโฟลเดอร์ backups ถ้ายังไม่มี (เหมือนงาน backup ตอนตีสองของนาฬิกา) — "
        "today's nightly copy in the backups folder, only if the clock has not made it yet; kept, pruned "
        "and copied elsewhere as the clock's 02:00 job does; exit 1 when it failed (deploy/'s backup timer)",
    )
    r = sub.add_parser("restore", help="กู้คืนจากไฟล์สำรอง (หยุด web และ clock ก่อน) — restore (stop web and clock first)")
    r.add_argument("file", help="ไฟล์สำรอง — the backup file")
    args = parser.parse_args(argv)
    if args.command == "backup" and bool(args.file) == args.nightly:
        parser.error("backup: give either a file or --nightly — ระบุไฟล์ หรือ --nightly อย่างใดอย่างหนึ่ง")
    settings = load_settings()
    try:
        with _database(settings) as database:
            if args.command == "backup" and args.nightly:
                return _nightly(settings, database)
            if args.command == "backup":
                make = backup if isinstance(database, Path) else backup_postgres
                done = make(database, args.file, settings.edited_content_dir)
                print(f"สำรองข้อมูลแล้ว / backed up: {done['file']} ({done['bytes']:,} bytes, {done['events']:,} events, schema {done['schema_version']})")
            else:
                if isinstance(database, Path):
                    done = restore(args.file, database)
                else:  # today's data kept aside in the backups folder first
                    done = restore_postgres(args.file, database, settings.backups_path, settings.edited_content_dir)
                print(f"กู้คืนข้อมูลแล้ว / restored into {done['database']} (schema {done['schema_version']}, migrated {done['migrated'] or 'none'})")
    except (BackupError, OSError) as exc:
        print(f"ไม่สำเร็จ / failed: {exc}", file=sys.stderr)
        return 1
    return 0


@contextmanager
def _database(settings):
    """The SQLite file's path, or on PostgreSQL a connection to the SAO's schema (closed after)."""
    from db import connect_storage, is_postgres_url

    if not is_postgres_url(settings.database_url):
        yield Path(settings.database_path)
        return
    db = connect_storage(settings.database_path, settings.database_url, settings.tenant)
    try:
        yield db
    finally:
        db.close()


def _nightly(settings, database) -> int:
    """Today's (Bangkok) nightly copy, as the clock's `backup` job makes it, when it is missing."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from db.backup import nightly

    done = nightly(database, settings.backups_path, datetime.now(ZoneInfo("Asia/Bangkok")).date(),
                   settings.backup_copy_to, settings.edited_content_dir)
    if done.get("error"):
        print(f"ไม่สำเร็จ / failed: {done['error']}", file=sys.stderr)
        return 1
    if done.get("skipped"):
        print(f"มีสำรองของวันนี้แล้ว / today's backup already exists: {done['file']}")
    else:
        print(f"สำรองข้อมูลแล้ว / backed up: {done['file']} ({done['bytes']:,} bytes, schema {done['schema_version']})")
    if settings.backup_copy_to and not done.get("copied_to"):
        print(f"คัดลอกไปที่ {settings.backup_copy_to} ไม่สำเร็จ / not copied to {settings.backup_copy_to} (see the log)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
