"""The dashboard: small number cards and wide panels (charts, lists) that features register.

    @dashboard.card("tickets-open", order=40, roles=(ADMIN, STAFF))
    def open_tickets(ctx: DashboardContext) -> Stat | Panel | list | None:
        return Stat("เรื่องร้องเรียนที่ยังไม่ปิด", n, detail="…", endpoint="admin.tickets")

A card returns None to show nothing (a feature with no data yet shows no empty card).
A card that fails is logged and left out: the rest of the dashboard still shows.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

import sqlite_utils
from flask import current_app, render_template
from markupsafe import Markup

from bot.console import add_nav_item, admin_bp, content
from bot.console.auth import ADMIN, EVERY_ROLE, STAFF, current_user, require_role
from bot.console.charts import Bar, bar_chart
from bot.common.thaidate import day_bounds, month_bounds, now, thai_date, utc_offset_seconds
from db import chats, inbox, outbox
from db.admin_users import AdminUser

log = logging.getLogger(__name__)

add_nav_item("admin.dashboard", "ภาพรวม", order=0)


@dataclass(frozen=True)
class Stat:
    title: str
    value: int | float | str
    detail: str = ""
    endpoint: str | None = None  # a page to open for more
    warn: bool = False  # draw attention (failures, overdue work)


@dataclass(frozen=True)
class Panel:
    title: str
    body: Markup  # e.g. charts.bar_chart(...)
    note: str = ""


@dataclass(frozen=True)
class DashboardContext:
    db: sqlite_utils.Database
    user: AdminUser
    now: datetime  # Asia/Bangkok
    today: date
    today_start: float
    today_end: float
    month_start: float
    month_end: float


@dataclass(frozen=True)
class _Card:
    name: str
    order: int
    roles: frozenset[str]
    build: Callable[[DashboardContext], "Stat | Panel | list | None"]


CARDS: list[_Card] = []


def card(name: str, order: int = 100, roles: tuple[str, ...] = EVERY_ROLE):
    """Register a dashboard card for these roles; lower order shows first."""

    def register(fn):
        if any(c.name == name for c in CARDS):
            raise ValueError(f"dashboard card {name!r} registered twice")
        CARDS.append(_Card(name, order, frozenset(roles), fn))
        CARDS.sort(key=lambda c: (c.order, c.name))
        return fn

    return register


def build_context(db: sqlite_utils.Database, user: AdminUser, at: datetime | None = None) -> DashboardContext:
    at = at or now()
    today = at.date()
    today_start, today_end = day_bounds(today)
    month_start, month_end = month_bounds(today)
    return DashboardContext(db, user, at, today, today_start, today_end, month_start, month_end)


def collect(ctx: DashboardContext) -> tuple[list[Stat], list[Panel]]:
    stats, panels = [], []
    for c in CARDS:
        if ctx.user.role not in c.roles:
            continue
        try:
            result = c.build(ctx)
        except Exception:  # one broken card must not take the dashboard down
            log.exception("dashboard card %s failed", c.name)
            continue
        for item in result if isinstance(result, list) else [result]:
            if isinstance(item, Stat):
                stats.append(item)
            elif isinstance(item, Panel):
                panels.append(item)
    return stats, panels


@admin_bp.get("/")
@require_role(*EVERY_ROLE)
def dashboard():
    db = current_app.extensions["db_pool"].get()
    ctx = build_context(db, current_user())
    stats, panels = collect(ctx)
    # Those who edit content see its mistakes first thing (the bot answers from the last good copy).
    problems = content.content_problems() if ctx.user.role in (ADMIN, STAFF) else []
    return render_template("admin/dashboard.html", stats=stats, panels=panels, today=ctx.today, content_problems=problems)


# --- what exists today: the bot's own traffic ---------------------------------------------


@card("messages", order=10)
def messages_card(ctx: DashboardContext) -> Stat:
    today = inbox.count_messages(ctx.db, ctx.today_start, ctx.today_end)
    month = inbox.count_messages(ctx.db, ctx.month_start, ctx.month_end)
    return Stat("ข้อความจากประชาชนวันนี้", today, detail=f"เดือนนี้ {month:,} ข้อความ")


@card("replies", order=20)
def replies_card(ctx: DashboardContext) -> Stat:
    today = outbox.counts_by_status_between(ctx.db, ctx.today_start, ctx.today_end)
    month = outbox.counts_by_status_between(ctx.db, ctx.month_start, ctx.month_end)
    failed = month.get("failed", 0) + month.get("expired", 0)
    detail = f"เดือนนี้ส่งแล้ว {month.get('sent', 0):,} · ส่งไม่สำเร็จ {failed:,}"
    if month.get("uncertain"):
        detail += f" · ไม่ทราบผล {month['uncertain']:,}"
    return Stat("ข้อความที่บอทส่งวันนี้", today.get("sent", 0), detail=detail, warn=failed > 0)


@card("followers", order=30)
def followers_card(ctx: DashboardContext) -> Stat:
    counts = chats.counts(ctx.db)
    groups = counts.get(("group", "joined"), 0) + counts.get(("room", "joined"), 0)
    return Stat(
        "ผู้ติดตามบัญชี LINE",
        counts.get(("user", "following"), 0),
        detail=f"เลิกติดตาม/บล็อก {counts.get(('user', 'unfollowed'), 0):,} · กลุ่มที่บอทอยู่ {groups:,}",
    )


@card("backlog", order=40)
def backlog_card(ctx: DashboardContext) -> Stat:
    by_status = inbox.counts_by_status(ctx.db)
    waiting = sum(by_status.get(s, 0) for s in inbox.UNFINISHED)
    failed = by_status.get("failed", 0)
    return Stat(
        "ข้อความที่รอบอทประมวลผล",
        waiting,
        detail=f"ประมวลผลไม่สำเร็จ {failed:,} รายการ (ย้อนหลัง 90 วัน)",
        warn=failed > 0 or waiting > 50,
    )


@card("messages-per-day", order=10_000)
def messages_chart(ctx: DashboardContext) -> Panel:
    first = ctx.today - timedelta(days=29)
    per_day = inbox.messages_per_day(ctx.db, day_bounds(first)[0], utc_offset_seconds(ctx.now))
    epoch = date(1970, 1, 1)
    bars = []
    for i in range(30):
        day = first + timedelta(days=i)
        label = thai_date(day, full_month=False).rsplit(" ", 1)[0]  # "27 พ.ย."
        bars.append(Bar(label, per_day.get((day - epoch).days, 0), title=thai_date(day, full_month=False), highlight=day == ctx.today))
    total = sum(b.value for b in bars)
    return Panel(
        "ข้อความจากประชาชน 30 วันล่าสุด",
        bar_chart(bars, title="ข้อความจากประชาชนต่อวัน 30 วันล่าสุด", unit="ข้อความ", label_every=5, chart_id="messages-per-day"),
        note=f"{thai_date(first, full_month=False)} – {thai_date(ctx.today, full_month=False)} รวม {total:,} ข้อความ",
    )


@card("clock-stopped", order=5, roles=(ADMIN,))
def clock_card(ctx: DashboardContext) -> Stat | None:
    """Only when the clock process has stopped (bot/observability.py): nothing while it runs."""
    from bot.observability import clock_status

    status = clock_status(ctx.db)
    if status is None or not status["stale"]:
        return None
    return Stat(
        "นาฬิกาของบอทหยุดทำงาน",
        f"{status['age_seconds'] // 60:,} นาที",
        detail="งานตามเวลา (แจ้งเตือนกำหนดส่ง สรุปงานตอนเช้า) ไม่ทำงาน: เริ่มโปรเซส clock ใหม่ (python -m scheduler run)",
        warn=True,
    )
