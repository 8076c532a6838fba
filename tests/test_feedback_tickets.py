"""Suggestions and complaints (measure 7): tickets through signed webhooks and the fake
LINE API, followed to resolution with pushed updates."""
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from bot.config import PROJECT_ROOT
from bot.feedback import ticket_status
from bot.feedback.announce import Office
from bot.line.sender import LineSender
from bot.common.thaidate import fiscal_year, now as bangkok_now
from db import connect, ticket_closures, ticket_photos, tickets, transaction
from engines import settings  # noqa: F401  (each test on SQLite and on PostgreSQL)
from feedback_support import Chat, buttons_of, register, staff_group, text_of
from helpers import ACCESS_TOKEN, CHANNEL_SECRET, wait_until

FY = fiscal_year(bangkok_now())
PHOTO = b"\xff\xd8\xff\xe0" + b"road-hole-photo" * 50


def office_of(served) -> Office:
    planner = served.app.extensions["inbox_worker"].planner
    return Office(planner.profile, planner.divisions, planner.public_base_url)


def change(served, number: str, status: str, **kw) -> None:
    """What the console (or `python -m bot ticket`) does: change, commit, deliver."""
    db = served.db
    with transaction(db):
        result = ticket_status.change_status(db, office_of(served), number, status, **kw)
    sender = served.app.extensions["inbox_worker"].sender
    for outbox_id in result.outbox_ids:
        sender.deliver(db, outbox_id)


def file_road_ticket(chat: Chat, photo: bool = True, location: bool = True) -> list[dict]:
    chat.say("แจ้งเรื่อง")
    chat.tap("🏘️ ปัญหาในหมู่บ้าน")
    chat.tap("🛣️ ถนน ทางชำรุด")
    chat.say("ถนนลูกรังหน้าวัดหมู่ 3 เป็นหลุมลึก ฝนตกน้ำขัง รถจักรยานยนต์ล้มสองครั้งแล้วค่ะ 🙏")
    if photo:
        got = chat.photo(PHOTO)
        assert "ได้รับรูปที่ 1" in text_of(got)
        chat.tap("เสร็จแล้ว ไปต่อ")
    else:
        chat.tap("ไม่มีรูป")
    if location:
        summary = chat.location()
        assert "หน้าบ้านผู้ใหญ่บ้าน" in text_of(summary)
    else:
        chat.tap("ข้าม")
    return chat.tap("✅ ยืนยันส่งเรื่อง")


