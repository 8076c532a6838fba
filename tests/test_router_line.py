"""Free text understood, end to end: signed webhooks in, the fake LINE API's replies out.

What each intent does (bot/conversation/router.py), what happens to text typed at a step that
wants a button, and two requests in one message.
"""
from __future__ import annotations

import json

import pytest

from feedback_support import Chat, buttons_of, text_of
from helpers import ServedApp


@pytest.fixture
def served(settings):
    from bot import create_app

    with ServedApp(create_app(settings.with_(public_base_url="https://konchim.example.go.th"))) as app:
        yield app


@pytest.fixture
def chat(served, fake_line) -> Chat:
    return Chat(served, fake_line)


def labels(messages) -> list[str]:
    return [a.get("label") for a in buttons_of(messages)]


def quick_labels(message) -> list[str]:
    return [i["action"]["label"] for i in (message.get("quickReply") or {}).get("items", [])]


def recorded(served) -> list[dict]:
    cur = served.db.execute("SELECT question, outcome, procedure_id, intent FROM handbook_questions ORDER BY id")
    return [dict(zip([c[0] for c in cur.description], r)) for r in cur.fetchall()]


def tickets(served) -> list[dict]:
    cur = served.db.execute("SELECT number, category, topic, division_id, description FROM tickets ORDER BY id")
    return [dict(zip([c[0] for c in cur.description], r)) for r in cur.fetchall()]


# --- a problem told in the person's own words -----------------------------------------------------


def test_a_problem_typed_as_a_story_becomes_a_ticket_in_four_taps_without_typing_it_again(served, chat):
    story = "ไฟถนนหน้าบ้านดับมา 3 คืนแล้วค่ะ มืดมาก เด็กๆ กลัว 😢"
    guess = chat.say(story)
    body = text_of(guess)
    assert story in body and "ไฟฟ้าส่องสว่าง" in body and "กองช่าง" in body  # shown back, topic and division guessed
    taps = 0
    for label in ("✅ ถูกต้อง แจ้งเรื่องนี้", "ไม่มีรูป", "ข้าม", "✅ ยืนยันส่งเรื่อง"):
        if label == "✅ ยืนยันส่งเรื่อง":
            assert story in text_of(chat.last)  # the summary quotes it: nothing to retype
        chat.tap(label)
        taps += 1
    assert taps == 4 and "เลขที่เรื่อง: KC-" in text_of(chat.last)
    (ticket,) = tickets(served)
    assert ticket["description"] == story.strip() and (ticket["category"], ticket["topic"]) == ("village", "light")
    assert ticket["division_id"] == "engineering"
    assert recorded(served) == []  # a report is not a question the bot failed to answer


def test_the_guessed_kind_can_be_changed_with_the_description_kept(served, chat):
    story = "รถขยะไม่มาเก็บขยะหมู่ 5 สองอาทิตย์แล้ว เหม็นไปทั้งซอย"
    chat.say(story)
    chat.tap("✏️ เปลี่ยนประเภท")
    chat.tap("🏘️ ปัญหาในหมู่บ้าน")
    photos = chat.tap("🛣️ ถนน ทางชำรุด")
    assert "รูป" in text_of(photos)  # straight to the photo: the story is already the description
    chat.tap("ไม่มีรูป")
    summary = chat.tap("ข้าม")
    assert story in text_of(summary) and "ถนนหรือทางชำรุด" in text_of(summary)


# --- small talk, annoyance, corruption, other agencies ----------------------------------------------


@pytest.mark.parametrize("typed, expected", [
    ("ขอบคุณค่ะ 🙏", "ยินดีค่ะ"),
    ("555555", "มีเรื่องใดให้ช่วย"),
    ("ทดสอบ", "ระบบตอบได้ตามปกติ"),
    ("ขอให้เจริญๆ นะจ๊ะ", "ขอบพระคุณค่ะ"),
])
def test_small_talk_gets_a_short_polite_reply_and_is_never_an_unanswered_question(served, chat, typed, expected):
    (reply,) = chat.say(typed)
    assert expected in reply["text"] and "ยังไม่ทราบคำตอบ" not in reply["text"]
    assert "ส่งให้เจ้าหน้าที่" not in labels([reply])
    assert recorded(served) == []


