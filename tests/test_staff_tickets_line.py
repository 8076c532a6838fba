"""Staff handle tickets from LINE (issue 18), through signed webhooks and the fake LINE API:
the ticket's card and its buttons, asking the citizen for more, closing with an after-photo,
the citizen's ✓ / ✗, refusals, and in a division's group any member acts and the group is
told who."""
import requests
import pytest

from bot.__init__ import create_app
from db import staff, ticket_closures, ticket_info, tickets, transaction
from feedback_support import Chat, buttons_of, register, text_of
from helpers import ServedApp, wait_until
from test_feedback_tickets import FY, file_road_ticket

AFTER = b"\xff\xd8\xff\xe0 after: road levelled"


@pytest.fixture
def served(settings):
    # LINE shows images only from https addresses: an installation as it runs for real.
    with ServedApp(create_app(settings.with_(public_base_url="https://sao.example"))) as app:
        yield app


def staff_member(served, fake_line, division: str, name: str, position: str = "", role: str = "staff") -> Chat:
    member = Chat(served, fake_line)
    register(served, member.chat_key, "user", member.uid, division, role)
    with transaction(served.db):
        staff.set_person(served.db, member.uid, name, position or None)
    return member


def card_of(chat: Chat, number: str) -> list[dict]:
    """The latest pushed card of this ticket, as the chat would tap it."""
    cards = [m for m in chat.pushed() if m.get("type") == "flex" and number in m.get("altText", "")]
    assert cards, f"no card of {number} pushed to {chat.chat_key}"
    return cards[-1:]


def citizen_pushes(citizen: Chat, n: int) -> list[dict]:
    return wait_until(lambda: citizen.pushed() if len(citizen.pushed()) >= n else None)


