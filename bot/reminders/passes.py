"""One pass of the reminders ("tick"): plan the deadlines, find what is due, send one digest per chat.

Each pass, as at a given time (`python -m scheduler tick --now …` runs one):
1. rows left 'sending' by a dead process go back to the queue (their retry key makes it safe);
2. the deadlines of the previous, current and next fiscal year are planned into the database
   when the plan, the calendar or the divisions changed;
3. the outcome of earlier digests is copied onto their reminder rows; a digest that ran out of
   attempts on a passing fault (429, 5xx, network) today gets another round, same retry key;
4. only on working days between send_from and send_until (never at night):
   - a row is created for the most recent due step of each open deadline and each chat that
     should receive it (after downtime: only that step, earlier unsent ones are superseded);
   - the month's remaining push quota is checked; if it cannot cover every chat, overdue
     follow-ups and escalations go first and the admins are told;
   - per chat, in ONE transaction: its due rows are claimed and the digest is queued in the
     outbox (dedupe key reminder-digest:<chat>:<day>, so at most one per chat per day);
   - the digests are delivered through LineSender (fixed X-Line-Retry-Key, retries, 409 = sent).

Two passes at once (two clock processes, or a manual tick during the clock's) are safe: every
write is a single statement or a BEGIN IMMEDIATE transaction, and a claimed row or an existing
digest is never taken twice.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import holidays

from bot.content.divisions import Division, division_name, load_divisions
from bot.common.thaidate import BANGKOK, fiscal_year
from db import outbox, staff, transaction
from db import reminders as store
from bot.reminders import digest, texts
from bot.content.workdays import WorkCalendar
from bot.reminders.deadlines import (
    KIND_ACTIVITY,
    KIND_REPORT,
    current_step,
    in_send_window,
    plan_deadlines,
    step_window,
)
from bot.reminders.plan import PlanLibrary

log = logging.getLogger(__name__)

DIGEST = "reminder-digest"
NOTICE = "reminder-notice"
PURPOSES = (DIGEST, NOTICE)
UNKNOWN_GROUP_SIZE = 10  # a group whose size LINE would not tell: counted generously
DELIVERY_WAIT_SECONDS = 120.0  # how long one pass keeps retrying its digests before leaving them to the next


@dataclass(frozen=True)
class Setup:
    """What a pass needs besides the database: content and the LINE sender."""

    plans: PlanLibrary
    calendar: WorkCalendar
    divisions: tuple[Division, ...]
    sender: object | None = None  # bot.line.sender.LineSender; None plans and queues without sending

    @classmethod
    def from_content(cls, content_dir: Path, sender=None, divisions: tuple[Division, ...] | None = None) -> "Setup":
        """divisions: as a running process has them (HandbookStore's snapshot), else read from the file."""
        divisions = divisions or load_divisions(content_dir / "divisions.yaml")
        return cls(PlanLibrary(content_dir, divisions), WorkCalendar.from_content(content_dir), divisions, sender)

    @classmethod
    def from_snapshot(cls, content, sender=None) -> "Setup":
        """From a content snapshot (bot/handbook/store.py Loaded): the version the bot and console have."""
        return cls(content.part("plans"), content.part("calendar"), content.divisions, sender)

    def division_name(self, division_id: str) -> str:
        return division_name(self.divisions, division_id)


@dataclass
class TickReport:
    now: datetime
    planned_years: list[int] = field(default_factory=list)
    in_window: bool = False
    rows_created: int = 0
    digests_queued: list[int] = field(default_factory=list)
    deferred_chats: list[str] = field(default_factory=list)
    quota_remaining: int | None = None
    quota_needed: int = 0
    delivered: int = 0
    requeued: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # time spent in each phase

    def summary(self) -> str:
        return (
            f"{self.now.isoformat()} planned={self.planned_years} window={self.in_window} rows={self.rows_created}"
            f" digests={len(self.digests_queued)} delivered={self.delivered} deferred={len(self.deferred_chats)}"
            f" quota_needed={self.quota_needed} quota_remaining={self.quota_remaining}"
        )


# --- 2. planning ----------------------------------------------------------------------------


def _fingerprint(setup: Setup, fy: int) -> str:
    plan = setup.plans.for_year(fy)
    raw = f"{plan.fingerprint}|{setup.calendar.fingerprint}|{holidays.__version__}|{[d.id for d in setup.divisions]}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def sync_year(db, setup: Setup, fy: int, today: date, now_ts: float) -> bool:
    """Write one fiscal year's deadlines into the database if the plan changed; True if it did."""
    fingerprint = _fingerprint(setup, fy)
    if store.synced_fingerprint(db, fy) == fingerprint:
        return False
    plan = setup.plans.for_year(fy)
    cal = setup.calendar
    with transaction(db):
        if store.synced_fingerprint(db, fy) == fingerprint:  # another process did it meanwhile
            return False
        for m in plan.measures:
            store.save_measure(
                db,
                fiscal_year=fy,
                measure_id=m.id,
                number=m.no,
                title=m.title,
                actions=list(m.actions),
                responsible=m.responsible,
                period=m.period_text,
                follow_up=m.follow_up_text,
                report=m.follow_up.report,
                within_days=m.follow_up.within_days or None,
            )
        keep = set()
        for d in plan_deadlines(plan, fy, cal):
            first, last = step_window(d.due, plan.policy, cal)
            keep.add(
                store.save_deadline(
                    db,
                    fiscal_year=fy,
                    measure_id=d.measure_id,
                    key=d.key,
                    division_id=d.division_id,
                    kind=d.kind,
                    audience=d.audience,
                    label=d.label,
                    report=d.report,
                    nominal=d.nominal,
                    due=d.due,
                    first_step_on=first,
                    last_step_on=last,
                    created_on=today,
                )
            )
        store.retire_missing(db, fy, keep, kinds=(KIND_REPORT, KIND_ACTIVITY))
        store.set_synced(db, fy, fingerprint, now_ts)
    log.info("planned FY %s deadlines (%s)", fy, fingerprint)
    return True


# --- 3. outcomes of earlier digests ------------------------------------------------------------


def _transient(error: str | None) -> bool:
    """A fault that may pass: 429 (not the monthly limit), 5xx, or no answer at all."""
    error = error or ""
    if not error.startswith("HTTP "):
        return not error.startswith("over LINE limits")
    status = error[5:8]
    if status == "429":
        return "monthly limit" not in error
    return status.startswith("5")


RETRY_KEY_SAFE_SECONDS = 20 * 3600  # LINE honours a retry key for 24 hours


def settle_outcomes(db, now_ts: float, may_requeue: bool) -> int:
    """Copy each finished digest's outcome to its reminder rows; returns digests tried again.

    A digest that ran out of attempts on a passing fault gets another round with the same
    retry key while LINE still honours it (so it cannot arrive twice); after that its rows
    go back to pending and join the chat's next digest. A refused digest (400) is final.
    """
    requeued = 0
    for outbox_id in store.claimed_outbox_ids(db):
        row = outbox.get(db, outbox_id)
        if row is None:
            continue
        if row["status"] == "sent":
            store.settle(db, outbox_id, "sent", now_ts)
        elif row["status"] == "failed":
            if not _transient(row["error"]):
                store.settle(db, outbox_id, "failed", now_ts)
                log.error("reminder digest %s was refused: %s", outbox_id, row["error"])
            elif time.time() - row["created_at"] > RETRY_KEY_SAFE_SECONDS:
                store.release(db, outbox_id)
                log.warning("reminder digest %s never got through (%s); its reminders wait for the next digest", outbox_id, row["error"])
            elif may_requeue and outbox.requeue_failed(db, outbox_id):
                requeued += 1
                log.warning("reminder digest %s failed on a passing fault (%s); trying again", outbox_id, row["error"])
    return requeued


# --- 4. what is due, for whom ---------------------------------------------------------------------


@dataclass(frozen=True)
class Chat:
    chat_key: str
    line_id: str
    kind: str
    role: str


def _recipients_by_division(db) -> tuple[dict[str, list[staff.Recipient]], list[staff.Recipient]]:
    by_division: dict[str, list[staff.Recipient]] = {}
    admins = []
    for r in staff.all_active(db):
        if r.role == "admin":
            admins.append(r)
        else:
            by_division.setdefault(r.division_id, []).append(r)
    return by_division, admins


def chats_for(deadline: dict, escalate: bool, by_division, admins) -> list[Chat]:
    """Who receives a step: the division's chats (or its head), plus head and admins on escalation."""
    division = by_division.get(deadline["division_id"], [])
    heads = [r for r in division if r.role == "head"]
    if deadline["audience"] == "head":
        chosen = heads or division  # no head registered: the division's chats pass it on
    else:
        chosen = list(division)
    if escalate:
        chosen = chosen + heads + admins
    seen: dict[str, Chat] = {}
    for r in chosen:
        seen.setdefault(r.chat_key, Chat(r.chat_key, r.line_id, r.kind, r.role))
    return list(seen.values())


def create_due_rows(db, setup: Setup, today: date, now_ts: float) -> int:
    """A row for the most recent due step of every open deadline, per chat; returns rows created."""
    created = 0
    with transaction(db):
        db.execute(
            "UPDATE reminders SET status = 'cancelled' WHERE status = 'pending'"
            " AND chat_key NOT IN (SELECT chat_key FROM staff_recipients WHERE active = 1)"
        )
        by_division, admins = _recipients_by_division(db)
        for d in store.open_deadlines(db, today):
            policy = setup.plans.for_year(d["fiscal_year"]).policy
            step = current_step(
                date.fromisoformat(d["due_date"]), policy, setup.calendar, today, date.fromisoformat(d["created_on"])
            )
            if step is None:
                continue
            for chat in chats_for(d, step.escalate, by_division, admins):
                created += store.add_reminder(
                    db,
                    deadline_id=d["id"],
                    step=step.name,
                    chat_key=chat.chat_key,
                    line_id=chat.line_id,
                    role=chat.role,
                    escalation=step.escalate,
                    send_on=step.day,
                    now=now_ts,
                )
    return created


# --- quota --------------------------------------------------------------------------------------


def chat_weight(setup: Setup, chat_key: str, cache: dict[str, int]) -> int:
    """What one push to this chat costs: 1 for a person, one per member for a group or room."""
    kind, _, line_id = chat_key.partition(":")
    if kind == "user":
        return 1
    if chat_key not in cache:
        count = setup.sender.member_count(kind, line_id) if setup.sender is not None else None
        cache[chat_key] = count if count is not None else UNKNOWN_GROUP_SIZE
    return cache[chat_key]


def remaining_quota(setup: Setup) -> int | None:
    """Pushes left this month, or None when unlimited or LINE could not say."""
    if setup.sender is None:
        return None
    try:
        quota = setup.sender.quota()
    except Exception as exc:  # a quota we cannot read must not stop the reminders
        log.warning("could not read the message quota: %s", exc)
        return None
    if quota.get("type") != "limited":
        return None
    return max(0, int(quota["limit"]) - int(quota["used"]))


def _choose_within_quota(db, setup: Setup, chats: list[dict], report: TickReport, today: date) -> list[dict]:
    cache: dict[str, int] = {}
    costs = {c["chat_key"]: chat_weight(setup, c["chat_key"], cache) for c in chats}
    report.quota_needed = sum(costs.values())
    remaining = remaining_quota(setup)
    report.quota_remaining = remaining
    if remaining is None or report.quota_needed <= remaining:
        return chats
    admins = {r.chat_key: r for r in staff.admins(db)}
    notice_cost = sum(chat_weight(setup, key, cache) for key in admins)
    budget = remaining - notice_cost
    chosen, deferred = [], []
    # Overdue follow-ups and escalations first, then the rest.
    for chat in sorted(chats, key=lambda c: (-c["escalation"], -c["overdue"], c["chat_key"])):
        if costs[chat["chat_key"]] <= budget:
            chosen.append(chat)
            budget -= costs[chat["chat_key"]]
        else:
            deferred.append(chat)
    report.deferred_chats = [c["chat_key"] for c in deferred]
    log.warning("quota: %s left, %s needed; %s chats deferred", remaining, report.quota_needed, len(deferred))
    if notice_cost <= remaining:
        with transaction(db):
            for key, admin in admins.items():
                outbox_id = outbox.enqueue(
                    db,
                    dedupe_key=f"reminder-quota:{key}:{today.isoformat()}",
                    chat_key=key,
                    kind="push",
                    to_ids=[admin.line_id],
                    messages=[{"type": "text", "text": texts.quota_short(remaining, report.quota_needed, len(deferred))}],
                    purpose=NOTICE,
                )
                if outbox_id:
                    report.digests_queued.append(outbox_id)
    return chosen


# --- claim and queue ----------------------------------------------------------------------------


def digest_key(chat_key: str, today: date) -> str:
    return f"{DIGEST}:{chat_key}:{today.isoformat()}"


def queue_digest(db, setup: Setup, chat_key: str, today: date, now_ts: float) -> int | None:
    """Claim a chat's due rows and queue its digest, in one transaction; the outbox id or None.

    A chat that already had today's digest keeps new rows for tomorrow: one push per day.
    """
    with transaction(db):
        if outbox.exists(db, digest_key(chat_key, today)):
            return None
        rows = store.claim_for_chat(db, chat_key, now_ts)
        if not rows:
            return None
        items = []
        for it in store.digest_items(db, [r.id for r in rows]):
            due = date.fromisoformat(it["due_date"])
            items.append(
                digest.DigestItem(
                    deadline_id=it["deadline_id"],
                    kind=it["kind"],
                    measure_number=it["number"],
                    measure_title=it["title"] or it["measure_id"],
                    label=it["label"],
                    report=it["report"],
                    division=setup.division_name(it["division_id"]),
                    due=due,
                    working_days_left=setup.calendar.working_days_between(today, due),
                    escalation=bool(it["escalation"]),
                )
            )
        roles = {r.role for r in rows}
        divisions = {i.division for i in items}
        to = texts.ROLE_NAME["admin"] if roles == {"admin"} else (next(iter(divisions)) if len(divisions) == 1 else "")
        messages = digest.build(items, to)
        outbox_id = outbox.enqueue(
            db,
            dedupe_key=digest_key(chat_key, today),
            chat_key=chat_key,
            kind="push",
            to_ids=[rows[0].line_id],
            messages=messages,
            purpose=DIGEST,
        )
        store.attach_outbox(db, [r.id for r in rows], outbox_id)
    return outbox_id


def deliver_pending(db, sender, wait_seconds: float = DELIVERY_WAIT_SECONDS) -> int:
    """Deliver the clock's queued pushes, waiting out short retry backoffs; returns how many were sent."""
    if sender is None:
        return 0
    sent = 0
    give_up = time.monotonic() + wait_seconds
    while True:
        for outbox_id in outbox.due_ids_for(db, PURPOSES):
            if sender.deliver(db, outbox_id).status == "sent":
                sent += 1
        upcoming = outbox.next_attempt_for(db, PURPOSES)
        if upcoming is None:
            return sent
        pause = upcoming - time.time()
        if time.monotonic() + max(pause, 0) > give_up:
            return sent  # the next pass (or the web process's sweeper) carries on
        if pause > 0:
            time.sleep(pause)


# --- the pass ----------------------------------------------------------------------------------


def tick(db, setup: Setup, now: datetime, wait_seconds: float = DELIVERY_WAIT_SECONDS) -> TickReport:
    """One pass as at `now` (aware datetime). Safe to run at any time, any number of times."""
    now = now.astimezone(BANGKOK)
    today, now_ts = now.date(), now.timestamp()
    report = TickReport(now)
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        report.seconds[name] = round(time.perf_counter() - started, 4)
        started = time.perf_counter()

    outbox.recover_stale(db)
    fy = fiscal_year(today)
    for year in (fy - 1, fy, fy + 1):
        if sync_year(db, setup, year, today, now_ts):
            report.planned_years.append(year)
    policy = setup.plans.for_year(fy).policy
    report.in_window = in_send_window(now, policy, setup.calendar)
    with transaction(db):
        report.requeued = settle_outcomes(db, now_ts, may_requeue=report.in_window)
    lap("plan")
    if not report.in_window:
        return report
    report.rows_created = create_due_rows(db, setup, today, now_ts)
    lap("due_rows")
    chats = store.pending_chats(db)
    if chats:
        for chat in _choose_within_quota(db, setup, chats, report, today):
            outbox_id = queue_digest(db, setup, chat["chat_key"], today, now_ts)
            if outbox_id:
                report.digests_queued.append(outbox_id)
    lap("claim_and_queue")
    report.delivered = deliver_pending(db, setup.sender, wait_seconds)
    with transaction(db):
        settle_outcomes(db, now_ts, may_requeue=False)
    lap("deliver")
    return report
