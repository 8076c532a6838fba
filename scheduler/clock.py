"""The clock's timetable, in Asia/Bangkok time (APScheduler).

The database, not this process, knows what is due and what was sent: a restart, a missed
run or a second clock process repeats nothing. The reminders' pass runs every few minutes
and itself keeps to working days and sending hours, so a clock started late catches up.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.line.local import line_settings
from db import open_for, retention, truncate_wal

log = logging.getLogger(__name__)
BANGKOK = ZoneInfo("Asia/Bangkok")
REMINDER_INTERVAL_MINUTES = 5


_stores: dict = {}  # content folder -> HandbookStore, one per process


def _content(settings: Settings):
    """The content as the web process has it (profile, divisions, plans, days off): one checked
    snapshot, reloaded when the files change; a broken file (even at the clock's start) keeps
    the last good copy."""
    from bot import wiring
    from bot.handbook import HandbookStore

    store = _stores.get(settings.content_dir)
    if store is None:  # no search index: the clock answers no questions
        store = _stores[settings.content_dir] = HandbookStore.for_settings(
            settings, build_index=None, parts=wiring.CONTENT_PARTS)
    return store.current()


def purge_old_data(settings: Settings) -> dict[str, int]:
    from bot.feedback import retention as feedback_retention

    db = open_for(settings)
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
    db = open_for(settings)
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

    db = open_for(settings)
    try:
        with transaction(db):
            flagged, queued = flag_overdue(db, _office(settings))
        _deliver(settings, db, queued)
    finally:
        db.close()
    log.info("overdue questions: %s flagged, %s messages", len(flagged), len(queued))
    return {"flagged": len(flagged), "messages": len(queued)}


def _working_morning_pushes(settings: Settings, today: date | None, queue, with_budget: bool = False) -> dict[str, int]:
    """A morning job that pushes: nothing on a day off; else `queue(db, office, content, today,
    budget)` queues the messages in one transaction, and the first delivery follows the commit.
    with_budget: read this month's push quota first (from LINE: never inside the transaction)."""
    from db import transaction

    today = today or datetime.now(BANGKOK).date()
    content = _content(settings)
    if not content.part("calendar").is_working_day(today):
        return {"messages": 0}
    budget = _push_budget(settings, content) if with_budget else None
    db = open_for(settings)
    try:
        with transaction(db):
            queued = queue(db, _office(settings), content, today, budget)
        _deliver(settings, db, queued)
    finally:
        db.close()
    return {"messages": len(queued)}


def corruption_digest(settings: Settings, today: date | None = None) -> dict[str, int]:
    """New corruption reports, told to the internal audit unit once each working morning."""
    from bot.feedback.corruption import announce_new_reports

    return _working_morning_pushes(
        settings, today, lambda db, office, content, day, budget: announce_new_reports(db, office, day.isoformat())
    )

def _push_budget(settings: Settings, content):
    """This month's push quota as the reminders read it: pushes left, a group costing its members."""
    from bot.feedback.ticket_escalation import PushBudget
    from bot.line.sender import LineSender
    from bot.reminders.passes import Setup, chat_weight, remaining_quota

    setup = Setup.from_snapshot(content, LineSender(line_settings(settings)))
    sizes: dict[str, int] = {}
    return PushBudget(remaining_quota(setup), lambda chat_key: chat_weight(setup, chat_key, sizes))


def escalate_overdue_tickets(settings: Settings, today: date | None = None) -> dict[str, int]:
    """Late tickets, each working morning: their assignee first, then the division head and
    the admins, one digest per chat, within the month's push quota."""
    from bot.feedback.ticket_escalation import escalate_overdue

    def queue(db, office, content, day, budget):
        return escalate_overdue(db, office, content.part("ticket_deadlines"), content.part("calendar"), day, budget)

    done = _working_morning_pushes(settings, today, queue, with_budget=True)
    log.info("late tickets: %s digests", done["messages"])
    return done

def close_unconfirmed_tickets(settings: Settings, now: float | None = None) -> dict[str, int]:
    """Closures the citizen left unanswered for 7 days: confirmed by timeout."""
    from bot.feedback.ticket_escalation import close_unconfirmed
    from db import transaction

    db = open_for(settings)
    try:
        with transaction(db):
            closed = close_unconfirmed(db, _office(settings), now)
    finally:
        db.close()
    log.info("unconfirmed closures timed out: %s", len(closed))
    return {"closed": len(closed)}


def staff_morning_digest(settings: Settings, today: date | None = None) -> dict[str, int]:
    """ "งานของฉัน" pushed each working morning to every staff chat with open work, within the quota."""
    from bot.staff.my_work import morning_digest

    def queue(db, office, content, day, budget):
        return morning_digest(db, office, day, budget.left, budget.cost, content.part("services"))

    done = _working_morning_pushes(settings, today, queue, with_budget=True)
    log.info("staff morning digest: %s chats", done["messages"])
    return done

def appointment_reminders(settings: Settings, today: date | None = None) -> dict[str, int]:
    """09:00 each working day: a reminder to each citizen with an appointment at the office on
    the next working day, once each, within the push quota."""
    from bot.eservice.appointment_reminders import queue_reminders

    def queue(db, office, content, day, budget):
        return queue_reminders(db, content.parts.get("services") or {}, content.part("calendar"), day, budget)

    done = _working_morning_pushes(settings, today, queue, with_budget=True)
    log.info("appointment reminders: %s", done["messages"])
    return done


def publish_transparency(settings: Settings, at: datetime | None = None) -> dict[str, int]:
    """01:00: every report round that closed (and is not yet published) frozen for /transparency."""
    from bot.transparency.publish import publish_due

    db = open_for(settings)
    try:
        done = publish_due(db, _content(settings), settings.content_dir, at)
    finally:
        db.close()
    log.info("transparency: %s rounds published", len(done))
    return {"published": len(done)}


def nightly_backup(settings: Settings, today: date | None = None) -> dict:
    """02:00: a checked online copy of the database, 14 daily and 8 weekly kept (db/backup.py).

    An SAO on PostgreSQL gets the same SQLite file, copied from its schema (db/engine_copy.py):
    one SAO's backup that either engine restores, beside the server's own (pg_dump, base backups)."""
    from db import connect_storage, is_postgres_url
    from db.backup import nightly

    day = today or datetime.now(BANGKOK).date()
    if not is_postgres_url(settings.database_url):
        return nightly(settings.database_path, settings.backups_path, day, settings.backup_copy_to,
                       settings.edited_content_dir)
    db = connect_storage(settings.database_path, settings.database_url, settings.tenant)
    try:
        return nightly(db, settings.backups_path, day, settings.backup_copy_to, settings.edited_content_dir)
    finally:
        db.close()


JOBS = {
    "backup": nightly_backup,
    "publish-transparency": publish_transparency,
    "purge-old-data": purge_old_data,
    "flag-overdue-questions": flag_overdue_questions,
    "corruption-digest": corruption_digest,
    "escalate-overdue-tickets": escalate_overdue_tickets,
    "close-unconfirmed-tickets": close_unconfirmed_tickets,
    "staff-morning-digest": staff_morning_digest,
    "appointment-reminders": appointment_reminders,
}


# When each job runs (Bangkok time), and how late a missed run may still start (seconds).
# The morning jobs are on weekdays; holidays and the SAO's days off are skipped inside them.
TIMETABLE = (
    # 01:00: the report rounds that closed yesterday, frozen for the public /transparency pages.
    ("publish-transparency", {"hour": 1, "minute": 0}, 12 * 3600),
    # 02:00: the nightly backup, before the purge empties the WAL.
    ("backup", {"hour": 2, "minute": 0}, 6 * 3600),
    # 02:30: nobody is chatting.
    ("purge-old-data", {"hour": 2, "minute": 30}, 6 * 3600),
    # 03:00: closures the citizen did not answer within 7 days.
    ("close-unconfirmed-tickets", {"hour": 3, "minute": 0}, 6 * 3600),
    # 08:00: each staff chat's open work, before the office opens.
    ("staff-morning-digest", {"day_of_week": "mon-fri", "hour": 8, "minute": 0}, 3 * 3600),
    ("corruption-digest", {"day_of_week": "mon-fri", "hour": 8, "minute": 30}, 6 * 3600),
    # 08:45: late tickets, after the office opens.
    ("escalate-overdue-tickets", {"day_of_week": "mon-fri", "hour": 8, "minute": 45}, 6 * 3600),
    # 09:00: citizens with an appointment at the office on the next working day.
    ("appointment-reminders", {"day_of_week": "mon-fri", "hour": 9, "minute": 0}, 6 * 3600),
    # Office hours, every half hour: a question is flagged soon after it is due.
    ("flag-overdue-questions", {"day_of_week": "mon-fri", "hour": "8-17", "minute": "5,35"}, 1800),
)


def build_scheduler(settings: Settings) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=BANGKOK)
    add_jobs(scheduler, settings)
    return scheduler


