"""The console's feedback pages: tickets, questions for staff, satisfaction, corruption
reports and their exports — role rules, escaping, pushes through the fake LINE API."""
import csv
import io
import json
import re
import time
from urllib.parse import quote

import openpyxl
import pytest

from admin_support import Console
from bot.feedback import ticket_effects
from db import audit_log, corruption_reports, outbox, staff_questions, ticket_notes, ticket_photos, ticket_search, tickets
from feedback_console_support import JPEG, add_question, add_rating, add_report, add_ticket
from feedback_support import Chat, staff_group, text_of
from helpers import wait_until

XSS = "<script>alert('xss')</script><img src=x onerror=alert(1)>"


def _token(console, client):
    return console.token(client)


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _csv_rows(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def staff_people(console):
    console.make_user("somchai", "admin", display_name="สมชาย ใจดี")
    console.make_user("wichai", "staff", "engineering", display_name="นายช่างวิชัย")
    console.make_user("malee", "staff", "finance", display_name="มาลี กองคลัง")
    console.make_user("auditor1", "auditor", display_name="ผู้ตรวจสอบ")
    return {name: console.login(name) for name in ("somchai", "wichai", "malee", "auditor1")}


# --- who sees what -----------------------------------------------------------------------------------


def test_staff_see_and_act_on_their_own_divisions_tickets_only(console, staff_people):
    road = add_ticket(console.db, description="ถนนลูกรังหมู่ 3 เป็นหลุม", photo=JPEG)
    tax = add_ticket(console.db, division="finance", category="complaint_service", topic=None,
                     description="ชำระภาษีป้ายแล้วไม่ได้ใบเสร็จ ไม่สะดวกเลยค่ะ", photo=JPEG)
    wichai = staff_people["wichai"]
    listed = _page(wichai, "/admin/tickets")
    assert road.number in listed and tax.number not in listed
    # Not by search, a typed-in division, a URL, a photo or an export either.
    assert tax.number not in _page(wichai, "/admin/tickets?q=ใบเสร็จ") and "ไม่พบเรื่อง" in _page(wichai, "/admin/tickets?q=ใบเสร็จ")
    assert tax.number not in _page(wichai, "/admin/tickets?division=finance")
    assert _page(wichai, f"/admin/tickets/{tax.id}", 403)
    [tax_photo] = ticket_photos.photos(console.db, tax.id)
    assert wichai.get(f"/admin/tickets/{tax.id}/photos/{tax_photo.id}").status_code == 403
    assert wichai.get(f"/admin/tickets/{road.id}/photos/{tax_photo.id}").status_code == 404  # not this ticket's photo
    for fmt in ("csv", "xlsx"):
        data = wichai.get(f"/admin/tickets/export.{fmt}?division=finance&period=all").get_data()
        if fmt == "csv":
            assert road.number.encode() in data and tax.number.encode() not in data
        else:
            cells = [c for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for c in row]
            assert road.number in cells and tax.number not in cells
    token = _token(console, wichai)
    for path, form in (
        ("status", {"to_status": "accepted"}),
        ("assign", {"division_id": "engineering"}),
        ("notes", {"note": "ขอดูเรื่องนี้"}),
    ):
        assert wichai.post(f"/admin/tickets/{tax.id}/{path}", data={"csrf_token": token, **form}).status_code == 403
    assert tickets.get(console.db, tax.id).status == "received" and tickets.get(console.db, tax.id).division_id == "finance"
    assert ticket_notes.for_ticket(console.db, tax.id) == []
    # The finance clerk sees it; the admin sees both; the auditor neither.
    assert tax.number in _page(staff_people["malee"], "/admin/tickets") and road.number not in _page(staff_people["malee"], "/admin/tickets")
    both = _page(staff_people["somchai"], "/admin/tickets")
    assert road.number in both and tax.number in both
    assert staff_people["auditor1"].get("/admin/tickets").status_code == 403
    assert staff_people["auditor1"].get(f"/admin/tickets/{road.id}").status_code == 403


def test_staff_see_and_answer_their_own_divisions_questions_only(console, staff_people):
    ours = add_question(console.db, text="ขออนุญาตต่อเติมบ้านต้องยื่นแบบไหมคะ")
    theirs = add_question(console.db, division="finance", text="ภาษีที่ดินปีนี้จ่ายได้ถึงวันไหนคะ")
    wichai = staff_people["wichai"]
    queue = _page(wichai, "/admin/questions")
    assert "ต่อเติมบ้าน" in queue and "ภาษีที่ดิน" not in queue
    assert "ภาษีที่ดิน" not in _page(wichai, "/admin/questions?division=finance&state=all")
    assert wichai.get(f"/admin/questions/{theirs.id}").status_code == 403
    token = _token(console, wichai)
    assert wichai.post(f"/admin/questions/{theirs.id}/answer", data={"csrf_token": token, "answer": "ถึง 30 เมษายนค่ะ"}).status_code == 403
    assert staff_questions.get(console.db, theirs.id).status == "open"
    exported = wichai.get("/admin/questions/export.csv?state=all&division=finance").get_data(as_text=True)
    assert "ต่อเติมบ้าน" in exported and "ภาษีที่ดิน" not in exported
    assert ours.id and staff_people["auditor1"].get("/admin/questions").status_code == 403


def test_staff_see_their_divisions_ratings_only(console, staff_people):
    add_rating(console.db, service="building-permit", division="engineering", comment="ช่างให้คำแนะนำดีมาก")
    add_rating(console.db, service="land-building-tax", division="finance", comment="คิวยาวมากค่ะ")
    wichai = staff_people["wichai"]
    page = _page(wichai, "/admin/ratings")
    assert "ช่างให้คำแนะนำดีมาก" in page and "คิวยาวมากค่ะ" not in page
    assert "คิวยาวมากค่ะ" not in _page(wichai, "/admin/ratings?division=finance")
    exported = wichai.get("/admin/ratings/export.csv?division=finance").get_data(as_text=True)
    assert "ช่างให้คำแนะนำดีมาก" in exported and "คิวยาวมากค่ะ" not in exported
    admin_page = _page(staff_people["somchai"], "/admin/ratings")
    assert "ช่างให้คำแนะนำดีมาก" in admin_page and "คิวยาวมากค่ะ" in admin_page


def test_an_admins_division_filter_keeps_its_choice_on_every_list(console, staff_people):
    somchai = staff_people["somchai"]
    chosen = re.compile(r'<option value="finance" selected>')
    for url in ("/admin/tickets", "/admin/questions", "/admin/ratings", "/admin/reminders"):
        assert chosen.search(_page(somchai, url + "?division=finance")), url
        page = _page(somchai, url)
        assert '<option value="finance">' in page and not chosen.search(page), url
        assert 'href="' + url in page.split("ล้างตัวกรอง")[0].rsplit("<a", 1)[1]  # clearing leads back


def test_every_list_filter_keeps_its_choice(console, staff_people):
    somchai = staff_people["somchai"]
    for url, name, value in (("/admin/tickets", "status", "closed"), ("/admin/tickets", "category", "village"),
                             ("/admin/ratings", "score", "low"), ("/admin/unanswered", "kind", "down"),
                             ("/admin/reminders", "status", "reminded")):
        page = _page(somchai, f"{url}?{name}={value}")
        select = re.search(rf'<select class="field__input" id="{name}" name="{name}">(.*?)</select>', page, re.S).group(1)
        assert f'<option value="{value}" selected>' in select and select.count(" selected") == 1, (url, name)
        assert _page(somchai, url).count(f'<option value="{value}" selected>') == 0, (url, name)


def test_nobody_but_the_auditor_reads_a_corruption_report(console, staff_people):
    report_id, code, _ = add_report(console.db)
    secret_words = "เรียกรับเงินค่าดำเนินการ"
    for name in ("somchai", "wichai", "malee"):
        client = staff_people[name]
        for url in ("/admin/integrity", f"/admin/integrity/{report_id}", "/admin/integrity/export.csv", "/admin/integrity/export.xlsx"):
            response = client.get(url)
            assert response.status_code == 403, (name, url)
            assert secret_words not in response.get_data(as_text=True)
        token = _token(console, client)
        assert client.post(f"/admin/integrity/{report_id}/status", data={"csrf_token": token, "status": "closed"}).status_code == 403
        for url in ("/admin/", "/admin/tickets?period=all", "/admin/audit"):
            if client.get(url).status_code == 200:
                assert secret_words not in client.get(url).get_data(as_text=True) and code not in client.get(url).get_data(as_text=True)
    # Admins see how many wait, never what they say.
    dashboard = _page(staff_people["somchai"], "/admin/")
    assert "เรื่องแจ้งเบาะแสทุจริตรอพิจารณา" in dashboard and "เฉพาะหน่วยตรวจสอบภายในเปิดอ่านได้" in dashboard
    assert 'href="/admin/integrity"' not in dashboard
    assert "เรื่องแจ้งเบาะแสทุจริต" not in _page(staff_people["wichai"], "/admin/")
    # The storage refuses other roles whatever a view does.
    for role in ("admin", "staff"):
        with pytest.raises(corruption_reports.NotAuthorized):
            corruption_reports.read_by_id(console.db, report_id, role=role)


def test_the_auditor_reads_changes_and_exports_reports_and_each_reading_is_logged(served, fake_line):
    console = Console(served.app)
    console.make_user("auditor1", "auditor", display_name="หัวหน้าหน่วยตรวจสอบ")
    console.make_user("somchai", "admin")
    reporter = Chat(served, fake_line)
    report_id, code, _ = add_report(served.db, anonymous=False, uid=reporter.uid,
                                    details="=HYPERLINK(\"http://evil\") ปลัดสั่งให้แก้ใบเสร็จ <b>ย้อนหลัง</b>")
    auditor = console.login("auditor1")
    listed = _page(auditor, "/admin/integrity")
    assert code in listed and "ติดต่อกลับทาง LINE ได้" in listed
    page = _page(auditor, f"/admin/integrity/{report_id}")
    assert "&lt;b&gt;ย้อนหลัง&lt;/b&gt;" in page and "<b>ย้อนหลัง</b>" not in page
    assert reporter.uid not in page  # the reporter's LINE id is never shown
    token = _token(console, auditor)
    response = auditor.post(f"/admin/integrity/{report_id}/status", data={
        "csrf_token": token, "status": "reviewing", "note": "นัดสอบข้อเท็จจริงกองคลัง", "message": "หน่วยตรวจสอบรับเรื่องไว้ตรวจสอบแล้วค่ะ",
    })
    assert response.status_code == 302
    pushed = wait_until(reporter.pushed)
    assert "อยู่ระหว่างตรวจสอบข้อเท็จจริง" in json.dumps(pushed, ensure_ascii=False)
    assert "หน่วยตรวจสอบรับเรื่องไว้ตรวจสอบแล้วค่ะ" in json.dumps(pushed, ensure_ascii=False)
    assert "นัดสอบข้อเท็จจริง" not in json.dumps(pushed, ensure_ascii=False)  # the internal note stays inside
    rows = _csv_rows(auditor.get("/admin/integrity/export.csv"))
    assert rows[0][:2] == ["รหัสเรื่อง", "วันที่รับแจ้ง"] and rows[1][0] == code
    assert rows[1][4].startswith("'=HYPERLINK")
    entries = audit_log.search(served.db, audit_log.AuditFilter(action="integrity."))
    assert {e.action for e in entries} == {"integrity.view", "integrity.status", "integrity.export"}
    logged = json.dumps([e.details for e in entries], ensure_ascii=False)
    assert "ใบเสร็จ" not in logged and "นัดสอบ" not in logged and "รับเรื่องไว้" not in logged
    # The admin reads the audit log: who read which report, never its content or code.
    audit_page = _page(console.login("somchai"), "/admin/audit")
    assert "เปิดอ่านเรื่องแจ้งเบาะแสทุจริต" in audit_page and "ใบเสร็จ" not in audit_page and code not in audit_page


# --- escaping ---------------------------------------------------------------------------------------


def test_html_and_script_in_citizen_text_is_shown_as_text(console, staff_people):
    ticket = add_ticket(console.db, description=f"ไฟดับ {XSS}", location={"latitude": 16.1, "longitude": 102.6, "title": "<b>บ้าน</b>", "address": "\"><svg onload=alert(2)>"})
    question = add_question(console.db, text=f"ถามหน่อย {XSS}")
    add_rating(console.db, service="building-permit", division="engineering", comment=f"บริการช้า {XSS}")
    admin = staff_people["somchai"]
    for url in ("/admin/tickets", f"/admin/tickets/{ticket.id}", "/admin/questions", f"/admin/questions/{question.id}", "/admin/ratings"):
        page = _page(admin, url)
        assert "<script>alert" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "<img src=x" not in page and "<svg onload" not in page and "<b>บ้าน</b>" not in page
        assert "&lt;script&gt;" in page
    token = _token(console, admin)
    admin.post(f"/admin/tickets/{ticket.id}/notes", data={"csrf_token": token, "note": f"บันทึก {XSS}"})
    admin.post(f"/admin/tickets/{ticket.id}/status", data={"csrf_token": token, "to_status": "accepted", "note": f"รับแล้ว {XSS}"})
    page = _page(admin, f"/admin/tickets/{ticket.id}")
    assert "<script>alert" not in page and page.count("&lt;script&gt;") >= 3


# --- tickets: status, assignment, notes, photos, search ---------------------------------------------


def test_a_status_change_in_the_console_pushes_thai_to_the_citizen(served, fake_line):
    console = Console(served.app)
    console.make_user("wichai", "staff", "engineering", display_name="นายช่างวิชัย")
    citizen = Chat(served, fake_line)
    ticket = add_ticket(served.db, uid=citizen.uid)
    client = console.login("wichai")
    token = _token(console, client)
    url = f"/admin/tickets/{ticket.id}/status"
    response = client.post(url, data={"csrf_token": token, "to_status": "accepted", "from_status": "received",
                                      "note": "ทีมช่างจะเข้าไปดูพรุ่งนี้เช้าค่ะ", "internal_note": "ใช้รถกระบะคันเล็ก"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ส่งข้อความแจ้งประชาชนทาง LINE แล้ว" in page
    [message] = wait_until(citizen.pushed)
    assert ticket.number in message["text"] and "กองช่างรับเรื่องของท่านแล้วค่ะ" in message["text"]
    assert "ทีมช่างจะเข้าไปดูพรุ่งนี้เช้าค่ะ" in message["text"] and "รถกระบะ" not in message["text"]
    # Forwarding names the agency and its contact; rejecting gives the reason.
    client.post(url, data={"csrf_token": token, "to_status": "forwarded", "agency": "การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่", "contact": "โทร 1129"})
    forwarded = wait_until(lambda: citizen.pushed()[1:])[0]["text"]
    assert "การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่" in forwarded and "โทร 1129" in forwarded
    # A change the rules do not allow is refused in Thai, and nothing is sent.
    refused = client.post(url, data={"csrf_token": token, "to_status": "resolved"}, follow_redirects=True).get_data(as_text=True)
    assert "เปลี่ยนสถานะจาก &#34;ส่งต่อหน่วยงานที่รับผิดชอบ&#34; เป็น &#34;แก้ไขเรียบร้อยแล้ว&#34; ไม่ได้" in refused
    # A form opened before someone else changed the ticket does not act on the new status.
    stale = client.post(url, data={"csrf_token": token, "to_status": "in_progress", "from_status": "accepted"}, follow_redirects=True)
    assert "เพิ่งเปลี่ยนเป็น" in stale.get_data(as_text=True)
    time.sleep(0.3)
    assert len(citizen.pushed()) == 2
    # Missing what the citizen must be told: refused.
    missing = client.post(url, data={"csrf_token": token, "to_status": "in_progress"}, follow_redirects=True)
    assert "ส่งต่อหน่วยงานที่รับผิดชอบ" in missing.get_data(as_text=True)
    history = tickets.events(served.db, ticket.id)
    assert [(e.actor, e.to_status) for e in history] == [
        ("ประชาชน", "received"), ("นายช่างวิชัย", "accepted"), ("นายช่างวิชัย", "forwarded"), ("นายช่างวิชัย", "in_progress"),
    ]
    notes = ticket_notes.for_ticket(served.db, ticket.id)
    assert [n.note for n in notes] == ["[รับเรื่องแล้ว] ใช้รถกระบะคันเล็ก"] and notes[0].author == "นายช่างวิชัย"
    entries = audit_log.search(served.db, audit_log.AuditFilter(action="ticket.status"))
    assert [(e.details["old"], e.details["new"]) for e in reversed(entries)] == [
        ("received", "accepted"), ("accepted", "forwarded"), ("forwarded", "in_progress")]
    assert all(e.actor == "wichai" and e.target == f"ticket:{ticket.id}" for e in entries)


def test_rejecting_requires_a_reason_and_tells_it(served, fake_line):
    console = Console(served.app)
    console.make_user("somchai", "admin")
    citizen = Chat(served, fake_line)
    ticket = add_ticket(served.db, uid=citizen.uid)
    client = console.login("somchai")
    token = _token(console, client)
    url = f"/admin/tickets/{ticket.id}/status"
    page = client.post(url, data={"csrf_token": token, "to_status": "rejected", "reason": "  "}, follow_redirects=True).get_data(as_text=True)
    assert "ต้องระบุเหตุผลที่ไม่ดำเนินการ" in page and tickets.get(served.db, ticket.id).status == "received"
    client.post(url, data={"csrf_token": token, "to_status": "rejected", "reason": "จุดที่แจ้งอยู่นอกเขตตำบลคอนฉิม"})
    [message] = wait_until(citizen.pushed)
    assert "ไม่สามารถดำเนินการเรื่องนี้ได้ เนื่องจากจุดที่แจ้งอยู่นอกเขตตำบลคอนฉิม" in message["text"]
    assert tickets.get(served.db, ticket.id).reject_reason == "จุดที่แจ้งอยู่นอกเขตตำบลคอนฉิม"


def test_resolving_asks_the_citizen_whether_it_is_fixed(served, fake_line):
    console = Console(served.app)
    console.make_user("somchai", "admin")
    citizen = Chat(served, fake_line)
    ticket = add_ticket(served.db, uid=citizen.uid)
    client = console.login("somchai")
    token = _token(console, client)
    url = f"/admin/tickets/{ticket.id}/status"
    # A village problem is closed with its proof, as on LINE.
    refused = client.post(url, data={"csrf_token": token, "to_status": "resolved", "note": "เสร็จแล้ว"}, follow_redirects=True)
    assert "ต้องแนบรูปหลังแก้ไข" in refused.get_data(as_text=True) and tickets.get(served.db, ticket.id).status == "received"
    not_a_photo = {"csrf_token": token, "to_status": "resolved", "note": "เสร็จแล้ว", "after_photo": (io.BytesIO(b"%PDF-1.4"), "a.pdf")}
    assert "ต้องเป็นไฟล์ภาพ" in client.post(url, data=not_a_photo, follow_redirects=True).get_data(as_text=True)
    photo = b"\xff\xd8\xff\xe0" + b"after" * 300_000  # 1.5 MB: more than the app's 1 MB body limit
    data = {"csrf_token": token, "to_status": "resolved", "note": "ลงหินคลุกและบดอัดแล้ว", "after_photo": (io.BytesIO(photo), "after.jpg")}
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 302
    text, question = wait_until(lambda: citizen.pushed() if len(citizen.pushed()) >= 2 else None)
    assert "ลงหินคลุกและบดอัดแล้ว" in text["text"] and question["template"]["type"] == "confirm"
    link = text["text"].split("รูปหลังแก้ไข: ")[1].split()[0]  # http here: LINE shows images from https only
    assert client.get(link.split("127.0.0.1:8000", 1)[-1]).data == photo
    assert "แก้ไขเรียบร้อยแล้วใช่ไหมคะ" in question["template"]["text"]
    assert [a["label"] for a in question["template"]["actions"]] == ["✓ เรียบร้อย", "✗ ยังไม่เรียบร้อย"]
    assert tickets.get(served.db, ticket.id).resolution == "ลงหินคลุกและบดอัดแล้ว"


def test_staff_hand_a_ticket_to_another_division(served, fake_line):
    console = Console(served.app)
    console.make_user("wichai", "staff", "engineering", display_name="นายช่างวิชัย")
    finance_group = staff_group(served, fake_line, "finance")
    citizen = Chat(served, fake_line)
    ticket = add_ticket(served.db, uid=citizen.uid, category="complaint_service", topic=None, description="ค่าธรรมเนียมเก็บขยะเก็บซ้ำสองรอบค่ะ")
    client = console.login("wichai")
    token = _token(console, client)
    response = client.post(f"/admin/tickets/{ticket.id}/assign", data={
        "csrf_token": token, "division_id": "finance", "reason": "เป็นเรื่องการเก็บเงิน", "tell_citizen": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/tickets")
    announced = text_of(wait_until(finance_group.pushed))
    assert ticket.number in announced and "เป็นเรื่องการเก็บเงิน" in announced
    assert f"/admin/tickets/{ticket.id}" in announced and "เดิม กองช่าง" in announced
    [told] = wait_until(citizen.pushed)
    assert "อยู่ในความดูแลของกองคลังแล้วค่ะ" in told["text"]
    assert tickets.get(served.db, ticket.id).division_id == "finance"
    assert client.get(f"/admin/tickets/{ticket.id}").status_code == 403  # no longer theirs
    [event] = [e for e in tickets.events(served.db, ticket.id) if e.actor == "นายช่างวิชัย"]
    assert event.note == "มอบหมายให้กองคลัง (เดิม กองช่าง): เป็นเรื่องการเก็บเงิน"
    [entry] = audit_log.search(served.db, audit_log.AuditFilter(action="ticket.assign"))
    assert (entry.details["old"], entry.details["new"]) == ("engineering", "finance")


def test_internal_notes_stay_inside(served, fake_line):
    console = Console(served.app)
    console.make_user("somchai", "admin", display_name="สมชาย ใจดี")
    citizen = Chat(served, fake_line)
    ticket = add_ticket(served.db, uid=citizen.uid)
    client = console.login("somchai")
    token = _token(console, client)
    page = client.post(f"/admin/tickets/{ticket.id}/notes", data={"csrf_token": token, "note": "ผู้แจ้งเป็นญาติ ผญบ. โทรมาซ้ำ\nบรรทัดสอง"},
                       follow_redirects=True).get_data(as_text=True)
    assert "บันทึกภายในแล้ว (ประชาชนไม่เห็นบันทึกนี้)" in page and "ผู้แจ้งเป็นญาติ ผญบ. โทรมาซ้ำ\nบรรทัดสอง" in page
    assert client.post(f"/admin/tickets/{ticket.id}/notes", data={"csrf_token": token, "note": " "}, follow_redirects=True).status_code == 200
    assert len(ticket_notes.for_ticket(served.db, ticket.id)) == 1
    time.sleep(0.3)
    assert citizen.pushed() == [] and outbox.counts_by_status(served.db).get("pending", 0) == 0
    [entry] = audit_log.search(served.db, audit_log.AuditFilter(action="ticket.note"))
    assert "ญาติ" not in json.dumps(entry.details, ensure_ascii=False)


def test_photos_are_served_to_people_who_may_see_the_ticket_only(console, staff_people):
    ticket = add_ticket(console.db, photo=JPEG)
    [photo] = ticket_photos.photos(console.db, ticket.id)
    url = f"/admin/tickets/{ticket.id}/photos/{photo.id}"
    for name in ("somchai", "wichai"):
        response = staff_people[name].get(url)
        assert response.status_code == 200 and response.get_data() == JPEG
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Cache-Control"] == "no-store" or "no-store" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert staff_people["malee"].get(url).status_code == 403
    assert staff_people["auditor1"].get(url).status_code == 403
    stranger = console.client().get(url)
    assert stranger.status_code == 302 and "/admin/login" in stranger.headers["Location"]
    assert staff_people["somchai"].get(f"/admin/tickets/{ticket.id}/photos/{photo.id + 99}").status_code == 404
    page = _page(staff_people["wichai"], f"/admin/tickets/{ticket.id}")
    assert f'<img src="{url}"' in page
    # Content LINE called something else is never shown as a page of the console.
    odd = add_ticket(console.db, photo=b"<html><script>alert(1)</script></html>", photo_type="text/html")
    [odd_photo] = ticket_photos.photos(console.db, odd.id)
    response = staff_people["somchai"].get(f"/admin/tickets/{odd.id}/photos/{odd_photo.id}")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    # Erased with the ticket's personal data: gone from the console too.
    ticket_effects.remove_personal_data(console.db, ticket.id, "erasure")
    assert staff_people["somchai"].get(url).status_code == 404


def test_the_ticket_page_shows_the_location_without_an_online_map(console, staff_people):
    ticket = add_ticket(console.db, location={"latitude": 16.0345, "longitude": 102.5871, "title": "หน้าบ้านผู้ใหญ่บ้าน", "address": "หมู่ 3 ต.คอนฉิม"})
    page = _page(staff_people["wichai"], f"/admin/tickets/{ticket.id}")
    assert "16.034500, 102.587100" in page and 'href="geo:16.034500,102.587100' in page
    assert "หน้าบ้านผู้ใหญ่บ้าน" in page and "<iframe" not in page
    assert not re.search(r'<(img|script|iframe)[^>]+src="https?://', page)  # nothing loaded from the internet


def test_thai_search_and_filters(console, staff_people):
    db = console.db
    road = add_ticket(db, description="ถนนลูกรังหน้าวัดหมู่ ๓ เป็นหลุมลึก ฝนตกน้ำขัง")
    light = add_ticket(db, description="ไฟฟ้าส่องสว่างดับทั้งซอย มืดมาก", topic="light")
    water = add_ticket(db, description="น้ำประปาไม่ไหลสามวันแล้วค่ะ", topic="water", created_at=time.time() - 90 * 86400)
    waste = add_ticket(db, division="health", description="ขยะไม่มีคนเก็บ เหม็นมาก", topic="waste")
    admin = staff_people["somchai"]

    def found(query: str) -> set[str]:
        page = _page(admin, f"/admin/tickets?{query}" + ("" if "period=" in query else "&period=all"))
        return {n for n in (road.number, light.number, water.number, waste.number) if n in page}

    assert found("q=ลูกรัง") == {road.number}
    assert found("q=หมู่ 3") == {road.number}  # Thai digits in the text, Arabic in the query
    assert found("q=ไฟฟาดบ") == set() and found("q=ไฟฟาสอง") == {light.number}  # tone marks left out
    assert found("q=ไฟ ดับ") == {light.number}  # two words, each a short one
    assert found("q=น้ำ") == {road.number, water.number}
    assert found("q=ลูกรัง ไฟ") == set()
    assert found(f"q={waste.number}") == {waste.number}
    assert found("q=เหม็น&division=health") == {waste.number} and found("q=เหม็น&division=engineering") == set()
    assert found("topic=x&category=village&q=น้ำ") == {road.number, water.number}
    assert found("q=น้ำ&period=30d") == {road.number}
    assert found("status=open") == {road.number, light.number, water.number, waste.number} and found("status=closed") == set()
    assert "ค้นหา “ลูกรัง”" in _page(admin, "/admin/tickets?q=ลูกรัง")
    # What the search syntax would read as operators is text here: no error, no match.
    for odd in ('ถนน" OR "ไฟ', "NEAR(ถนน ไฟ)", "ลูก*", "(((", "AND", '"', "ถนน:ลูกรัง", "^ไฟ", "[ด่วน]"):
        assert found(f"q={quote(odd)}") == set(), odd
    assert found(f"q={quote('ลูกรัง*')}") == set() and found(f"q={quote('หมู่ 3 ลูกรัง')}") == {road.number}


def test_search_text_is_folded_by_the_database_as_by_python(console):
    samples = ["ไฟฟ้าดับ ๓ ซอย", "เเจ้งน้ำประปา", "นํ้าท่วม ABC", "ก๊าซ โน๊ต ก็ได้", "emoji 🙏🏽 ok"]
    for text in samples:
        ticket = add_ticket(console.db, description=text, location=None)
        (body,) = console.db.execute("SELECT body FROM ticket_search_source WHERE id = ?", (ticket.id,)).fetchone()
        assert body == ticket_search.fold_for_search(text + "  ")
        assert ticket_search.find(console.db, ticket_search.TicketQuery(text=text)) == [tickets.get(console.db, ticket.id)]


def test_erased_text_leaves_the_search_index(console):
    db = console.db
    words = "ซอยบ้านนางสมศรีเลขที่ 45 น้ำท่วมขังหน้าบ้านทุกปีช่วยด้วยค่ะ " * 5

    def index_bytes() -> int:
        return db.execute("SELECT sum(length(block)) FROM ticket_search_data").fetchone()[0]

    # Without a merge, FTS5 keeps deleted words in the old segment: what the erasure must fix.
    control = add_ticket(db, description=words)
    db.execute("UPDATE tickets SET description = NULL WHERE id = ?", (control.id,))
    assert ticket_search.find(db, ticket_search.TicketQuery(text="นางสมศรี")) == [] and index_bytes() > 500
    tickets.forget_deleted_search_text(db)
    assert index_bytes() < 50

    ticket = add_ticket(db, description=words)
    assert ticket_search.find(db, ticket_search.TicketQuery(text="นางสมศรี")) and index_bytes() > 500
    ticket_effects.remove_personal_data(db, ticket.id, "erasure")
    assert ticket_search.find(db, ticket_search.TicketQuery(text="นางสมศรี")) == []
    assert index_bytes() < 50  # merged: no segment keeps the words


# --- questions for staff -----------------------------------------------------------------------------


def test_answering_a_question_in_the_console_pushes_the_answer(served, fake_line):
    console = Console(served.app)
    console.make_user("wichai", "staff", "engineering", display_name="นายช่างวิชัย")
    citizen = Chat(served, fake_line)
    question = add_question(served.db, uid=citizen.uid, text="ขอถมที่ดินต้องแจ้งที่ อบต. ไหมคะ")
    client = console.login("wichai")
    page = _page(client, f"/admin/questions/{question.id}")
    assert "ขอถมที่ดินต้องแจ้งที่ อบต. ไหมคะ" in page and "ส่งคำตอบ" in page
    token = _token(console, client)
    response = client.post(f"/admin/questions/{question.id}/answer", data={"csrf_token": token, "answer": "ต้องแจ้งค่ะ ถ้าพื้นที่เกิน 2,000 ตร.ม. ยื่นแบบได้ที่กองช่าง"}, follow_redirects=True)
    assert "ส่งข้อความแจ้งประชาชนทาง LINE แล้ว" in response.get_data(as_text=True)
    [message] = wait_until(citizen.pushed)
    assert "ยื่นแบบได้ที่กองช่าง" in message["text"] and "ขอถมที่ดิน" in message["text"]
    answered = staff_questions.get(served.db, question.id)
    assert (answered.status, answered.answered_by) == ("answered", "นายช่างวิชัย")
    again = client.post(f"/admin/questions/{question.id}/answer", data={"csrf_token": token, "answer": "ตอบซ้ำ"}, follow_redirects=True)
    assert "ตอบไปแล้ว" in again.get_data(as_text=True) or "ตอบแล้ว" in again.get_data(as_text=True)
    time.sleep(0.3)
    assert len(citizen.pushed()) == 1
    [entry] = audit_log.search(served.db, audit_log.AuditFilter(action="question.answer"))
    assert entry.target == f"question:{question.id}" and entry.details["delivered"] is True
    empty = client.post(f"/admin/questions/{add_question(served.db).id}/answer", data={"csrf_token": token, "answer": "  "}, follow_redirects=True)
    assert "ขอรายละเอียดเพิ่ม" in empty.get_data(as_text=True) or "อย่างน้อย" in empty.get_data(as_text=True)


def test_the_queue_flags_overdue_questions(console, staff_people):
    late = add_question(console.db, text="ขอเลขที่บ้านใหม่ทำอย่างไรคะ", due_in=-3600, created_at=time.time() - 2 * 86400)
    fresh = add_question(console.db, text="รถเก็บขยะมาวันไหนคะ")
    answered = add_question(console.db, text="ค่าน้ำประปาจ่ายที่ไหนคะ")
    staff_questions.answer(console.db, answered.id, "ที่กองคลังค่ะ", "มาลี")
    wichai = staff_people["wichai"]
    overdue = _page(wichai, "/admin/questions?overdue=1")
    assert "ขอเลขที่บ้านใหม่" in overdue and "รถเก็บขยะ" not in overdue and "เกินกำหนด" in overdue
    waiting = _page(wichai, "/admin/questions")
    assert waiting.index("ขอเลขที่บ้านใหม่") < waiting.index("รถเก็บขยะ") and "ค่าน้ำประปา" not in waiting
    done = _page(wichai, "/admin/questions?state=answered")
    assert "ค่าน้ำประปา" in done and "รถเก็บขยะ" not in done
    assert all(q in _page(wichai, "/admin/questions?state=all") for q in ("ขอเลขที่บ้านใหม่", "รถเก็บขยะ", "ค่าน้ำประปา"))
    rows = _csv_rows(wichai.get("/admin/questions/export.csv?state=all"))
    assert rows[0][:3] == ["หมายเลข", "ถามเมื่อ", "กอง"]
    states = {row[0]: row[6] for row in rows[1:]}
    assert states == {str(late.id): "เกินกำหนด", str(fresh.id): "รอตอบ", str(answered.id): "ตอบแล้ว"}
    dashboard = _page(wichai, "/admin/")
    assert "คำถามถึงเจ้าหน้าที่ที่เกินกำหนด" in dashboard


# --- satisfaction -----------------------------------------------------------------------------------


def test_ratings_page_averages_filters_and_charts(console, staff_people):
    db = console.db
    add_rating(db, scores={"process": 5, "staff": 5, "facilities": 4, "information": 5, "overall": 5}, comment="เจ้าหน้าที่ใจดีมาก 😊")
    add_rating(db, scores={"process": 3, "staff": 4, "facilities": 2, "information": 3, "overall": 3})
    add_rating(db, service="building-permit", division="engineering", scores={a: 1 for a in ("process", "staff", "facilities", "information", "overall")},
               comment="=cmd|' /C calc'!A0 รอนานมาก")
    admin = staff_people["somchai"]
    page = _page(admin, "/admin/ratings")
    assert "ประเมิน 3 ครั้ง" in page
    assert "3.00 <small>จาก 5</small>" in page  # overall: (5 + 3 + 1) / 3
    assert "2.33 <small>จาก 5</small>" in page  # facilities: (4 + 2 + 1) / 3
    assert "เจ้าหน้าที่ใจดีมาก 😊" in page and 'id="ratings-by-month-title"' in page and 'id="ratings-by-service-title"' in page
    assert "เบี้ยยังชีพผู้สูงอายุ" in page and "ขออนุญาตก่อสร้างอาคาร" in page
    low = _page(admin, "/admin/ratings?score=low")
    assert "ประเมิน 1 ครั้ง" in low and "รอนานมาก" in low and "ใจดีมาก" not in low
    service = _page(admin, "/admin/ratings?service=elderly-allowance")
    assert "ประเมิน 2 ครั้ง" in service and "รอนานมาก" not in service
    only_comments = _page(admin, "/admin/ratings?comments=1")
    assert "ประเมิน 2 ครั้ง" in only_comments
    workbook = openpyxl.load_workbook(io.BytesIO(admin.get("/admin/ratings/export.xlsx").get_data()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("วันที่ประเมิน", "ปีงบประมาณ", "บริการ") and "ขั้นตอนและระยะเวลา (1-5)" in rows[0]
    assert len(rows) == 4 and any(str(v).startswith("'=cmd") for r in rows for v in r if v)
    assert all(not str(v).startswith("=") for r in rows for v in r if v is not None)
    # No column can tell who rated.
    assert not any("user:" in str(v) or "U" == str(v)[:1] and len(str(v)) == 33 for r in rows for v in r if v)
    [entry] = audit_log.search(db, audit_log.AuditFilter(action="ratings.export"))
    assert entry.details["rows"] == 3


def test_dashboard_cards_for_feedback(console, staff_people):
    db = console.db
    add_ticket(db)
    add_ticket(db, division="finance")
    add_question(db, due_in=-60, created_at=time.time() - 86400 * 2)
    add_rating(db, division="engineering", service="building-permit")
    add_report(db)
    admin = _page(staff_people["somchai"], "/admin/")
    assert "เรื่องร้องเรียนที่ยังไม่ปิด" in admin and "คำถามถึงเจ้าหน้าที่ที่เกินกำหนด" in admin
    assert "ผลประเมินความพึงพอใจวันนี้" in admin and "ความพึงพอใจรายเดือน 12 เดือนล่าสุด" in admin
    assert 'id="dashboard-ratings-by-month-title"' in admin
    stat = re.search(r"เรื่องร้องเรียนที่ยังไม่ปิด</h2>\s*<p class=\"stat__value\">(\d+)</p>", admin)
    assert stat and stat.group(1) == "2"
    staff = _page(staff_people["wichai"], "/admin/")
    stat = re.search(r"เรื่องร้องเรียนที่ยังไม่ปิด</h2>\s*<p class=\"stat__value\">(\d+)</p>", staff)
    assert stat and stat.group(1) == "1"  # their division's only
    auditor = _page(staff_people["auditor1"], "/admin/")
    assert "เรื่องแจ้งเบาะแสทุจริตรอพิจารณา" in auditor and "เรื่องร้องเรียนที่ยังไม่ปิด" not in auditor


def test_the_command_line_assigns_a_ticket_with_the_same_function(served, fake_line):
    from test_feedback_tickets import cli

    finance_group = staff_group(served, fake_line, "finance")
    citizen = Chat(served, fake_line)
    ticket = add_ticket(served.db, uid=citizen.uid)
    done = cli(served, fake_line, "ticket", "assign", ticket.number, "--division", "finance", "--by", "ปลัดสมศักดิ์", "--reason", "เรื่องค่าธรรมเนียม")
    assert done.returncode == 0, done.stderr
    assert "กองคลัง" in done.stdout and tickets.get(served.db, ticket.id).division_id == "finance"
    assert "เรื่องค่าธรรมเนียม" in text_of(wait_until(finance_group.pushed))
    assert "กองคลัง" in wait_until(citizen.pushed)[0]["text"]
    again = cli(served, fake_line, "ticket", "assign", ticket.number, "--division", "finance", "--by", "ปลัด")
    assert again.returncode == 1 and "อยู่แล้ว" in again.stderr
