"""Service requests in the published reports and on the command line (issue 19): online vs
counter per service and per month, days to done (median, p90), satisfaction by channel — with
no personal data anywhere — and `python -m bot requests list --json` / `set-status`.

FY 2570's 6-month round: 1 Oct 2026 – 31 Mar 2027, as of 20 April 2027. Every expected figure
is worked out by hand from the seed, in the comments beside it.
"""
from __future__ import annotations

import io
import json
import re
from datetime import date, datetime

import openpyxl
import pytest
from pypdf import PdfReader

from bot.common.thaidate import BANGKOK
from bot.config import PROJECT_ROOT
from bot.content.divisions import load_divisions
from bot.content.profile import load_profile
from bot.eservice import requests as service_requests
from bot.feedback.announce import Office
from bot.reports import ReportContext, ReportPeriod, produce, satisfaction, service_stats
from db import open_database, ratings, transaction
from db import service_requests as store
from feedback_support import Chat
from helpers import wait_until
from report_support import AS_OF, ts
from test_feedback_tickets import cli
from test_requests_staff import add_request

WATER, ELDERLY = "drinking-water-delivery", "elderly-allowance"
SECRET = "นางสมศรี มีทรัพย์ 0899999999 บ้านเลขที่ 12"
DAY = 86400.0
CONTENT = PROJECT_ROOT / "content"


def _online(db, key: str, service: str, division: str, created: float, status: str = "received", days: float | None = None):
    request, _ = store.create(
        db, prefix="KC", fiscal_year=2570, service_id=service, division_id=division, channel="online",
        answers={"need": SECRET, "phone": "0899999999"}, chat_key=f"user:U{key}", line_user_id=f"U{key}",
        submission_key=key, due_on="2027-12-31", now=created,
    )
    if status != "received":
        done_at = created + days * DAY if days is not None else None
        assert store.update(db, request.id, "received", status=status, done_at=done_at,
                            closed_at=done_at or created + DAY, reject_reason="ไม่เข้าหลักเกณฑ์" if status == "rejected" else None)


def seed(db) -> None:
    office = Office(load_profile(CONTENT / "profile.yaml"), tuple(load_divisions(CONTENT / "divisions.yaml")), "")

    def counter(service: str, division: str, served: date) -> None:
        service_requests.record_counter(db, office, service, division, served, actor="สมศรี", now=ts(2027, 4, 20))

    _online(db, "w1", WATER, "palad", ts(2026, 10, 5), "done", 1)
    _online(db, "w2", WATER, "palad", ts(2026, 10, 20), "done", 2)
    _online(db, "w3", WATER, "palad", ts(2026, 11, 3), "done", 3)
    _online(db, "w4", WATER, "palad", ts(2026, 12, 1), "done", 10)
    _online(db, "w5", WATER, "palad", ts(2027, 1, 10), "rejected")
    _online(db, "w6", WATER, "palad", ts(2027, 3, 30))  # still open
    _online(db, "e1", ELDERLY, "welfare", ts(2026, 12, 15), "done", 4.5)
    for served in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 31), date(2026, 11, 15)):
        counter(WATER, "palad", served)
    counter(ELDERLY, "welfare", date(2027, 2, 1))
    # just outside the round
    _online(db, "x1", WATER, "palad", ts(2027, 4, 2), "done", 1)
    counter(WATER, "palad", date(2026, 9, 30))
    # satisfaction, one score for every aspect: online 5 and 4; counter 2, QR 4; LINE menu 5, handbook 3
    for n, (source, score, chat) in enumerate((("eservice", 5, "user:Ue1"), ("eservice", 4, "user:Ue2"), ("counter", 2, None),
                                                ("qr", 4, "user:Uq1"), ("menu", 5, "user:Um1"), ("handbook", 3, "user:Uh1"))):
        ratings.save(db, chat_key=chat, service_id=WATER, division_id="palad", rated_on=f"2026-11-{n + 1:02d}", fiscal_year=2570,
                     scores={a: score for a in ratings.ASPECTS}, comment=None, source=source)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    db = open_database(tmp_path_factory.mktemp("requests-reports") / "r.sqlite3")
    with transaction(db):
        seed(db)
    yield db
    db.close()


