"""Participation (การมีส่วนร่วมของประชาชน) in the console, for admins:

- activities held outside LINE (ประชาคมหมู่บ้าน, hearings, meetings): date, topic, channel,
  participants per village, what was decided and how it was used; and notes of what was
  improved after a LINE topic or a consultation. They replace content/participation.yaml,
  imported once automatically the first time this page is opened (bot/reports/participation_import.py);
- consultations on LINE: open one (a question, choices one per line and/or free comments,
  villages, a closing day), which pushes it to the followers who opted in when the month's
  quota covers them; close early; the results, with the comments for staff only.

Every change is in the audit log. The participation report reads what is recorded here.
"""
from __future__ import annotations

import logging
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from bot.common.thaidate import now as bangkok_now, parse_thai_date, short_numeric
from bot.console import add_nav_item, admin_bp
from bot.console import feedback_shared as shared
from bot.console.audit import record, register_action
from bot.console.auth import ADMIN, current_user, require_role
from bot.feedback import consultation as consult
from bot.feedback import consultation_texts as ct
from bot.handbook.store import content_of
from bot.reports import participation as report
from bot.reports.participation_import import import_if_never
from db import participation, transaction

log = logging.getLogger(__name__)

add_nav_item("admin.participation_page", "การมีส่วนร่วม", roles=(ADMIN,), order=27)
register_action("participation.activity.add", "บันทึกกิจกรรมการมีส่วนร่วม")
register_action("participation.activity.edit", "แก้ไขกิจกรรมการมีส่วนร่วม")
register_action("participation.activity.delete", "ลบกิจกรรมการมีส่วนร่วม")
register_action("participation.import", "นำเข้าบันทึกการมีส่วนร่วมจากไฟล์เดิม")
register_action("participation.consultation.open", "เปิดรับฟังความเห็นทาง LINE")
register_action("participation.consultation.close", "ปิดรับฟังความเห็นทาง LINE")

ACTIVITY = "activity"
TEXT_MAX = 2000
QUESTION_MAX = 500
CHOICE_MAX = 100


def _today() -> date:
    return bangkok_now().date()


def _topic_options(db) -> list[tuple[str, str]]:
    options = [(ACTIVITY, "กิจกรรมนอก LINE (ประชาคม เวทีรับฟังความเห็น ประชุม …)")]
    options += [(key, f"การนำผลไปปรับปรุง: {name} (LINE)") for key, name in report.LINE_TOPICS.items()]
    options += [(report.consultation_topic(x.id), f"การนำผลไปปรับปรุง: รับฟังความเห็นเรื่อง {x.question[:60]}")
                for x in participation.all_consultations(db)]
    return options


@admin_bp.get("/participation")
@require_role(ADMIN)
def participation_page():
    db = shared.db()
    imported = import_if_never(db, current_app.config["SETTINGS"].content_dir)
    if imported:
        with transaction(db):
            record(db, "participation.import", "participation", added=imported)
        flash(f"นำเข้าบันทึกการมีส่วนร่วมจากไฟล์เดิม {imported} รายการแล้ว (นำเข้าครั้งเดียว จากนี้บันทึกในหน้านี้)", "info")
    today = _today()
    consultations = participation.all_consultations(db)
    return render_template(
        "admin/participation.html",
        activities=list(reversed(participation.activities(db))),
        consultations=[(x, x.is_open(today), participation.results(db, x).total) for x in consultations],
        topics=dict(_topic_options(db)),
        line_topics=report.LINE_TOPICS,
    )


# --- activities -----------------------------------------------------------------------------------


def parse_participants(text: str) -> list[tuple[str, int]]:
    """One line per village ("หมู่ 1 บ้านคอนฉิม: 45"), or one number for all; ValueError in Thai."""
    counted = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        name, sep, number = line.rpartition(":")
        if not sep:
            name, _, number = line.rpartition(" ")
        number = number.strip().replace(",", "")
        if not number.isdigit():
            raise ValueError(f"จำนวนผู้เข้าร่วม \"{line}\" ต้องลงท้ายด้วยตัวเลข เช่น หมู่ 1: 45")
        counted.append((" ".join(name.split()), int(number)))
    return counted


def participants_text(participants) -> str:
    return "\n".join(f"{v}: {n}" if v else str(n) for v, n in participants)


def _activity_form(form) -> dict:
    """The form's fields, checked: ValueError in Thai."""
    kind = form.get("kind") or ACTIVITY
    if kind not in dict(_topic_options(shared.db())):
        raise ValueError("กรุณาเลือกประเภทของบันทึก")
    topic = " ".join((form.get("topic") or "").split())[:300] if kind == ACTIVITY else kind
    if not topic:
        raise ValueError("กรุณากรอกหัวข้อกิจกรรม")
    text = (form.get("held_on") or "").strip()
    if not text:
        raise ValueError("กรุณากรอกวันที่")
    held_on = parse_thai_date(text)
    return {
        "held_on": held_on,
        "topic": topic,
        "channel": " ".join((form.get("channel") or "").split())[:200],
        "participants": parse_participants(form.get("participants") or ""),
        "decided": " ".join((form.get("decided") or "").split())[:TEXT_MAX],
        "improvement": " ".join((form.get("improvement") or "").split())[:TEXT_MAX],
    }