def cli(served, fake_line, *args):
    settings = served.app.config["SETTINGS"]
    env = {
        **os.environ,
        "DATABASE_PATH": str(settings.database_path),
        "DATABASE_URL": settings.database_url,
        "SAO_TENANT": settings.tenant,
        "LINE_API_BASE_URL": fake_line.url,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
    }
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_a_suggestion_with_a_photo_and_a_location_is_followed_to_resolution(served, fake_line):
    group = staff_group(served, fake_line, "engineering")
    chat = Chat(served, fake_line)
    done = file_road_ticket(chat)
    number = f"KC-{FY}-00001"
    assert number in text_of(done) and "กองช่าง" in text_of(done)
    ticket = tickets.by_number(served.db, number)
    assert (ticket.category, ticket.topic, ticket.division_id, ticket.status) == ("village", "road", "engineering", "received")
    assert (ticket.latitude, ticket.longitude, ticket.line_user_id) == (16.0345, 102.5871, chat.uid)

    # The division's LINE group gets the ticket's card: what, where, a link to the console, buttons.
    announced = wait_until(group.pushed)
    assert number in text_of(announced) and f"/admin/tickets/{ticket.id}" in text_of(announced)
    assert "ถนนลูกรังหน้าวัด" in text_of(announced) and '"1 รูป"' in text_of(announced)
    assert {"รับเรื่อง", "ขอข้อมูลเพิ่ม", "ส่งต่อหน่วยงานอื่น", "ไม่รับเรื่อง"} <= {a.get("label") for a in buttons_of(announced)}

    # The photo is fetched from LINE's content endpoint after the ticket is saved.
    [photo] = wait_until(lambda: [p for p in ticket_photos.photos(served.db, ticket.id) if p.status == "stored"])
    assert ticket_photos.photo_content(served.db, photo.id) == (PHOTO, "image/jpeg")

    # Staff change the status from the command line; the citizen is told each time.
    accepted = cli(served, fake_line, "ticket", "accept", number, "--by", "นายช่างสมชาย")
    assert accepted.returncode == 0, accepted.stderr
    assert "รับเรื่องของท่านแล้ว" in text_of(wait_until(chat.pushed))
    change(served, number, "in_progress", actor="นายช่างสมชาย", note="นัดเกรดถนนวันพฤหัสนี้")
    change(served, number, "resolved", actor="นายช่างสมชาย", note="ลงหินคลุกและบดอัดแล้ว")
    pushed = chat.pushed()
    assert len(pushed) == 4  # accepted, in progress, resolved + "แก้ไขเรียบร้อยแล้วใช่ไหมคะ"
    assert "นัดเกรดถนนวันพฤหัสนี้" in text_of(pushed[1:2])
    assert "เรียบร้อยแล้ว" in text_of(pushed[2:3]) and "ลงหินคลุก" in text_of(pushed[2:3])
    assert "แก้ไขเรียบร้อยแล้วใช่ไหมคะ" in text_of(pushed[3:])

    # The citizen confirms the fix, then rates how it was handled; a second tap counts once.
    chat.last = pushed[3:]
    rating = chat.tap("✓ เรียบร้อย")
    assert "ขอบคุณที่ยืนยัน" in text_of(rating)
    assert "ขอบคุณสำหรับคะแนน" in text_of(chat.tap("★★★★★ มากที่สุด"))
    chat.last = rating
    assert "ให้คะแนนเรื่องนี้ไปแล้ว" in text_of(chat.tap("★ น้อยที่สุด"))
    chat.last = pushed[3:]
    assert "ได้รับคำตอบของท่านไปแล้ว" in text_of(chat.tap("✓ เรียบร้อย"))
    assert tickets.by_number(served.db, number).handling_rating == 5

    # History records who and when.
    events = tickets.events(served.db, ticket.id)
    assert [(e.actor, e.to_status) for e in events] == [
        ("ประชาชน", "received"), ("นายช่างสมชาย", "accepted"), ("นายช่างสมชาย", "in_progress"), ("นายช่างสมชาย", "resolved"),
        ("ประชาชน", "resolved"),  # ยืนยันว่าแก้ไขเรียบร้อยแล้ว
    ]
    shown = cli(served, fake_line, "ticket", "show", number)
    assert "นายช่างสมชาย" in shown.stdout and "google.com/maps" in shown.stdout

    # "ติดตามเรื่อง" lists it with its status.
    listed = chat.say("ติดตามเรื่อง")
    assert number in text_of(listed) and "แก้ไขเรียบร้อยแล้ว" in text_of(listed)


def test_a_citizen_reopens_a_resolved_ticket_within_14_days_and_staff_hear_of_it(served, fake_line):
    group = staff_group(served, fake_line, "engineering")
    chat = Chat(served, fake_line)
    file_road_ticket(chat, photo=False, location=False)
    number = f"KC-{FY}-00001"
    change(served, number, "resolved", actor="นายช่างสมชาย")
    chat.last = chat.pushed()
    reopened = chat.tap("✗ ยังไม่เรียบร้อย")
    assert "เปิดเรื่องเลขที่" in text_of(reopened) and "ยังไม่เรียบร้อยอย่างไร" in text_of(reopened)
    assert tickets.by_number(served.db, number).status == "reopened"
    assert "ยังไม่เรียบร้อย" in text_of(wait_until(lambda: group.pushed()[1:]))
    # Why, in their words, reaches the division too.
    chat.say("หลุมยังอยู่ที่เดิมค่ะ แค่เอาดินมาถม ฝนตกก็เป็นหลุมอีก")
    assert "แค่เอาดินมาถม" in text_of(wait_until(lambda: group.pushed()[2:]))
    ticket = tickets.by_number(served.db, number)
    [closure] = ticket_closures.of_ticket(served.db, ticket.id)
    assert closure.outcome == "reopened" and "แค่เอาดินมาถม" in closure.reason
    # Resolved again, then 15 days pass: too late to reopen from "ติดตามเรื่อง".
    change(served, number, "resolved", actor="นายช่างสมชาย")
    with transaction(served.db):
        served.db.execute("UPDATE tickets SET resolved_at = ? WHERE number = ?", (time.time() - 15 * 86400, number))
    assert "ยังไม่ได้รับการแก้ไข" not in text_of(chat.say("ติดตามเรื่อง"))


