"""The handbook Q&A end to end: signed webhooks in, replies at the fake LINE server out."""
import json

import pytest

from helpers import postback_event, text_event, user_id, wait_until


def replies(fake_line) -> list:
    return [r for r in fake_line.state.requests if r.path == "/v2/bot/message/reply"]


def ask(served, fake_line, uid, event) -> list[dict]:
    """Send one event; return the messages of the reply to it."""
    before = len(replies(fake_line))
    served.post(event)
    request = wait_until(lambda: replies(fake_line)[before:])[0]
    assert request.status == 200, request.json  # the fake LINE API accepted it as LINE would
    assert request.json["replyToken"] == event["replyToken"]
    return request.json["messages"]


def text_of(messages) -> str:
    return json.dumps(messages, ensure_ascii=False)


def quick(message: dict) -> dict[str, dict]:
    return {item["action"]["label"]: item["action"] for item in message["quickReply"]["items"]}


def rows(served) -> list[dict]:
    cur = served.db.execute("SELECT * FROM handbook_questions ORDER BY id")
    return [dict(zip([c[0] for c in cur.description], r)) for r in cur.fetchall()]


@pytest.fixture
def served(settings):
    from bot import create_app
    from helpers import ServedApp

    with ServedApp(create_app(settings.with_(public_base_url="https://konchim.example.go.th"))) as app:
        yield app


def test_a_confident_answer_is_a_card_for_the_asked_section_then_thumbs(served, fake_line):
    uid = user_id()
    messages = ask(served, fake_line, uid, text_event(uid, "ขอเบี้ยคนแก่ต้องใช้เอกสารอะไรบ้างคะ 🙏"))
    card, prompt = messages
    assert card["type"] == "flex" and "เอกสารที่ต้องใช้" in text_of(card) and "ทะเบียนบ้าน" in text_of(card)
    footer = card["contents"]["footer"]["contents"]
    labels = [b["action"]["label"] for b in footer]
    assert "เอกสาร" not in labels and {"ค่าธรรมเนียม", "ขั้นตอน", "ยื่นที่ไหน"} <= set(labels)
    assert footer[-1]["action"] == {"type": "uri", "label": "เปิดคู่มือฉบับเต็ม",
                                    "uri": "https://konchim.example.go.th/handbook/elderly-allowance"}
    assert prompt["text"] == "คำตอบนี้ตรงกับที่ถามไหมคะ" and {"👍 ตรง", "👎 ไม่ตรง"} <= set(quick(prompt))
    (row,) = rows(served)
    assert (row["outcome"], row["procedure_id"], row["section"]) == ("answered", "elderly-allowance", "documents")
    assert row["chat_key"] == f"user:{uid}" and "เบี้ยคนแก่" in row["question"]

    # A section button shows that section of the same procedure.
    fees_button = next(b["action"] for b in footer if b["action"]["label"] == "ค่าธรรมเนียม")
    (fees_card,) = ask(served, fake_line, uid, postback_event(uid, fees_button["data"]))
    assert "ไม่เสียค่าธรรมเนียม" in text_of(fees_card) and "ค่าธรรมเนียม" in fees_card["altText"]

    # 👍: thanks, and the question text is no longer kept.
    (thanks,) = ask(served, fake_line, uid, postback_event(uid, quick(prompt)["👍 ตรง"]["data"]))
    assert "ขอบคุณ" in thanks["text"]
    (row,) = rows(served)
    assert row["feedback"] == "up" and row["question"] is None
    # A second tap on the same button changes nothing and says so.
    (again,) = ask(served, fake_line, uid, postback_event(uid, quick(prompt)["👎 ไม่ตรง"]["data"]))
    assert "ได้รับความเห็นของท่านสำหรับคำตอบนี้แล้ว" in again["text"]
    assert rows(served)[0]["feedback"] == "up"


