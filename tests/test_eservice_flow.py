"""Online service requests (issue 19), the citizen's side: the services as content, the request
flow from free text, the menu, the handbook card and a QR message; documents, dates, summary,
the request number; leaving half-way writes nothing; erasure. In memory (tests/memory_chat.py),
and one request end to end through signed webhooks and the fake LINE API."""
from __future__ import annotations

import secrets
import shutil

import pytest

from bot.config import PROJECT_ROOT
from bot.content.profile import ContentError
from bot.eservice.catalog import load_services
from db import service_requests, staff, transaction
from feedback_support import Chat, buttons_of, text_of
from helpers import base_event, wait_until
from memory_chat import MemoryBot, MemoryChat

FY = 2570


@pytest.fixture
def bot(settings):
    memory = MemoryBot(settings)
    yield memory
    memory.close()


def labels(messages: list[dict]) -> list[str]:
    return [a.get("label") for a in buttons_of(messages)]


def photo(chat: MemoryChat) -> list[dict]:
    message = {"id": str(secrets.randbelow(10**17)), "type": "image", "contentProvider": {"type": "line"}}
    return chat.send(base_event("message", chat.source, message=message))


def only_request(db):
    [request] = service_requests.select(db, "1 = 1")
    return request


# --- the content -------------------------------------------------------------------------------------


def test_the_default_services_load_and_mistakes_name_file_line_and_field(tmp_path):
    services = load_services(PROJECT_ROOT / "content")
    assert {"drinking-water-delivery", "waste-collection", "equipment-loan", "official-information-request",
            "disaster-relief", "elderly-allowance"} <= set(services)
    assert services["elderly-allowance"].appointment.capacity == 3
    folder = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", folder)
    broken = folder / "services" / "waste-collection.yaml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("type: phone", "type: telephone").replace("act_within_days: 5", "act_within_days: 0"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_services(folder)
    message = str(caught.value)
    assert "waste-collection.yaml:" in message and "'type' must be one of" in message and "act_within_days" in message


# --- the flow ------------------------------------------------------------------------------------------


def test_water_is_requested_from_a_free_text_message(bot):
    chat = MemoryChat(bot)
    started = chat.say("ขอรถน้ำหน่อยค่ะ บ้านน้ำหมดโอ่งแล้ว 😢")
    assert "ยื่นคำร้องออนไลน์: ขอน้ำอุปโภคบริโภค" in text_of(started)
    assert "รับทราบค่ะ — ความต้องการ: ขอรถน้ำหน่อยค่ะ บ้านน้ำหมดโอ่งแล้ว 😢" in text_of(started)
    assert "หมู่ที่เท่าไหร่" in text_of(started)  # the story is not asked again
    assert "กรุณาพิมพ์เลขหมู่" in text_of(chat.say("หมู่บ้านคอนฉิม"))
    assert "กี่คน" in text_of(chat.say("ม.๓"))  # Thai digits
    assert "ตัวเลขระหว่าง 1 ถึง 50" in text_of(chat.say("120"))
    assert "ตำแหน่ง" in text_of(chat.say("5"))
    assert "เบอร์โทร" in text_of(chat.location())
    assert "เบอร์โทรไม่ถูกต้อง" in text_of(chat.say("081-234"))
    summary = chat.say("081-234-5678")
    assert "หมู่ 3" in text_of(summary) and "0812345678" in text_of(summary) and "หน้าบ้านผู้ใหญ่บ้าน" in text_of(summary)
    assert service_requests.select(bot.db, "1 = 1") == []  # nothing written before the confirmation
    done = chat.tap("✅ ยืนยันส่งคำร้อง")
    request = only_request(bot.db)
    assert request.number == f"KC-R{FY}-00001" and request.number in text_of(done)
    assert (request.service_id, request.division_id, request.channel, request.status) == (
        "drinking-water-delivery", "palad", "online", "received")
    assert request.values["people"] == 5 and request.values["village"] == 3 and request.values["place"]["latitude"] == 16.0345
    assert request.due_on is not None and "ดำเนินการภายใน" in text_of(done)
    # A repeated confirmation is the same request.
    chat.postback(buttons_of(summary)[0]["data"])
    assert len(service_requests.select(bot.db, "1 = 1")) == 1


