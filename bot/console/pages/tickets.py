"""Tickets (เรื่องร้องเรียน/เสนอแนะ) in the console: the list with filters and Thai search,
one ticket with its photos, location and history, and what staff do with it — change its
status (the citizen is told on LINE), hand it to another division, keep internal notes —
and CSV/XLSX exports.

Every change goes through bot/feedback/ticket_status.py, the functions `python -m bot
ticket …` uses, inside one transaction with its audit entry; the pushes it queued are
delivered after the commit. Staff see and act on their own division's tickets only.
"""
from __future__ import annotations

import logging

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from bot.console import add_nav_item, admin_bp, divisions
from bot.console import feedback_shared as shared
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, STAFF, current_user, division_scope, division_sql, require_division, require_role
from bot.console.exports import FORMATS, Column, export_response
from bot.console.periods import PRESETS, Period
from bot.console.pages import dashboard
from bot.feedback import ticket_texts as t
from bot.feedback import ticket_status
from bot.common.thaidate import now as bangkok_now, thai_datetime
from bot.feedback import ticket_deadlines
from bot.handbook.store import content_of
from db import ticket_closures, ticket_notes, ticket_photos, ticket_search, tickets, transaction
from db.tickets import Ticket

log = logging.getLogger(__name__)

add_nav_item("admin.tickets_list", "เรื่องร้องเรียน", roles=(ADMIN, STAFF), order=20)
register_action("ticket.status", "เปลี่ยนสถานะเรื่องร้องเรียน")
register_action("ticket.assign", "มอบหมายเรื่องร้องเรียนให้กองอื่น")
register_action("ticket.ask", "ขอข้อมูลเพิ่มจากผู้แจ้ง")
register_action("ticket.note", "เพิ่มบันทึกภายในของเรื่องร้องเรียน")
register_action("ticket.export", "ส่งออกเรื่องร้องเรียน")

# What a button does, by the status it leads to (the allowed ones: ticket_status.TRANSITIONS).
ACTIONS = {
    "accepted": "รับเรื่อง",
    "in_progress": "เริ่มดำเนินการ",
    "resolved": "แก้ไขเรียบร้อยแล้ว",
    "forwarded": "ส่งต่อหน่วยงานอื่น",
    "rejected": "ไม่ดำเนินการ (แจ้งเหตุผล)",
}
STATUS_FILTERS = {"open": "ยังไม่ปิด", "closed": "ปิดแล้ว", **t.TICKET_STATUS}
# Photos are served with their own type only when it is an image a browser shows safely.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def category_label(ticket: Ticket) -> str:
    label = t.TICKET_CATEGORIES.get(ticket.category, (ticket.category, ticket.category))[1]
    if ticket.topic and ticket.topic in t.VILLAGE_TOPICS:
        label += f" — {t.VILLAGE_TOPICS[ticket.topic][1]}"
    return label


def status_label(status: str) -> str:
    return t.TICKET_STATUS.get(status, status)


# What the citizen said of a closure (ticket_closures.outcome).
CLOSURE_OUTCOMES = {
    "pending": "รอผู้แจ้งยืนยัน",
    "confirmed": "ผู้แจ้งยืนยันแล้ว",
    "reopened": "ผู้แจ้งแจ้งว่ายังไม่เรียบร้อย (เปิดใหม่)",
    "timed_out": "ปิดอัตโนมัติ (ไม่ตอบใน 7 วัน)",
}


def _late(db, tickets_: list[Ticket] | None = None, scope=("1 = 1", []), today=None) -> dict[int, list[ticket_deadlines.Late]]:
    """Ticket id → its missed deadlines today (of these tickets, or of every open one in scope)."""
    content = content_of(current_app)
    found: dict[int, list[ticket_deadlines.Late]] = {}
    for item in ticket_deadlines.late(db, content.part("ticket_deadlines"), content.part("calendar"),
                                      today or bangkok_now().date(), tickets_, scope):
        found.setdefault(item.ticket.id, []).append(item)
    return found


def _dues(rows: list[Ticket]) -> dict[int, ticket_deadlines.Due]:
    content = content_of(current_app)
    return {r.id: ticket_deadlines.due_of(r, content.part("ticket_deadlines"), content.part("calendar")) for r in rows}


def _visible_ticket_or_404(ticket_id: int) -> Ticket:
    ticket = tickets.get(shared.db(), ticket_id)
    if ticket is None:
        abort(404)
    require_division(ticket.division_id)
    return ticket


