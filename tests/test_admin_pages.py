"""Console pages with the test client: first start, accounts, audit log, dashboard, exports, command line."""
import io
import time

import openpyxl
import pytest

from admin_support import PASSWORD, csrf_from
from bot.__main__ import main
from bot.console import accounts
from bot.console.audit import Actor
from db import admin_users, audit_log, chats, inbox, outbox


def test_with_no_accounts_the_login_page_says_how_to_create_the_first_admin(console):
    page = console.client().get("/admin/login").get_data(as_text=True)
    assert "ยังไม่มีบัญชีผู้ดูแลระบบ" in page and "python -m bot create-admin" in page
    assert 'name="password"' not in page


def test_create_admin_from_the_command_line(settings, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["create-admin", "--username", "Malee", "--display-name", "มาลี ศรีสุข", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "สร้างผู้ดูแลระบบ malee แล้ว" in out and "admin malee created" in out
    from db import open_database

    db = open_database(settings.database_path)
    found, hashed = admin_users.get_with_hash(db, "malee")
    assert found.role == "admin" and found.active and found.display_name == "มาลี ศรีสุข" and not found.must_change_password
    entry = audit_log.search(db, audit_log.AuditFilter(action="user.create"))[0]
    assert entry.actor.startswith("command-line") and entry.details["username"] == "malee"

    # Again: refused, says how to reset instead.
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["create-admin", "--username", "malee", "--password-stdin"]) == 1
    assert "--reset" in capsys.readouterr().err
    # --reset (recovery): new password, active admin again.
    monkeypatch.setenv("ADMIN_PASSWORD", "อีกรหัสหนึ่ง-ยาวพอ-2570")
    assert main(["create-admin", "--username", "malee", "--reset"]) == 0
    _, new_hash = admin_users.get_with_hash(db, "malee")
    from bot.console.passwords import verify_password

    assert verify_password(new_hash, "อีกรหัสหนึ่ง-ยาวพอ-2570") and not verify_password(new_hash, PASSWORD)


@pytest.mark.parametrize(
    "argv, stdin, thai, english",
    [
        (["--username", "ab"], PASSWORD, "ชื่อผู้ใช้ต้องยาว", "username must be"),
        (["--username", "malee"], "short", "อย่างน้อย 10", "at least 10"),
        (["--username", "malee"], "malee-malee-123", "ชื่อผู้ใช้อยู่ในนั้น", "must not contain the username"),
    ],
)
def test_create_admin_explains_mistakes_in_thai_and_english(settings, monkeypatch, capsys, argv, stdin, thai, english):
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin + "\n"))
    assert main(["create-admin", *argv, "--password-stdin"]) == 2
    err = capsys.readouterr().err
    assert thai in err and english in err


def test_create_admin_without_a_terminal_or_password_says_what_to_do(settings, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["create-admin", "--username", "malee"]) == 2
    assert "ADMIN_PASSWORD" in capsys.readouterr().err


def test_admin_creates_a_staff_account_who_must_change_the_temporary_password(console, admin, admin_client):
    token = console.token(admin_client, "/admin/users/new")
    page = admin_client.post(
        "/admin/users/new",
        data={"username": "Wichai.K", "display_name": "วิชัย  ขยันดี", "role": "staff", "division_id": "engineering", "csrf_token": token},
    ).get_data(as_text=True)
    assert "สร้างบัญชีเรียบร้อยแล้ว" in page
    temporary = page.split('id="temporary-password">')[1].split("<")[0]
    created = admin_users.get_with_hash(console.db, "wichai.k")[0]
    assert created.display_name == "วิชัย ขยันดี" and created.division_id == "engineering" and created.must_change_password
    assert temporary not in str(audit_log.search(console.db, audit_log.AuditFilter()))  # never logged

    staff = console.login("wichai.k", temporary)
    assert staff.get("/admin/").headers["Location"] == "/admin/account/password"  # nothing else until changed
    token = csrf_from(staff.get("/admin/account/password").get_data(as_text=True))
    mismatch = staff.post("/admin/account/password", data={"current": temporary, "new": "ส้มตำไทย-ใส่ปู-2569", "confirm": "อื่น", "csrf_token": token})
    assert mismatch.status_code == 400 and "ไม่ตรงกัน" in mismatch.get_data(as_text=True)
    done = staff.post(
        "/admin/account/password",
        data={"current": temporary, "new": "ส้มตำไทย-ใส่ปู-2569", "confirm": "ส้มตำไทย-ใส่ปู-2569", "csrf_token": token},
    )
    assert done.status_code == 302 and staff.get("/admin/").status_code == 200
    assert console.login("wichai.k", "ส้มตำไทย-ใส่ปู-2569")


