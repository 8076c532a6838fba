"""The measures plan's deadlines and reminders: what each division must report when, and how it went.

Per fiscal year, measure and division: the due date, the status (upcoming, reminded, reported
on time, late, missing), the reminders sent and who reported when. Staff see their own
division; an admin may record a report as sent on a division's behalf (with the function the
LINE button "ส่งรายงานแล้ว" uses, bot/reminders/buttons.py), which is audited. Opening a year plans its
deadlines from content/measures-plan.yaml if the clock has not done it yet (the same idempotent
step the clock runs, bot/reminders/passes.py sync_year).
"""
from __future__ import annotations

import time
from datetime import date, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from bot.console import add_nav_item, admin_bp, audit, division_name, divisions
from bot.console.auth import ADMIN, STAFF, current_user, division_scope, require_role
from bot.console.exports import FORMATS, Column, export_response
from bot.console.content import content_problems
from bot.console.pages import dashboard
from bot.content.profile import ContentError
from bot.common.thaidate import BANGKOK, fiscal_year, now, thai_date, thai_datetime
from bot.handbook.store import content_of
from db import reminders as store
from db import transaction
from bot.reminders.deadlines import KIND_ACTIVITY
from bot.reminders.texts import KIND_NAME
from bot.staff.people import chat_label, name_of

add_nav_item("admin.reminders", "กำหนดส่งรายงาน", roles=(ADMIN, STAFF), order=40)
audit.register_action("deadline.report", "บันทึกว่ากองส่งรายงานแล้ว (แทนกอง)")
audit.register_action("deadline.activity", "บันทึกว่ากองจัดกิจกรรมแล้ว (แทนกอง)")
audit.register_action("reminders.export", "ส่งออกกำหนดส่งรายงาน")

STATUS_LABELS = {
    store.STATUS_UPCOMING: "ยังไม่ถึงกำหนด",
    store.STATUS_REMINDED: "แจ้งเตือนแล้ว รอรายงาน",
    store.STATUS_ON_TIME: "ส่งแล้ว ตรงเวลา",
    store.STATUS_LATE: "ส่งแล้ว ช้ากว่ากำหนด",
    store.STATUS_MISSING: "เลยกำหนด ยังไม่ส่ง",
    store.STATUS_BEFORE_INSTALL: "ก่อนเริ่มใช้ระบบ",  # due before the install day: not overdue
}
CONSOLE_CHAT = "console"  # done_chat of a report recorded in the console
CONSOLE_BY = "console:"  # done_by prefix, followed by the console user's name


def _db():
    return current_app.extensions["db_pool"].get()


def _settings():
    return current_app.config["SETTINGS"]


def plan_year(db, fy: int, today: date) -> str | None:
    """Make sure the year's deadlines are in the database, from the plan of the content snapshot the
    bot and the clock have (a plan with mistakes is shown with the other content problems)."""
    from bot.reminders.passes import Setup, sync_year

    try:
        sync_year(db, Setup.from_snapshot(content_of(current_app)), fy, today, time.time())
    except ContentError as exc:
        return str(exc)
    return None


def reporter(db, row: dict) -> str:
    """Who reported, as people read it: the staff member's name and the group's, never a LINE id."""
    by = row.get("done_by") or ""
    if by.startswith(CONSOLE_BY):
        return f"{by[len(CONSOLE_BY):]} (บันทึกในระบบจัดการ)"
    chat = row.get("done_chat") or ""
    who = name_of(db, by) if by else "เจ้าหน้าที่"  # no id: erased at the person's request
    if chat.startswith(("group:", "room:")):
        return f"{who} ทาง{chat_label(db, chat)}"
    return f"{who} ทาง LINE"


def _filters(args, user) -> dict:
    today = now().date()
    try:
        fy = int(args.get("fy") or fiscal_year(today))
    except ValueError:
        fy = fiscal_year(today)
    fy = min(max(fy, 2560), 2700)
    scope = division_scope(user)
    division = args.get("division") or ""
    if scope is not None:  # staff: their own division, whatever the URL says
        division = next(iter(scope), "")
    status = args.get("status") if args.get("status") in STATUS_LABELS else ""
    measure = args.get("measure") or ""
    return {"fy": fy, "division": division, "status": status, "measure": measure, "today": today, "scope": scope}