def context(db, division=None) -> ReportContext:
    return ReportContext.load(db, CONTENT, ReportPeriod.of_round(2570, 6), now=AS_OF, division_id=division)


def test_online_and_counter_per_service_and_month_and_days_to_done(seeded):
    data = service_stats.compute(context(seeded)).requests
    a = data.all
    # online w1–w6 and e1; counter four water (1 Oct … 15 Nov) and one elderly; x1 and 30 Sep are outside
    assert (a.online, a.counter, a.total, a.done, a.rejected, a.open) == (7, 5, 12, 10, 1, 1)
    # days to done of the online ones: 1, 2, 3, 4.5, 10 → median 3; p90 between 4.5 and 10: 4.5 × 0.4 + 10 × 0.6
    assert (a.median_days, a.p90_days) == (3.0, 7.8)
    water = data.by_service[WATER]
    # 1, 2, 3, 10 → median 2.5; p90 = 3 × 0.3 + 10 × 0.7 = 7.9
    assert (water.online, water.counter, water.done, water.rejected, water.open, water.median_days, water.p90_days) == (
        6, 4, 8, 1, 1, 2.5, 7.9)
    elderly = data.by_service[ELDERLY]
    assert (elderly.online, elderly.counter, elderly.median_days, elderly.p90_days) == (1, 1, 4.5, 4.5)
    assert {m: (c.online, c.counter) for m, c in data.by_month.items()} == {
        "2026-10": (2, 3), "2026-11": (1, 1), "2026-12": (2, 0), "2027-01": (1, 0), "2027-02": (0, 1), "2027-03": (1, 0)}


def test_a_divisions_report_counts_its_own_requests(seeded):
    data = service_stats.compute(context(seeded, division="welfare")).requests
    assert set(data.by_service) == {ELDERLY} and (data.all.online, data.all.counter) == (1, 1)


def test_the_report_has_the_tables_and_no_personal_data(seeded):
    ctx = context(seeded)
    doc = service_stats.build(ctx)
    per_service = next(t for t in doc.tables() if t.sheet == "คำร้องรายบริการ")
    by_name = {r[0]: r for r in per_service.rows}  # in the handbook's order
    assert by_name["ขอน้ำอุปโภคบริโภค"] == ("ขอน้ำอุปโภคบริโภค", "สำนักปลัด", 6, 4, 10, 60.0, 8, 1, 1, 2.5, 7.9)
    assert by_name["เบี้ยยังชีพผู้สูงอายุ"] == ("เบี้ยยังชีพผู้สูงอายุ", "กองสวัสดิการสังคม", 1, 1, 2, 50.0, 2, 0, 0, 4.5, 4.5)
    assert per_service.total == ("รวม", None, 7, 5, 12, 58.33, 10, 1, 1, 3.0, 7.8)
    per_month = next(t for t in doc.tables() if t.sheet == "คำร้องรายเดือน")
    assert [r[1:4] for r in per_month.rows] == [(2, 3, 5), (1, 1, 2), (2, 0, 2), (1, 0, 1), (0, 1, 1), (1, 0, 1)]
    figures = dict(doc.sections[0].blocks[1].items)
    assert figures["คำร้องออนไลน์ / ผู้รับบริการที่เคาน์เตอร์"] == "7 / 5 ราย"

    xlsx = produce("service-statistics", "xlsx", ctx).content
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert "คำร้องออนไลน์และงานบริการที่เคาน์เตอร์ จำแนกตามบริการ" in cells
    pdf = PdfReader(io.BytesIO(produce("service-statistics", "pdf", ctx).content))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "P90" in text
    for found in (cells, text):
        assert "0899999999" not in found and "สมศรี" not in found and "user:U" not in found