def _render_activity(activity=None, form=None, status=200):
    db = shared.db()
    if form is None and activity is not None:
        form = {"kind": activity.topic if activity.is_line_topic else ACTIVITY, "topic": "" if activity.is_line_topic else activity.topic,
                "held_on": short_numeric(activity.held_on), "channel": activity.channel,
                "participants": participants_text(activity.participants), "decided": activity.decided, "improvement": activity.improvement}
    return render_template("admin/participation_activity.html", activity=activity, form=form or {"kind": ACTIVITY},
                           topics=_topic_options(db), activity_kind=ACTIVITY), status


@admin_bp.get("/participation/activities/new")
@require_role(ADMIN)
def participation_activity_new():
    return _render_activity()


@admin_bp.post("/participation/activities/new")
@require_role(ADMIN)
def participation_activity_add():
    try:
        fields = _activity_form(request.form)
    except ValueError as exc:
        flash(str(exc), "error")
        return _render_activity(form=request.form, status=400)
    db = shared.db()
    with transaction(db):
        activity_id = participation.add_activity(db, by=current_user().name, **fields)
        record(db, "participation.activity.add", f"participation:{activity_id}", topic=fields["topic"][:100],
               held_on=fields["held_on"].isoformat(), participants=sum(n for _, n in fields["participants"]))
    flash("บันทึกแล้ว", "ok")
    return redirect(url_for("admin.participation_page"))


def _activity_or_404(activity_id: int):
    activity = participation.get_activity(shared.db(), activity_id)
    if activity is None:
        abort(404)
    return activity


@admin_bp.get("/participation/activities/<int:activity_id>")
@require_role(ADMIN)
def participation_activity(activity_id: int):
    return _render_activity(_activity_or_404(activity_id))


@admin_bp.post("/participation/activities/<int:activity_id>")
@require_role(ADMIN)
def participation_activity_edit(activity_id: int):
    activity = _activity_or_404(activity_id)
    try:
        fields = _activity_form(request.form)
    except ValueError as exc:
        flash(str(exc), "error")
        return _render_activity(activity, form=request.form, status=400)
    db = shared.db()
    with transaction(db):
        participation.update_activity(db, activity.id, by=current_user().name, **fields)
        record(db, "participation.activity.edit", f"participation:{activity.id}", topic=fields["topic"][:100],
               held_on=fields["held_on"].isoformat(), participants=sum(n for _, n in fields["participants"]))
    flash("บันทึกการแก้ไขแล้ว", "ok")
    return redirect(url_for("admin.participation_page"))


@admin_bp.post("/participation/activities/<int:activity_id>/delete")
@require_role(ADMIN)
def participation_activity_delete(activity_id: int):
    activity = _activity_or_404(activity_id)
    db = shared.db()
    with transaction(db):
        participation.delete_activity(db, activity.id)
        record(db, "participation.activity.delete", f"participation:{activity.id}", topic=activity.topic[:100],
               held_on=activity.held_on.isoformat())
    flash("ลบบันทึกแล้ว", "ok")
    return redirect(url_for("admin.participation_page"))


# --- consultations ----------------------------------------------------------------------------------


def _lines(text: str, limit: int, most: int, what: str) -> list[str]:
    items = []
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if line and line not in items:
            if len(line) > limit:
                raise ValueError(f"{what}แต่ละบรรทัดยาวได้ไม่เกิน {limit} ตัวอักษร")
            items.append(line)
    if len(items) > most:
        raise ValueError(f"{what}ได้ไม่เกิน {most} บรรทัด")
    return items


def _consultation_form(form) -> dict:
    question = " ".join((form.get("question") or "").split())
    if not question:
        raise ValueError("กรุณากรอกคำถาม")
    if len(question) > QUESTION_MAX:
        raise ValueError(f"คำถามยาวได้ไม่เกิน {QUESTION_MAX} ตัวอักษร")
    choices = _lines(form.get("choices"), CHOICE_MAX, consult.MAX_CHOICES, "ตัวเลือก")
    if len(choices) == 1:
        raise ValueError("ตัวเลือกต้องมีอย่างน้อย 2 ข้อ (หรือไม่ใส่เลย แล้วเปิดรับความเห็นแบบพิมพ์อย่างเดียว)")
    allow_comment = form.get("allow_comment") == "1"
    if not choices and not allow_comment:
        raise ValueError("ใส่ตัวเลือกอย่างน้อย 2 ข้อ หรือเลือกให้พิมพ์ความเห็นได้")
    villages = _lines(form.get("villages"), 60, consult.MAX_VILLAGES, "หมู่บ้าน")
    text = (form.get("closes_on") or "").strip()
    if not text:
        raise ValueError("กรุณากรอกวันปิดรับฟังความเห็น")
    closes_on = parse_thai_date(text)
    if closes_on < _today():
        raise ValueError("วันปิดรับฟังความเห็นต้องไม่ก่อนวันนี้")
    return {"question": question, "choices": choices, "allow_comment": allow_comment, "villages": villages, "closes_on": closes_on}