def test_annoyance_at_the_bot_gets_an_apology_and_a_way_on(served, chat):
    (reply,) = chat.say("บอทโง่จัง ตอบไม่ตรงเลย")
    assert "ขออภัย" in reply["text"] and {"เมนูหลัก", "คุยกับเจ้าหน้าที่"} <= set(quick_labels(reply))
    assert recorded(served) == []


def test_misconduct_told_plainly_gets_the_confidential_channel_and_is_kept_nowhere_else(served, chat):
    story = "นายกเอารถ อบต ไปใช้ขนของส่วนตัวทุกเสาร์อาทิตย์ ผมกลัวโดนเล่นงานถ้าบอกชื่อ"
    reply = chat.say(story)
    body = text_of(reply)
    assert "ทุจริต" in body and "หน่วยตรวจสอบภายใน" in body and "ไม่เปิดเผยตัวตน" in labels(reply)
    # The message itself is redacted from the inbox, as in the confidential flow; no question row, no ticket.
    rows = served.db.execute("SELECT payload FROM inbox").fetchall()
    assert not any("ขนของส่วนตัว" in (r[0] or "") for r in rows)
    assert recorded(served) == [] and tickets(served) == []
    # What they told is the report's account: anonymous, then confirm, no retelling.
    confirm = chat.tap("ไม่เปิดเผยตัวตน")
    assert "ยืนยันส่งเรื่อง" in labels(confirm)
    done = chat.tap("ยืนยันส่งเรื่อง")
    assert "รหัสเรื่อง" in text_of(done)
    (details,) = served.db.execute("SELECT details FROM corruption_reports").fetchone()
    assert details == story


def test_a_question_that_may_be_a_problem_offers_the_complaint_form_filled_in_from_it(served, chat, monkeypatch):
    from bot.understanding import reader

    plain = chat.say("เบี้ยคนแก่ได้เดือนละเท่าไหร่คะ")
    assert "📢 แจ้งเป็นปัญหา" not in quick_labels(plain[-1])  # a plain question: no offer
    monkeypatch.setattr(reader, "REPORT_OFFER", 0.001)  # whatever the model's odds: the offer is what is tested
    story = "สะพานข้ามคลองไส้ไก่ขาดแล้ว จะมีคนมาทำไหมครับ หรือต้องรอน้ำลด"
    answer = chat.say(story)
    assert quick_labels(answer[-1])[0] == "📢 แจ้งเป็นปัญหา" and tickets(served) == []
    offer = next(a for a in buttons_of(answer) if a.get("label") == "📢 แจ้งเป็นปัญหา")
    guess = chat.tap("📢 แจ้งเป็นปัญหา")
    assert story in text_of(guess) and "✅ ถูกต้อง แจ้งเรื่องนี้" in labels(guess)  # not typed again
    for label in ("✅ ถูกต้อง แจ้งเรื่องนี้", "ไม่มีรูป", "ข้าม", "✅ ยืนยันส่งเรื่อง"):
        chat.tap(label)
    (ticket,) = tickets(served)
    assert ticket["description"] == story
    stale = chat.tap_action(offer)  # the same button again, its conversation over: a note, no second form
    assert "✅ ถูกต้อง แจ้งเรื่องนี้" not in labels(stale) and len(tickets(served)) == 1
    assert "รายการก่อนหน้าที่จบไปแล้ว" in text_of(stale)
    # Off the console's review of what the handbook could not answer: the person said it was a report.
    (resolution,) = served.db.execute("SELECT resolution FROM handbook_questions WHERE question = ?", (story,)).fetchone()
    assert resolution == "reported"
    # Not the SAO's, no agency known: said honestly, and the form offered all the same.
    reply = chat.say("ทำไงให้ผิวขาว")
    assert "ไม่ใช่งาน" in text_of(reply) and quick_labels(reply[-1])[0] == "📢 แจ้งเป็นปัญหา"
    assert "ทำไงให้ผิวขาว" in text_of(chat.tap("📢 แจ้งเป็นปัญหา"))


