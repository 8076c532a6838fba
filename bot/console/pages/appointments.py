"""Appointments at the office (e-Service) in the console: one day's list by slot — today unless
another day is chosen — with each request's number (linking to /admin/requests/<id>), the
citizen's name from their answers, and buttons to record that the person came or did not.
Staff accounts see their own division's requests only. LINE's "นัดหมายวันนี้" links here.
"""
from __future__ import annotations

import time
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from bot.common.thaidate import now, thai_weekday_date
from bot.console import add_nav_item, admin_bp
from bot.console import feedback_shared as shared
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, STAFF, current_user, division_sql, require_division, require_role
from bot.console.pages import dashboard
from bot.content.workdays import WorkCalendar
from bot.eservice import appointment_texts as t
from bot.eservice.appointments import person_name
from bot.handbook.store import content_of
from db import appointments, service_requests, transaction

add_nav_item("admin.appointments_day", "นัดหมาย", roles=(ADMIN, STAFF), order=22)
register_action("appointment.attended", "บันทึกว่ามาตามนัด")
register_action("appointment.missed", "บันทึกว่าไม่มาตามนัด")

OUTCOMES = ("attended", "missed")


def _part(name: str, default):
    return content_of(current_app).parts.get(name) or default


def _day() -> date:
    try:
        return date.fromisoformat(request.args.get("day") or "")
    except ValueError:
        return now().date()


@admin_bp.get("/appointments")
@require_role(ADMIN, STAFF)
def appointments_day():
    day, today = _day(), now().date()
    services = _part("services", {})
    calendar = _part("calendar", WorkCalendar())
    rows = []
    for b in appointments.of_day(shared.db(), day.isoformat(), division_sql(current_user(), "r.division_id")):
        service = services.get(b.appointment.service_id)
        rows.append({
            "a": b.appointment, "number": b.number, "division_id": b.division_id,
            "service": service.title if service else b.appointment.service_id,
            "name": person_name(service, b.answers), "removed": b.answers is None,
            "status": t.STATUS.get(b.appointment.status, b.appointment.status),
        })
    return render_template(
        "admin/appointments.html",
        day=day, today=today, title=thai_weekday_date(day), rows=rows,
        day_off=calendar.day_off_name(day),
        before=calendar.add_working_days(day, -1), after=calendar.add_working_days(day, 1),
        may_record=day <= today, outcomes={k: t.STATUS[k] for k in OUTCOMES},
    )


@admin_bp.post("/appointments/<int:appointment_id>/outcome")
@require_role(ADMIN, STAFF)
def appointment_outcome(appointment_id: int):
    db = shared.db()
    found = appointments.get(db, appointment_id)
    held_for = service_requests.get(db, found.request_id) if found else None
    if found is None or held_for is None:
        abort(404)
    require_division(held_for.division_id)
    outcome = request.form.get("outcome") or ""
    if outcome not in OUTCOMES:
        abort(400)
    back = redirect(url_for("admin.appointments_day", day=found.day))
    if date.fromisoformat(found.day) > now().date():
        flash("ยังไม่ถึงวันนัด บันทึกผลการมาตามนัดไม่ได้", "error")
        return back
    user, at = current_user(), time.time()
    with transaction(db):
        done = appointments.set_outcome(db, found.id, outcome, at)
        if done:
            service_requests.add_event(db, held_for.id, user.name, held_for.status, held_for.status,
                                       f"{t.STATUS[outcome]} ({found.day} {found.slot} น.)", at)
            record(db, f"appointment.{outcome}", f"appointment:{found.id}", request=held_for.number, day=found.day, slot=found.slot)
    if done:
        flash(f"บันทึกแล้ว: คำร้อง {held_for.number} {t.STATUS[outcome]}", "ok")
    else:
        flash(f"นัดนี้{t.STATUS.get(found.status, found.status)} จึงบันทึกไม่ได้", "error")
    return back


@dashboard.card("appointments-today", order=45, roles=(ADMIN, STAFF))
def appointments_today_card(ctx: dashboard.DashboardContext):
    found = appointments.of_day(ctx.db, ctx.today.isoformat(), division_sql(ctx.user, "r.division_id"))
    if not found:
        return None
    waiting = sum(1 for b in found if b.appointment.status == "booked")
    return dashboard.Stat("นัดหมายวันนี้", len(found), detail=f"ยังไม่บันทึกผล {waiting:,} ราย", endpoint="admin.appointments_day")
