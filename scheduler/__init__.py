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
    from bot.feedback import retention as feedback_retention

    db = open_database(settings.database_path)
    try:
        removed = retention.purge(db)
        removed.update(feedback_retention.purge(db, settings.feedback_retention_days))
    finally:
        db.close()
    log.info("retention: removed %s", removed)
    return removed


def _office(settings: Settings):
    from bot.divisions import load_divisions
    from bot.feedback.announce import Office
    from bot.profile import load_profile

    return Office(
        load_profile(settings.content_dir / "profile.yaml"),
        load_divisions(settings.content_dir / "divisions.yaml"),
        settings.public_url,
    )


def _deliver(settings: Settings, db, outbox_ids: list[int]) -> None:
    """First attempt now; the web process's sweeper retries what fails."""
    if outbox_ids and settings.channel_access_token:
        from bot.feedback.announce import deliver
        from bot.line.sender import LineSender

        deliver(db, LineSender(settings), outbox_ids)


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
    from datetime import datetime

    from bot.feedback.corruption import announce_new_reports
    from bot.feedback.working_days import is_working_day
    from db import transaction

    today = datetime.now(BANGKOK).date()
    if not is_working_day(today):
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
