"""Questions for staff (คำถามถึงเจ้าหน้าที่) in the console: the queue of each division —
unanswered (overdue ones flagged), answered — one question with its answer form, and
CSV/XLSX exports.

The answer goes through bot.feedback.staff_questions.answer_question, the function the
LINE "ตอบ" button and `python -m bot question answer` use: recorded once, pushed to the
citizen, audited in the same transaction. LINE links here: /admin/questions/<id> and
/admin/questions?overdue=1.
"""
from __future__ import annotations

import time

from flask import abort, flash, redirect, render_template, request, url_for

from bot.console import add_nav_item, admin_bp, divisions
from bot.console import feedback_shared as shared
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, STAFF, current_user, division_scope, division_sql, require_division, require_role
from bot.console.exports import FORMATS, Column, export_response
from bot.console.periods import PRESETS, Period
from bot.console.pages import dashboard
from bot.feedback import staff_questions as questions
from bot.common.thaidate import thai_datetime
from db import staff_questions, transaction
from db.staff_questions import StaffQuestion

add_nav_item("admin.staff_questions_list", "คำถามถึงเจ้าหน้าที่", roles=(ADMIN, STAFF), order=25)
register_action("question.answer", "ตอบคำถามถึงเจ้าหน้าที่")
register_action("question.export", "ส่งออกคำถามถึงเจ้าหน้าที่")

STATE_LABELS = {"open": "รอตอบ", "overdue": "เกินกำหนด", "answered": "ตอบแล้ว", "all": "ทั้งหมด"}
SOURCE_LABELS = {"menu": "เมนูถามเจ้าหน้าที่", "handbook": "ต่อจากคู่มือประชาชน"}


def is_overdue(q: StaffQuestion, now: float | None = None) -> bool:
    return q.status == "open" and q.due_at < (time.time() if now is None else now)


def state_of(q: StaffQuestion, now: float | None = None) -> str:
    return "overdue" if is_overdue(q, now) else q.status


def answered_by(q: StaffQuestion) -> str:
    by = q.answered_by or ""
    return "เจ้าหน้าที่ทาง LINE" if by.startswith("LINE:") else by or "เจ้าหน้าที่"


def _query() -> tuple[staff_questions.QuestionQuery, Period, str]:
    user = current_user()
    state = request.args.get("state") or ("overdue" if request.args.get("overdue") == "1" else "open")
    if state not in STATE_LABELS:
        state = "open"
    period = Period.from_args(request.args, default="all")
    division = request.args.get("division") or None
    if division_scope(user) is not None:
        division = None
    query = staff_questions.QuestionQuery(
        state=None if state == "all" else state,
        division_id=division,
        start=period.start,
        end=period.end,
        scope=division_sql(user),
    )
    return query, period, state


@admin_bp.get("/questions")
@require_role(ADMIN, STAFF)
def staff_questions_list():
    db = shared.db()
    query, period, state = _query()
    now = time.time()
    total = staff_questions.count(db, query, now)
    page, pages = shared.page_of(total)
    rows = staff_questions.find(db, query, now, limit=shared.PAGE_SIZE, offset=(page - 1) * shared.PAGE_SIZE)
    args = shared.kept_args("overdue")
    args["state"] = state
    tab_args = {k: v for k, v in args.items() if k != "state"}
    return render_template(
        "admin/staff_questions.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        state=state,
        states=STATE_LABELS,
        counts=staff_questions.queue_counts(db, division_sql(current_user()), now),
        query=query,
        period=period,
        presets=PRESETS,
        divisions=divisions(),
        all_divisions=division_scope(current_user()) is None,
        services=shared.service_titles(),
        state_of=lambda q: state_of(q, now),
        args=args,
        tab_args=tab_args,
    )


def _visible_question_or_404(question_id: int) -> StaffQuestion:
    question = staff_questions.get(shared.db(), question_id)
    if question is None:
        abort(404)
    require_division(question.division_id)
    return question


@admin_bp.get("/questions/<int:question_id>")
@require_role(ADMIN, STAFF)
def staff_question(question_id: int):
    question = _visible_question_or_404(question_id)
    return render_template(
        "admin/staff_question.html",
        q=question,
        state=state_of(question),
        states=STATE_LABELS,
        service=shared.service_titles().get(question.procedure_id or "", question.procedure_id),
        source=SOURCE_LABELS.get(question.source, question.source),
        answered_by=answered_by(question),
        max_answer=questions.ANSWER_MAX,
    )


