"""Questions the bot could not answer, or answered wrongly (👎): review them and improve the handbook.

One action turns a question into a new name (alias) of a procedure, or into a ready answer
(content/faq.yaml). The content file is changed safely (bot/handbook/editing.py), the
handbook reloaded at once in this process (the other processes notice within seconds), and
the page shows what the bot answered before and answers now. A test box runs the bot's
search on any text.

Who sees what: admins see every question; division staff see the questions answered with
their division's procedures (👎 on them) and may add names to those procedures. Ready answers
are the admins' (they speak for the whole SAO). Auditors have no business here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from bot.console import add_nav_item, admin_bp, audit, content, divisions
from bot.console.auth import ADMIN, STAFF, current_user, require_role
from bot.console.bot_answer import bot_answer, summary
from bot.console.charts import Bar, bar_chart
from bot.console.exports import FORMATS, Column, export_response
from bot.console.periods import PRESETS, Period
from bot.console.pages import dashboard
from bot.handbook.editing import EditError
from bot.common.thaidate import day_bounds, now, thai_date, thai_datetime, utc_offset_seconds
from bot.understanding import similar
from db import questions as store
from db import transaction

PAGE_SIZE = 50  # groups of alike questions a page
EXPORT_LIMIT = 100_000
GROUPED_LIMIT = 3000  # the newest questions grouped on the list; older ones are in the export
BEFORE_KEY = "question_before"  # what the bot answered before the last change (shown once)

KIND_LABELS = {
    "unanswered": "บอทตอบไม่ได้",
    "down": "ประชาชนกด 👎 ไม่ตรง",
    "outside": "ไม่ใช่งานของ อบต.",
    "staff": "ขอให้ส่งถึงเจ้าหน้าที่",
}
STATUS_LABELS = {"open": "ยังไม่ได้ปรับปรุง", "resolved": "ปรับปรุงแล้ว", "all": "ทั้งหมด"}

add_nav_item("admin.questions", "คำถามที่บอทตอบไม่ได้", roles=(ADMIN, STAFF), order=24)
audit.register_action("handbook.alias", "เพิ่มชื่อเรียกในคู่มือจากคำถามของประชาชน")
audit.register_action("handbook.faq", "เพิ่มคำตอบสำเร็จรูป (FAQ)")
audit.register_action("question.dismiss", "ปิดคำถามโดยไม่แก้ไขคู่มือ")
audit.register_action("question.reopen", "เปิดคำถามกลับมาพิจารณาใหม่")
audit.register_action("questions.export", "ส่งออกคำถามของประชาชน")


def _db():
    return current_app.extensions["db_pool"].get()


def badges(row: dict) -> list[str]:
    """Why a question is on the list, in Thai."""
    found = []
    if row["outcome"] == "unanswered":
        found.append(KIND_LABELS["unanswered"])
    if row["outcome"] == "outside":
        found.append(KIND_LABELS["outside"])
    if row["feedback"] == "down":
        found.append(KIND_LABELS["down"])
    if row["staff_requested_at"]:
        found.append(KIND_LABELS["staff"])
    return found


def subject_name(key: str | None, book=None) -> str:
    """A procedure id or "faq:<id>" as people read it."""
    if not key:
        return ""
    book = book or content.handbook()
    if key.startswith("faq:"):
        entry = book.faq_entry(key[4:])
        return f"คำตอบสำเร็จรูป: {entry.question}" if entry else key
    procedure = book.get(key)
    return procedure.short_title if procedure else key


def resolution_text(row: dict, book=None) -> str:
    resolution = row.get("resolution") or ""
    if resolution.startswith("alias:"):
        return f"เพิ่มเป็นชื่อเรียกของ “{subject_name(resolution[6:], book)}”"
    if resolution.startswith("faq:"):
        return f"เพิ่มเป็น{subject_name(resolution, book)}"
    if resolution == store.RESOLUTION_DISMISSED:
        return "ไม่ต้องแก้ไขคู่มือ"
    if resolution == store.RESOLUTION_REPORTED:
        return "ประชาชนแจ้งเป็นเรื่องร้องเรียนแทน"
    return ""


def _filters(args) -> dict:
    period = Period.from_args(args, default="30d")
    kind = args.get("kind") or None
    if kind not in KIND_LABELS:
        kind = None
    status = args.get("status") if args.get("status") in STATUS_LABELS else "open"
    subject = args.get("procedure") or ""
    return {"period": period, "kind": kind, "status": status, "procedure": subject}


def _query(f: dict, user, limit: int, offset: int):
    return store.review(
        _db(),
        kind=f["kind"],
        status=f["status"],
        start=f["period"].start,
        end=f["period"].end,
        procedure_ids=[f["procedure"]] if f["procedure"] else None,
        scope_ids=content.scope_keys(user),
        limit=limit,
        offset=offset,
    )


def _subjects(user) -> list[tuple[str, str]]:
    """The procedure filter's choices: what the person may see."""
    book = content.handbook()
    scope = content.scope_keys(user, book)
    items = [(p.id, p.short_title) for p in book.procedures] + [(e.key, f"คำตอบสำเร็จรูป: {e.question}") for e in book.faq]
    return [(k, label) for k, label in items if scope is None or k in scope]


