"""The simulator as a division's LINE group: the bot joins, the group registers with a code,
receives its reminder digest, taps "ส่งรายงานแล้ว" and is not reminded of that deadline again."""
from datetime import date

import pytest

from bot.conversation import postback
from db import open_database, staff, transaction
from helpers import user_id, wait_until
from reminder_helpers import at, make_setup, run

GROUP = "C" + "3" * 32


@pytest.fixture
def client(served):
    return served.app.test_client()


def shown(client, uid: str, after: int = 0) -> list[dict]:
    data = client.get(f"/simulator/api/messages?userId={uid}&groupId={GROUP}&after={after}").get_json()
    return data["messages"]


def send(client, uid: str, **event) -> None:
    assert client.post("/simulator/api/send", json={"userId": uid, "groupId": GROUP, **event}).get_json()["ok"] is True


def texts_of(messages: list[dict]) -> str:
    return " ".join(str(m["message"]) for m in messages)


def test_group_page_has_no_rich_menu(client):
    page = client.get("/simulator?group=1").get_data(as_text=True)
    assert "กลุ่ม LINE ของกอง" in page and "rich-menu__item" not in page and '"groupMode": true' in page


def test_a_group_in_the_simulator_registers_gets_reminded_and_acknowledges(served, client, fake_line, settings):
    clerk = user_id()
    send(client, clerk, type="join")
    assert "กลุ่ม" in texts_of(wait_until(lambda: shown(client, clerk)))
    with transaction(served.db):
        code = staff.new_code(served.db, "health", "staff").code
    send(client, clerk, type="text", text=f"ลงทะเบียน {code}")
    wait_until(lambda: "ลงทะเบียนเรียบร้อย" in texts_of(shown(client, clerk)))

    db = open_database(settings.database_path)
    setup = make_setup(settings)
    run(db, setup, at(date(2027, 1, 14)))  # -1 working day before the first quarter's report
    digest = wait_until(lambda: [m for m in shown(client, clerk) if m["message"]["type"] == "flex"])
    assert "กองสาธารณสุขและสิ่งแวดล้อม" in texts_of(shown(client, clerk)) and "อีก 1 วันทำการ" in texts_of(digest)
    ack = next(
        b["action"]["data"]
        for b in digest[-1]["message"]["contents"]["footer"]["contents"]
        if postback.decode(b["action"]["data"]).action == "reminder-ack"
    )
    send(client, clerk, type="postback", data=ack)
    wait_until(lambda: "ขอบคุณค่ะ" in texts_of(shown(client, clerk)))

    before = len(shown(client, clerk))
    run(db, setup, at(date(2027, 1, 15)))
    run(db, setup, at(date(2027, 1, 18)))
    assert len(shown(client, clerk)) == before  # reported: nothing more about it
    db.close()