def test_thumbs_down_is_kept_and_can_go_to_staff(served, fake_line):
    uid = user_id()
    _, prompt = ask(served, fake_line, uid, text_event(uid, "ภาษีบ้านจ่ายที่ไหน"))
    (offer,) = ask(served, fake_line, uid, postback_event(uid, quick(prompt)["👎 ไม่ตรง"]["data"]))
    assert "ขอบคุณที่บอก" in offer["text"]
    (row,) = rows(served)
    assert row["feedback"] == "down" and row["question"] == "ภาษีบ้านจ่ายที่ไหน"
    # Handed over to the staff-question flow with the question filled in: no retyping.
    privacy, summary, confirm = ask(served, fake_line, uid, postback_event(uid, quick(offer)["ส่งให้เจ้าหน้าที่"]["data"]))
    assert "ข้อมูลส่วนบุคคล" in privacy["text"] and "ภาษีบ้านจ่ายที่ไหน" in summary["text"]
    assert rows(served)[0]["staff_requested_at"] is not None
    (sent,) = ask(served, fake_line, uid, postback_event(uid, quick(confirm)["✅ ส่งคำถาม"]["data"]))
    assert "เจ้าหน้าที่" in sent["text"]
    question = served.db.execute("SELECT question, division_id FROM staff_questions").fetchone()
    assert question == ("ภาษีบ้านจ่ายที่ไหน", "finance")  # routed by the answered procedure's division


def test_no_match_says_so_honestly_and_records_the_question(served, fake_line):
    uid = user_id()
    (offer,) = ask(served, fake_line, uid, text_event(uid, "ปีนี้ อบต. จัดงานลอยกระทงที่ไหนคะ"))
    assert "ยังไม่ทราบคำตอบ" in offer["text"] and "08.30" in offer["text"]
    (row,) = rows(served)
    assert row["outcome"] == "unanswered" and row["procedure_id"] is None
    (declined,) = ask(served, fake_line, uid, postback_event(uid, quick(offer)["ไม่ต้องค่ะ"]["data"]))
    assert "รับทราบ" in declined["text"] and rows(served)[0]["staff_requested_at"] is None


def test_what_the_sao_does_not_handle_gets_where_to_go(served, fake_line):
    uid = user_id()
    (reply,) = ask(served, fake_line, uid, text_event(uid, "บัตรประชาชนหายต้องทำยังไง"))
    assert "ไม่ใช่งานที่ อบต.คอนฉิม ให้บริการ" in reply["text"] and "อำเภอแวงใหญ่" in reply["text"]
    assert "flex" not in text_of(reply)
    assert rows(served)[0]["outcome"] == "outside"


def test_a_close_call_offers_two_or_three_and_a_pick_answers(served, fake_line):
    uid = user_id()
    (choose,) = ask(served, fake_line, uid, text_event(uid, "เบี้ย"))
    assert choose["text"].startswith("หมายถึงเรื่องไหนคะ")
    options = quick(choose)
    assert {"เบี้ยยังชีพผู้สูงอายุ", "เบี้ยความพิการ", "ไม่ใช่ทั้งหมด"} <= set(options)
    card, prompt = ask(served, fake_line, uid, postback_event(uid, options["เบี้ยความพิการ"]["data"]))
    assert card["type"] == "flex" and "เบี้ยความพิการ" in text_of(card)
    (row,) = rows(served)
    assert (row["outcome"], row["procedure_id"]) == ("answered", "disability-allowance")
    # "None of these" on an old choice list: recorded as unanswered, staff offered.
    (choose2,) = ask(served, fake_line, uid, text_event(uid, "เบี้ย"))
    (offer,) = ask(served, fake_line, uid, postback_event(uid, quick(choose2)["ไม่ใช่ทั้งหมด"]["data"]))
    assert "ส่งให้เจ้าหน้าที่" in set(quick(offer))
    assert rows(served)[1]["outcome"] == "unanswered"


