"""The public pages (/transparency and /handbook) in headless Chromium, on a phone and printed.

Villagers read these pages on phones; the SAO prints them for its notice board and as ITA
evidence. Every kind of public page is served with awkward but real data: a long SAO name,
a long procedure title with no spaces, web addresses, e-mail addresses and file names with
nowhere to break a line, a correction note quoting a link, wide report tables, a wide photo.

- Phone (390×844, touch): the page never scrolls sideways; a table fits or scrolls inside its
  own box; text in <main> is at least 14px (the body 16px); the bundled Sarabun font is used and
  loaded; nothing is fetched from outside and nothing breaks the CSP.
- Printed (A4, 15 mm margins): the screen-only navigation and buttons are hidden, nothing is
  wider than the paper, and Chromium's PDF of the page carries the Thai title (and, for a
  report, the SAO's name and the Buddhist-era date shown on screen) in its text (pdftotext).

Screenshots (phone, and the printed layout) and the PDFs go to test-output/.
"""
from __future__ import annotations

import io
import os
import shutil

import pytest
import yaml
from PIL import Image
from pypdf import PdfReader

from bot import create_app
from bot.config import PROJECT_ROOT, Settings
from bot.transparency import pages, publish
from bot.transparency.catalogue import REPORTS
from db import questions, transaction
from helpers import ACCESS_TOKEN, CHANNEL_SECRET, ServedApp
from test_admin_browser import OUTPUT, Tab, browser, opened_tabs, wait_in_page  # noqa: F401  (the module-scoped browser fixture)
from test_console_browser import PHONE, _fits
from test_pdf_text import pdftotext, squash
from test_transparency import AS_OF, _closure, _ticket, ts

SAO = "องค์การบริหารส่วนตำบลหนองแวงโสกพระ"
WEBSITE = "https://www.nongwaengsokphra.go.th/index.php?option=com_content&view=article&id=2570&Itemid=105"
EMAIL = "saraban_nongwaengsokphra.2570@localgovernment.mail.go.th"
FORM_FILE = "แบบคำขออนุญาตก่อสร้างอาคาร_ข1_ฉบับปรับปรุงปีงบประมาณ2570_กองช่าง.pdf"
ESERVICE = "https://eservice.nongwaengsokphra.go.th/request/building-permit?source=handbook&step=1&lang=th"
LONG_TITLE = "การขอรับใบอนุญาตประกอบกิจการที่เป็นอันตรายต่อสุขภาพประเภทกิจการเลี้ยงสัตว์และโรงสีข้าวด้วยเครื่องจักร"
LONG_FEE = "ค่าตรวจแบบอาคารพาณิชย์โรงงานคลังสินค้าหรืออาคารสาธารณะที่มีพื้นที่รวมกันเกินสองร้อยตารางเมตร"
NOTE = ("เพิ่มเรื่องที่บันทึกล่าช้าตามหนังสือกองช่าง ที่ ขก 80501/2570 ดูหนังสือได้ที่ "
        "https://www.nongwaengsokphra.go.th/images/transparency/2570/complaints-q1-correction-letter-kk80501.pdf")
VILLAGE = "บ้านโนนสะอาดพัฒนาสามัคคีธรรม หมู่ที่ 12 ตำบลหนองแวงโสกพระ"

# A4 is 210 mm wide; less 15 mm margins each side, 180 mm = 680 CSS px at 96 px per inch.
PRINT_MARGIN = "15mm"
PRINT_WIDTH = 680
# What each blueprint's @media print rules hide: site navigation, downloads, filters, buttons.
SCREEN_ONLY = {
    "transparency": ".tp-header, .tp-downloads, .tp-rounds, .tp-filters, .tp-noprint",
    "handbook": ".hb-header, .hb-search, .hb-toc, .hb-print",
}
# (name for the files in test-output/, url, HTTP status, blueprint)
PAGES = [
    ("transparency-index", "/transparency", 200, "transparency"),
    ("transparency-year", "/transparency/2570", 200, "transparency"),
    ("transparency-report", "/transparency/2570/complaints/q1", 200, "transparency"),  # published, corrected
    ("transparency-report-tables", "/transparency/2570/service-statistics/r12", 200, "transparency"),  # live; a column a month
    ("transparency-services", "/transparency/2570/handbook", 200, "transparency"),
    ("transparency-guideline", "/transparency/corruption-guideline", 200, "transparency"),
    ("transparency-problems", "/transparency/problems", 200, "transparency"),
    ("transparency-missing", "/transparency/2570/nothing", 404, "transparency"),
    ("handbook-index", "/handbook", 200, "handbook"),
    ("handbook-search", "/handbook?q=ยื่นขออนุญาตสร้างบ้านออนไลน์ได้ที่ไหน", 200, "handbook"),
    ("handbook-page", "/handbook/building-permit", 200, "handbook"),
    ("handbook-missing", "/handbook/no-such-procedure", 404, "handbook"),
]
REPORT_PAGES = {"transparency-report", "transparency-report-tables"}  # their PDF must name the SAO and the date