@admin_bp.post("/questions/<int:question_id>/answer")
@require_role(ADMIN, STAFF)
def staff_question_answer(question_id: int):
    question = _visible_question_or_404(question_id)
    if question.question is None and question.status == "open":
        flash("ตอบไม่ได้แล้ว เพราะข้อมูลผู้ถามถูกลบ", "error")
        return redirect(url_for("admin.staff_question", question_id=question.id))
    user = current_user()
    db = shared.db()
    text = request.form.get("answer") or ""
    try:
        with transaction(db):
            done = questions.answer_question(db, shared.office(), question.id, text, user.name)
            record(db, "question.answer", f"question:{question.id}", division=question.division_id, chars=len(text.strip()),
                   delivered=done.delivered_to_citizen)
    except questions.QuestionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.staff_question", question_id=question.id))
    flash(f"บันทึกคำตอบคำถามหมายเลข {question.id} แล้ว", "ok")
    if done.delivered_to_citizen:
        shared.flash_delivery(shared.deliver(done.outbox_ids))
    else:
        flash("ไม่ได้ส่งถึงประชาชน เพราะข้อมูลผู้ถามถูกลบแล้ว", "info")
    return redirect(url_for("admin.staff_question", question_id=question.id))


# --- exports ------------------------------------------------------------------------------------


def export_columns(titles: dict[str, str], now: float) -> list[Column]:
    name = shared.office().division_name

    def hours(q: StaffQuestion):
        return round((q.answered_at - q.created_at) / 3600, 1) if q.answered_at else None

    return [
        Column("หมายเลข", lambda q: q.id, width=10),
        Column("ถามเมื่อ", lambda q: thai_datetime(q.created_at), width=24),
        Column("กอง", lambda q: name(q.division_id), width=24),
        Column("บริการที่เกี่ยวข้อง", lambda q: titles.get(q.procedure_id or "", q.procedure_id or ""), width=24),
        Column("ช่องทาง", lambda q: SOURCE_LABELS.get(q.source, q.source), width=20),
        Column("คำถาม", lambda q: q.question if q.question is not None else "(ลบข้อมูลส่วนบุคคลแล้ว)", width=60),
        Column("สถานะ", lambda q: STATE_LABELS[state_of(q, now)], width=14),
        Column("ครบกำหนดตอบ", lambda q: thai_datetime(q.due_at), width=24),
        Column("ตอบเมื่อ", lambda q: thai_datetime(q.answered_at) if q.answered_at else "", width=24),
        Column("ผู้ตอบ", lambda q: answered_by(q) if q.status == "answered" else "", width=20),
        Column("คำตอบ", lambda q: q.answer or "", width=60),
        Column("ตอบภายใน (ชั่วโมง)", hours, width=12),
        Column("ตอบทันกำหนด", lambda q: (q.answered_at <= q.due_at) if q.answered_at else None, width=12),
    ]


@admin_bp.get("/questions/export.<fmt>")
@require_role(ADMIN, STAFF)
def staff_questions_export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    db = shared.db()
    query, period, state = _query()
    now = time.time()
    rows = staff_questions.find(db, query, now, limit=shared.EXPORT_LIMIT)
    with transaction(db):
        record(db, "question.export", None, format=fmt, rows=len(rows), period=period.label, state=state,
               division=query.division_id or current_user().division_id)
    return export_response(fmt, f"staff-questions_{period.slug}", "คำถามถึงเจ้าหน้าที่", export_columns(shared.service_titles(), now), rows)


# --- dashboard ------------------------------------------------------------------------------------


@dashboard.card("staff-questions", order=55, roles=(ADMIN, STAFF))
def overdue_questions_card(ctx: dashboard.DashboardContext):
    counts = staff_questions.queue_counts(ctx.db, division_sql(ctx.user), ctx.now.timestamp())
    if not counts["all"]:
        return None
    return dashboard.Stat(
        "คำถามถึงเจ้าหน้าที่ที่เกินกำหนด",
        counts["overdue"],
        detail=f"รอตอบทั้งหมด {counts['open']:,} · ต้องตอบภายใน 1 วันทำการ",
        endpoint="admin.staff_questions_list",
        warn=counts["overdue"] > 0,
    )
