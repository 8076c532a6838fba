"""Staff by name (issue 18, part 7): registration asks a staff member's name and position, or
takes their LINE display name with their consent (fetched from the fake LINE API after the
commit); a registering member names the group; the console shows names, never LINE ids."""
from __future__ import annotations

import time

import pytest

from bot.common.thaidate import fiscal_year, now
from bot.line.sender import ProfileUnavailable
from bot.staff import people
from db import audit_log, open_database, staff, transaction
from db import reminders as store
from feedback_support import Chat, buttons_of, text_of
from helpers import wait_until


def new_code(db, division: str = "engineering", role: str = "staff") -> str:
    with transaction(db):
        return staff.new_code(db, division, role).code


def labels(messages: list[dict]) -> list[str]:
    return [a.get("label") for a in buttons_of(messages)]


def profile_requests(fake_line) -> list[str]:
    return [r.path for r in fake_line.state.requests if r.method == "GET" and ("/profile/" in r.path or "/member/" in r.path)]


def test_a_person_registering_gives_their_name_and_position(served, fake_line):
    person = Chat(served, fake_line)
    asked = person.say(f"ลงทะเบียน {new_code(served.db)}")
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(asked) and "ชื่อ-นามสกุล" in text_of(asked)
    assert "ใช้ชื่อ LINE ของฉัน" in labels(asked)
    assert "เพื่อให้เรื่องของประชาชนและบันทึกของ อบต. แสดงว่าเจ้าหน้าที่ท่านใดเป็นผู้ดูแล" in text_of(asked)  # PDPA: why
    assert "ตำแหน่ง" in text_of(person.say("สมใจ   ใจดี"))
    done = person.say("นักวิชาการเงินและบัญชี")
    assert "สมใจ ใจดี" in text_of(done) and "นักวิชาการเงินและบัญชี" in text_of(done)
    assert staff.person(served.db, person.uid) == staff.Person(person.uid, "สมใจ ใจดี", "นักวิชาการเงินและบัญชี", "typed")
    assert people.name_of(served.db, person.uid) == "สมใจ ใจดี (นักวิชาการเงินและบัญชี)"
    assert profile_requests(fake_line) == []  # no consent, no call to LINE for the name

    # "ชื่อของฉัน" changes it later; a citizen's sentence that starts the same way is no command.
    person.say("ชื่อของฉัน")
    person.say("สมใจ ใจดีมาก")
    person.tap("ไม่ระบุตำแหน่ง")
    assert staff.person(served.db, person.uid).name == "สมใจ ใจดีมาก" and staff.person(served.db, person.uid).position is None
    citizen = Chat(served, fake_line)
    assert "เจ้าหน้าที่ที่ลงทะเบียน" in text_of(citizen.say("ชื่อของฉัน"))
    assert staff.person(served.db, citizen.uid) is None


def test_with_consent_the_line_display_name_is_fetched_after_the_commit(served, fake_line):
    person = Chat(served, fake_line)
    fake_line.state.add_user(person.uid, "มาลี แก้วประเสริฐ")
    person.say(f"ลงทะเบียน {new_code(served.db, 'welfare')}")
    assert "ตำแหน่ง" in text_of(person.tap("ใช้ชื่อ LINE ของฉัน"))
    person.say("นักพัฒนาชุมชน")
    found = wait_until(lambda: (p := staff.person(served.db, person.uid)) and p.name and p)
    assert (found.name, found.position, found.name_source) == ("มาลี แก้วประเสริฐ", "นักพัฒนาชุมชน", "line_profile")
    assert profile_requests(fake_line) == [f"/v2/bot/profile/{person.uid}"]


def test_a_name_line_cannot_give_is_asked_for_again(served, fake_line):
    fake_line.state.add_user("U" + "e" * 32, "someone else")  # the fake now answers 404 for everyone else
    person = Chat(served, fake_line)
    person.say(f"ลงทะเบียน {new_code(served.db)}")
    person.tap("ใช้ชื่อ LINE ของฉัน")
    person.tap("ไม่ระบุตำแหน่ง")
    told = wait_until(person.pushed)
    assert "อ่านชื่อ LINE ของท่านไม่ได้" in text_of(told)
    assert staff.person(served.db, person.uid) is None
    assert people.name_of(served.db, person.uid) == people.UNNAMED


