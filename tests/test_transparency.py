"""The public /transparency pages: figures only, frozen when a round closes, live until then.

The database is seeded with personal data a public page must never show: a phone number and
a name in what citizens wrote (ticket descriptions, a rating's comment, a question), their LINE
ids, staff names (staff_people, assignees, closures, what staff told the citizen), a name in a
location's title and the details of a corruption report. Every page and file (HTML; PDF read
back with pypdfium2; XLSX with openpyxl) is checked for all of them.

"Today" is 20 April 2570 (2027-04-20): in FY 2570, Q1, Q2 and the 6-month round have closed;
Q3 and the 12-month round are running.
"""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pypdfium2
import pytest

from bot import create_app
from bot.common.security_headers import SECURITY_HEADERS
from bot.common.thaidate import BANGKOK
from bot.transparency import pages, publish
from bot.transparency.catalogue import REPORTS
from db import corruption_reports, questions, ratings, ticket_closures, ticket_photos, tickets, transaction
from db import transparency as snapshots

AS_OF = datetime(2027, 4, 20, 10, 0, tzinfo=BANGKOK)
PHONE = "0812345678"
CITIZEN = "สมศรีมีสุข"  # a citizen's name, in a question, a comment and a description
STAFF = "วิชัยช่างซ่อม"  # a staff member's name
PLACE_OWNER = "บ้านนายสมชายใจดี"  # a person named in a location's title
SECRET_DETAILS = "ปลัดเรียกรับเงินสามหมื่น"
LINE_ID = "U" + "a1b2c3d4" * 4
PERSONAL = (PHONE, CITIZEN, STAFF, "สมชายใจดี", SECRET_DETAILS, LINE_ID, "16.034567", "102.456789")


def ts(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=BANGKOK).timestamp()


@pytest.fixture
def app(settings, monkeypatch):
    monkeypatch.setattr(pages, "_now", lambda: AS_OF)
    publish.clear_cache()
    application = create_app(settings.with_(start_worker=False))
    yield application
    publish.clear_cache()


@pytest.fixture
def db(app):
    return app.extensions["db_pool"].get()


@pytest.fixture
def client(app):
    return app.test_client()


def _ticket(db, key, category, created, *, topic=None, status="received", closed=None, location=None, **changes):
    t, _ = tickets.create(
        db, prefix="KC", fiscal_year=2570, submission_key=key, category=category, topic=topic, service_id=None,
        division_id="engineering", chat_key=f"user:{LINE_ID}", line_user_id=LINE_ID,
        description=f"ไฟดับหน้าบ้าน {CITIZEN} โทร {PHONE}", location=location, photo_message_ids=[], now=created,
    )
    if status != "received":
        assert tickets.update(db, t.id, "received", status=status, closed_at=closed, **changes)
    return t


def _closure(db, ticket_id, closed_at, outcome, photo: bytes | None = None) -> str | None:
    closure = ticket_closures.add(db, ticket_id, closed_by=STAFF, note=f"{STAFF} ซ่อมแล้ว", at=closed_at)
    if outcome != "pending":
        assert ticket_closures.decide(db, closure.id, outcome, closed_at + 3600, reason=f"ยังไม่เสร็จ {PHONE}" if outcome == "reopened" else None)
    if photo is None:
        return None
    photo_id = ticket_photos.add(db, ticket_id, f"m{ticket_id}", kind="after", closure_id=closure.id, now=closed_at)
    db.execute("UPDATE ticket_photos SET status = 'stored', content = ?, content_type = 'image/jpeg' WHERE id = ?", (photo, photo_id))
    return db.execute("SELECT public_token FROM ticket_photos WHERE id = ?", (photo_id,)).fetchone()[0]