def test_old_buttons_after_leaving_the_handbook_get_a_polite_note(served, fake_line):
    uid = user_id()
    card, prompt = ask(served, fake_line, uid, text_event(uid, "ขออนุญาตสร้างบ้านใช้เวลากี่วัน"))
    ask(served, fake_line, uid, text_event(uid, "เมนู"))  # back to the main menu
    (note,) = ask(served, fake_line, uid, postback_event(uid, quick(prompt)["👎 ไม่ตรง"]["data"]))
    assert "ปุ่มนี้เป็นของรายการก่อนหน้า" in note["text"]
    assert rows(served)[0]["feedback"] is None
    section_button = card["contents"]["footer"]["contents"][0]["action"]["data"]
    (note,) = ask(served, fake_line, uid, postback_event(uid, section_button))
    assert "ปุ่มนี้เป็นของรายการก่อนหน้า" in note["text"]


def test_tampered_button_data_does_not_act(served, fake_line):
    uid = user_id()
    _, prompt = ask(served, fake_line, uid, text_event(uid, "ภาษีป้ายกี่บาท"))
    data = quick(prompt)["👍 ตรง"]["data"]
    forged = data.rsplit("|", 1)[0] + "|f:deadbeef:up"  # someone else's (or no) question
    (reply,) = ask(served, fake_line, uid, postback_event(uid, forged))
    assert "เก่าแล้ว" in reply["text"] and rows(served)[0]["feedback"] is None


def test_erasing_my_data_removes_my_questions(served, fake_line):
    uid, other = user_id(), user_id()
    ask(served, fake_line, uid, text_event(uid, "ขอยืมเต็นท์จัดงานศพ"))
    ask(served, fake_line, other, text_event(other, "ค่าเก็บขยะเดือนละเท่าไหร่"))
    notice = ask(served, fake_line, uid, text_event(uid, "ลบข้อมูล"))
    erase = quick(notice[0])["ลบข้อมูลของฉัน"]["data"]
    confirm = ask(served, fake_line, uid, postback_event(uid, erase))
    yes = confirm[0]["template"]["actions"][0]["data"]
    ask(served, fake_line, uid, postback_event(uid, yes))
    assert [r["chat_key"] for r in rows(served)] == [f"user:{other}"]


def test_the_office_contact_answer_reuses_the_contact_card(served, fake_line):
    uid = user_id()
    card, prompt = ask(served, fake_line, uid, text_event(uid, "อบต.เปิดกี่โมงคะ"))
    assert card["type"] == "flex" and "เวลาทำการ" in text_of(card) and "ดูแผนที่" in text_of(card)
    assert rows(served)[0]["procedure_id"] == "office-contact"


def test_the_menu_button_starts_the_handbook(served, fake_line):
    from bot.conversation import postback

    uid = user_id()
    (welcome,) = ask(served, fake_line, uid, postback_event(uid, postback.menu("handbook")))
    assert "คู่มือประชาชน" in welcome["text"]
    options = quick(welcome)
    assert options["เปิดคู่มือฉบับเต็ม"]["uri"] == "https://konchim.example.go.th/handbook"
    (card,) = ask(served, fake_line, uid, postback_event(uid, options["เงินเด็กแรกเกิด"]["data"]))
    assert "600 บาท" in text_of(card)


def test_after_an_answer_the_service_can_be_rated_with_one_tap(served, fake_line):
    uid = user_id()
    _, prompt = ask(served, fake_line, uid, text_event(uid, "ขอเบี้ยคนแก่ต้องใช้เอกสารอะไรบ้าง"))
    started = ask(served, fake_line, uid, postback_event(uid, quick(prompt)["ประเมินบริการนี้"]["data"]))
    everything = text_of(started)
    assert "เบี้ยยังชีพผู้สูงอายุ" in everything and "มากที่สุด" in everything
    state = served.db.execute("SELECT flow, data FROM conversations").fetchone()
    assert state[0] == "satisfaction" and json.loads(state[1])["service"] == "elderly-allowance"
