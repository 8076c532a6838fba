"""Corruption reports (ITA indicator 10): anonymous, confidential, readable by the audit role only."""
import json
import re
import time

import pytest

from bot.feedback import corruption
from db import corruption_reports as reports
from db import inbox, outbox, transaction
from feedback_support import Chat, register, staff_group, text_of
from helpers import wait_until
from test_feedback_tickets import cli, office_of

DETAILS = "เจ้าหน้าที่กองช่างชื่อนายสมมติ เรียกเงิน 5,000 บาทเพื่อเร่งใบอนุญาตก่อสร้าง เมื่อวันที่ 3 พ.ย. ที่ห้องกองช่าง มีพยานสองคน"


def report(chat: Chat, anonymous: bool = True) -> str:
    first = chat.say("แจ้งเบาะแสทุจริต")
    assert "เฉพาะหน่วยตรวจสอบภายใน" in text_of(first) and "ไม่เปิดเผยตัวตน" in text_of(first)
    chat.tap("ไม่เปิดเผยตัวตน" if anonymous else "ติดต่อกลับทาง LINE ได้")
    confirm = chat.say(DETAILS)
    assert "5,000" not in text_of(confirm)  # what they wrote is never echoed back
    return text_of(chat.tap("ยืนยันส่งเรื่อง"))


def everything_stored(served) -> str:
    """Every table a staff function, the console or a backup reader could look at."""
    db = served.db
    dump = []
    for table in ("inbox", "outbox", "conversations", "tickets", "staff_questions", "service_ratings", "feedback_rate_events"):
        dump.append(json.dumps(db.execute(f"SELECT * FROM {table}").fetchall(), ensure_ascii=False, default=str))
    return "\n".join(dump)


def test_an_anonymous_report_is_stored_without_who_sent_it_and_only_the_auditor_reads_it(served, fake_line):
    chat = Chat(served, fake_line)
    received = report(chat)
    code = re.search(r"รหัสเรื่อง: (TJ-[A-Z0-9]{6})", received).group(1)
    secret = re.search(r"รหัสลับ: ([A-Z0-9]{4}-[A-Z0-9]{4})", received).group(1)
    db = served.db
    row = db.execute("SELECT anonymous, chat_key, line_user_id, received_on, details FROM corruption_reports").fetchone()
    assert row[:3] == (1, None, None) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[3]) and row[4] == DETAILS

    # Nowhere else: not the chat log, not the outbox, not the conversation.
    stored = everything_stored(served)
    assert "5,000" not in stored and "นายสมมติ" not in stored

    # Reading needs the audit role.
    with pytest.raises(reports.NotAuthorized):
        reports.list_reports(db, role="staff")
    with pytest.raises(reports.NotAuthorized):
        reports.read(db, code, role="admin")
    assert reports.read(db, code, role=reports.AUDITOR).details == DETAILS
    assert cli(served, fake_line, "corruption", "list", "--role", "admin").returncode == 3
    shown = cli(served, fake_line, "corruption", "show", code, "--role", "auditor")
    assert DETAILS in shown.stdout and "ไม่เปิดเผยตัวตน" in shown.stdout

    # The reply with the code and secret leaves the outbox minutes after delivery, and the
    # chat log forgets whose conversation it was.
    with transaction(db):
        outbox.delete_confidential(db, time.time() + 3600)
        inbox.forget_redacted_sources(db)
    assert secret not in everything_stored(served) and code not in everything_stored(served)
    assert db.execute("SELECT count(*) FROM inbox WHERE source_key = ?", (chat.chat_key,)).fetchone()[0] == 0

    # Follow-up: the code and the secret, in any case and spacing, give the status only.
    with transaction(db):
        corruption.update_report(db, office_of(served), code, role="auditor", actor="หัวหน้าหน่วยตรวจสอบ", status="reviewing",
                                 message_to_reporter="ได้รับเรื่องแล้ว อยู่ระหว่างรวบรวมข้อเท็จจริง")
    chat.say("แจ้งเบาะแส")
    chat.tap("ติดตามเรื่องที่แจ้งไว้")
    chat.say(code.lower().replace("-", " "))
    status = chat.say(secret.lower())
    assert "อยู่ระหว่างตรวจสอบข้อเท็จจริง" in text_of(status) and "รวบรวมข้อเท็จจริง" in text_of(status)
    assert DETAILS not in text_of(status)
    chat.say("แจ้งเบาะแส")
    chat.tap("ติดตามเรื่องที่แจ้งไว้")
    chat.say(code)
    assert "ไม่ถูกต้อง" in text_of(chat.say("AAAA-AAAA"))


