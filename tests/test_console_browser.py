"""The console's handbook, questions, reminders and staff pages in headless Chromium (Playwright).

A citizen's question the bot cannot answer becomes a new name of a procedure, and the bot
answers it, in the test box and on LINE (signed webhook in, fake LINE out); an admin records a
division's report. Screenshots (desktop and phone) go to test-output/ for a person to look at.
"""
from __future__ import annotations

import json
import shutil

import pytest

from admin_support import Console
from bot import create_app
from bot.config import PROJECT_ROOT
from bot.common.thaidate import fiscal_year, now
from db import reminders as store
from helpers import ServedApp, text_event, user_id, wait_until
from test_admin_browser import OUTPUT, browser, opened_tabs, wait_in_page  # noqa: F401  (the module-scoped browser fixture)

UNEMPLOYED = "เงินช่วยคนตกงานหน้าฝน"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def served_copy(settings, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    with ServedApp(create_app(settings.with_(content_dir=content))) as app:
        console = Console(app.app)
        console.make_user("somchai", "admin", display_name="สมชาย ใจดี")
        console.make_user("wichai", "staff", "engineering", display_name="วิชัย ขยันดี")
        yield app


@pytest.fixture
def tabs(browser, served_copy):  # noqa: F811
    yield from opened_tabs(browser, served_copy.url)


def _shot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    wait_in_page(page, "document.fonts.status === 'loaded'")
    page.screenshot(path=str(OUTPUT / name), full_page=True)


def _fits(page) -> bool:
    """Nothing sticks out sideways. On a phone Chromium zooms out to fit wide content, and
    innerWidth grows with it: the width must also be the screen's."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return width[0] <= width[1] == page.viewport_size["width"]


def _reply_to(fake_line, token: str) -> str:
    found = [r for r in fake_line.state.requests if r.path == "/v2/bot/message/reply" and r.json["replyToken"] == token]
    return json.dumps(found[0].json["messages"], ensure_ascii=False) if found else ""


def _citizen_asks(served, fake_line, uid: str, text: str) -> str:
    event = text_event(uid, text)
    assert served.post(event).status_code == 200
    return wait_until(lambda: _reply_to(fake_line, event["replyToken"]), timeout=20)


def test_an_unanswered_question_becomes_an_alias_and_the_bot_answers_it(served_copy, tabs, fake_line):
    citizen = user_id()
    assert "ช่วยเหลือผู้ประสบภัย" not in _citizen_asks(served_copy, fake_line, citizen, f"{UNEMPLOYED} 🙏")
    wait_until(lambda: served_copy.db.execute("SELECT 1 FROM handbook_questions WHERE outcome = 'outside'").fetchone())

    page = tabs(viewport={"width": 1280, "height": 900}).login("somchai")
    page.get_by_role("link", name="คำถามที่บอทตอบไม่ได้").click()
    row = page.locator("tbody tr", has_text=UNEMPLOYED)
    assert "ไม่ใช่งานของ อบต." in row.inner_text()  # the bot took it for another agency's business
    _shot(page, "console-questions.png")
    row.get_by_role("link", name="ปรับปรุงคำตอบ").click()
    assert UNEMPLOYED in page.locator("#question-text").inner_text()
    assert page.locator(".bot-answer").get_attribute("data-outcome") == "out_of_scope"
    page.get_by_label("เรื่องที่ถูกต้อง").select_option(label="ช่วยเหลือผู้ประสบภัย")
    page.get_by_label("ชื่อเรียกที่จะเพิ่ม").fill(UNEMPLOYED)
    page.get_by_role("button", name="เพิ่มชื่อเรียก").click()
    page.wait_for_load_state()
    assert "บอทใช้ได้ทันที" in page.get_by_role("status").first.inner_text()
    assert "ไม่ใช่งานของ อบต." in page.locator(".compare__before").inner_text()  # before the change
    assert page.locator(".compare__now .answer-procedure").inner_text().startswith("ช่วยเหลือผู้ประสบภัย")  # after

    # The test box: the bot's own search on typed text, with the reply drawn as in LINE.
    page.get_by_label("ข้อความทดลอง").fill(f"อยากได้{UNEMPLOYED}ต้องใช้เอกสารอะไรคะ")
    page.get_by_role("button", name="ทดลอง").click()
    box = page.locator("#test-box .bot-answer")
    assert box.locator(".answer-procedure").inner_text().startswith("ช่วยเหลือผู้ประสบภัย")
    assert box.locator(".answer-section").inner_text() == "เอกสารที่ต้องใช้"
    assert box.locator(".lf-flex").count() == 1 and "ช่วยเหลือผู้ประสบภัย" in box.locator(".lf-chat").inner_text()
    _shot(page, "console-question-alias.png")

    # And on LINE: the same citizen asks again and gets the procedure's card.
    reply = _citizen_asks(served_copy, fake_line, citizen, f"{UNEMPLOYED} ค่ะ")
    assert '"type": "flex"' in reply and "ช่วยเหลือผู้ประสบภัย" in reply

    phone = tabs(**PHONE).login("somchai")
    phone.goto(page.url.split("#")[0])
    assert _fits(phone)
    _shot(phone, "console-question-phone.png")


def test_an_admin_marks_a_deadline_reported(served_copy, tabs):
    fy = fiscal_year(now().date())
    page = tabs(viewport={"width": 1280, "height": 900}).login("somchai")
    page.get_by_role("link", name="กำหนดส่งรายงาน").click()
    assert f"ปีงบประมาณ {fy}" in page.locator("h1").inner_text()
    page.get_by_label("กอง", exact=True).select_option(label="กองช่าง")
    page.get_by_label("สถานะ", exact=True).select_option(label="ยังไม่ถึงกำหนด")
    page.get_by_role("button", name="แสดง").click()
    first = page.locator("tbody tr").first
    deadline_id = int(first.get_attribute("data-deadline"))
    button = first.get_by_role("button")
    assert button.inner_text() == "บันทึกว่าส่งแล้ว" and button.get_attribute("aria-label").startswith("บันทึกว่ากองช่างส่งรายงานแล้ว")
    button.click()
    page.wait_for_load_state()
    assert "บันทึกแล้วว่ากองช่างส่ง" in page.get_by_role("status").first.inner_text()
    assert "division=engineering" in page.url  # back to the same filters
    row = store.deadline(served_copy.db, deadline_id)
    assert row["done_by"] == "console:somchai" and row["late_working_days"] == 0
    page.get_by_label("สถานะ", exact=True).select_option(label="ส่งแล้ว ตรงเวลา")
    page.get_by_role("button", name="แสดง").click()
    done = page.locator(f'tr[data-deadline="{deadline_id}"]')
    assert "somchai (บันทึกในระบบจัดการ)" in done.inner_text() and "ส่งแล้ว ตรงเวลา" in done.inner_text()
    page.get_by_label("สถานะ", exact=True).select_option(label="ทุกสถานะ")
    page.get_by_role("button", name="แสดง").click()
    _shot(page, "console-reminders.png")
    page.goto("/admin/")
    assert page.get_by_role("heading", name="กำหนดส่งรายงานที่ใกล้ถึง").count() == 1
    _shot(page, "console-dashboard.png")

    staff = tabs(**PHONE).login("wichai")
    staff.goto("/admin/reminders?division=finance")  # typed in: staff still see their own division only
    assert "ท่านเห็นเฉพาะงานของกองช่าง" in staff.locator("main").inner_text()
    assert staff.locator('form[action$="/done"]').count() == 0
    assert _fits(staff)
    _shot(staff, "console-reminders-phone.png")


def test_handbook_edit_preview_and_staff_registration(served_copy, tabs):
    page = tabs(viewport={"width": 1280, "height": 900}).login("wichai")
    page.get_by_role("link", name="คู่มือประชาชน").click()
    assert page.get_by_role("link", name="แก้ไข เบี้ยยังชีพผู้สูงอายุ").count() == 0  # not their division
    page.get_by_role("link", name="แก้ไข ขออนุญาตก่อสร้างอาคาร").click()
    page.get_by_label("ชื่อสั้น (ปุ่มใน LINE ไม่เกิน 20 ตัวอักษร)").fill("ขออนุญาตก่อสร้างอาคารบ้านเรือนทุกประเภท")
    page.get_by_role("button", name="บันทึก", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#short_title-error").inner_text().startswith("ยาวได้ไม่เกิน 20 ตัวอักษร")
    page.get_by_label("ชื่อสั้น (ปุ่มใน LINE ไม่เกิน 20 ตัวอักษร)").fill("ขออนุญาตสร้างบ้าน")
    page.get_by_label("หัวข้อที่จะดูตัวอย่างการ์ด LINE").select_option(label="ค่าธรรมเนียม")
    page.get_by_role("button", name="ดูตัวอย่าง").click()
    page.wait_for_load_state()
    assert "ขออนุญาตสร้างบ้าน" in page.locator("#preview .lf-flex").inner_text()
    assert page.locator("#preview .page-preview #preview-fees").count() == 1
    _shot(page, "console-handbook-edit.png")
    page.get_by_role("button", name="บันทึก", exact=True).click()
    page.wait_for_load_state()
    assert "บอทและหน้าคู่มือใช้ข้อมูลใหม่ทันที" in page.get_by_role("status").first.inner_text()
    public = page.context.new_page()
    public.goto("/handbook/building-permit")
    assert "ขออนุญาตสร้างบ้าน" in public.locator("main").inner_text()
    public.close()

    phone = tabs(**PHONE).login("wichai")
    phone.goto("/admin/handbook/water-supply")
    assert _fits(phone)
    _shot(phone, "console-handbook-edit-phone.png")

    admin = tabs(viewport={"width": 1280, "height": 900}).login("somchai")
    admin.get_by_role("link", name="ลงทะเบียนเจ้าหน้าที่").click()
    admin.get_by_label("บทบาท").select_option(label="หัวหน้าส่วนราชการ")
    admin.get_by_label("กอง (ไม่ต้องเลือกสำหรับผู้ดูแลระบบ)").select_option(label="กองคลัง")
    admin.get_by_role("button", name="ออกรหัส").click()
    admin.wait_for_load_state()
    code = admin.locator("code.code-shown").inner_text()
    assert len(code) == 6 and f"ลงทะเบียน {code}" in admin.get_by_role("status").first.inner_text()
    _shot(admin, "console-staff.png")