def test_buttons_of_someone_elses_ticket_do_nothing(served, fake_line):
    owner = Chat(served, fake_line)
    file_road_ticket(owner, photo=False, location=False)
    number = f"KC-{FY}-00001"
    change(served, number, "resolved", actor="ผอ.กองช่าง")
    other = Chat(served, fake_line)
    other.last = owner.pushed()
    assert "เฉพาะผู้แจ้งเรื่องนี้" in text_of(other.tap("✓ เรียบร้อย"))
    other.last = owner.pushed()
    assert "เฉพาะผู้แจ้งเรื่องนี้" in text_of(other.tap("✗ ยังไม่เรียบร้อย"))
    assert ticket_closures.of_ticket(served.db, tickets.by_number(served.db, number).id)[0].outcome == "pending"
    other.postback(f"v1|do|ticket-rate|{tickets.by_number(served.db, number).id}|5")
    assert tickets.by_number(served.db, number).handling_rating is None


def test_forwarding_tells_the_agency_and_rejecting_the_reason(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("แจ้งเรื่อง")
    chat.tap("🏘️ ปัญหาในหมู่บ้าน")
    chat.tap("💡 ไฟส่องสว่าง")
    chat.say("เสาไฟฟ้าแรงสูงหน้าโรงเรียนเอียง สายไฟหย่อนมาก")
    chat.tap("ไม่มีรูป")
    chat.tap("ข้าม")
    chat.tap("✅ ยืนยันส่งเรื่อง")
    number = f"KC-{FY}-00001"
    with pytest.raises(ticket_status.TicketError):
        change(served, number, "forwarded", actor="สมศรี")  # no agency named
    change(served, number, "forwarded", actor="สมศรี", agency="การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่", contact="โทร 1129")
    told = text_of(chat.pushed())
    assert "การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่" in told and "โทร 1129" in told
    with pytest.raises(ticket_status.TicketError):
        change(served, number, "accepted", actor="สมศรี")  # a closed ticket cannot be accepted
    change(served, number, "in_progress", actor="สมศรี", note="แก้ไขสถานะผิด")
    change(served, number, "rejected", actor="สมศรี", reason="อยู่นอกเขตตำบลคอนฉิม")
    assert "อยู่นอกเขตตำบลคอนฉิม" in text_of(chat.pushed()[-1:])


def test_a_repeated_confirmation_is_the_same_ticket(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("ร้องเรียน")
    chat.tap("เรื่องอื่น ๆ")
    chat.say("เสียงตามสายดังเกินไปตอนตีห้า รบกวนผู้ป่วยติดเตียง")
    chat.tap("ไม่มีรูป")
    chat.tap("ข้าม")
    [confirm] = [a for a in buttons_of(chat.last) if a["label"] == "✅ ยืนยันส่งเรื่อง"]
    first = chat.tap_action(confirm)
    second = chat.tap_action(confirm)  # double tap
    assert f"KC-{FY}-00001" in text_of(first)
    assert "ปุ่มนี้เป็นของรายการก่อนหน้า" in text_of(second)
    assert served.db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 1


def test_abandoning_the_form_leaves_nothing_and_photos_are_not_fetched(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("แจ้งปัญหา")
    chat.tap("🏘️ ปัญหาในหมู่บ้าน")
    chat.tap("🗑️ ขยะ")
    chat.say("ขยะล้นถังหน้าตลาดสดมาสามวันแล้ว ส่งกลิ่นเหม็น")
    chat.photo()
    chat.say("ยกเลิก")
    time.sleep(1.2)  # the photo job runs every half second
    assert served.db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
    assert served.db.execute("SELECT count(*) FROM ticket_photos").fetchone()[0] == 0
    assert [r for r in fake_line.state.requests if r.path.endswith("/content")] == []


def test_steps_answer_what_they_cannot_use_and_enforce_lengths(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("แจ้งเรื่อง")
    chat.tap("เรื่องอื่น ๆ")
    assert "อย่างน้อย 10" in text_of(chat.say("ถนน"))
    assert "ยาวเกินไป" in text_of(chat.say("ก" * 1001))
    chat.say("ท่อระบายน้ำหน้าบ้านอุดตัน น้ำท่วมขังทุกครั้งที่ฝนตก")
    assert "รับเฉพาะรูปภาพ" in text_of(chat.send(_video_event(chat)))
    for _ in range(3):
        chat.photo()
    assert "ครบ 3 รูป" in text_of(chat.last) and "ส่งตำแหน่ง" in text_of(chat.last)
    assert "สูงสุด 3 รูป" in text_of(chat.photo())


def _video_event(chat):
    from helpers import base_event

    return base_event("message", chat.source, message={"id": "77", "type": "video", "duration": 1000, "contentProvider": {"type": "line"}})


def test_the_ticket_number_arrives_even_when_line_refuses_the_reply(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("แจ้งเรื่อง")
    chat.tap("เรื่องอื่น ๆ")
    chat.say("ไฟทางเข้าหมู่บ้านดับทั้งซอยสามคืนแล้ว")
    chat.tap("ไม่มีรูป")
    chat.tap("ข้าม")
    fake_line.state.expire_reply_tokens()  # the reply token has expired by the time the bot answers
    chat.tap("✅ ยืนยันส่งเรื่อง")
    assert f"KC-{FY}-00001" in text_of(wait_until(chat.pushed))


def test_a_failing_line_api_during_the_confirmation_is_retried_and_delivers_once(served, fake_line):
    group = staff_group(served, fake_line, "palad")
    chat = Chat(served, fake_line)
    chat.say("แจ้งเรื่อง")
    chat.tap("เรื่องอื่น ๆ")
    chat.say("ขอให้เพิ่มรอบรถเก็บขยะช่วงเทศกาลสงกรานต์")
    chat.tap("ไม่มีรูป")
    chat.tap("ข้าม")
    fake_line.state.fail_next(1, 500, path_prefix="/v2/bot/message/reply")
    fake_line.state.fail_next(2, 503, path_prefix="/v2/bot/message/push")
    chat.tap("✅ ยืนยันส่งเรื่อง")  # the reply's first attempt fails; the sweeper retries it
    wait_until(lambda: f"KC-{FY}-00001" in text_of(fake_line.state.messages_to(chat.uid)))
    announced = wait_until(group.pushed)
    time.sleep(0.5)
    assert len(group.pushed()) == 1 and f"KC-{FY}-00001" in text_of(announced)
    keys = {r.headers.get("x-line-retry-key") for r in fake_line.state.requests if r.path == "/v2/bot/message/push"}
    assert len(keys) == 1  # every attempt carried the same retry key


def test_tickets_per_day_are_limited_politely(served, fake_line):
    chat = Chat(served, fake_line)
    db = served.db
    with transaction(db):
        for i in range(5):
            db.execute("INSERT INTO feedback_rate_events (key, at) VALUES (?, ?)", (f"ticket:{chat.chat_key}", time.time() - i))
    chat.say("แจ้งเรื่อง")
    chat.tap("เรื่องอื่น ๆ")
    chat.say("ขอเสนอให้ติดตั้งกระจกโค้งที่ทางแยกหน้าโรงเรียน")
    chat.tap("ไม่มีรูป")
    chat.tap("ข้าม")
    refused = chat.tap("✅ ยืนยันส่งเรื่อง")
    assert "ครบ 5 เรื่องแล้ว" in text_of(refused)
    assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0


def test_ticket_numbers_never_repeat_even_under_concurrency(tmp_path):
    from db import open_database

    path = tmp_path / "numbers.sqlite3"
    open_database(path).close()
    numbers: list[str] = []
    errors: list[Exception] = []

    def file_many(worker: int) -> None:
        db = connect(path)
        try:
            for i in range(15):
                with transaction(db):
                    ticket, _ = tickets.create(
                        db, prefix="KC", fiscal_year=2570, submission_key=f"{worker}:{i}", category="other", topic=None,
                        service_id=None, division_id="palad", chat_key=f"user:U{worker}", line_user_id=None,
                        description="ทดสอบ", location=None, photo_message_ids=[],
                    )
                numbers.append(ticket.number)
        except sqlite3.Error as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=file_many, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == [f"KC-2570-{n:05d}" for n in range(1, 91)]
    db = connect(path)
    with transaction(db):
        db.execute("DELETE FROM ticket_events WHERE ticket_id = (SELECT max(id) FROM tickets)")
        db.execute("DELETE FROM tickets WHERE number = 'KC-2570-00090'")
        assert tickets.next_number(db, 2570) == 91  # a deleted ticket's number is not given again
        assert tickets.next_number(db, 2571) == 1  # each fiscal year counts from 1


def test_a_village_problem_goes_to_the_division_that_fixes_it(served, fake_line):
    office = office_of(served)
    from bot.feedback.ticket_effects import route

    assert route(office, "village", "waste", None) == "health"
    assert route(office, "village", "road", None) == "engineering"
    assert route(office, "complaint_official", None, None) == "palad"
    assert route(office, "suggestion", None, "welfare") == "welfare"
    assert route(office, "suggestion", None, "no-such-division") == "palad"


def test_a_complaint_about_a_service_is_routed_to_its_division(served, fake_line):
    register(served, "user:U" + "a" * 32, "user", "U" + "a" * 32, "finance")
    chat = Chat(served, fake_line)
    chat.say("ร้องเรียน")
    chat.tap("ร้องเรียนการบริการ")
    chat.tap("ภาษีและรายได้")
    chat.tap("ภาษีป้าย")
    chat.say("รอชำระภาษีป้ายนานกว่าสองชั่วโมง ไม่มีบัตรคิว")
    chat.tap("ไม่มีรูป")
    chat.tap("ข้าม")
    assert "กองคลัง" in text_of(chat.tap("✅ ยืนยันส่งเรื่อง"))
    ticket = tickets.by_number(served.db, f"KC-{FY}-00001")
    assert (ticket.service_id, ticket.division_id) == ("signboard-tax", "finance")
    assert f"KC-{FY}-00001" in text_of(wait_until(lambda: fake_line.state.messages_to("U" + "a" * 32)))


def test_sender_pushes_queued_by_the_command_line_when_the_web_is_down(served, fake_line):
    """A change made while LINE is failing stays queued and is retried by the web's sweeper."""
    chat = Chat(served, fake_line)
    file_road_ticket(chat, photo=False, location=False)
    fake_line.state.fail_next(1, 500, path_prefix="/v2/bot/message/push")
    change(served, f"KC-{FY}-00001", "accepted", actor="สมชาย")
    assert "รับเรื่องของท่านแล้ว" in text_of(wait_until(chat.pushed))
    assert isinstance(served.app.extensions["inbox_worker"].sender, LineSender)


def test_a_form_left_for_longer_than_its_timeout_is_dropped_without_a_ticket(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("แจ้งเรื่อง")
    chat.tap("เรื่องอื่น ๆ")
    chat.say("ศาลาประชาคมหมู่ 7 หลังคารั่ว ฝนตกน้ำหยดใส่โต๊ะประชุม")
    chat.tap("ไม่มีรูป")
    chat.tap("ข้าม")
    [confirm] = [a for a in buttons_of(chat.last) if a["label"] == "✅ ยืนยันส่งเรื่อง"]
    with transaction(served.db):  # 31 minutes later (the flow's timeout is 30)
        served.db.execute("UPDATE conversations SET updated_at = ? WHERE chat_key = ?", (time.time() - 31 * 60, chat.chat_key))
    late = chat.tap_action(confirm)
    assert "หมดเวลาแล้ว" in text_of(late) and "ปุ่มนี้เป็นของรายการก่อนหน้า" in text_of(late)
    assert served.db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
