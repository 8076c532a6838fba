"""Staff handle online service requests (issue 19): the console's list, detail and status
changes (the citizen told once, through the fake LINE API), the request's card on LINE with
its buttons, refusals, the citizen's rating on completion feeding the satisfaction results,
and walk-ins recorded at the counter."""
from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta

import pytest

from admin_support import Console
from bot.common.thaidate import fiscal_year, now as bangkok_now, short_numeric
from bot.eservice import requests as service_requests
from bot.feedback import announce
from bot.feedback.announce import Office
from bot.handbook.store import content_of
from db import audit_log, ratings, staff, transaction
from db import service_requests as store
from feedback_support import Chat, buttons_of, register, text_of
from helpers import wait_until

FY = fiscal_year(bangkok_now())
WATER = "drinking-water-delivery"  # content/services: สำนักปลัด (palad)
ANSWERS = {"need": "โอ่งแห้งหมดแล้ว ต้องการน้ำ 2,000 ลิตร", "village": "3", "people": 5, "phone": "0812345678",
           "place": {"latitude": 16.0345, "longitude": 102.5871, "title": "บ้านนางสมศรี"}}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"id-card" * 40


def add_request(db, *, uid: str | None = None, service: str = WATER, division: str = "palad", answers: dict | None = None,
                channel: str = "online", due_in_days: int = 2, created_at: float | None = None, document: bytes | None = None):
    """A request as the citizen's flow files it (that side is tested with the flow)."""
    uid = uid or "U" + secrets.token_hex(16)
    now = time.time() if created_at is None else created_at
    due = (bangkok_now().date() + timedelta(days=due_in_days)).isoformat()
    with transaction(db):
        request, _ = store.create(
            db, prefix="KC", fiscal_year=FY, service_id=service, division_id=division, channel=channel,
            answers=ANSWERS if answers is None else answers, chat_key=f"user:{uid}", line_user_id=uid,
            submission_key=secrets.token_hex(8), due_on=due, documents=[("id-card", secrets.token_hex(6))] if document else [],
            now=now,
        )
        if document:
            [row] = store.documents(db, request.id)
            db.execute("UPDATE service_request_documents SET status = 'fetching' WHERE id = ?", (row.id,))
            store.store_document(db, row.id, document, "image/jpeg")
    return store.get(db, request.id)


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _pushes(chat: Chat, n: int) -> list[dict]:
    return wait_until(lambda: chat.pushed() if len(chat.pushed()) >= n else None)


# --- the console ---------------------------------------------------------------------------------------


