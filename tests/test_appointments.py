"""Appointments at the office (issue 19, part 3): slots that are never overbooked however many
book at once; booking, moving and cancelling through signed webhooks and the fake LINE API
(old buttons answered politely); the reminder the working day before (Thai holidays, once,
within the push quota) and `scheduler plan`'s forecast; staff's day list in the console and
"นัดหมายวันนี้" in LINE; erasure."""
from __future__ import annotations

import re
import secrets
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

from bot.common.thaidate import now as bangkok_now
from bot.config import PROJECT_ROOT
from bot.content.workdays import WorkCalendar
from bot.conversation import postback
from bot.eservice import appointment_texts as t
from bot.eservice.appointments import open_days
from bot.eservice.catalog import load_services
from db import appointments, connect, open_database, service_requests, transaction
from feedback_support import Chat, buttons_of, register, text_of
from helpers import base_event

CONTENT = PROJECT_ROOT / "content"
SERVICE = load_services(CONTENT)["elderly-allowance"]
CALENDAR = WorkCalendar.from_content(CONTENT)
NAME = "นางสมศรี ใจงาม"


def new_request(db, uid: str | None = None, *, division: str = "welfare", status: str = "received", name: str = NAME):
    uid = uid or "U" + secrets.token_hex(16)
    with transaction(db):
        request, _ = service_requests.create(
            db, prefix="KC", fiscal_year=2570, service_id=SERVICE.id, division_id=division, channel="online",
            answers={"applicant": name, "phone": "0812345678"}, chat_key=f"user:{uid}", line_user_id=uid, status=status,
        )
    return request


def book(db, request, day: date | str, slot: str = "09:00"):
    with transaction(db):
        return appointments.book(db, request.id, SERVICE.id, str(day), slot, SERVICE.appointment.capacity, time.time())


def status_of(db, appointment_id: int) -> str:
    return appointments.get(db, appointment_id).status


# --- no overbooking, however many book at once ------------------------------------------------------------


def _race(path, jobs) -> list:
    """Run each job(db) at the same moment on its own thread and connection; their results."""
    results = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(i, job):
        db = connect(path)
        try:
            start.wait()
            results[i] = job(db)
        except Exception as exc:  # noqa: BLE001 - the result says what happened
            results[i] = exc
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_a_slot_is_never_overbooked_however_many_book_at_once(tmp_path):
    path = tmp_path / "race.sqlite3"
    db = open_database(path)
    day, capacity = "2026-12-08", 3
    people = [new_request(db) for _ in range(16)]

    def booking(request, slot="09:00", in_transaction=True):
        def job(conn):
            if not in_transaction:  # one statement, its own transaction: still never more than capacity
                return appointments.book(conn, request.id, SERVICE.id, day, slot, capacity, time.time())
            with transaction(conn):
                return appointments.book(conn, request.id, SERVICE.id, day, slot, capacity, time.time())
        return job

    # Sixteen people, one slot of three: exactly three get it, the others are told it is full.
    results = _race(path, [booking(p) for p in people])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r is not None for r in results) == capacity
    assert len(appointments.of_day(db, day)) == capacity
    # Without the caller's transaction too: the count and the insert are one statement.
    results = _race(path, [booking(p, "10:00", in_transaction=False) for p in people])
    assert sum(isinstance(r, appointments.Appointment) for r in results) == capacity
    assert len(appointments.free_slots(db, SERVICE.id, day, ("09:00", "10:00", "11:00"), capacity)) == 1

    # One person, two requests, each tapped five times at once into the same slot: each request
    # gets one place (one booked appointment per request), and the slot still holds three.
    uid = "U" + secrets.token_hex(16)
    mine = [new_request(db, uid), new_request(db, uid)]
    results = _race(path, [booking(r, "11:00") for r in mine * 5])
    won = [r for r in results if isinstance(r, appointments.Appointment)]
    assert sorted(a.request_id for a in won) == sorted(r.id for r in mine)
    assert sum(isinstance(r, appointments.AlreadyBooked) for r in results) == 8
    assert all(r is None or isinstance(r, (appointments.Appointment, appointments.AlreadyBooked)) for r in results)

    # Moves race too: six appointments moved at once into a slot with room for two; the four
    # that find it full keep their own slot.
    movers = [book(db, new_request(db), "2026-12-09", slot) for slot in ("09:00", "09:00", "10:00", "10:00", "11:00", "11:00")]
    results = _race(path, [(lambda a: lambda conn: _move(conn, a, capacity=2))(a) for a in movers])
    assert sum(isinstance(r, appointments.Appointment) for r in results) == 2
    assert len([b for b in appointments.of_day(db, day) if b.appointment.slot == "13:30"]) == 2
    assert sorted(status_of(db, a.id) for a in movers) == ["booked"] * 4 + ["moved"] * 2
    assert len(appointments.of_day(db, "2026-12-09")) == 4
    db.close()


