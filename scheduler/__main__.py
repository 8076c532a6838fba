"""python -m scheduler: start the clock process, or run one job now.

  python -m scheduler            run the timetable until stopped (Procfile clock:)
  python -m scheduler jobs       list the jobs and their next run time
  python -m scheduler run-now purge-old-data|flag-overdue-questions|corruption-digest
"""
from __future__ import annotations

import argparse
import logging
import sys

from dotenv import load_dotenv


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    from bot.config import load_settings
    from scheduler import BANGKOK, JOBS, build_scheduler

    parser = argparse.ArgumentParser(prog="python -m scheduler", description="งานตามเวลาของบอท — the bot's clock process")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("jobs", help="แสดงงานและเวลาที่จะทำครั้งต่อไป — list jobs and their next run")
    run = sub.add_parser("run-now", help="ทำงานหนึ่งงานทันที — run one job now")
    run.add_argument("job", choices=sorted(JOBS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if args.command == "run-now":
        print(JOBS[args.job](settings))
        return 0
    scheduler = build_scheduler(settings)
    if args.command == "jobs":
        from datetime import datetime

        now = datetime.now(BANGKOK)
        for job in scheduler.get_jobs():
            print(f"{job.id}: next run {job.trigger.get_next_fire_time(None, now)}")
        return 0
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