def test_another_agencys_business_says_where_to_go(served, chat):
    (reply,) = chat.say("ค่าไฟบ้านเดือนนี้แพงผิดปกติ ร้องเรียนการไฟฟ้าที่ไหนคะ")
    assert "การไฟฟ้าส่วนภูมิภาค" in reply["text"] and "1129" in reply["text"]
    assert tickets(served) == []


# --- track, a person, a request for a service -----------------------------------------------------


def test_a_ticket_number_typed_any_way_shows_that_ticket_to_its_owner_only(served, chat, fake_line):
    chat.say("ถนนหน้าวัดเป็นหลุมใหญ่ รถมอไซค์ล้มไปสองคันแล้ว")
    for label in ("✅ ถูกต้อง แจ้งเรื่องนี้", "ไม่มีรูป", "ข้าม", "✅ ยืนยันส่งเรื่อง"):
        chat.tap(label)
    (ticket,) = tickets(served)
    number = ticket["number"]  # KC-2570-00001
    _, year, seq = number.split("-")
    card = chat.say(f"kc {year} {int(seq)} ถึงไหนแล้วคะ")
    assert card[0]["type"] == "flex" and number in json.dumps(card, ensure_ascii=False)
    stranger = Chat(served, fake_line)
    reply = stranger.say(number.lower())
    assert f"ไม่พบเรื่องเลขที่ {number}" in text_of(reply) and "ถนนหน้าวัด" not in text_of(reply)


def test_asking_for_a_person_opens_the_question_for_staff(served, chat):
    reply = chat.say("ไม่อยากคุยกับบอทค่ะ ขอคนจริงๆ")
    assert "พิมพ์คำถาม" in text_of(reply) or "ส่งคำถาม" in text_of(reply)


def test_a_request_for_a_service_opens_its_online_request_filled_in_from_the_message(served, chat):
    reply = chat.say("ขอรถน้ำมาส่งหน่อยค่ะ บ่อแห้งหมดแล้ว บ้านอยู่หมู่ 7")
    assert "ยื่นคำร้องออนไลน์: ขอน้ำอุปโภคบริโภค" in text_of(reply)
    assert "ความต้องการ: ขอรถน้ำมาส่งหน่อยค่ะ บ่อแห้งหมดแล้ว" in text_of(reply) and "หมู่บ้าน: หมู่ 7" in text_of(reply)
    assert "กี่คน" in text_of(reply)  # neither the story nor the village is asked again


def test_a_request_for_a_service_not_offered_online_gets_how_and_a_button_that_sends_it_to_staff(served, chat):
    reply = chat.say("ขอใบอนุญาตรื้อถอนบ้านหน่อยค่ะ")
    assert reply[0]["type"] == "flex" and "ขั้นตอน" in reply[0]["altText"]
    confirm = chat.tap("📨 ส่งคำขอถึงเจ้าหน้าที่")
    assert "คำขอที่จะส่ง" in text_of(confirm) and "รื้อถอน" in text_of(confirm)
    chat.tap("✅ ส่งคำขอ")
    (source, division) = served.db.execute("SELECT source, division_id FROM staff_questions").fetchone()
    assert (source, division) == ("request", "engineering")


# --- text at a step that wants a button ---------------------------------------------------------------


def test_a_question_in_the_middle_of_a_complaint_is_answered_and_the_complaint_waits(served, chat):
    chat.say("แจ้งเรื่อง")
    chat.tap("🏘️ ปัญหาในหมู่บ้าน")
    aside = chat.say("เบี้ยคนแก่ได้เดือนละเท่าไหร่")
    assert aside[0]["type"] == "flex" and "เบี้ยยังชีพผู้สูงอายุ" in aside[0]["altText"]
    assert quick_labels(aside[-1]) == ["▶️ ทำต่อจากเดิม", "ออกจากรายการนี้"]
    back = chat.tap("▶️ ทำต่อจากเดิม")
    assert "ปัญหาในหมู่บ้านเรื่องใด" in text_of(back)  # the same step: nothing chosen was lost
    chat.tap("💡 ไฟส่องสว่าง")
    described = chat.say("ไฟกิ่งหน้าศาลาประชาคมดับทั้งแถว")
    assert "รูป" in text_of(described)
    chat.tap("ไม่มีรูป")
    summary = chat.tap("ข้าม")
    assert "ไฟฟ้าส่องสว่างดับหรือชำรุด" in text_of(summary)


