"""The citizen handbook in the console: the list, and editing one procedure with previews.

An edit is checked with the very checks of the content files (bot/handbook/loader.py); a
mistake is shown in Thai next to its field and nothing is written. A saved edit is written
atomically, the previous file kept in the history folder, the audit log told, and the
handbook reloaded: the bot answers with it at once (other processes within seconds).
The preview shows the LINE card (built by the bot's own card builder, drawn as HTML) and
the public page /handbook/<id>, from the unsaved values.

Who may edit: admins every procedure; division staff the procedures of their division
(and they cannot move one to another division). Everyone signed in may read the list.
"""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from bot.console import add_nav_item, admin_bp, audit, content, divisions
from bot.console.auth import ADMIN, STAFF, current_user, require_role
from bot.console.flex_preview import render_messages
from bot.conversation.engine import Context, State
from bot.handbook.editing import EditError, StaleEdit
from bot.handbook.model import SECTION_TITLES, SECTIONS
from bot.handbook.schema import DATE, EDITABLE, FIELD, FORM_BOXES, GROUP, NUMBER, ROWS, SECTION_TABLE, TEXTS
from bot.common.thaidate import now, parse_thai_date, short_numeric
from db import transaction

add_nav_item("admin.handbook", "คู่มือประชาชน", roles=(ADMIN, STAFF), order=32)
audit.register_action("handbook.edit", "แก้ไขคู่มือประชาชน")

BLANK_ROWS = 2  # empty rows under the filled ones, to add more without a script


def _procedure_or_404(procedure_id: str):
    procedure = content.handbook().get(procedure_id)
    if procedure is None:
        abort(404)
    return procedure


@admin_bp.get("/handbook")
@require_role(ADMIN, STAFF)
def handbook():
    user = current_user()
    store = content.store()
    loaded = store.current()
    return render_template(
        "admin/handbook.html",
        book=loaded.handbook, loaded_at=loaded.loaded_at, content_problems=content.content_problems(),
        may_edit=lambda p: content.may_edit_procedure(user, p),
    )


# --- form <-> the file's values ---------------------------------------------------------------


def _one_line(text) -> str:
    return " ".join((text or "").split())


def form_from_raw(raw: dict) -> dict:
    """The file's values (placeholders unfilled) as the form shows them, field by field (schema.FIELDS)."""
    form: dict = {}
    for name in EDITABLE:
        field, value = FIELD[name], raw.get(name)
        if field.kind == TEXTS:
            form[name] = "\n".join(str(v) for v in ([value] if isinstance(value, str) else value or []))
        elif field.kind == ROWS:
            if field.shorthand and isinstance(value, str):
                value = [{field.shorthand: value}]
            cols = [p.key for p in field.parts]
            rows = [{c: str(r.get(c, "") or "") if isinstance(r, dict) else "" for c in cols}
                    for r in (value if isinstance(value, list) else [])]
            form[name] = rows + [dict.fromkeys(cols, "") for _ in range(BLANK_ROWS)]
        elif field.kind == GROUP:
            value = value if isinstance(value, dict) else {}
            form[name] = {p.key: value.get(p.key, "") for p in field.parts}
        elif field.kind == DATE:
            form[name] = short_numeric(value) if isinstance(value, date) else str(value or "")
        elif field.kind == NUMBER:
            form[name] = str(raw.get(name, ""))
        else:
            form[name] = raw.get(name, "")
    return form


def values_from_form(data) -> tuple[dict, dict, dict]:
    """(values for the file, the form as typed, errors the console finds before the file checks)."""
    errors: dict[str, list[str]] = {}
    form: dict = {}
    values: dict = {}
    for name in EDITABLE:
        field = FIELD[name]
        if field.kind == TEXTS:
            form[name] = (data.get(name) or "").strip()
            values[name] = [_one_line(line) for line in form[name].splitlines() if line.strip()]
        elif field.kind == ROWS:
            cols = [p.key for p in field.parts]
            rows = []
            while any(f"{name}-{len(rows)}-{c}" in data for c in cols):
                rows.append({c: _one_line(data.get(f"{name}-{len(rows)}-{c}")) for c in cols})
            filled = [r for r in rows if any(r.values())]
            values[name] = [{c: v for c, v in r.items() if v} for r in filled]
            form[name] = filled + [dict.fromkeys(cols, "") for _ in range(BLANK_ROWS)]
        elif field.kind == GROUP:
            form[name] = {p.key: _one_line(data.get(f"{name}-{p.key}")) for p in field.parts}
            values[name] = {k: v for k, v in form[name].items() if v} or None
        elif field.kind == DATE:
            form[name] = (data.get(name) or "").strip()
            try:
                values[name] = parse_thai_date(form[name])
            except ValueError as exc:
                errors[name] = [f"{field.noun}ไม่ถูกต้อง: {exc}"]
                values[name] = None
        elif field.kind == NUMBER:
            form[name] = (data.get(name) or "").strip()
            try:
                values[name] = int(form[name]) if form[name] else None
            except ValueError:
                errors[name] = [f"{field.noun}ต้องเป็นจำนวนเต็ม เช่น 10"]
                values[name] = form[name]
        elif field.lines:  # a text written in a textarea: the form keeps its lines, the file one line
            form[name] = (data.get(name) or "").strip()
            values[name] = _one_line(form[name])
        else:
            form[name] = values[name] = _one_line(data.get(name))
    return values, form, errors


