"""Questions passed to staff (measure 6): asked by a citizen, answered from a staff group
on LINE or from the command line, flagged when a working day passes unanswered."""
import time
from datetime import date, datetime

from bot.feedback import staff_questions
from bot.content.workdays import WorkCalendar

one_working_day_after = WorkCalendar().one_working_day_after
is_working_day = WorkCalendar().is_working_day
from bot.handbook import load_handbook
from bot.config import PROJECT_ROOT
from bot.common.thaidate import BANGKOK
from db import staff_questions as store
from db import staff, transaction
from feedback_support import Chat, buttons_of, register, staff_group, text_of
from helpers import wait_until
from test_feedback_tickets import cli, office_of

HANDBOOK = load_handbook(PROJECT_ROOT / "content")


def ask(chat: Chat, question: str, topic: str = "ภาษีและรายได้") -> list[dict]:
    chat.say("ขอคุยกับเจ้าหน้าที่หน่อยค่ะ")
    chat.say(question)
    chat.tap(topic)
    return chat.tap("✅ ส่งคำถาม")


def test_a_question_is_routed_announced_and_answered_from_the_staff_group(served, fake_line):
    group = staff_group(served, fake_line, "finance")
    citizen = Chat(served, fake_line)
    done = ask(citizen, "ภาษีป้ายร้านค้าต้องยื่นแบบภายในเดือนไหนคะ ปีนี้ยังไม่ได้จ่าย")
    assert "คำถามหมายเลข 1" in text_of(done) and "กองคลัง" in text_of(done) and "ภายในวันที่" in text_of(done)
    question = store.get(served.db, 1)
    assert (question.division_id, question.status, question.line_user_id) == ("finance", "open", citizen.uid)

    announced = wait_until(group.pushed)
    assert "ภาษีป้ายร้านค้า" in text_of(announced) and "/admin/questions/1" in text_of(announced)

    with transaction(served.db):
        staff.set_person(served.db, group.uid, "สมศรี ใจดี", "นักวิชาการเงินและบัญชี")
    # A staff member taps "ตอบ" (it sends "ตอบคำถาม 1", heard without tagging the bot) …
    group.last = announced
    prompt = group.tap("ตอบ")
    assert "คำถามหมายเลข 1" in text_of(prompt) and "ไม่ต้องแท็กบอท" in text_of(prompt)
    # … a colleague's chatter is left alone …
    assert Chat(served, fake_line, group=group.group).say("เดี๋ยวพี่ตอบให้นะ") == []
    # … the member who tapped answers untagged (addressing the bot by name is fine too);
    # it is shown back, and sent.
    confirm = group.say("น้องคอนฉิม ยื่นแบบภาษีป้ายภายในเดือนมีนาคมของทุกปีค่ะ ชำระที่กองคลัง")
    assert "ส่งคำตอบนี้ถึงประชาชนเลยไหมคะ" in text_of(confirm) and "น้องคอนฉิม ยื่น" not in text_of(confirm)
    sent = group.tap("ส่งคำตอบ")
    assert "ส่งคำตอบคำถามหมายเลข 1 ถึงประชาชนแล้ว" in text_of(sent)
    answer = wait_until(citizen.pushed)
    assert "ยื่นแบบภาษีป้ายภายในเดือนมีนาคม" in text_of(answer) and "กองคลัง" in text_of(answer)
    answered = store.get(served.db, 1)
    assert answered.status == "answered" and answered.answered_by == "สมศรี ใจดี (นักวิชาการเงินและบัญชี)"
    # Answering twice is refused politely.
    again = group.say("ตอบคำถาม 1 ขอแก้คำตอบค่ะ")
    assert "ตอบไปแล้ว" in text_of(again)
    # The citizen sees it answered under "ติดตามเรื่อง".
    assert "ตอบแล้ว" in text_of(citizen.say("ติดตามเรื่อง"))


def test_only_registered_staff_of_the_division_may_answer(served, fake_line):
    staff_group(served, fake_line, "finance")
    citizen = Chat(served, fake_line)
    ask(citizen, "ขอทราบขั้นตอนจดทะเบียนพาณิชย์ค่ะ")
    stranger = Chat(served, fake_line)
    refused = stranger.say("ตอบคำถาม 1 ไม่ต้องจดค่ะ")
    assert "สำหรับเจ้าหน้าที่ที่ลงทะเบียน" in text_of(refused)
    state = served.db.execute("SELECT flow FROM conversations WHERE chat_key = ?", (stranger.chat_key,)).fetchone()
    assert state[0] == "main"  # not left waiting for an answer
    other_division = staff_group(served, fake_line, "health")
    assert "สำหรับเจ้าหน้าที่ที่ลงทะเบียน" in text_of(other_division.say("ตอบคำถาม 1"))
    assert store.get(served.db, 1).status == "open"


