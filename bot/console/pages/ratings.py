"""Satisfaction ratings (ผลประเมินความพึงพอใจ, measure 5) in the console: filters (period,
service, score), averages per question, charts by month and by service, the comments, and
CSV/XLSX exports. Ratings never carry who rated; staff see their division's services."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, render_template, request

from bot.console import add_nav_item, admin_bp, divisions
from bot.console import feedback_shared as shared
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, STAFF, current_user, division_scope, division_sql, require_role
from bot.console.charts import Bar, HBar, bar_chart, horizontal_bar_chart
from bot.console.exports import FORMATS, Column, export_response
from bot.console.periods import PRESETS, Period
from bot.console.pages import dashboard
from bot.feedback import satisfaction_texts as t
from bot.feedback.texts import SCALE
from bot.common.thaidate import now, thai_date, thai_date_short
from db import ratings, transaction

add_nav_item("admin.ratings_list", "ความพึงพอใจ", roles=(ADMIN, STAFF), order=30)
register_action("ratings.export", "ส่งออกผลประเมินความพึงพอใจ")

SCORE_LABELS = {"5": "5 มากที่สุด", "4": "4 มาก", "3": "3 ปานกลาง", "2": "2 น้อย", "1": "1 น้อยที่สุด", "low": "ต่ำ (1–2)"}
SOURCE_LABELS = {"menu": "เมนู LINE", "qr": "QR ที่จุดบริการ", "handbook": "ต่อจากคู่มือประชาชน",
                 "eservice": "คำร้องออนไลน์เสร็จ", "counter": "บันทึกที่เคาน์เตอร์"}
MAX_MONTHS = 24
LOW_AVERAGE = 3.5  # a service's bar is drawn in the warning colour below this


def month_label(year: int, month: int) -> str:
    """ต.ค. 69"""
    return thai_date_short(date(year, month, 1)).split(" ", 1)[1]


def months_between(first: date, last: date) -> list[tuple[int, int]]:
    months, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months[-MAX_MONTHS:]


def _query(default_period: str = "fy") -> tuple[ratings.RatingQuery, Period]:
    user = current_user()
    period = Period.from_args(request.args, default=default_period)
    score = request.args.get("score") or None
    scope = division_sql(user)
    division = request.args.get("division") or None
    if division_scope(user) is None and division:
        scope = ("division_id = ?", [division])
    return (
        ratings.RatingQuery(
            first_day=period.first_day.isoformat() if period.first_day else None,
            last_day=period.last_day.isoformat() if period.last_day else None,
            service_id=request.args.get("service") or None,
            score=score if score in ratings.SCORE_FILTERS else None,
            with_comment=request.args.get("comments") == "1",
            scope=scope,
        ),
        period,
    )


def monthly_chart(db, query: ratings.RatingQuery, first: date, last: date, chart_id: str) -> tuple:
    per_month = ratings.by_month(db, query)
    bars = []
    for y, m in months_between(first, last):
        n, mean = per_month.get(f"{y:04d}-{m:02d}", (0, 0.0))
        label = month_label(y, m)
        bars.append(Bar(label, mean, title=f"{label} ({n:,} ครั้ง)" if n else f"{label} (ยังไม่มีผลประเมิน)"))
    # Every month's name fits under its bar up to 6 months; a phone's screen needs fewer beyond.
    every = 1 if len(bars) <= 6 else 2 if len(bars) <= 12 else 3
    chart = bar_chart(bars, title="คะแนนความพึงพอใจโดยรวมเฉลี่ยรายเดือน (เต็ม 5)", unit="คะแนน", chart_id=chart_id,
                      label_every=every, maximum=5)
    return chart, sum(per_month.get(f"{y:04d}-{m:02d}", (0, 0))[0] for y, m in months_between(first, last))


@admin_bp.get("/ratings")
@require_role(ADMIN, STAFF)
def ratings_list():
    db = shared.db()
    query, period = _query()
    titles = shared.service_titles()
    count, means = ratings.averages(db, query)
    page, pages = shared.page_of(count)
    rows = ratings.find(db, query, limit=shared.PAGE_SIZE, offset=(page - 1) * shared.PAGE_SIZE)
    per_service = ratings.by_service(db, query)
    today = now().date()
    first_rated = ratings.first_day(db, query)
    first = period.first_day or (date.fromisoformat(first_rated) if first_rated else today)
    last = period.last_day or today
    month_chart, _ = monthly_chart(db, query, first, last, "ratings-by-month")
    service_chart = horizontal_bar_chart(
        [
            HBar(titles.get(s.service_id, s.service_id), s.averages["overall"], note=f"({s.count:,} ครั้ง)", low=s.averages["overall"] < LOW_AVERAGE)
            for s in per_service
        ],
        title="คะแนนความพึงพอใจโดยรวมเฉลี่ยรายบริการ (เต็ม 5)",
        maximum=5,
        unit="คะแนน",
        chart_id="ratings-by-service",
    ) if per_service else None
    services = sorted(set(_services_of(current_user())) | set(ratings.service_ids(db, division_sql(current_user()))), key=lambda s: titles.get(s, s))
    return render_template(
        "admin/ratings.html",
        rows=rows,
        count=count,
        means=means,
        percent=round(means["overall"] / 5 * 100, 1) if means.get("overall") else None,
        per_service=per_service,
        month_chart=month_chart,
        service_chart=service_chart,
        page=page,
        pages=pages,
        query=query,
        period=period,
        presets=PRESETS,
        titles=titles,
        services=services,
        score_labels=SCORE_LABELS,
        aspects=ratings.ASPECTS,
        aspect_names=t.ASPECT_SHORT,
        aspect_questions=dict(t.ASPECTS),
        scale=SCALE,
        divisions=divisions(),
        all_divisions=division_scope(current_user()) is None,
        division_filter=request.args.get("division") or "",
        sources=SOURCE_LABELS,
        args=shared.kept_args(),
        thai_date=thai_date,
        date_of=date.fromisoformat,
    )


def _services_of(user) -> list[str]:
    """The services to choose from: every one for admins, their division's for staff."""
    store = current_app.extensions.get("handbook_store")
    procedures = store.current().handbook.procedures if store is not None else ()
    scope = division_scope(user)
    return [p.id for p in procedures if scope is None or p.division in scope]


