"""Service requests (คำร้องออนไลน์) in the console: the list with filters, one request with
the citizen's answers, document photos, appointment and history, and its status changes —
the citizen is told on LINE.

Every change goes through bot/eservice/requests.py `change_status`, the function LINE and
`python -m bot requests set-status` use, in one transaction with its audit entry; the pushes
it queued are delivered after the commit. Staff see and act on their own division's requests
only. Walk-ins recorded at the counter (bot/console/pages/counter.py) are listed too, with
no personal data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from bot.common.thaidate import now as bangkok_now
from bot.console import add_nav_item, admin_bp, divisions
from bot.console import feedback_shared as shared
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, STAFF, current_user, division_scope, division_sql, require_division, require_role
from bot.console.pages import dashboard
from bot.eservice import requests as service_requests
from bot.eservice import texts as t
from bot.eservice.request_card import answer_rows
from bot.handbook.store import content_of
from db import service_requests as store
from db import transaction
from db.service_requests import ServiceRequest

add_nav_item("admin.requests_list", "คำร้องออนไลน์", roles=(ADMIN, STAFF), order=21)
register_action("request.status", "เปลี่ยนสถานะคำร้อง")

# What a button does, by the status it leads to ("scheduled" comes with booking an appointment).
ACTIONS = {
    "accepted": "รับคำร้อง",
    "in_progress": "กำลังดำเนินการ",
    "done": "ดำเนินการเสร็จแล้ว",
    "rejected": "ไม่รับคำร้อง (แจ้งเหตุผล)",
}
STATUS_FILTERS = {"open": "ยังไม่เสร็จ", "closed": "เสร็จแล้ว/ไม่รับ", **t.STATUS}
# Photos are served with their own type only when it is an image a browser shows safely.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
APPOINTMENT_STATUS = {"booked": "นัดไว้", "cancelled": "ยกเลิกแล้ว", "moved": "เลื่อนแล้ว", "attended": "มาตามนัด", "missed": "ไม่มาตามนัด"}


def services() -> dict:
    """The services citizens may request online (content/services/), of the console's content."""
    return content_of(current_app).parts.get("services") or {}


def service_title(service_id: str) -> str:
    found = services().get(service_id)
    return found.title if found else shared.service_titles().get(service_id, service_id)


def status_label(status: str) -> str:
    return t.STATUS.get(status, status)


