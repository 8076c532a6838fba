"""Public handbook pages, the `ask` command, and how long asked questions are kept."""
import json
import subprocess
import sys
import time

import pytest

from bot.config import PROJECT_ROOT
from db import open_database, questions, retention, transaction


@pytest.fixture
def client(served):
    return served.app.test_client()


def test_the_list_page_shows_every_procedure_in_thai_with_local_assets(client):
    page = client.get("/handbook").get_data(as_text=True)
    assert 'lang="th"' in page and "คู่มือสำหรับประชาชน" in page and "/assets/fonts.css" in page
    assert page.count('href="/handbook/') >= 24 and "ปรับปรุงล่าสุด 6 ธันวาคม พ.ศ. 2569" in page
    assert "https://" not in page and "http://" not in page  # nothing from the internet


def test_the_list_page_searches_with_the_bot_search(client):
    page = client.get("/handbook", query_string={"q": "เบียคนแก ต้องใช้เอกสารอะไร"}).get_data(as_text=True)
    assert 'href="/handbook/elderly-allowance#documents"' in page
    outside = client.get("/handbook", query_string={"q": "ทำพาสปอร์ต"}).get_data(as_text=True)
    assert "ไม่ใช่งานที่ อบต.คอนฉิม ให้บริการ" in outside


def test_search_terms_are_escaped(client):
    page = client.get("/handbook", query_string={"q": '<script>alert("x")</script>'}).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_a_procedure_page_is_complete_printable_and_dated_in_buddhist_era(client):
    response = client.get("/handbook/building-permit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for heading in ("เอกสารที่ต้องใช้", "ค่าธรรมเนียม", "ระยะเวลา", "ขั้นตอน", "ยื่นที่ไหน เมื่อไร",
                    "กฎหมายที่เกี่ยวข้อง", "ช่องทางการร้องเรียน"):
        assert heading in page
    assert "ตารางเมตรละ 0.50 บาท" in page and "กองช่าง" in page
    assert "27 พฤศจิกายน พ.ศ. 2569" in page and 'datetime="2026-11-27"' in page
    css = client.get("/handbook/static/handbook.css").get_data(as_text=True)
    assert "@media print" in css


def test_an_unknown_page_is_a_thai_404(client):
    response = client.get("/handbook/<b>nope")
    assert response.status_code == 404 and "ไม่พบเรื่องนี้ในคู่มือ" in response.get_data(as_text=True)
    assert "<b>nope" not in response.get_data(as_text=True)


def _ask(*args, stdin: str | None = None) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", *args], input=stdin, capture_output=True, text=True,
        cwd=PROJECT_ROOT, timeout=60, check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_ask_prints_one_json_object():
    (answer,) = _ask("ขอเบี้ยคนแก่ต้องใช้เอกสารอะไรบ้างคะ")
    assert set(answer) >= {"procedure", "section", "score", "answer", "alternatives"}
    assert (answer["procedure"], answer["section"]) == ("elderly-allowance", "documents")
    assert "ทะเบียนบ้าน" in answer["answer"] and answer["score"] > 0 and isinstance(answer["alternatives"], list)
    assert answer["might_report"] is False  # a plain question: no complaint form offered beside it


def test_ask_reads_one_question_per_line_from_stdin():
    results = _ask(stdin="ภาษีป้ายกี่บาท\n\nทำบัตรประชาชนใหม่ที่ไหน\nทำไงให้ผิวขาว\n")
    assert [r["procedure"] for r in results] == ["signboard-tax", None, None]
    assert results[0]["section"] == "fees" and results[1]["section"] is None
    assert "อำเภอแวงใหญ่" in results[1]["answer"] and "ไม่ใช่งานที่" in results[2]["answer"]
    assert [r["intent"] for r in results] == ["question", "out_of_scope", "out_of_scope"]


def test_question_retention(tmp_path):
    db = open_database(tmp_path / "q.sqlite3")
    now = time.time()
    old, week = now - 100 * 86400, now - 10 * 86400
    with transaction(db):
        questions.record(db, ref="a", chat_key="user:U1", user_id="U1", question="เก่ามาก", outcome="unanswered", now=old)
        questions.record(db, ref="b", chat_key="user:U1", user_id="U1", question="ตอบแล้ว", outcome="answered", now=week)
        questions.record(db, ref="c", chat_key="user:U2", user_id="U2", question="ไม่ตรง", outcome="answered", now=week)
        questions.set_feedback(db, "c", "down", now=week)
        # the same ref again (a redelivered event) is not stored twice
        assert questions.record(db, ref="c", chat_key="user:U2", user_id="U2", question="x", outcome="answered") is None
    removed = retention.purge(db, now)
    assert removed["questions"] == 1 and removed["question_texts"] == 1
    assert questions.get(db, "a") is None
    assert questions.get(db, "b")["question"] is None  # answered, nobody complained: no text kept
    assert questions.get(db, "c")["question"] == "ไม่ตรง"  # a 👎 stays for admins
    assert [r["ref"] for r in questions.for_review(db)] == ["c"]
