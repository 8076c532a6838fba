"""The admin console at /admin: a Flask blueprint for the SAO's admins, division staff and auditors.

The pages are in bot/console/pages/ (one module per page or group of pages); the modules here
are what they share: sign-in and roles (auth, signin, accounts, passwords, client), the audit
log (audit, auditor_log, auditor_requests), exports, periods, charts, forms, previews of what
the bot sends (bot_answer, flex_preview), content editing and the feedback pages' helpers.

What a feature page uses (see README "Admin console" and bot/console/auth.py):
- `@admin_bp.get(...)` + `@require_role(...)` on every view (deny by default otherwise);
- `require_division(id)` / `division_sql(user)` for one division's records,
  `require_corruption_reader()` / `may_read_corruption_reports(user)` for corruption reports;
- `audit.record(db, "ticket.status", "ticket:12", old=..., new=...)` inside the change's transaction,
  and `audit.register_action("ticket.status", "<Thai name>")`;
- `add_nav_item(...)` for its menu entry and `dashboard.card(...)` (bot/console/pages/dashboard.py)
  for dashboard cards;
- `exports.export_response(...)` for CSV/XLSX; `periods.Period.from_args(request.args)` for periods;
- templates extend "admin/layout.html" and put `{{ csrf_field() }}` in every form;
- the module in bot/console/pages/, listed in bot/wiring.py `CONSOLE_PAGES` (the console loads
  those and no others).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from bot.console.auth import (
    EVERY_ROLE,
    ROLE_DESCRIPTIONS,
    ROLE_LABELS,
    add_security_headers,
    current_user,
    guard_request,
)
from bot import wiring
from bot.config import Settings
from bot.content import divisions as divisions_module
from bot.content.divisions import Division
from bot.handbook.store import content_of


admin_bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
admin_bp.before_request(guard_request)
admin_bp.after_request(add_security_headers)


# --- the menu: each page adds its own entry --------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: frozenset[str]
    order: int = 100


NAV_ITEMS: list[NavItem] = []


def add_nav_item(endpoint: str, label: str, roles: tuple[str, ...] = EVERY_ROLE, order: int = 100) -> None:
    """Show a page in the console's menu to these roles (hiding is a courtesy: the view's
    @require_role is what enforces access)."""
    if any(item.endpoint == endpoint for item in NAV_ITEMS):
        return
    NAV_ITEMS.append(NavItem(endpoint, label, frozenset(roles), order))
    NAV_ITEMS.sort(key=lambda item: (item.order, item.label))


def nav_items_for(user) -> list[NavItem]:
    if user is None:
        return []
    return [item for item in NAV_ITEMS if user.role in item.roles]


# --- the SAO's divisions, from the content snapshot the bot answers from ------------------------


def divisions() -> tuple[Division, ...]:
    """content/divisions.yaml as the bot has it (bot/handbook/store.py): reloaded with the rest of
    the content when it changes; a broken edit, even at start, keeps the last good list."""
    return content_of(current_app).divisions


def division_name(division_id: str | None) -> str:
    return divisions_module.division_name(divisions(), division_id)


# --- templates -----------------------------------------------------------------------------


def csrf_field() -> Markup:
    return Markup(f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">')


@admin_bp.context_processor
def _template_globals():
    from bot.console.audit import action_label

    profile = content_of(current_app).profile
    user = current_user()
    return {
        "action_label": action_label,
        "current_user": user,
        "nav_items": nav_items_for(user),
        "role_labels": ROLE_LABELS,
        "role_descriptions": ROLE_DESCRIPTIONS,
        "division_name": division_name,
        "csrf_field": csrf_field,
        "csrf_token": generate_csrf,
        "sao_name": profile.short_name,
        "sao_full_name": profile.name,
    }


@admin_bp.app_template_filter("thai_date")
def _thai_date(value, full_month: bool = False) -> str:
    from bot.common.thaidate import thai_date

    return thai_date(value, full_month)


@admin_bp.app_template_filter("thai_datetime")
def _thai_datetime(value, seconds: bool = False) -> str:
    from bot.common.thaidate import thai_datetime

    return thai_datetime(value, seconds)


@admin_bp.app_template_filter("number")
def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


ERROR_TEXTS = {
    400: ("คำขอไม่ถูกต้อง", "ระบบไม่เข้าใจคำขอนี้ กรุณากลับไปหน้าก่อนแล้วลองอีกครั้ง"),
    403: ("ไม่มีสิทธิ์เข้าถึง", "บัญชีของท่านไม่มีสิทธิ์ใช้หน้านี้ หากต้องใช้งาน กรุณาติดต่อผู้ดูแลระบบ"),
    404: ("ไม่พบหน้าที่ต้องการ", "หน้านี้หรือรายการนี้ไม่มีอยู่ หรืออาจถูกลบไปแล้ว"),
    405: ("ใช้งานแบบนี้ไม่ได้", "หน้านี้ไม่รองรับการใช้งานแบบนี้ กรุณากลับไปหน้าก่อน"),
}
CSRF_ERROR_TEXT = ("แบบฟอร์มหมดอายุ", "แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งมาจากหน้าของระบบ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    title, text = ERROR_TEXTS.get(code, ("เกิดข้อผิดพลาด", "ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง"))
    if code == 400 and getattr(error, "description", "") == "csrf":
        title, text = CSRF_ERROR_TEXT
    return render_template("admin/error.html", title=title, text=text, code=code), code


for _code in ERROR_TEXTS:
    admin_bp.register_error_handler(_code, _error_page)


def init_app(app: Flask, settings: Settings) -> None:
    """Mount the console at /admin and set the session cookie's security (SessionCookie,
    installed once by the app factory)."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SAO_SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SAO_TRUSTED_PROXY_HOPS=settings.trusted_proxy_hops,
    )
    wiring.load_console_pages()  # each page registers its routes, menu entry and cards (bot/wiring.py)
    app.register_blueprint(admin_bp)