def test_the_console_lists_shows_and_changes_a_request_and_the_citizen_is_told_once(served, fake_line):
    console = Console(served.app)
    console.make_user("somsri", "staff", "palad", display_name="สมศรี สำนักปลัด")
    console.make_user("wichai", "staff", "engineering", display_name="นายช่างวิชัย")
    citizen = Chat(served, fake_line)
    item = add_request(served.db, uid=citizen.uid, document=JPEG)
    late = add_request(served.db, due_in_days=-3, answers={"need": "น้ำไม่พอใช้ค่ะ <script>alert(1)</script>"})
    other = add_request(served.db, service="equipment-loan", division="engineering", answers={"items": "เต็นท์ 2 หลัง"})
    client = console.login("somsri")

    listed = _page(client, "/admin/requests")
    assert item.number in listed and late.number in listed and other.number not in listed  # their division only
    assert other.number not in _page(client, "/admin/requests?division=engineering")
    overdue = _page(client, "/admin/requests?overdue=1")
    assert late.number in overdue and item.number not in overdue and "เกินกำหนด" in overdue
    assert item.number not in _page(client, "/admin/requests?channel=counter")
    assert item.number in _page(client, f"/admin/requests?status=open&service={WATER}&q={item.number[-5:]}")
    _page(client, f"/admin/requests/{other.id}", 403)

    # The answers under the service's labels, as people read them; the document photo from the database.
    page = _page(client, f"/admin/requests/{item.id}")
    for shown in ("ความต้องการ", "โอ่งแห้งหมดแล้ว", "หมู่บ้าน", "หมู่ 3", "จำนวนคนในบ้าน", "0812345678", "บ้านนางสมศรี", "16.034500"):
        assert shown in page, shown
    [document] = store.documents(served.db, item.id)
    photo = client.get(f"/admin/requests/{item.id}/documents/{document.id}")
    assert photo.status_code == 200 and photo.data == JPEG and "no-store" in photo.headers["Cache-Control"]
    assert client.get(f"/admin/requests/{late.id}/documents/{document.id}").status_code == 404  # another request's
    assert "<script>alert(1)" not in _page(client, f"/admin/requests/{late.id}")

    token = console.token(client)
    url = f"/admin/requests/{item.id}/status"
    response = client.post(url, data={"csrf_token": token, "to_status": "accepted", "from_status": "received",
                                      "note": "รถน้ำจะไปพรุ่งนี้เช้าค่ะ"})
    assert response.status_code == 302
    assert "ส่งข้อความแจ้งประชาชนทาง LINE แล้ว" in _page(client, response.headers["Location"])
    [told] = _pushes(citizen, 1)
    assert item.number in told["text"] and "สำนักปลัดรับคำร้องของท่านแล้วค่ะ" in told["text"] and "พรุ่งนี้เช้า" in told["text"]
    # A form opened before the change, and a change the rules refuse: nothing happens, nothing is sent.
    stale = client.post(url, data={"csrf_token": token, "to_status": "in_progress", "from_status": "received"}, follow_redirects=True)
    assert "เพิ่งเปลี่ยนเป็น" in stale.get_data(as_text=True)
    refused = client.post(url, data={"csrf_token": token, "to_status": "rejected", "reason": " "}, follow_redirects=True)
    assert "ต้องระบุเหตุผล" in refused.get_data(as_text=True) and store.get(served.db, item.id).status == "accepted"
    # Done: the citizen is told, with the five rating buttons.
    client.post(url, data={"csrf_token": token, "to_status": "done", "from_status": "accepted", "note": "ส่งน้ำ 2,000 ลิตรแล้วค่ะ"})
    text, question = _pushes(citizen, 3)[1:]
    assert "ดำเนินการตามคำร้องของท่านเสร็จแล้วค่ะ" in text["text"] and "2,000 ลิตร" in text["text"]
    assert [b["label"] for b in buttons_of([question])][0].startswith("★★★★★")
    time.sleep(0.3)
    assert len(citizen.pushed()) == 3  # accepted, then done with its question: each once
    again = client.post(url, data={"csrf_token": token, "to_status": "done"}, follow_redirects=True).get_data(as_text=True)
    assert "เป็น &#34;ดำเนินการเสร็จแล้ว&#34; ไม่ได้" in again and len(citizen.pushed()) == 3

    done = store.get(served.db, item.id)
    assert done.status == "done" and done.done_at and done.closed_at
    assert [(e.actor, e.to_status) for e in store.events(served.db, item.id)] == [
        ("ประชาชน", "received"), ("สมศรี สำนักปลัด", "accepted"), ("สมศรี สำนักปลัด", "done")]
    entries = audit_log.search(served.db, audit_log.AuditFilter(action="request.status"))
    assert [(e.details["old"], e.details["new"], e.actor, e.target) for e in reversed(entries)] == [
        ("received", "accepted", "somsri", f"request:{item.id}"), ("accepted", "done", "somsri", f"request:{item.id}")]


def test_the_dashboard_counts_open_and_overdue_requests(console):
    add_request(console.db, due_in_days=-1)
    add_request(console.db)
    console.make_user("somchai", "admin")
    page = _page(console.login("somchai"), "/admin/")
    assert "คำร้องออนไลน์ที่ยังไม่เสร็จ" in page and "รอรับคำร้อง 2 · เกินกำหนด 1 · ใหม่วันนี้ 2" in page