def test_staff_accept_ask_and_close_with_a_photo_and_the_citizen_confirms(served, fake_line):
    somchai = staff_member(served, fake_line, "engineering", "สมชาย ใจดี", "นายช่างโยธา")
    citizen = Chat(served, fake_line)
    file_road_ticket(citizen, photo=False, location=False)
    number = f"KC-{FY}-00001"
    ticket = tickets.by_number(served.db, number)
    assert ticket.status == "received"

    # The card reaches the division's registered chat with the buttons that act.
    somchai.last = wait_until(lambda: card_of(somchai, number))
    labels = [a.get("label") for a in buttons_of(somchai.last)]
    assert labels[:4] == ["รับเรื่อง", "ขอข้อมูลเพิ่ม", "ส่งต่อหน่วยงานอื่น", "ไม่รับเรื่อง"]

    # รับเรื่อง: assigned to whoever tapped; the citizen is told once.
    accepted = somchai.tap("รับเรื่อง")
    assert f"ท่านรับเรื่อง {number} แล้ว" in text_of(accepted)
    ticket = tickets.by_number(served.db, number)
    assert (ticket.status, ticket.assignee_user_id, ticket.assignee_name) == ("accepted", somchai.uid, "สมชาย ใจดี (นายช่างโยธา)")
    assert ticket.acknowledged_at is not None
    assert "รับเรื่องของท่านแล้ว" in text_of(citizen_pushes(citizen, 1))
    # The old card's รับเรื่อง again: already theirs, nothing changes, the citizen hears nothing more.
    somchai.last = card_of(somchai, number)
    assert "ท่านรับเรื่อง" in text_of(somchai.tap("รับเรื่อง")) and "ไว้แล้ว" in text_of(somchai.last)
    assert len(citizen.pushed()) == 1

    # ขอข้อมูลเพิ่ม: the question goes to the citizen; their next message and photo reach the staff member.
    somchai.last = accepted
    prompt = somchai.tap("ขอข้อมูลเพิ่ม")
    assert "พิมพ์สิ่งที่อยากถามผู้แจ้ง" in text_of(prompt)
    asked = somchai.say("หลุมอยู่ก่อนถึงวัดหรือเลยวัดไปครับ ประมาณกี่เมตร")
    assert "ส่งคำถามถึงผู้แจ้ง" in text_of(asked)
    question = citizen_pushes(citizen, 2)[-1]
    assert "ประมาณกี่เมตร" in question["text"] and "ขอข้อมูลเพิ่มเติม" in question["text"]
    got = citizen.say("เลยวัดไปประมาณ 50 เมตรค่ะ ตรงโค้ง 😅")
    assert "ส่งข้อมูลถึงเจ้าหน้าที่แล้ว" in text_of(got)
    citizen.photo(b"\xff\xd8\xff\xe0 the pothole again")
    assert "เจ้าหน้าที่ได้รับข้อมูลของท่านแล้ว" in text_of(citizen.say("เสร็จแล้ว"))  # the way out, not another answer
    passed_on = wait_until(lambda: [m for m in somchai.pushed() if "ผู้แจ้งตอบเรื่อง" in m.get("text", "")][1:] or None)
    assert "50 เมตร" in text_of(somchai.pushed()) and "ส่งรูปมา 1 รูป" in text_of(passed_on)
    [request] = ticket_info.of_ticket(served.db, ticket.id)
    assert request.asked_by_name == "สมชาย ใจดี (นายช่างโยธา)" and "50 เมตร" in request.answer
    assert photo_kinds(served, ticket.id) == ["info"]
    assert "เสร็จแล้ว" not in request.answer

    # ปิดเรื่อง: a village problem needs an after-photo, then a one-line note.
    somchai.last = accepted
    assert "รูปหลังแก้ไข" in text_of(somchai.tap("ปิดเรื่อง / แก้ไขแล้ว"))
    assert "ต้องมีรูปหลังแก้ไข" in text_of(somchai.say("เกรดถนนแล้ว"))
    assert "ได้รับรูปแล้ว 1 รูป" in text_of(somchai.photo(AFTER))
    closed = somchai.say("ลงหินคลุกและบดอัดถนนช่วงหน้าวัดเรียบร้อยแล้วครับ")
    assert f"ท่านปิดเรื่อง {number} แล้ว" in text_of(closed)
    ticket = tickets.by_number(served.db, number)
    assert ticket.status == "resolved" and ticket.resolution.startswith("ลงหินคลุก")
    [closure] = ticket_closures.of_ticket(served.db, ticket.id)
    assert (closure.outcome, closure.closed_by) == ("pending", "สมชาย ใจดี (นายช่างโยธา)")

    # The citizen gets the note, the after-photo and the question, once the photo is stored.
    told = citizen_pushes(citizen, 5)[2:]
    assert [m["type"] for m in told] == ["text", "image", "template"]
    assert "ลงหินคลุก" in told[0]["text"] and "แก้ไขเรียบร้อยแล้วใช่ไหมคะ" in told[2]["template"]["text"]
    url = told[1]["originalContentUrl"]
    assert url.startswith("https://sao.example/photos/")
    served_photo = requests.get(served.url + url.removeprefix("https://sao.example"), timeout=5)
    assert served_photo.status_code == 200 and served_photo.content == AFTER
    assert requests.get(served.url + "/photos/not-a-token", timeout=5).status_code == 404

    # ✓ เรียบร้อย: confirmed, and the rating follows.
    citizen.last = told
    confirmed = citizen.tap("✓ เรียบร้อย")
    assert "ขอบคุณที่ยืนยัน" in text_of(confirmed) and "ให้คะแนน" in text_of(confirmed)
    assert ticket_closures.of_ticket(served.db, ticket.id)[0].outcome == "confirmed"
    assert len(citizen.pushed()) == 5  # accepted, the question, the closure (3 messages): each once

    # A tap on the closed ticket's old card says so.
    somchai.last = card_of(somchai, number)
    assert "ปิดไปแล้ว" in text_of(somchai.tap("ส่งต่อหน่วยงานอื่น"))

    # The audit log and the ticket's history name the staff member.
    entries = served.db.execute("SELECT actor, action FROM audit_log WHERE target = ?", (f"ticket:{ticket.id}",)).fetchall()
    assert entries == [("สมชาย ใจดี (นายช่างโยธา)", a) for a in ("ticket.status", "ticket.ask", "ticket.status")]
    events = tickets.events(served.db, ticket.id)
    assert ("สมชาย ใจดี (นายช่างโยธา)", "resolved") in [(e.actor, e.to_status) for e in events]


def photo_kinds(served, ticket_id: int) -> list[str]:
    return [kind for (kind,) in served.db.execute("SELECT kind FROM ticket_photos WHERE ticket_id = ? ORDER BY id", (ticket_id,))]


