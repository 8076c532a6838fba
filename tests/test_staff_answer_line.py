"""Questions for staff answered from LINE (issue 18, part 4): the "ตอบ" button then the staff
member's untagged text in their group, or LINE's quote-reply on the forwarded question. The
citizen receives the answer once, and the console shows who answered, by name. A quote-reply
to anything else in a group gets no reply."""
from __future__ import annotations

import json
import time

from bot.feedback import staff_questions
from bot.line.sender import LineSender
from db import open_database, outbox, sent_messages, staff, transaction
from db import staff_questions as store
from feedback_support import Chat, staff_group, text_of
from helpers import user_id, wait_until
from test_feedback_questions import ask
from test_feedback_tickets import office_of


def named(served, chat: Chat, name: str, position: str) -> Chat:
    with transaction(served.db):
        staff.set_person(served.db, chat.uid, name, position)
    return chat


def announcement_ids(served, group: Chat, question_id: int) -> list[str]:
    """LINE's ids of the announcement pushed to the group (as the sender recorded them)."""
    rows = served.db.execute(
        "SELECT s.message_id FROM sent_messages s JOIN outbox o ON o.id = s.outbox_id"
        " WHERE s.purpose = ? AND o.chat_key = ? ORDER BY s.message_id",
        (staff_questions.ANNOUNCE_PURPOSE.format(question_id), group.chat_key),
    ).fetchall()
    return [r[0] for r in rows]


def answers_to(citizen: Chat, question_id: int) -> list[dict]:
    return [m for m in citizen.pushed() if f"คำถามหมายเลข {question_id})" in m.get("text", "")]


def line_requests(fake_line) -> int:
    return len(fake_line.state.requests)


def test_staff_answer_in_their_group_by_the_button_and_by_quoting(served, fake_line, admin_client, console):
    group = staff_group(served, fake_line, "finance")
    somsri = named(served, group, "สมศรี ใจดี", "นักวิชาการเงินและบัญชี")
    wichai = named(served, Chat(served, fake_line, group=group.group), "วิชัย คล่องงาน", "เจ้าพนักงานจัดเก็บรายได้")
    citizen = Chat(served, fake_line)

    # 1. "ตอบ", then the member's text without tagging the bot.
    ask(citizen, "ภาษีป้ายร้านค้าต้องยื่นแบบภายในเดือนไหนคะ")
    somsri.last = wait_until(group.pushed)
    assert "ไม่ต้องแท็กบอท" in text_of(somsri.tap("ตอบ"))
    assert wichai.say("เดี๋ยวพี่ช่วยดูนะ") == []  # a colleague's chatter is not the answer
    confirm = somsri.say("ยื่นแบบภายในเดือนมีนาคมของทุกปีค่ะ")
    assert "ส่งคำตอบนี้ถึงประชาชนเลยไหมคะ" in text_of(confirm) and answers_to(citizen, 1) == []
    assert "ส่งคำตอบคำถามหมายเลข 1 ถึงประชาชนแล้ว" in text_of(somsri.tap("ส่งคำตอบ"))
    assert "เดือนมีนาคม" in text_of(wait_until(lambda: answers_to(citizen, 1)))
    assert store.get(served.db, 1).answered_by == "สมศรี ใจดี (นักวิชาการเงินและบัญชี)"

    # 2. Quoting the forwarded question with the answer: the same confirmation, then sent.
    ask(citizen, "จ่ายภาษีที่ดินผ่านแอปธนาคารได้ไหมคะ")
    ids = wait_until(lambda: announcement_ids(served, group, 2))
    assert len(ids) == 2  # the announcement's text and its buttons, as LINE numbered them
    confirm = wichai.say("ได้ค่ะ สแกน QR ในใบแจ้งหนี้ได้เลย", quoting=ids[0])
    assert "คำตอบสำหรับคำถามหมายเลข 2" in text_of(confirm) and "สแกน QR" in text_of(confirm)
    assert answers_to(citizen, 2) == []  # nothing reaches the citizen before "ส่งคำตอบ"
    wichai.tap("ส่งคำตอบ")
    assert "สแกน QR" in text_of(wait_until(lambda: answers_to(citizen, 2)))
    assert store.get(served.db, 2).answered_by == "วิชัย คล่องงาน (เจ้าพนักงานจัดเก็บรายได้)"

    # Quoting it again is politely refused, with who answered; the citizen still has one answer each.
    again = somsri.say("ขอแก้คำตอบค่ะ", quoting=ids[0])
    assert "ตอบไปแล้วโดย วิชัย คล่องงาน" in text_of(again)
    assert len(answers_to(citizen, 1)) == 1 and len(answers_to(citizen, 2)) == 1

    # The console's page of the question says who answered, by name.
    page = admin_client.get("/admin/questions/2").get_data(as_text=True)
    assert "ตอบโดย วิชัย คล่องงาน (เจ้าพนักงานจัดเก็บรายได้)" in page and wichai.uid not in page


