"""Signing in and out, and changing one's own password."""
from __future__ import annotations

import math

from flask import current_app, flash, g, redirect, render_template, request, url_for

from bot.console import accounts, admin_bp, signin
from bot.console.audit import Actor, current_actor
from bot.console.auth import AUDITOR, EVERY_ROLE, current_user, public, require_role, safe_next, sign_in, sign_out
from bot.console.client import client_ip, is_https
from bot.common.thaidate import thai_datetime
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
        return render_template("admin/login.html", form=None, no_accounts=True, tenant=current_app.config["SETTINGS"].tenant)
    form = LoginForm(request.form if request.method == "POST" else None)
    notice = "หมดเวลาการใช้งานหรือออกจากระบบแล้ว กรุณาเข้าสู่ระบบอีกครั้ง" if request.args.get("reason") == "expired" else None
    if request.method == "POST" and form.validate():
        settings = current_app.config["SETTINGS"]
        ip = client_ip()
        username = accounts.normalise_username(form.username.data)
        device = signin.device_of(settings.secret_key, request.cookies.get(signin.DEVICE_COOKIE), username)
        result = signin.authenticate(db, settings, ip, username, form.password.data, device=device)
        if result.user is not None:
            sign_in(db, result.user, Actor(result.user.id, result.user.username, ip))
            if result.failures_since_last_sign_in:
                flash(_failures_notice(result), "error")
            target = url_for("admin.change_password") if result.user.must_change_password \
                else (request.script_root + next_url if next_url else url_for("admin.dashboard"))
            response = redirect(target)
            if device is None:  # this browser now knows the password: it keeps a way in (signin.py)
                response.set_cookie(
                    signin.DEVICE_COOKIE, signin.new_device_cookie(settings.secret_key, result.user),
                    max_age=signin.DEVICE_COOKIE_DAYS * 86400, path=f"{request.script_root}/admin", httponly=True, samesite="Lax",
                    secure=is_https() if settings.session_cookie_secure == "auto" else settings.session_cookie_secure == "true",
                )
            return response
        if result.wait_seconds > 0:
            return render_template("admin/login.html", form=form, error=_wait_notice(result.wait_seconds), next_url=next_url), 429
        return render_template("admin/login.html", form=form, error=FAILED, next_url=next_url), 401
    status = 400 if request.method == "POST" else 200  # a field left empty
    return render_template("admin/login.html", form=form, notice=notice, next_url=next_url), status


def _wait_notice(seconds: float) -> str:
    wait = f"{math.ceil(seconds)} วินาที" if seconds < 60 else f"{math.ceil(seconds / 60)} นาที"
    return (
        f"มีการเข้าสู่ระบบด้วยชื่อผู้ใช้นี้ไม่สำเร็จหลายครั้ง กรุณารอ {wait} แล้วลองใหม่ "
        "(เบราว์เซอร์ที่ท่านเคยเข้าสู่ระบบสำเร็จไว้แล้วเข้าได้ตามปกติ หากลืมรหัสผ่าน ขอให้ผู้ดูแลระบบตั้งรหัสผ่านใหม่ให้)"
    )


def _failures_notice(result: signin.SignInResult) -> str:
    return (
        f"ตั้งแต่ท่านเข้าสู่ระบบครั้งก่อน มีผู้พยายามเข้าสู่ระบบด้วยชื่อผู้ใช้ของท่านแต่รหัสผ่านไม่ถูกต้อง "
        f"{result.failures_since_last_sign_in} ครั้ง ล่าสุดเมื่อ {thai_datetime(result.last_failure_at)} "
        "หากไม่ใช่ท่าน กรุณาเปลี่ยนรหัสผ่านและแจ้งผู้ดูแลระบบ"
    )


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
