"""The audit log page (admins only): filters, pages of 50, and CSV/XLSX export."""
from __future__ import annotations

import math

from flask import abort, current_app, render_template, request

from bot.console import add_nav_item, admin_bp
from bot.console.audit import ACTION_LABELS, action_label, record
from bot.console.auth import ADMIN, require_role
from bot.console.exports import FORMATS, Column, export_response
from bot.console.periods import PRESETS, Period
from bot.common.thaidate import thai_datetime
from db import audit_log, transaction

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000

add_nav_item("admin.audit", "บันทึกการใช้งาน", roles=(ADMIN,), order=90)


def _db():
    return current_app.extensions["db_pool"].get()


def _filters() -> tuple[audit_log.AuditFilter, Period]:
    period = Period.from_args(request.args, default="30d")
    action = request.args.get("action") or None
    return (
        audit_log.AuditFilter(
            actor=(request.args.get("actor") or "").strip() or None,
            action=action,
            target=(request.args.get("target") or "").strip() or None,
            start=period.start,
            end=period.end,
        ),
        period,
    )


def details_text(details: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in details.items() if v not in (None, ""))


@admin_bp.get("/audit")
@require_role(ADMIN)
def audit():
    db = _db()
    f, period = _filters()
    total = audit_log.count(db, f)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    try:
        page = min(max(1, int(request.args.get("page") or 1)), pages)
    except ValueError:
        page = 1
    entries = audit_log.search(db, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    known = sorted(set(audit_log.actions(db)) | set(ACTION_LABELS))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html",
        entries=entries,
        total=total,
        page=page,
        pages=pages,
        filter=f,
        period=period,
        presets=PRESETS,
        actors=audit_log.actors(db),
        actions=[(a, action_label(a)) for a in known],
        action_label=action_label,
        details_text=details_text,
        args=args,
    )


EXPORT_COLUMNS = [
    Column("ลำดับ", lambda e: e.id, width=8),
    Column("วันและเวลา", lambda e: thai_datetime(e.at, seconds=True), width=24),
    Column("ผู้ใช้", lambda e: e.actor, width=18),
    Column("การกระทำ", lambda e: action_label(e.action), width=32),
    Column("รหัสการกระทำ", lambda e: e.action, width=20),
    Column("รายการที่เกี่ยวข้อง", lambda e: e.target or "", width=16),
    Column("รายละเอียด", lambda e: details_text(e.details), width=60),
    Column("หมายเลขไอพี", lambda e: e.ip or "", width=16),
]


@admin_bp.get("/audit/export.<fmt>")
@require_role(ADMIN)
def audit_export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    db = _db()
    f, period = _filters()
    entries = audit_log.search(db, f, limit=EXPORT_LIMIT)
    with transaction(db):
        record(db, "audit.export", None, format=fmt, rows=len(entries), period=period.label,
               actor_filter=f.actor, action_filter=f.action)
    return export_response(fmt, f"audit-log_{period.slug}", "บันทึกการใช้งาน", EXPORT_COLUMNS, entries)
