"""Walk-ins at the counter (บันทึกงานบริการที่เคาน์เตอร์): a clerk records a service given at the
office in a few seconds — the service, the day, and the citizen's satisfaction if they gave
one — so the statistics show online and counter requests side by side.

Built for speed: the last service chosen stays selected, the page opens with the focus on
บันทึก (Enter records one more of the same), and each satisfaction level is its own button
(one click records with that score). No personal data: a counter entry is a done request with
no chat, answers or name; a score is a service_ratings row with source 'counter' and no chat.
A double click records once (the form's one-time key, checked in the audit log).
"""
from __future__ import annotations

import secrets
import time
from datetime import date, timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for

from bot.common.thaidate import day_bounds, fiscal_year, now as bangkok_now, parse_thai_date, short_numeric, thai_date
from bot.console import add_nav_item, admin_bp
from bot.console import feedback_shared as shared
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, STAFF, current_user, require_role
from bot.eservice import requests as service_requests
from bot.handbook.store import content_of
from db import ratings, transaction

add_nav_item("admin.counter", "บันทึกงานที่เคาน์เตอร์", roles=(ADMIN, STAFF), order=22)
register_action("request.counter", "บันทึกงานบริการที่เคาน์เตอร์")

RATING_SOURCE = "counter"
SCORES = ((5, "มากที่สุด"), (4, "มาก"), (3, "ปานกลาง"), (2, "น้อย"), (1, "น้อยที่สุด"))
OLDEST_DAYS = 60  # a walk-in may be recorded late, not for last year's statistics
_LAST_SERVICE = "counter_service"  # in the signed session: the service the clerk chose last


def _procedures() -> list:
    handbook = content_of(current_app).handbook
    return list(handbook.procedures) if handbook else []


def _today_counts(db, today: date) -> dict[str, int]:
    start, end = day_bounds(today)
    return dict(db.execute(
        "SELECT service_id, count(*) FROM service_requests WHERE channel = 'counter' AND created_at >= ? AND created_at < ?"
        " GROUP BY service_id", (start, end),
    ).fetchall())


@admin_bp.get("/counter")
@require_role(ADMIN, STAFF)
def counter():
    today = bangkok_now().date()
    procedures = _procedures()
    counts = _today_counts(shared.db(), today)
    return render_template(
        "admin/counter.html",
        procedures=procedures,
        selected=request.args.get("service") or session.get(_LAST_SERVICE) or "",
        day_text=request.args.get("day") or short_numeric(today),
        today=today,
        counts=[(p, counts[p.id]) for p in procedures if counts.get(p.id)],
        total_today=sum(counts.values()),
        scores=SCORES,
        entry=secrets.token_urlsafe(12),
    )


def _recorded_already(db, entry: str) -> bool:
    """The same form sent twice (a double click): its key is in a counter entry of the last hour."""
    return db.execute(
        "SELECT 1 FROM audit_log WHERE action = 'request.counter' AND at > ? AND details LIKE ? LIMIT 1",
        (time.time() - 3600, f'%"entry": "{entry}"%'),
    ).fetchone() is not None


@admin_bp.post("/counter")
@require_role(ADMIN, STAFF)
def counter_record():
    form = request.form
    procedure = next((p for p in _procedures() if p.id == form.get("service")), None)
    day_text = (form.get("day") or "").strip()
    back = {"service": procedure.id if procedure else "", "day": day_text}
    if procedure is None:
        flash("กรุณาเลือกบริการ", "error")
        return redirect(url_for("admin.counter", **back))
    session[_LAST_SERVICE] = procedure.id
    today = bangkok_now().date()
    try:
        served_on = parse_thai_date(day_text) if day_text else today
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.counter", **back))
    if served_on > today or served_on < today - timedelta(days=OLDEST_DAYS):
        flash(f"วันที่ให้บริการต้องไม่เกินวันนี้ และย้อนหลังได้ไม่เกิน {OLDEST_DAYS} วัน", "error")
        return redirect(url_for("admin.counter", **back))
    score = int(form["score"]) if form.get("score") in ("1", "2", "3", "4", "5") else None
    entry = "".join(ch for ch in (form.get("entry") or "") if ch.isalnum() or ch in "-_")[:40]
    office = shared.office()
    division = procedure.division if office.has_division(procedure.division) else office.general_division
    db = shared.db()
    with transaction(db):
        if entry and _recorded_already(db, entry):
            flash("บันทึกรายการนี้ไปแล้วค่ะ (กดซ้ำ)", "info")
            return redirect(url_for("admin.counter", **back))
        served = service_requests.record_counter(db, office, procedure.id, division, served_on, actor=current_user().name)
        if score:
            # No chat: a counter rating is nobody's, and never replaces another.
            ratings.save(db, chat_key=None, service_id=procedure.id, division_id=division, rated_on=served_on.isoformat(),
                         fiscal_year=fiscal_year(served_on), scores={a: score for a in ratings.ASPECTS}, comment=None,
                         source=RATING_SOURCE)
        record(db, "request.counter", f"request:{served.id}", number=served.number, service=procedure.id,
               day=served_on.isoformat(), score=score, entry=entry or None)
    rated = f" ความพึงพอใจ {score} จาก 5" if score else ""
    flash(f"บันทึกแล้ว: {procedure.short_title} ({thai_date(served_on, full_month=False)}){rated}", "ok")
    return redirect(url_for("admin.counter", **back))
