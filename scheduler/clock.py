"""The clock's timetable, in Asia/Bangkok time (APScheduler).

The database, not this process, knows what is due and what was sent: a restart, a missed
run or a second clock process repeats nothing. The reminders' pass runs every few minutes
and itself keeps to working days and sending hours, so a clock started late catches up.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from db import open_database, retention

log = logging.getLogger(__name__)
BANGKOK = ZoneInfo("Asia/Bangkok")
REMINDER_INTERVAL_MINUTES = 5


def purge_old_data(settings: Settings) -> dict[str, int]:
    db = open_database(settings.database_path)
    try:
        removed = retention.purge(db)
    finally:
        db.close()
    log.info("retention: removed %s", removed)
    return removed


def line_settings(settings: Settings) -> Settings:
    """With no LINE channel, push to the fake LINE API that `make run` serves under /fake-line."""
    from bot import LOCAL_LINE_PREFIX, LOCAL_LINE_TOKEN
    from bot.config import LINE_API_DEFAULT

    if not settings.channel_access_token and settings.line_api_base_url == LINE_API_DEFAULT:
        # The web process's address: BIND when set (`make run` gives both processes the same
        # BIND, while honcho hands each process a different PORT), else PORT.
        port = os.environ.get("BIND", "").rpartition(":")[2] or settings.port
        local = f"http://127.0.0.1:{port}{LOCAL_LINE_PREFIX}"
        return settings.with_(channel_access_token=LOCAL_LINE_TOKEN, line_api_base_url=local, line_data_api_base_url=local)
    return settings


def run_reminders(settings: Settings, now: datetime | None = None, wait_seconds: float | None = None):
    """One pass of the reminders (scheduler/reminders.py) as at `now` (default: now)."""
    from bot.line.sender import LineSender
    from scheduler.reminders import DELIVERY_WAIT_SECONDS, Setup, tick

    settings = line_settings(settings)
    setup = Setup.from_content(settings.content_dir, LineSender(settings))
    db = open_database(settings.database_path)
    try:
        report = tick(
            db,
            setup,
            now or datetime.now(BANGKOK),
            DELIVERY_WAIT_SECONDS if wait_seconds is None else wait_seconds,
        )
    finally:
        db.close()
    if report.digests_queued or report.planned_years or report.deferred_chats:
        log.info("reminders: %s", report.summary())
    return report


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
    # At start, then every few minutes: the pass decides itself whether it may send now.
    scheduler.add_job(
        run_reminders,
        IntervalTrigger(minutes=REMINDER_INTERVAL_MINUTES, timezone=BANGKOK),
        args=[settings],
        id="reminders",
        next_run_time=datetime.now(BANGKOK),
        misfire_grace_time=REMINDER_INTERVAL_MINUTES * 60,
        coalesce=True,
        max_instances=1,
    )
    return scheduler