# --- LINE: the request's card -----------------------------------------------------------------------------


def staff_member(served, fake_line, division: str, name: str, position: str = "", group: str | None = None) -> Chat:
    member = Chat(served, fake_line, group=group)
    if group is None:
        register(served, member.chat_key, "user", member.uid, division)
    with transaction(served.db):
        staff.set_person(served.db, member.uid, name, position or None)
    return member


def announce_to_division(served, item) -> None:
    """What filing a request queues for its division (bot/eservice/requests.py file_online)."""
    content = content_of(served.app)
    office = Office(content.profile, content.divisions, "https://sao.example")
    service = content.part("services")[item.service_id]
    with transaction(served.db):
        announce.to_division(served.db, office, item.division_id,
                             lambda note: service_requests.announce_new(office, service, item, note),
                             dedupe_key=f"request:{item.id}:new", purpose=f"request:{item.id}:announce")


def card_of(chat: Chat, number: str) -> list[dict]:
    """The latest card of this request pushed to the chat ([] until there is one)."""
    return [m for m in chat.pushed() if m.get("type") == "flex" and number in m.get("altText", "")][-1:]


def test_staff_accept_and_complete_a_request_from_its_card_and_the_citizen_rates_it(served, fake_line):
    somsri = staff_member(served, fake_line, "palad", "สมศรี ใจงาม", "เจ้าพนักงานธุรการ")
    citizen = Chat(served, fake_line)
    item = add_request(served.db, uid=citizen.uid)
    announce_to_division(served, item)

    # The card: the service, the answers under their labels, the due day, the buttons.
    somsri.last = wait_until(lambda: card_of(somsri, item.number))
    card = text_of(somsri.last)
    assert "คำร้องออนไลน์ใหม่" in card and "ขอน้ำอุปโภคบริโภค" in card and "หมู่ 3" in card and "0812345678" in card
    assert [a["label"] for a in buttons_of(somsri.last)] == ["รับคำร้อง", "กำลังดำเนินการ", "เสร็จแล้ว", "ไม่รับคำร้อง", "ดูในระบบ"]
    assert f"https://sao.example/admin/requests/{item.id}" in card

    accepted = somsri.tap("รับคำร้อง")
    assert f"ท่านรับคำร้อง {item.number} แล้ว" in text_of(accepted)
    now = store.get(served.db, item.id)
    assert (now.status, now.assignee_user_id, now.assignee_name) == ("accepted", somsri.uid, "สมศรี ใจงาม (เจ้าพนักงานธุรการ)")
    assert "รับคำร้องของท่านแล้ว" in _pushes(citizen, 1)[0]["text"]
    # The old card's รับคำร้อง again: already theirs; nothing more for the citizen.
    old_card = somsri.last = card_of(somsri, item.number)
    assert "ไว้แล้วค่ะ" in text_of(somsri.tap("รับคำร้อง"))
    assert len(citizen.pushed()) == 1

    # เสร็จแล้ว on the fresh card: a note to the citizen, then done.
    somsri.last = accepted
    assert "พิมพ์สิ่งที่ดำเนินการ" in text_of(somsri.tap("เสร็จแล้ว"))
    finished = somsri.say("ส่งรถน้ำ 2,000 ลิตรถึงบ้านแล้วค่ะ")
    assert f"คำร้อง {item.number} เสร็จแล้ว" in text_of(finished)
    assert store.get(served.db, item.id).status == "done"
    text, question = _pushes(citizen, 3)[1:]
    assert "เสร็จแล้วค่ะ" in text["text"] and "2,000 ลิตร" in text["text"]
    # A tap on the closed request's old card says so.
    somsri.last = old_card
    assert "ปิดไปแล้ว" in text_of(somsri.tap("ไม่รับคำร้อง"))

    # The citizen rates: kept on the request and in the satisfaction results (source eservice).
    citizen.last = [question]
    assert "ขอบคุณสำหรับคะแนน" in text_of(citizen.tap("★★★★ มาก"))
    assert store.get(served.db, item.id).rating == 4
    rows = served.db.execute("SELECT service_id, division_id, source, chat_key, process, staff, facilities, information,"
                             " overall FROM service_ratings").fetchall()
    assert rows == [(WATER, "palad", "eservice", citizen.chat_key, 4, 4, 4, 4, 4)]
    citizen.last = [question]  # the same question again
    assert "ให้คะแนนคำร้องนี้ไปแล้ว" in text_of(citizen.tap("★ น้อยที่สุด"))
    someone = Chat(served, fake_line)
    someone.last = [question]
    assert "เฉพาะผู้ยื่นคำร้องนี้" in text_of(someone.tap("★ น้อยที่สุด"))
    assert store.get(served.db, item.id).rating == 4 and served.db.execute("SELECT count(*) FROM service_ratings").fetchone()[0] == 1

    entries = served.db.execute("SELECT actor, action, details FROM audit_log WHERE target = ?", (f"request:{item.id}",)).fetchall()
    assert [(a, b) for a, b, _ in entries] == [("สมศรี ใจงาม (เจ้าพนักงานธุรการ)", "request.status")] * 2
    assert all('"via": "LINE"' in d for _, _, d in entries)