def _query() -> tuple[ticket_search.TicketQuery, Period]:
    user = current_user()
    period = Period.from_args(request.args, default="all")
    status = request.args.get("status") or None
    category = request.args.get("category") or None
    division = request.args.get("division") or None
    if division_scope(user) is not None:
        division = None  # staff: their own division, whatever the address says
    return (
        ticket_search.TicketQuery(
            status=status if status in STATUS_FILTERS else None,
            category=category if category in t.TICKET_CATEGORIES else None,
            division_id=division,
            start=period.start,
            end=period.end,
            text=shared.one_line(request.args.get("q"), 100),
            scope=division_sql(user),
            ids=tuple(_late(shared.db(), scope=division_sql(user))) if request.args.get("overdue") == "1" else None,
        ),
        period,
    )


@admin_bp.get("/tickets")
@require_role(ADMIN, STAFF)
def tickets_list():
    db = shared.db()
    query, period = _query()
    total = ticket_search.count(db, query)
    page, pages = shared.page_of(total)
    rows = ticket_search.find(db, query, limit=shared.PAGE_SIZE, offset=(page - 1) * shared.PAGE_SIZE)
    return render_template(
        "admin/tickets.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        query=query,
        period=period,
        presets=PRESETS,
        status_filters=STATUS_FILTERS,
        categories={k: v[1] for k, v in t.TICKET_CATEGORIES.items()},
        divisions=divisions(),
        all_divisions=division_scope(current_user()) is None,
        photo_counts=ticket_photos.photo_counts(db, [r.id for r in rows]),
        counts=ticket_search.count_by_status(db, division_sql(current_user())),
        dues=_dues(rows),
        late=_late(db, rows),
        overdue_only=query.ids is not None,
        category_label=category_label,
        status_label=status_label,
        args=shared.kept_args(),
    )


@admin_bp.get("/tickets/<int:ticket_id>")
@require_role(ADMIN, STAFF)
def ticket_detail(ticket_id: int):
    ticket = _visible_ticket_or_404(ticket_id)
    db = shared.db()
    allowed = [s for s in ACTIONS if s in ticket_status.TRANSITIONS.get(ticket.status, set())]
    return render_template(
        "admin/ticket.html",
        ticket=ticket,
        events=tickets.events(db, ticket.id),
        due=_dues([ticket])[ticket.id],
        late=_late(db, [ticket]).get(ticket.id, []),
        closures=ticket_closures.of_ticket(db, ticket.id),
        closure_outcomes=CLOSURE_OUTCOMES,
        photos=ticket_photos.photos(db, ticket.id),
        notes=ticket_notes.for_ticket(db, ticket.id),
        actions=[(s, ACTIONS[s] if not (s == "in_progress" and not ticket.is_open) else "นำกลับมาดำเนินการอีกครั้ง") for s in allowed],
        other_divisions=[d for d in divisions() if d.id != ticket.division_id],
        service=shared.service_titles().get(ticket.service_id or "", ticket.service_id),
        category_label=category_label(ticket),
        status_label=status_label,
        can_tell_citizen=bool(ticket.line_user_id and ticket.chat_key),
        reopen_days=ticket_status.REOPEN_DAYS,
    )


@admin_bp.get("/tickets/<int:ticket_id>/photos/<int:photo_id>")
@require_role(ADMIN, STAFF)
def ticket_photo(ticket_id: int, photo_id: int):
    """A photo from the database, to people who may see its ticket; never cached."""
    ticket = _visible_ticket_or_404(ticket_id)
    db = shared.db()
    photo = ticket_photos.photo(db, photo_id)
    if photo is None or photo.ticket_id != ticket.id:
        abort(404)
    content = ticket_photos.photo_content(db, photo.id)
    if content is None:
        abort(404)
    body, content_type = content
    response = Response(body)
    if (content_type or "").split(";")[0].strip().lower() in IMAGE_TYPES:
        response.headers["Content-Type"] = content_type.split(";")[0].strip().lower()
        response.headers["Content-Disposition"] = f'inline; filename="{ticket.number}-{photo.id}"'
    else:
        # Whatever LINE said it was, it is not shown in the console's origin as a page.
        response.headers["Content-Type"] = "application/octet-stream"
        response.headers["Content-Disposition"] = f'attachment; filename="{ticket.number}-{photo.id}.bin"'
    response.headers["Cache-Control"] = "no-store, private"
    return response


def _back(ticket: Ticket):
    return redirect(url_for("admin.ticket_detail", ticket_id=ticket.id))


MAX_UPLOAD_PHOTO = 10 * 1024 * 1024
_IMAGE_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"RIFF": "image/webp"}