# The page's width against the layout viewport (clientWidth), what sticks out of it (elements and lines of
# text not inside a scrolling box), each table, text in <main> under 14px, and the font used.
MEASURE = """() => {
  const w = document.documentElement.clientWidth;
  const scroller = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return p;
    }
    return null;
  };
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > w + 0.5 && !scroller(el))
    .map(el => name(el) + ': ' + (el.textContent || '').trim().slice(0, 50));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {  // a line of text sticking out of its box
    const range = document.createRange();
    range.selectNodeContents(node);
    if (range.getBoundingClientRect().right > w + 0.5 && !scroller(node)) wide.push(name(node.parentElement) + ' text: ' + node.textContent.trim().slice(0, 80));
  }
  const tables = [...document.querySelectorAll('main table')].map(t => {
    const box = scroller(t);
    return {table: (t.querySelector('th, td') || t).textContent.trim().slice(0, 30),
            fits: t.getBoundingClientRect().right <= w + 0.5,
            box: box && box.getBoundingClientRect().right <= w + 0.5 && box.getBoundingClientRect().left >= -0.5};
  });
  const small = [...document.querySelectorAll('main p, main li, main td, main th, main dt, main dd')]
    .filter(el => el.getClientRects().length && parseFloat(getComputedStyle(el).fontSize) < 14)
    .map(el => name(el) + ' ' + getComputedStyle(el).fontSize + ': ' + el.textContent.trim().slice(0, 40));
  return {scrollWidth: document.documentElement.scrollWidth, width: w, innerWidth: window.innerWidth, wide: wide.slice(0, 6), tables, small,
          bodySize: parseFloat(getComputedStyle(document.body).fontSize),
          family: getComputedStyle(document.querySelector('main p, main h1')).fontFamily};
}"""
SHOWN = """sel => [...document.querySelectorAll(sel)].filter(el => el.getClientRects().length > 0)
  .map(el => el.tagName.toLowerCase() + '.' + el.className)"""
SCREEN_CONTROLS = "header, nav, form, button, input, select, .tp-downloads a"


def _wide_photo() -> bytes:
    """An after-photo as phones take them: wider than any phone screen."""
    out = io.BytesIO()
    Image.new("RGB", (2400, 900), (90, 140, 90)).save(out, "JPEG", quality=70)
    return out.getvalue()


def _content(folder):
    """The shipped content with a long SAO name, addresses and e-mail, and a procedure with a long
    fee name, a form's file name and an e-service link; another with a long title, no spaces."""
    content = folder / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)

    def edit(name, change):
        path = content / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    edit("profile.yaml", lambda p: p.update(
        name=SAO, short_name="อบต.หนองแวงโสกพระ", subdistrict="หนองแวงโสกพระ", district="พล", province="ขอนแก่น",
        address="ตำบลหนองแวงโสกพระ อำเภอพล จังหวัดขอนแก่น 40120", phone="043-414-999", email=EMAIL,
        website=WEBSITE, line_basic_id="@nongwaengsokphra"))

    def building(p):
        p["documents"].append(f"แบบฟอร์มคำขอ ดาวน์โหลดได้ที่เว็บไซต์ ชื่อไฟล์ {FORM_FILE}")
        p["fees"].append({"item": LONG_FEE, "amount": "ตารางเมตรละ 4 บาท"})
        p["steps"].insert(0, {"step": f"กรอกคำขอออนไลน์ที่ {ESERVICE} หรือรับแบบฟอร์มที่กองช่าง", "duration": "1 วัน"})
        p["channels"].append({"where": f"ยื่นคำขอออนไลน์ทางระบบ e-Service {ESERVICE}", "when": "ตลอด 24 ชั่วโมง",
                              "note": f"แนบไฟล์ {FORM_FILE} ที่กรอกแล้ว"})

    edit("handbook/building-permit.yaml", building)
    edit("handbook/health-hazard-business-license.yaml", lambda p: p.update(title=LONG_TITLE))
    return content


