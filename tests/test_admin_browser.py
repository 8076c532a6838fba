"""The console in a real browser: Debian's headless Chromium driven by Playwright.

Playwright never downloads a browser here: it drives /usr/bin/chromium (or $CHROMIUM_PATH).
`.ci/run` installs chromium on a bare machine; without it these tests skip and say why.
Screenshots go to test-output/ (kept out of git) for a person to look at.
"""
from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import openpyxl
import pytest

from admin_support import PASSWORD, Console
from bot.config import PROJECT_ROOT
from db import admin_users, audit_log
from helpers import text_event, user_id, wait_until


OUTPUT = PROJECT_ROOT / "test-output"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def wait_in_page(page, expression: str, timeout: float = 10.0) -> None:
    """Wait until a JavaScript expression is true in the page.

    Not page.wait_for_function(): when its first check is false it compiles the expression
    inside the page, which the console's Content-Security-Policy (no 'unsafe-eval') refuses.
    evaluate() runs through the DevTools protocol, which the policy does not govern.
    """
    wait_until(lambda: page.evaluate(expression), timeout=timeout, interval=0.05)


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None and os.environ.get("REQUIRE_BROWSER_TESTS"):
        pytest.fail("chromium not found at /usr/bin/chromium, and .ci/run asked for the browser tests")
    if path is None:
        pytest.skip("chromium not found (/usr/bin/chromium or $CHROMIUM_PATH): install it with `apt-get install -y chromium`; .ci/run does")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Tab:
    """A browser context (its own cookies) with one page, watching for CSP errors and outside requests."""

    def __init__(self, browser, base_url: str, **options):
        self.context = browser.new_context(base_url=base_url, locale="th-TH", timezone_id="Asia/Bangkok", accept_downloads=True, **options)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if "Content Security Policy" in m.text else None)
        self.page.on("request", lambda r: None if r.url.startswith((base_url, "data:")) else self.problems.append(f"outside request {r.url}"))

    def login(self, username: str, password: str = PASSWORD):
        page = self.page
        page.goto("/admin/login")
        page.get_by_label("ชื่อผู้ใช้").fill(username)
        page.get_by_label("รหัสผ่าน").fill(password)
        page.get_by_role("button", name="เข้าสู่ระบบ").click()
        page.wait_for_load_state()
        return page

    def close(self):
        self.context.close()


def opened_tabs(browser, base_url: str):
    """For a `tabs` fixture: open_tab(**context options) → Tab; at the end every tab must have seen
    no CSP violation and fetched nothing from outside, and is closed."""
    opened: list[Tab] = []

    def open_tab(**options) -> Tab:
        tab = Tab(browser, base_url, **options)
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        assert tab.problems == [], tab.problems  # no CSP violation, nothing fetched from outside
        tab.close()


@pytest.fixture
def tabs(browser, served):
    yield from opened_tabs(browser, served.url)


@pytest.fixture
def people(served):
    console = Console(served.app)
    console.make_user("somchai", "admin", display_name="สมชาย ใจดี")
    return console


def test_sign_in_wrong_password_and_rate_limit(people, tabs):
    tab = tabs()
    page = tab.page
    page.goto("/admin/users")
    assert page.url.endswith("/admin/login?next=/admin/users")
    for attempt in range(5):
        page.get_by_label("ชื่อผู้ใช้").fill("somchai")
        page.get_by_label("รหัสผ่าน").fill(f"ผิดครั้งที่-{attempt}-xx")
        page.get_by_role("button", name="เข้าสู่ระบบ").click()
        page.wait_for_load_state()
        assert page.get_by_role("alert").inner_text() == "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
    page.get_by_label("ชื่อผู้ใช้").fill("somchai")
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/admin/login")) as answer:
        page.get_by_role("button", name="เข้าสู่ระบบ").click()
    assert answer.value.status == 429
    assert "ไม่สำเร็จหลายครั้ง กรุณารอ 30 วินาที" in page.get_by_role("alert").inner_text()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "admin-login-locked.png"), full_page=True)
    # Another browser, another account: not affected by somchai's lock.
    people.make_user("malee", "auditor")
    other = tabs().login("malee")
    assert other.url.endswith("/admin/") and "ภาพรวม" in other.locator("h1").inner_text()