def _after_photos() -> list[tuple[bytes, str]]:
    """The after-photos uploaded with a closing (JPEG, PNG or WebP, recognised by their bytes)."""
    photos = []
    for upload in request.files.getlist("after_photo")[: ticket_status.MAX_AFTER_PHOTOS]:
        content = upload.read(MAX_UPLOAD_PHOTO + 1)
        if not content:
            continue
        kind = next((t for magic, t in _IMAGE_MAGIC.items() if content.startswith(magic)), None)
        if kind is None or len(content) > MAX_UPLOAD_PHOTO:
            raise ticket_status.TicketError("รูปหลังแก้ไขต้องเป็นไฟล์ภาพ JPEG, PNG หรือ WebP ไม่เกิน 10 MB", "not an image")
        photos.append((content, kind))
    return photos


@admin_bp.post("/tickets/<int:ticket_id>/status")
@require_role(ADMIN, STAFF)
def ticket_change_status(ticket_id: int):
    ticket = _visible_ticket_or_404(ticket_id)
    form = request.form
    to_status = form.get("to_status", "")
    if to_status not in ACTIONS:
        flash("กรุณาเลือกสถานะใหม่", "error")
        return _back(ticket)
    try:
        uploaded = _after_photos() if to_status == "resolved" else []
    except ticket_status.TicketError as exc:
        flash(str(exc), "error")
        return _back(ticket)
    allowed = to_status in ticket_status.TRANSITIONS.get(ticket.status, set())
    if allowed and to_status == "resolved" and ticket.category in ticket_status.PHOTO_PROOF and not uploaded:
        # The same rule as on LINE: a village problem is closed with its proof (against "แก้ทิพย์").
        flash("ปิดเรื่องปัญหาในหมู่บ้านต้องแนบรูปหลังแก้ไขอย่างน้อย 1 รูป", "error")
        return _back(ticket)
    if form.get("from_status") and form["from_status"] != ticket.status:
        flash(f"สถานะของเรื่องนี้เพิ่งเปลี่ยนเป็น \"{status_label(ticket.status)}\" โดยผู้อื่น กรุณาตรวจสอบอีกครั้ง", "error")
        return _back(ticket)
    user = current_user()
    db = shared.db()
    internal = shared.one_line(form.get("internal_note"), ticket_notes.MAX_NOTE)
    try:
        with transaction(db):
            change = ticket_status.change_status(
                db,
                shared.office(),
                ticket.id,
                to_status,
                actor=user.name,
                note=form.get("note"),
                agency=form.get("agency"),
                contact=form.get("contact"),
                reason=form.get("reason"),
                uploaded_photos=uploaded,
            )
            if internal:
                ticket_notes.add(db, ticket.id, author=user.name, author_id=user.id, note=f"[{status_label(to_status)}] {internal}")
            record(
                db, "ticket.status", f"ticket:{ticket.id}", number=ticket.number, old=ticket.status, new=to_status,
                agency=shared.one_line(form.get("agency"), 200) if to_status == "forwarded" else None,
            )
    except ticket_status.TicketError as exc:
        flash(str(exc), "error")
        return _back(ticket)
    flash(f"เปลี่ยนสถานะเป็น \"{status_label(to_status)}\" แล้ว", "ok")
    if change.outbox_ids:
        shared.flash_delivery(shared.deliver(change.outbox_ids))
    elif not (ticket.line_user_id and ticket.chat_key):
        flash("ไม่ได้แจ้งประชาชน เพราะข้อมูลผู้แจ้งถูกลบแล้ว", "info")
    return _back(ticket)


ticket_change_status.upload_limit = MAX_UPLOAD_PHOTO * ticket_status.MAX_AFTER_PHOTOS + 64 * 1024  # bot/console/auth.py


@admin_bp.post("/tickets/<int:ticket_id>/assign")
@require_role(ADMIN, STAFF)
def ticket_assign(ticket_id: int):
    ticket = _visible_ticket_or_404(ticket_id)
    user = current_user()
    db = shared.db()
    division_id = request.form.get("division_id", "")
    try:
        with transaction(db):
            change = ticket_status.assign_division(
                db, shared.office(), ticket.id, division_id, actor=user.name, reason=request.form.get("reason"),
                tell_citizen=request.form.get("tell_citizen") == "1",
            )
            record(db, "ticket.assign", f"ticket:{ticket.id}", number=ticket.number, old=ticket.division_id, new=division_id)
    except ticket_status.TicketError as exc:
        flash(str(exc), "error")
        return _back(ticket)
    states = shared.deliver(change.outbox_ids)
    flash(f"มอบหมายเรื่อง {ticket.number} ให้{shared.office().division_name(division_id)}แล้ว", "ok")
    shared.flash_delivery(states, "กองที่รับเรื่องและประชาชน" if request.form.get("tell_citizen") == "1" else "กองที่รับเรื่อง")
    if division_scope(user) is not None and division_id not in division_scope(user):
        return redirect(url_for("admin.tickets_list"))  # no longer theirs to see
    return _back(ticket)