@pytest.fixture
def seeded(db):
    """Tickets of every category (village ones with places and closures), ratings with a
    comment, questions, staff names and a corruption report. Returns the after-photo tokens."""
    near = {"latitude": 16.034567, "longitude": 102.456789, "title": f"{PLACE_OWNER} หมู่ที่ 3", "address": "ต.คอนฉิม"}
    with transaction(db):
        db.execute("INSERT INTO staff_people (line_user_id, name, position, updated_at) VALUES (?, ?, 'นายช่าง', ?)",
                   ("U" + "9" * 32, STAFF, ts(2026, 10, 1)))
        road = _ticket(db, "road", "village", ts(2026, 11, 1), topic="road", status="resolved", closed=ts(2026, 11, 5),
                       resolved_at=ts(2026, 11, 5), resolution=f"{STAFF} ซ่อมถนนแล้ว โทร {PHONE}", location=near,
                       assignee_name=STAFF, assignee_user_id="U" + "9" * 32)
        confirmed = _closure(db, road.id, ts(2026, 11, 5), "confirmed", b"\xff\xd8confirmed-photo")
        light = _ticket(db, "light", "village", ts(2027, 2, 1), topic="light", status="resolved", closed=ts(2027, 4, 19),
                        resolved_at=ts(2027, 4, 19), resolution="เปลี่ยนหลอดแล้ว")
        pending = _closure(db, light.id, ts(2027, 4, 19), "pending", b"\xff\xd8pending-photo")
        waste = _ticket(db, "waste", "village", ts(2027, 4, 10), topic="waste", status="in_progress")
        _ticket(db, "official", "complaint_official", ts(2026, 12, 3), status="rejected", closed=ts(2026, 12, 4),
                reject_reason=f"{CITIZEN} ถอนเรื่อง")
        _ticket(db, "suggest", "suggestion", ts(2027, 1, 12), status="resolved", closed=ts(2027, 1, 15),
                resolved_at=ts(2027, 1, 15), resolution=f"แจ้ง {CITIZEN} แล้ว")
        ratings.save(db, chat_key=f"user:{LINE_ID}", service_id="elderly-allowance", division_id="welfare", rated_on="2026-11-02",
                     fiscal_year=2570, scores=dict(zip(ratings.ASPECTS, (5, 4, 4, 5, 5))),
                     comment=f"ขอบคุณคุณ{CITIZEN} ติดต่อกลับ {PHONE}", source="menu")
        questions.record(db, ref="q1", chat_key=f"user:{LINE_ID}", user_id=LINE_ID, question=f"ฉันชื่อ{CITIZEN} ขอเบี้ยยังชีพ",
                         outcome="unanswered", procedure_id=None, section=None, now=ts(2026, 10, 20))
        corruption_reports.create(db, anonymous=True, chat_key=None, line_user_id=None, details=SECRET_DETAILS, received_on="2026-12-01")
    return {"confirmed": confirmed, "pending": pending, "waste": waste}


def _pdf_text(content: bytes) -> str:
    pdf = pypdfium2.PdfDocument(content)
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)


def _urls() -> list[str]:
    out = ["/transparency", "/transparency/2570", "/transparency/corruption-guideline", "/transparency/problems",
           "/transparency/problems?status=closed"]
    for slug, report in REPORTS.items():
        base = f"/transparency/2570/{slug}"
        out += [base, base + ".pdf", base + ".xlsx"]
        for key in report.rounds:
            if key not in ("q4",):  # not begun on 20 April
                out += [f"{base}/{key}", f"{base}/{key}.pdf", f"{base}/{key}.xlsx"]
    return out


def _text(response) -> str:
    kind = response.mimetype
    if kind == "application/pdf":
        return _pdf_text(response.data)
    if kind.startswith("application/vnd.openxmlformats"):
        return _xlsx_text(response.data)
    return response.get_data(as_text=True)


def _assert_nothing_personal(client):
    checked = 0
    for url in _urls():
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response)
        assert "2570" in text, url  # the extraction works: the fiscal year is in every page and file
        for personal in PERSONAL:
            assert personal not in text, (url, personal)
        checked += 1
    return checked


def test_no_page_or_file_shows_personal_data_live_or_published(app, client, db, seeded):
    assert _assert_nothing_personal(client) >= 80
    published = publish.publish_due(db, app.extensions["handbook_store"].current(), app.config["SETTINGS"].content_dir, AS_OF)
    assert {(s.report, s.round) for s in published} >= {("complaints", "q1"), ("complaints", "q2"), ("satisfaction", "r6"),
                                                        ("corruption-reports", "r6"), ("measures", "r6")}
    assert all(s.version == 1 for s in published)
    publish.clear_cache()
    _assert_nothing_personal(client)


def test_the_personal_strings_are_in_the_sao_s_own_reports(app, db, seeded):
    """The check above can fail: the internal reports (console) do carry the comment and what staff wrote."""
    from bot.reports import produce
    from bot.reports.context import ReportContext
    from bot.reports.period import ReportPeriod

    ctx = ReportContext.load(db, app.config["SETTINGS"].content_dir, ReportPeriod.of_round(2570, 6), now=AS_OF)
    assert PHONE in _xlsx_text(produce("satisfaction", "xlsx", ctx).content)
    assert STAFF in _xlsx_text(produce("participation", "xlsx", ctx).content)


