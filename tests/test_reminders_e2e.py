"""End to end: a division's LINE group registers through the signed webhook, receives a digest,
taps "ส่งรายงานแล้ว" (a signed postback) and gets no more reminders for that deadline."""
import json
from datetime import date

from bot.conversation import postback
from db import open_database, staff, transaction
from db import reminders as store
from helpers import base_event, postback_event, user_id, wait_until
from reminder_helpers import at, button_data, make_setup, pushes, run

GROUP = "C" + "7" * 32
D = date


def replies_to(fake_line, token: str) -> str:
    found = [r for r in fake_line.state.requests if r.path == "/v2/bot/message/reply" and r.json["replyToken"] == token]
    return " ".join(json.dumps(m, ensure_ascii=False) for r in found for m in r.json["messages"])


def group_event(uid: str, kind: str, **extra) -> dict:
    return base_event(kind, {"type": "group", "groupId": GROUP, "userId": uid}, **extra)


def say(served, fake_line, event) -> str:
    assert served.post(event).status_code == 200
    return wait_until(lambda: replies_to(fake_line, event["replyToken"]))


def test_a_group_registers_receives_acknowledges_and_is_not_reminded_again(served, fake_line, settings):
    with transaction(served.db):
        code = staff.new_code(served.db, "engineering", "staff").code
    clerk = user_id()
    joined = say(served, fake_line, group_event(clerk, "message", message={"id": "1", "type": "text", "text": f"ลงทะเบียน {code}"}))
    assert "ลงทะเบียนเรียบร้อยแล้วค่ะ" in joined and "กองช่าง" in joined

    db = open_database(settings.database_path)
    setup = make_setup(settings)
    run(db, setup, at(D(2027, 3, 22)))
    [digest] = [p for p in pushes(fake_line) if p.json["to"] == GROUP]
    assert "กองช่าง" in digest.json["messages"][0]["text"]
    acks = button_data(digest, "reminder-ack")
    assert len(acks) == 5
    q2 = store.find_deadline(db, 2570, "budget", "q2", "engineering")["id"]
    data = next(d for d in acks if postback.decode(d).record_id == str(q2))

    answer = say(served, fake_line, group_event(clerk, "postback", postback={"data": data}))
    assert "ขอบคุณค่ะ" in answer and "กองช่าง" in answer and "ตรงตามกำหนด" in answer
    row = store.deadline(db, q2)
    assert row["done_by"] == clerk and row["done_chat"] == f"group:{GROUP}"
    # A second tap, from anyone in the group, is answered politely and changes nothing.
    again = say(served, fake_line, group_event(user_id(), "postback", postback={"data": data}))
    assert "บันทึกไว้แล้ว" in again and store.deadline(db, q2)["done_by"] == clerk
    # The same button forwarded to someone who is not registered.
    stranger = say(served, fake_line, postback_event(user_id(), data))
    assert "ไม่ได้ลงทะเบียน" in stranger
    # ดูรายละเอียด works from the group.
    detail = say(served, fake_line, group_event(clerk, "postback", postback={"data": button_data(digest, "reminder-detail")[0]}))
    assert "วิธีการดำเนินการ" in detail

    # The rest of the April reminders: the other four deadlines, never the one reported.
    for day in (D(2027, 3, 31), D(2027, 4, 7), D(2027, 4, 9), D(2027, 4, 12), D(2027, 4, 16), D(2027, 4, 20)):
        run(db, setup, at(day))
    later = [p for p in pushes(fake_line) if p.json["to"] == GROUP][1:]
    assert len(later) == 6
    for push in later:
        ids = [postback.decode(d).record_id for d in button_data(push, "reminder-ack")]
        assert len(ids) == 4 and str(q2) not in ids
    db.close()
