"""Participation as a module (issue 20): activities recorded in the console instead of
content/participation.yaml (imported once), consultations opened in the console and answered
once each over LINE, the push to followers who opted in, and the participation report."""
from __future__ import annotations

import argparse
import io
import json
from datetime import date, timedelta

import openpyxl
import pytest

from admin_support import Console, csrf_from
from bot.common.thaidate import now as bangkok_now, short_numeric
from bot.reports import ReportContext, ReportPeriod, produce
from bot.reports import participation as report
from bot.reports.participation_import import cmd_participation
from db import audit_log, open_database, participation, transaction
from feedback_support import Chat, buttons_of, text_of
from helpers import wait_until
from report_support import NOTES, make_content


def _token(client, path="/admin/participation/activities/new") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


# --- activities in the console ------------------------------------------------------------------------


def test_the_console_records_edits_and_deletes_an_activity(console, admin_client):
    page = admin_client.get("/admin/participation")
    assert page.status_code == 200 and "การมีส่วนร่วมของประชาชน" in page.get_data(as_text=True)
    token = _token(admin_client)
    form = {"csrf_token": token, "kind": "activity", "topic": "ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น", "held_on": "15/2/2570",
            "channel": "ประชุมประชาคมหมู่บ้าน", "participants": "หมู่ 1 บ้านคอนฉิม: 45\nหมู่ 2: 38",
            "decided": "จัดลำดับโครงการ 12 โครงการ", "improvement": "บรรจุในแผนพัฒนาท้องถิ่น"}
    assert admin_client.post("/admin/participation/activities/new", data=form).status_code == 302
    [activity] = participation.activities(console.db)
    assert (activity.held_on, activity.topic, activity.participants, activity.total, activity.created_by) == (
        date(2027, 2, 15), "ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น", (("หมู่ 1 บ้านคอนฉิม", 45), ("หมู่ 2", 38)), 83, "สมชาย ใจดี")
    listed = admin_client.get("/admin/participation").get_data(as_text=True)
    assert "ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น" in listed and "83" in listed
    # A mistake is said in Thai and nothing is saved.
    bad = admin_client.post("/admin/participation/activities/new", data={**form, "participants": "หมู่ 3: สามสิบ"})
    assert bad.status_code == 400 and "ต้องลงท้ายด้วยตัวเลข" in bad.get_data(as_text=True)
    assert len(participation.activities(console.db)) == 1
    # Edit: an improvement note on a LINE topic.
    edit = {**form, "csrf_token": _token(admin_client, f"/admin/participation/activities/{activity.id}"), "kind": "satisfaction",
            "participants": "", "improvement": "เพิ่มที่นั่งรอ"}
    assert admin_client.post(f"/admin/participation/activities/{activity.id}", data=edit).status_code == 302
    changed = participation.get_activity(console.db, activity.id)
    assert (changed.topic, changed.participants, changed.improvement, changed.updated_by) == ("satisfaction", (), "เพิ่มที่นั่งรอ", "สมชาย ใจดี")
    assert changed.is_line_topic
    assert admin_client.post(f"/admin/participation/activities/{activity.id}/delete", data={"csrf_token": token}).status_code == 302
    assert participation.activities(console.db) == []
    actions = [e.action for e in audit_log.search(console.db, audit_log.AuditFilter(action="participation."))]
    assert sorted(actions) == ["participation.activity.add", "participation.activity.delete", "participation.activity.edit"]


def test_staff_cannot_open_the_participation_page(console):
    console.make_user("wichai", "staff", "engineering")
    client = console.login("wichai")
    assert client.get("/admin/participation").status_code in (302, 403)
    assert participation.count_activities(console.db) == 0


# --- the old file, imported once ------------------------------------------------------------------------


def test_the_command_imports_the_yaml_once(tmp_path, settings):
    content = make_content(tmp_path)
    args = argparse.Namespace(participation_command="import", file=str(content / "participation.yaml"))
    assert cmd_participation(args, settings) == 0
    db = open_database(settings.database_path)
    first = [(a.held_on, a.topic, a.total) for a in participation.activities(db)]
    assert first == [(date(2027, 2, 15), "ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น", 83), (date(2027, 3, 31), "satisfaction", 0),
                     (date(2027, 5, 1), "เวทีรับฟังความคิดเห็นโครงการประปา", 20)]
    assert cmd_participation(args, settings) == 0  # twice: nothing more
    assert [(a.held_on, a.topic, a.total) for a in participation.activities(db)] == first
    db.close()