def _seed(db, handbook) -> None:
    """Village problems with a long village name (one fixed, with its photo), complaints, and
    questions asked about services; then the closed rounds published and Q1's corrected."""
    place = {"latitude": 16.034567, "longitude": 102.456789, "title": VILLAGE, "address": "ต.หนองแวงโสกพระ อ.พล จ.ขอนแก่น"}
    with transaction(db):
        road = _ticket(db, "road", "village", ts(2026, 11, 1), topic="road", status="resolved", closed=ts(2026, 11, 5),
                       resolved_at=ts(2026, 11, 5), resolution="ซ่อมแล้ว", location=place)
        _closure(db, road.id, ts(2026, 11, 5), "confirmed", _wide_photo())
        for i, (topic, month) in enumerate((("light", 1), ("water", 2), ("waste", 3), ("drain", 4), ("tree", 4))):
            _ticket(db, f"v{i}", "village", ts(2027, month, 2 + i), topic=topic, status="in_progress", location=place)
        _ticket(db, "official", "complaint_official", ts(2026, 12, 3), status="rejected", closed=ts(2026, 12, 4),
                reject_reason="ถอนเรื่อง")
        _ticket(db, "suggest", "suggestion", ts(2027, 1, 12), status="resolved", closed=ts(2027, 1, 15), resolved_at=ts(2027, 1, 15))
        asked = [p.id for p in handbook.procedures]
        for i, procedure in enumerate(asked):
            questions.record(db, ref=f"q{i}", chat_key=f"user:U{i:032d}", user_id=f"U{i:032d}", question="ต้องใช้เอกสารอะไร",
                             outcome="answered", procedure_id=procedure, section="documents", now=ts(2026, 10 + i % 3, 5))
            questions.record(db, ref=f"r{i}", chat_key=f"user:U{i:032d}", user_id=f"U{i:032d}", question="กี่วัน",
                             outcome="answered", procedure_id=procedure, section="duration", now=ts(2027, 4, 1 + i % 19))


@pytest.fixture(scope="module")
def site(tmp_path_factory, migrated_template):
    """One app, served over HTTP for the whole module, 'today' 20 April 2570 as in test_transparency."""
    folder = tmp_path_factory.mktemp("public-pages")
    content_dir = _content(folder)
    shutil.copyfile(migrated_template, folder / "bot.sqlite3")
    settings = Settings(
        channel_secret=CHANNEL_SECRET, channel_access_token=ACCESS_TOKEN, database_path=folder / "bot.sqlite3",
        line_api_base_url="http://127.0.0.1:9", line_data_api_base_url="http://127.0.0.1:9",  # never called: no worker
        content_dir=content_dir, secret_key="test-secret-key", start_worker=False,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "_now", lambda: AS_OF)
        publish.clear_cache()
        with ServedApp(create_app(settings)) as served:
            content = served.app.extensions["handbook_store"].current()
            _seed(served.db, content.handbook)
            # The clock's publishing, of the complaints report only: every report's rounds take 6 s more.
            with pytest.MonkeyPatch.context() as only:
                only.setattr(publish, "REPORTS", {"complaints": REPORTS["complaints"]})
                publish.publish_due(served.db, content, content_dir, AS_OF, years_back=0)
            publish.republish(served.db, content, content_dir, "complaints", 2570, "q1", NOTE, "command-line", at=AS_OF)
            yield served
        publish.clear_cache()


@pytest.fixture
def tabs(browser, site):  # noqa: F811
    yield from opened_tabs(browser, site.url)


def _open(tab: Tab, url: str, status: int):
    page = tab.page
    assert page.goto(url).status == status, url
    wait_in_page(page, "document.fonts.status === 'loaded' && [...document.images].every(i => i.complete)")
    return page


def _pdf_fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font")
        for font in (fonts.get_object().values() if fonts else ()):
            names.add(str(font.get_object().get("/BaseFont")))
    return names


