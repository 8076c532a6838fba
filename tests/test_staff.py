"""Staff registration on LINE: one-time codes, 1:1 chats and groups, unregistering."""
import json
import os
import re
import subprocess
import sys

import pytest

from bot.config import PROJECT_ROOT
from bot.conversation.engine import Input
from db import staff, transaction
from helpers import base_event, text_event, user_id, wait_until
from test_conversation import ENGINE, ctx

GROUP_ID = "C" + "d" * 32


def replies_to(fake_line, token: str) -> str:
    found = [r for r in fake_line.state.requests if r.path == "/v2/bot/message/reply" and r.json["replyToken"] == token]
    return " ".join(json.dumps(m, ensure_ascii=False) for r in found for m in r.json["messages"])


def new_code(served, division="engineering", role="staff", days=7.0) -> str:
    db = served.db
    with transaction(db):
        return staff.new_code(db, division, role, valid_days=days).code


def send_and_wait(served, fake_line, event) -> str:
    served.post(event)
    return wait_until(lambda: replies_to(fake_line, event["replyToken"]))


def group_text(uid: str, text: str) -> dict:
    source = {"type": "group", "groupId": GROUP_ID, "userId": uid}
    return base_event("message", source, message={"id": "9", "type": "text", "text": text})


def test_a_group_registers_with_a_code_without_tagging_the_bot(served, fake_line):
    code = new_code(served)
    answer = send_and_wait(served, fake_line, group_text(user_id(), f"ลงทะเบียน {code.lower()}"))
    assert "ลงทะเบียนเรียบร้อยแล้วค่ะ" in answer and "กลุ่มนี้" in answer and "กองช่าง" in answer
    [recipient] = staff.for_division(served.db, "engineering")
    assert (recipient.kind, recipient.line_id, recipient.role) == ("group", GROUP_ID, "staff")


def test_a_person_registers_in_a_one_to_one_chat_with_thai_digits_and_spaces(served, fake_line):
    code = new_code(served, division="welfare", role="head")
    uid = user_id()
    typed = "ลง ทะเบียน: " + code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    answer = send_and_wait(served, fake_line, text_event(uid, typed))
    assert "แชตนี้" in answer and "กองสวัสดิการสังคม" in answer and "หัวหน้าส่วนราชการ" in answer
    assert [(r.line_id, r.role) for r in staff.for_division(served.db, "welfare", roles=("head",))] == [(uid, "head")]


def test_a_code_works_once_and_expired_codes_do_not_work(served, fake_line):
    code = new_code(served)
    send_and_wait(served, fake_line, text_event(user_id(), f"ลงทะเบียน {code}"))
    again = send_and_wait(served, fake_line, text_event(user_id(), f"ลงทะเบียน {code}"))
    assert "ถูกใช้ไปแล้ว" in again
    expired = new_code(served, days=-1)
    assert "หมดอายุ" in send_and_wait(served, fake_line, text_event(user_id(), f"ลงทะเบียน {expired}"))
    assert len(staff.all_active(served.db)) == 1


def test_guessing_codes_is_stopped_after_five_wrong_tries(served, fake_line):
    uid = user_id()
    for _ in range(5):
        assert "ไม่ถูกต้อง" in send_and_wait(served, fake_line, text_event(uid, "ลงทะเบียน AAAAAA"))
    good = new_code(served)
    assert "หลายครั้งเกินไป" in send_and_wait(served, fake_line, text_event(uid, f"ลงทะเบียน {good}"))
    assert staff.all_active(served.db) == []


def test_unregister_stops_a_group_receiving(served, fake_line):
    send_and_wait(served, fake_line, group_text(user_id(), f"ลงทะเบียน {new_code(served)}"))
    assert "ยกเลิกการลงทะเบียน" in send_and_wait(served, fake_line, group_text(user_id(), "ยกเลิกลงทะเบียน"))
    assert staff.for_division(served.db, "engineering") == []
    assert "ยังไม่ได้ลงทะเบียน" in send_and_wait(served, fake_line, group_text(user_id(), "ยกเลิกลงทะเบียน"))


def test_other_group_talk_is_still_ignored(served, fake_line):
    served.post(group_text(user_id(), "ลงทะเบียนเบี้ยผู้สูงอายุวันไหน"))
    wait_until(lambda: served.db.execute("SELECT count(*) FROM inbox WHERE status = 'done'").fetchone()[0] == 1)
    assert fake_line.state.requests == []


@pytest.mark.parametrize("typed", ["ลงทะเบียนเบี้ยผู้สูงอายุ", "ลงทะเบียน", "ลงทะเบียนรับเงิน 600 บาท"])
def test_a_citizens_question_that_starts_with_the_word_is_not_the_command(typed):
    turn = ENGINE.handle(ctx(), None, Input(kind="text", text=typed))
    assert not turn.effects


def test_erasure_forgets_a_persons_registration(served, fake_line):
    uid = user_id()
    send_and_wait(served, fake_line, text_event(uid, f"ลงทะเบียน {new_code(served)}"))
    send_and_wait(served, fake_line, text_event(uid, "ข้อมูลส่วนบุคคล"))
    send_and_wait(served, fake_line, text_event(uid, "ลบข้อมูลของฉัน"))
    assert "ลบข้อมูลของท่านเรียบร้อยแล้ว" in send_and_wait(served, fake_line, text_event(uid, "ยืนยันลบ"))
    assert staff.of_chat(served.db, f"user:{uid}") == []


def test_command_line_issues_codes_and_lists_registrations(tmp_path):
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "cli.sqlite3")}
    run = lambda *args: subprocess.run(
        [sys.executable, "-m", "bot", "staff", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    issued = run("code", "--division", "engineering")
    assert issued.returncode == 0, issued.stderr
    code = re.search(r"registration code: ([A-Z0-9]{6})", issued.stdout).group(1)
    assert f"ลงทะเบียน {code}" in issued.stdout and "กองช่าง" in issued.stdout
    assert code in run("list").stdout
    assert run("code", "--division", "nowhere").returncode == 2
    assert run("code", "--admin").returncode == 0