def _remaining_quota() -> int | None:
    """Pushes left this month (as bot/reminders/passes.py remaining_quota), None when unknown."""
    worker = current_app.extensions.get("inbox_worker")
    sender = getattr(worker, "sender", None)
    if sender is None:
        return None
    try:
        quota = sender.quota()
    except Exception as exc:  # a quota we cannot read must not stop the consultation
        log.warning("could not read the message quota: %s", exc)
        return None
    if quota.get("type") != "limited":
        return None
    return max(0, int(quota["limit"]) - int(quota["used"]))


@admin_bp.get("/participation/consultations/new")
@require_role(ADMIN)
def participation_consultation_new():
    return _render_consultation_form({})


def _render_consultation_form(form, status=200):
    return render_template("admin/participation_consultation_new.html", form=form, max_choices=consult.MAX_CHOICES,
                           max_villages=consult.MAX_VILLAGES), status


@admin_bp.post("/participation/consultations/new")
@require_role(ADMIN)
def participation_consultation_open():
    try:
        fields = _consultation_form(request.form)
    except ValueError as exc:
        flash(str(exc), "error")
        return _render_consultation_form(request.form, 400)
    db = shared.db()
    remaining = _remaining_quota()
    with transaction(db):
        cid = participation.open_consultation(db, by=current_user().name, **fields)
        opened = participation.get(db, cid)
        told = consult.announce_opened(db, content_of(current_app).profile, opened, remaining)
        record(db, "participation.consultation.open", f"consultation:{cid}", choices=len(fields["choices"]),
               villages=len(fields["villages"]), closes_on=fields["closes_on"].isoformat(), announced=len(told.outbox_ids),
               skipped_for_quota=told.skipped_for_quota)
    flash(f"เปิดรับฟังความเห็นเรื่องที่ {cid} แล้ว", "ok")
    if told.skipped_for_quota:
        flash(f"ไม่ได้ส่งข่าวถึงผู้รับข่าว {told.recipients:,} คน เพราะโควตาข้อความเดือนนี้เหลือ {told.remaining:,} ข้อความ "
              "ประชาชนยังเข้าร่วมได้จากเมนูและป้าย QR", "error")
    elif told.outbox_ids:
        shared.flash_delivery(shared.deliver(list(told.outbox_ids)), "ผู้รับข่าว")
    else:
        flash("ยังไม่มีผู้ขอรับข่าวการรับฟังความเห็น จึงไม่ได้ส่งข่าวทาง LINE", "info")
    return redirect(url_for("admin.participation_consultation", consultation_id=cid))


def _consultation_or_404(consultation_id: int):
    found = participation.get(shared.db(), consultation_id)
    if found is None:
        abort(404)
    return found


def _qr(consultation_id: int) -> tuple[str, str | None]:
    """(the text a poster's QR types, the QR as an SVG data URI or None without the LINE ID)."""
    from bot.feedback.posters import PosterError, deep_link

    typed = ct.typed_entry(consultation_id)
    try:
        import segno

        return typed, segno.make(deep_link(content_of(current_app).profile.line_basic_id, typed), error="m").svg_data_uri(scale=4)
    except (PosterError, ImportError):
        return typed, None


@admin_bp.get("/participation/consultations/<int:consultation_id>")
@require_role(ADMIN)
def participation_consultation(consultation_id: int):
    found = _consultation_or_404(consultation_id)
    typed, qr = _qr(found.id)
    results = participation.results(shared.db(), found)
    return render_template("admin/participation_consultation.html", c=found, is_open=found.is_open(_today()), results=results,
                           typed=typed, qr=qr)


@admin_bp.post("/participation/consultations/<int:consultation_id>/close")
@require_role(ADMIN)
def participation_consultation_close(consultation_id: int):
    found = _consultation_or_404(consultation_id)
    db = shared.db()
    with transaction(db):
        closed = participation.close(db, found.id)
        if closed:
            record(db, "participation.consultation.close", f"consultation:{found.id}", early=found.closes_on >= _today())
    flash("ปิดรับฟังความเห็นแล้ว ผลจะนับในรายงานการมีส่วนร่วมและเผยแพร่ในหน้าความโปร่งใส" if closed else "เรื่องนี้ปิดไปแล้ว",
          "ok" if closed else "info")
    return redirect(url_for("admin.participation_consultation", consultation_id=found.id))