def test_a_member_registering_a_group_names_it_and_themself_without_tagging_the_bot(served, fake_line):
    group = "C" + "a1" * 16
    member = Chat(served, fake_line, group=group)
    colleague = Chat(served, fake_line, group=group)
    fake_line.state.add_user(member.uid, "วิชัย ช่างดี")
    asked = member.say(f"ลงทะเบียน {new_code(served.db)}")
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(asked) and "ตั้งชื่อกลุ่มนี้" in text_of(asked)
    assert "กลุ่มกองช่าง" in labels(asked)
    assert colleague.say("ยินดีด้วยครับ") == []  # another member's talk is left alone
    named = member.say("กลุ่มงานกองช่าง")
    assert "ตั้งชื่อกลุ่มนี้ว่า \\\"กลุ่มงานกองช่าง\\\"" in text_of(named) and "ชื่อ-นามสกุล" in text_of(named)
    assert staff.group_name(served.db, f"group:{group}") == "กลุ่มงานกองช่าง"
    member.tap("ใช้ชื่อ LINE ของฉัน")
    member.say("นายช่างโยธา")
    found = wait_until(lambda: (p := staff.person(served.db, member.uid)) and p.name and p)
    assert (found.name, found.position, found.name_source) == ("วิชัย ช่างดี", "นายช่างโยธา", "line_profile")
    # In a group LINE is asked for the member's name there (they may not be the bot's friend).
    assert profile_requests(fake_line) == [f"/v2/bot/group/{group}/member/{member.uid}"]
    assert people.chat_label(served.db, f"group:{group}") == "กลุ่มงานกองช่าง"
    # Renamed later, and only in a registered group: elsewhere the bot says nothing.
    member.say("ตั้งชื่อกลุ่ม")
    member.say("กลุ่มกองช่าง อบต.คอนฉิม")
    assert staff.group_name(served.db, f"group:{group}") == "กลุ่มกองช่าง อบต.คอนฉิม"
    assert Chat(served, fake_line, group="C" + "b2" * 16).say("ตั้งชื่อกลุ่ม") == []


def test_the_fake_answers_a_group_members_profile_for_valid_ids_only(served, fake_line):
    sender = served.app.extensions["inbox_worker"].sender
    user = "U" + "3" * 32
    fake_line.state.add_user(user, "บุญมี ทองดี")
    assert sender.display_name(user, "group", "C" + "3" * 32) == "บุญมี ทองดี"
    assert sender.display_name(user, "room", "R" + "3" * 32) == "บุญมี ทองดี"
    for chat in ("R" + "3" * 32, "not-a-group"):  # a room id where a group id belongs; garbage
        with pytest.raises(ProfileUnavailable):
            sender.display_name(user, "group", chat)


# --- the console shows names ------------------------------------------------------------------


GROUP_KEY = "group:C" + "c3" * 16
CLERK = "U" + "c4" * 16


def _named_staff(db) -> staff.Recipient:
    with transaction(db):
        recipient = staff.register(db, chat_key=GROUP_KEY, kind="group", line_id=GROUP_KEY[6:], division_id="engineering",
                                   role="staff", registered_by=CLERK)
        staff.set_group_name(db, GROUP_KEY, "กลุ่มกองช่าง")
        staff.set_person(db, CLERK, "สมใจ ใจดี", "นายช่างโยธา")
    return recipient


def test_the_console_shows_names_never_line_ids(console, admin_client):
    db = console.db
    recipient = _named_staff(db)
    page = admin_client.get("/admin/staff").get_data(as_text=True)
    assert "กลุ่มกองช่าง" in page and "ลงทะเบียนโดย สมใจ ใจดี (นายช่างโยธา)" in page
    assert GROUP_KEY[6:] not in page and CLERK not in page

    # Who reported a deadline: the person and the group, by name.
    fy = fiscal_year(now().date())
    admin_client.get(f"/admin/reminders?fy={fy}")
    deadline = next(r for r in store.deadlines_of_year(db, fy, now().date()) if r["division_id"] == "engineering")
    with transaction(db):
        store.mark_done(db, deadline["id"], at=time.time(), on=now().date(), by=CLERK, chat_key=GROUP_KEY, late_working_days=0)
    page = admin_client.get(f"/admin/reminders?fy={fy}&division=engineering").get_data(as_text=True)
    assert "สมใจ ใจดี (นายช่างโยธา) ทางกลุ่มกองช่าง" in page
    assert "ผู้ใช้ …" not in page and CLERK not in page  # not even the tail of the id

    # The audit log names the chat an admin removed.
    token = console.token(admin_client, "/admin/account/password")
    assert admin_client.post(f"/admin/staff/{recipient.id}/remove", data={"csrf_token": token}).status_code == 302
    [entry] = audit_log.search(db, audit_log.AuditFilter(action="staff.unregister"))
    assert entry.details["chat"] == "กลุ่มกองช่าง"
    log_page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "chat: กลุ่มกองช่าง" in log_page and GROUP_KEY[6:] not in log_page


def test_an_unnamed_chat_reads_as_such(tmp_path):
    # No name yet: a polite stand-in, never the id.
    db = open_database(tmp_path / "t.sqlite3")
    assert people.name_of(db, CLERK) == people.UNNAMED
    assert people.chat_label(db, GROUP_KEY) == "กลุ่ม LINE (ยังไม่ได้ตั้งชื่อ)"
    assert people.chat_label(db, f"user:{CLERK}") == people.UNNAMED
    db.close()