@pytest.mark.parametrize(
    "form, message",
    [
        ({"username": "somchai", "role": "auditor"}, "มีชื่อผู้ใช้นี้อยู่แล้ว"),
        ({"username": "SOMCHAI", "role": "auditor"}, "มีชื่อผู้ใช้นี้อยู่แล้ว"),
        ({"username": "ส้มชาย", "role": "auditor"}, "ชื่อผู้ใช้ต้องยาว"),
        ({"username": "newstaff", "role": "staff", "division_id": ""}, "ต้องเลือกกอง"),
        ({"username": "newstaff", "role": "staff", "division_id": "nope"}, "ไม่พบกองนี้"),
        ({"username": "newstaff", "role": "root"}, "บทบาทไม่ถูกต้อง"),
    ],
)
def test_account_mistakes_are_refused_with_a_reason(console, admin_client, form, message):
    token = console.token(admin_client, "/admin/users/new")
    response = admin_client.post("/admin/users/new", data={**form, "csrf_token": token})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def _post(console, client, path, **data):
    return client.post(path, data={**data, "csrf_token": console.token(client)})


def test_the_last_active_admin_cannot_be_locked_out(console, admin, admin_client):
    page = _post(console, admin_client, f"/admin/users/{admin.id}/role", role="auditor")
    assert "เปลี่ยนบทบาทของตนเองไม่ได้" in admin_client.get(page.headers["Location"]).get_data(as_text=True)
    assert "ปิดบัญชีของตนเองไม่ได้" in admin_client.get(_post(console, admin_client, f"/admin/users/{admin.id}/disable").headers["Location"]).get_data(as_text=True)
    # Service level, as another actor (e.g. a second admin who was then disabled): still refused.
    other = Actor(999, "someone")
    with pytest.raises(accounts.AccountError, match="คนสุดท้าย"):
        accounts.set_active(console.db, other, admin.id, False)
    with pytest.raises(accounts.AccountError, match="คนสุดท้าย"):
        accounts.change_role(console.db, other, admin.id, "staff", "palad", console.divisions)
    assert admin_users.get(console.db, admin.id).active
    # With a second admin, the first may go.
    second = console.make_user("malee", "admin")
    second_client = console.login("malee")
    _post(console, second_client, f"/admin/users/{admin.id}/disable")
    assert not admin_users.get(console.db, admin.id).active
    assert admin_client.get("/admin/").status_code == 302  # the disabled admin's session ended at once


def test_role_change_reset_and_enable_are_logged_with_details(console, admin, admin_client):
    staff = console.make_user("wichai", "staff", "engineering")
    staff_client = console.login("wichai")
    _post(console, admin_client, f"/admin/users/{staff.id}/role", role="staff", division_id="finance")
    assert admin_users.get(console.db, staff.id).division_id == "finance"
    assert staff_client.get("/admin/").status_code == 200  # a role change keeps the session, with the new rights
    page = _post(console, admin_client, f"/admin/users/{staff.id}/reset-password").get_data(as_text=True)
    assert "ตั้งรหัสผ่านชั่วคราวแล้ว" in page
    assert staff_client.get("/admin/").status_code == 302  # reset ends the person's sessions
    _post(console, admin_client, f"/admin/users/{staff.id}/disable")
    _post(console, admin_client, f"/admin/users/{staff.id}/enable")
    _post(console, admin_client, f"/admin/users/{staff.id}/name", display_name="วิชัย <script>alert(1)</script>")
    entries = audit_log.search(console.db, audit_log.AuditFilter(target=f"user:{staff.id}"))
    actions = [e.action for e in entries]
    assert actions[:5] == ["user.rename", "user.enable", "user.disable", "user.password_reset", "user.role"]
    role_change = entries[4]
    assert role_change.actor == "somchai" and role_change.actor_id == admin.id and role_change.ip == "127.0.0.1"
    assert role_change.details["old_division"] == "engineering" and role_change.details["division"] == "finance"
    detail = admin_client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in detail and "&lt;script&gt;" in detail


def test_audit_log_page_filters_by_person_action_and_period(console, admin, admin_client):
    console.make_user("malee", "admin")
    old = time.time() - 40 * 86400
    audit_log.record(console.db, actor="malee", action="user.disable", target="user:9", details={}, at=old)
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    table = page.split("<table")[1]
    assert "เข้าสู่ระบบ" in table and "user:9" not in table  # 40 days ago: not in the last 30 days
    from bot.common.thaidate import thai_datetime

    assert thai_datetime(time.time())[:-9] in table  # B.E. dates, Thai months
    everything = admin_client.get("/admin/audit?period=all&actor=malee").get_data(as_text=True)
    assert "ปิดการใช้งานบัญชี" in everything and "user:9" in everything
    from bot.common.thaidate import short_numeric, to_bangkok

    day = short_numeric(to_bangkok(old).date())
    custom = admin_client.get(f"/admin/audit?period=custom&from={day}&to={day}&action=user.disable").get_data(as_text=True)
    assert "user:9" in custom and "1 รายการ" in custom
    wrong = admin_client.get("/admin/audit?period=custom&from=31/02/2569").get_data(as_text=True)
    assert "วันที่ไม่ถูกต้อง" in wrong