@admin_bp.post("/tickets/<int:ticket_id>/notes")
@require_role(ADMIN, STAFF)
def ticket_add_note(ticket_id: int):
    ticket = _visible_ticket_or_404(ticket_id)
    note = (request.form.get("note") or "").strip()
    if not note:
        flash("กรุณาพิมพ์บันทึก", "error")
        return _back(ticket)
    if len(note) > ticket_notes.MAX_NOTE:
        flash(f"บันทึกยาวเกิน {ticket_notes.MAX_NOTE:,} ตัวอักษร", "error")
        return _back(ticket)
    user = current_user()
    db = shared.db()
    with transaction(db):
        ticket_notes.add(db, ticket.id, author=user.name, author_id=user.id, note=note)
        record(db, "ticket.note", f"ticket:{ticket.id}", number=ticket.number, chars=len(note))
    flash("บันทึกภายในแล้ว (ประชาชนไม่เห็นบันทึกนี้)", "ok")
    return _back(ticket)


# --- exports ------------------------------------------------------------------------------------


def _location(ticket: Ticket) -> str:
    return f"{ticket.latitude:.6f}, {ticket.longitude:.6f}" if ticket.has_location else ""


def export_columns(titles: dict[str, str], photos: dict[int, int]) -> list[Column]:
    name = shared.office().division_name
    return [
        Column("เลขที่เรื่อง", lambda r: r.number, width=16),
        Column("วันที่แจ้ง", lambda r: thai_datetime(r.created_at), width=24),
        Column("ประเภท", category_label, width=28),
        Column("บริการที่เกี่ยวข้อง", lambda r: titles.get(r.service_id or "", r.service_id or ""), width=24),
        Column("กองที่รับผิดชอบ", lambda r: name(r.division_id), width=24),
        Column("สถานะ", lambda r: status_label(r.status), width=22),
        Column("รายละเอียด", lambda r: r.description if r.description is not None else "(ลบข้อมูลส่วนบุคคลแล้ว)", width=60),
        Column("พิกัด", _location, width=24),
        Column("สถานที่", lambda r: " ".join(x for x in (r.location_title, r.location_address) if x), width=30),
        Column("จำนวนรูป", lambda r: photos.get(r.id, 0), width=10),
        Column("ส่งต่อหน่วยงาน", lambda r: r.forwarded_to or "", width=28),
        Column("ช่องทางติดต่อหน่วยงาน", lambda r: r.forwarded_contact or "", width=24),
        Column("เหตุผลที่ไม่ดำเนินการ", lambda r: r.reject_reason or "", width=30),
        Column("ผลการดำเนินการ", lambda r: r.resolution or "", width=30),
        Column("วันที่ปิดเรื่อง", lambda r: thai_datetime(r.closed_at) if r.closed_at else "", width=24),
        Column("คะแนนการแก้ไข (1-5)", lambda r: r.handling_rating, width=12),
    ]


@admin_bp.get("/tickets/export.<fmt>")
@require_role(ADMIN, STAFF)
def tickets_export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    db = shared.db()
    query, period = _query()
    rows = ticket_search.find(db, query, limit=shared.EXPORT_LIMIT)
    photos = ticket_photos.photo_counts(db, [r.id for r in rows])
    with transaction(db):
        record(db, "ticket.export", None, format=fmt, rows=len(rows), period=period.label, status=query.status,
               category=query.category, division=query.division_id or current_user().division_id, search=bool(query.text))
    return export_response(fmt, f"tickets_{period.slug}", "เรื่องร้องเรียน", export_columns(shared.service_titles(), photos), rows)


# --- dashboard ------------------------------------------------------------------------------------


@dashboard.card("tickets-open", order=50, roles=(ADMIN, STAFF))
def open_tickets_card(ctx: dashboard.DashboardContext):
    scope = division_sql(ctx.user)
    by_status = ticket_search.count_by_status(ctx.db, scope)
    if not by_status:
        return None  # no tickets yet: no empty card
    waiting = by_status.get("received", 0) + by_status.get("reopened", 0)
    open_now = sum(by_status.get(s, 0) for s in tickets.OPEN_STATUSES)
    today = ticket_search.count_created(ctx.db, ctx.today_start, ctx.today_end, scope)
    month = ticket_search.count_created(ctx.db, ctx.month_start, ctx.month_end, scope)
    late = len(_late(ctx.db, scope=scope, today=ctx.today))
    return dashboard.Stat(
        "เรื่องร้องเรียนที่ยังไม่ปิด",
        open_now,
        detail=f"รอรับเรื่อง {waiting:,} · เกินกำหนด {late:,} · ใหม่วันนี้ {today:,} · เดือนนี้ {month:,}",
        endpoint="admin.tickets_list",
        warn=waiting > 0 or late > 0,
    )