def test_session_cookie_is_replaced_at_sign_in(people, tabs):
    tab = tabs()
    tab.page.goto("/admin/login")
    before = {c["name"]: c for c in tab.context.cookies()}["session"]
    assert before["httpOnly"] and before["sameSite"] == "Lax"
    tab.login("somchai")
    after = {c["name"]: c for c in tab.context.cookies()}["session"]
    assert after["value"] != before["value"]
    planted = tabs()
    planted.context.add_cookies([{"name": "session", "value": before["value"], "url": tab.base_url}])
    planted.page.goto("/admin/")
    assert "/admin/login" in planted.page.url


def test_a_tampered_form_is_refused(people, tabs):
    page = tabs().login("somchai")
    page.goto("/admin/users/new")
    page.locator('main form input[name="csrf_token"]').evaluate("el => el.value = 'forged'")
    page.get_by_label("ชื่อผู้ใช้ (ภาษาอังกฤษตัวเล็ก)").fill("mallory")
    page.get_by_role("button", name="สร้างบัญชี").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "แบบฟอร์มหมดอายุ"
    assert admin_users.get_with_hash(people.db, "mallory") is None


def test_admin_manages_a_staff_account_end_to_end(people, tabs):
    admin_tab = tabs()
    page = admin_tab.login("somchai")
    page.get_by_role("link", name="ผู้ใช้งาน").click()
    page.get_by_role("link", name="เพิ่มผู้ใช้").click()
    page.get_by_label("ชื่อผู้ใช้ (ภาษาอังกฤษตัวเล็ก)").fill("wichai")
    page.get_by_label("ชื่อ-นามสกุล").fill("=วิชัย ขยันดี")  # a name that looks like a formula
    page.get_by_label("บทบาท").select_option(label="เจ้าหน้าที่ประจำกอง")
    page.get_by_label("กอง (สำหรับเจ้าหน้าที่ประจำกอง)").select_option(label="กองช่าง")
    page.get_by_role("button", name="สร้างบัญชี").click()
    temporary = page.locator("#temporary-password").inner_text()
    assert page.locator("h1").inner_text() == "สร้างบัญชีเรียบร้อยแล้ว" and len(temporary) == 19
    page.get_by_role("link", name="ไปที่บัญชีนี้").click()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "admin-user-detail.png"), full_page=True)

    staff_tab = tabs(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    staff_page = staff_tab.login("wichai", temporary)
    assert staff_page.url.endswith("/admin/account/password")
    staff_page.get_by_label("รหัสผ่านปัจจุบัน").fill(temporary)
    staff_page.get_by_label("รหัสผ่านใหม่", exact=True).fill("ลาบหมู-ไม่ใส่ผัก-99")
    staff_page.get_by_label("พิมพ์รหัสผ่านใหม่อีกครั้ง").fill("ลาบหมู-ไม่ใส่ผัก-99")
    staff_page.get_by_role("button", name="บันทึกรหัสผ่านใหม่").click()
    assert "เปลี่ยนรหัสผ่านเรียบร้อยแล้ว" in staff_page.get_by_role("status").first.inner_text()
    assert "กองช่าง" in staff_page.locator(".whoami").inner_text()
    assert staff_page.get_by_role("link", name="ผู้ใช้งาน").count() == 0
    response = staff_page.goto("/admin/users")  # typed in by hand: refused by the server, not just hidden
    assert response.status == 403 and staff_page.locator("h1").inner_text() == "ไม่มีสิทธิ์เข้าถึง"
    assert staff_page.goto("/admin/audit/export.csv").status == 403

    # The admin disables the account: the staff member is signed out at once.
    page.goto("/admin/users")
    page.get_by_role("link", name="wichai").click()
    page.get_by_role("button", name="ปิดการใช้งานบัญชี").click()
    assert "ปิดการใช้งานบัญชีแล้ว" in page.get_by_role("status").first.inner_text()
    staff_page.goto("/admin/")
    assert "/admin/login" in staff_page.url

    # Everything above is in the audit log, filterable, and exportable.
    page.get_by_role("link", name="บันทึกการใช้งาน", exact=True).click()
    table = page.locator("table").inner_text()
    for label in ("สร้างบัญชีผู้ใช้", "เปลี่ยนรหัสผ่านของตนเอง", "ปิดการใช้งานบัญชี", "เข้าสู่ระบบ"):
        assert label in table
    page.get_by_label("การกระทำ").select_option(label="ปิดการใช้งานบัญชี")
    page.get_by_role("button", name="แสดง").click()
    assert page.locator("tbody tr").count() == 1 and "wichai" in page.locator("tbody").inner_text()

    page.get_by_label("การกระทำ").select_option(label="ทั้งหมด")
    page.get_by_role("button", name="แสดง").click()
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="ดาวน์โหลด Excel (XLSX)").click()
    xlsx = xlsx_download.value
    assert xlsx.suggested_filename.startswith("audit-log_") and xlsx.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("ลำดับ", "วันและเวลา", "ผู้ใช้", "การกระทำ")
    created = next(r for r in rows if r[4] == "user.create")
    assert created[3] == "สร้างบัญชีผู้ใช้" and "wichai" in created[6]
    assert all(not str(v).startswith("=") for r in rows for v in r if v is not None)
    assert "display_name: =วิชัย ขยันดี" in created[6]

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="ดาวน์โหลด CSV").click()
    data = Path(csv_download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "สร้างบัญชีผู้ใช้".encode() in data
    exports = audit_log.search(people.db, audit_log.AuditFilter(action="audit.export"))
    assert [e.details["format"] for e in exports] == ["csv", "xlsx"]


def test_dashboard_renders_thai_with_the_bundled_font_on_desktop_and_phone(people, served, tabs, fake_line):
    citizen = user_id()
    for text in ("สวัสดีค่ะ", "ขอเบอร์ติดต่อ อบต. หน่อยค่ะ 🙏", "ติดต่อ"):
        assert served.post(text_event(citizen, text)).status_code == 200
    wait_until(lambda: served.db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0] >= 3, timeout=20)

    OUTPUT.mkdir(exist_ok=True)
    tab = tabs(viewport={"width": 1280, "height": 900})
    page = tab.login("somchai")
    wait_in_page(page, "document.fonts.status === 'loaded'")
    assert page.evaluate("document.fonts.check('16px Sarabun', 'ภาพรวม')")
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert any("Sarabun" in family for family in loaded)
    stats = page.locator(".stat")
    assert stats.count() == 7  # the bot's traffic (4), questions today and answered, ratings
    assert page.locator(".stat", has_text="ข้อความจากประชาชนวันนี้").locator(".stat__value").inner_text() == "3"
    assert page.locator('svg[aria-labelledby^="messages-per-day"] rect').count() == 30
    assert page.locator("svg.chart").count() == 2  # messages and questions per day
    page.screenshot(path=str(OUTPUT / "admin-dashboard.png"), full_page=True)

    phone = tabs(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone_page = phone.login("somchai")
    wait_in_page(phone_page, "document.fonts.status === 'loaded'")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    phone_page.screenshot(path=str(OUTPUT / "admin-dashboard-phone.png"), full_page=True)
    phone_page.goto("/admin/audit")
    wait_in_page(phone_page, "document.fonts.status === 'loaded'")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone_page.screenshot(path=str(OUTPUT / "admin-audit-phone.png"), full_page=True)
    assert (OUTPUT / "admin-dashboard.png").stat().st_size > 20_000


def test_first_start_login_page_explains_create_admin(served, tabs):
    page = tabs(viewport={"width": 390, "height": 844}, is_mobile=True).page
    page.goto("/admin/")
    assert page.locator("pre.command").inner_text() == "python -m bot create-admin"
    assert "ยังไม่มีบัญชีผู้ดูแลระบบ" in page.locator("main").inner_text()
    OUTPUT.mkdir(exist_ok=True)
    wait_in_page(page, "document.fonts.status === 'loaded'")
    page.screenshot(path=str(OUTPUT / "admin-first-start-phone.png"), full_page=True)