def test_in_a_division_group_any_member_acts_and_the_group_is_told_who(served, fake_line):
    group_id = "C" + "7" * 32
    wichai = Chat(served, fake_line, uid="U" + "1" * 32, group=group_id)
    malee = Chat(served, fake_line, uid="U" + "2" * 32, group=group_id)
    register(served, wichai.chat_key, "group", group_id, "engineering")
    with transaction(served.db):
        staff.set_person(served.db, wichai.uid, "วิชัย", "นายช่าง")
        staff.set_person(served.db, malee.uid, "มาลี", "ผู้ช่วยนายช่าง")
    citizen = Chat(served, fake_line)
    file_road_ticket(citizen, photo=False, location=False)
    number = f"KC-{FY}-00001"

    wichai.last = wait_until(lambda: card_of(wichai, number))
    accepted = wichai.tap("รับเรื่อง")
    assert "วิชัย (นายช่าง) รับเรื่อง" in text_of(accepted)
    # A second รับเรื่อง is refused, naming who has it …
    malee.last = card_of(wichai, number)
    assert "มีผู้รับเรื่องแล้วค่ะ: วิชัย" in text_of(malee.tap("รับเรื่อง"))
    # … but any member of the group may work on it; the photo and note come untagged, heard from her only.
    malee.last = accepted  # the fresh card in the group's reply
    prompt = malee.tap("ปิดเรื่อง / แก้ไขแล้ว")
    assert "รูปหลังแก้ไข" in text_of(prompt)
    assert wichai.say("ใครไปดูหน้างานบ้าง") == []  # other group talk: the bot stays quiet
    assert "ได้รับรูปแล้ว 1 รูป" in text_of(malee.photo(AFTER))
    done = malee.say("ซ่อมเสร็จแล้ว เกรดและบดอัดเรียบร้อย")
    assert "มาลี (ผู้ช่วยนายช่าง) ปิดเรื่อง" in text_of(done)
    ticket = tickets.by_number(served.db, number)
    assert ticket.status == "resolved" and ticket.assignee_name == "วิชัย (นายช่าง)"
    assert ticket_closures.of_ticket(served.db, ticket.id)[0].closed_by == "มาลี (ผู้ช่วยนายช่าง)"
    # The citizen says it is not fixed: reopened to the same division, whose group gets the card.
    told = citizen_pushes(citizen, 4)[1:]
    citizen.last = told
    citizen.tap("✗ ยังไม่เรียบร้อย")
    reopened = wait_until(lambda: [m for m in wichai.pushed() if "ยังไม่เรียบร้อย" in m.get("altText", "")] or None)
    assert number in text_of(reopened)
    assert tickets.by_number(served.db, number).status == "reopened"


def test_who_may_not_act_is_told_politely(served, fake_line):
    somchai = staff_member(served, fake_line, "engineering", "สมชาย")
    somsri = staff_member(served, fake_line, "engineering", "สมศรี")
    finance = staff_member(served, fake_line, "finance", "บุญมี")
    head = staff_member(served, fake_line, "engineering", "ผอ.ประยุทธ", role="head")
    stranger = Chat(served, fake_line)
    citizen = Chat(served, fake_line)
    file_road_ticket(citizen, photo=False, location=False)
    number = f"KC-{FY}-00001"
    card = wait_until(lambda: card_of(somchai, number))

    for chat, note in ((finance, "อยู่ในความดูแลของกองช่าง"), (stranger, "เฉพาะแชตของเจ้าหน้าที่")):
        chat.last = card
        assert note in text_of(chat.tap("รับเรื่อง"))
    assert tickets.by_number(served.db, number).status == "received"

    somchai.last = card
    accepted = somchai.tap("รับเรื่อง")
    somsri.last = card
    assert "มีผู้รับเรื่องแล้วค่ะ: สมชาย" in text_of(somsri.tap("รับเรื่อง"))
    # A colleague's own chat may not work on what somchai took …
    somsri.last = accepted
    assert "มีผู้รับเรื่องแล้วค่ะ: สมชาย" in text_of(somsri.tap("ไม่รับเรื่อง"))
    # … the division head may: ไม่รับเรื่อง with a listed reason.
    head.last = accepted
    assert "เลือกเหตุผล" in text_of(head.tap("ไม่รับเรื่อง"))
    done = head.tap("นอกอำนาจหน้าที่ อบต.")
    assert f"ท่านไม่รับเรื่อง {number} และแจ้งเหตุผล" in text_of(done)
    ticket = tickets.by_number(served.db, number)
    assert (ticket.status, ticket.reject_reason) == ("rejected", "ไม่อยู่ในอำนาจหน้าที่ของ อบต.")
    told = citizen_pushes(citizen, 2)
    assert "ไม่อยู่ในอำนาจหน้าที่" in told[-1]["text"]
    # A tap on the closed ticket says so, and who closed it.
    somchai.last = card
    assert "ปิดไปแล้ว" in text_of(somchai.tap("ขอข้อมูลเพิ่ม")) and "ผอ.ประยุทธ" in text_of(somchai.last)


