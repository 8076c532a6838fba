"""The auditors' own pages (finding F2): requests about auditor accounts to confirm or reject,
and their view of the audit log — what concerns auditor accounts and corruption reports,
the part of the log admins could otherwise keep from them."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from bot.common.thaidate import thai_datetime
from bot.console import add_nav_item, admin_bp, auditor_log, auditor_requests, division_name
from bot.console import feedback_shared as shared
from bot.console.accounts import AccountError
from bot.console.audit import current_actor
from bot.console.auth import AUDITOR, current_user, require_role
from bot.console.periods import PRESETS, Period
from bot.console.pages import dashboard
from bot.console.pages.audit_log import details_text
from bot.feedback.corruption import AUDIT_DIVISION
from db import admin_users, audit_log, outbox, staff, transaction
from db import auditor_requests as store

add_nav_item("admin.auditors", "บัญชีผู้ตรวจสอบ", roles=(AUDITOR,), order=46)
add_nav_item("admin.auditors_log", "บันทึกของหน่วยตรวจสอบ", roles=(AUDITOR,), order=47)

DECISIONS = {"confirmed": "ยืนยันแล้ว", "rejected": "ปฏิเสธแล้ว"}
UNIT_CODE_DAYS = 7


def deliver_notices() -> None:
    """First delivery of the LINE messages to the audit unit a change queued (the sweeper retries)."""
    shared.deliver(outbox.due_ids_for(shared.db(), (auditor_log.PURPOSE,)))


@admin_bp.get("/auditors")
@require_role(AUDITOR)
def auditors():
    db = shared.db()
    return render_template(
        "admin/auditors.html",
        pending=store.pending(db),
        decided=store.decided(db),
        auditors=[u for u in admin_users.list_all(db) if u.role == AUDITOR],
        kinds=auditor_log.REQUEST_KINDS,
        decisions=DECISIONS,
        me=current_user(),
        unit_chats=staff.for_division(db, AUDIT_DIVISION),
    )


@admin_bp.post("/auditors/requests/<int:request_id>/confirm")
@require_role(AUDITOR)
def auditor_request_confirm(request_id: int):
    try:
        done = auditor_requests.confirm(shared.db(), current_actor(), request_id)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.auditors"))
    deliver_notices()
    if done.temporary_password is None:
        flash(f"ยืนยันแล้ว บัญชี {done.user.username} กลับมาใช้งานได้", "ok")
        return redirect(url_for("admin.auditors"))
    # Shown once, to the confirming auditor only: never stored, logged or shown to the admin.
    return render_template("admin/auditor_password.html", user=done.user, password=done.temporary_password, kind=done.request.kind)


@admin_bp.post("/auditors/requests/<int:request_id>/reject")
@require_role(AUDITOR)
def auditor_request_reject(request_id: int):
    try:
        rejected = auditor_requests.reject(shared.db(), current_actor(), request_id, request.form.get("reason", ""))
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        deliver_notices()
        flash(f"ปฏิเสธคำขอเกี่ยวกับบัญชี {rejected.username} แล้ว", "ok")
    return redirect(url_for("admin.auditors"))


@admin_bp.post("/auditors/unit-code")
@require_role(AUDITOR)
def auditor_unit_code():
    """A one-time code that registers a LINE chat to the audit unit: the chats that hear of
    corruption reports. Only an auditor issues it (an admin's staff page refuses this unit)."""
    role = request.form.get("role") if request.form.get("role") in ("staff", "head") else "staff"
    db = shared.db()
    with transaction(db):
        code = staff.new_code(db, AUDIT_DIVISION, role, valid_days=UNIT_CODE_DAYS, created_by=current_user().username)
        # The LINE message names the code's expiry, never the code.
        expires = thai_datetime(code.expires_at)
        auditor_log.record(db, current_actor(), "auditor.unit_code", f"division:{AUDIT_DIVISION}", role=role,
                           expires=f"ใช้ได้ถึง {expires}")
    deliver_notices()
    flash(f"ออกรหัสแล้ว: {code.code} สำหรับ{division_name(AUDIT_DIVISION)} ใช้ได้ครั้งเดียว ถึง {expires} "
          f"ให้พิมพ์ “ลงทะเบียน {code.code}” ในแชต LINE ของบอทที่จะรับแจ้งเรื่องร้องเรียนการทุจริต", "ok")
    return redirect(url_for("admin.auditors"))


@admin_bp.get("/auditors/log")
@require_role(AUDITOR)
def auditors_log():
    db = shared.db()
    period = Period.from_args(request.args, default="30d")
    f = audit_log.AuditFilter(start=period.start, end=period.end, auditors_view=True)
    total = audit_log.count(db, f)
    page, pages = shared.page_of(total)
    return render_template(
        "admin/auditors_log.html",
        entries=audit_log.search(db, f, limit=shared.PAGE_SIZE, offset=(page - 1) * shared.PAGE_SIZE),
        total=total,
        page=page,
        pages=pages,
        period=period,
        presets=PRESETS,
        details_text=details_text,
        args=shared.kept_args(),
    )


@dashboard.card("auditor-requests", order=69, roles=(AUDITOR,))
def pending_requests_card(ctx: dashboard.DashboardContext):
    waiting = len(store.pending(ctx.db))
    if not waiting:
        return None
    return dashboard.Stat("คำขอเกี่ยวกับบัญชีผู้ตรวจสอบรอการยืนยัน", waiting, endpoint="admin.auditors", warn=True)