def _test_box():
    text = (request.args.get("q") or "").strip()
    if not text:
        return "", None
    return text, bot_answer(content.store(), content.profile(), text, content.public_base_url())


@dataclass(frozen=True)
class QuestionGroup:
    """Questions worded alike (bot/understanding/similar.py), newest first: one fix covers all."""

    rows: list[dict]

    @property
    def first(self) -> dict:
        return self.rows[0]

    @property
    def others(self) -> list[dict]:
        return self.rows[1:]


def grouped(rows: list[dict]) -> list[QuestionGroup]:
    """The rows (newest first) in groups of alike questions, each group where its newest is."""
    search = content.store().current().index
    indexes = similar.group([r["question"] for r in rows], search.content_words)
    return [QuestionGroup([rows[i] for i in members]) for members in indexes]


def similar_open(row: dict, user) -> list[dict]:
    """The other open questions worded like this one, that this person may see."""
    if row["resolved_at"] is not None:
        return []
    _, rows = store.review(_db(), status="open", scope_ids=content.scope_keys(user), limit=GROUPED_LIMIT)
    if not any(r["id"] == row["id"] for r in rows):
        rows = [row] + rows
    for g in grouped(rows):
        if any(r["id"] == row["id"] for r in g.rows):
            return [r for r in g.rows if r["id"] != row["id"]]
    return []


