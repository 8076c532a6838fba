"""python -m db backup FILE | restore FILE: copies of the bot's SQLite database.

  python -m db backup var/backup-2569-11-27.sqlite3   while the bot runs
  python -m db restore var/backup-2569-11-27.sqlite3  with web and clock stopped

DATABASE_PATH (or .env) says which database, as for the bot.
"""
from __future__ import annotations

import argparse
import sys

from dotenv import load_dotenv


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    from bot.config import load_settings
    from db.backup import BackupError, backup, restore

    parser = argparse.ArgumentParser(prog="python -m db", description="สำรองและกู้คืนฐานข้อมูล — back up and restore the database")
    sub = parser.add_subparsers(dest="command", required=True, metavar="<backup|restore>")
    b = sub.add_parser("backup", help="สำรองข้อมูลขณะระบบทำงานอยู่ได้ — consistent copy while the bot runs")
    b.add_argument("file", help="ไฟล์ใหม่ที่จะเขียน — a new file to write")
    r = sub.add_parser("restore", help="กู้คืนจากไฟล์สำรอง (หยุด web และ clock ก่อน) — restore (stop web and clock first)")
    r.add_argument("file", help="ไฟล์สำรอง — the backup file")
    args = parser.parse_args(argv)
    database = load_settings().database_path
    try:
        if args.command == "backup":
            done = backup(database, args.file)
            print(f"สำรองข้อมูลแล้ว / backed up: {done['file']} ({done['bytes']:,} bytes, {done['events']:,} events, schema {done['schema_version']})")
        else:
            done = restore(args.file, database)
            print(f"กู้คืนข้อมูลแล้ว / restored into {done['database']} (schema {done['schema_version']}, migrated {done['migrated'] or 'none'})")
    except (BackupError, OSError) as exc:
        print(f"ไม่สำเร็จ / failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
