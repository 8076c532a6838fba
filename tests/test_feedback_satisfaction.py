"""Satisfaction ratings (measure 5) through signed webhooks and the fake LINE API."""
import time
from urllib.parse import unquote, urlsplit

from bot.feedback import posters
from bot.feedback.satisfaction import RATE_STEPS
from db import ratings, transaction
from feedback_support import Chat, buttons_of, text_of


def rating_rows(served):
    return served.db.execute(
        "SELECT service_id, division_id, process, staff, facilities, information, overall, comment, source, chat_key FROM service_ratings"
    ).fetchall()


def rate_all(chat: Chat, level_label: str = "😍 มากที่สุด") -> None:
    for _ in RATE_STEPS:
        chat.tap(level_label)


def test_a_citizen_rates_a_service_from_the_menu_in_a_few_taps(served, fake_line):
    chat = Chat(served, fake_line)
    first = chat.say("ประเมินความพึงพอใจ")
    assert "ไม่มีการระบุชื่อผู้ประเมิน" in text_of(first) and "/privacy" in text_of(first)
    chat.tap("สวัสดิการสังคม")
    assert "เบี้ยยังชีพผู้สูงอายุ" in [a["label"] for a in buttons_of(chat.last)]
    chat.tap("เบี้ยยังชีพผู้สูงอายุ")
    assert "ข้อ 1/5" in text_of(chat.last)
    chat.tap("😍 มากที่สุด")
    chat.tap("🙂 มาก")
    chat.tap("😐 ปานกลาง")
    chat.say("๒")  # Thai digit, typed
    chat.say("มากที่สุดค่ะ")  # the word, with a particle
    assert rating_rows(served) == []  # nothing written before the last step
    done = chat.say("เจ้าหน้าที่ใจดีมาก แต่ที่จอดรถน้อย 🚗")
    assert "ขอบคุณที่ประเมินบริการ" in text_of(done)
    assert rating_rows(served) == [
        ("elderly-allowance", "welfare", 5, 4, 3, 2, 5, "เจ้าหน้าที่ใจดีมาก แต่ที่จอดรถน้อย 🚗", "menu", chat.chat_key)
    ]


def test_a_second_rating_the_same_day_replaces_the_first(served, fake_line):
    chat = Chat(served, fake_line)
    for level, reply in (("🙁 น้อย", ""), ("😍 มากที่สุด", "แทนที่")):
        chat.say("ประเมินบริการ [water-supply]")
        rate_all(chat, level)
        done = chat.tap("ไม่มี ส่งเลย")
        assert reply in text_of(done)
    rows = rating_rows(served)
    assert len(rows) == 1 and rows[0][2:7] == (5, 5, 5, 5, 5) and rows[0][7] is None


def test_the_qr_posters_link_opens_the_flow_at_the_first_question(served, fake_line):
    from dataclasses import replace

    from bot.handbook.store import content_of

    profile = replace(content_of(served.app).profile, line_basic_id="@konchim")
    handbook = served.app.extensions["inbox_worker"].planner.handbook_store.handbook
    link = posters.service_link(handbook.get("waste-collection"), profile)
    assert link.startswith("https://line.me/R/oaMessage/%40konchim/?")
    prefilled = unquote(urlsplit(link).query)  # what LINE puts in the citizen's input box
    chat = Chat(served, fake_line)
    first = chat.say(prefilled)
    assert "บริการ: เก็บขยะ" in text_of(first) and "ข้อ 1/5" in text_of(first)
    rate_all(chat, "🙂 มาก")
    chat.tap("ไม่มี ส่งเลย")
    assert rating_rows(served)[0][:2] == ("waste-collection", "health") and rating_rows(served)[0][8] == "qr"


def test_an_old_poster_for_a_removed_service_starts_with_the_list(served, fake_line):
    first = Chat(served, fake_line).say("ประเมินบริการ [no-such-service]")
    assert "ป้ายอาจเป็นรุ่นเก่า" in text_of(first) and "เลือกหมวดก่อน" in text_of(first)


def test_cancelling_or_timing_out_halfway_writes_nothing(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("ประเมินบริการ [signboard-tax]")
    chat.tap("😍 มากที่สุด")
    assert "ไม่มีการบันทึกข้อมูลที่ยังกรอกไม่เสร็จ" in text_of(chat.say("ยกเลิก"))
    chat.say("ประเมินบริการ [signboard-tax]")
    rate_all(chat)
    db = served.db
    with transaction(db):  # the citizen walked away 11 minutes ago (the flow's timeout is 10)
        db.execute("UPDATE conversations SET updated_at = ? WHERE chat_key = ?", (time.time() - 11 * 60, chat.chat_key))
    late = chat.say("ดีมากค่ะ")
    assert "หมดเวลาแล้ว" in text_of(late)
    assert rating_rows(served) == []


def test_a_double_tap_is_not_taken_as_the_next_answer(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("ประเมินบริการ [building-permit]")
    [five] = [a for a in buttons_of(chat.last) if a["label"] == "😍 มากที่สุด"]
    chat.tap_action(five)
    again = chat.tap_action(five)  # the same button, tapped twice quickly
    assert "ไม่ได้บันทึกซ้ำ" in text_of(again) and "ข้อ 2/5" in text_of(again)
    state = served.db.execute("SELECT step, data FROM conversations WHERE chat_key = ?", (chat.chat_key,)).fetchone()
    assert state[0] == "rate_staff" and '"scores": {"process": 5}' in state[1]


def test_too_long_a_comment_is_refused_politely_and_asked_again(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("ประเมินบริการ [building-permit]")
    rate_all(chat)
    refused = chat.say("ดี" * 400)
    assert "ยาวเกินไป" in text_of(refused) and "800" in text_of(refused)
    assert rating_rows(served) == []


def test_ratings_are_reported_without_who_rated_and_forgotten_after_the_day(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("ประเมินบริการ [building-permit]")
    rate_all(chat, "😐 ปานกลาง")
    chat.tap("ไม่มี ส่งเลย")
    today = time.strftime("%Y-%m-%d")
    [summary] = ratings.summary(served.db, "2000-01-01", "2999-12-31")
    assert summary.service_id == "building-permit" and summary.count == 1 and summary.averages["overall"] == 3
    with transaction(served.db):
        ratings.forget_raters(served.db, "2999-01-01")
    assert rating_rows(served)[0][9] is None and today


def test_ratings_are_only_in_a_one_to_one_chat(served, fake_line):
    group = Chat(served, fake_line, group="C" + "e" * 32)
    replies = group.say("น้องคอนฉิม ประเมินความพึงพอใจ")
    assert "แชตส่วนตัว" in text_of(replies)