# --- previews ------------------------------------------------------------------------------------


def card_preview(procedure, section: str):
    """The LINE card the bot sends for this section, from the bot's own card builder."""
    from bot.conversation import handbook as flow

    ctx = Context(profile=content.profile(), now=now(), new_session="preview", handbook=None,
                  public_base_url=content.public_base_url())
    return render_messages([flow._card(ctx, State(flow.FLOW, flow.STEP, "preview"), procedure, section)])


def page_preview(procedure):
    """The public page /handbook/<id> as it would read (without its header and footer)."""
    from bot.handbook.pages import thai_date

    return Markup(render_template("handbook/_article.html", p=procedure, profile=content.profile(), thai_date=thai_date,
                                  section_titles=SECTION_TITLES, sections=SECTIONS, page_sections=SECTION_TABLE,
                                  id_prefix="preview-"))


def _render_edit(procedure_id: str, form: dict, version: str, preview_procedure, errors: dict, section: str,
                 status: int = 200, stale: bool = False):
    user = current_user()
    choices = [d for d in divisions() if user.role == ADMIN or d.id == user.division_id]
    return render_template(
        "admin/handbook_edit.html",
        procedure_id=procedure_id, form=form, version=version, errors=errors, boxes=FORM_BOXES,
        division_choices=choices, sections=SECTIONS,
        section_titles=SECTION_TITLES, section=section, stale=stale,
        card=card_preview(preview_procedure, section) if preview_procedure else None,
        page=page_preview(preview_procedure) if preview_procedure else None,
    ), status


def _section_arg(source) -> str:
    section = source.get("section") or "overview"
    return section if section in SECTIONS else "overview"


@admin_bp.get("/handbook/<procedure_id>")
@require_role(ADMIN, STAFF)
def handbook_edit(procedure_id: str):
    procedure = _procedure_or_404(procedure_id)
    if not content.may_edit_procedure(current_user(), procedure):
        abort(403)
    try:
        raw, version = content.editor().raw_procedure(procedure_id)
    except EditError:
        abort(404)
    form = form_from_raw(raw)
    form["updated"] = short_numeric(now().date())  # an edit is an update; change it to keep the old date
    return _render_edit(procedure_id, form, version, procedure, {}, _section_arg(request.args))


@admin_bp.post("/handbook/<procedure_id>")
@require_role(ADMIN, STAFF)
def handbook_save(procedure_id: str):
    user = current_user()
    procedure = _procedure_or_404(procedure_id)
    if not content.may_edit_procedure(user, procedure):
        abort(403)
    values, form, errors = values_from_form(request.form)
    version = request.form.get("version") or ""
    section = _section_arg(request.form)
    if user.role != ADMIN and values["division"] != user.division_id:
        errors.setdefault("division", []).append("เจ้าหน้าที่ประจำกองย้ายเรื่องไปกองอื่นไม่ได้ กรุณาติดต่อผู้ดูแลระบบ")
    editor = content.editor()
    if errors:
        return _render_edit(procedure_id, form, version, None, errors, section, 400)
    if request.form.get("action") != "save":
        try:
            preview = editor.preview_procedure(procedure_id, values).get(procedure_id)
        except EditError as exc:
            return _render_edit(procedure_id, form, version, None, _field_errors(exc), section, 400)
        return _render_edit(procedure_id, form, version, preview, {}, section)
    db = current_app.extensions["db_pool"].get()
    try:
        raw, _ = editor.raw_procedure(procedure_id)
        changed = editor.changed_fields(raw, values)
        if not changed:
            flash("ไม่มีการเปลี่ยนแปลง", "info")
            return redirect(url_for("admin.handbook_edit", procedure_id=procedure_id))
        with editor.session():  # the file is checked and written first, the record after, under one lock
            result = editor.save_procedure(procedure_id, values, version, user.username)
            with content.undo_on_failure(editor, result), transaction(db):
                audit.record(db, "handbook.edit", f"procedure:{procedure_id}", fields=", ".join(changed),
                             file=result.path.name, backup=result.backup.name if result.backup else None)
    except StaleEdit as exc:
        return _render_edit(procedure_id, form, version, None, {"_file": [str(exc)]}, section, 409, stale=True)
    except EditError as exc:
        return _render_edit(procedure_id, form, version, None, _field_errors(exc), section, 400)
    content.store().reload()
    flash(f"บันทึกเรื่อง{result.handbook.get(procedure_id).short_title}แล้ว บอทและหน้าคู่มือใช้ข้อมูลใหม่ทันที", "ok")
    return redirect(url_for("admin.handbook_edit", procedure_id=procedure_id, section=section))