def test_a_staff_member_answers_in_one_message_from_a_one_to_one_chat(served, fake_line):
    person = Chat(served, fake_line)
    register(served, person.chat_key, "user", person.uid, "welfare")
    citizen = Chat(served, fake_line)
    ask(citizen, "แม่อายุ 59 ปี 10 เดือน ลงทะเบียนเบี้ยผู้สูงอายุล่วงหน้าได้ไหมคะ", topic="สวัสดิการสังคม")
    confirm = person.say("ตอบคำถาม 1 ได้ค่ะ ลงทะเบียนล่วงหน้าได้ตั้งแต่อายุ 59 ปี\nนำบัตรประชาชนมาด้วยนะคะ")
    assert "ลงทะเบียนล่วงหน้าได้" in text_of(confirm)
    person.tap("ส่งคำตอบ")
    assert "บัตรประชาชน" in text_of(wait_until(citizen.pushed))


def test_a_question_is_answered_from_the_command_line(served, fake_line):
    citizen = Chat(served, fake_line)
    ask(citizen, "รถขยะมาเก็บวันไหนบ้างคะ หมู่ 5", topic="บริการสาธารณะ")
    listed = cli(served, fake_line, "question", "list", "--open")
    assert "รถขยะมาเก็บวันไหน" in listed.stdout
    answered = cli(served, fake_line, "question", "answer", "1", "--by", "สมศรี ใจดี", "--text", "ทุกวันอังคารและวันศุกร์ค่ะ")
    assert answered.returncode == 0, answered.stderr
    assert "ทุกวันอังคารและวันศุกร์" in text_of(wait_until(citizen.pushed))
    assert store.get(served.db, 1).answered_by == "สมศรี ใจดี"
    assert cli(served, fake_line, "question", "answer", "1", "--by", "x", "--text", "y").returncode == 1


def test_a_division_without_registered_chats_falls_back_to_the_admins(served, fake_line):
    admin = Chat(served, fake_line)
    register(served, admin.chat_key, "user", admin.uid, "*", role="admin")
    citizen = Chat(served, fake_line)
    ask(citizen, "ขอเอกสารแบบฟอร์มขออนุญาตก่อสร้างได้ที่ไหนคะ", topic="ก่อสร้างและที่ดิน")
    pushed = wait_until(admin.pushed)
    assert "กองช่างยังไม่ได้ลงทะเบียน" in text_of(pushed)


def test_the_handbook_can_pass_a_question_to_staff_with_its_procedure(served, fake_line):
    planner = served.app.extensions["inbox_worker"].planner
    ctx = planner.context("user")
    turn = staff_questions.ask_staff_turn(ctx, "เด็กอายุ 2 ขวบครึ่ง สมัครศูนย์เด็กเล็กได้ไหม", "child-development-center-enrollment")
    assert (turn.state.flow, turn.state.step) == ("ask_staff", "confirm")
    assert turn.state.data["division"] == "education"
    assert "กองการศึกษา" in text_of(turn.messages) and "✅ ส่งคำถาม" in [a["label"] for a in buttons_of(turn.messages)]


def test_unanswered_questions_are_flagged_after_one_working_day(served, fake_line):
    group = staff_group(served, fake_line, "finance")
    citizen = Chat(served, fake_line)
    ask(citizen, "ชำระภาษีที่ดินผ่านแอปธนาคารได้ไหมคะ")
    wait_until(group.pushed)
    db = served.db
    office = office_of(served)
    with transaction(db):
        flagged, queued = staff_questions.flag_overdue(db, office)
    assert flagged == [] and queued == []
    with transaction(db):
        db.execute("UPDATE staff_questions SET due_at = ? WHERE id = 1", (time.time() - 60,))
        flagged, queued = staff_questions.flag_overdue(db, office)
    assert [q.id for q in flagged] == [1] and len(queued) == 1
    sender = served.app.extensions["inbox_worker"].sender
    for outbox_id in queued:
        sender.deliver(db, outbox_id)
    assert "ยังไม่ได้ตอบเกิน 1 วันทำการ" in text_of(group.pushed()[-1:])
    with transaction(db):
        again, _ = staff_questions.flag_overdue(db, office)
    assert again == []  # each question is flagged once
    assert "เกินกำหนด" in cli(served, fake_line, "question", "list", "--overdue").stdout


def test_one_working_day_skips_weekends_and_thai_public_holidays():
    friday_afternoon = datetime(2026, 12, 4, 15, 0, tzinfo=BANGKOK)
    # Monday 7 Dec 2026 is the substitute day for 5 Dec (Father's Day, a Saturday).
    assert one_working_day_after(friday_afternoon) == datetime(2026, 12, 8, 15, 0, tzinfo=BANGKOK)
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=BANGKOK)
    assert one_working_day_after(saturday) == datetime(2026, 12, 1, 8, 30, tzinfo=BANGKOK)
    wednesday = datetime(2026, 11, 25, 9, 15, tzinfo=BANGKOK)
    assert one_working_day_after(wednesday) == datetime(2026, 11, 26, 9, 15, tzinfo=BANGKOK)
    assert not is_working_day(date(2027, 4, 14))  # Songkran
    assert is_working_day(date(2027, 4, 16))


def test_a_question_too_short_or_too_long_is_asked_again(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("ถามเจ้าหน้าที่")
    assert "อย่างน้อย 5" in text_of(chat.say("ถาม"))
    assert "ยาวเกินไป" in text_of(chat.say("ขอถาม" * 300))
    assert store.search(served.db) == []
