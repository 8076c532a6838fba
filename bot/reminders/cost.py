"""What a fiscal year of reminders costs in LINE push messages, month by month.

LINE counts a push once per recipient, and a push to a group once per member. A chat gets at
most one digest a day, so a month's cost is, for every chat, the number of days it gets a
digest times its size. Two figures per month:
- worst: nobody taps "ส่งรายงานแล้ว", so every follow-up and escalation goes out;
- on time: every division reports on the due day, so no follow-ups.
An activity's report (after_activity rule) is estimated as if the activity were held on its
last allowed day.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from db.staff import Recipient
from bot.content.workdays import WorkCalendar
from bot.reminders.deadlines import KIND_ACTIVITY, activity_report_deadline, plan_deadlines, steps
from bot.reminders.plan import Plan
from bot.reminders.passes import chats_for

FREE_MONTHLY_MESSAGES = 300  # LINE Official Account's free plan in Thailand


@dataclass(frozen=True)
class MonthCost:
    year: int
    month: int
    worst: int
    on_time: int


def typical_registrations(division_ids: list[str], members: int, admins: int = 1) -> list[tuple[Recipient, int]]:
    """An SAO where each division registered one chat of `members` people, plus its admins."""
    result = []
    for n, division_id in enumerate(division_ids):
        kind = "user" if members == 1 else "group"
        line_id = f"{'U' if kind == 'user' else 'C'}{n:032x}"
        result.append((Recipient(n, f"{kind}:{line_id}", kind, line_id, division_id, "staff", None, 0.0), members))
    for n in range(admins):
        line_id = f"U{1000 + n:032x}"
        result.append((Recipient(1000 + n, f"user:{line_id}", "user", line_id, "*", "admin", None, 0.0), 1))
    return result


def monthly_cost(plan: Plan, fiscal_year: int, cal: WorkCalendar, registrations: list[tuple[Recipient, int]]) -> list[MonthCost]:
    """Pushes per calendar month for one fiscal year's deadlines and these registrations."""
    by_division: dict[str, list[Recipient]] = defaultdict(list)
    admins = []
    weight = {}
    for recipient, size in registrations:
        weight[recipient.chat_key] = size
        if recipient.role == "admin":
            admins.append(recipient)
        else:
            by_division[recipient.division_id].append(recipient)
    deadlines = plan_deadlines(plan, fiscal_year, cal)
    for d in list(deadlines):
        if d.kind == KIND_ACTIVITY:
            measure = plan.measure(d.measure_id)
            deadlines.append(activity_report_deadline(d, d.due, measure.follow_up.within_days, measure.follow_up.report, cal))
    worst: set[tuple[str, date]] = set()
    on_time: set[tuple[str, date]] = set()
    for d in deadlines:
        row = {"division_id": d.division_id, "audience": d.audience}
        for step in steps(d.due, plan.policy, cal):
            for chat in chats_for(row, step.escalate, by_division, admins):
                worst.add((chat.chat_key, step.day))
                if step.offset <= 0:
                    on_time.add((chat.chat_key, step.day))
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for chat_key, day in worst:
        totals[(day.year, day.month)][0] += weight[chat_key]
    for chat_key, day in on_time:
        totals[(day.year, day.month)][1] += weight[chat_key]
    return [MonthCost(y, m, w, o) for (y, m), (w, o) in sorted(totals.items())]


def peak(costs: list[MonthCost]) -> MonthCost | None:
    return max(costs, key=lambda c: c.worst) if costs else None