def test_satisfaction_by_channel(seeded):
    data = satisfaction.compute(context(seeded))
    channels = {c: (sources, pooled.n // 5, pooled.mean) for c, sources, pooled in data.by_channel}
    assert channels == {
        "online": ((("eservice", 2),), 2, 4.5),  # (5 + 4) / 2
        "counter": ((("counter", 1), ("qr", 1)), 2, 3.0),  # (2 + 4) / 2
        "line": ((("menu", 1), ("handbook", 1)), 2, 4.0),  # (5 + 3) / 2
    }
    table = next(t for t in satisfaction.build(context(seeded)).tables() if t.sheet == "ตามช่องทาง")
    assert table.rows[0] == ("คำร้องออนไลน์", "เมื่อคำร้องออนไลน์ดำเนินการเสร็จ 2", 2, 33.33, 4.5, "มาก")
    assert table.rows[1][:3] == ("ที่จุดให้บริการ (เคาน์เตอร์)", "เจ้าหน้าที่บันทึกที่เคาน์เตอร์ 1 · สแกน QR ที่จุดให้บริการ 1", 2)
    assert table.total == ("รวม", None, 6, 100.0, 3.83, "มาก")


# --- the command line ---------------------------------------------------------------------------------


def test_the_command_line_lists_requests_as_json_and_changes_a_status(served, fake_line):
    citizen = Chat(served, fake_line)
    item = add_request(served.db, uid=citizen.uid)
    other = add_request(served.db, service="equipment-loan", answers={"items": "เต็นท์ 2 หลัง"})
    with transaction(served.db):
        store.update(served.db, other.id, "received", status="rejected", reject_reason="x", closed_at=1.0)

    listed = cli(served, fake_line, "requests", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["number"] for r in rows] == [other.number, item.number]  # newest first
    assert set(rows[1]) == {"number", "service", "status", "channel", "created", "due"}
    assert (rows[1]["service"], rows[1]["status"], rows[1]["channel"], rows[1]["due"]) == (
        "drinking-water-delivery", "received", "online", item.due_on)
    created = datetime.fromisoformat(rows[1]["created"])
    assert created.utcoffset().total_seconds() == 7 * 3600 and abs(created.timestamp() - item.created_at) < 1
    assert "0812345678" not in listed.stdout and "เต็นท์" not in listed.stdout
    opened = cli(served, fake_line, "requests", "list", "--json", "--open")
    assert [json.loads(line)["number"] for line in opened.stdout.splitlines()] == [item.number]

    changed = cli(served, fake_line, "requests", "set-status", item.number, "done", "--note", "ส่งน้ำแล้วค่ะ", "--by", "ปลัดสมศักดิ์")
    assert changed.returncode == 0, changed.stderr
    assert f"{item.number}: ดำเนินการเสร็จแล้ว (done)" in changed.stdout and "sent" in changed.stdout
    text, question = wait_until(lambda: citizen.pushed() if len(citizen.pushed()) >= 2 else None)
    assert "ส่งน้ำแล้วค่ะ" in text["text"] and "พึงพอใจ" in question["text"]
    events = store.events(served.db, item.id)
    assert (events[-1].actor, events[-1].to_status) == ("ปลัดสมศักดิ์", "done")

    refused = cli(served, fake_line, "requests", "set-status", item.number, "accepted", "--by", "ปลัด")
    assert refused.returncode == 1 and "a done request cannot become accepted" in refused.stderr
    no_reason = cli(served, fake_line, "requests", "set-status", str(item.id), "in_progress", "--by", "ปลัด")
    assert no_reason.returncode == 0  # by id: staff correct a mistake
    rejected = cli(served, fake_line, "requests", "set-status", item.number, "rejected", "--by", "ปลัด")
    assert rejected.returncode == 1 and re.search(r"--reason", rejected.stderr)
    assert len(wait_until(lambda: citizen.pushed()[2:])) == 1  # done (2 messages), then back in progress