def _export(client, fmt, query=""):
    response = client.get(f"/admin/audit/export.{fmt}?period=all{query}")
    assert response.status_code == 200
    return response


def test_audit_export_csv_opens_in_excel_with_thai_and_no_formulas(console, admin, admin_client):
    accounts.rename(console.db, Actor(admin.id, "somchai"), admin.id, '=HYPERLINK("http://evil","คลิก")')
    response = _export(admin_client, "csv")
    assert response.headers["Content-Type"].startswith("text/csv") and "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("ลำดับ,วันและเวลา,ผู้ใช้,การกระทำ")
    assert "แก้ไขชื่อที่แสดง" in text and "new: =HYPERLINK" in text
    import csv

    for row in csv.reader(io.StringIO(text)):
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_audit_export_xlsx_has_thai_headers_and_neutralised_formulas(console, admin, admin_client):
    audit_log.record(console.db, actor="=cmd|'/c calc'!A1", action="+SUM(1,1)", target="@evil", details={"x": "-2+3"})
    response = _export(admin_client, "xlsx")
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert sheet.title == "บันทึกการใช้งาน"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("ลำดับ", "วันและเวลา", "ผู้ใช้", "การกระทำ")
    evil = next(r for r in rows if r[2] and "cmd" in r[2])
    assert evil[2] == "'=cmd|'/c calc'!A1" and evil[3] == "'+SUM(1,1)" and evil[5] == "'@evil"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assert isinstance(rows[1][0], int)  # numbers stay numbers
    assert audit_log.search(console.db, audit_log.AuditFilter(action="audit.export"))[0].details["format"] == "xlsx"


def test_unknown_export_format_is_not_found(admin_client):
    assert admin_client.get("/admin/audit/export.pdf").status_code == 404


def test_dashboard_counts_todays_traffic_and_draws_thirty_days(console, admin, admin_client):
    db = console.db
    now = time.time()
    rows = [
        {"webhook_event_id": f"E{i}", "event_key": f"E{i}", "event_type": "message", "mode": "active",
         "source_key": "user:U1", "payload": "{}", "status": "done"}
        for i in range(3)
    ]
    inbox.store_events(db, rows)
    inbox.store_events(db, [{**rows[0], "webhook_event_id": "OLD", "event_key": "OLD"}])
    db.execute("UPDATE inbox SET received_at = ? WHERE event_key = 'OLD'", (now - 10 * 86400,))
    inbox.store_events(db, [{**rows[0], "webhook_event_id": "P", "event_key": "P", "status": "pending", "event_type": "follow"}])
    for n, status in enumerate(["sent", "sent", "failed"]):
        oid = outbox.enqueue(db, dedupe_key=f"d{n}", chat_key="user:U1", kind="reply", to_ids=[], messages=[{"type": "text", "text": "ค่ะ"}])
        db.execute("UPDATE outbox SET status = ? WHERE id = ?", (status, oid))
    chats.set_status(db, "user:U1", "user", "following")
    chats.set_status(db, "user:U2", "user", "following")
    chats.set_status(db, "group:C1", "group", "joined")

    page = admin_client.get("/admin/").get_data(as_text=True)
    stats = page.split('class="stats"')[1].split("</section>")[0]

    def value(title):
        return stats.split(title)[1].split('class="stat__value">')[1].split("<")[0]

    assert value("ข้อความจากประชาชนวันนี้") == "3" and value("ข้อความที่บอทส่งวันนี้") == "2"
    assert value("ผู้ติดตามบัญชี LINE") == "2" and value("ข้อความที่รอบอทประมวลผล") == "1"
    assert "ส่งไม่สำเร็จ 1" in stats and "กลุ่มที่บอทอยู่ 1" in stats and "stat--warn" in stats
    chart = page.split("<svg")[1].split("</svg>")[0]
    assert chart.count("<rect") == 30 and "ข้อความจากประชาชนต่อวัน" in chart
    assert "รวม 4 ข้อความ" in page  # 3 today + 1 ten days ago, all within 30 days
    assert "เรื่องร้องเรียน" not in stats and "คะแนน" not in stats  # no cards for features that do not exist yet
