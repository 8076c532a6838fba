"""Reminders benchmark: a province's worth of divisions (default 1,000) on one installation.

    python bench/reminders_bench.py [--divisions 1000]

With the default plan and one registered chat per division (plus one admin) it measures:
1. planning: computing FY 2570's deadlines (pure) and writing the previous, current and next
   year's deadlines into SQLite (what the first pass of a year does);
2. one pass on the busiest day, 12 April 2027 (every division has five reports due): creating
   the reminder rows, claiming and queueing one digest per chat, and delivering them to the fake
   LINE API running in its own process (gunicorn, as in webhook_bench.py).
Each phase runs twice on fresh databases: once for wall time, once under tracemalloc for the
peak of Python memory (tracemalloc slows code down, so its run is not timed).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.webhook_bench import start_fake_line  # noqa: E402
from bot.config import PROJECT_ROOT, Settings  # noqa: E402
from bot.line.sender import LineSender  # noqa: E402
from bot.common.thaidate import BANGKOK  # noqa: E402
from db import open_database, staff, transaction  # noqa: E402
from bot.reminders import passes as reminders  # noqa: E402
from bot.reminders.deadlines import plan_deadlines  # noqa: E402

TOKEN = "bench-token"
BUSY_DAY = datetime(2027, 4, 12, 9, 0, tzinfo=BANGKOK)


def make_content(folder: Path, divisions: int) -> tuple[Path, list[str]]:
    """The default content with `divisions` divisions: the SAO's 7 (the plan names some) and more."""
    content = folder / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    lines = (content / "divisions.yaml").read_text(encoding="utf-8").rstrip().splitlines()
    ids = [line.split(":", 1)[1].strip() for line in lines if line.strip().startswith("- id:")]
    for n in range(len(ids) + 1, divisions + 1):
        lines += [f"  - id: d{n:04d}", f"    name: ส่วนราชการที่ {n}", f"    head: หัวหน้าส่วนราชการที่ {n}"]
        ids.append(f"d{n:04d}")
    (content / "divisions.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return content, ids


def make_db(path: Path, ids: list[str]):
    db = open_database(path)
    with transaction(db):
        for n, division_id in enumerate(ids, 1):
            line_id = f"U{n:032x}"
            staff.register(db, chat_key=f"user:{line_id}", kind="user", line_id=line_id, division_id=division_id,
                           role="staff", registered_by=None)
        admin = f"U{0:031x}a"
        staff.register(db, chat_key=f"user:{admin}", kind="user", line_id=admin, division_id="*", role="admin",
                       registered_by=None)
    return db


def phases(db, setup, measure_memory: bool) -> dict:
    result = {}

    def run(name, fn):
        if measure_memory:
            tracemalloc.start()
            tracemalloc.reset_peak()
        started = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - started
        if measure_memory:
            result[name] = {"peak_mib": round(tracemalloc.get_traced_memory()[1] / 2**20, 1)}
            tracemalloc.stop()
        else:
            result[name] = {"seconds": round(elapsed, 3)}
        return value

    count = run("plan_year_pure", lambda: len(plan_deadlines(setup.plans.for_year(2570), 2570, setup.calendar)))
    result["plan_year_pure"]["deadlines"] = count
    today = BUSY_DAY.date()

    def plan_years():
        for fy in (2569, 2570, 2571):
            reminders.sync_year(db, setup, fy, date(2026, 10, 1), BUSY_DAY.timestamp())
        return db.execute("SELECT count(*) FROM deadlines").fetchone()[0]

    rows = run("plan_three_years_into_sqlite", plan_years)
    result["plan_three_years_into_sqlite"]["deadline_rows"] = rows
    report = run("tick_busy_day", lambda: reminders.tick(db, setup, BUSY_DAY, wait_seconds=60))
    result["tick_busy_day"].update(
        reminder_rows=report.rows_created, digests=len(report.digests_queued), delivered=report.delivered
    )
    if not measure_memory:
        result["tick_busy_day"]["phases_seconds"] = report.seconds
    assert today == report.now.date()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--divisions", type=int, default=1000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="reminders-bench-"))
    fake = start_fake_line(8, token=TOKEN)
    try:
        content, ids = make_content(tmp, args.divisions)
        out = {"divisions": args.divisions, "registered_chats": args.divisions + 1}
        for label, memory in (("time", False), ("memory", True)):
            settings = Settings(
                channel_secret="bench", channel_access_token=TOKEN, line_api_base_url=fake.url,
                line_data_api_base_url=fake.url, database_path=tmp / f"{label}.sqlite3", content_dir=content,
            )
            started = time.perf_counter()
            setup = reminders.Setup.from_content(content, LineSender(settings))
            load = time.perf_counter() - started
            db = make_db(settings.database_path, ids)
            out[label] = phases(db, setup, memory)
            if not memory:
                out[label]["load_content_seconds"] = round(load, 3)
            db.close()
        print(json.dumps(out, ensure_ascii=False, indent=2))
    finally:
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