def test_the_first_visit_imports_the_file_once_and_a_deleted_entry_stays_deleted(tmp_path, settings):
    from bot import create_app

    content = make_content(tmp_path)
    app = create_app(settings.with_(start_worker=False, content_dir=content))
    console = Console(app)
    console.make_user("somchai", "admin")
    client = console.login("somchai")
    page = client.get("/admin/participation").get_data(as_text=True)
    assert "นำเข้าบันทึกการมีส่วนร่วมจากไฟล์เดิม 3 รายการแล้ว" in page
    assert participation.count_activities(console.db) == 3
    first = participation.activities(console.db)[0]
    client.post(f"/admin/participation/activities/{first.id}/delete", data={"csrf_token": _token(client)})
    client.get("/admin/participation")
    assert participation.count_activities(console.db) == 2  # not imported again
    (content / "participation.yaml").write_text(NOTES, encoding="utf-8")
    assert participation.count_activities(console.db) == 2
    app.extensions["db_pool"].get().close()


# --- a consultation on LINE ---------------------------------------------------------------------------------


def _open_consultation(console, client, **fields) -> int:
    token = csrf_from(client.get("/admin/participation/consultations/new").get_data(as_text=True))
    closes = short_numeric(bangkok_now().date() + timedelta(days=14))
    form = {"csrf_token": token, "question": "ควรสร้างลานกีฬาที่หมู่บ้านใดก่อน", "choices": "หมู่ 1 บ้านคอนฉิม\nหมู่ 2 บ้านโนนสวรรค์",
            "allow_comment": "1", "villages": "หมู่ 1 บ้านคอนฉิม\nหมู่ 2 บ้านโนนสวรรค์\nหมู่ 3", "closes_on": closes, **fields}
    response = client.post("/admin/participation/consultations/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _answer(chat: Chat, choice_label: str, comment: str | None, village: str) -> list[dict]:
    chat.tap(choice_label)
    if comment is None:
        chat.tap("ไม่มี ข้ามไป")
    else:
        chat.say(comment)
    chat.tap(village)
    assert "สรุปความเห็นของท่าน" in text_of(chat.last)
    return chat.tap("ยืนยัน ส่งความเห็น")


def test_a_consultation_opened_in_the_console_is_answered_once_each_over_line(served, fake_line, tmp_path):
    console = Console(served.app)
    console.make_user("somchai", "admin")
    admin = console.login("somchai")
    follower, other = Chat(served, fake_line), Chat(served, fake_line)
    assert "บันทึกแล้วค่ะ" in text_of(follower.say("รับข่าวการรับฟังความเห็น"))
    assert "อยู่แล้ว" in text_of(follower.say("รับข่าวการรับฟังความเห็น"))
    in_group = Chat(served, fake_line, group="C" + "1" * 32)
    with transaction(served.db):
        participation.opt_in(served.db, in_group.chat_key)  # a group never gets the push
    # Nothing open yet: said so, with the way to opt in.
    assert "ยังไม่มีเรื่องที่ อบต. เปิดรับฟังความเห็น" in text_of(other.say("ร่วมแสดงความเห็น"))

    cid = _open_consultation(console, admin)
    [pushed] = wait_until(follower.pushed)
    assert "ควรสร้างลานกีฬาที่หมู่บ้านใดก่อน" in pushed["text"] and other.pushed() == []
    assert served.db.execute("SELECT count(*) FROM outbox WHERE purpose = ?", (f"consultation:{cid}:announce",)).fetchone()[0] == 1

    # The follower follows the push's button (the QR poster types the same words).
    follower.last = [pushed]
    [button] = buttons_of([pushed])
    assert button["text"] == f"ร่วมแสดงความเห็น {cid}"
    follower.tap_action(button)
    assert "1. หมู่ 1 บ้านคอนฉิม" in text_of(follower.last)
    thanks = _answer(follower, "1. หมู่ 1 บ้านคอนฉิม", "ขอให้มีไฟส่องสว่างด้วยค่ะ", "หมู่ 3")
    assert "ได้รับความเห็นของท่านแล้ว" in text_of(thanks)
    # The other citizen comes from the main menu: the one open consultation is shown at once.
    other.say("ร่วมแสดงความเห็น")
    assert "ควรสร้างลานกีฬาที่หมู่บ้านใดก่อน" in text_of(other.last)
    _answer(other, "2. หมู่ 2 บ้านโนนสวรรค์", None, "หมู่ 2 บ้านโนนสวรรค์")
    # A second answer from the same person: a polite note, and nothing counted twice.
    assert "ท่านได้ร่วมแสดงความเห็นในเรื่องนี้แล้ว" in text_of(follower.say(f"ร่วมแสดงความเห็น {cid}"))
    assert "ยังไม่มีเรื่องที่ อบต. เปิดรับฟังความเห็น" in text_of(other.say("แสดงความเห็น"))

    found = participation.get(served.db, cid)
    results = participation.results(served.db, found)
    assert results.total == 2
    assert results.by_choice == (("หมู่ 1 บ้านคอนฉิม", 1), ("หมู่ 2 บ้านโนนสวรรค์", 1))
    assert results.by_village == (("หมู่ 2 บ้านโนนสวรรค์", 1), ("หมู่ 3", 1))
    stored = json.dumps(served.db.execute("SELECT * FROM consultation_answers").fetchall(), ensure_ascii=False)
    assert follower.uid not in stored and other.uid not in stored  # the answers name nobody
    # Staff read the counts and the comments on the results page.
    page = admin.get(f"/admin/participation/consultations/{cid}").get_data(as_text=True)
    assert "ขอให้มีไฟส่องสว่างด้วยค่ะ" in page and "2 คน" in page
    assert f"ร่วมแสดงความเห็น {cid}" in page  # the QR poster's words
    # Closing early: no more answers, and the salt that linked answers to chats is gone.
    token = csrf_from(page)
    assert admin.post(f"/admin/participation/consultations/{cid}/close", data={"csrf_token": token}).status_code == 302
    assert served.db.execute("SELECT salt FROM consultations WHERE id = ?", (cid,)).fetchone()[0] is None
    late = Chat(served, fake_line)
    assert "ปิดรับฟังความเห็นแล้ว" in text_of(late.say(f"ร่วมแสดงความเห็น {cid}"))
    actions = {e.action for e in audit_log.search(served.db, audit_log.AuditFilter(action="participation.consultation."))}
    assert actions == {"participation.consultation.open", "participation.consultation.close"}
    # Opting out.
    assert "ยกเลิกการรับข่าว" in text_of(follower.say("เลิกรับข่าว"))
    assert participation.opted_in_followers(served.db) == []

    # The public figures: counts only.
    [public] = participation.closed_consultations(served.db, bangkok_now().date().year + 543 + (bangkok_now().month >= 10))
    assert (public.question, public.participants, public.choices) == (found.question, 2, results.by_choice)
    assert "ไฟส่องสว่าง" not in repr(public)

    # The participation report counts it, in every format, with no file path and nothing personal.
    today = bangkok_now().date()
    ctx = ReportContext.load(served.db, served.app.config["SETTINGS"].content_dir, ReportPeriod.of_dates(today - timedelta(days=30), today))
    data = report.compute(ctx)
    assert [(x.question, x.participants) for x in data.consultations] == [(found.question, 2)] and data.consulted == 2
    xlsx = produce("participation", "xlsx", ctx)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = " ".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    document = repr(xlsx.document)
    for published in (document, cells):
        assert "รับฟังความเห็น: ควรสร้างลานกีฬาที่หมู่บ้านใดก่อน" in published
        assert "content/" not in published and "participation.yaml" not in published
        assert "ไฟส่องสว่าง" not in published and follower.uid not in published and "user:U" not in published
    results_sheet = [r for r in book["ผลรับฟังความเห็น"].iter_rows(values_only=True)]
    assert any(r[:3] == ("ควรสร้างลานกีฬาที่หมู่บ้านใดก่อน", "หมู่ 1 บ้านคอนฉิม", 1) for r in results_sheet)
    pdf = produce("participation", "pdf", ctx)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "ควรสร้างลานกีฬา" in text and "content/" not in text and "ไฟส่องสว่าง" not in text


def test_the_push_is_skipped_when_the_months_quota_cannot_cover_it(served, fake_line):
    console = Console(served.app)
    console.make_user("somchai", "admin")
    admin = console.login("somchai")
    follower = Chat(served, fake_line)
    follower.say("รับข่าวการรับฟังความเห็น")
    fake_line.state.quota = 0
    response_page = admin.get(f"/admin/participation/consultations/{_open_consultation(console, admin)}").get_data(as_text=True)
    assert "โควตาข้อความเดือนนี้เหลือ 0 ข้อความ" in response_page
    assert follower.pushed() == []


def test_erasure_removes_the_opt_in_and_open_answers(tmp_path):
    db = open_database(tmp_path / "e.sqlite3")
    with transaction(db):
        cid = participation.open_consultation(db, question="q", choices=["a", "b"], closes_on=date(2999, 1, 1), by="t")
        participation.opt_in(db, "user:Uabc")
        assert participation.add_answer(db, cid, "user:Uabc", choice=0, comment="x", village=None)
        assert not participation.add_answer(db, cid, "user:Uabc", choice=1, comment=None, village=None)
        participation.add_answer(db, cid, "user:Uother", choice=1, comment=None, village=None)
        participation.erase_chat(db, "user:Uabc")
    assert db.execute("SELECT count(*) FROM consultation_optins").fetchone()[0] == 0
    assert participation.results(db, participation.get(db, cid)).by_choice == (("a", 0), ("b", 1))