def add_jobs(scheduler, settings: Settings, prefix: str = "") -> None:
    """One SAO's timetable (a hosted install's clock adds each tenant's, ids prefixed "<slug>:")."""
    from bot.observability import with_heartbeat

    # Each run records its heartbeat (db/heartbeats.py): the web process sees a stopped clock.
    for name, when, grace in TIMETABLE:
        scheduler.add_job(
            with_heartbeat(name, JOBS[name]), CronTrigger(**when, timezone=BANGKOK), args=[settings], id=prefix + name,
            misfire_grace_time=grace, coalesce=True, max_instances=1,
        )
    # At start, then every few minutes: the pass decides itself whether it may send now.
    scheduler.add_job(
        with_heartbeat("reminders", run_reminders),
        IntervalTrigger(minutes=REMINDER_INTERVAL_MINUTES, timezone=BANGKOK),
        args=[settings],
        id=prefix + "reminders",
        next_run_time=datetime.now(BANGKOK),
        misfire_grace_time=REMINDER_INTERVAL_MINUTES * 60,
        coalesce=True,
        max_instances=1,
    )


TENANTS_CHECK_MINUTES = 1


def build_hosted_scheduler(host: Settings) -> BlockingScheduler:
    """A hosted install's clock: every tenant's timetable in one process, each over its own
    database (what is due and what was sent is there, so a restart repeats nothing). A tenant
    added or removed while it runs gains or loses its jobs within a minute."""
    from bot.hosting.registry import TenantRegistry

    scheduler = BlockingScheduler(timezone=BANGKOK)
    registry = TenantRegistry.for_settings(host)
    sync_tenant_jobs(scheduler, host, registry)
    scheduler.add_job(sync_tenant_jobs, IntervalTrigger(minutes=TENANTS_CHECK_MINUTES, timezone=BANGKOK),
                      args=[scheduler, host, registry], id="tenants", coalesce=True, max_instances=1)
    # 02:15, after the SAOs' own: the host's databases, which no SAO's backup holds.
    scheduler.add_job(backup_host, CronTrigger(hour=2, minute=15, timezone=BANGKOK), args=[host], id="host-backup",
                      misfire_grace_time=6 * 3600, coalesce=True, max_instances=1)
    return scheduler


