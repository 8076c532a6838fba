"""The console's reports page: who may produce which report, the files, the preview, the audit log."""
from __future__ import annotations

import io

import openpyxl
import pytest
from pypdf import PdfReader

from admin_support import Console
from bot import create_app
from db import audit_log
from report_support import AS_OF, make_content, seed_all
from test_reports_files import squash

R6 = {"kind": "satisfaction", "fy": "2570", "round": "6"}


@pytest.fixture
def people(settings, tmp_path, monkeypatch):
    # The page reports as of now; the seed's statuses are worked out for 20 April 2027.
    from bot.console.pages import reports as reports_page

    monkeypatch.setattr(reports_page, "now", lambda: AS_OF)
    content = make_content(tmp_path)
    app = create_app(settings.with_(start_worker=False, content_dir=content))
    console = Console(app)
    seed_all(console.db, content)
    console.make_user("boss", "admin")
    console.make_user("wichai", "staff", "engineering")
    console.make_user("auditor1", "auditor")
    yield console
    console.db.close()


def pdf_text(response) -> str:
    return squash("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))


def test_admin_downloads_the_round_as_pdf_and_xlsx(people):
    client = people.login("boss")
    page = client.get("/admin/reports").get_data(as_text=True)
    for title in ("รายงานผลการประเมินความพึงพอใจในการให้บริการ", "รายงานสถิติการให้บริการ",
                  "รายงานการเปิดโอกาสให้ประชาชนมีส่วนร่วม", "รายงานผลการติดตามการดำเนินงานตามมาตรการ"):
        assert title in page
    assert "corruption-reports" not in page  # not even offered to an admin
    pdf = client.get("/admin/reports/file", query_string={**R6, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="satisfaction_fy2570-r6.pdf"'
    assert squash("ภาพรวมทุกด้าน 25 3.76 1.05 75.20 มาก 4.00 -0.24") in pdf_text(pdf)
    xlsx = client.get("/admin/reports/file", query_string={**R6, "kind": "measure-follow-up", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.headers["Content-Disposition"].endswith('measure-follow-up_fy2570-r6.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert [r for r in book["สรุปตามมาตรการ"].iter_rows(min_row=5, max_row=5, values_only=True)][0] == (
        "1. แนวทางการใช้งบประมาณ", 4, 1, 1, 2, 0)
    entries = audit_log.search(people.db, audit_log.AuditFilter(action="report.produce"), limit=10)
    assert [(e.actor, e.target, e.details["format"]) for e in entries] == [
        ("boss", "report:measure-follow-up", "xlsx"), ("boss", "report:satisfaction", "pdf")]
    assert entries[1].details["period"] == "รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)"


def test_admin_may_choose_a_division_and_sees_a_preview(people):
    client = people.login("boss")
    page = client.get("/admin/reports", query_string={**R6, "show": "1", "division": "engineering"}).get_data(as_text=True)
    assert "เฉพาะกองช่าง" in page and "ขอใช้น้ำประปา" in page and "เบี้ยยังชีพผู้สูงอายุ" not in page
    page = client.get("/admin/reports", query_string={**R6, "show": "1"}).get_data(as_text=True)
    assert "ภาพรวมทุกด้าน" in page and "3.76" in page and "เบี้ยยังชีพผู้สูงอายุ" in page
    # A comment that looks like markup or a formula is shown as text
    assert "=1+1 รอคิวนาน" in page and "<script" not in page.split("</header>")[1].replace('<script src="/static', "")


def test_staff_get_only_their_division_whatever_they_ask(people):
    client = people.login("wichai")
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "กองช่าง (เฉพาะกองของท่าน)" in page and 'name="division"' not in page
    pdf = client.get("/admin/reports/file", query_string={**R6, "format": "pdf", "division": "welfare"})
    text = pdf_text(pdf)
    assert pdf.status_code == 200 and squash("เฉพาะกองช่าง") in text
    assert squash("ขอใช้น้ำประปา") in text and squash("เบี้ยยังชีพผู้สูงอายุ") not in text
    assert pdf.headers["Content-Disposition"].endswith('satisfaction_fy2570-r6_engineering.pdf"')
    assert client.get("/admin/reports/file", query_string={**R6, "kind": "corruption-reports", "format": "pdf"}).status_code == 403
    assert client.get("/admin/reports", query_string={**R6, "kind": "corruption-reports", "show": "1"}).status_code == 403


def test_only_the_auditor_gets_the_corruption_counts(people):
    auditor = people.login("auditor1")
    page = auditor.get("/admin/reports").get_data(as_text=True)
    assert "รายงานสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ" in page and "รายงานสถิติการให้บริการ" not in page
    pdf = auditor.get("/admin/reports/file", query_string={**R6, "kind": "corruption-reports", "format": "pdf"})
    assert pdf.status_code == 200 and squash("เรื่องที่ได้รับในช่วงนี้ 3 เรื่อง") in pdf_text(pdf)
    assert "รายละเอียดลับ" not in pdf_text(pdf)
    assert auditor.get("/admin/reports/file", query_string={**R6, "format": "pdf"}).status_code == 403
    admin = people.login("boss")
    assert admin.get("/admin/reports/file", query_string={**R6, "kind": "corruption-reports", "format": "xlsx"}).status_code == 403


def test_mistakes_come_back_to_the_form_in_thai(people):
    client = people.login("boss")
    back = client.get("/admin/reports/file", query_string={**R6, "round": "dates", "from": "31/12/2569", "to": "1/10/2569", "format": "pdf"})
    assert back.status_code == 302 and "/admin/reports" in back.headers["Location"]
    assert "วันที่เริ่มต้องไม่อยู่หลังวันที่สิ้นสุด" in client.get(back.headers["Location"]).get_data(as_text=True)
    page = client.get("/admin/reports", query_string={**R6, "round": "dates", "show": "1"}).get_data(as_text=True)
    assert "กรุณากรอกวันที่เริ่มและวันที่สิ้นสุด" in page
    assert client.get("/admin/reports/file", query_string={**R6, "kind": "nothing", "format": "pdf"}).status_code == 404
    assert client.get("/admin/reports/file", query_string={**R6, "format": "docx"}).status_code == 302
    dated = client.get("/admin/reports/file", query_string={**R6, "round": "dates", "from": "1/10/2569", "to": "31/12/2569", "format": "pdf"})
    assert dated.status_code == 200 and dated.headers["Content-Disposition"].endswith('satisfaction_2569-10-01_2569-12-31.pdf"')
    assert squash("ระหว่างวันที่ 1 ตุลาคม 2569 – 31 ธันวาคม 2569") in pdf_text(dated)