def _rows(db, f: dict) -> list[dict]:
    rows = store.deadlines_of_year(db, f["fy"], f["today"])
    if f["scope"] is not None:
        rows = [r for r in rows if r["division_id"] in f["scope"]]
    if f["division"]:
        rows = [r for r in rows if r["division_id"] == f["division"]]
    if f["measure"]:
        rows = [r for r in rows if r["measure_id"] == f["measure"]]
    if f["status"]:
        rows = [r for r in rows if r["status"] == f["status"]]
    return rows


@admin_bp.get("/reminders")
@require_role(ADMIN, STAFF)
def reminders():
    user = current_user()
    db = _db()
    f = _filters(request.args, user)
    plan_error = plan_year(db, f["fy"], f["today"])
    every = store.deadlines_of_year(db, f["fy"], f["today"])
    measures = sorted({(r["measure_number"] or 0, r["measure_id"], r["measure_title"] or r["measure_id"]) for r in every})
    rows = _rows(db, f)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in STATUS_LABELS}
    args = {k: v for k, v in request.args.items() if v}
    return render_template(
        "admin/reminders.html",
        rows=rows, f=f, measures=measures, counts=counts, statuses=STATUS_LABELS, kind_names=KIND_NAME,
        divisions=divisions(), plan_error=plan_error, content_problems=content_problems(), reporter=lambda r: reporter(db, r), may_record=user.role == ADMIN,
        years=range(fiscal_year(f["today"]) - 2, fiscal_year(f["today"]) + 2), args=args,
        due_text=lambda r: thai_date(date.fromisoformat(r["due_date"]), full_month=False),
        day_text=lambda iso: thai_date(date.fromisoformat(iso), full_month=False),
        when_text=lambda ts: thai_datetime(datetime.fromtimestamp(ts, BANGKOK)) if ts else "",
    )


@admin_bp.post("/reminders/<int:deadline_id>/done")
@require_role(ADMIN)
def deadline_done(deadline_id: int):
    """An admin records that a division sent its report (or held its activity) on its behalf."""
    from bot.reminders.buttons import record_activity, record_report

    db = _db()
    deadline = store.deadline(db, deadline_id)
    if deadline is None:
        abort(404)
    user = current_user()
    back = url_for("admin.reminders", **{k: v for k, v in request.form.items() if k in ("fy", "division", "status", "measure") and v})
    if deadline["retired"]:
        flash("เรื่องนี้ถูกยกเลิกจากแผนแล้ว จึงไม่ต้องบันทึก", "info")
        return redirect(back)
    content = content_of(current_app)
    cal = content.part("calendar")
    at = now()
    division = division_name(deadline["division_id"])
    with transaction(db):
        fresh = store.deadline(db, deadline_id)
        if fresh["done_at"] is not None:
            done = None
        elif fresh["kind"] == KIND_ACTIVITY:
            done = record_activity(db, fresh, now=at, by=CONSOLE_BY + user.username, chat_key=CONSOLE_CHAT, cal=cal,
                                   plans=content.part("plans"))
            if done is not None:
                audit.record(db, "deadline.activity", f"deadline:{deadline_id}", division=fresh["division_id"],
                             label=fresh["label"], report_due=done.isoformat())
        else:
            done = record_report(db, fresh, now=at, by=CONSOLE_BY + user.username, chat_key=CONSOLE_CHAT, cal=cal)
            if done is not None:
                audit.record(db, "deadline.report", f"deadline:{deadline_id}", division=fresh["division_id"],
                             label=fresh["label"], due=fresh["due_date"], late_working_days=done)
    if done is None:
        flash(f"{division}ส่ง{deadline['label']}ไว้แล้ว ไม่ต้องบันทึกซ้ำ", "info")
    elif deadline["kind"] == KIND_ACTIVITY:
        flash(f"บันทึกแล้วว่า{division}จัดกิจกรรมแล้ว กำหนดส่งรายงานผล {thai_date(done, full_month=False)}", "ok")
    else:
        timing = "ตรงตามกำหนด" if not done else f"ช้ากว่ากำหนด {done} วันทำการ"
        flash(f"บันทึกแล้วว่า{division}ส่ง{deadline['label']} ({timing}) ระบบหยุดแจ้งเตือนเรื่องนี้", "ok")
    return redirect(back)