def _field_errors(exc: EditError) -> dict[str, list[str]]:
    errors = exc.by_field()
    if "_file" in errors or set(errors) - set(EDITABLE):
        errors.setdefault("_file", []).insert(0, str(exc))
    return errors


# --- ready answers (content/faq.yaml): admins only -------------------------------------------------

audit.register_action("handbook.faq_edit", "แก้ไขคำตอบสำเร็จรูป (FAQ)")
audit.register_action("handbook.faq_delete", "ลบคำตอบสำเร็จรูป (FAQ)")


def _faq_form(raw: dict) -> dict:
    aliases = raw.get("aliases") or []
    return {
        "question": raw.get("question", ""), "aliases": "\n".join([aliases] if isinstance(aliases, str) else aliases),
        "answer": raw.get("answer", ""), "division": raw.get("division", ""),
    }


def _render_faq(entry_id: str, form: dict, version: str, errors: dict, status: int = 200):
    from bot.console.bot_answer import bot_answer

    book = content.handbook()
    entry = book.faq_entry(entry_id)
    preview = bot_answer(content.store(), content.profile(), entry.question) if entry else None
    return render_template(
        "admin/handbook_faq.html", entry_id=entry_id, form=form, version=version, errors=errors,
        divisions=divisions(), preview=preview,
    ), status


@admin_bp.get("/handbook/faq/<entry_id>")
@require_role(ADMIN)
def faq_edit(entry_id: str):
    try:
        raw, version = content.editor().raw_faq(entry_id)
    except EditError:
        abort(404)
    return _render_faq(entry_id, _faq_form(raw), version, {})


@admin_bp.post("/handbook/faq/<entry_id>")
@require_role(ADMIN)
def faq_save(entry_id: str):
    editor = content.editor()
    try:
        editor.raw_faq(entry_id)
    except EditError:
        abort(404)
    form = {k: (request.form.get(k) or "").strip() for k in ("question", "aliases", "answer", "division")}
    version = request.form.get("version") or ""
    deleting = request.form.get("action") == "delete"
    values = {
        "question": " ".join(form["question"].split()),
        "aliases": [" ".join(a.split()) for a in form["aliases"].splitlines() if a.strip()],
        "answer": form["answer"],
        "division": form["division"] if form["division"] in {d.id for d in divisions()} else "",
        "updated": now().date(),
    }
    db = current_app.extensions["db_pool"].get()
    try:
        with editor.session():
            if deleting:
                result = editor.delete_faq(entry_id, version, current_user().username)
            else:
                result = editor.save_faq(entry_id, values, version, current_user().username)
            with content.undo_on_failure(editor, result), transaction(db):
                audit.record(db, "handbook.faq_delete" if deleting else "handbook.faq_edit", f"faq:{entry_id}",
                             question=values["question"], file=result.path.name,
                             backup=result.backup.name if result.backup else None)
    except StaleEdit as exc:
        return _render_faq(entry_id, form, version, {"_file": [str(exc)]}, 409)
    except EditError as exc:
        errors = exc.by_field()
        if "_file" in errors or not errors:
            errors.setdefault("_file", []).insert(0, str(exc))
        return _render_faq(entry_id, form, version, errors, 400)
    content.store().reload()
    if deleting:
        flash("ลบคำตอบสำเร็จรูปแล้ว บอทจะไม่ใช้คำตอบนี้อีก", "ok")
        return redirect(url_for("admin.handbook"))
    flash("บันทึกคำตอบสำเร็จรูปแล้ว บอทใช้ข้อมูลใหม่ทันที", "ok")
    return redirect(url_for("admin.faq_edit", entry_id=entry_id))
