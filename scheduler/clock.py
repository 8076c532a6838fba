"""The clock's timetable, in Asia/Bangkok time (APScheduler).

The database, not this process, knows what is due and what was sent: a restart, a missed
run or a second clock process repeats nothing. The reminders' pass runs every few minutes
and itself keeps to working days and sending hours, so a clock started late catches up.
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.line.local import line_settings
from db import open_database, retention, truncate_wal

log = logging.getLogger(__name__)
BANGKOK = ZoneInfo("Asia/Bangkok")
REMINDER_INTERVAL_MINUTES = 5


_stores: dict = {}  # content folder -> HandbookStore, one per process


def _content(settings: Settings):
    """The content as the web process has it (profile, divisions, plans, days off): one checked
    snapshot, reloaded when the files change; a broken file (even at the clock's start) keeps
    the last good copy."""
    from bot import wiring
    from bot.handbook import HandbookStore, last_good

    store = _stores.get(settings.content_dir)
    if store is None:  # no search index: the clock answers no questions
        store = _stores[settings.content_dir] = HandbookStore(
            settings.content_dir, build_index=None, last_good_dir=last_good.folder_for(settings),
            parts=wiring.CONTENT_PARTS)
    return store.current()


def purge_old_data(settings: Settings) -> dict[str, int]:
    from bot.feedback import retention as feedback_retention

    db = open_database(settings.database_path)
    try:
        removed = retention.purge(db)
        removed.update(feedback_retention.purge(db, settings.feedback_retention_days))
        # What was just deleted still sits in the WAL's old frames until the file is emptied.
        if not truncate_wal(db):
            log.warning("retention: the WAL could not be emptied now (a reader was in the way); the next run tries again")
    finally:
        db.close()
    log.info("retention: removed %s", removed)
    return removed


def run_reminders(settings: Settings, now: datetime | None = None, wait_seconds: float | None = None):
    """One pass of the reminders (bot/reminders/passes.py) as at `now` (default: now)."""
    from bot.line.sender import LineSender
    from bot.reminders.passes import DELIVERY_WAIT_SECONDS, Setup, tick

    settings = line_settings(settings)
    setup = Setup.from_snapshot(_content(settings), LineSender(settings))
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


def _office(settings: Settings):
    from bot.feedback.announce import Office

    content = _content(settings)
    return Office(content.profile, content.divisions, settings.public_url)


def _deliver(settings: Settings, db, outbox_ids: list[int]) -> None:
    """First attempt now; the web process's sweeper retries what fails."""
    if outbox_ids:
        from bot.feedback.announce import deliver
        from bot.line.sender import LineSender

        deliver(db, LineSender(line_settings(settings)), outbox_ids)


def flag_overdue_questions(settings: Settings) -> dict[str, int]:
    """Questions for staff unanswered one working day after they were asked: flagged, and
    their division and the admins told once."""
    from bot.feedback.staff_questions import flag_overdue
    from db import transaction

    db = open_database(settings.database_path)
    try:
        with transaction(db):
            flagged, queued = flag_overdue(db, _office(settings))
        _deliver(settings, db, queued)
    finally:
        db.close()
    log.info("overdue questions: %s flagged, %s messages", len(flagged), len(queued))
    return {"flagged": len(flagged), "messages": len(queued)}


def corruption_digest(settings: Settings) -> dict[str, int]:
    """New corruption reports, told to the internal audit unit once each working morning."""
    from bot.feedback.corruption import announce_new_reports
    from db import transaction

    today = datetime.now(BANGKOK).date()
    if not _content(settings).part("calendar").is_working_day(today):
        return {"messages": 0}
    db = open_database(settings.database_path)
    try:
        with transaction(db):
            queued = announce_new_reports(db, _office(settings), today.isoformat())
        _deliver(settings, db, queued)
    finally:
        db.close()
    return {"messages": len(queued)}


JOBS = {
    "purge-old-data": purge_old_data,
    "flag-overdue-questions": flag_overdue_questions,
    "corruption-digest": corruption_digest,
}


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
    # Office hours on weekdays, every half hour: a question is flagged soon after it is due.
    scheduler.add_job(
        flag_overdue_questions,
        CronTrigger(day_of_week="mon-fri", hour="8-17", minute="5,35", timezone=BANGKOK),
        args=[settings],
        id="flag-overdue-questions",
        misfire_grace_time=1800,
        coalesce=True,
        max_instances=1,
    )
    # 08:30 on weekdays (holidays are skipped inside the job).
    scheduler.add_job(
        corruption_digest,
        CronTrigger(day_of_week="mon-fri", hour=8, minute=30, timezone=BANGKOK),
        args=[settings],
        id="corruption-digest",
        misfire_grace_time=6 * 3600,
        coalesce=True,
        max_instances=1,
    )
    return scheduler
