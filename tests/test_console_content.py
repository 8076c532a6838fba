"""The console changes the handbook: aliases and ready answers from citizens' questions, whole
procedures with previews; the bot answers with the change at once (this process, and a citizen
through the signed webhook and the fake LINE API). Roles: who sees and changes what."""
from __future__ import annotations

import json
import re
import shutil
import time
from datetime import date

import pytest

from admin_support import Console
from bot import create_app
from bot.config import PROJECT_ROOT
from db import audit_log, questions, transaction
from helpers import ServedApp, text_event, user_id, wait_until

UNEMPLOYED = "เงินช่วยคนตกงานหน้าฝน"  # nothing in the handbook says this


@pytest.fixture
def content_dir(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    return target


@pytest.fixture
def console(settings, content_dir):
    app = create_app(settings.with_(start_worker=False, content_dir=content_dir))
    yield Console(app)
    app.extensions["db_pool"].get().close()


def _question(db, text: str, outcome: str = "unanswered", procedure: str | None = None, feedback: str | None = None) -> int:
    ref = f"ref-{time.monotonic_ns()}"
    with transaction(db):
        questions.record(db, ref=ref, chat_key="user:U1", user_id="U1", question=text, outcome=outcome, procedure_id=procedure)
        if feedback:
            questions.set_feedback(db, ref, feedback)
    return questions.get(db, ref)["id"]


# --- the questions page ------------------------------------------------------------------------------


def test_turning_a_question_into_an_alias_from_the_console(console):
    console.make_user("somchai", "admin")
    client = console.login("somchai")
    _question(console.db, "ถามหน่อย <script>alert(1)</script>")
    qid = _question(console.db, f"{UNEMPLOYED}", outcome="outside")
    page = client.get("/admin/unanswered").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    token = console.token(client, f"/admin/unanswered/{qid}")
    response = client.post(f"/admin/unanswered/{qid}/alias",
                           data={"csrf_token": token, "procedure": "disaster-relief", "alias": UNEMPLOYED})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ก่อนแก้ไข" in page and "ไม่ใช่งานของ อบต." in page  # before: read as another agency's business
    assert 'class="answer-procedure">ช่วยเหลือผู้ประสบภัย' in page  # now
    row = questions.by_id(console.db, qid)
    assert row["resolution"] == "alias:disaster-relief" and row["resolved_by"] == "somchai"
    entry = audit_log.search(console.db, audit_log.AuditFilter(action="handbook.alias"))[0]
    assert entry.target == f"question:{qid}" and entry.details["alias"] == UNEMPLOYED and entry.details["backup"]
    # The test box runs the same search: the new name answers.
    box = client.get("/admin/unanswered", query_string={"q": f"ขอ{UNEMPLOYED}หน่อยค่ะ"}).get_data(as_text=True)
    assert 'class="answer-procedure">ช่วยเหลือผู้ประสบภัย' in box
    # Open questions no longer list it; resolved ones do.
    assert f"/admin/unanswered/{qid}\"" not in client.get("/admin/unanswered").get_data(as_text=True)
    assert f"/admin/unanswered/{qid}\"" in client.get("/admin/unanswered?status=resolved").get_data(as_text=True)


def test_a_bad_alias_is_explained_and_nothing_changes(console, content_dir):
    console.make_user("somchai", "admin")
    client = console.login("somchai")
    qid = _question(console.db, "เบี้ยคนแก่")
    before = (content_dir / "handbook" / "water-supply.yaml").read_bytes()
    token = console.token(client, f"/admin/unanswered/{qid}")
    page = client.post(f"/admin/unanswered/{qid}/alias", data={"csrf_token": token, "procedure": "water-supply", "alias": "เบี้ยคนแก่"})
    assert page.status_code == 400 and "ใช้ซ้ำกับอีกเรื่องไม่ได้" in page.get_data(as_text=True)
    page = client.post(f"/admin/unanswered/{qid}/alias", data={"csrf_token": token, "procedure": "", "alias": "x"})
    assert page.status_code == 400 and "กรุณาเลือกเรื่องในคู่มือ" in page.get_data(as_text=True)
    assert (content_dir / "handbook" / "water-supply.yaml").read_bytes() == before
    assert questions.by_id(console.db, qid)["resolved_at"] is None


def test_a_ready_answer_from_the_console(console, content_dir):
    console.make_user("somchai", "admin")
    client = console.login("somchai")
    qid = _question(console.db, "อบต มีที่จอดรถมั้ยคะ")
    token = console.token(client, f"/admin/unanswered/{qid}")
    bad = client.post(f"/admin/unanswered/{qid}/faq", data={"csrf_token": token, "question": "อบต มีที่จอดรถมั้ยคะ", "answer": ""})
    assert bad.status_code == 400 and "กรุณาเขียนคำตอบ" in bad.get_data(as_text=True)
    assert "faq-1" not in (content_dir / "faq.yaml").read_text(encoding="utf-8")
    ok = client.post(f"/admin/unanswered/{qid}/faq", data={
        "csrf_token": token, "question": "อบต. มีที่จอดรถไหม", "aliases": "จอดรถตรงไหน\nที่จอดรถ",
        "answer": "มีลานจอดรถหน้าสำนักงานค่ะ จอดได้ฟรี", "division": "palad"})
    assert ok.status_code == 302
    text = (content_dir / "faq.yaml").read_text(encoding="utf-8")
    assert text.startswith("# คำถามที่พบบ่อย") and "  - id: faq-1\n    question: อบต. มีที่จอดรถไหม" in text
    assert console.app.extensions["handbook_store"].current().index.search("จอดรถตรงไหนคะ").faq.id == "faq-1"
    assert questions.by_id(console.db, qid)["resolution"] == "faq:faq-1"
    public = client.get("/handbook", query_string={"q": "จอดรถตรงไหน"}).get_data(as_text=True)
    assert 'class="hb-card hb-card--faq"' in public and "มีลานจอดรถหน้าสำนักงานค่ะ จอดได้ฟรี" in public
    listing = client.get("/admin/handbook").get_data(as_text=True)
    assert "คำตอบสำเร็จรูป 1 ข้อ" in listing and "มีลานจอดรถหน้าสำนักงานค่ะ" in listing


def test_staff_see_and_fix_only_their_divisions_questions(console):
    console.make_user("somchai", "admin")
    console.make_user("wichai", "staff", "engineering")
    db = console.db
    unanswered = _question(db, "ถามอะไรก็ไม่รู้")
    mine = _question(db, "ขออนุญาตสร้างบ้านต้องทำยังไง", outcome="answered", procedure="building-permit", feedback="down")
    theirs = _question(db, "เบี้ยคนแก่", outcome="answered", procedure="elderly-allowance", feedback="down")
    staff = console.login("wichai")
    page = staff.get("/admin/unanswered").get_data(as_text=True)
    assert f"/admin/unanswered/{mine}\"" in page
    assert f"/admin/unanswered/{theirs}\"" not in page and f"/admin/unanswered/{unanswered}\"" not in page
    assert staff.get(f"/admin/unanswered/{theirs}").status_code == 403
    assert staff.get(f"/admin/unanswered/{unanswered}").status_code == 403
    csv = staff.get("/admin/unanswered/export.csv").get_data(as_text=True)
    assert "ขออนุญาตสร้างบ้าน" in csv and "เบี้ยคนแก่" not in csv
    token = console.token(staff, f"/admin/unanswered/{mine}")
    # Not to another division's procedure; not a ready answer (admins only).
    assert staff.post(f"/admin/unanswered/{mine}/alias", data={"csrf_token": token, "procedure": "elderly-allowance", "alias": "บ้านใหม่"}).status_code == 403
    assert staff.post(f"/admin/unanswered/{mine}/faq", data={"csrf_token": token, "question": "x", "answer": "y"}).status_code == 403
    assert staff.post(f"/admin/unanswered/{mine}/alias", data={"csrf_token": token, "procedure": "building-permit", "alias": "ขอสร้างโรงรถ"}).status_code == 302
    assert "ขอสร้างโรงรถ" in console.app.extensions["handbook_store"].current().handbook.get("building-permit").aliases
    admin = console.login("somchai")
    assert f"/admin/unanswered/{unanswered}\"" in admin.get("/admin/unanswered").get_data(as_text=True)
    # Auditors have no business with citizens' questions.
    console.make_user("auditor1", "auditor")
    assert console.login("auditor1").get("/admin/unanswered").status_code == 403


def test_question_filters_and_dismiss(console):
    console.make_user("somchai", "admin")
    client = console.login("somchai")
    db = console.db
    down = _question(db, "ภาษีบ้านจ่ายที่ไหน", outcome="answered", procedure="land-building-tax", feedback="down")
    unknown = _question(db, "ถามเรื่องหวยงวดนี้")
    page = client.get("/admin/unanswered?kind=down").get_data(as_text=True)
    assert f"/admin/unanswered/{down}\"" in page and f"/admin/unanswered/{unknown}\"" not in page
    page = client.get("/admin/unanswered?procedure=land-building-tax").get_data(as_text=True)
    assert f"/admin/unanswered/{down}\"" in page and f"/admin/unanswered/{unknown}\"" not in page
    assert "ไม่มีคำถามในช่วงนี้" in client.get("/admin/unanswered?period=custom&from=1/1/2560&to=2/1/2560").get_data(as_text=True)
    token = console.token(client)
    assert client.post(f"/admin/unanswered/{unknown}/dismiss", data={"csrf_token": token}).status_code == 302
    assert questions.by_id(db, unknown)["resolution"] == "dismissed"
    assert f"/admin/unanswered/{unknown}\"" not in client.get("/admin/unanswered").get_data(as_text=True)
    assert client.post(f"/admin/unanswered/{unknown}/reopen", data={"csrf_token": token}).status_code == 302
    assert questions.by_id(db, unknown)["resolved_at"] is None
    actions = [e.action for e in audit_log.search(db, audit_log.AuditFilter())]
    assert "question.dismiss" in actions and "question.reopen" in actions


# --- editing a procedure in the console ------------------------------------------------------------


def _edit_form(client, procedure_id: str) -> dict:
    """The edit form's fields as a browser would send them back."""
    from html.parser import HTMLParser

    html = client.get(f"/admin/handbook/{procedure_id}").get_data(as_text=True).split('class="handbook-form"', 1)[1]

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.textarea, self.select = {}, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name"):
                self.data[a["name"]] = a.get("value", "")
            elif tag == "textarea":
                self.textarea = a["name"]
                self.data[self.textarea] = ""
            elif tag == "select":
                self.select = a["name"]
            elif tag == "option" and "selected" in a:
                self.data[self.select] = a["value"]

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None

    parser = Fields()
    parser.feed(html)
    return parser.data


def test_editing_a_procedure_validates_previews_and_saves(console, content_dir):
    console.make_user("somchai", "admin")
    client = console.login("somchai")
    form = _edit_form(client, "building-permit")
    blank = next(i for i in range(50) if form[f"fees-{i}-item"] == "")
    assert blank > 0 and form["steps-0-step"] and form[f"fees-{blank + 1}-item"] == ""  # rows, then blank rows
    form.update({"short_title": "ขออนุญาตก่อสร้างอาคารบ้านเรือนทุกประเภท", "documents": "", "updated": "31/02/2569", "action": "save"})
    page = client.post("/admin/handbook/building-permit", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    errors = dict(re.findall(r'class="field__error" id="([a-z_]+)-error">([^<]+)<', html))
    assert errors["updated"].startswith("วันที่ปรับปรุงไม่ถูกต้อง")
    form["updated"] = "27/11/2569"
    html = client.post("/admin/handbook/building-permit", data=form).get_data(as_text=True)
    errors = dict(re.findall(r'class="field__error" id="([a-z_]+)-error">([^<]+)<', html))
    assert errors["short_title"].startswith("ยาวได้ไม่เกิน 20 ตัวอักษร") and errors["documents"] == "ต้องมีอย่างน้อยหนึ่งข้อ"
    assert "ขออนุญาตก่อสร้างอาคาร\n" in (content_dir / "handbook" / "building-permit.yaml").read_text(encoding="utf-8")

    form.update({"short_title": "ขออนุญาตสร้างบ้าน", "documents": "แบบคำขอ ข.1\nแบบแปลน 5 ชุด", f"fees-{blank}-item": "ค่าตรวจแบบ",
                 f"fees-{blank}-amount": "<b>ฟรี</b>", "action": "preview", "section": "fees"})
    preview = client.post("/admin/handbook/building-permit", data=form).get_data(as_text=True)
    assert 'class="lf-chat"' in preview and "ค่าตรวจแบบ: &lt;b&gt;ฟรี&lt;/b&gt;" in preview  # the LINE card, escaped
    assert '<section id="preview-fees">' in preview and "<td>ค่าตรวจแบบ</td>" in preview  # the public page
    assert "ขออนุญาตก่อสร้างอาคาร\n" in (content_dir / "handbook" / "building-permit.yaml").read_text(encoding="utf-8")

    form["action"] = "save"
    saved = client.post("/admin/handbook/building-permit", data=form)
    assert saved.status_code == 302
    procedure = console.app.extensions["handbook_store"].current().handbook.get("building-permit")
    assert procedure.short_title == "ขออนุญาตสร้างบ้าน" and procedure.documents == ("แบบคำขอ ข.1", "แบบแปลน 5 ชุด")
    assert procedure.fees[-1].amount == "<b>ฟรี</b>" and procedure.updated == date(2026, 11, 27)
    assert "ขออนุญาตสร้างบ้าน" in client.get("/handbook/building-permit").get_data(as_text=True)
    entry = audit_log.search(console.db, audit_log.AuditFilter(action="handbook.edit"))[0]
    assert entry.target == "procedure:building-permit" and "short_title" in entry.details["fields"]


def test_staff_edit_only_their_divisions_procedures(console):
    console.make_user("wichai", "staff", "engineering")
    client = console.login("wichai")
    assert client.get("/admin/handbook/elderly-allowance").status_code == 403
    token = console.token(client)
    assert client.post("/admin/handbook/elderly-allowance", data={"csrf_token": token}).status_code == 403
    listing = client.get("/admin/handbook").get_data(as_text=True)
    assert 'href="/admin/handbook/water-supply"' in listing and 'href="/admin/handbook/elderly-allowance"' not in listing
    form = _edit_form(client, "water-supply")
    assert form["division"] == "engineering"
    form.update({"division": "finance", "action": "save"})
    page = client.post("/admin/handbook/water-supply", data=form)
    assert page.status_code == 400 and "ย้ายเรื่องไปกองอื่นไม่ได้" in page.get_data(as_text=True)
    form.update({"division": "engineering", "overview": "ขอติดตั้งประปาหมู่บ้าน ยื่นที่กองช่าง"})
    assert client.post("/admin/handbook/water-supply", data=form).status_code == 302


def test_two_people_saving_the_same_procedure(console):
    console.make_user("somchai", "admin")
    console.make_user("malee", "admin")
    first, second = console.login("somchai"), console.login("malee")
    form_a, form_b = _edit_form(first, "signboard-tax"), _edit_form(second, "signboard-tax")
    form_a.update({"overview": "ฉบับของสมชาย", "action": "save"})
    form_b.update({"overview": "ฉบับของมาลี", "action": "save"})
    assert first.post("/admin/handbook/signboard-tax", data=form_a).status_code == 302
    late = second.post("/admin/handbook/signboard-tax", data=form_b)
    assert late.status_code == 409 and "มีผู้แก้ไขเรื่องนี้และบันทึกไปก่อนแล้ว" in late.get_data(as_text=True)
    assert console.app.extensions["handbook_store"].current().handbook.get("signboard-tax").overview == "ฉบับของสมชาย"


# --- the bot answers with the change: signed webhook in, fake LINE out ------------------------------


def _replies(fake_line):
    return [r for r in fake_line.state.requests if r.path == "/v2/bot/message/reply"]


def _ask(served, fake_line, uid, text) -> str:
    before = len(_replies(fake_line))
    event = text_event(uid, text)
    assert served.post(event).status_code == 200
    request = wait_until(lambda: _replies(fake_line)[before:], timeout=15)[0]
    assert request.status == 200 and request.json["replyToken"] == event["replyToken"]
    return json.dumps(request.json["messages"], ensure_ascii=False)


def test_console_changes_reach_a_citizen_on_line(settings, content_dir, fake_line):
    with ServedApp(create_app(settings.with_(content_dir=content_dir))) as served:
        console = Console(served.app)
        console.make_user("somchai", "admin")
        client = console.login("somchai")
        citizen = user_id()
        reply = _ask(served, fake_line, citizen, UNEMPLOYED)
        assert "ไม่ใช่งานที่" in reply and "ช่วยเหลือผู้ประสบภัย" not in reply  # the bot takes it for another agency's
        row = wait_until(lambda: served.db.execute(
            "SELECT id FROM handbook_questions WHERE outcome = 'outside'").fetchone())
        token = console.token(client, f"/admin/unanswered/{row[0]}")
        assert client.post(f"/admin/unanswered/{row[0]}/alias",
                           data={"csrf_token": token, "procedure": "disaster-relief", "alias": UNEMPLOYED}).status_code == 302
        reply = _ask(served, fake_line, citizen, f"{UNEMPLOYED} ขอได้ไหมคะ")
        assert '"type": "flex"' in reply and "ช่วยเหลือผู้ประสบภัย" in reply

        form = _edit_form(client, "disaster-relief")
        form.update({"steps-0-step": "แจ้งเหตุทาง LINE หรือโทรศัพท์ แล้วยื่นคำร้องภายใน 30 วันนับจากวันเกิดภัย", "action": "save"})
        assert client.post("/admin/handbook/disaster-relief", data=form).status_code == 302
        reply = _ask(served, fake_line, citizen, "น้ำท่วมบ้าน ขอความช่วยเหลือ อบต ยังไง")
        assert "ยื่นคำร้องภายใน 30 วันนับจากวันเกิดภัย" in reply


def test_a_ready_answer_reaches_a_citizen_and_takes_a_rating(settings, content_dir, fake_line):
    from helpers import postback_event

    with ServedApp(create_app(settings.with_(content_dir=content_dir))) as served:
        console = Console(served.app)
        console.make_user("somchai", "admin")
        client = console.login("somchai")
        citizen = user_id()
        assert "ส่งให้เจ้าหน้าที่" in _ask(served, fake_line, citizen, "อบต มีที่จอดรถมั้ยคะ")
        qid = wait_until(lambda: served.db.execute("SELECT id FROM handbook_questions").fetchone())[0]
        token = console.token(client, f"/admin/unanswered/{qid}")
        assert client.post(f"/admin/unanswered/{qid}/faq", data={
            "csrf_token": token, "question": "อบต. มีที่จอดรถไหม", "aliases": "จอดรถตรงไหน",
            "answer": "มีลานจอดรถหน้าสำนักงานค่ะ เปิด {{office_hours}}"}).status_code == 302
        before = len(_replies(fake_line))
        event = text_event(citizen, "ไปติดต่อ อบต. จอดรถตรงไหนได้คะ")
        served.post(event)
        messages = wait_until(lambda: _replies(fake_line)[before:], timeout=15)[0].json["messages"]
        answer, prompt = messages
        assert answer["type"] == "text" and answer["text"].startswith("มีลานจอดรถหน้าสำนักงานค่ะ เปิด วันจันทร์")
        thumbs_down = next(i["action"]["data"] for i in prompt["quickReply"]["items"] if i["action"]["label"] == "👎 ไม่ตรง")
        row = wait_until(lambda: served.db.execute(
            "SELECT ref FROM handbook_questions WHERE procedure_id = 'faq:faq-1'").fetchone())
        served.post(postback_event(citizen, thumbs_down))
        wait_until(lambda: questions.get(served.db, row[0])["feedback"] == "down")
        page = client.get("/admin/unanswered?kind=down").get_data(as_text=True)
        assert "คำตอบสำเร็จรูป: อบต. มีที่จอดรถไหม" in page


def test_a_change_whose_audit_record_fails_is_undone(console, content_dir, monkeypatch):
    from bot.console import audit

    console.make_user("somchai", "admin")
    client = console.login("somchai")
    qid = _question(console.db, UNEMPLOYED)
    path = content_dir / "handbook" / "disaster-relief.yaml"
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(audit, "record", broken)
    token = console.token(client, f"/admin/unanswered/{qid}")
    response = client.post(f"/admin/unanswered/{qid}/alias", data={"csrf_token": token, "procedure": "disaster-relief", "alias": UNEMPLOYED})
    assert response.status_code == 500
    assert path.read_bytes() == before and questions.by_id(console.db, qid)["resolved_at"] is None


def test_an_admin_edits_and_deletes_a_ready_answer(console, content_dir):
    console.make_user("somchai", "admin")
    console.make_user("wichai", "staff", "engineering")
    client = console.login("somchai")
    qid = _question(console.db, "อบต มีที่จอดรถมั้ยคะ")
    token = console.token(client, f"/admin/unanswered/{qid}")
    client.post(f"/admin/unanswered/{qid}/faq", data={"csrf_token": token, "question": "อบต. มีที่จอดรถไหม", "answer": "มีค่ะ"})
    store = console.app.extensions["handbook_store"]
    page = client.get("/admin/handbook/faq/faq-1").get_data(as_text=True)
    assert "อบต. มีที่จอดรถไหม" in page and 'href="/admin/handbook/faq/faq-1"' in client.get("/admin/handbook").get_data(as_text=True)
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "version": version, "question": "อบต. มีที่จอดรถไหม", "aliases": "จอดรถตรงไหน",
            "answer": "", "division": "palad", "action": "save"}
    bad = client.post("/admin/handbook/faq/faq-1", data=form)
    assert bad.status_code == 400 and 'id="answer-error">ต้องไม่เว้นว่าง' in bad.get_data(as_text=True)
    form["answer"] = "มีลานจอดรถฟรีหน้าสำนักงานค่ะ"
    assert client.post("/admin/handbook/faq/faq-1", data=form).status_code == 302
    assert store.current().index.search("จอดรถตรงไหนคะ").faq.answer == "มีลานจอดรถฟรีหน้าสำนักงานค่ะ"
    staff = console.login("wichai")
    assert staff.get("/admin/handbook/faq/faq-1").status_code == 403
    assert staff.post("/admin/handbook/faq/faq-1", data={**form, "csrf_token": console.token(staff), "action": "delete"}).status_code == 403
    # Deleting with the version of before the last save is refused; with the current one it goes.
    stale = client.post("/admin/handbook/faq/faq-1", data={**form, "action": "delete"})
    assert stale.status_code == 409
    version = re.search(r'name="version" value="([^"]+)"', client.get("/admin/handbook/faq/faq-1").get_data(as_text=True)).group(1)
    assert client.post("/admin/handbook/faq/faq-1", data={**form, "version": version, "action": "delete"}).status_code == 302
    assert store.current().handbook.faq == () and store.current().index.search("จอดรถตรงไหนคะ").outcome != "faq"
    assert client.get("/admin/handbook/faq/faq-1").status_code == 404
    actions = [e.action for e in audit_log.search(console.db, audit_log.AuditFilter(target="faq:faq-1"))]
    assert actions == ["handbook.faq_delete", "handbook.faq_edit"]


def test_admins_edit_the_saos_profile_and_the_bot_answers_with_it_at_once(console, content_dir):
    from dataclasses import asdict

    from admin_support import csrf_from
    from bot.content.profile import load_profile
    from bot.handbook.store import content_of

    console.make_user("somchai", "admin")
    console.make_user("wichai", "staff", "engineering")
    assert console.login("wichai").get("/admin/profile").status_code == 403
    client = console.login("somchai")
    page = client.get("/admin/profile").get_data(as_text=True)
    assert 'value="องค์การบริหารส่วนตำบลคอนฉิม"' in page
    version = re.search(r'name="version" value="([^"]*)"', page).group(1)
    form = {**asdict(load_profile(content_dir / "profile.yaml")), "csrf_token": csrf_from(page), "version": version}
    before = (content_dir / "profile.yaml").read_text(encoding="utf-8")

    # A mistake is explained at its field, in Thai, and nothing is written.
    wrong = client.post("/admin/profile", data={**form, "phone": "043-009-999", "ticket_prefix": "kc", "province": ""})
    assert wrong.status_code == 400
    text = wrong.get_data(as_text=True)
    assert "ใช้อักษรภาษาอังกฤษตัวใหญ่หรือตัวเลข 1–6 ตัว" in text and "กรุณากรอกช่องนี้" in text
    assert 'value="043-009-999"' in text  # what was typed stays in the form
    assert (content_dir / "profile.yaml").read_text(encoding="utf-8") == before

    saved = client.post("/admin/profile", data={**form, "phone": "043-009-999", "email": "saraban@konchim.go.th"})
    assert saved.status_code == 302
    written = (content_dir / "profile.yaml").read_text(encoding="utf-8")
    assert "043-009-999" in written and "# เบอร์โทรสำนักงาน" in written  # the file's comments kept
    assert load_profile(content_dir / "profile.yaml").email == "saraban@konchim.go.th"
    assert content_of(console.app).profile.phone == "043-009-999"  # what the bot answers from, now
    [entry] = audit_log.search(console.db, audit_log.AuditFilter(action="profile.edit"))
    assert "phone" in entry.details["fields"] and "email" in entry.details["fields"]
    # The form opened before that save is refused, not written over it.
    stale = client.post("/admin/profile", data={**form, "phone": "043-111-111"})
    assert stale.status_code == 409 and load_profile(content_dir / "profile.yaml").phone == "043-009-999"