@admin_bp.get("/unanswered")
@require_role(ADMIN, STAFF)
def questions():
    user = current_user()
    f = _filters(request.args)
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    total, rows = _query(f, user, GROUPED_LIMIT, 0)
    groups = grouped(rows)
    pages = max(1, math.ceil(len(groups) / PAGE_SIZE))
    page = min(page, pages)
    groups = groups[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    test_text, test_answer = _test_box()
    args = {k: v for k, v in request.args.items() if k not in ("page", "q") and v}
    book = content.handbook()
    return render_template(
        "admin/questions.html",
        groups=groups, total=total, page=page, pages=pages, f=f, presets=PRESETS, args=args,
        kinds=KIND_LABELS, statuses=STATUS_LABELS, subjects=_subjects(user),
        badges=badges, subject_name=lambda k: subject_name(k, book), resolution_text=lambda r: resolution_text(r, book),
        test_text=test_text, test_answer=test_answer, sees_unanswered=content.scope_keys(user, book) is None,
    )


# --- one question ------------------------------------------------------------------------------


def _question_or_404(question_id: int) -> dict:
    row = store.by_id(_db(), question_id)
    if row is None or row["question"] is None:
        abort(404)
    scope = content.scope_keys(current_user())
    if scope is not None and row["procedure_id"] not in scope:
        abort(403)
    return row


def _alias_default(text: str) -> str:
    return " ".join(text.split())[:100]


def _render_detail(row: dict, *, alias: dict | None = None, faq: dict | None = None, errors: dict | None = None,
                   message: str = "", status: int = 200):
    user = current_user()
    book = content.handbook()
    now_answer = bot_answer(content.store(), content.profile(), row["question"], content.public_base_url())
    best = next((h.key for h in now_answer.hits if h.procedure is not None), "")
    procedures = content.editable_procedures(user, book)
    if best not in {p.id for p in procedures}:
        best = ""
    test_text, test_answer = _test_box()
    before = session.get(BEFORE_KEY)  # kept for this question until the next change
    if before and before.get("id") != row["id"]:
        before = None
    return render_template(
        "admin/question_detail.html",
        row=row, badges=badges(row), now_answer=now_answer, before=before, alike=similar_open(row, user),
        resolution=resolution_text(row, book), subject=subject_name(row["procedure_id"], book),
        procedures=procedures, divisions=divisions(), may_faq=content.may_edit_faq(user),
        alias=alias or {"procedure": best, "alias": _alias_default(row["question"])},
        faq=faq or {"question": _alias_default(row["question"]), "aliases": "", "answer": "", "division": ""},
        errors=errors or {}, message=message, test_text=test_text, test_answer=test_answer,
    ), status


@admin_bp.get("/unanswered/<int:question_id>")
@require_role(ADMIN, STAFF)
def question_detail(question_id: int):
    return _render_detail(_question_or_404(question_id))


def _remember_before(row: dict) -> None:
    before = summary(bot_answer(content.store(), content.profile(), row["question"], content.public_base_url()))
    session[BEFORE_KEY] = {"id": row["id"], **before}


@admin_bp.post("/unanswered/<int:question_id>/alias")
@require_role(ADMIN, STAFF)
def question_alias(question_id: int):
    row = _question_or_404(question_id)
    user = current_user()
    values = {"procedure": request.form.get("procedure") or "", "alias": request.form.get("alias") or ""}
    procedure = content.handbook().get(values["procedure"])
    if procedure is None:
        return _render_detail(row, alias=values, errors={"procedure": ["กรุณาเลือกเรื่องในคู่มือ"]},
                              message="ยังไม่ได้บันทึก", status=400)
    if not content.may_edit_procedure(user, procedure):
        abort(403)
    content.store().reload()  # check against the newest files (another process may have changed them)
    _remember_before(row)
    db = _db()
    editor = content.editor()
    try:
        with editor.session():  # the file is checked and written first, the record after, under one lock
            result = editor.add_alias(procedure.id, values["alias"], user.username, content.handbook())
            alike = similar_open(row, user)
            with content.undo_on_failure(editor, result), transaction(db):
                store.resolve(db, row["id"], f"alias:{procedure.id}", user.username)
                covered = _resolve_alike(db, alike, f"alias:{procedure.id}", user.username)
                audit.record(db, "handbook.alias", f"question:{row['id']}", procedure=procedure.id,
                             alias=" ".join(values["alias"].split()), file=result.path.name,
                             backup=result.backup.name if result.backup else None, alike=covered)
    except EditError as exc:
        session.pop(BEFORE_KEY, None)
        return _render_detail(row, alias=values, errors={"alias": [str(exc)] + [p.thai for p in exc.problems]},
                              message="ยังไม่ได้บันทึก", status=400)
    content.store().reload()
    flash(f"เพิ่ม “{' '.join(values['alias'].split())}” เป็นชื่อเรียกของเรื่อง{procedure.short_title}แล้ว บอทใช้ได้ทันที"
          + _covered_note(covered), "ok")
    return redirect(url_for("admin.question_detail", question_id=row["id"], _anchor="result"))


@admin_bp.post("/unanswered/<int:question_id>/faq")
@require_role(ADMIN)
def question_faq(question_id: int):
    row = _question_or_404(question_id)
    user = current_user()
    values = {k: request.form.get(k) or "" for k in ("question", "aliases", "answer", "division")}
    if values["division"] and values["division"] not in {d.id for d in divisions()}:
        values["division"] = ""
    content.store().reload()
    _remember_before(row)
    db = _db()
    editor = content.editor()
    try:
        with editor.session():
            entry_id, result = editor.add_faq(
                question=values["question"], answer=values["answer"], aliases=values["aliases"].splitlines(),
                division=values["division"], actor=user.username, today=now().date(),
            )
            alike = similar_open(row, user)
            with content.undo_on_failure(editor, result), transaction(db):
                store.resolve(db, row["id"], f"faq:{entry_id}", user.username)
                covered = _resolve_alike(db, alike, f"faq:{entry_id}", user.username)
                audit.record(db, "handbook.faq", f"question:{row['id']}", faq=entry_id, question=values["question"],
                             file=result.path.name, backup=result.backup.name if result.backup else None, alike=covered)
    except EditError as exc:
        session.pop(BEFORE_KEY, None)
        errors = exc.by_field()
        if "_file" in errors or not errors:
            errors.setdefault("answer", []).insert(0, str(exc))
        return _render_detail(row, faq=values, errors={f"faq_{k}": v for k, v in errors.items()},
                              message="ยังไม่ได้บันทึก", status=400)
    content.store().reload()
    flash("เพิ่มคำตอบสำเร็จรูปแล้ว บอทใช้ตอบได้ทันที" + _covered_note(covered), "ok")
    return redirect(url_for("admin.question_detail", question_id=row["id"], _anchor="result"))


@admin_bp.post("/unanswered/<int:question_id>/dismiss")
@require_role(ADMIN, STAFF)
def question_dismiss(question_id: int):
    row = _question_or_404(question_id)
    user = current_user()
    db = _db()
    alike = similar_open(row, user) if request.form.get("alike") == "all" else []
    with transaction(db):
        done = store.resolve(db, row["id"], store.RESOLUTION_DISMISSED, user.username)
        covered = _resolve_alike(db, alike, store.RESOLUTION_DISMISSED, user.username) if done else 0
        if done:
            audit.record(db, "question.dismiss", f"question:{row['id']}", alike=covered)
    flash(("ปิดคำถามนี้แล้ว (ไม่ต้องแก้ไขคู่มือ)" + _covered_note(covered)) if done else "คำถามนี้ปรับปรุงไปแล้ว",
          "ok" if done else "info")
    return redirect(url_for("admin.questions"))


def _resolve_alike(db, alike: list[dict], resolution: str, by: str) -> int:
    """One fix covers the questions worded alike: each is marked with the same resolution."""
    return sum(store.resolve(db, r["id"], resolution, by) for r in alike)


def _covered_note(covered: int) -> str:
    return f" (รวมคำถามที่คล้ายกันอีก {covered} คำถาม)" if covered else ""


@admin_bp.post("/unanswered/<int:question_id>/reopen")
@require_role(ADMIN, STAFF)
def question_reopen(question_id: int):
    row = _question_or_404(question_id)
    db = _db()
    with transaction(db):
        done = store.reopen(db, row["id"])
        if done:
            audit.record(db, "question.reopen", f"question:{row['id']}", was=row["resolution"])
    flash("เปิดคำถามนี้กลับมาพิจารณาแล้ว" if done else "คำถามนี้ยังไม่ได้ปรับปรุง", "ok" if done else "info")
    return redirect(url_for("admin.question_detail", question_id=row["id"]))


# --- export ---------------------------------------------------------------------------------------


def _export_columns(book) -> list[Column]:
    return [
        Column("ลำดับ", lambda r: r["id"], width=8),
        Column("วันและเวลาที่ถาม", lambda r: thai_datetime(r["created_at"]), width=22),
        Column("คำถาม", lambda r: r["question"], width=60),
        Column("เหตุที่อยู่ในรายการ", lambda r: ", ".join(badges(r)), width=30),
        Column("เรื่องที่บอทตอบ", lambda r: subject_name(r["procedure_id"], book), width=28),
        Column("ความเห็น", lambda r: {"up": "👍", "down": "👎"}.get(r["feedback"] or "", ""), width=10),
        Column("การปรับปรุง", lambda r: resolution_text(r, book), width=36),
        Column("ปรับปรุงโดย", lambda r: r["resolved_by"] or "", width=16),
    ]


@admin_bp.get("/unanswered/export.<fmt>")
@require_role(ADMIN, STAFF)
def questions_export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    user = current_user()
    f = _filters(request.args)
    _, rows = _query(f, user, EXPORT_LIMIT, 0)
    db = _db()
    with transaction(db):
        audit.record(db, "questions.export", None, format=fmt, rows=len(rows), period=f["period"].label,
                     kind=f["kind"], status=f["status"])
    return export_response(fmt, f"questions_{f['period'].slug}", "คำถามของประชาชน", _export_columns(content.handbook()), rows)


# --- dashboard ------------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


@dashboard.card("questions-today", order=50, roles=(ADMIN, STAFF))
def questions_today_card(ctx: dashboard.DashboardContext):
    scope = content.scope_keys(ctx.user)
    today = store.counts(ctx.db, ctx.today_start, ctx.today_end, scope)
    month = store.counts(ctx.db, ctx.month_start, ctx.month_end, scope)
    return [
        dashboard.Stat(
            "คำถามถึงคู่มือวันนี้", today["total"],
            detail=f"ตอบได้ {today['answered']:,} · ไม่ทราบ {today['unanswered']:,} · เดือนนี้ {month['total']:,} คำถาม",
        ),
        dashboard.Stat(
            "บอทตอบได้ (เดือนนี้)", _percent(month["answered"], month["total"]),
            detail=f"ตอบได้ {month['answered']:,} · ถามกลับ {month['choose']:,} · ไม่ทราบ {month['unanswered']:,}"
                   f" · ไม่ใช่งาน อบต. {month['outside']:,}",
        ),
    ]


@dashboard.card("questions-rating", order=52, roles=(ADMIN, STAFF))
def questions_rating_card(ctx: dashboard.DashboardContext):
    scope = content.scope_keys(ctx.user)
    today = store.counts(ctx.db, ctx.today_start, ctx.today_end, scope)
    month = store.counts(ctx.db, ctx.month_start, ctx.month_end, scope)
    waiting, _ = store.review(ctx.db, status="open", scope_ids=scope, limit=0)
    # In words, not only 👍/👎: a PC without an emoji font would show boxes.
    return dashboard.Stat(
        "ความเห็นต่อคำตอบของบอท (เดือนนี้)", f"ตรง {month['up']:,} · ไม่ตรง {month['down']:,}",
        detail=f"วันนี้ ตรง {today['up']:,} · ไม่ตรง {today['down']:,} · คำถามรอปรับปรุงคู่มือ {waiting:,}",
        endpoint="admin.questions", warn=waiting > 0,
    )


@dashboard.card("questions-per-day", order=10_001, roles=(ADMIN, STAFF))
def questions_chart(ctx: dashboard.DashboardContext):
    first = ctx.today - timedelta(days=29)
    per_day = store.per_day(ctx.db, day_bounds(first)[0], utc_offset_seconds(ctx.now), content.scope_keys(ctx.user))
    epoch = date(1970, 1, 1)
    bars = []
    for i in range(30):
        day = first + timedelta(days=i)
        asked, answered = per_day.get((day - epoch).days, (0, 0))
        label = thai_date(day, full_month=False).rsplit(" ", 1)[0]
        bars.append(Bar(label, asked, title=f"{thai_date(day, full_month=False)} (ตอบได้ {answered})", highlight=day == ctx.today))
    total = sum(b.value for b in bars)
    answered = sum(v[1] for v in per_day.values())
    return dashboard.Panel(
        "คำถามถึงคู่มือ 30 วันล่าสุด",
        bar_chart(bars, title="คำถามที่ประชาชนถามบอทต่อวัน 30 วันล่าสุด", unit="คำถาม", label_every=5, chart_id="questions-per-day"),
        note=f"รวม {total:,} คำถาม บอทตอบได้ {answered:,} ({_percent(answered, total)})",
    )