def _export_columns(db) -> list[Column]:
    return [
        Column("ปีงบประมาณ", lambda r: r["fiscal_year"], width=10),
        Column("มาตรการที่", lambda r: r["measure_number"], width=9),
        Column("มาตรการ", lambda r: r["measure_title"] or r["measure_id"], width=40),
        Column("กอง", lambda r: division_name(r["division_id"]), width=26),
        Column("รายการ", lambda r: r["label"], width=40),
        Column("ครบกำหนด", lambda r: date.fromisoformat(r["due_date"]), width=14),
        Column("สถานะ", lambda r: STATUS_LABELS[r["status"]], width=22),
        Column("แจ้งเตือนแล้ว (ครั้ง)", lambda r: r["reminders_sent"], width=12),
        Column("ส่งเมื่อ", lambda r: thai_datetime(datetime.fromtimestamp(r["done_at"], BANGKOK)) if r["done_at"] else "", width=22),
        Column("ช้า (วันทำการ)", lambda r: r["late_working_days"] if r["done_at"] else "", width=10),
        Column("ผู้บันทึก", lambda r: reporter(db, r) if r["done_at"] else "", width=28),
    ]


@admin_bp.get("/reminders/export.<fmt>")
@require_role(ADMIN, STAFF)
def reminders_export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    db = _db()
    f = _filters(request.args, current_user())
    plan_year(db, f["fy"], f["today"])
    rows = _rows(db, f)
    with transaction(db):
        audit.record(db, "reminders.export", None, format=fmt, rows=len(rows), fiscal_year=f["fy"], division=f["division"])
    return export_response(fmt, f"deadlines-{f['fy']}", f"กำหนดส่งรายงาน {f['fy']}", _export_columns(db), rows)


# --- dashboard ------------------------------------------------------------------------------------


def _scope_list(user) -> list[str] | None:
    scope = division_scope(user)
    return None if scope is None else sorted(scope)


@dashboard.card("deadlines-missing", order=60, roles=(ADMIN, STAFF))
def missing_card(ctx: dashboard.DashboardContext):
    if not ctx.db.execute("SELECT 1 FROM deadlines LIMIT 1").fetchone():
        return None  # the plan has not been planned yet: nothing to say
    missing = store.count_missing(ctx.db, ctx.today, _scope_list(ctx.user))
    return dashboard.Stat(
        "รายงานที่เลยกำหนด ยังไม่ส่ง", missing, detail="ตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส",
        endpoint="admin.reminders", warn=missing > 0,
    )


@dashboard.card("deadlines-next", order=9_000, roles=(ADMIN, STAFF))
def next_deadlines_card(ctx: dashboard.DashboardContext):
    rows = store.upcoming(ctx.db, ctx.today, limit=6, division_ids=_scope_list(ctx.user))
    if not rows:
        return None
    items = Markup("").join(
        Markup('<li><strong>{}</strong> · {} — {} <span class="muted">(มาตรการที่ {})</span></li>').format(
            thai_date(date.fromisoformat(r["due_date"]), full_month=False), division_name(r["division_id"]), r["label"],
            r["measure_number"] or "–",
        )
        for r in rows
    )
    body = Markup('<ul class="deadline-list">{}</ul><p><a href="{}">ดูกำหนดส่งทั้งปี</a></p>').format(items, url_for("admin.reminders"))
    return dashboard.Panel("กำหนดส่งรายงานที่ใกล้ถึง", body)
