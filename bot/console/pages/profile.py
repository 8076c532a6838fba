"""/admin/profile: the SAO's own details (name, address, phone, office hours, LINE ID …), edited by
its admins. The bot, the handbook pages and the posters answer with them at once.

The file is content/profile.yaml (bot/content/profile.py): each save is checked as the bot reads
it, written whole with a copy of the previous one kept (bot/handbook/editing.py), and recorded in
the audit log.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from bot.console import add_nav_item, admin_bp, audit, content
from bot.console.auth import ADMIN, current_user, require_role
from bot.content.profile import LABELS, REQUIRED
from bot.handbook.editing import EditError, StaleEdit
from db import transaction

add_nav_item("admin.profile", "ข้อมูล อบต.", roles=(ADMIN,), order=34)
audit.register_action("profile.edit", "แก้ไขข้อมูล อบต.")

HINTS = {
    "bot_name": "ชื่อที่ประชาชนพิมพ์เรียกบอทในกลุ่ม LINE เช่น น้องคอนฉิม (เว้นว่างได้)",
    "phone": "บอทบอกเบอร์นี้เมื่อประชาชนถามช่องทางติดต่อ",
    "line_basic_id": "ใช้ทำป้าย QR และแสดงในหน้าเผยแพร่",
    "ticket_prefix": "เช่น KC จะได้เลขที่เรื่อง KC-2570-00042 (เว้นว่าง = TK)",
    "map_url": "เว้นว่างได้: ระบบค้นชื่อ อบต. บนแผนที่ให้",
}


@admin_bp.route("/profile", methods=["GET", "POST"])
@require_role(ADMIN)
def profile():
    editor = content.editor()
    raw, version = editor.raw_profile()
    values = {key: raw.get(key, "") for key in LABELS}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        typed = {key: (request.form.get(key) or "").strip() for key in LABELS}
        changed = [key for key in LABELS if typed[key] != values[key]]
        if not changed:
            flash("ไม่มีการเปลี่ยนแปลง", "info")
            return redirect(url_for("admin.profile"))
        db = current_app.extensions["db_pool"].get()
        try:
            with editor.session():  # the file checked and written first, the record after, under one lock
                result = editor.save_profile(typed, request.form.get("version", ""), current_user().username)
                with content.undo_on_failure(editor, result), transaction(db):
                    audit.record(db, "profile.edit", "profile", fields=", ".join(changed),
                                 backup=result.backup.name if result.backup else None)
        except StaleEdit as exc:
            errors, status = {"_file": [str(exc)]}, 409
        except EditError as exc:
            errors, status = exc.by_field() or {"_file": [str(exc)]}, 400
        else:
            content.store().reload()
            flash("บันทึกข้อมูล อบต. แล้ว บอทและหน้าเว็บใช้ข้อมูลใหม่ทันที", "ok")
            return redirect(url_for("admin.profile"))
        values = typed
    return render_template("admin/profile.html", values=values, version=version, errors=errors, labels=LABELS,
                           required=REQUIRED, hints=HINTS), status