def test_a_published_round_is_frozen_and_a_correction_is_a_new_version(app, client, db, seeded):
    content = app.extensions["handbook_store"].current()
    content_dir = app.config["SETTINGS"].content_dir
    publish.publish_due(db, content, content_dir, AS_OF)
    page = client.get("/transparency/2570/complaints/q1").get_data(as_text=True)
    pdf = client.get("/transparency/2570/complaints/q1.pdf").data
    xlsx = client.get("/transparency/2570/complaints/q1.xlsx").data
    (v1,) = snapshots.versions(db, "complaints", 2570, "q1")
    frozen = snapshots.content(db, v1.id, "html")
    assert frozen in page and "ฉบับที่ 1" in page and "เผยแพร่เมื่อ" in page
    assert "<dt>เรื่องที่ได้รับในช่วงนี้</dt><dd>2 เรื่อง</dd>" in frozen  # Q1 (October–December): the road, the official
    # Later data: two more tickets in Q1, one closed. The published round does not move.
    with transaction(db):
        _ticket(db, "late1", "village", ts(2026, 12, 20), topic="water")
        _ticket(db, "late2", "suggestion", ts(2026, 10, 2), status="resolved", closed=ts(2026, 10, 3), resolved_at=ts(2026, 10, 3))
    publish.clear_cache()
    assert frozen in client.get("/transparency/2570/complaints/q1").get_data(as_text=True)
    assert client.get("/transparency/2570/complaints/q1.pdf").data == pdf
    assert client.get("/transparency/2570/complaints/q1.xlsx").data == xlsx
    # Publishing again changes nothing: the round has its snapshot.
    assert publish.publish_due(db, content, content_dir, AS_OF) == []
    # A correction: version 2, with its note, from today's data; version 1 stays reachable.
    v2 = publish.republish(db, content, content_dir, "complaints", 2570, "q1", "เพิ่มเรื่องที่บันทึกล่าช้า 2 เรื่อง", "command-line", at=AS_OF)
    assert v2.version == 2
    page2 = client.get("/transparency/2570/complaints/q1").get_data(as_text=True)
    assert "เพิ่มเรื่องที่บันทึกล่าช้า 2 เรื่อง" in page2 and "ฉบับที่ 2" in page2
    assert "<dt>เรื่องที่ได้รับในช่วงนี้</dt><dd>4 เรื่อง</dd>" in page2
    assert frozen not in page2
    assert "/transparency/2570/complaints/q1?v=1" in page2
    old = client.get("/transparency/2570/complaints/q1?v=1")
    assert frozen in old.get_data(as_text=True)
    assert client.get("/transparency/2570/complaints/q1.pdf?v=1").data == pdf
    assert client.get("/transparency/2570/complaints/q1.pdf").data != pdf
    assert client.get("/transparency/2570/complaints/q1?v=3").status_code == 404
    with pytest.raises(publish.RepublishError):
        publish.republish(db, content, content_dir, "complaints", 2570, "q3", "ยังไม่สิ้นรอบ", "x", at=AS_OF)
    with pytest.raises(publish.RepublishError):
        publish.republish(db, content, content_dir, "complaints", 2570, "q1", "  ", "x", at=AS_OF)


def test_the_running_round_is_live_with_its_as_of_date(app, client, db, seeded):
    page = client.get("/transparency/2570/complaints").get_data(as_text=True)  # the default: the running quarter
    assert "ไตรมาสที่ 3" in page and "ข้อมูล ณ วันที่ 20 เม.ย. 2570 เวลา 10.00 น." in page
    assert "รอบนี้ยังไม่สิ้นสุด" in page and "<dt>เรื่องที่ได้รับในช่วงนี้</dt><dd>1 เรื่อง</dd>" in page  # waste, 10 April
    with transaction(db):
        _ticket(db, "new", "village", ts(2027, 4, 15), topic="road")
    publish.clear_cache()
    assert "<dt>เรื่องที่ได้รับในช่วงนี้</dt><dd>2 เรื่อง</dd>" in client.get("/transparency/2570/complaints").get_data(as_text=True)
    # A closed round with no snapshot yet is shown live too, saying the official one follows.
    assert "ระบบจะเผยแพร่ฉบับทางการในคืนถัดไป" in client.get("/transparency/2570/complaints/q1").get_data(as_text=True)
    # A round not yet begun, an unknown report or year: Thai 404s.
    for url in ("/transparency/2570/complaints/q4", "/transparency/2570/nothing", "/transparency/2571", "/transparency/2570/satisfaction/q1"):
        response = client.get(url)
        assert response.status_code == 404 and "ไม่พบหน้านี้" in response.get_data(as_text=True), url


