"""The appointment reminder (issue 19): at 09:00 on each working day, the clock's
`appointment-reminders` pushes each citizen with an appointment at the office on the next
working day a reminder with the appointment's card ("เลื่อนนัด", "ยกเลิกนัด"), once each
(outbox dedupe key `appointment:<id>:reminder`), within the month's push quota; and
`scheduler plan` forecasts the reminders still to go.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import date

import sqlite_utils

from bot.common.thaidate import thai_weekday_date
from bot.content.workdays import WorkCalendar
from bot.eservice import appointment_texts as t
from bot.eservice.appointments import card
from bot.feedback import announce
from db import appointments as store
from db import outbox

log = logging.getLogger(__name__)


def queue_reminders(db: sqlite_utils.Database, services: dict, calendar: WorkCalendar | None, today: date,
                    budget=None) -> list[int]:
    """Queue one reminder for each appointment up to the next working day, once each, within the
    push quota (`budget`: bot.feedback.ticket_escalation.PushBudget). Run in a transaction."""
    calendar = calendar or WorkCalendar()
    if not calendar.is_working_day(today):
        return []
    left = budget.left if budget is not None else None
    queued, now = [], time.time()
    for b in store.due_reminders(db, today.isoformat(), calendar.add_working_days(today, 1).isoformat()):
        a = b.appointment
        key = f"appointment:{a.id}:reminder"
        if outbox.exists(db, key):  # queued by a run that stopped before marking it
            store.mark_reminded(db, a.id, now)
            continue
        price = budget.cost(b.chat_key) if budget is not None else 1
        if left is not None and price > left:
            log.warning("appointment %s reminder left out: %s pushes left this month", a.id, left)
            continue
        messages = [announce.text(t.reminder_head(date.fromisoformat(a.day), a.slot)), card(b.number, services.get(a.service_id), a)]
        outbox_id = announce.push(db, chat_key=b.chat_key, line_id=b.line_user_id, messages=messages, dedupe_key=key,
                                  purpose=f"request:{a.request_id}:appointment")
        store.mark_reminded(db, a.id, now)
        if outbox_id:
            queued.append(outbox_id)
            left = None if left is None else left - price
    return queued


def forecast_lines(db: sqlite_utils.Database, calendar: WorkCalendar | None, today: date) -> list[str]:
    """`scheduler plan`: the reminders still to go for booked appointments, by the day they go."""
    calendar = calendar or WorkCalendar()
    days = Counter()
    for b in store.due_reminders(db, today.isoformat(), "9999-12-31"):
        sends = calendar.add_working_days(date.fromisoformat(b.appointment.day), -1)
        if sends >= today:  # booked after its reminder's morning: none goes
            days[sends] += 1
    out = ["", t.forecast_head(sum(days.values()))]
    out += [f"  • {thai_weekday_date(day)}: {n} ข้อความ" for day, n in sorted(days.items())]
    if not days:
        out.append("  ไม่มีนัดหมายที่รอแจ้งเตือน")
    out.append("  (ส่งถึงแชตส่วนตัวของผู้ยื่นคำร้อง ข้อความละ 1 จากโควตา push)")
    return out
