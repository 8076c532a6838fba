"""The clock process (Procfile `clock:`): jobs that run on a timetable, in Asia/Bangkok time.

Run exactly one clock process per installation, never inside the gunicorn workers.
Every job is safe to run twice (a restart right after a run repeats nothing harmful).
"""
from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import Settings
from db import open_database, retention

log = logging.getLogger(__name__)
BANGKOK = ZoneInfo("Asia/Bangkok")


def purge_old_data(settings: Settings) -> dict[str, int]:
    db = open_database(settings.database_path)
    try:
        removed = retention.purge(db)
    finally:
        db.close()
    log.info("retention: removed %s", removed)
    return removed


def build_scheduler(settings: Settings) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=BANGKOK)
    # 02:30 Bangkok: nobody is chatting; misfire grace lets a late start still run it.
    scheduler.add_job(
        purge_old_data,
        CronTrigger(hour=2, minute=30, timezone=BANGKOK),
        args=[settings],
        id="purge-old-data",
        misfire_grace_time=6 * 3600,
        coalesce=True,
        max_instances=1,
    )
    return scheduler