def test_a_quote_reply_to_anything_else_in_a_group_gets_no_reply(served, fake_line):
    group = staff_group(served, fake_line, "finance")
    member = Chat(served, fake_line, group=group.group)
    citizen = Chat(served, fake_line)
    ask(citizen, "ขอแบบฟอร์มภาษีป้ายได้ที่ไหนคะ")
    wait_until(lambda: announcement_ids(served, group, 1))
    # The overdue notice is one of the bot's pushes too, but answers no question.
    db = served.db
    with transaction(db):
        db.execute("UPDATE staff_questions SET due_at = ? WHERE id = 1", (time.time() - 60,))
        _, queued = staff_questions.flag_overdue(db, office_of(served))
    for outbox_id in queued:
        served.app.extensions["inbox_worker"].sender.deliver(db, outbox_id)
    [overdue_id] = [r[0] for r in db.execute("SELECT message_id FROM sent_messages WHERE purpose = 'questions-overdue'")]

    before = line_requests(fake_line)
    assert member.say("รับทราบครับ เดี๋ยวตอบ", quoting=overdue_id) == []
    assert member.say("555 ใช่เลย", quoting="4242424242") == []  # a member's own message, quoted
    assert line_requests(fake_line) == before  # not a word from the bot
    assert store.get(db, 1).status == "open"
    # Addressed by name, a quoted text is an ordinary request.
    assert member.say("น้องคอนฉิม ติดต่อ", quoting="4242424242") != []


def test_a_citizen_quoting_the_bots_message_in_their_own_chat_is_answered_as_usual(served, fake_line):
    group = staff_group(served, fake_line, "finance")
    citizen = Chat(served, fake_line)
    ask(citizen, "ภาษีป้ายคิดอย่างไรคะ")
    wait_until(group.pushed)
    with transaction(served.db):
        staff_questions.answer_question(served.db, office_of(served), 1, "ตามขนาดป้ายค่ะ", "สมศรี ใจดี")
    served.app.extensions["inbox_worker"].notify()
    # The sender records the ids LINE gave after LINE answered: wait for the record, not the push.
    [answer_id] = wait_until(
        lambda: [r[0] for r in served.db.execute("SELECT message_id FROM sent_messages WHERE purpose = 'question:1:answer'")]
    )
    reply = citizen.say("ติดต่อ", quoting=answer_id)
    assert reply and reply[0]["type"] == "flex"  # the contact card, as without the quote


def test_the_sender_records_the_ids_line_gives_a_push_also_when_line_says_409(settings, fake_line):
    db = open_database(settings.database_path)
    sender = LineSender(settings)
    uid = user_id()
    with transaction(db):
        first = outbox.enqueue(db, dedupe_key="a", chat_key=f"user:{uid}", kind="push", to_ids=[uid], purpose="question:7:announce",
                               messages=[{"type": "text", "text": "หนึ่ง"}, {"type": "text", "text": "สอง"}])
        second = outbox.enqueue(db, dedupe_key="b", chat_key=f"user:{uid}", kind="push", to_ids=[uid], purpose="reminder",
                                messages=[{"type": "text", "text": "สาม"}])
    assert sender.deliver(db, first).status == "sent"
    ids = [r[0] for r in db.execute("SELECT message_id FROM sent_messages WHERE outbox_id = ? ORDER BY message_id", (first,))]
    assert len(ids) == 2 and all(i.isdigit() for i in ids)
    assert {sent_messages.purpose_of(db, i) for i in ids} == {"question:7:announce"}
    # The push reached LINE before a crash: the repeat is answered 409 with the same ids.
    row = outbox.get(db, second)
    answer = sender._post("/v2/bot/message/push", {"to": uid, "messages": json.loads(row["messages"])}, retry_key=row["retry_key"])
    [given] = [m["id"] for m in json.loads(answer.data)["sentMessages"]]
    assert sender.deliver(db, second).status == "sent"
    assert sent_messages.purpose_of(db, given) == "reminder"
    assert sent_messages.purpose_of(db, "1") is None
    # Kept 60 days.
    assert sent_messages.purge(db, time.time() + 59 * 86400) == 0
    assert sent_messages.purge(db, time.time() + 61 * 86400) == 3
    db.close()
