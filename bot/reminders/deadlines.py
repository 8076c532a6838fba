"""From a plan to concrete deadlines and reminder days (pure functions, no storage).

A deadline is one report (or activity) of one measure for one division, with a due date:
the plan's nominal date moved to the working day before when it falls on a weekend, a Thai
public holiday or one of the SAO's days off. Reminder steps are counted in working days
from the due date: "-14" … "0" before and on the day, "+1", "+3" after it.
"""
from __future__ import annotations

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.common.thaidate import BANGKOK, BE_OFFSET, fiscal_year_bounds
from bot.content.workdays import WorkCalendar
from bot.reminders.plan import THAI_MONTHS, Measure, Plan, ReminderPolicy, calendar_month

KIND_REPORT = "report"
KIND_ACTIVITY = "activity"  # hold an activity (after_activity rule)
KIND_ACTIVITY_REPORT = "activity-report"  # report due N days after the activity was held


@dataclass(frozen=True)
class Deadline:
    fiscal_year: int
    measure_id: str
    key: str  # stable within the measure and year: q1, r6, m7, d-2027-04-20, activity
    division_id: str
    kind: str  # report | activity | activity-report
    audience: str  # staff | head
    nominal: date  # as the plan says
    due: date  # on a working day
    label: str  # e.g. "รายงานผลไตรมาสที่ 2 (ม.ค.–มี.ค. 2570)"
    report: str  # what to report (or the activity to hold)


@dataclass(frozen=True)
class Step:
    name: str  # "-14" … "0", "+1", "+3"
    offset: int  # working days from the due date
    day: date
    escalate: bool  # also to the division's head and the admins


def month_short(month: int) -> str:
    return THAI_MONTHS[month][0]


def month_long(month: int) -> str:
    return THAI_MONTHS[month][1]


def _position_date(fiscal_year: int, position: int, day: int | str) -> date:
    start, _ = fiscal_year_bounds(fiscal_year)
    years, month = calendar_month(position)
    year = start.year + years
    last = month_calendar.monthrange(year, month)[1]
    return date(year, month, last if day == "last" else min(int(day), last))


def _span(fiscal_year: int, first: int, last: int) -> str:
    """Fiscal positions → 'ม.ค.–มี.ค. 2570' or 'ต.ค. 2569–มี.ค. 2570'."""
    start, _ = fiscal_year_bounds(fiscal_year)
    y1, m1 = calendar_month(first)
    y2, m2 = calendar_month(last)
    be1, be2 = start.year + y1 + BE_OFFSET, start.year + y2 + BE_OFFSET
    if be1 == be2:
        return f"{month_short(m1)}–{month_short(m2)} {be2}" if m1 != m2 else f"{month_short(m1)} {be2}"
    return f"{month_short(m1)} {be1}–{month_short(m2)} {be2}"


def measure_deadlines(plan: Plan, measure: Measure, fiscal_year: int, cal: WorkCalendar) -> list[Deadline]:
    """Every deadline of one measure in one fiscal year, for each responsible division."""
    rule = measure.follow_up
    day = rule.day if rule.day is not None else plan.policy.report_due_day
    items: list[tuple[str, str, date, str]] = []  # (key, kind, nominal, label)
    if rule.rule == "quarterly":
        for quarter in range(1, 5):
            q_first, q_last = quarter * 3 - 2, quarter * 3
            if q_last < measure.period_from or q_first > measure.period_to:
                continue
            label = f"รายงานผลไตรมาสที่ {quarter} ({_span(fiscal_year, q_first, q_last)})"
            items.append((f"q{quarter}", KIND_REPORT, _position_date(fiscal_year, q_last + 1, day), label))
    elif rule.rule == "rounds":
        for months in rule.rounds:
            if months < measure.period_from:
                continue  # the round ends before the measure starts
            label = f"รายงานผลรอบ {months} เดือน ({_span(fiscal_year, 1, months)})"
            items.append((f"r{months}", KIND_REPORT, _position_date(fiscal_year, months + 1, day), label))
    elif rule.rule == "months":
        for month in rule.months:
            position = (month - 10) % 12 + 1
            if position <= measure.period_from:
                position += 12  # a report comes after the period has begun
            nominal = _position_date(fiscal_year, position, day)
            label = f"รายงานผลรอบเดือน{month_long(month)} {nominal.year + BE_OFFSET}"
            items.append((f"m{position}", KIND_REPORT, nominal, label))
    elif rule.rule == "date":
        if rule.date is not None:
            nominal = rule.date
        else:
            nominal = _position_date(fiscal_year, (rule.date_month - 10) % 12 + 1, rule.date_day)
        items.append((f"d-{nominal.isoformat()}", KIND_REPORT, nominal, "รายงานผลการดำเนินงาน"))
    elif rule.rule == "after_activity":
        nominal = _position_date(fiscal_year, measure.period_to, "last")
        label = f"จัดกิจกรรมภายใน {_span(fiscal_year, measure.period_from, measure.period_to)}"
        items.append(("activity", KIND_ACTIVITY, nominal, label))
    result = []
    for key, kind, nominal, label in items:
        report = measure.actions[0] if kind == KIND_ACTIVITY else rule.report
        for division_id in measure.division_ids:
            result.append(
                Deadline(
                    fiscal_year=fiscal_year,
                    measure_id=measure.id,
                    key=key,
                    division_id=division_id,
                    kind=kind,
                    audience=measure.audience,
                    nominal=nominal,
                    due=cal.on_or_before(nominal),
                    label=label,
                    report=report,
                )
            )
    return result