def _move(conn, appointment, capacity: int):
    with transaction(conn):
        return appointments.move(conn, appointment.id, "2026-12-08", "13:30", capacity, time.time())


# --- booking, moving and cancelling from LINE -----------------------------------------------------------------


def picker(messages: list[dict]) -> dict:
    [found] = [a for a in buttons_of(messages) if a.get("type") == "datetimepicker"]
    return found


def pick(chat: Chat, day: date) -> list[dict]:
    """Choose a day in LINE's date picker (LINE sends it in postback.params)."""
    action = picker(chat.last)
    return chat.send(base_event("postback", chat.source, postback={"data": action["data"], "params": {"date": day.isoformat()}}))


def offered_days(messages: list[dict]) -> list[date]:
    days = []
    for action in buttons_of(messages):
        button = postback.decode(action.get("data", "")) if action.get("type") == "postback" else None
        if button and button.step == "day" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", button.arg):
            days.append(date.fromisoformat(button.arg))
    return days


def labels(messages: list[dict]) -> list[str]:
    return [a.get("label") for a in buttons_of(messages)]


def test_book_move_and_cancel_from_line_with_old_buttons_answered(served, fake_line):
    db = served.db
    citizen = Chat(served, fake_line)
    request = new_request(db, citizen.uid)
    today = bangkok_now().date()
    ahead = open_days(db, SERVICE, CALENDAR, today)
    full, nearly = ahead[0], ahead[1]
    for slot in SERVICE.appointment.slots:  # the first day is fully booked by others
        for _ in range(SERVICE.appointment.capacity):
            book(db, new_request(db), full, slot)
    for _ in range(2):
        book(db, new_request(db), nearly, "09:00")

    # 📅 เลือกวันนัด: working days with a place, LINE's date picker, ยกเลิก — 13 at most.
    offer = citizen.postback(postback.action("appt-book", request.id))
    days = offered_days(offer)
    assert full not in days and days[0] == nearly and days == open_days(db, SERVICE, CALENDAR, today) and len(days) <= 11
    assert all(CALENDAR.is_working_day(d) and today < d <= today + timedelta(days=20) for d in days)
    assert t.day_label(nearly) in labels(offer) and len(offer[0]["quickReply"]["items"]) == len(days) + 2 <= 13
    assert picker(offer)["mode"] == "date" and picker(offer)["max"] == (today + timedelta(days=20)).isoformat()

    slots = citizen.tap(t.day_label(nearly))
    assert "09:00 น. (ว่าง 1)" in labels(slots) and "10:00 น. (ว่าง 3)" in labels(slots)
    # Someone else takes the last 09:00 place before the tap: a polite note and what is left.
    book(db, new_request(db), nearly, "09:00")
    taken = citizen.tap("09:00 น. (ว่าง 1)")
    assert "เพิ่งมีผู้จองเต็มพอดี" in text_of(taken)
    assert "09:00 น. (ว่าง 1)" not in labels(taken) and "10:00 น. (ว่าง 3)" in labels(taken)
    assert appointments.booked_for_request(db, request.id) is None

    done = citizen.tap("10:00 น. (ว่าง 3)")
    shown = text_of(done)
    assert "บันทึกนัดหมายแล้ว" in shown and request.number in shown
    assert str(nearly.year + 543) in shown and "10:00 น." in shown and "งานสวัสดิการสังคม" in shown
    assert "บัตรประจำตัวประชาชนของผู้สูงอายุ" in shown and "ทะเบียนบ้าน" in shown
    assert labels(done) == [t.MOVE_BUTTON, t.CANCEL_BUTTON]
    first = appointments.booked_for_request(db, request.id)
    assert (first.day, first.slot) == (nearly.isoformat(), "10:00")
    assert service_requests.get(db, request.id).status == "scheduled"
    first_card = done

    # The book button again, and the button tapped from someone else's chat.
    assert "มีนัดอยู่แล้ว" in text_of(citizen.postback(postback.action("appt-book", request.id)))
    stranger = Chat(served, fake_line)
    assert t.NOT_YOURS in text_of(stranger.postback(postback.action("appt-book", request.id)))
    assert t.NOT_YOURS in text_of(stranger.postback(postback.action("appt-cancel", first.id, "yes")))
    assert status_of(db, first.id) == "booked"

    # "นัดของฉัน" lists it with its buttons.
    mine = citizen.say("นัดของฉัน")
    assert request.number in text_of(mine) and labels(mine) == [t.MOVE_BUTTON, t.CANCEL_BUTTON]

    # เลื่อนนัด: a Saturday from the date picker is refused politely, then a day three ahead.
    citizen.last = first_card
    citizen.tap(t.MOVE_BUTTON)
    saturday = next(today + timedelta(days=n) for n in range(1, 9) if (today + timedelta(days=n)).weekday() == 5)
    refused = pick(citizen, saturday)
    assert CALENDAR.day_off_name(saturday) in text_of(refused) and "นัดไม่ได้" in text_of(refused) and offered_days(refused)
    later = ahead[3]
    citizen.last = refused
    slots = pick(citizen, later)
    assert "13:30 น. (ว่าง 3)" in labels(slots)
    moved = citizen.tap("13:30 น. (ว่าง 3)")
    assert "เลื่อนนัดให้แล้ว" in text_of(moved)
    second = appointments.booked_for_request(db, request.id)
    assert (second.day, second.slot) == (later.isoformat(), "13:30") and status_of(db, first.id) == "moved"
    assert service_requests.get(db, request.id).status == "scheduled"
    assert any("เลื่อนนัด" in (e.note or "") for e in service_requests.events(db, request.id))

    # The first confirmation's buttons are old now: a polite note, nothing changes.
    citizen.last = first_card
    assert "ถูกเลื่อนไปแล้ว" in text_of(citizen.tap(t.CANCEL_BUTTON))
    citizen.last = first_card
    assert "ถูกเลื่อนไปแล้ว" in text_of(citizen.tap(t.MOVE_BUTTON))
    assert status_of(db, second.id) == "booked"

    # ยกเลิกนัด asks first; "ไม่ยกเลิก" keeps it; confirming cancels and the request is accepted again.
    citizen.last = moved
    asked = citizen.tap(t.CANCEL_BUTTON)
    assert asked[0]["type"] == "template" and labels(asked) == [t.YES_CANCEL, t.KEEP]
    assert t.KEPT in text_of(citizen.tap(t.KEEP))
    assert status_of(db, second.id) == "booked"
    citizen.last = asked
    cancelled = citizen.tap(t.YES_CANCEL)
    assert "ยกเลิกนัดแล้ว" in text_of(cancelled) and t.BOOK_BUTTON in labels(cancelled)
    assert status_of(db, second.id) == "cancelled" and appointments.booked_for_request(db, request.id) is None
    assert service_requests.get(db, request.id).status == "accepted"
    citizen.last = asked
    assert "ยกเลิกไปแล้ว" in text_of(citizen.tap(t.YES_CANCEL))
    # Nothing booked now: "ยกเลิกนัด" typed offers to book again.
    assert request.number in text_of(citizen.say("ยกเลิกนัด")) and f"นัด {request.number}"[:20] in labels(citizen.last)


