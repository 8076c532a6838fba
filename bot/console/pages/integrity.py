"""Corruption and misconduct reports (เรื่องแจ้งเบาะแสทุจริต, ITA indicator 10): for the
internal audit unit only.

Two locks, both on the server: every view here is for the auditor role
(@require_role(AUDITOR) and require_corruption_reader()), and every read goes through
db/corruption_reports.py with the reader's role, which refuses any other role whatever
the view does. Admins see counts only, on the dashboard. Opening a report is written to
the audit log (who read which report, when), without its content; so are status
changes and exports. LINE's morning digest links to /admin/integrity.
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console import add_nav_item, admin_bp
from bot.console import feedback_shared as shared
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, AUDITOR, current_user, require_corruption_reader, require_role
from bot.console.exports import FORMATS, Column, export_response
from bot.console.pages import dashboard
from bot.feedback import corruption
from bot.feedback import corruption_texts as t
from bot.common.thaidate import thai_date
from db import corruption_reports as reports
from db import transaction

add_nav_item("admin.integrity", "แจ้งเบาะแสทุจริต", roles=(AUDITOR,), order=45)
register_action("integrity.view", "เปิดอ่านเรื่องแจ้งเบาะแสทุจริต")
register_action("integrity.status", "เปลี่ยนสถานะเรื่องแจ้งเบาะแสทุจริต")
register_action("integrity.export", "ส่งออกเรื่องแจ้งเบาะแสทุจริต")

MAX_TEXT = 2000


def _role() -> str:
    require_corruption_reader()
    return current_user().role


def _report_or_404(report_id: int) -> reports.Report:
    try:
        report = reports.read_by_id(shared.db(), report_id, role=_role())
    except reports.NotAuthorized:
        abort(403)
    if report is None:
        abort(404)
    return report


def received_label(report: reports.Report) -> str:
    return thai_date(date.fromisoformat(report.received_on), full_month=False)


@admin_bp.get("/integrity")
@require_role(AUDITOR)
def integrity():
    status = request.args.get("status") or None
    if status not in reports.STATUSES:
        status = None
    try:
        rows = reports.list_reports(shared.db(), role=_role(), status=status)
    except reports.NotAuthorized:
        abort(403)
    return render_template(
        "admin/integrity.html",
        rows=rows,
        status=status,
        statuses=t.CORRUPTION_STATUS,
        counts=reports.count_by_status(shared.db()),
        received_label=received_label,
    )


@admin_bp.get("/integrity/<int:report_id>")
@require_role(AUDITOR)
def integrity_report(report_id: int):
    report = _report_or_404(report_id)
    db = shared.db()
    with transaction(db):
        record(db, "integrity.view", f"corruption:{report.id}")
    return render_template(
        "admin/integrity_report.html",
        report=report,
        history=reports.history(db, report.id, role=_role()),
        statuses=t.CORRUPTION_STATUS,
        received_label=received_label(report),
        max_text=MAX_TEXT,
    )


@admin_bp.post("/integrity/<int:report_id>/status")
@require_role(AUDITOR)
def integrity_change_status(report_id: int):
    report = _report_or_404(report_id)
    status = request.form.get("status", "")
    if status not in reports.STATUSES:
        flash("กรุณาเลือกสถานะ", "error")
        return redirect(url_for("admin.integrity_report", report_id=report.id))
    note = shared.one_line(request.form.get("note"), MAX_TEXT) or None
    message = shared.one_line(request.form.get("message"), MAX_TEXT) or None
    user = current_user()
    db = shared.db()
    try:
        with transaction(db):
            _, queued = corruption.update_report(
                db, shared.office(), report.code, role=_role(), actor=user.name, status=status, note=note, message_to_reporter=message
            )
            # What the audit log keeps: who and which status, never what the report or note says.
            record(db, "integrity.status", f"corruption:{report.id}", old=report.status, new=status, told_reporter=bool(queued))
    except reports.NotAuthorized:
        abort(403)
    flash(f"เปลี่ยนสถานะเป็น \"{t.CORRUPTION_STATUS[status]}\" แล้ว", "ok")
    if queued:
        shared.flash_delivery(shared.deliver(queued), "ผู้แจ้ง")
    elif message:
        flash("ผู้แจ้งจะเห็นข้อความนี้เมื่อติดตามเรื่องด้วยรหัสเรื่องและรหัสลับ", "info")
    return redirect(url_for("admin.integrity_report", report_id=report.id))


EXPORT_COLUMNS = [
    Column("รหัสเรื่อง", lambda r: r.code, width=14),
    Column("วันที่รับแจ้ง", received_label, width=16),
    Column("ผู้แจ้ง", lambda r: "ไม่เปิดเผยตัวตน" if r.anonymous else "ยินยอมให้ติดต่อกลับทาง LINE", width=26),
    Column("สถานะ", lambda r: t.CORRUPTION_STATUS.get(r.status, r.status), width=30),
    Column("รายละเอียด", lambda r: r.details, width=80),
    Column("ข้อความถึงผู้แจ้ง", lambda r: r.message_to_reporter or "", width=40),
]


@admin_bp.get("/integrity/export.<fmt>")
@require_role(AUDITOR)
def integrity_export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    db = shared.db()
    status = request.args.get("status") or None
    try:
        rows = reports.list_reports(db, role=_role(), status=status if status in reports.STATUSES else None)
    except reports.NotAuthorized:
        abort(403)
    with transaction(db):
        record(db, "integrity.export", None, format=fmt, rows=len(rows), status=status)
    return export_response(fmt, "integrity-reports", "เรื่องแจ้งเบาะแสทุจริต", EXPORT_COLUMNS, rows)


# --- dashboard: counts only (no content), for the audit unit and the admins ------------------------


@dashboard.card("integrity", order=70, roles=(AUDITOR, ADMIN))
def integrity_card(ctx: dashboard.DashboardContext):
    counts = reports.count_by_status(ctx.db)
    if not counts:
        return None
    waiting = counts.get("received", 0)
    reviewing = counts.get("reviewing", 0)
    auditor = ctx.user.role == AUDITOR
    return dashboard.Stat(
        "เรื่องแจ้งเบาะแสทุจริตรอพิจารณา",
        waiting,
        detail=f"อยู่ระหว่างตรวจสอบ {reviewing:,} · ทั้งหมด {sum(counts.values()):,}"
        + ("" if auditor else " · เฉพาะหน่วยตรวจสอบภายในเปิดอ่านได้"),
        endpoint="admin.integrity" if auditor else None,
        warn=waiting > 0,
    )