def test_a_rating_does_not_replace_the_persons_fuller_rating_of_the_same_day(served, fake_line):
    citizen = Chat(served, fake_line)
    item = add_request(served.db, uid=citizen.uid)
    with transaction(served.db):
        ratings.save(served.db, chat_key=citizen.chat_key, service_id=WATER, division_id="palad",
                     rated_on=bangkok_now().date().isoformat(), fiscal_year=FY, scores={a: 5 for a in ratings.ASPECTS},
                     comment="ดีมากค่ะ", source="menu")
        change = service_requests.change_status(served.db, Office(content_of(served.app).profile, content_of(served.app).divisions, ""),
                                                item.id, "done", actor="สมศรี")
    assert change.outbox_ids
    question = wait_until(lambda: citizen.pushed()[1:])
    citizen.last = question
    assert "ขอบคุณสำหรับคะแนน" in text_of(citizen.tap("★★ น้อย"))
    assert store.get(served.db, item.id).rating == 2
    assert served.db.execute("SELECT source, overall, comment FROM service_ratings").fetchall() == [("menu", 5, "ดีมากค่ะ")]


def test_another_division_and_strangers_are_refused_and_a_group_is_told_who_rejected(served, fake_line):
    item = add_request(served.db)
    wichai = staff_member(served, fake_line, "engineering", "วิชัย", "นายช่าง")
    stranger = Chat(served, fake_line)
    group_id = "C" + secrets.token_hex(16)
    malee = staff_member(served, fake_line, "palad", "มาลี", "ผู้ช่วยเจ้าหน้าที่", group=group_id)
    register(served, malee.chat_key, "group", group_id, "palad")
    announce_to_division(served, item)
    card = wait_until(lambda: card_of(malee, item.number))

    wichai.last = stranger.last = card
    assert "อยู่ในความดูแลของสำนักปลัด" in text_of(wichai.tap("รับคำร้อง"))
    assert "เฉพาะแชตของเจ้าหน้าที่" in text_of(stranger.tap("รับคำร้อง"))
    assert store.get(served.db, item.id).status == "received"

    # In the division's group any member acts: a reason from the short list, and the group hears who.
    malee.last = card
    asked = malee.tap("ไม่รับคำร้อง")
    assert "ไม่รับคำร้องเพราะอะไรคะ" in text_of(asked)
    assert "สั้นเกินไป" in text_of(malee.say("ก"))  # too short: asked again, nothing done
    assert store.get(served.db, item.id).status == "received"
    rejected = malee.tap("เอกสารไม่ครบ")
    assert "มาลี (ผู้ช่วยเจ้าหน้าที่) ไม่รับคำร้อง" in text_of(rejected)
    done = store.get(served.db, item.id)
    assert (done.status, done.reject_reason) == ("rejected", "เอกสารหรือหลักฐานยังไม่ครบถ้วน")