def test_a_closed_request_or_another_service_cannot_book(served, fake_line):
    db = served.db
    citizen = Chat(served, fake_line)
    rejected = new_request(db, citizen.uid, status="rejected")
    assert "จึงนัดหมายไม่ได้แล้ว" in text_of(citizen.postback(postback.action("appt-book", rejected.id)))
    with transaction(db):
        water, _ = service_requests.create(db, prefix="KC", fiscal_year=2570, service_id="drinking-water-delivery",
                                           division_id="palad", channel="online", answers={}, chat_key=citizen.chat_key,
                                           line_user_id=citizen.uid)
    assert t.NO_APPOINTMENT in text_of(citizen.postback(postback.action("appt-book", water.id)))
    assert t.GONE in text_of(citizen.postback(postback.action("appt-move", 999999)))
    assert t.NONE_BOOKED in text_of(citizen.say("นัดของฉัน"))
    assert appointments.for_request(db, rejected.id) == []


# --- the reminder, the working day before ---------------------------------------------------------------------


def test_the_reminder_goes_the_working_day_before_once_within_the_quota(settings, fake_line):
    from scheduler import clock

    db = open_database(settings.database_path)
    tuesday = new_request(db)  # Tue 8 Dec 2026: Sat 5 (Father's Day), Sun 6 and Mon 7 (in lieu) are off
    friday = new_request(db)  # Fri 11 Dec 2026: Thu 10 is Constitution Day
    book(db, tuesday, "2026-12-08", "10:00")
    appointment = book(db, friday, "2026-12-11", "13:30")
    cancelled = book(db, new_request(db), "2026-12-11", "09:00")
    with transaction(db):
        appointments.cancel(db, cancelled.id, time.time())
    closed = new_request(db)
    book(db, closed, "2026-12-11", "09:00")
    with transaction(db):
        service_requests.update(db, closed.id, "received", status="rejected")
    db.close()
    uid = lambda r: r.line_user_id  # noqa: E731

    for day_off in (date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 10)):
        assert clock.appointment_reminders(settings, today=day_off) == {"messages": 0}
    assert fake_line.state.deliveries() == []
    # Friday 4 Dec: Tuesday's appointment (the next working day) — once, however often it runs.
    assert clock.appointment_reminders(settings, today=date(2026, 12, 4)) == {"messages": 1}
    assert clock.appointment_reminders(settings, today=date(2026, 12, 4)) == {"messages": 0}
    head, card = fake_line.state.messages_to(uid(tuesday))
    assert "แจ้งเตือนนัดหมาย" in head["text"] and "วันอังคารที่ 8 ธันวาคม 2569 เวลา 10:00 น." in head["text"]
    assert card["type"] == "flex" and labels([card]) == [t.MOVE_BUTTON, t.CANCEL_BUTTON]
    assert clock.appointment_reminders(settings, today=date(2026, 12, 8)) == {"messages": 0}  # nothing on Wed 9
    # Wednesday 9 Dec with the month's pushes used up: nothing is sent, and it waits for room.
    fake_line.state.quota = 0
    assert clock.appointment_reminders(settings, today=date(2026, 12, 9)) == {"messages": 0}
    fake_line.state.quota = 300
    assert clock.appointment_reminders(settings, today=date(2026, 12, 9)) == {"messages": 1}
    assert "วันศุกร์ที่ 11 ธันวาคม 2569" in fake_line.state.messages_to(uid(friday))[0]["text"]
    assert fake_line.state.messages_to(uid(closed)) == []  # rejected meanwhile; the cancelled one neither
    assert len(fake_line.state.deliveries()) == 2
    db = open_database(settings.database_path)
    assert appointments.get(db, appointment.id).reminded_at is not None
    db.close()
    jobs = {job.id: job for job in clock.build_scheduler(settings).get_jobs()}
    trigger = str(jobs["appointment-reminders"].trigger)
    assert "day_of_week='mon-fri'" in trigger and "hour='9'" in trigger and "minute='0'" in trigger


