"""The PDFs' text layer, read back with poppler's pdftotext (what a search, a copy or a screen
reader gets), and headings kept with what follows them (issue 20).

- Every report bot.reports can make, as a PDF: Thai words are found whole ("ตำบล", the SAO's
  name, headings), and no invisible character (zero-width space, joiner, BOM) or control
  character was put into the text to break lines or stand for a glyph.
- Lines break between Thai words, with nothing added: the lines joined are the text.
- A heading near the foot of a page goes to the next page with the start of its block.

pdftotext comes from Debian's poppler-utils (.ci/run installs it); without it these tests are
skipped, unless REQUIRE_PDFTOTEXT is set (CI), when they fail.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from pypdf import PdfReader

from bot.common.thaidate import BANGKOK
from bot.reports import KINDS, ReportContext, ReportPeriod, produce
from bot.reports import pdf_page as pp
from bot.reports import render_pdf as rp
from bot.reports.document import Column, Document, Figures, Paragraph, Section, Table
from bot.reports.thai_text import printable, words
from db import open_database
from report_support import AS_OF, make_content, seed_all

INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # \n, \f (a new page) and \r are a text's own
SAO = "คอนฉิม"

# Words of each report's headings, found whole in its text (spaces aside).
HEADINGS = {
    "satisfaction": ["ผลการประเมินรายด้าน", "ผลการประเมินรายบริการ", "สรุปผล", "ความพึงพอใจ"],
    "service-statistics": ["สรุปภาพรวม", "คำถามถึงคู่มือประชาชน", "สถิติรายเดือน", "เรื่องเสนอแนะและร้องเรียน"],
    "participation": ["เรื่องเสนอแนะและร้องเรียน", "ผลการดำเนินการ", "ความพึงพอใจต่อการแก้ไข", "สรุป"],
    "measure-follow-up": ["สรุปผลการติดตาม", "รายละเอียดแต่ละมาตรการ", "มาตรการ"],
    "corruption-reports": ["สรุป", "จำนวนเรื่องรายเดือน"],
}


def pdftotext(content: bytes, tmp_path, name: str = "file") -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("REQUIRE_PDFTOTEXT"):
            pytest.fail("pdftotext is missing: apt-get install poppler-utils")
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    result = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every report of the 6-month round of FY 2570 as a PDF."""
    folder = tmp_path_factory.mktemp("pdf-text")
    content = make_content(folder)
    db = open_database(folder / "reports.sqlite3")
    seed_all(db, content)
    ctx = ReportContext.load(db, content, ReportPeriod.of_round(2570, 6), now=AS_OF)
    yield {kind: produce(kind, "pdf", ctx) for kind in KINDS}
    db.close()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_report_pdf_reads_back_as_searchable_thai(reports, kind, tmp_path):
    produced = reports[kind]
    text = pdftotext(produced.content, tmp_path, kind)
    assert not INVISIBLE.findall(text), sorted(set(INVISIBLE.findall(text)))
    assert not CONTROL.findall(text), sorted(set(CONTROL.findall(text)))
    # Whole words, as a search would type them (issue 20: "ตำบล" was found 0 times).
    assert "ตำบล" in text and SAO in text
    assert produced.document.organisation in text  # องค์การบริหารส่วนตำบลคอนฉิม, on one line
    assert f"ตำบล{SAO}" in text
    flat = squash(text)
    for word in HEADINGS.get(kind, []) + [s.title.split(" ", 1)[0] for s in produced.document.sections]:
        assert squash(word) in flat, word


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_report_pdf_has_no_stray_characters_for_pypdf_either(reports, kind):
    """A glyph drawn with no text of its own (the NIKHAHIT of ำ) reads as nothing, not as its
    number (a control character) nor as a zero-width space."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reports[kind].content)).pages)
    assert not INVISIBLE.findall(text) and not CONTROL.findall(text)
    assert "ตำบล" in text and SAO in text


def test_the_qr_posters_pdf_holds_no_stray_characters(tmp_path):
    """The posters are pictures (drawn with Pillow): any text the PDF has is clean."""
    from dataclasses import replace

    from bot.config import PROJECT_ROOT
    from bot.content.profile import load_profile
    from bot.feedback import posters
    from bot.handbook import load_handbook

    content = PROJECT_ROOT / "content"
    profile = replace(load_profile(content / "profile.yaml"), line_basic_id="@konchim")
    pdf = posters.render_posters_pdf(load_handbook(content).procedures[:2], profile)
    text = pdftotext(pdf, tmp_path, "posters")
    assert not INVISIBLE.findall(text) and not CONTROL.findall(text)


# --- line breaking -------------------------------------------------------------------------------

LONG = ("องค์การบริหารส่วนตำบลคอนฉิม เปิดให้ผู้รับบริการประเมินความพึงพอใจผ่าน LINE Official Account "
        "ได้ทุกวัน ทั้งจากเมนู จากป้าย QR ที่จุดให้บริการ และต่อจากคำตอบคู่มือประชาชน น้ำประปาไหลอ่อนที่หมู่ 4")


def _pdf(size=pp.BODY_PT, bold=False):
    pdf = pp._Pdf()
    pdf.add_page()
    pp._font(pdf, size, bold)
    return pdf


def test_words_are_the_text_split_with_nothing_added():
    pieces = words(LONG)
    assert "".join(pieces) == printable(LONG) and not any(INVISIBLE.search(p) for p in pieces)
    assert "ประเมิน" in pieces and "ความพึงพอใจ" in pieces and "ไหล" in pieces  # Thai split into words
    assert "LINE" in pieces and "QR" in pieces  # other text at spaces


@pytest.mark.parametrize("width", [50.0, 70.0, 150.0])  # each wider than the longest word
def test_lines_break_between_words_and_fit(width):
    pdf = _pdf()
    lines = pp._lines(pdf, LONG, width)
    assert len(lines) > 1 or width == 150.0
    assert squash("".join(lines)) == squash(LONG)  # only the spaces where a line breaks are gone
    pieces = {p for p in words(LONG) if not p.isspace()}
    for line in lines:
        assert pp._width(pdf, line) <= width and line == line.strip()
        # every line is whole words
        rest = line
        while rest:
            rest = rest.lstrip(" ")
            word = next((p for p in sorted(pieces, key=len, reverse=True) if rest.startswith(p)), None)
            assert word, (line, rest)
            rest = rest[len(word):]


def test_a_word_longer_than_a_line_is_cut_between_letters_not_marks():
    pdf = _pdf()
    lines = pp._lines(pdf, "ประชาสัมพันธ์" * 6, 30.0)
    assert "".join(lines) == "ประชาสัมพันธ์" * 6 and len(lines) > 2
    for line in lines[1:]:
        assert not re.match(r"[\u0e31\u0e33-\u0e3a\u0e47-\u0e4e]", line), line  # no line starts with a vowel or tone mark


def test_the_text_layer_has_each_line_as_written(tmp_path):
    doc = _document([Section("ทดสอบการตัดบรรทัด", (Paragraph(LONG * 2),))])
    text = pdftotext(rp.render_pdf(doc), tmp_path)
    assert squash(LONG * 2) in squash(text)
    assert not INVISIBLE.findall(text) and not CONTROL.findall(text)


# --- headings stay with what follows -----------------------------------------------------------------


def _document(sections) -> Document:
    return Document(
        kind="test", title="รายงานทดสอบการจัดหน้า", organisation="องค์การบริหารส่วนตำบลคอนฉิม",
        address="ตำบลคอนฉิม อำเภอแวงใหญ่ จังหวัดขอนแก่น", period_label="ทดสอบ", subtitle="ปีงบประมาณ พ.ศ. 2570",
        generated_at=datetime(2027, 4, 20, 10, 0, tzinfo=BANGKOK), sections=tuple(sections),
    )


FOLLOWERS = {
    # the block under the heading, and the text of its start that must share the heading's page
    "paragraph": (Paragraph("LINEA บรรทัดแรก\nLINEB บรรทัดที่สอง\nLINEC บรรทัดที่สาม\nLINED\nLINEE"), ["LINEA", "LINEB", "LINEC"]),
    "short table": (Table("TABLETITLE ตารางสั้น", (Column("รายการ", 3), Column("จำนวน")),
                          tuple((f"ROW{i} บริการที่ {i}", i) for i in range(1, 9)), total=("รวม", 36)),
                    ["TABLETITLE", "ROW1", "ROW8"]),
    "long table": (Table("TABLETITLE ตารางยาว", (Column("รายการ", 3), Column("จำนวน")),
                         tuple((f"ROW{i} บริการที่ {i}", i) for i in range(1, 80))),
                   ["TABLETITLE", "ROW1"]),
    "figures": (Figures((("FIGA จำนวนผู้ตอบ", 5), ("FIGB ค่าเฉลี่ย", 3.76), ("FIGC ร้อยละ", 75.2), ("FIGD", 1)), title="FIGTITLE"),
                ["FIGTITLE", "FIGA", "FIGB", "FIGC"]),
}


@pytest.mark.parametrize("follower", sorted(FOLLOWERS))
def test_a_heading_is_never_left_alone_at_the_foot_of_a_page(follower, tmp_path):
    """Whatever room the page has left, the heading's page also holds the start of its block."""
    block, starts = FOLLOWERS[follower]
    moved = 0
    for filler in range(22, 42):  # page 1 ends anywhere from well after to just before the heading
        doc = _document([
            Section("ส่วนแรก", (Paragraph("\n".join(f"FILL{i} บรรทัดเติมหน้า" for i in range(filler))),)),
            Section("2. HEADING สรุปผลการดำเนินงาน", (block,)),
        ])
        pages = pdftotext(rp.render_pdf(doc), tmp_path).split("\f")
        where = [i for i, page in enumerate(pages) if "HEADING" in page]
        assert len(where) == 1, filler
        page = squash(pages[where[0]])
        for start in starts:
            assert start in page, (follower, filler, start)
        body = page[page.index("HEADING"):]
        assert all(start in body for start in starts), (follower, filler)  # under the heading, not above it
        moved += where[0] > 0 and f"FILL{filler - 1}" not in page
    assert moved, "no filler length put the heading on the next page: the test no longer tests anything"
