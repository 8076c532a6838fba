"""Managing console accounts (admins only): create, change role or division, disable, reset password.

Giving auditor access (create an auditor, make an account an auditor, re-enable a disabled
auditor, reset an auditor's password) only sends a request that another auditor confirms
(bot/console/auditor_requests.py, finding F2).
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from bot.console import accounts, add_nav_item, admin_bp, auditor_requests, divisions
from bot.console.audit import current_actor
from bot.console.auditor_log import REQUEST_KINDS
from bot.console.auth import ADMIN, AUDITOR, current_user, require_role
from bot.console.forms import DisplayNameForm, NewUserForm, RoleForm, division_choices
from bot.console.passwords import temporary_password
from bot.console.pages.auditor import deliver_notices
from db import admin_sessions, admin_users, audit_log
from db import auditor_requests as requests_store

add_nav_item("admin.users", "ผู้ใช้งาน", roles=(ADMIN,), order=80)

REQUESTED = (
    "ส่งคำขอให้หน่วยตรวจสอบพิจารณาแล้ว การเปลี่ยนแปลงจะมีผลเมื่อผู้ตรวจสอบยืนยัน "
    "และรหัสผ่านชั่วคราว (ถ้ามี) จะแสดงแก่ผู้ตรวจสอบผู้ยืนยันเท่านั้น"
)


def _db():
    return current_app.extensions["db_pool"].get()


def _user_or_404(user_id: int):
    user = admin_users.get(_db(), user_id)
    if user is None:
        abort(404)
    return user


def _with_divisions(form):
    form.division_id.choices = division_choices(divisions())
    return form


@admin_bp.get("/users")
@require_role(ADMIN)
def users():
    db = _db()
    return render_template(
        "admin/users.html", users=admin_users.list_all(db), requests=requests_store.pending(db), kinds=REQUEST_KINDS
    )


@admin_bp.route("/users/new", methods=["GET", "POST"])
@require_role(ADMIN)
def new_user():
    form = _with_divisions(NewUserForm(request.form if request.method == "POST" else None))
    error = None
    if request.method == "POST" and form.validate():
        try:
            if form.role.data == AUDITOR:  # only a request: another auditor confirms it
                auditor_requests.request(
                    _db(), current_actor(), "create", username=form.username.data, display_name=form.display_name.data or ""
                )
                deliver_notices()
                flash(REQUESTED, "ok")
                return redirect(url_for("admin.users"))
            password = temporary_password()
            user_id = accounts.create_user(
                _db(),
                current_actor(),
                username=form.username.data,
                role=form.role.data,
                division_id=form.division_id.data or None,
                display_name=form.display_name.data or "",
                password=password,
                divisions=divisions(),
            )
        except accounts.AccountError as exc:
            error = str(exc)
        else:
            # Shown once, in this response only: never stored in the session cookie or the log.
            return render_template(
                "admin/temporary_password.html", user=admin_users.get(_db(), user_id), password=password, created=True
            )
    return render_template("admin/user_new.html", form=form, error=error), (400 if error else 200)


@admin_bp.get("/users/<int:user_id>")
@require_role(ADMIN)
def user_detail(user_id: int):
    user = _user_or_404(user_id)
    db = _db()
    role_form = _with_divisions(RoleForm(data={"role": user.role, "division_id": user.division_id or ""}))
    name_form = DisplayNameForm(data={"display_name": user.display_name})
    history = audit_log.search(db, audit_log.AuditFilter(target=f"user:{user.id}"), limit=20)
    return render_template(
        "admin/user_detail.html",
        user=user,
        role_form=role_form,
        name_form=name_form,
        history=history,
        sessions=admin_sessions.count_for_user(db, user.id),
        is_self=user.id == current_user().id,
        pending=[r for r in requests_store.pending(db) if r.account_id == user.id],
        kinds=REQUEST_KINDS,
    )


def _apply(user_id: int, change, done: str, unchanged: str = "ไม่มีการเปลี่ยนแปลง"):
    _user_or_404(user_id)
    try:
        changed = change()
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        deliver_notices()  # a change to an auditor account is told to the audit unit
        flash(done if changed else unchanged, "ok" if changed else "info")
    return redirect(url_for("admin.user_detail", user_id=user_id))


def _ask_an_auditor(user_id: int, kind: str):
    """Auditor access is only asked for here: another auditor confirms it (finding F2)."""
    try:
        auditor_requests.request(_db(), current_actor(), kind, user_id=user_id)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        deliver_notices()
        flash(REQUESTED, "ok")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@admin_bp.post("/users/<int:user_id>/role")
@require_role(ADMIN)
def change_role(user_id: int):
    form = _with_divisions(RoleForm(request.form))
    if form.role.data == AUDITOR and _user_or_404(user_id).role != AUDITOR:
        return _ask_an_auditor(user_id, "role")
    return _apply(
        user_id,
        lambda: accounts.change_role(
            _db(), current_actor(), user_id, form.role.data, form.division_id.data or None, divisions()
        ),
        "เปลี่ยนบทบาทเรียบร้อยแล้ว",
    )


@admin_bp.post("/users/<int:user_id>/name")
@require_role(ADMIN)
def rename_user(user_id: int):
    form = DisplayNameForm(request.form)
    return _apply(user_id, lambda: accounts.rename(_db(), current_actor(), user_id, form.display_name.data or ""), "บันทึกชื่อแล้ว")


@admin_bp.post("/users/<int:user_id>/disable")
@require_role(ADMIN)
def disable_user(user_id: int):
    return _apply(
        user_id,
        lambda: accounts.set_active(_db(), current_actor(), user_id, False),
        "ปิดการใช้งานบัญชีแล้ว ผู้ใช้นี้ถูกออกจากระบบทุกอุปกรณ์",
        "บัญชีนี้ปิดการใช้งานอยู่แล้ว",
    )


@admin_bp.post("/users/<int:user_id>/enable")
@require_role(ADMIN)
def enable_user(user_id: int):
    user = _user_or_404(user_id)
    if user.role == AUDITOR and not user.active:
        return _ask_an_auditor(user_id, "enable")
    return _apply(
        user_id, lambda: accounts.set_active(_db(), current_actor(), user_id, True), "เปิดการใช้งานบัญชีแล้ว", "บัญชีนี้ใช้งานได้อยู่แล้ว"
    )


@admin_bp.post("/users/<int:user_id>/reset-password")
@require_role(ADMIN)
def reset_password(user_id: int):
    if _user_or_404(user_id).role == AUDITOR:
        return _ask_an_auditor(user_id, "reset")
    try:
        password = accounts.reset_password(_db(), current_actor(), user_id)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.user_detail", user_id=user_id))
    return render_template("admin/temporary_password.html", user=admin_users.get(_db(), user_id), password=password, created=False)
