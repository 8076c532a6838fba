"""The reports as files: PDFs read back (pypdf) and rendered to PNG (pypdfium2), XLSX opened
with openpyxl, and the command line.

The Thai read back from a PDF is compared with what was expected after removing spaces and
zero-width spaces (a text extractor puts spaces where tone marks are positioned and line
breaks where text wraps); a missing glyph, a wrong character mapping or text cut mid-word
would still fail. The first and a landscape page of each PDF are kept as PNG in
test-output/reports/ for a person to look at.
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from bot.config import PROJECT_ROOT
from bot.reports import KINDS, ReportContext, ReportPeriod, produce
from db import audit_log, open_database
from report_support import AS_OF, make_content, seed_all

OUTPUT = PROJECT_ROOT / "test-output" / "reports"
_SPACES = re.compile(r"[\s\u200b]+")


def squash(text: str) -> str:
    return _SPACES.sub("", text)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-files")
    content = make_content(folder)
    db_path = folder / "reports.sqlite3"
    db = open_database(db_path)
    seed_all(db, content)
    yield db, content, db_path
    db.close()


@pytest.fixture(scope="module")
def files(seeded):
    """Every report of the 6-month round of FY 2570, in both formats."""
    db, content, _ = seeded
    ctx = ReportContext.load(db, content, ReportPeriod.of_round(2570, 6), now=AS_OF)
    return {(kind, fmt): produce(kind, fmt, ctx) for kind in KINDS for fmt in ("pdf", "xlsx")}


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def save_png(content: bytes, name: str, page: int = 0) -> Path:
    import pypdfium2 as pdfium

    OUTPUT.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(content)
    try:
        image = document[page].render(scale=2).to_pil()
    finally:
        document.close()
    path = OUTPUT / f"{name}-page{page + 1}.png"
    image.save(path)
    return path


EXPECTED = {
    "satisfaction": [
        "รายงานผลการประเมินความพึงพอใจในการให้บริการ",
        "ประจำปีงบประมาณ พ.ศ. 2570 รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)",
        "ข้อมูล ณ วันที่ 20 เมษายน 2570 เวลา 10.00 น.",
        "ความพึงพอใจภาพรวม ค่าเฉลี่ย 3.76 (ร้อยละ 75.20) ระดับมาก",
        "เทียบกับรอบก่อน ลดลง 0.24",
        "4.51 – 5.00 มากที่สุด",
        "ด้านสิ่งอำนวยความสะดวก (สถานที่ ที่นั่งรอ ห้องน้ำ) 5 3.20 0.84 64.00 ปานกลาง 4.00 -0.80",
        "ภาพรวมทุกด้าน 25 3.76 1.05 75.20 มาก 4.00 -0.24",
        "เบี้ยยังชีพผู้สูงอายุ กองสวัสดิการสังคม 3 4.67 4.67 3.67 4.67 4.67 4.47 89.33 มาก 3.50 0.97",
        "ค่าเฉลี่ยความพึงพอใจรายด้าน เทียบกับรอบก่อน",
        "บริการดีมาก เจ้าหน้าที่ใจดีค่ะ 2",  # the 🙏 has no glyph in Sarabun: left out of the PDF
        "=1+1 รอคิวนาน 1",
        "น้ำประปาไหลอ่อน",
    ],
    "service-statistics": [
        "รายงานสถิติการให้บริการ",
        "คำถามที่ประชาชนถามบอทผ่าน LINE 6 คำถาม",
        "ตอบจากคู่มือประชาชนได้ 4 คำถาม (ร้อยละ 66.67)",
        "เวลาตอบ (มัธยฐาน) 27.00 ชั่วโมง",
        "เรื่องเสนอแนะ/ร้องเรียนที่ได้รับ 6 เรื่อง ปิดเรื่องแล้ว 5 เรื่อง",
        "เวลาตั้งแต่รับเรื่องถึงแก้ไขเสร็จ (มัธยฐาน) 2.00 วัน",
        "เบี้ยยังชีพผู้สูงอายุ กองสวัสดิการสังคม 2 2 0 0 0 1 1 0",
        "ไม่ระบุบริการ – 2 0 0 1 1 0 0 1",
        "กองช่าง 2 1 0 0.00 1 1 48.00 48.00",
        "ปัญหาในหมู่บ้าน 2 0 0 0 0 1 1 0 4.00",  # received, accepted, in progress, reopened, resolved, forwarded, rejected
    ],
    "participation": [
        "รายงานการเปิดโอกาสให้ประชาชนมีส่วนร่วม",
        "ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น (15 ก.พ. 2570) ประชุมประชาคมหมู่บ้าน 83",
        "หมู่ 1 บ้านคอนฉิม ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น 45",
        "การมีส่วนร่วมผ่าน LINE ไม่ได้บันทึกหมู่บ้านของผู้ใช้",
        "รวม 6 3 1 1 1 2 4.00 มาก",
        "KC-2570-00001 10 ต.ค. 2569 ข้อเสนอแนะเพื่อปรับปรุงบริการ เบี้ยยังชีพผู้สูงอายุ กองสวัสดิการสังคม แก้ไขเรียบร้อยแล้ว แก้ไขแล้ว: เพิ่มเก้าอี้รอคิวแล้ว 12 ต.ค. 2569 5",
        "ส่งต่อ การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่",
    ],
    "measure-follow-up": [
        "รายงานผลการติดตามการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน",
        "ส่งตรงเวลา 2 รายการ",
        "ยังไม่ส่ง (เลยกำหนด) 3 รายการ",
        "1. แนวทางการใช้งบประมาณ 4 1 1 2 0",
        "มาตรการที่ 1 แนวทางการใช้งบประมาณ",
        "รายงานผลไตรมาสที่ 1 (ต.ค.–ธ.ค. 2569) กองคลัง 15 ม.ค. 2570 19 ม.ค. 2570 ส่งล่าช้า 2 วันทำการ",
        "จัดกิจกรรมภายใน มี.ค. 2570 หน่วยตรวจสอบภายใน 31 มี.ค. 2570 20 มี.ค. 2570 จัดกิจกรรมแล้ว",
    ],
    "corruption-reports": [
        "รายงานสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ",
        "เรื่องที่ได้รับในช่วงนี้ 3 เรื่อง",
        "อยู่ระหว่างตรวจสอบข้อเท็จจริง 1 33.33",
        "รวม 3 100.00",
    ],
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_pdf_thai_reads_back_as_written(files, kind):
    produced = files[(kind, "pdf")]
    assert produced.content.startswith(b"%PDF-") and produced.filename == f"{kind}_fy2570-r6.pdf"
    pages = pdf_pages(produced.content)
    text = squash("\n".join(pages))
    for expected in EXPECTED[kind] + ["องค์การบริหารส่วนตำบลคอนฉิม", "ตำบลคอนฉิม อำเภอแวงใหญ่ จังหวัดขอนแก่น 40330"]:
        assert squash(expected) in text, f"{kind}: {expected!r} not in the PDF's text"
    for number, page in enumerate(pages, start=1):
        assert squash(f"หน้า {number}/{len(pages)}") in squash(page), f"page {number} has no page number"
        if number > 1:  # the running header: the SAO and the period
            assert squash("องค์การบริหารส่วนตำบลคอนฉิม ·") in squash(page) and squash("รอบ 6 เดือน") in squash(page)
    assert "\ufffd" not in text and "notdef" not in text
    reader = PdfReader(io.BytesIO(produced.content))
    names = {str(reader.get_object(ref)["/BaseFont"]) for page in reader.pages for ref in page["/Resources"]["/Font"].values()}
    assert names and all("Sarabun" in n for n in names), names  # Thai only in the shipped font, embedded
    # Secrets never reach a published file
    assert "รายละเอียดส่วนตัว" not in text and "รายละเอียดลับ" not in text


@pytest.mark.parametrize("kind", list(KINDS))
def test_pdf_renders_to_an_image(files, kind):
    """Kept in test-output/reports/ to look at; here: the page is not blank and has the title's ink."""
    content = files[(kind, "pdf")].content
    path = save_png(content, kind)
    from PIL import Image

    with Image.open(path) as image:
        grey = image.convert("L")
        dark = sum(grey.histogram()[:128])
        assert grey.size[0] > 1000 and dark > 5000, f"{path} looks blank"
        top = grey.crop((0, 0, grey.size[0], grey.size[1] // 5))
        assert sum(top.histogram()[:128]) > 1000  # the title block is drawn
    pages = len(PdfReader(io.BytesIO(content)).pages)
    if pages > 1:
        save_png(content, kind, page=1)


def test_wide_tables_are_on_landscape_pages(files):
    reader = PdfReader(io.BytesIO(files[("satisfaction", "pdf")].content))
    shapes = [(float(p.mediabox.width) > float(p.mediabox.height)) for p in reader.pages]
    assert shapes[0] is False and True in shapes  # portrait first page; the per-service table landscape
    landscape = [squash(p.extract_text()) for p, wide in zip(reader.pages, shapes) if wide]
    assert any(squash("ผลการประเมินความพึงพอใจรายบริการ") in t for t in landscape)


def sheet_rows(content: bytes, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [tuple(r) for r in book[sheet].iter_rows(values_only=True)]


def test_xlsx_one_sheet_per_table_with_thai_headers_and_numbers(files):
    content = files[("satisfaction", "xlsx")].content
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["รายงาน", "เกณฑ์การแปลผล", "รายด้าน", "การกระจายคำตอบ", "รายบริการ", "ตามช่องทาง", "รายเดือน", "ข้อเสนอแนะ"]
    cover = [r[0] for r in book["รายงาน"].iter_rows(values_only=True) if r[0]]
    assert cover[:5] == ["รายงานผลการประเมินความพึงพอใจในการให้บริการ", "องค์การบริหารส่วนตำบลคอนฉิม",
                         "ตำบลคอนฉิม อำเภอแวงใหญ่ จังหวัดขอนแก่น 40330",
                         "ประจำปีงบประมาณ พ.ศ. 2570 รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)",
                         "ข้อมูล ณ 20 เม.ย. 2570 เวลา 10.00 น."]
    rows = sheet_rows(content, "รายด้าน")
    assert rows[0][0] == "ผลการประเมินความพึงพอใจรายด้าน"
    assert rows[3] == ("ด้านที่ประเมิน", "จำนวนผู้ตอบ", "ค่าเฉลี่ย", "S.D.", "ร้อยละ", "ระดับความพึงพอใจ", "ค่าเฉลี่ยรอบก่อน", "เปลี่ยนแปลง")
    assert rows[4] == ("ด้านขั้นตอนและระยะเวลาการให้บริการ", 5, 3.8, 1.3, 76.0, "มาก", 4.0, -0.2)
    assert rows[9] == ("ภาพรวมทุกด้าน", 25, 3.76, 1.05, 75.2, "มาก", 4.0, -0.24)
    sheet = book["รายด้าน"]
    assert sheet.freeze_panes == "A5" and sheet["C5"].number_format == "#,##0.00" and sheet["A4"].font.b
    assert len(sheet._charts) == 1  # the same chart as the PDF's, as an Excel chart
    comments = sheet_rows(content, "ข้อเสนอแนะ")
    assert comments[3] == ("บริการ", "ข้อเสนอแนะ / ความคิดเห็น", "จำนวนครั้ง")
    # Citizen text starting like a formula stays text: a leading apostrophe, stored as a string
    assert ("เบี้ยยังชีพผู้สูงอายุ", "'=1+1 รอคิวนาน", 1) in comments
    assert ("เบี้ยยังชีพผู้สูงอายุ", "บริการดีมาก เจ้าหน้าที่ใจดีค่ะ 🙏", 2) in comments  # the XLSX keeps the emoji
    cell = next(c for row in book["ข้อเสนอแนะ"].iter_rows() for c in row if c.value == "'=1+1 รอคิวนาน")
    assert cell.data_type == "s"


def test_xlsx_of_every_report(files):
    tickets = sheet_rows(files[("participation", "xlsx")].content, "รายการเรื่อง")
    assert tickets[3][0] == "เลขที่" and len(tickets) == 4 + 6 + 2  # header rows, six tickets, blank + note
    staff_note = tickets[-1][0]
    assert "ไม่แสดงชื่อ" in staff_note
    injected = next(r for r in tickets if r[0] == "KC-2570-00007")
    assert injected[6] == "แก้ไขแล้ว: =cmd|' /C calc'!A0"  # inside a sentence: no formula anyway
    stats = sheet_rows(files[("service-statistics", "xlsx")].content, "ถามรายบริการรายเดือน")
    assert stats[3] == ("บริการ", "ต.ค. 2569", "พ.ย. 2569", "ธ.ค. 2569", "ม.ค. 2570", "ก.พ. 2570", "มี.ค. 2570", "รวม")
    assert stats[4] == ("เบี้ยยังชีพผู้สูงอายุ", 2, 0, 0, 0, 0, 0, 2) and stats[-1] == ("รวม", 3, 2, 0, 0, 1, 0, 6)
    every = sheet_rows(files[("measure-follow-up", "xlsx")].content, "รายการทั้งหมด")
    assert every[3] == ("มาตรการ", "รายการ", "ส่วนราชการ", "กำหนดส่ง", "วันที่รายงาน", "ผล")
    assert every[4] == (1, "รายงานผลไตรมาสที่ 1 (ต.ค.–ธ.ค. 2569)", "กองคลัง", "15 ม.ค. 2570", "19 ม.ค. 2570", "ส่งล่าช้า 2 วันทำการ")
    counts = sheet_rows(files[("corruption-reports", "xlsx")].content, "ตามสถานะ")
    assert counts[4] == ("ได้รับเรื่อง รอพิจารณา", 1, 33.33) and counts[9] == ("รวม", 3, 100.0)
    for kind in KINDS:
        book = openpyxl.load_workbook(io.BytesIO(files[(kind, "xlsx")].content))
        assert book.sheetnames[0] == "รายงาน" and len(book.sheetnames) >= 3
        for sheet in book.worksheets[1:]:
            assert all(isinstance(v, str) and v for v in next(sheet.iter_rows(min_row=4, max_row=4, values_only=True))), sheet.title


def test_an_empty_round_still_makes_every_file(seeded, tmp_path):
    db = open_database(tmp_path / "empty.sqlite3")
    ctx = ReportContext.load(db, seeded[1], ReportPeriod.of_round(2565, 6), now=AS_OF)
    for kind in KINDS:
        for fmt in ("pdf", "xlsx"):
            produced = produce(kind, fmt, ctx)
            assert len(produced.content) > 1000
    text = squash("".join(pdf_pages(produce("satisfaction", "pdf", ctx).content)))
    assert squash("ไม่มีผู้ตอบแบบประเมินในช่วงนี้") in text


def _cli(db_path: Path, content: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"DATABASE_PATH": str(db_path), "CONTENT_DIR": str(content), "PATH": "/usr/bin:/bin", "HOME": str(content)}
    return subprocess.run([sys.executable, "-m", "bot", "report", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_command_line_produces_the_round_and_records_it(seeded, tmp_path):
    db, content, db_path = seeded
    out = tmp_path / "out" / "satisfaction.pdf"
    done = _cli(db_path, content, "satisfaction", "--fy", "2570", "--round", "6", "--format", "pdf", "-o", str(out), "--as-of", "20/4/2570")
    assert done.returncode == 0, done.stderr
    assert "รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)" in done.stdout and out.exists()
    assert squash("ภาพรวมทุกด้าน 25 3.76 1.05 75.20 มาก 4.00 -0.24") in squash("".join(pdf_pages(out.read_bytes())))
    entry = audit_log.search(db, audit_log.AuditFilter(action="report.produce"), limit=5)[0]
    assert (entry.actor, entry.target, entry.details["format"], entry.details["period"]) == (
        "command-line", "report:satisfaction", "pdf", "รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)")
    xlsx = tmp_path / "eng.xlsx"
    done = _cli(db_path, content, "service-statistics", "--from", "1/10/2569", "--to", "2026-12-31", "--division", "engineering",
                "--format", "xlsx", "-o", str(xlsx))
    assert done.returncode == 0, done.stderr
    assert "เฉพาะกองช่าง" in done.stdout
    assert sheet_rows(xlsx.read_bytes(), "รายเดือน")[4][0] == "ต.ค. 2569"


def test_command_line_refuses_what_it_must(seeded, tmp_path):
    _, content, db_path = seeded
    out = tmp_path / "x.pdf"
    refused = _cli(db_path, content, "corruption-reports", "--fy", "2570", "--round", "6", "-o", str(out))
    assert refused.returncode == 3 and "--role auditor" in refused.stderr and not out.exists()
    ok = _cli(db_path, content, "corruption-reports", "--fy", "2570", "--round", "6", "--role", "auditor", "-o", str(out))
    assert ok.returncode == 0 and out.exists()
    bad = _cli(db_path, content, "satisfaction", "--from", "31/12/2569", "--to", "1/10/2569", "-o", str(out))
    assert bad.returncode == 2 and "วันที่เริ่มต้องไม่อยู่หลังวันที่สิ้นสุด" in bad.stderr
    bad = _cli(db_path, content, "satisfaction", "--division", "nowhere", "-o", str(out))
    assert bad.returncode == 2 and "unknown division" in bad.stderr
    bad = _cli(db_path, content, "satisfaction", "--fy", "2027", "-o", str(out))
    assert bad.returncode == 2 and "B.E." in bad.stderr
