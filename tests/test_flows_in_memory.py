"""Every conversation flow through the real engine, planner and effects on an in-memory database
(tests/memory_chat.py): the fast tier's view of the flows. Over HTTP, signed webhooks and the fake
LINE API, each flow keeps its end-to-end tests (test_feedback_*.py, test_router_line.py,
test_handbook_line.py, test_staff.py)."""
from __future__ import annotations

import re

import pytest

from bot.feedback.satisfaction import RATE_STEPS
from db import corruption_reports, staff, transaction
from db import staff_questions as questions
from db import tickets
from feedback_support import buttons_of, text_of
from memory_chat import MemoryBot, MemoryChat


@pytest.fixture
def bot(settings):
    memory = MemoryBot(settings)
    yield memory
    memory.close()


def labels(messages: list[dict]) -> list[str]:
    return [a.get("label") for a in buttons_of(messages)]


def register_division(bot: MemoryBot, division: str) -> str:
    line_id = "C" + "d" * 32
    with transaction(bot.db):
        staff.register(bot.db, chat_key=f"group:{line_id}", kind="group", line_id=line_id, division_id=division,
                       role="staff", registered_by=None)
    return line_id


def test_main_menu_contact_and_a_greeting(bot):
    chat = MemoryChat(bot)
    menu = chat.say("เมนู")
    assert "ประเมินความพึงพอใจ" in " ".join(labels(menu))
    assert "คอนฉิม" in text_of(chat.say("ขอเบอร์โทร อบต. หน่อยค่ะ"))
    thanks = chat.say("ขอบคุณค่ะ 🙏")
    assert "ยังไม่ทราบคำตอบ" not in text_of(thanks)


def test_satisfaction_rating_from_the_menu(bot):
    chat = MemoryChat(bot)
    assert "ไม่มีการระบุชื่อผู้ประเมิน" in text_of(chat.say("ประเมินความพึงพอใจ"))
    chat.tap("สวัสดิการสังคม")
    chat.tap("เบี้ยยังชีพผู้สูงอายุ")
    assert "ข้อ 1/5" in chat.text()
    for _ in RATE_STEPS[:-1]:
        chat.tap("🙂 มาก")
    chat.say("มากที่สุดค่ะ")  # the word, typed
    done = chat.say("เจ้าหน้าที่ใจดีมากค่ะ 😊")
    assert "ขอบคุณที่ประเมินบริการ" in text_of(done)
    row = bot.db.execute("SELECT service_id, process, overall, comment FROM service_ratings").fetchone()
    assert row == ("elderly-allowance", 4, 5, "เจ้าหน้าที่ใจดีมากค่ะ 😊")


def test_a_problem_typed_in_own_words_becomes_a_ticket_without_retyping(bot):
    register_division(bot, "engineering")
    chat = MemoryChat(bot)
    first = chat.say("ไฟถนนหน้าบ้านดับมา 3 วันแล้วค่ะ หมู่ 5")
    assert "แจ้ง" in text_of(first)
    # The story is kept: the flow asks for what is missing, never for the story again.
    for _ in range(6):
        if "✅ ยืนยันส่งเรื่อง" in labels(chat.last):
            break
        for skip in ("✅ ถูกต้อง แจ้งเรื่องนี้", "ไม่มีรูป", "ข้าม"):
            if skip in labels(chat.last):
                chat.tap(skip)
                break
        else:
            pytest.fail(f"stuck at {labels(chat.last)}: {chat.text()[:300]}")
    done = chat.tap("✅ ยืนยันส่งเรื่อง")
    number = re.search(r"KC-\d{4}-\d{5}", text_of(done)).group(0)
    ticket = tickets.by_number(bot.db, number)
    assert "ไฟถนน" in ticket.description and ticket.line_user_id == chat.uid
    assert bot.pushes_to("C" + "d" * 32), "the division's group is told of the new ticket"


def test_a_question_for_staff_gets_a_number_and_reaches_the_division(bot):
    group = register_division(bot, "finance")
    chat = MemoryChat(bot)
    chat.say("ขอคุยกับเจ้าหน้าที่หน่อยค่ะ")
    chat.say("ภาษีป้ายร้านค้าต้องยื่นแบบภายในเดือนไหนคะ")
    chat.tap("ภาษีและรายได้")
    done = chat.tap("✅ ส่งคำถาม")
    assert "คำถามหมายเลข 1" in text_of(done) and "กองคลัง" in text_of(done)
    assert questions.get(bot.db, 1).division_id == "finance"
    assert bot.pushes_to(group)


def test_an_anonymous_corruption_report_keeps_no_one_and_echoes_nothing(bot):
    chat = MemoryChat(bot)
    chat.say("แจ้งเบาะแสทุจริต")
    chat.tap("ไม่เปิดเผยตัวตน")
    confirm = chat.say("เจ้าหน้าที่เรียกเงิน 5,000 บาท เพื่อเร่งใบอนุญาต")
    assert "5,000" not in text_of(confirm)
    received = text_of(chat.tap("ยืนยันส่งเรื่อง"))
    code = re.search(r"TJ-[A-Z0-9]{6}", received).group(0)
    report = corruption_reports.read(bot.db, code, role=corruption_reports.AUDITOR)
    assert report.anonymous and report.line_user_id is None and report.chat_key is None


def test_a_handbook_question_with_typos_is_answered_from_the_handbook(bot):
    chat = MemoryChat(bot)
    answer = chat.say("เบี้ยคนแก่ ใช้เอกสารไรบ้างคะ")
    assert "ผู้สูงอายุ" in text_of(answer) and ("เอกสาร" in text_of(answer) or "บัตรประจำตัวประชาชน" in text_of(answer))


def test_privacy_erasure_by_buttons(bot):
    chat = MemoryChat(bot)
    chat.say("ภาษีป้ายต้องจ่ายที่ไหน")
    chat.say("ข้อมูลส่วนบุคคล")
    chat.tap("ลบข้อมูลของฉัน")
    assert "ลบข้อมูลของท่านเรียบร้อยแล้ว" in text_of(chat.tap("ยืนยันลบ"))
    assert bot.db.execute("SELECT count(*) FROM handbook_questions WHERE user_id = ?", (chat.uid,)).fetchone()[0] == 0
