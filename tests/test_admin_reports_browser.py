"""The reports page in a real browser (Debian's Chromium through Playwright): an admin picks the
satisfaction report of FY 2570's 6-month round, looks at the preview and downloads the PDF and
the Excel file; an auditor downloads the corruption counts. Screenshots and the downloaded
files are kept in test-output/reports/."""
from __future__ import annotations

import io

import openpyxl
import pytest
from pypdf import PdfReader

from admin_support import Console
from bot import create_app
from helpers import ServedApp
from report_support import AS_OF, make_content, seed_all
from test_admin_browser import Tab, browser  # noqa: F401  (the browser fixture)
from test_reports_files import OUTPUT, squash


@pytest.fixture
def site(settings, tmp_path, monkeypatch):
    from bot.console.pages import reports as reports_page

    monkeypatch.setattr(reports_page, "now", lambda: AS_OF)  # statuses as of 20 April 2027
    content = make_content(tmp_path)
    with ServedApp(create_app(settings.with_(content_dir=content, start_worker=False))) as served:
        console = Console(served.app)
        seed_all(console.db, content)
        console.make_user("somchai", "admin", display_name="สมชาย ใจดี")
        console.make_user("malee", "auditor", display_name="มาลี ตรวจสอบ")
        yield served


@pytest.fixture
def tab(browser, site):  # noqa: F811
    opened = Tab(browser, site.url)
    yield opened
    assert opened.problems == [], opened.problems
    opened.close()


def test_admin_previews_and_downloads_the_6_month_satisfaction_report(tab):
    page = tab.login("somchai")
    page.get_by_role("link", name="รายงานเผยแพร่").click()
    page.wait_for_load_state()
    page.get_by_label("รายงานผลการประเมินความพึงพอใจในการให้บริการ").check()
    page.get_by_label("ปีงบประมาณ (พ.ศ.)").select_option("2570")
    page.get_by_label("รอบรายงาน").select_option("6")
    page.get_by_role("button", name="ดูตัวอย่างบนหน้าจอ").click()
    page.wait_for_load_state()
    preview = page.locator("#preview-title")
    assert preview.inner_text() == "รายงานผลการประเมินความพึงพอใจในการให้บริการ"
    assert "ภาพรวมทุกด้าน" in page.locator("main").inner_text()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "console-reports-form.png"))
    page.locator("section[aria-labelledby=preview-title]").screenshot(path=str(OUTPUT / "console-reports-preview.png"))

    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="ดาวน์โหลด PDF").click()
    pdf = pdf_download.value
    assert pdf.suggested_filename == "satisfaction_fy2570-r6.pdf"
    saved = OUTPUT / "console-satisfaction_fy2570-r6.pdf"
    pdf.save_as(saved)
    text = squash("".join(p.extract_text() for p in PdfReader(saved).pages))
    assert squash("ประจำปีงบประมาณ พ.ศ. 2570 รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)") in text
    assert squash("ภาพรวมทุกด้าน 25 3.76 1.05 75.20 มาก 4.00 -0.24") in text

    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="ดาวน์โหลด Excel (XLSX)").click()
    xlsx = xlsx_download.value
    assert xlsx.suggested_filename == "satisfaction_fy2570-r6.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(open(xlsx.path(), "rb").read()))
    assert book["รายด้าน"]["C10"].value == 3.76


def test_auditor_downloads_the_corruption_counts(tab):
    page = tab.login("malee")
    page.goto("/admin/reports")
    assert page.get_by_label("รายงานสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ").is_checked()  # the only one offered
    assert page.get_by_label("รายงานสถิติการให้บริการ").count() == 0
    page.get_by_label("ปีงบประมาณ (พ.ศ.)").select_option("2570")
    page.get_by_label("รอบรายงาน").select_option("6")
    with page.expect_download() as download:
        page.get_by_role("button", name="ดาวน์โหลด PDF").click()
    assert download.value.suggested_filename == "corruption-reports_fy2570-r6.pdf"
    text = squash("".join(p.extract_text() for p in PdfReader(download.value.path()).pages))
    assert squash("เรื่องที่ได้รับในช่วงนี้ 3 เรื่อง") in text