# --- exports ------------------------------------------------------------------------------------


def export_columns(titles: dict[str, str]) -> list[Column]:
    name = shared.office().division_name
    columns = [
        Column("วันที่ประเมิน", lambda r: thai_date(date.fromisoformat(r.rated_on), full_month=False), width=16),
        Column("ปีงบประมาณ", lambda r: r.fiscal_year, width=12),
        Column("บริการ", lambda r: titles.get(r.service_id, r.service_id), width=30),
        Column("กอง", lambda r: name(r.division_id), width=24),
    ]
    columns += [Column(f"{t.ASPECT_SHORT[a]} (1-5)", (lambda a: lambda r: r.score(a))(a), width=14) for a in ratings.ASPECTS]
    columns += [
        Column("ข้อเสนอแนะ", lambda r: r.comment or "", width=60),
        Column("ช่องทาง", lambda r: SOURCE_LABELS.get(r.source, r.source), width=18),
    ]
    return columns


@admin_bp.get("/ratings/export.<fmt>")
@require_role(ADMIN, STAFF)
def ratings_export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    db = shared.db()
    query, period = _query()
    rows = ratings.find(db, query, limit=shared.EXPORT_LIMIT)
    with transaction(db):
        record(db, "ratings.export", None, format=fmt, rows=len(rows), period=period.label, service=query.service_id,
               score=query.score, division=request.args.get("division") or current_user().division_id)
    return export_response(fmt, f"satisfaction_{period.slug}", "ผลประเมินความพึงพอใจ", export_columns(shared.service_titles()), rows)


# --- dashboard ------------------------------------------------------------------------------------


@dashboard.card("ratings", order=60, roles=(ADMIN, STAFF))
def ratings_card(ctx: dashboard.DashboardContext):
    scope = division_sql(ctx.user)
    month_first = ctx.today.replace(day=1).isoformat()
    ever, _ = ratings.averages(ctx.db, ratings.RatingQuery(scope=scope))
    if not ever:
        return None
    today, _ = ratings.averages(ctx.db, ratings.RatingQuery(first_day=ctx.today.isoformat(), last_day=ctx.today.isoformat(), scope=scope))
    month, means = ratings.averages(ctx.db, ratings.RatingQuery(first_day=month_first, last_day=ctx.today.isoformat(), scope=scope))
    detail = f"เดือนนี้ {month:,} ครั้ง"
    if means["overall"] is not None:
        detail += f" · โดยรวมเฉลี่ย {means['overall']:.2f} จาก 5"
    return dashboard.Stat("ผลประเมินความพึงพอใจวันนี้", today, detail=detail, endpoint="admin.ratings_list",
                          warn=means["overall"] is not None and means["overall"] < LOW_AVERAGE)


@dashboard.card("ratings-by-month", order=10_010, roles=(ADMIN, STAFF))
def ratings_chart_card(ctx: dashboard.DashboardContext):
    scope = division_sql(ctx.user)
    if not ratings.averages(ctx.db, ratings.RatingQuery(scope=scope))[0]:
        return None
    y, m = ctx.today.year, ctx.today.month - 11
    if m < 1:
        y, m = y - 1, m + 12
    first = date(y, m, 1)
    chart, n = monthly_chart(ctx.db, ratings.RatingQuery(first_day=first.isoformat(), last_day=ctx.today.isoformat(), scope=scope),
                             first, ctx.today, "dashboard-ratings-by-month")
    return dashboard.Panel(
        "ความพึงพอใจรายเดือน 12 เดือนล่าสุด",
        chart,
        note=f"คะแนนโดยรวมเฉลี่ย (เต็ม 5) จากผลประเมิน {n:,} ครั้ง ตั้งแต่ {thai_date(first, full_month=False)}",
    )