def test_forwarding_to_an_agency_from_the_content_list(served, fake_line):
    somchai = staff_member(served, fake_line, "engineering", "สมชาย")
    citizen = Chat(served, fake_line)
    file_road_ticket(citizen, photo=False, location=False)
    number = f"KC-{FY}-00001"
    somchai.last = wait_until(lambda: card_of(somchai, number))
    choices = somchai.tap("ส่งต่อหน่วยงานอื่น")
    labels = [a.get("label") for a in buttons_of(choices)]
    assert "การไฟฟ้า (PEA)" in labels and "กรมทางหลวงชนบท" in labels and labels[-1] == "พิมพ์ชื่อหน่วยงานเอง"
    done = somchai.tap("กรมทางหลวงชนบท")
    assert "ส่งต่อเรื่อง" in text_of(done) and "แขวงทางหลวงชนบทขอนแก่น" in text_of(done)
    ticket = tickets.by_number(served.db, number)
    assert ticket.status == "forwarded" and ticket.forwarded_contact == "สายด่วนกรมทางหลวงชนบท 1146"
    told = citizen_pushes(citizen, 1)[-1]["text"]
    assert "แขวงทางหลวงชนบทขอนแก่น" in told and "1146" in told


def test_a_progress_note_is_optional(served, fake_line):
    somchai = staff_member(served, fake_line, "engineering", "สมชาย")
    citizen = Chat(served, fake_line)
    file_road_ticket(citizen, photo=False, location=False)
    number = f"KC-{FY}-00001"
    somchai.last = wait_until(lambda: card_of(somchai, number))
    accepted = somchai.tap("รับเรื่อง")
    somchai.last = accepted
    prompt = somchai.tap("กำลังดำเนินการ")
    assert "ไม่มีหมายเหตุ" in [a.get("label") for a in buttons_of(prompt)]
    assert "กำลังดำเนินการ" in text_of(somchai.tap("ไม่มีหมายเหตุ"))
    assert tickets.by_number(served.db, number).status == "in_progress"
    told = citizen_pushes(citizen, 2)[-1]["text"]
    assert "กำลังดำเนินการ" in told and "หมายเหตุ" not in told


def test_my_work_lists_open_tickets_and_questions_with_their_buttons(served, fake_line):
    from feedback_console_support import add_question, add_ticket

    somchai = staff_member(served, fake_line, "engineering", "สมชาย")
    somsri = staff_member(served, fake_line, "engineering", "สมศรี")
    citizen = Chat(served, fake_line)
    assert "ไม่มีเรื่องค้าง" in text_of(somchai.say("งานของฉัน"))
    first = add_ticket(served.db, uid=citizen.uid)
    second = add_ticket(served.db, description="ไฟทางดับสามต้นหน้าโรงเรียนค่ะ", topic="light")
    add_ticket(served.db, division="finance", description="เก็บภาษีป้ายซ้ำค่ะ", category="complaint_service", topic=None)
    question = add_question(served.db)
    from db import service_requests

    with transaction(served.db):
        request, _ = service_requests.create(
            served.db, prefix="KC", fiscal_year=2570, service_id="waste-collection", division_id="engineering",
            channel="online", answers={"kind": "ขอถังขยะใบใหม่"}, chat_key=citizen.chat_key, line_user_id=citizen.uid,
        )

    work = somchai.say("งานของฉัน")
    assert "เรื่องร้องเรียน/แจ้งปัญหา 2 เรื่อง" in text_of(work) and "คำถามรอตอบ 1 ข้อ" in text_of(work)
    assert "คำร้องออนไลน์ 1 คำร้อง" in text_of(work) and request.number in text_of(work)
    carousel = [m for m in work if m["type"] == "flex"][0]["contents"]["contents"]
    assert [b["body"]["contents"][0]["text"] for b in carousel][:2] == [f"เรื่อง {first.number}", f"เรื่อง {second.number}"]
    assert f"ตอบคำถาม {question.id}" in [a.get("label") for a in buttons_of(work)]
    # Its buttons act like the card's: somchai takes the first; it stays his, and leaves somsri's list.
    somchai.tap("รับเรื่อง")
    assert first.number in text_of(somchai.say("งานของฉัน"))
    theirs = text_of(somsri.say("งานของฉัน"))
    assert first.number not in theirs and second.number in theirs
    # Not staff: a polite note.
    assert "เฉพาะแชตของเจ้าหน้าที่" in text_of(citizen.say("งานของฉัน"))