def backup_host(host: Settings, today: date | None = None) -> dict:
    """The hosted install's own databases, as each SAO's nightly backup: the tenants' registry (the
    channels' secrets and tokens, which SAOs each province account sees) and the province
    console's accounts. Kept in <backups>/_registry and _province (a slug never starts with "_"),
    and copied elsewhere beside the SAOs' copies (BACKUP_COPY_TO/_registry …)."""
    from bot.hosting.registry import PROVINCE, PostgresRegistry, TenantRegistry, province_database, province_settings
    from db import connect_storage, is_postgres_url, postgres
    from db.backup import nightly

    today = today or datetime.now(BANGKOK).date()
    done = {}

    def kept(name: str, database, make=None) -> None:
        copy_to = f"{host.backup_copy_to.rstrip('/')}/{name}" if host.backup_copy_to else ""
        done[name] = nightly(database, host.backups_path / name, today, copy_to, make=make)

    registry = TenantRegistry.for_settings(host)
    if not is_postgres_url(host.database_url):
        for name, database in (("_registry", registry.path), ("_province", province_database(host))):
            if database.exists():
                kept(name, database)
        return done
    # On PostgreSQL: the same files, copied from the schemas hosting and sao__province.
    if registry.exists():
        kept("_registry", registry, PostgresRegistry.backup)
    if PROVINCE in postgres.tenants(host.database_url, every=True):
        province = province_settings(host)
        db = connect_storage(province.database_path, province.database_url, province.tenant)
        try:
            kept("_province", db)
        finally:
            db.close()
    return done


def sync_tenant_jobs(scheduler, host: Settings, registry) -> dict[str, list[str]]:
    from bot.content import overlay
    from bot.hosting.registry import settings_for

    tenants = {t.slug: t for t in registry.all()}
    scheduled = {job.id.partition(":")[0] for job in scheduler.get_jobs() if ":" in job.id}
    added, removed = sorted(set(tenants) - scheduled), sorted(scheduled - set(tenants))
    for slug in removed:
        for job in scheduler.get_jobs():
            if job.id.startswith(f"{slug}:"):
                job.remove()
    for slug in added:
        settings = settings_for(host, tenants[slug])
        open_for(settings).close()  # a tenant the web has not served yet: its schema brought up to date
        overlay.prepare(settings)
        add_jobs(scheduler, settings, prefix=f"{slug}:")
    if added or removed:
        log.info("clock: tenants added %s, removed %s", added, removed)
    return {"added": added, "removed": removed}