def test_scheduler_plan_forecasts_the_appointment_reminders(tmp_path):
    db = open_database(tmp_path / "plan.sqlite3")
    today = bangkok_now().date()
    day = CALENDAR.add_working_days(today, 2)
    for slot in ("09:00", "10:00"):
        book(db, new_request(db), day, slot)
    db.close()
    env = {"DATABASE_PATH": str(tmp_path / "plan.sqlite3"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "scheduler", "plan", "--fy", "2570", "--no-cost"],
                         cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    from bot.common.thaidate import thai_weekday_date

    sends = CALENDAR.add_working_days(day, -1)
    assert "การแจ้งเตือนนัดหมาย e-Service ที่รอส่ง (09:00 น. วันทำการก่อนวันนัด): 2 ข้อความ" in out.stdout
    assert f"{thai_weekday_date(sends)}: 2 ข้อความ" in out.stdout


# --- staff: the console's day list and "นัดหมายวันนี้" ----------------------------------------------------------


def test_the_console_lists_a_day_and_records_who_came(console, admin_client):
    db = console.db
    today = bangkok_now().date()
    welfare = new_request(db)
    booked = book(db, welfare, today, "09:00")
    other = new_request(db, division="engineering", name="นายมานะ ขยันดี")
    book(db, other, today, "10:00")
    future = book(db, new_request(db, name="นางอนาคต"), CALENDAR.add_working_days(today, 1), "11:00")

    page = admin_client.get("/admin/appointments").get_data(as_text=True)
    assert welfare.number in page and NAME in page and f"/admin/requests/{welfare.id}" in page
    assert other.number in page and "ลงทะเบียนล่วงหน้า เบี้ยยังชีพผู้สูงอายุ" in page and "มาตามนัด" in page
    assert "นางอนาคต" not in page and "วันทำการถัดไป" in page
    assert "นัดหมายวันนี้" in admin_client.get("/admin/").get_data(as_text=True)  # the dashboard's card
    ahead = admin_client.get(f"/admin/appointments?day={future.day}").get_data(as_text=True)
    assert "นางอนาคต" in ahead and NAME not in ahead

    token = console.token(admin_client, "/admin/appointments")
    answer = admin_client.post(f"/admin/appointments/{booked.id}/outcome", data={"outcome": "attended", "csrf_token": token})
    assert answer.status_code == 302
    assert status_of(db, booked.id) == "attended"
    [(actor, details)] = db.execute(
        "SELECT actor, details FROM audit_log WHERE action = 'appointment.attended' AND target = ?", (f"appointment:{booked.id}",)
    ).fetchall()
    assert actor == "somchai" and welfare.number in details
    assert any("มาตามนัด" in (e.note or "") for e in service_requests.events(db, welfare.id))
    # A day still to come cannot be recorded; a second tap changes nothing.
    admin_client.post(f"/admin/appointments/{future.id}/outcome", data={"outcome": "missed", "csrf_token": token})
    assert status_of(db, future.id) == "booked"
    admin_client.post(f"/admin/appointments/{booked.id}/outcome", data={"outcome": "missed", "csrf_token": token})
    assert status_of(db, booked.id) == "attended"

    # A division's staff see their own division's appointments only, and act on no other.
    console.make_user("somsri", "staff", division_id="engineering")
    staff_client = console.login("somsri")
    theirs = staff_client.get("/admin/appointments").get_data(as_text=True)
    assert other.number in theirs and welfare.number not in theirs
    token = console.token(staff_client, "/admin/appointments")
    assert staff_client.post(f"/admin/appointments/{future.id}/outcome", data={"outcome": "missed", "csrf_token": token}).status_code == 403


def test_staff_ask_for_todays_appointments_in_line(served, fake_line):
    db = served.db
    today = bangkok_now().date()
    welfare = new_request(db)
    book(db, welfare, today, "09:00")
    other = new_request(db, division="engineering", name="นายมานะ ขยันดี")
    book(db, other, today, "10:00")

    member = Chat(served, fake_line)
    register(served, member.chat_key, "user", member.uid, "welfare")
    answer = text_of(member.say("นัดหมายวันนี้"))
    assert welfare.number in answer and NAME in answer and other.number not in answer and "09:00 น." in answer
    group = Chat(served, fake_line, group="C" + secrets.token_hex(16))
    register(served, group.chat_key, "group", group.group, "*", role="admin")
    answer = text_of(group.say("นัดวันนี้"))  # heard in a group without tagging the bot
    assert welfare.number in answer and other.number in answer
    assert t.STAFF_ONLY in text_of(Chat(served, fake_line).say("นัดหมายวันนี้"))


# --- erasure -------------------------------------------------------------------------------------------------


def test_erasure_cancels_the_persons_booked_appointments(tmp_path):
    from bot import wiring
    from bot.pipeline import effects

    wiring.load_features()
    db = open_database(tmp_path / "erase.sqlite3")
    uid = "U" + secrets.token_hex(16)
    request = new_request(db, uid, status="scheduled")
    mine = book(db, request, "2026-12-08")
    theirs = book(db, new_request(db), "2026-12-08")
    with transaction(db):
        effects.erase_person(db, f"user:{uid}", uid)
    assert status_of(db, mine.id) == "cancelled" and status_of(db, theirs.id) == "booked"
    assert service_requests.get(db, request.id).status == "accepted"
    db.close()