def plan_deadlines(plan: Plan, fiscal_year: int, cal: WorkCalendar) -> list[Deadline]:
    """All deadlines of a fiscal year, in plan order then date order."""
    result = []
    for measure in plan.measures:
        result.extend(sorted(measure_deadlines(plan, measure, fiscal_year, cal), key=lambda d: (d.due, d.key)))
    return result


def activity_report_deadline(activity: Deadline, held_on: date, within_days: int, report: str, cal: WorkCalendar) -> Deadline:
    """The report that falls due after an activity was held (after_activity rule)."""
    nominal = held_on + timedelta(days=within_days)
    return Deadline(
        fiscal_year=activity.fiscal_year,
        measure_id=activity.measure_id,
        key="activity-report",
        division_id=activity.division_id,
        kind=KIND_ACTIVITY_REPORT,
        audience=activity.audience,
        nominal=nominal,
        due=cal.on_or_before(nominal),
        label=f"รายงานผลหลังจัดกิจกรรม (ภายใน {within_days} วัน)",
        report=report,
    )


def steps(due: date, policy: ReminderPolicy, cal: WorkCalendar) -> list[Step]:
    """The reminder days of one due date, earliest first."""
    result = [Step(f"-{n}" if n else "0", -n, cal.add_working_days(due, -n), False) for n in sorted(policy.before_due, reverse=True)]
    result += [Step(f"+{n}", n, cal.add_working_days(due, n), n >= policy.escalate_after) for n in sorted(policy.after_due)]
    return result


def in_send_window(now: datetime, policy: ReminderPolicy, cal: WorkCalendar) -> bool:
    """Reminders go out only on working days, between send_from and send_until (Bangkok time)."""
    local = now.astimezone(BANGKOK)
    minutes = local.hour * 60 + local.minute
    return cal.is_working_day(local.date()) and policy.send_from_minutes <= minutes < policy.send_until_minutes


def current_step(
    due: date, policy: ReminderPolicy, cal: WorkCalendar, today: date, created_on: date | None = None
) -> Step | None:
    """The most recent step that is due by today and still relevant, or None.

    A step stays relevant until the next one is due; the last follow-up for
    catch_up_working_days more. Steps dated before the deadline existed (a new install,
    a report created when an activity was held) are not sent.
    """
    schedule = [s for s in steps(due, policy, cal) if created_on is None or s.day >= created_on]
    due_now = [s for s in schedule if s.day <= today]
    if not due_now:
        return None
    latest = due_now[-1]
    if latest is schedule[-1] and cal.add_working_days(latest.day, policy.catch_up_working_days) < today:
        return None
    return latest


def step_window(due: date, policy: ReminderPolicy, cal: WorkCalendar) -> tuple[date, date]:
    """First day any step may be sent, and the last day one may still be sent."""
    schedule = steps(due, policy, cal)
    return schedule[0].day, cal.add_working_days(schedule[-1].day, policy.catch_up_working_days)