def test_borrowing_equipment_for_given_dates_from_the_menu(bot):
    chat = MemoryChat(bot)
    services = chat.say("ยื่นคำร้อง")
    assert "ยืมเต็นท์ โต๊ะ เก้าอี้" in labels(services)
    assert "ต้องการยืมอะไร" in text_of(chat.tap("ยืมเต็นท์ โต๊ะ เก้าอี้"))
    chat.say("เต็นท์ 2 หลัง เก้าอี้ 60 ตัว")
    asked = chat.say("งานบุญขึ้นบ้านใหม่")
    assert "วันไหน" in text_of(asked) and "เลือกวันที่" in labels(asked)
    picker = next(a for a in buttons_of(asked) if a["type"] == "datetimepicker")
    chat.send(base_event("postback", chat.source, postback={"data": picker["data"], "params": {"date": "2026-12-19"}}))
    assert "วันที่ไม่ถูกต้อง" in text_of(chat.say("สามสิบกุมภา"))
    chat.say("21/12/2569")  # typed, Buddhist era
    chat.say("หมู่ 7")
    docs = chat.say("0898765432")
    assert "เอกสาร 1/1" in text_of(docs) and "ถ่ายรูป" in labels(docs)
    assert "ขอเป็นรูปถ่ายเอกสาร" in text_of(chat.say("ไม่มีค่ะ"))  # required: no skipping
    summary = photo(chat)
    assert "19 ธันวาคม 2569" in text_of(summary) and "21 ธันวาคม 2569" in text_of(summary)
    assert "บัตรประจำตัวประชาชนของผู้ยืม" in text_of(summary)
    chat.tap("✅ ยืนยันส่งคำร้อง")
    request = only_request(bot.db)
    assert request.values["borrow_on"] == "2026-12-19" and request.values["return_on"] == "2026-12-21"
    assert [d.document_id for d in service_requests.documents(bot.db, request.id)] == ["id-card"]


def test_leaving_half_way_writes_nothing_and_a_group_is_told_to_use_a_private_chat(bot):
    chat = MemoryChat(bot)
    chat.say("ยื่นคำร้อง")
    chat.tap("ขอน้ำอุปโภคบริโภค")
    chat.say("น้ำในโอ่งหมดทั้งสามใบค่ะ")
    assert "ยกเลิก" in text_of(chat.say("ยกเลิก"))
    assert service_requests.select(bot.db, "1 = 1") == []
    group = MemoryChat(bot)
    group.group = "C" + "9" * 32
    assert "แชตส่วนตัว" in text_of(group.say("@บอท ยื่นคำร้อง")) or group.last == []


def test_the_handbook_card_and_a_qr_message_start_the_request(bot):
    chat = MemoryChat(bot)
    card = chat.say("ยืมเต็นท์ต้องใช้เอกสารอะไรบ้าง")
    assert "📝 ยื่นคำร้องออนไลน์" in labels(card)
    assert "ต้องการยืมอะไร" in text_of(chat.tap("📝 ยื่นคำร้องออนไลน์"))
    other = MemoryChat(bot)
    assert "ขอข้อมูลข่าวสารของราชการ" in text_of(other.say("ยื่นคำร้อง: official-information-request"))


def test_the_elderly_allowance_asks_documents_then_offers_an_appointment_and_erasure_removes_it(bot):
    chat = MemoryChat(bot)
    chat.say("ยื่นคำร้อง: elderly-allowance")
    chat.say("นางบุญมา ใจงาม")
    chat.say("12/3/2510")
    chat.say("2")
    chat.tap("โอนเข้าบัญชีธนาคาร")
    chat.say("0811112222")
    photo(chat)
    third = photo(chat)
    assert "ข้าม" in labels(third)  # the bankbook is optional
    summary = chat.tap("ข้าม")
    assert "12 มีนาคม 2510" in text_of(summary)
    done = chat.tap("✅ ยืนยันส่งคำร้อง")
    assert "📅 เลือกวันนัด" in labels(done)
    request = only_request(bot.db)
    assert request.division_id == "welfare" and len(service_requests.documents(bot.db, request.id)) == 2
    # The appointment: a day, a slot (bot/eservice/appointments.py), and the request is scheduled.
    days = chat.tap("📅 เลือกวันนัด")
    slots = chat.tap_action(buttons_of(days)[0])
    booked = chat.tap_action(buttons_of(slots)[0])
    assert "เลื่อนนัด" in labels(booked) and "ยกเลิกนัด" in labels(booked)
    assert service_requests.get(bot.db, request.id).status == "scheduled"
    # ลบข้อมูลของฉัน: the person's answers and document photos go; the statistics keep the request.
    chat.say("ข้อมูลส่วนบุคคล")
    chat.tap("ลบข้อมูลของฉัน")
    chat.tap("ยืนยันลบ")
    erased = service_requests.get(bot.db, request.id)
    assert erased.answers is None and erased.chat_key is None and service_requests.documents(bot.db, request.id) == []
    assert erased.service_id == "elderly-allowance" and erased.personal_data_removed_why == "erasure"


