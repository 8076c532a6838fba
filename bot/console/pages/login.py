"""Signing in and out, and changing one's own password."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from bot.console import accounts, admin_bp, signin
from bot.console.audit import current_actor
from bot.console.auth import AUDITOR, EVERY_ROLE, current_user, public, require_role, safe_next, sign_out
from bot.console.forms import ChangePasswordForm, LoginForm
from db import admin_users

FAILED = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"


def _db():
    return current_app.extensions["db_pool"].get()


@admin_bp.route("/login", methods=["GET", "POST"])
@public
def login():
    db = _db()
    next_url = safe_next(request.values.get("next"))
    if current_user() is not None:
        return redirect(next_url or url_for("admin.dashboard"))
    if admin_users.count(db) == 0:
        settings = current_app.config["SETTINGS"]  # a hosted SAO's command names it; a single SAO's does not
        return render_template("admin/login.html", form=None, no_accounts=True,
                               tenant=settings.tenant if settings.hosted else "")
    form = LoginForm(request.form if request.method == "POST" else None)
    notice = "หมดเวลาการใช้งานหรือออกจากระบบแล้ว กรุณาเข้าสู่ระบบอีกครั้ง" if request.args.get("reason") == "expired" else None
    if request.method == "POST" and form.validate():
        result, device = signin.check_form(db, form.username.data, form.password.data)
        if result.user is not None:
            target = url_for("admin.change_password") if result.user.must_change_password \
                else (request.script_root + next_url if next_url else url_for("admin.dashboard"))
            return signin.signed_in(db, result, device, target, cookie_path=f"{request.script_root}/admin")
        if result.wait_seconds > 0:
            return render_template("admin/login.html", form=form, error=signin.wait_notice(result.wait_seconds), next_url=next_url), 429
        return render_template("admin/login.html", form=form, error=FAILED, next_url=next_url), 401
    status = 400 if request.method == "POST" else 200  # a field left empty
    return render_template("admin/login.html", form=form, notice=notice, next_url=next_url), status


@admin_bp.post("/logout")
@require_role(*EVERY_ROLE)
def logout():
    sign_out(_db())
    flash("ออกจากระบบแล้ว", "ok")
    return redirect(url_for("admin.login"))


@admin_bp.route("/account/password", methods=["GET", "POST"])
@require_role(*EVERY_ROLE)
def change_password():
    user = current_user()
    form = ChangePasswordForm(request.form if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.validate():
        try:
            accounts.change_own_password(
                _db(), current_actor(), user, form.current.data, form.new.data, keep_session_hash=g.admin_session_hash
            )
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            if user.role == AUDITOR:  # the audit unit is told at once (the sweeper retries)
                from bot.console.pages.auditor import deliver_notices

                deliver_notices()
            flash("เปลี่ยนรหัสผ่านเรียบร้อยแล้ว อุปกรณ์อื่นที่เคยเข้าสู่ระบบไว้จะต้องเข้าสู่ระบบใหม่", "ok")
            return redirect(url_for("admin.dashboard"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/password.html", form=form, error=error, forced=user.must_change_password), status
