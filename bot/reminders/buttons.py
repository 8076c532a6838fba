"""The buttons of a reminder digest: "ส่งรายงานแล้ว", "จัดกิจกรรมแล้ว", "ดูรายละเอียด".

Each button carries its deadline's id (postback.action). A tap may be old, forwarded or
from another chat, so every handler checks that the deadline exists and still applies,
and that the chat that tapped is registered for that division (or is an admin chat),
and answers politely in every case. The writes run in the worker's transaction.
"""
from __future__ import annotations

from datetime import date, datetime

from bot.pipeline import effects
from bot.common.thaidate import BANGKOK, thai_datetime
from db import reminders as store
from db import staff
from bot.reminders import texts
from bot.content.workdays import WorkCalendar
from bot.reminders.deadlines import KIND_ACTIVITY, Deadline, activity_report_deadline, step_window
from bot.reminders.digest import ACK_ACTION, DETAIL_ACTION, HELD_ACTION
from bot.reminders.plan import PlanLibrary


def _reply(body: str) -> effects.EffectResult:
    return effects.EffectResult(replies=[{"type": "text", "text": body}])


def _deadline(req: effects.EffectRequest) -> dict | None:
    record = str(req.args.get("record_id") or "")
    return store.deadline(req.db, int(record)) if record.isdigit() else None


def _may_act(req: effects.EffectRequest, deadline: dict) -> bool:
    """The chat must be registered for the deadline's division, or be an admin chat."""
    return any(
        r.division_id in (deadline["division_id"], staff.ALL_DIVISIONS) for r in staff.of_chat(req.db, req.chat_key)
    )


def _calendar(req: effects.EffectRequest) -> WorkCalendar:
    return req.part("calendar") or WorkCalendar()


def _when(deadline: dict) -> str:
    return thai_datetime(datetime.fromtimestamp(deadline["done_at"], BANGKOK))


def _late_working_days(cal: WorkCalendar, due: date, today: date) -> int:
    if today <= due:
        return 0
    return max(1, cal.working_days_between(due, today))


def _checked(req: effects.EffectRequest, expect_activity: bool) -> tuple[dict | None, effects.EffectResult | None]:
    deadline = _deadline(req)
    if deadline is None:
        return None, _reply(texts.DEADLINE_GONE)
    if (deadline["kind"] == KIND_ACTIVITY) != expect_activity:
        return None, _reply(texts.WRONG_BUTTON)
    if not _may_act(req, deadline):
        return None, _reply(texts.NOT_FOR_THIS_CHAT)
    division = req.division_name(deadline["division_id"])
    if deadline["done_at"] is not None:
        if expect_activity:
            return None, _reply(texts.already_held(division, _when(deadline)))
        return None, _reply(texts.already_acknowledged(deadline["label"], division, _when(deadline)))
    if deadline["retired"]:
        return None, _reply(texts.RETIRED)
    return deadline, None


def record_report(db, deadline: dict, *, now: datetime, by: str | None, chat_key: str, cal: WorkCalendar) -> int | None:
    """Record that a division sent a report (the "ส่งรายงานแล้ว" button, or an admin in the console
    on the division's behalf): who, when, on time or how many working days late; no more
    reminders for it. Returns the late working days, or None if it was already recorded.
    Runs in the caller's transaction."""
    today = now.astimezone(BANGKOK).date()
    late = _late_working_days(cal, date.fromisoformat(deadline["due_date"]), today)
    if not store.mark_done(db, deadline["id"], at=now.timestamp(), on=today, by=by, chat_key=chat_key, late_working_days=late):
        return None
    return late