# --- end to end --------------------------------------------------------------------------------------------


def test_a_water_request_through_the_webhook_reaches_the_division_and_its_documents_are_fetched(served, fake_line):
    group_id = "C" + secrets.token_hex(16)
    with transaction(served.db):
        staff.register(served.db, chat_key=f"group:{group_id}", kind="group", line_id=group_id, division_id="health",
                       role="staff", registered_by=None)
    chat = Chat(served, fake_line)
    started = chat.say("อยากสมัครเก็บขยะค่ะ บ้านอยู่ติดถนนใหญ่")
    assert "สมัครรับบริการเก็บขยะ" in text_of(started) and "สมัครเก็บขยะ" in labels(started)
    chat.tap("สมัครเก็บขยะ")
    chat.say("หมู่ 4")
    chat.say("45 ใกล้ศาลาประชาคม")
    chat.tap("ข้าม")
    chat.say("0812345678")
    chat.photo(b"\xff\xd8\xff\xe0 id card")
    chat.tap("✅ ยืนยันส่งคำร้อง")
    request = wait_until(lambda: service_requests.select(served.db, "1 = 1"))[0]
    assert request.service_id == "waste-collection" and request.division_id == "health"
    announced = text_of(wait_until(lambda: [m for m in fake_line.state.messages_to(group_id)] or None))
    assert request.number in announced and "สมัครเก็บขยะ" in announced
    [document] = wait_until(lambda: [d for d in service_requests.documents(served.db, request.id) if d.status == "stored"] or None)
    assert service_requests.document_content(served.db, document.id)[0] == b"\xff\xd8\xff\xe0 id card"


def test_tracking_lists_the_persons_requests(bot):
    chat = MemoryChat(bot)
    chat.say("ยื่นคำร้อง: official-information-request")
    chat.say("งบประมาณโครงการถนนหมู่ 3 ปี 2569")
    chat.tap("ขอสำเนาเอกสาร")
    chat.say("ตรวจสอบการใช้งบของหมู่บ้าน")
    chat.say("0812345678")
    chat.tap("✅ ยืนยันส่งคำร้อง")
    listed = chat.say("ติดตามเรื่อง")
    assert f"KC-R{FY}-00001 ขอข้อมูลข่าวสารของราชการ" in text_of(listed) and "ได้รับคำร้องแล้ว" in text_of(listed)
    assert "KC-R" not in text_of(MemoryChat(bot).say("ติดตามเรื่อง"))  # someone else's are not shown


def test_in_the_simulator_a_water_request_from_free_text_to_its_number(served):
    """The web simulator sends what its buttons send (through the real webhook) and shows the replies."""
    from helpers import user_id

    client = served.app.test_client()
    uid = user_id()
    seen = [0]

    def send(**body) -> list[dict]:
        assert client.post("/simulator/api/send", json={"userId": uid, **body}).get_json()["ok"]

        def new_messages():
            got = client.get(f"/simulator/api/messages?userId={uid}&after={seen[0]}").get_json()["messages"]
            return got if got and not client.get(f"/simulator/api/messages?userId={uid}").get_json()["loading"] else None

        got = wait_until(new_messages)
        seen[0] = got[-1]["id"]
        return [g["message"] for g in got]

    assert "รับทราบค่ะ — ความต้องการ" in text_of(send(type="text", text="ขอรถน้ำหน่อย บ้านน้ำหมด"))
    send(type="text", text="หมู่ 3")
    asked = send(type="text", text="4")
    assert "ส่งตำแหน่ง" in labels(asked)
    send(type="location", title="บ้านนายสมปอง", latitude=16.03, longitude=102.58)
    summary = send(type="text", text="0812345678")
    confirm = next(a for a in buttons_of(summary) if a.get("label") == "✅ ยืนยันส่งคำร้อง")
    done = send(type="postback", data=confirm["data"])
    assert f"KC-R{FY}-00001" in text_of(done)
