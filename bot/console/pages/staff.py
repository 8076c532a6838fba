"""Staff registration (admins only): one-time codes, and the LINE chats that receive a division's work.

The same functions as `python -m bot staff code|list|remove` (db/staff.py). A staff member
types `ลงทะเบียน <รหัส>` in a 1:1 chat with the bot or in the division's LINE group; from then
on that chat gets the division's reminders (and, later, tickets and questions).
"""
from __future__ import annotations

import time
from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, url_for

from bot.console import add_nav_item, admin_bp, audit, auditor_log, division_name, divisions
from bot.console.audit import current_actor
from bot.console.auth import ADMIN, current_user, require_role
from bot.feedback.corruption import AUDIT_DIVISION
from bot.common.thaidate import BANGKOK, thai_datetime
from bot.staff.people import chat_label, name_of
from db import staff, transaction
from bot.reminders.texts import ROLE_NAME

add_nav_item("admin.staff_registration", "ลงทะเบียนเจ้าหน้าที่", roles=(ADMIN,), order=70)
audit.register_action("staff.code", "ออกรหัสลงทะเบียนเจ้าหน้าที่")
audit.register_action("staff.code_revoke", "ยกเลิกรหัสลงทะเบียน")
audit.register_action("staff.unregister", "ยกเลิกการลงทะเบียนของแชต")

ALL_LABEL = "ผู้ดูแลระบบ (ทุกส่วนราชการ)"
MAX_DAYS = 30


def _db():
    return current_app.extensions["db_pool"].get()


def target_name(division_id: str) -> str:
    return ALL_LABEL if division_id == staff.ALL_DIVISIONS else division_name(division_id)


def masked(line_id: str | None) -> str:
    """Enough of a LINE id to tell chats apart, not the whole id: only in the page's tooltip
    for admins; people read names (chat_label)."""
    if not line_id:
        return "—"
    return f"{line_id[:3]}…{line_id[-4:]}" if len(line_id) > 8 else line_id


def _when(ts: float | None) -> str:
    return thai_datetime(datetime.fromtimestamp(ts, BANGKOK)) if ts else ""


@admin_bp.get("/staff")
@require_role(ADMIN)
def staff_registration():
    db = _db()
    now = time.time()
    codes = [c for c in staff.codes(db) if c.expires_at > now - 7 * 86400]  # unused; expired ones for a week
    return render_template(
        "admin/staff.html",
        codes=codes, recipients=staff.all_active(db), now=now, divisions=divisions(), roles=ROLE_NAME,
        target_name=target_name, masked=masked, when=_when, form=request.args, errors={}, max_days=MAX_DAYS,
        label=lambda r: chat_label(db, r.chat_key), name_of=lambda user_id: name_of(db, user_id),
    )


@admin_bp.post("/staff/codes")
@require_role(ADMIN)
def staff_code():
    db = _db()
    role = request.form.get("role") or ""
    division = request.form.get("division") or ""
    errors: dict[str, str] = {}
    if role not in staff.ROLES:
        errors["role"] = "กรุณาเลือกบทบาท"
    if role == "admin":
        division = staff.ALL_DIVISIONS
    elif division not in {d.id for d in divisions()}:
        errors["division"] = "กรุณาเลือกกอง"
    elif division == AUDIT_DIVISION:
        # Its chats hear of corruption reports: only an auditor lets a chat in (separation of duties).
        errors["division"] = "รหัสลงทะเบียนของหน่วยตรวจสอบภายในออกได้โดยผู้ตรวจสอบเท่านั้น ที่เมนู “บัญชีผู้ตรวจสอบ”"
    try:
        days = float(request.form.get("days") or 7)
        if not 0 < days <= MAX_DAYS:
            raise ValueError
    except ValueError:
        errors["days"] = f"อายุของรหัสต้องอยู่ระหว่าง 1 ถึง {MAX_DAYS} วัน"
        days = 7
    if errors:
        now = time.time()
        return render_template(
            "admin/staff.html",
            codes=staff.codes(db), recipients=staff.all_active(db), now=now, divisions=divisions(), roles=ROLE_NAME,
            target_name=target_name, masked=masked, when=_when, form=request.form, errors=errors, max_days=MAX_DAYS,
            label=lambda r: chat_label(db, r.chat_key), name_of=lambda user_id: name_of(db, user_id),
        ), 400
    with transaction(db):
        code = staff.new_code(db, division, role, valid_days=days, created_by=current_user().username)
        audit.record(db, "staff.code", f"division:{division}", role=role, valid_days=days, expires=_when(code.expires_at))
    flash(f"ออกรหัสแล้ว: {code.code} สำหรับ{target_name(division)} ({ROLE_NAME[role]}) ใช้ได้ครั้งเดียว ถึง {_when(code.expires_at)} "
          f"ให้พิมพ์ “ลงทะเบียน {code.code}” ในแชต LINE ของบอท หรือในกลุ่ม LINE ของกองที่มีบอทอยู่", "ok")
    return redirect(url_for("admin.staff_registration", new=code.code))


@admin_bp.post("/staff/codes/<code>/revoke")
@require_role(ADMIN)
def staff_code_revoke(code: str):
    db = _db()
    found = staff.find_code(db, code)
    with transaction(db):
        done = found is not None and staff.revoke_code(db, code)
        if done:
            audit.record(db, "staff.code_revoke", f"division:{found.division_id}", role=found.role)
    flash("ยกเลิกรหัสแล้ว ใช้ลงทะเบียนไม่ได้อีก" if done else "รหัสนี้ถูกใช้ไปแล้วหรือหมดอายุแล้ว", "ok" if done else "info")
    return redirect(url_for("admin.staff_registration"))


@admin_bp.post("/staff/<int:recipient_id>/remove")
@require_role(ADMIN)
def staff_remove(recipient_id: int):
    db = _db()
    found = staff.recipient(db, recipient_id)
    with transaction(db):
        if found is not None and any(r.id == found.id for r in staff.for_division(db, AUDIT_DIVISION)):
            # The audit unit hears of it, the chat being removed included (told before it goes).
            auditor_log.record(db, current_actor(), "auditor.unit_chat_removed", f"division:{found.division_id}",
                               role=found.role, kind=found.kind, chat=chat_label(db, found.chat_key))
        done = found is not None and staff.unregister(db, recipient_id) == 1
        if done and found.division_id != AUDIT_DIVISION:
            audit.record(db, "staff.unregister", f"division:{found.division_id}", role=found.role, kind=found.kind,
                         chat=chat_label(db, found.chat_key))
    if done and found.division_id == AUDIT_DIVISION:
        from bot.console.pages.auditor import deliver_notices

        deliver_notices()
    flash("ยกเลิกการลงทะเบียนแล้ว แชตนี้จะไม่ได้รับแจ้งเตือนของกองอีก" if done else "ไม่พบการลงทะเบียนนี้ (อาจยกเลิกไปแล้ว)",
          "ok" if done else "info")
    return redirect(url_for("admin.staff_registration"))
