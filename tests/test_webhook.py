"""The webhook over real HTTP: signatures, size, JSON, the inbox, deduplication, event types."""
import json
import threading
from pathlib import Path

import pytest
import requests

from db import inbox
from engines import settings  # noqa: F401  (each test on SQLite and on PostgreSQL)
from helpers import (
    CHANNEL_SECRET,
    base_event,
    body_of,
    follow_event,
    post_signed,
    postback_event,
    text_event,
    user_id,
    wait_until,
)

SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "line-samples" / "webhook-events.json"


def inbox_count(served) -> int:
    return served.db.execute("SELECT count(*) FROM inbox").fetchone()[0]


def replies(fake_line) -> list[dict]:
    return [r for r in fake_line.state.requests if r.path == "/v2/bot/message/reply"]


def reply_texts(request) -> str:
    return " ".join(m.get("text", "") for m in request.json["messages"])


def all_finished(served) -> bool:
    counts = inbox.counts_by_status(served.db)
    return sum(counts.values()) > 0 and not any(counts.get(s) for s in ("pending", "processing", "handled"))


# --- signatures and malformed requests: rejected, nothing stored ------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature
        {"X-Line-Signature": ""},
        {"X-Line-Signature": "not-base64-at-all"},
        {"X-Line-Signature": "c2lnbmF0dXJl"},  # well-formed, wrong
    ],
)
def test_unsigned_or_forged_request_is_rejected_and_stores_nothing(served, fake_line, headers):
    body = body_of(text_event(user_id(), "สวัสดีค่ะ"))
    response = requests.post(served.url + "/callback", data=body, headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 400
    assert inbox_count(served) == 0
    assert fake_line.state.requests == []


def test_signature_with_another_secret_or_modified_body_is_rejected(served):
    body = body_of(text_event(user_id(), "ขอเบอร์โทร อบต."))
    assert post_signed(served.url, body, secret="someone-elses-secret").status_code == 400
    from bot.line.signature import sign

    tampered = body.replace("ขอเบอร์โทร".encode(), "ลบข้อมูล".encode())
    response = requests.post(
        served.url + "/callback", data=tampered, headers={"X-Line-Signature": sign(CHANNEL_SECRET, body)}
    )
    assert response.status_code == 400
    assert inbox_count(served) == 0


def test_body_over_one_megabyte_gets_413(served):
    big = body_of(text_event(user_id(), "ก" * 400_000))  # 1.2 MB of UTF-8
    assert len(big) > 1024 * 1024
    assert post_signed(served.url, big).status_code == 413
    assert inbox_count(served) == 0


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe\x00", b'"just a string"', b'{"events": "nope"}'])
def test_signed_body_that_is_not_an_events_object_gets_400(served, raw):
    assert post_signed(served.url, raw).status_code == 400
    assert inbox_count(served) == 0


def test_verify_request_with_no_events_gets_200(served, fake_line):
    assert post_signed(served.url, b'{"destination":"Ubot","events":[]}').status_code == 200
    assert inbox_count(served) == 0


# --- the inbox: stored before 200, processed once --------------------------------------------


def test_text_gets_a_thai_reply_through_the_fake_line_api(served, fake_line):
    uid = user_id()
    event = text_event(uid, "เบอร์โทร อบต. คือเบอร์อะไรคะ 🙏")
    assert served.post(event).status_code == 200
    request = wait_until(lambda: replies(fake_line))[0]
    assert request.json["replyToken"] == event["replyToken"]
    assert request.headers["authorization"] == "Bearer test-access-token"
    assert "คอนฉิม" in json.dumps(request.json, ensure_ascii=False)
    assert request.status == 200


def test_same_event_sent_twice_is_processed_once(served, fake_line):
    event = text_event(user_id(), "ติดต่อ อบต.")
    assert served.post(event).status_code == 200
    redelivered = json.loads(json.dumps(event))
    redelivered["deliveryContext"]["isRedelivery"] = True
    redelivered["replyToken"] = "f" * 32  # a redelivery may carry another token
    assert served.post(redelivered).status_code == 200
    wait_until(lambda: all_finished(served))
    assert inbox_count(served) == 1
    assert len(replies(fake_line)) == 1


def test_parallel_redeliveries_race_to_one_row(served, fake_line):
    event = text_event(user_id(), "สวัสดี")
    body = body_of(event)
    results = []
    threads = [threading.Thread(target=lambda: results.append(post_signed(served.url, body).status_code)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 12
    wait_until(lambda: all_finished(served))
    assert inbox_count(served) == 1
    assert len(replies(fake_line)) == 1


def test_standby_event_is_stored_but_not_answered(served, fake_line):
    event = text_event(user_id(), "สวัสดี", mode="standby")
    assert served.post(event).status_code == 200
    wait_until(lambda: all_finished(served))
    status = served.db.execute("SELECT status FROM inbox").fetchone()[0]
    assert status == "skipped"
    assert replies(fake_line) == []


def test_unknown_and_malformed_events_are_skipped_without_harm(served, fake_line):
    uid = user_id()
    unknown = base_event("somethingNew", {"type": "user", "userId": uid}, newField={"x": 1})
    body = json.dumps({"events": [unknown, "not an object", {"no": "type"}, text_event(uid, "เมนู")]}).encode()
    assert post_signed(served.url, body).status_code == 200
    wait_until(lambda: all_finished(served))
    statuses = dict(served.db.execute("SELECT event_type, status FROM inbox").fetchall())
    assert statuses == {"somethingNew": "skipped", "message": "done"}
    assert len(replies(fake_line)) == 1


def test_a_burst_from_one_person_is_answered_in_order(served, fake_line):
    uid = user_id()
    words = ["เมนู", "ติดต่อ", "ข้อมูลส่วนบุคคล", "ยกเลิก", "เมนู", "ติดต่อ", "สวัสดี", "ข้อมูลส่วนตัว"]
    events = [text_event(uid, w) for w in words]
    for event in events:  # separate requests, as LINE sends a burst
        assert served.post(event).status_code == 200
    wait_until(lambda: len(replies(fake_line)) == len(events))
    assert [r.json["replyToken"] for r in replies(fake_line)] == [e["replyToken"] for e in events]


def test_unsend_erases_the_stored_text(served):
    uid = user_id()
    event = text_event(uid, "บ้านเลขที่ 99 หมู่ 3 เบอร์ 081-234-5678")
    served.post(event)
    wait_until(lambda: all_finished(served))
    unsend = base_event("unsend", {"type": "user", "userId": uid}, reply=False, unsend={"messageId": event["message"]["id"]})
    served.post(unsend)
    wait_until(lambda: served.db.execute("SELECT count(*) FROM inbox WHERE status = 'done'").fetchone()[0] == 2)
    payloads = " ".join(r[0] for r in served.db.execute("SELECT payload FROM inbox"))
    assert "081-234-5678" not in payloads and "บ้านเลขที่" not in payloads


def test_follow_greets_in_thai_with_a_privacy_notice(served, fake_line):
    uid = user_id()
    served.post(follow_event(uid))
    request = wait_until(lambda: replies(fake_line))[0]
    text = reply_texts(request)
    assert "ยินดีต้อนรับ" in text and "ลบข้อมูล" in text
    status = served.db.execute("SELECT status FROM chats WHERE chat_key = ?", (f"user:{uid}",)).fetchone()[0]
    assert status == "following"


def test_group_messages_are_answered_only_when_the_bot_is_addressed(served, fake_line):
    group = {"type": "group", "groupId": "C" + "a" * 32, "userId": user_id()}
    chatter = base_event("message", group, message={"id": "1", "type": "text", "text": "พรุ่งนี้ประชุมกี่โมง"})
    tagged_text = "@น้องคอนฉิม ติดต่อ"
    tagged = base_event(
        "message",
        group,
        message={
            "id": "2",
            "type": "text",
            "text": tagged_text,
            "mention": {"mentionees": [{"index": 0, "length": 11, "type": "user", "isSelf": True}]},
        },
    )
    join = base_event("join", {"type": "group", "groupId": group["groupId"]})
    for event in (join, chatter, tagged):
        served.post(event)
    wait_until(lambda: all_finished(served) and inbox_count(served) == 3)
    sent = replies(fake_line)
    assert [r.json["replyToken"] for r in sent] == [join["replyToken"], tagged["replyToken"]]
    assert "ลงทะเบียน" in reply_texts(sent[0])
    assert sent[1].json["messages"][0]["type"] == "flex"  # the contact card


def test_postback_from_an_old_session_gets_a_polite_note(served, fake_line):
    uid = user_id()
    served.post(text_event(uid, "ข้อมูลส่วนบุคคล"))
    first = wait_until(lambda: replies(fake_line))[0]
    erase_data = first.json["messages"][0]["quickReply"]["items"][0]["action"]["data"]
    served.post(text_event(uid, "ยกเลิก"))
    wait_until(lambda: len(replies(fake_line)) == 2)
    served.post(postback_event(uid, erase_data))  # the old "ลบข้อมูลของฉัน" button
    note = wait_until(lambda: replies(fake_line)[2:])[0]
    assert "ปุ่มนี้เป็นของรายการก่อนหน้า" in reply_texts(note)


@pytest.mark.skipif(not SHARED_SAMPLES.exists(), reason="LINE's sample payload lives in ../shared (not part of the project)")
def test_lines_own_sample_payload_of_every_event_type(served, fake_line):
    body = SHARED_SAMPLES.read_bytes()
    assert post_signed(served.url, body).status_code == 200
    events = json.loads(body)["events"]
    wait_until(lambda: all_finished(served), timeout=20)
    counts = inbox.counts_by_status(served.db)
    assert "failed" not in counts
    stored_types = {r[0] for r in served.db.execute("SELECT event_type FROM inbox")}
    assert stored_types == {e["type"] for e in events}
    # The person's text message is answered in Thai (the group and room texts do not
    # address the bot, and the redelivered one is the same event).
    user_text = next(e for e in events if e["type"] == "message" and e["message"]["type"] == "text")
    answered = [r for r in replies(fake_line) if r.json["replyToken"] == user_text["replyToken"] and r.status == 200]
    assert answered and any("\u0e00" <= ch <= "\u0e7f" for ch in reply_texts(answered[0]))
    assert served.db.execute("SELECT status FROM inbox WHERE event_type = 'undefined'").fetchone()[0] == "skipped"