def test_leaving_after_an_aside_answer_keeps_nothing(served, chat):
    chat.say("แจ้งเรื่อง")
    chat.say("อบต.เปิดกี่โมงคะ")
    left = chat.tap("ออกจากรายการนี้")
    assert "ไม่มีการบันทึกข้อมูลที่ยังกรอกไม่เสร็จ" in text_of(left)
    assert served.db.execute("SELECT flow FROM conversations").fetchone()[0] == "main"


def test_a_typed_choice_is_taken_and_two_unusable_inputs_bring_the_way_out_not_the_prompt_again(served, chat):
    chat.say("แจ้งเรื่อง")
    topic = chat.say("ปัญหาในหมู่บ้าน")  # typed, not tapped
    assert "ปัญหาในหมู่บ้านเรื่องใด" in text_of(topic)
    first = chat.say("หืม")
    assert "ปัญหาในหมู่บ้านเรื่องใด" in text_of(first)  # asked again once
    second = chat.say("อ่า")
    assert "ปัญหาในหมู่บ้านเรื่องใด" not in text_of(second)  # not a third time
    assert {"▶️ ทำต่อจากเดิม", "เมนูหลัก", "คุยกับเจ้าหน้าที่", "ยกเลิก"} <= set(labels(second))
    back = chat.tap("▶️ ทำต่อจากเดิม")
    assert "ปัญหาในหมู่บ้านเรื่องใด" in text_of(back)


def test_another_kind_of_request_mid_flow_is_offered_not_done(served, chat):
    chat.say("ประเมินความพึงพอใจ")
    offer = chat.say("ถนนซอย 4 เป็นหลุมเป็นบ่อ น้ำขังทุกครั้งที่ฝนตก ช่วยมาซ่อมด้วยค่ะ")
    assert "📢 แจ้งเรื่องนี้" in labels(offer) and "▶️ ทำต่อจากเดิม" in labels(offer)
    assert served.db.execute("SELECT flow FROM conversations").fetchone()[0] == "satisfaction"
    guess = chat.tap("📢 แจ้งเรื่องนี้")
    assert "ถนนซอย 4" in text_of(guess) and "✅ ถูกต้อง แจ้งเรื่องนี้" in labels(guess)


# --- two requests in one message ---------------------------------------------------------------------


def test_a_question_before_a_ticket_number_is_answered_and_the_ticket_offered(served, chat):
    chat.say("ถนนหน้าวัดเป็นหลุมใหญ่ รถมอไซค์ล้มไปสองคันแล้ว")
    for label in ("✅ ถูกต้อง แจ้งเรื่องนี้", "ไม่มีรูป", "ข้าม", "✅ ยืนยันส่งเรื่อง"):
        chat.tap(label)
    (ticket,) = tickets(served)
    reply = chat.say(f"ขอถามค่ะ ภาษีป้ายจ่ายที่ไหน แล้วเรื่องที่แจ้งถนนไว้ {ticket['number']} ถึงไหนแล้วคะ")
    assert reply[0]["type"] == "flex" and "ภาษีป้าย" in reply[0]["altText"]  # the question, not only the ticket
    assert "🔎 ติดตามเรื่อง" in quick_labels(reply[-1])
    card = chat.tap("🔎 ติดตามเรื่อง")
    assert card[0]["type"] == "flex" and ticket["number"] in json.dumps(card, ensure_ascii=False)


def test_two_questions_in_one_message_answer_the_first_and_offer_the_second(served, chat):
    reply = chat.say("เบี้ยคนแก่ได้เดือนละเท่าไหร่คะ แล้วภาษีที่ดินจ่ายที่ไหน")
    assert reply[0]["type"] == "flex" and "เบี้ยยังชีพผู้สูงอายุ" in reply[0]["altText"]
    offered = [label for label in quick_labels(reply[-1]) if label.startswith("ถามต่อ:")]
    assert offered == ["ถามต่อ: ภาษีที่ดินและสิ่งป…"]  # a quick reply's label holds 20 characters
    second = chat.tap(offered[0])
    assert second[0]["type"] == "flex" and "ภาษีที่ดินและสิ่งปลูกสร้าง — ยื่นที่ไหน" in second[0]["altText"]
