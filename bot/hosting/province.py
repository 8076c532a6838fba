"""The province's console: the figures of the SAOs a provincial account is given, side by side.

    /province/                       each SAO's figures for a round and their total; CSV or XLSX
    /province/sao/<slug>             one SAO's figures, and the reports it publishes (PDF, XLSX)
    /province/login, /province/logout, /province/account/password

Accounts are the host's, not any SAO's (python -m bot province add <username> --tenants a,b).
Signing in, sessions, throttles and the audit log are the SAO console's own (bot/console/auth.py,
signin.py), kept in the province's own database, <DATA_DIR>/province/province.sqlite3 (on PostgreSQL
the schema sao__province), where every account is a provincial one. Which SAOs an account sees is in the tenants' registry
(registry.grant), checked on every page: an SAO not given is "not found", as one that does not exist.

Only counts, rates and means are shown, and the four reports an SAO publishes anyway
(satisfaction, service statistics, participation, measures' follow-up): no complaint, question
or name of a citizen, and nothing of corruption reports (those are the SAO's auditors' alone).
Each report a provincial account downloads is also in that SAO's own audit log ("จังหวัด: <name>"):
the SAO keeps the data, so its admins see who outside it took what.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from bot.config import Settings
from bot.console import audit, auth, signin
from bot.console.client import SessionCookie
from bot.console.forms import LoginForm
from bot.hosting.registry import TenantRegistry, ensure_province, province_settings
from bot.hosting.summary import COLUMNS, SaoFigures, figures_of, with_total
from db import audit_log, transaction

log = logging.getLogger(__name__)

PREFIX = "/province"
# The reports an SAO publishes for everyone: a province may download them. Not the corruption counts.
REPORTS = ("satisfaction", "service-statistics", "participation", "measure-follow-up")
ROUNDS = (("6", "รอบ 6 เดือน (1 ต.ค. – 31 มี.ค.)"), ("12", "รอบ 12 เดือน (1 ต.ค. – 30 ก.ย.)"))
FAILED = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"

province_bp = Blueprint("province", __name__, template_folder="templates")
SAO_LOG_ACTION = "province.report"  # in the SAO's audit log: a provincial account downloaded its report
audit.register_action(SAO_LOG_ACTION, "หน่วยงานระดับจังหวัดดาวน์โหลดรายงาน")


def create_province_app(host: Settings, registry: TenantRegistry, app_for: Callable[[str], object]) -> Flask:
    """The province console, served under /province by the hosted app (bot/hosting/app.py).
    app_for(slug): that SAO's running app, whose database and content the figures are read from."""
    import bot
    from bot import _local_secret
    from bot.pages.assets import assets_bp
    from db import open_for, pool_for

    settings = province_settings(host)
    if not settings.secret_key:
        settings = settings.with_(secret_key=_local_secret(settings.data_path / "secret-key"))
    try:
        ensure_province(host)
        open_for(settings).close()  # made, or brought up to this version's schema
    except Exception as exc:  # PostgreSQL without the admin role: the SAOs are served, the province waits
        if not settings.tenant:
            raise
        log.error("the province console's schema is not ready (python -m bot province add makes it): %s", exc)
    package = Path(bot.__file__).parent
    app = Flask(__name__, static_folder=str(package / "static"), template_folder=str(package / "templates"))
    app.session_interface = SessionCookie()
    app.config.update(
        SETTINGS=settings, SECRET_KEY=settings.secret_key, SESSION_COOKIE_PATH=f"{PREFIX}/",
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SAO_SESSION_COOKIE_SECURE=settings.session_cookie_secure, SAO_TRUSTED_PROXY_HOPS=settings.trusted_proxy_hops,
    )
    app.extensions.update(db_pool=pool_for(settings.database_path, settings.database_url, settings.tenant), tenant_registry=registry, tenant_app=app_for)
    app.jinja_env.globals.update(
        csrf_field=lambda: Markup(f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'),
        columns=COLUMNS,
    )
    app.context_processor(lambda: {"current_user": auth.current_user()})
    app.register_blueprint(assets_bp)
    # The console's form macros (admin/_macros.html): templates only, no routes.
    app.register_blueprint(Blueprint("console_templates", __name__, template_folder=str(package / "console" / "templates")))
    app.register_blueprint(province_bp)
    app.after_request(auth.add_security_headers)
    from bot.console import ERROR_TEXTS

    for code in ERROR_TEXTS:
        app.register_error_handler(code, _error_page)
    return app


def _error_page(error):
    from bot.console import CSRF_ERROR_TEXT, ERROR_TEXTS

    code = getattr(error, "code", 500) or 500
    title, text = ERROR_TEXTS.get(code, ("เกิดข้อผิดพลาด", "ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง"))
    if code == 400 and getattr(error, "description", "") == "csrf":
        title, text = CSRF_ERROR_TEXT
    return render_template("province/error.html", title=title, text=text), code


# --- who is signed in, and which SAOs they see ------------------------------------------------


def public(view):
    view.public = True
    return view


@province_bp.before_request
def guard():
    """Every page but sign-in needs a provincial account; every form its CSRF token."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return None
    auth.load_signed_in_user()
    if request.method in auth.UNSAFE_METHODS and auth.csrf_failed():
        abort(400, description="csrf")
    if auth.current_user() is None and not getattr(view, "public", False):
        args = {"next": request.full_path.rstrip("?")} if request.method == "GET" else {}
        if g.get("admin_session_ended"):
            args["reason"] = "expired"
        return redirect(url_for("province.login", **args))
    return None


def _db():
    return current_app.extensions["db_pool"].get()


def _given() -> list:
    """The SAOs the signed-in account sees, as the registry says now."""
    return current_app.extensions["tenant_registry"].granted(auth.current_user().username)


def _safe_next(target: str | None) -> str | None:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


# --- the round chosen ---------------------------------------------------------------------


def _period():
    """(period, fy, round key, error) from ?fy=&round=: the latest ended round when absent or wrong."""
    from bot.common.thaidate import now
    from bot.reports import PeriodError, ReportPeriod
    from bot.reports.period import latest_ended_round

    default = latest_ended_round(now().date())
    try:
        fy = int(request.args.get("fy") or default[0])
        months = int(request.args.get("round") or default[1])
        return ReportPeriod.of_round(fy, months), fy, str(months), None
    except PeriodError as exc:
        error = str(exc)
    except ValueError:
        error = "ปีงบประมาณและรอบต้องเป็นตัวเลข เช่น ปี 2570 รอบ 12"
    return ReportPeriod.of_round(*default), default[0], str(default[1]), error


def _context(slug: str, period):
    """A report context over the SAO's running app: its database and its current content."""
    from bot.common.thaidate import now
    from bot.handbook.store import content_of
    from bot.reports import ReportContext

    app = current_app.extensions["tenant_app"](slug)
    if app is None:
        abort(404)
    return ReportContext.of_snapshot(app.extensions["db_pool"].get(), app.config["SETTINGS"].content_dir,
                                     content_of(app), period, now=now())


def _figures(tenants, period) -> list[SaoFigures]:
    return with_total([figures_of(_context(t.slug, period), t.slug, t.name) for t in tenants], "รวม อบต. ที่ได้รับมอบหมาย")


# --- pages ----------------------------------------------------------------------------------


@province_bp.route("/login", methods=["GET", "POST"])
@public
def login():
    from db import admin_users

    db = _db()
    next_url = _safe_next(request.values.get("next"))
    if auth.current_user() is not None:
        return redirect(next_url or url_for("province.index"))
    form = LoginForm(request.form if request.method == "POST" else None)
    notice = "หมดเวลาการใช้งานหรือออกจากระบบแล้ว กรุณาเข้าสู่ระบบอีกครั้ง" if request.args.get("reason") == "expired" else None
    no_accounts = admin_users.count(db) == 0
    if request.method == "POST" and form.validate() and not no_accounts:
        result, device = signin.check_form(db, form.username.data, form.password.data)
        if result.user is not None:
            target = request.script_root + next_url if next_url else url_for("province.index")
            return signin.signed_in(db, result, device, target, cookie_path=f"{request.script_root}/")
        if result.wait_seconds > 0:
            return render_template("province/login.html", form=form, next_url=next_url,
                                   error=signin.wait_notice(result.wait_seconds)), 429
        return render_template("province/login.html", form=form, error=FAILED, next_url=next_url), 401
    status = 400 if request.method == "POST" else 200
    return render_template("province/login.html", form=form, notice=notice, next_url=next_url, no_accounts=no_accounts), status


@province_bp.post("/logout")
def logout():
    auth.sign_out(_db())
    flash("ออกจากระบบแล้ว", "ok")
    return redirect(url_for("province.login"))


@province_bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """The account's own password, as in an SAO's console: its other sessions end."""
    from bot.console import accounts
    from bot.console.forms import ChangePasswordForm

    user = auth.current_user()
    form = ChangePasswordForm(request.form if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.validate():
        try:
            accounts.change_own_password(_db(), audit.current_actor(), user, form.current.data, form.new.data,
                                         keep_session_hash=g.admin_session_hash)
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            flash("เปลี่ยนรหัสผ่านเรียบร้อยแล้ว อุปกรณ์อื่นที่เคยเข้าสู่ระบบไว้จะต้องเข้าสู่ระบบใหม่", "ok")
            return redirect(url_for("province.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("province/password.html", form=form, error=error), status


@province_bp.get("/")
def index():
    from bot.console.exports import Column, export_response

    period, fy, key, error = _period()
    tenants = _given()
    rows = _figures(tenants, period)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx") and rows:
        columns = [Column(heading, value) for heading, value in COLUMNS]
        return export_response(fmt, f"province_{fy}_{key}m", "สรุปรายอบต.", columns, rows)
    return render_template("province/index.html", rows=rows, period=period, fy=fy, round_key=key, rounds=ROUNDS,
                           error=error, tenants=tenants)


@province_bp.get("/sao/<slug>")
def sao(slug: str):
    from bot.reports import KINDS

    tenant = _tenant(slug)
    period, fy, key, error = _period()
    figures = figures_of(_context(slug, period), tenant.slug, tenant.name)
    return render_template("province/sao.html", tenant=tenant, f=figures, period=period, fy=fy, round_key=key,
                           rounds=ROUNDS, error=error, reports=[KINDS[k] for k in REPORTS])


@province_bp.get("/sao/<slug>/report/<kind>.<fmt>")
def report(slug: str, kind: str, fmt: str):
    from bot.reports import FORMATS, produce

    tenant = _tenant(slug)
    if kind not in REPORTS or fmt not in FORMATS:
        abort(404)
    period, _fy, _key, _error = _period()
    context = _context(slug, period)
    produced = produce(kind, fmt, context)
    actor = audit.current_actor()
    db = _db()
    with transaction(db):
        actor.record(db, "report.produce", f"report:{kind}", tenant=tenant.slug, format=fmt, period=period.label)
    with transaction(context.db):
        audit_log.record(context.db, actor=f"จังหวัด: {actor.name}", action=SAO_LOG_ACTION, target=f"report:{kind}",
                         details={"format": fmt, "period": period.label}, ip=actor.ip)
    response = current_app.response_class(produced.content, mimetype=produced.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{tenant.slug}_{produced.filename}"'
    return response


def _tenant(slug: str):
    """The SAO, if this account is given it; otherwise 404, the same as for an SAO that does not exist."""
    for tenant in _given():
        if tenant.slug == slug:
            return tenant
    log.warning("province: %s refused tenant %r", auth.current_user().username, slug)
    abort(404)