# --- the counter ------------------------------------------------------------------------------------------


def test_a_clerk_records_walk_ins_at_the_counter_in_one_click(console):
    console.make_user("somsri", "staff", "palad", display_name="สมศรี")
    console.make_user("auditor1", "auditor")
    client = console.login("somsri")
    page = _page(client, "/admin/counter")
    assert "ยังไม่มีรายการวันนี้" in page and 'value="water-supply"' in page and "autofocus" in page
    entry = re.search(r'name="entry" value="([^"]+)"', page).group(1)
    token = console.token(client, "/admin/counter")
    today = bangkok_now().date()

    # One click: the service and a score.
    sent = client.post("/admin/counter", data={"csrf_token": token, "entry": entry, "service": "water-supply",
                                               "day": short_numeric(today), "score": "4"})
    assert sent.status_code == 302 and "service=water-supply" in sent.headers["Location"]
    again = client.post("/admin/counter", data={"csrf_token": token, "entry": entry, "service": "water-supply",
                                                "day": short_numeric(today), "score": "4"}, follow_redirects=True)
    assert "บันทึกรายการนี้ไปแล้ว" in again.get_data(as_text=True)  # a double click records once
    # Enter: the default button, no score; the last service stays selected.
    page = _page(client, "/admin/counter")
    assert re.search(r'<option value="water-supply" selected>', page)
    entry = re.search(r'name="entry" value="([^"]+)"', page).group(1)
    client.post("/admin/counter", data={"csrf_token": token, "entry": entry, "service": "water-supply", "day": short_numeric(today)})
    page = _page(client, "/admin/counter")
    assert "วันนี้บันทึกแล้ว 2 ราย" in page

    rows = console.db.execute("SELECT channel, status, service_id, division_id, chat_key, line_user_id, answers, done_at IS NOT NULL"
                              " FROM service_requests").fetchall()
    assert rows == [("counter", "done", "water-supply", "engineering", None, None, None, 1)] * 2
    assert console.db.execute("SELECT source, chat_key, overall, process, rated_on FROM service_ratings").fetchall() == [
        ("counter", None, 4, 4, today.isoformat())]
    entries = audit_log.search(console.db, audit_log.AuditFilter(action="request.counter"))
    assert len(entries) == 2 and {e.actor for e in entries} == {"somsri"}

    # A day in the future, an unknown service: refused. Auditors do not record.
    future = client.post("/admin/counter", data={"csrf_token": token, "service": "water-supply",
                                                 "day": short_numeric(today + timedelta(days=1))}, follow_redirects=True)
    assert "ต้องไม่เกินวันนี้" in future.get_data(as_text=True)
    assert "กรุณาเลือกบริการ" in client.post("/admin/counter", data={"csrf_token": token, "service": "x"},
                                              follow_redirects=True).get_data(as_text=True)
    assert console.db.execute("SELECT count(*) FROM service_requests").fetchone()[0] == 2
    auditor = console.login("auditor1")
    assert auditor.get("/admin/counter").status_code == 403 and auditor.get("/admin/requests").status_code == 403


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_the_counter_entry_shows_in_the_requests_list_without_personal_data(console, role):
    console.make_user("clerk", role, "palad" if role == "staff" else None)
    client = console.login("clerk")
    token = console.token(client, "/admin/counter")
    client.post("/admin/counter", data={"csrf_token": token, "service": WATER, "day": ""})
    [row] = store.select(console.db, "channel = 'counter'")
    assert row.division_id == "palad" and row.status == "done"
    page = _page(client, f"/admin/requests/{row.id}")
    assert "ที่เคาน์เตอร์" in page and "ไม่เก็บข้อมูลส่วนบุคคล" in page and "ไม่มีขั้นตอนต่อ" in page
    assert "นำกลับมาดำเนินการ" not in page