def record_activity(
    db, deadline: dict, *, now: datetime, by: str | None, chat_key: str, cal: WorkCalendar, plans: PlanLibrary | None
) -> date | None:
    """Record that a division held an activity ("จัดกิจกรรมแล้ว", or an admin in the console) and plan
    its report, due N days later (after_activity rule). Returns the report's due date, or None if it
    was already recorded. Runs in the caller's transaction."""
    measure = store.measure(db, deadline["fiscal_year"], deadline["measure_id"]) or {}
    within = int(measure.get("within_days") or 15)
    today = now.astimezone(BANGKOK).date()
    late = _late_working_days(cal, date.fromisoformat(deadline["due_date"]), today)
    if not store.mark_done(db, deadline["id"], at=now.timestamp(), on=today, by=by, chat_key=chat_key, late_working_days=late):
        return None
    activity = Deadline(
        fiscal_year=deadline["fiscal_year"],
        measure_id=deadline["measure_id"],
        key=deadline["key"],
        division_id=deadline["division_id"],
        kind=deadline["kind"],
        audience=deadline["audience"],
        nominal=date.fromisoformat(deadline["nominal_date"]),
        due=date.fromisoformat(deadline["due_date"]),
        label=deadline["label"],
        report=deadline["report"],
    )
    report = activity_report_deadline(activity, today, within, measure.get("report") or deadline["report"], cal)
    if plans is not None:
        policy = plans.for_year(report.fiscal_year).policy
    else:
        from bot.reminders.plan import ReminderPolicy

        policy = ReminderPolicy()
    first, last = step_window(report.due, policy, cal)
    store.save_deadline(
        db,
        fiscal_year=report.fiscal_year,
        measure_id=report.measure_id,
        key=report.key,
        division_id=report.division_id,
        kind=report.kind,
        audience=report.audience,
        label=report.label,
        report=report.report,
        nominal=report.nominal,
        due=report.due,
        first_step_on=first,
        last_step_on=last,
        created_on=today,
    )
    return report.due


@effects.action(ACK_ACTION)
def acknowledge(req: effects.EffectRequest) -> effects.EffectResult:
    """ส่งรายงานแล้ว: record who and when, on time or late; no more reminders for it."""
    deadline, answer = _checked(req, expect_activity=False)
    if deadline is None:
        return answer
    late = record_report(req.db, deadline, now=req.now, by=req.user_id, chat_key=req.chat_key, cal=_calendar(req))
    if late is None:
        fresh = store.deadline(req.db, deadline["id"])
        return _reply(texts.already_acknowledged(fresh["label"], req.division_name(fresh["division_id"]), _when(fresh)))
    return _reply(
        texts.acknowledged(deadline["label"], req.division_name(deadline["division_id"]), late, thai_datetime(req.now))
    )


@effects.action(HELD_ACTION)
def activity_held(req: effects.EffectRequest) -> effects.EffectResult:
    """จัดกิจกรรมแล้ว: record it, and plan the report due N days later (after_activity rule)."""
    deadline, answer = _checked(req, expect_activity=True)
    if deadline is None:
        return answer
    report_due = record_activity(
        req.db, deadline, now=req.now, by=req.user_id, chat_key=req.chat_key, cal=_calendar(req),
        plans=req.part("plans"),
    )
    if report_due is None:
        return _reply(texts.WRONG_BUTTON)
    measure = store.measure(req.db, deadline["fiscal_year"], deadline["measure_id"]) or {}
    within = int(measure.get("within_days") or 15)
    return _reply(texts.activity_held(req.division_name(deadline["division_id"]), thai_datetime(req.now), report_due, within))


@effects.action(DETAIL_ACTION)
def detail(req: effects.EffectRequest) -> effects.EffectResult:
    """ดูรายละเอียด: the measure, its actions, what to report and the deadline's status."""
    deadline = _deadline(req)
    if deadline is None:
        return _reply(texts.DEADLINE_GONE)
    if not _may_act(req, deadline):
        return _reply(texts.NOT_FOR_THIS_CHAT)
    measure = store.measure(req.db, deadline["fiscal_year"], deadline["measure_id"]) or {}
    today = req.now.astimezone(BANGKOK).date()
    sent = req.db.execute(
        "SELECT count(*) FROM reminders WHERE deadline_id = ? AND status = 'sent'", (deadline["id"],)
    ).fetchone()[0]
    status = store.status_of({**deadline, "reminders_sent": sent}, today)
    return _reply(
        texts.detail(
            measure_number=measure.get("number"),
            title=measure.get("title") or deadline["measure_id"],
            actions=measure.get("actions") or [],
            responsible=measure.get("responsible") or "",
            period=measure.get("period") or "",
            follow_up=measure.get("follow_up") or "",
            division=req.division_name(deadline["division_id"]),
            label=deadline["label"],
            report=deadline["report"],
            due=date.fromisoformat(deadline["due_date"]),
            status=texts.STATUS_TEXT[status] if not deadline["retired"] else "ยกเลิกจากแผนแล้ว",
        )
    )


@effects.eraser
def _erase(db, chat_key: str, user_id: str | None) -> None:
    store.erase_chat(db, chat_key, user_id)