def test_a_reporter_who_may_be_contacted_is_told_of_progress_on_line(served, fake_line):
    chat = Chat(served, fake_line)
    received = report(chat, anonymous=False)
    code = re.search(r"รหัสเรื่อง: (TJ-[A-Z0-9]{6})", received).group(1)
    row = served.db.execute("SELECT anonymous, line_user_id FROM corruption_reports").fetchone()
    assert row == (0, chat.uid)
    updated = cli(served, fake_line, "corruption", "update", code, "--role", "auditor", "--by", "หน่วยตรวจสอบภายใน",
                  "--status", "referred", "--message", "ส่งเรื่องให้ ป.ป.ท. แล้ว")
    assert updated.returncode == 0, updated.stderr
    assert "ส่งเรื่องให้ ป.ป.ท. แล้ว" in text_of(wait_until(chat.pushed))


def test_the_audit_unit_hears_of_new_reports_in_a_morning_digest_without_content(served, fake_line):
    audit = staff_group(served, fake_line, "audit")
    report(Chat(served, fake_line))
    assert audit.pushed() == []  # nothing at the minute of the report
    db = served.db
    with transaction(db):
        queued = corruption.announce_new_reports(db, office_of(served), "2026-11-30")
    for outbox_id in queued:
        served.app.extensions["inbox_worker"].sender.deliver(db, outbox_id)
    digest = text_of(audit.pushed())
    assert "TJ-" in digest and "5,000" not in digest
    with transaction(db):
        assert corruption.announce_new_reports(db, office_of(served), "2026-12-01") == []


def test_admins_hear_only_that_reports_wait_when_the_audit_unit_is_not_registered(served, fake_line):
    admin = Chat(served, fake_line)
    register(served, admin.chat_key, "user", admin.uid, "*", role="admin")
    report(Chat(served, fake_line))
    db = served.db
    with transaction(db):
        queued = corruption.announce_new_reports(db, office_of(served), "2026-11-30")
    for outbox_id in queued:
        served.app.extensions["inbox_worker"].sender.deliver(db, outbox_id)
    told = text_of(admin.pushed())
    assert "1 เรื่อง" in told and "TJ-" not in told and "ไม่เห็นรายละเอียด" in told


def test_abandoning_a_report_keeps_nothing(served, fake_line):
    chat = Chat(served, fake_line)
    chat.say("ทุจริต")
    chat.tap("ไม่เปิดเผยตัวตน")
    chat.say(DETAILS)
    chat.say("ยกเลิก")
    assert served.db.execute("SELECT count(*) FROM corruption_reports").fetchone()[0] == 0
    assert "นายสมมติ" not in everything_stored(served)


def test_too_many_failed_look_ups_are_slowed_down(served, fake_line):
    chat = Chat(served, fake_line)
    for _ in range(5):
        chat.say("แจ้งเบาะแส")
        chat.tap("ติดตามเรื่องที่แจ้งไว้")
        chat.say("TJ-AAAAAA")
        assert "ไม่ถูกต้อง" in text_of(chat.say("AAAA-AAAA"))
    chat.say("แจ้งเบาะแส")
    chat.tap("ติดตามเรื่องที่แจ้งไว้")
    chat.say("TJ-AAAAAA")
    assert "หลายครั้งเกินไป" in text_of(chat.say("AAAA-AAAA"))