def test_the_problem_board_shows_village_problems_and_confirmed_after_photos_only(client, seeded):
    page = client.get("/transparency/problems").get_data(as_text=True)
    assert page.count("class=\"tp-status ") == 3  # road, light, waste: never the complaint about an official or the suggestion
    assert "ถนนหรือทางชำรุด" in page and "ขยะ" in page and "หมู่ 3" in page
    assert "16.03, 102.46" in page  # about 1 km
    assert f"/photos/{seeded['confirmed']}" in page
    assert seeded["pending"] not in page  # not confirmed yet
    assert "ดำเนินการมาแล้ว 10 วัน" in page and "ปิดเรื่องใน 4 วัน" in page
    closed = client.get("/transparency/problems?status=closed").get_data(as_text=True)
    assert closed.count("class=\"tp-status ") == 2
    assert client.get(f"/photos/{seeded['confirmed']}").data == b"\xff\xd8confirmed-photo"


def test_the_corruption_guideline_has_counts_only(client, seeded):
    page = client.get("/transparency/corruption-guideline").get_data(as_text=True)
    assert "แจ้งเบาะแสทุจริต" in page and "หน่วยตรวจสอบภายใน" in page and "ไม่เปิดเผยตัวตน" in page
    assert "พ.ศ. 2568" in page and "โดยสุจริต" in page
    assert "เรื่องที่ได้รับ</dt><dd>1 เรื่อง" in page
    assert SECRET_DETAILS not in page


def test_the_handbook_list_links_every_service(app, client):
    page = client.get("/transparency/2570/handbook").get_data(as_text=True)
    procedures = app.extensions["handbook_store"].current().handbook.procedures
    assert procedures and all(f'href="/handbook/{p.id}"' in page for p in procedures)
    assert "ข้อมูล ณ วันที่" in page
    assert client.get("/transparency/2570/handbook.xlsx").status_code == 200


@pytest.mark.parametrize("url", ["/transparency", "/transparency/2570/complaints", "/transparency/2570/complaints.pdf",
                                 "/transparency/problems", "/transparency/corruption-guideline", "/transparency/static/transparency.css",
                                 "/transparency/2570/nothing"])
def test_every_transparency_response_sends_the_security_headers(client, url):
    response = client.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (url, name)


def test_pages_use_no_inline_style_or_script(client, seeded):
    """The CSP allows no inline style or script: bars are classes, not style attributes."""
    for url in ("/transparency/2570/complaints", "/transparency/2570/service-statistics", "/transparency/problems"):
        page = client.get(url).get_data(as_text=True)
        assert "style=" not in page and "<script" not in page and "<style" not in page, url
        assert "tp-bar" in page or url.endswith("problems")


def test_the_clock_publishes_daily_at_one(settings, monkeypatch):
    from scheduler import clock

    assert ("publish-transparency", {"hour": 1, "minute": 0}, 12 * 3600) in clock.TIMETABLE
    assert clock.JOBS["publish-transparency"](settings, AS_OF)["published"] > 0
    assert clock.JOBS["publish-transparency"](settings, AS_OF)["published"] == 0


def test_the_command_line_republishes_with_a_note(settings, capsys):
    from bot.__main__ import main
    from db import open_database

    import argparse

    from bot.transparency.cli import COMMANDS, cmd_transparency

    assert "transparency" in COMMANDS
    with pytest.raises(SystemExit):
        main(["transparency", "republish", "2570", "complaints", "q1"])  # --note is required

    publish.publish_due(open_database(settings.database_path), _content(settings), settings.content_dir, AS_OF)
    args = argparse.Namespace(transparency_command="republish", fy=2569, report="satisfaction", round="r6", note="แก้คะแนนที่บันทึกซ้ำ")
    assert cmd_transparency(args, settings) == 0
    db = open_database(settings.database_path)
    (v1, v2) = snapshots.versions(db, "satisfaction", 2569, "r6")
    assert v2.note == "แก้คะแนนที่บันทึกซ้ำ" and v2.published_by == "command-line"
    assert db.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'transparency.republish'").fetchone()[0] == 1


def _content(settings):
    from bot.transparency.cli import _content as load

    return load(settings)
