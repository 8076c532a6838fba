"""The console's feedback pages in headless Chromium (see test_admin_browser.py): a clerk of
the engineering division signs in, filters tickets with Thai words, changes a status and the
citizen's LINE chat (the fake LINE API) receives it, answers a question for staff, and
downloads an export. Screenshots of the dashboard, a ticket and the satisfaction page are
kept in test-output/ for a person to look at (Thai glyphs, the phone layout)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
from PIL import Image, ImageDraw

from admin_support import Console
from feedback_console_support import add_question, add_rating, add_report, add_ticket
from feedback_support import Chat
from helpers import wait_until
from test_admin_browser import OUTPUT, browser, tabs, wait_in_page  # noqa: F401  (fixtures)


def road_photo() -> bytes:
    """A small JPEG that looks like something: a road with a hole."""
    image = Image.new("RGB", (480, 320), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 170, 480, 320), fill=(120, 150, 80))
    draw.polygon([(180, 170), (300, 170), (440, 320), (40, 320)], fill=(176, 132, 92))
    draw.ellipse((190, 230, 300, 280), fill=(70, 50, 35))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_clerk_works_through_tickets_and_questions_in_the_browser(served, fake_line, tabs):  # noqa: F811
    console = Console(served.app)
    console.make_user("wichai", "staff", "engineering", display_name="นายช่างวิชัย ขยันดี")
    db = served.db
    citizen = Chat(served, fake_line)
    road = add_ticket(
        db, uid=citizen.uid, photo=road_photo(),
        description="ถนนลูกรังหน้าวัดหมู่ 3 เป็นหลุมลึก ฝนตกน้ำขัง รถจักรยานยนต์ล้มสองครั้งแล้วค่ะ 🙏\n<b>ช่วยด่วน</b>",
        location={"latitude": 16.0345, "longitude": 102.5871, "title": "หน้าวัดบ้านคอนฉิม", "address": "หมู่ 3 ต.คอนฉิม อ.แวงใหญ่"},
    )
    add_ticket(db, description="ไฟฟ้าส่องสว่างดับทั้งซอย ตั้งแต่สามทุ่ม มืดมากค่ะ", topic="light")
    add_ticket(db, division="finance", category="complaint_service", topic=None, description="จ่ายภาษีป้ายแล้วยังไม่ได้ใบเสร็จ")
    asker = Chat(served, fake_line)
    question = add_question(db, uid=asker.uid, text="จะต่อเติมครัวหลังบ้าน ต้องขออนุญาตก่อสร้างไหมคะ")
    for overall, comment in ((5, "นายช่างอธิบายเข้าใจง่าย ขอบคุณค่ะ"), (4, None), (2, "รอแบบนานเกินไป")):
        add_rating(db, service="building-permit", division="engineering",
                   scores={"process": overall, "staff": 5, "facilities": 4, "information": overall, "overall": overall}, comment=comment)

    OUTPUT.mkdir(exist_ok=True)
    tab = tabs(viewport={"width": 1280, "height": 900})
    page = tab.login("wichai")
    wait_in_page(page, "document.fonts.status === 'loaded'")
    assert page.evaluate("document.fonts.check('16px Sarabun', 'เรื่องร้องเรียนที่ยังไม่ปิด')")
    for title in ("เรื่องร้องเรียนที่ยังไม่ปิด", "คำถามถึงเจ้าหน้าที่ที่เกินกำหนด", "ผลประเมินความพึงพอใจวันนี้"):
        assert page.locator(".stat", has_text=title).count() == 1, title
    assert page.locator(".stat", has_text="เรื่องร้องเรียนที่ยังไม่ปิด").locator(".stat__value").inner_text() == "2"
    assert page.locator("svg.chart", has=page.locator("#dashboard-ratings-by-month-title")).locator("rect").count() == 12
    page.screenshot(path=str(OUTPUT / "admin-dashboard-feedback.png"), full_page=True)

    # Filter the tickets with Thai words.
    page.get_by_role("link", name="เรื่องร้องเรียน", exact=True).click()
    assert page.locator("tbody tr").count() == 2  # their division's two, not finance's
    page.get_by_label("ค้นหาข้อความ หรือเลขที่เรื่อง").fill("ลูกรัง หลุม")
    page.get_by_role("button", name="แสดง").click()
    assert page.locator("tbody tr").count() == 1
    page.get_by_role("link", name=road.number).click()
    assert page.locator("h1").inner_text() == f"เรื่องเลขที่ {road.number}"
    assert "<b>ช่วยด่วน</b>" in page.locator("#citizen-text").inner_text()  # shown as text, not markup
    image = page.locator(".photos img")
    image.scroll_into_view_if_needed()
    wait_in_page(page, "document.querySelector('.photos img').complete && document.querySelector('.photos img').naturalWidth > 0")
    assert page.locator("#coordinates").inner_text() == "16.034500, 102.587100"
    page.screenshot(path=str(OUTPUT / "admin-ticket.png"), full_page=True)

    # Accept it with a message: the citizen's LINE chat receives it.
    accept = page.locator("details.action", has_text="รับเรื่อง").first
    accept.get_by_label("ข้อความถึงประชาชน (ไม่บังคับ)").fill("ทีมช่างจะเข้าไปดูหน้างานพรุ่งนี้เช้าค่ะ")
    accept.get_by_role("button", name="รับเรื่อง").click()
    page.get_by_role("status").filter(has_text="ส่งข้อความแจ้งประชาชนทาง LINE แล้ว").wait_for()  # waits for the page after the redirect
    [pushed] = wait_until(citizen.pushed)
    assert road.number in pushed["text"] and "กองช่างรับเรื่องของท่านแล้วค่ะ" in pushed["text"]
    assert "ทีมช่างจะเข้าไปดูหน้างานพรุ่งนี้เช้าค่ะ" in pushed["text"]
    assert page.locator(".page-head .status").inner_text() == "รับเรื่องแล้ว"
    assert "นายช่างวิชัย ขยันดี" in page.locator(".history").inner_text()

    # Answer the question for staff: pushed to the person who asked.
    page.get_by_role("link", name="คำถามถึงเจ้าหน้าที่", exact=True).click()
    page.get_by_role("link", name=f"คำถาม {question.id}").click()
    page.get_by_label("คำตอบถึงประชาชน").fill("ต่อเติมเกิน 5 ตารางเมตรต้องขออนุญาตค่ะ ยื่นแบบได้ที่กองช่างในวันทำการ")
    page.get_by_role("button", name="ส่งคำตอบ").click()
    page.get_by_role("status").filter(has_text="ส่งข้อความแจ้งประชาชนทาง LINE แล้ว").wait_for()  # waits for the page after the redirect
    [answer] = wait_until(asker.pushed)
    assert "ยื่นแบบได้ที่กองช่าง" in answer["text"] and "ต่อเติมครัว" in answer["text"]
    assert "ตอบโดย นายช่างวิชัย ขยันดี" in page.locator("main").inner_text()

    # Download the tickets of the division as XLSX.
    page.get_by_role("link", name="เรื่องร้องเรียน", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="ดาวน์โหลด Excel (XLSX)").click()
    assert download.value.suggested_filename.startswith("tickets_") and download.value.suggested_filename.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("เลขที่เรื่อง", "วันที่แจ้ง", "ประเภท") and len(rows) == 3
    exported = {r[0]: r for r in rows[1:]}
    assert exported[road.number][5] == "รับเรื่องแล้ว" and "ลูกรัง" in exported[road.number][6]

    # The satisfaction page: averages, both charts.
    page.get_by_role("link", name="ความพึงพอใจ", exact=True).click()
    assert "ประเมิน 3 ครั้ง" in page.locator("main h2").first.inner_text()
    assert page.locator("#ratings-by-service-title").count() == 1
    page.screenshot(path=str(OUTPUT / "admin-ratings.png"), full_page=True)

    # On a phone: the ticket and the ratings fit the screen, nothing scrolls sideways.
    phone = tabs(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone_page = phone.login("wichai")
    for url, name in ((f"/admin/tickets/{road.id}", "admin-ticket-phone.png"), ("/admin/ratings", "admin-ratings-phone.png"),
                      ("/admin/tickets", "admin-tickets-phone.png")):
        phone_page.goto(url)
        wait_in_page(phone_page, "document.fonts.status === 'loaded'")
        assert no_sideways_scroll(phone_page), url
        phone_page.screenshot(path=str(OUTPUT / name), full_page=True)
    phone_page.goto("/admin/")
    wait_in_page(phone_page, "document.fonts.status === 'loaded'")
    assert no_sideways_scroll(phone_page) and phone_page.locator(".stat", has_text="เรื่องร้องเรียนที่ยังไม่ปิด").count() == 1
    phone_page.screenshot(path=str(OUTPUT / "admin-dashboard-feedback-phone.png"), full_page=True)
    assert json.dumps(fake_line.state.messages_to(citizen.uid), ensure_ascii=False).count(road.number) == 1


def test_the_auditor_reads_a_report_and_the_admin_cannot(served, fake_line, tabs):  # noqa: F811
    console = Console(served.app)
    console.make_user("auditor1", "auditor", display_name="หัวหน้าหน่วยตรวจสอบภายใน")
    console.make_user("somchai", "admin")
    reporter = Chat(served, fake_line)
    report_id, code, _ = add_report(served.db, anonymous=False, uid=reporter.uid,
                                    details="เจ้าหน้าที่เรียกรับเงิน 3,000 บาท เพื่อเร่งออกใบอนุญาตก่อสร้าง ไม่มีใบเสร็จ")

    admin = tabs().login("somchai")
    assert admin.get_by_role("link", name="แจ้งเบาะแสทุจริต").count() == 0
    card = admin.locator(".stat", has_text="เรื่องแจ้งเบาะแสทุจริตรอพิจารณา")
    assert card.locator(".stat__value").inner_text() == "1" and "ใบเสร็จ" not in admin.content()
    assert admin.goto(f"/admin/integrity/{report_id}").status == 403

    page = tabs(viewport={"width": 1280, "height": 900}).login("auditor1")
    page.get_by_role("link", name="แจ้งเบาะแสทุจริต").click()
    page.get_by_role("link", name=code).click()
    assert "เรียกรับเงิน 3,000 บาท" in page.locator("#report-details").inner_text()
    page.get_by_label("สถานะใหม่").select_option(label="อยู่ระหว่างตรวจสอบข้อเท็จจริง")
    page.get_by_label("ข้อความถึงผู้แจ้ง (ไม่บังคับ)").fill("หน่วยตรวจสอบภายในรับเรื่องไว้ตรวจสอบแล้วค่ะ")
    page.get_by_role("button", name="บันทึกสถานะ").click()
    page.get_by_role("status").filter(has_text="ส่งข้อความแจ้งผู้แจ้งทาง LINE แล้ว").wait_for()  # waits for the page after the redirect
    [pushed] = wait_until(reporter.pushed)
    assert code in pushed["text"] and "รับเรื่องไว้ตรวจสอบแล้ว" in pushed["text"] and "3,000" not in pushed["text"]
    wait_in_page(page, "document.fonts.status === 'loaded'")
    page.screenshot(path=str(OUTPUT / "admin-integrity-report.png"), full_page=True)