@pytest.mark.parametrize("name, url, status, blueprint", PAGES, ids=[p[0] for p in PAGES])
def test_on_a_phone(tabs, name, url, status, blueprint):
    page = _open(tabs(**PHONE), url, status)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"public-{name}-phone.png"), full_page=True, scale="css")
    m = page.evaluate(MEASURE)
    assert m["scrollWidth"] <= m["width"] and m["wide"] == [], f"{url}: {m['scrollWidth']}px wide: {m['wide']}"
    # _fits alone is not enough on a phone: Chromium zooms out to wide content, and innerWidth grows with it.
    assert _fits(page) and m["innerWidth"] == m["width"] == PHONE["viewport"]["width"], f"{url}: zoomed out to {m['innerWidth']}px"
    for table in m["tables"]:
        assert table["fits"] or table["box"], f"{url}: the table {table['table']!r} neither fits nor scrolls in its own box"
    assert m["bodySize"] >= 16 and m["small"] == [], f"{url}: text under 14px: {m['small']}"
    assert m["family"].startswith(('"Sarabun"', "Sarabun")), m["family"]
    assert page.evaluate("[...document.fonts].some(f => f.family.includes('Sarabun') && f.weight === '400' && f.status === 'loaded')")
    assert page.evaluate("document.fonts.check('16px Sarabun', 'ก่อสร้าง')")
    # The CSP refuses inline handlers: a button with onclick="…" does nothing when tapped.
    assert page.evaluate("[...document.querySelectorAll('*')].filter(el => [...el.attributes].some(a => a.name.startsWith('on'))).length") == 0


@pytest.mark.parametrize("name, url, status, blueprint", PAGES, ids=[p[0] for p in PAGES])
def test_printed_on_a4(tabs, tmp_path, name, url, status, blueprint):
    page = _open(tabs(viewport={"width": PRINT_WIDTH, "height": 1000}), url, status)
    assert page.evaluate(SHOWN, SCREEN_ONLY[blueprint]), f"{url}: nothing screen-only on screen: are the selectors out of date?"
    facts = [page.locator("main h1").inner_text()]  # as shown on screen
    if name in REPORT_PAGES:
        facts += [page.locator("main strong", has_text=SAO).first.inner_text(), page.locator(".tp-asof").inner_text()]
        assert "2570" in facts[-1] and "2027" not in facts[-1], facts[-1]  # the Buddhist era
    page.emulate_media(media="print")
    assert page.evaluate(SHOWN, SCREEN_ONLY[blueprint] + ", " + SCREEN_CONTROLS) == [], f"{url}: printed with its screen controls"
    m = page.evaluate(MEASURE)
    assert m["width"] == PRINT_WIDTH and m["scrollWidth"] <= m["width"] and m["wide"] == [], \
        f"{url}: {m['scrollWidth']}px wide on {m['width']}px of A4: {m['wide']}"
    page.screenshot(path=str(OUTPUT / f"public-{name}-print.png"), full_page=True, scale="css")
    pdf = page.pdf(format="A4", margin=dict.fromkeys(("top", "right", "bottom", "left"), PRINT_MARGIN), print_background=True)
    (OUTPUT / f"public-{name}.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert all(round(float(p.mediabox.width)) == 596 and round(float(p.mediabox.height)) == 843 for p in reader.pages)  # A4 in points
    assert any("Sarabun" in font for font in _pdf_fonts(pdf)), _pdf_fonts(pdf)
    if shutil.which("pdftotext") is None and not os.environ.get("REQUIRE_PDFTOTEXT"):
        return  # only the text check needs poppler; pdftotext() fails when REQUIRE_PDFTOTEXT is set
    text = squash(pdftotext(pdf, tmp_path, name))
    for fact in facts:
        assert squash(fact) in text, (url, fact)
    if blueprint == "transparency":
        assert "ดาวน์โหลด" not in text, f"{url}: the download buttons were printed"


def test_the_handbook_pages_print_button_prints(tabs):
    """The button is wired by a script file (the CSP refuses onclick); printed, it is hidden."""
    page = _open(tabs(**PHONE), "/handbook/building-permit", 200)
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="พิมพ์หน้านี้").tap()  # as a finger does
    assert page.evaluate("window.printed") == 1