@dataclass(frozen=True)
class RequestQuery:
    status: str | None = None  # a status, "open" or "closed"
    service_id: str | None = None
    channel: str | None = None
    division_id: str | None = None
    overdue: bool = False  # open and past its due day
    number: str = ""
    scope: tuple[str, list] = ("1 = 1", [])

    def where(self, today: str) -> tuple[str, list]:
        where, params = [f"({self.scope[0]})"], list(self.scope[1])
        if self.status == "open" or self.overdue:
            where.append(f"status IN ({', '.join('?' * len(store.OPEN_STATUSES))})")
            params += store.OPEN_STATUSES
        if self.status == "closed":
            where.append(f"status IN ({', '.join('?' * len(store.CLOSED_STATUSES))})")
            params += store.CLOSED_STATUSES
        elif self.status in store.STATUSES:
            where.append("status = ?")
            params.append(self.status)
        for column, value in (("service_id", self.service_id), ("channel", self.channel), ("division_id", self.division_id)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if self.overdue:
            where.append("due_on < ?")
            params.append(today)
        if self.number:
            where.append("number LIKE ?")
            params.append(f"%{self.number.upper()}%")
        return " AND ".join(where), params


def _query() -> RequestQuery:
    user = current_user()
    args = request.args
    division = args.get("division") or None
    if division_scope(user) is not None:
        division = None  # staff: their own division, whatever the address says
    return RequestQuery(
        status=args.get("status") if args.get("status") in STATUS_FILTERS else None,
        service_id=args.get("service") or None,
        channel=args.get("channel") if args.get("channel") in t.CHANNEL else None,
        division_id=division,
        overdue=args.get("overdue") == "1",
        number=shared.one_line(args.get("q"), 40).replace("%", "").replace("_", ""),
        scope=division_sql(user),
    )


def _today() -> str:
    return bangkok_now().date().isoformat()


def _visible_or_404(request_id: int) -> ServiceRequest:
    found = store.get(shared.db(), request_id)
    if found is None:
        abort(404)
    require_division(found.division_id)
    return found


@admin_bp.get("/requests")
@require_role(ADMIN, STAFF)
def requests_list():
    db = shared.db()
    query = _query()
    where, params = query.where(_today())
    total = db.execute(f"SELECT count(*) FROM service_requests WHERE {where}", params).fetchone()[0]
    page, pages = shared.page_of(total)
    rows = store.select(db, where, (*params, shared.PAGE_SIZE, (page - 1) * shared.PAGE_SIZE),
                        "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?")
    scope_sql, scope_params = division_sql(current_user())
    counts = dict(db.execute(f"SELECT status, count(*) FROM service_requests WHERE {scope_sql} GROUP BY status", scope_params).fetchall())
    known = {sid: s.title for sid, s in sorted(services().items(), key=lambda kv: kv[1].title)}
    return render_template(
        "admin/requests.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        query=query,
        status_filters=STATUS_FILTERS,
        channels=t.CHANNEL,
        services=known,
        divisions=divisions(),
        all_divisions=division_scope(current_user()) is None,
        open_count=sum(counts.get(s, 0) for s in store.OPEN_STATUSES),
        today=_today(),
        as_date=date.fromisoformat,
        service_title=service_title,
        status_label=status_label,
        args=shared.kept_args(),
    )


def _documents(found: ServiceRequest) -> list[tuple[store.Document, str]]:
    service = services().get(found.service_id)
    titles = {d.id: d.title for d in service.documents} if service else {}
    return [(d, titles.get(d.document_id, d.document_id)) for d in store.documents(shared.db(), found.id)]


def _appointments(found: ServiceRequest) -> list[tuple]:
    return shared.db().execute(
        "SELECT day, slot, status FROM appointments WHERE request_id = ? ORDER BY id DESC", (found.id,)
    ).fetchall()


@admin_bp.get("/requests/<int:request_id>")
@require_role(ADMIN, STAFF)
def request_detail(request_id: int):
    found = _visible_or_404(request_id)
    allowed = [s for s in ACTIONS if s in service_requests.TRANSITIONS.get(found.status, set())]
    if found.channel == "counter":
        allowed = []  # recorded when the service was given: nothing to follow
    return render_template(
        "admin/request.html",
        item=found,
        service=service_title(found.service_id),
        answers=answer_rows(services().get(found.service_id), found),
        locations=[v for v in found.values.values() if isinstance(v, dict) and "latitude" in v],
        documents=_documents(found),
        appointments=_appointments(found),
        appointment_status=APPOINTMENT_STATUS,
        events=store.events(shared.db(), found.id),
        actions=[(s, ACTIONS[s] if not (s == "in_progress" and not found.is_open) else "นำกลับมาดำเนินการอีกครั้ง") for s in allowed],
        status_label=status_label,
        channel_label=t.CHANNEL.get(found.channel, found.channel),
        overdue=bool(found.is_open and found.due_on and found.due_on < _today()),
        can_tell_citizen=bool(found.line_user_id and found.chat_key),
        as_date=date.fromisoformat,
    )


@admin_bp.get("/requests/<int:request_id>/documents/<int:photo_id>")
@require_role(ADMIN, STAFF)
def request_document(request_id: int, photo_id: int):
    """A document photo from the database, to people who may see its request; never cached."""
    found = _visible_or_404(request_id)
    db = shared.db()
    if photo_id not in {d.id for d in store.documents(db, found.id)}:
        abort(404)
    document_id = photo_id
    content = store.document_content(db, document_id)
    if content is None:
        abort(404)
    body, content_type = content
    response = Response(body)
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in IMAGE_TYPES:
        response.headers["Content-Type"] = kind
        response.headers["Content-Disposition"] = f'inline; filename="{found.number}-{document_id}"'
    else:
        # Whatever LINE said it was, it is not shown in the console's origin as a page.
        response.headers["Content-Type"] = "application/octet-stream"
        response.headers["Content-Disposition"] = f'attachment; filename="{found.number}-{document_id}.bin"'
    response.headers["Cache-Control"] = "no-store, private"
    return response


@admin_bp.post("/requests/<int:request_id>/status")
@require_role(ADMIN, STAFF)
def request_change_status(request_id: int):
    found = _visible_or_404(request_id)
    back = redirect(url_for("admin.request_detail", request_id=found.id))
    form = request.form
    to_status = form.get("to_status", "")
    if to_status not in ACTIONS:
        flash("กรุณาเลือกสถานะใหม่", "error")
        return back
    if form.get("from_status") and form["from_status"] != found.status:
        flash(f"สถานะของคำร้องนี้เพิ่งเปลี่ยนเป็น \"{status_label(found.status)}\" โดยผู้อื่น กรุณาตรวจสอบอีกครั้ง", "error")
        return back
    user = current_user()
    db = shared.db()
    try:
        with transaction(db):
            change = service_requests.change_status(
                db, shared.office(), found.id, to_status, actor=user.name, note=form.get("note"), reason=form.get("reason"),
            )
            record(db, "request.status", f"request:{found.id}", number=found.number, old=found.status, new=to_status)
    except service_requests.RequestError as exc:
        flash(str(exc), "error")
        return back
    flash(f"เปลี่ยนสถานะเป็น \"{status_label(to_status)}\" แล้ว", "ok")
    if change.outbox_ids:
        shared.flash_delivery(shared.deliver(change.outbox_ids))
    elif found.channel == "online" and not (found.line_user_id and found.chat_key):
        flash("ไม่ได้แจ้งประชาชน เพราะข้อมูลผู้ยื่นคำร้องถูกลบแล้ว", "info")
    return back


# --- dashboard ------------------------------------------------------------------------------------


@dashboard.card("requests-open", order=52, roles=(ADMIN, STAFF))
def open_requests_card(ctx: dashboard.DashboardContext):
    scope, params = division_sql(ctx.user)
    marks = ", ".join("?" * len(store.OPEN_STATUSES))
    waiting, open_now, late = ctx.db.execute(
        # count(CASE …), not sum(a comparison): PostgreSQL has no sum of booleans.
        f"""SELECT count(CASE WHEN status = 'received' THEN 1 END), count(*), count(CASE WHEN due_on < ? THEN 1 END)
            FROM service_requests WHERE status IN ({marks}) AND {scope}""",
        (ctx.today.isoformat(), *store.OPEN_STATUSES, *params),
    ).fetchone()
    today = ctx.db.execute(
        f"SELECT count(*) FROM service_requests WHERE channel = 'online' AND created_at >= ? AND created_at < ? AND {scope}",
        (ctx.today_start, ctx.today_end, *params),
    ).fetchone()[0]
    if not open_now and not today:
        return None  # no requests yet: no empty card
    return dashboard.Stat(
        "คำร้องออนไลน์ที่ยังไม่เสร็จ",
        open_now,
        detail=f"รอรับคำร้อง {waiting:,} · เกินกำหนด {late:,} · ใหม่วันนี้ {today:,}",
        endpoint="admin.requests_list",
        warn=waiting > 0 or late > 0,
    )