def test_the_morning_digest_goes_once_to_chats_with_open_work_within_the_quota(served, fake_line):
    from datetime import date

    from bot.feedback.announce import Office
    from bot.handbook.store import content_of
    from bot.staff.my_work import morning_digest
    from feedback_console_support import add_ticket

    somchai = staff_member(served, fake_line, "engineering", "สมชาย")
    idle = staff_member(served, fake_line, "finance", "บุญมี")
    group = Chat(served, fake_line, group="C" + "8" * 32)
    register(served, group.chat_key, "group", group.group, "engineering")
    add_ticket(served.db)
    content = content_of(served.app)
    office = Office(content.profile, content.divisions, "https://sao.example")
    today = date(2026, 12, 7)
    with transaction(served.db):
        queued = morning_digest(served.db, office, today, quota_left=5, cost=lambda key: 4 if key.startswith("group:") else 1)
    rows = served.db.execute("SELECT chat_key FROM outbox WHERE purpose = 'staff-digest' ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [somchai.chat_key, group.chat_key] and len(queued) == 2  # 1 + 4 pushes: within 5
    assert idle.chat_key not in [r[0] for r in rows]  # nothing open in finance: nothing sent
    with transaction(served.db):
        assert morning_digest(served.db, office, today) == []  # a restart the same morning sends nothing twice
    with transaction(served.db):
        # The next morning with one push left: the person's chat fits, the group of four does not.
        queued = morning_digest(served.db, office, date(2026, 12, 8), quota_left=1, cost=lambda key: 4 if key.startswith("group:") else 1)
    assert len(queued) == 1


def test_a_lost_push_to_the_citizen_is_retried_and_arrives_once(served, fake_line):
    somchai = staff_member(served, fake_line, "engineering", "สมชาย")
    citizen = Chat(served, fake_line)
    file_road_ticket(citizen, photo=False, location=False)
    number = f"KC-{FY}-00001"
    somchai.last = wait_until(lambda: card_of(somchai, number))
    # LINE carries out the push but answers after the bot gave up waiting: the retry, with the
    # same retry key, is answered 409 and not delivered again.
    fake_line.state.delay_next(1, 3.0, path_prefix="/v2/bot/message/push")
    somchai.tap("รับเรื่อง")
    told = citizen_pushes(citizen, 1)
    wait_until(lambda: fake_line.state.faults_pending() == 0)
    wait_until(lambda: not served.db.execute("SELECT 1 FROM outbox WHERE status != 'sent' AND purpose LIKE 'ticket:%'").fetchone())
    assert len(citizen.pushed()) == 1 and "รับเรื่องของท่านแล้ว" in told[0]["text"]


def test_the_clock_pushes_the_morning_digest_on_working_days_only(settings, fake_line):
    from datetime import date

    from db import open_database
    from feedback_console_support import add_ticket
    from scheduler import clock

    uid = "U" + "5" * 32
    db = open_database(settings.database_path)
    with transaction(db):
        staff.register(db, chat_key=f"user:{uid}", kind="user", line_id=uid, division_id="engineering", role="staff", registered_by=None)
    ticket = add_ticket(db)
    db.close()
    assert clock.staff_morning_digest(settings, today=date(2026, 12, 5)) == {"messages": 0}  # a Saturday
    assert clock.staff_morning_digest(settings, today=date(2026, 12, 7)) == {"messages": 0}  # in lieu of 5 December
    assert clock.staff_morning_digest(settings, today=date(2026, 12, 10)) == {"messages": 0}  # Constitution Day
    assert fake_line.state.messages_to(uid) == []
    assert clock.staff_morning_digest(settings, today=date(2026, 12, 8)) == {"messages": 1}
    assert clock.staff_morning_digest(settings, today=date(2026, 12, 8)) == {"messages": 0}  # run again: once
    head, card = fake_line.state.messages_to(uid)
    assert "สวัสดีตอนเช้า" in head["text"] and "8 ธันวาคม 2569" in head["text"]
    assert ticket.number in card["altText"] and card["contents"]["type"] == "carousel"
    jobs = {job.id: job for job in clock.build_scheduler(settings).get_jobs()}
    assert str(jobs["staff-morning-digest"].trigger.fields[4]) == "mon-fri"
