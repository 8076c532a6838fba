"""Finding F2, separation of duties: an admin must never hold a working auditor account,
since auditors alone read corruption reports. Giving auditor access from the console is a
request another auditor confirms; with no auditor, only the command line on the server does
it; every change to an auditor account is pushed to the audit unit's LINE once and is in the
auditors' own view of the audit log."""
import io

import pytest

from admin_support import PASSWORD, csrf_from
from bot.__main__ import main
from bot.console import accounts, auditor_requests
from bot.console.audit import Actor
from db import admin_users, audit_log, outbox, staff, transaction
from db import auditor_requests as requests_store
from helpers import user_id

AUDIT_UNIT = user_id()  # the audit unit's LINE chat
ADMINS_CHAT = user_id()


@pytest.fixture
def office(console, admin):
    """An admin (somchai, signed in), an active auditor (malee), and the audit unit's and the
    admins' LINE chats registered."""
    console.make_user("malee", "auditor", display_name="มาลี ตรวจสอบ")
    db = console.db
    with transaction(db):
        staff.register(db, chat_key=f"user:{AUDIT_UNIT}", kind="user", line_id=AUDIT_UNIT, division_id="audit", role="staff", registered_by=None)
        staff.register(db, chat_key=f"user:{ADMINS_CHAT}", kind="user", line_id=ADMINS_CHAT, division_id="*", role="admin", registered_by=None)
    return console


def _post(console, client, path, **data):
    return client.post(path, data={**data, "csrf_token": console.token(client)})


def _pending(console):
    return requests_store.pending(console.db)


def _temporary_password(html: str) -> str:
    return html.split('id="temporary-password">')[1].split("<")[0]


def _sign_in_fails(console, username, password):
    console.login(username, password, expect=401)


def _audit_unit_messages(fake_line) -> str:
    return "\n".join(m["text"] for m in fake_line.state.messages_to(AUDIT_UNIT))


def test_an_admin_creating_an_auditor_gets_no_account_until_an_auditor_confirms(office, admin_client, fake_line):
    console = office
    response = _post(console, admin_client, "/admin/users/new", username="newaudit", display_name="สมใจ ใหม่", role="auditor")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "ส่งคำขอให้หน่วยตรวจสอบพิจารณาแล้ว" in page and "temporary-password" not in page
    assert "ขอสร้างบัญชีผู้ตรวจสอบ <strong>newaudit</strong>" in page
    assert admin_users.get_with_hash(console.db, "newaudit") is None  # nothing to sign in with
    _sign_in_fails(console, "newaudit", PASSWORD)

    (request,) = _pending(console)
    auditor = console.login("malee")
    assert "newaudit" in auditor.get("/admin/auditors").get_data(as_text=True)
    shown = _post(console, auditor, f"/admin/auditors/requests/{request.id}/confirm").get_data(as_text=True)
    assert "สร้างบัญชีผู้ตรวจสอบเรียบร้อยแล้ว" in shown
    temporary = _temporary_password(shown)
    created = admin_users.get_with_hash(console.db, "newaudit")[0]
    assert created.role == "auditor" and created.active and created.must_change_password and created.display_name == "สมใจ ใหม่"
    assert requests_store.get(console.db, request.id).status == "confirmed"
    # The new auditor signs in with what the confirming auditor handed over, sets a password, reads reports.
    newcomer = console.login("newaudit", temporary)
    token = csrf_from(newcomer.get("/admin/account/password").get_data(as_text=True))
    new_password = "ตรวจสอบ-อย่างรอบคอบ-2570"
    newcomer.post("/admin/account/password", data={"current": temporary, "new": new_password, "confirm": new_password, "csrf_token": token})
    assert newcomer.get("/admin/integrity").status_code == 200
    # The admin never saw the temporary password anywhere.
    for path in ("/admin/users", f"/admin/users/{created.id}", "/admin/audit?period=all"):
        assert temporary not in admin_client.get(path).get_data(as_text=True)


def test_resetting_an_auditors_password_gives_the_admin_no_working_password(office, admin_client, fake_line):
    console = office
    malee = admin_users.get_with_hash(console.db, "malee")[0]
    console.make_user("udom", "auditor")
    malee_client = console.login("malee")
    response = _post(console, admin_client, f"/admin/users/{malee.id}/reset-password")
    assert response.status_code == 302  # a request, not a temporary-password page
    assert "temporary-password" not in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert malee_client.get("/admin/integrity").status_code == 200  # nothing changed: still signed in
    console.login("malee", PASSWORD)  # the old password still works, no new one exists

    (request,) = _pending(console)
    # Malee cannot confirm a reset of her own account; udom can, and gets the password to hand over.
    refused = _post(console, malee_client, f"/admin/auditors/requests/{request.id}/confirm")
    assert "บัญชีของท่านเอง" in malee_client.get(refused.headers["Location"]).get_data(as_text=True)
    temporary = _temporary_password(_post(console, console.login("udom"), f"/admin/auditors/requests/{request.id}/confirm").get_data(as_text=True))
    assert malee_client.get("/admin/integrity").status_code == 302  # her sessions ended
    _sign_in_fails(console, "malee", PASSWORD)
    console.login("malee", temporary)
    assert temporary not in admin_client.get("/admin/audit?period=all").get_data(as_text=True)


def test_making_a_staff_member_an_auditor_is_pending_and_confirmed_with_a_new_password(office, admin_client):
    console = office
    wichai = console.make_user("wichai", "staff", "engineering")  # the admin may know this password
    _post(console, admin_client, f"/admin/users/{wichai.id}/role", role="auditor")
    assert admin_users.get(console.db, wichai.id).role == "staff"
    assert "รอผู้ตรวจสอบยืนยันคำขอ" in admin_client.get(f"/admin/users/{wichai.id}").get_data(as_text=True)
    # Asking twice does not queue a second request.
    again = _post(console, admin_client, f"/admin/users/{wichai.id}/role", role="auditor")
    assert "มีคำขอเกี่ยวกับบัญชีนี้รอผู้ตรวจสอบยืนยันอยู่แล้ว" in admin_client.get(again.headers["Location"]).get_data(as_text=True)

    (request,) = _pending(console)
    shown = _post(console, console.login("malee"), f"/admin/auditors/requests/{request.id}/confirm").get_data(as_text=True)
    assert "ให้บทบาทผู้ตรวจสอบเรียบร้อยแล้ว" in shown
    assert admin_users.get(console.db, wichai.id).role == "auditor"
    _sign_in_fails(console, "wichai", PASSWORD)  # the password the admin might know is gone
    console.login("wichai", _temporary_password(shown))


def test_re_enabling_a_disabled_auditor_is_a_request_and_disabling_is_immediate(office, admin_client):
    console = office
    udom = console.make_user("udom", "auditor")
    udom_client = console.login("udom")
    _post(console, admin_client, f"/admin/users/{udom.id}/disable")
    assert not admin_users.get(console.db, udom.id).active and udom_client.get("/admin/").status_code == 302
    _post(console, admin_client, f"/admin/users/{udom.id}/enable")
    assert not admin_users.get(console.db, udom.id).active
    (request,) = _pending(console)
    assert request.kind == "enable"
    auditor = console.login("malee")
    done = _post(console, auditor, f"/admin/auditors/requests/{request.id}/confirm")
    assert "กลับมาใช้งานได้" in auditor.get(done.headers["Location"]).get_data(as_text=True)
    assert admin_users.get(console.db, udom.id).active
    console.login("udom")  # with the password udom had: no one else learnt a new one


def test_an_admin_cannot_confirm_their_own_request(office, admin, admin_client):
    console = office
    _post(console, admin_client, "/admin/users/new", username="newaudit", role="auditor")
    (request,) = _pending(console)
    assert _post(console, admin_client, f"/admin/auditors/requests/{request.id}/confirm").status_code == 403
    with pytest.raises(accounts.AccountError, match="เฉพาะผู้ตรวจสอบ"):
        auditor_requests.confirm(console.db, Actor(admin.id, admin.username), request.id)
    # Not even after becoming an auditor (from the command line, with another admin kept).
    console.make_user("second", "admin")
    accounts.change_role(console.db, Actor(None, "command-line"), admin.id, "auditor", None, console.divisions)
    somchai = console.login("somchai")
    refused = _post(console, somchai, f"/admin/auditors/requests/{request.id}/confirm")
    assert "พิจารณาคำขอของตนเองไม่ได้" in somchai.get(refused.headers["Location"]).get_data(as_text=True)
    assert admin_users.get_with_hash(console.db, "newaudit") is None
    assert _pending(console) == [request]


def test_the_account_rules_refuse_auditor_access_to_anyone_signed_in(office, admin):
    """The console's pages send requests; the account rules themselves refuse the direct change."""
    console = office
    db, somchai = console.db, Actor(admin.id, admin.username)
    malee = admin_users.get_with_hash(db, "malee")[0]
    wichai = console.make_user("wichai", "staff", "engineering")
    with pytest.raises(accounts.AccountError, match="ต้องส่งเป็นคำขอ"):
        accounts.create_user(db, somchai, username="sneaky", role="auditor", password=PASSWORD, divisions=console.divisions)
    with pytest.raises(accounts.AccountError, match="ต้องส่งเป็นคำขอ"):
        accounts.change_role(db, somchai, wichai.id, "auditor", None, console.divisions)
    with pytest.raises(accounts.AccountError, match="ต้องส่งเป็นคำขอ"):
        accounts.reset_password(db, somchai, malee.id)
    accounts.set_active(db, somchai, malee.id, False)  # taking access away stays immediate
    with pytest.raises(accounts.AccountError, match="ต้องส่งเป็นคำขอ"):
        accounts.set_active(db, somchai, malee.id, True)
    assert admin_users.get(db, wichai.id).role == "staff" and admin_users.get_with_hash(db, "sneaky") is None


def test_a_rejected_request_changes_nothing(office, admin_client, fake_line):
    console = office
    _post(console, admin_client, "/admin/users/new", username="newaudit", role="auditor")
    (request,) = _pending(console)
    auditor = console.login("malee")
    _post(console, auditor, f"/admin/auditors/requests/{request.id}/reject", reason="ไม่ได้แจ้งหน่วยตรวจสอบไว้ก่อน")
    decided = requests_store.get(console.db, request.id)
    assert decided.status == "rejected" and decided.decided_by == "malee" and decided.reason == "ไม่ได้แจ้งหน่วยตรวจสอบไว้ก่อน"
    assert admin_users.get_with_hash(console.db, "newaudit") is None
    refused = _post(console, auditor, f"/admin/auditors/requests/{request.id}/confirm")  # too late
    assert "พิจารณาไปแล้ว" in auditor.get(refused.headers["Location"]).get_data(as_text=True)
    assert "ปฏิเสธคำขอสร้างบัญชีผู้ตรวจสอบ “newaudit” แล้ว" in _audit_unit_messages(fake_line)


def test_with_no_active_auditor_only_the_command_line_gives_auditor_access(console, admin, admin_client, settings, monkeypatch, capsys):
    refused = _post(console, admin_client, "/admin/users/new", username="malee", role="auditor")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "ยังไม่มีผู้ตรวจสอบที่ใช้งานอยู่" in page and "python -m bot create-admin --role auditor" in page
    assert _pending(console) == [] and admin_users.get_with_hash(console.db, "malee") is None

    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["create-admin", "--username", "malee", "--role", "auditor", "--display-name", "มาลี ตรวจสอบ", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "สร้างผู้ตรวจสอบ malee แล้ว" in out and "auditor malee created" in out and "หน่วยตรวจสอบภายใน" in out
    malee = admin_users.get_with_hash(console.db, "malee")[0]
    assert malee.role == "auditor" and malee.active
    (entry,) = audit_log.search(console.db, audit_log.AuditFilter(action="auditor.create"))
    assert entry.actor.startswith("command-line") and entry.actor_id is None and entry.details["username"] == "malee"
    assert console.login("malee").get("/admin/integrity").status_code == 200
    # Recovery of a lost auditor password, also on the server only, also recorded.
    monkeypatch.setenv("ADMIN_PASSWORD", "อีกรหัสหนึ่ง-ยาวพอ-2570")
    assert main(["create-admin", "--username", "malee", "--role", "auditor", "--reset"]) == 0
    (reset,) = audit_log.search(console.db, audit_log.AuditFilter(action="auditor.password_reset"))
    assert reset.actor.startswith("command-line") and reset.details["via"] == "create-admin --reset"
    console.login("malee", "อีกรหัสหนึ่ง-ยาวพอ-2570")


def test_every_change_is_pushed_to_the_audit_unit_once_and_never_to_the_admins(office, admin_client, fake_line):
    console = office
    _post(console, admin_client, "/admin/users/new", username="newaudit", role="auditor")
    (request,) = _pending(console)
    auditor = console.login("malee")
    temporary = _temporary_password(_post(console, auditor, f"/admin/auditors/requests/{request.id}/confirm").get_data(as_text=True))
    newaudit = admin_users.get_with_hash(console.db, "newaudit")[0]
    _post(console, admin_client, f"/admin/users/{newaudit.id}/disable")
    _post(console, admin_client, f"/admin/users/{newaudit.id}/role", role="staff", division_id="finance")

    rows = console.db.execute("SELECT dedupe_key, chat_key, status FROM outbox WHERE purpose = 'auditor-account' ORDER BY id").fetchall()
    assert [r[1] for r in rows] == [f"user:{AUDIT_UNIT}"] * 4  # request, created, disabled, role removed
    assert len({r[0] for r in rows}) == 4 and all(r[2] == "sent" for r in rows)
    text = _audit_unit_messages(fake_line)
    assert text.count("🔐") == 4
    assert "somchai ขอสร้างบัญชีผู้ตรวจสอบ “newaudit”" in text and "จะมีผลเมื่อผู้ตรวจสอบยืนยันเท่านั้น" in text
    assert "สร้างบัญชีผู้ตรวจสอบ “newaudit” โดย malee ตามคำขอของ somchai" in text
    assert "ปิดการใช้งานบัญชีผู้ตรวจสอบ “newaudit” โดย somchai" in text
    assert "ยกเลิกบทบาทผู้ตรวจสอบ “newaudit” โดย somchai" in text
    assert temporary not in text
    assert fake_line.state.messages_to(ADMINS_CHAT) == []
    # Queued once: the same change queued again is ignored.
    dedupe_key, chat_key, _ = rows[0]
    assert outbox.enqueue(console.db, dedupe_key=dedupe_key, chat_key=chat_key, kind="push", to_ids=[AUDIT_UNIT], messages=[{"type": "text", "text": "x"}]) is None


def test_auditors_see_their_part_of_the_audit_log_and_staff_do_not(office, admin_client):
    console = office
    wichai = console.make_user("wichai", "staff", "engineering")
    _post(console, admin_client, f"/admin/users/{wichai.id}/name", display_name="วิชัย ขยันดี")  # not the auditors' business
    _post(console, admin_client, "/admin/users/new", username="newaudit", role="auditor")
    (request,) = _pending(console)
    auditor = console.login("malee")
    _post(console, auditor, f"/admin/auditors/requests/{request.id}/confirm")
    newaudit = admin_users.get_with_hash(console.db, "newaudit")[0]
    _post(console, admin_client, f"/admin/users/{newaudit.id}/disable")

    page = auditor.get("/admin/auditors/log").get_data(as_text=True)
    table = page.split("<table")[1]
    for label in ("ขอเปลี่ยนแปลงบัญชีผู้ตรวจสอบ", "สร้างบัญชีผู้ตรวจสอบ", "ปิดการใช้งานบัญชีผู้ตรวจสอบ", "เข้าสู่ระบบ"):
        assert label in table
    assert f"user:{newaudit.id}" in table and "somchai" in table
    assert "แก้ไขชื่อที่แสดง" not in table and f"user:{wichai.id}" not in table
    assert 'href="/admin/auditors/log"' in auditor.get("/admin/").get_data(as_text=True)  # in the auditors' menu
    assert console.login("wichai").get("/admin/auditors/log").status_code == 403
    assert admin_client.get("/admin/auditors/log").status_code == 403
    assert admin_client.get("/admin/auditors").status_code == 403
    # The admins keep their full log, these entries included.
    assert "สร้างบัญชีผู้ตรวจสอบ" in admin_client.get("/admin/audit?period=all").get_data(as_text=True)


def test_an_auditor_changing_their_own_password_is_told_to_the_audit_unit(office, fake_line):
    console = office
    malee = console.login("malee")
    response = _post(console, malee, "/admin/account/password", current=PASSWORD, new="รหัสใหม่ของมาลี-2570", confirm="รหัสใหม่ของมาลี-2570")
    assert response.status_code == 302
    [entry] = audit_log.search(console.db, audit_log.AuditFilter(action="auditor.password_change"))
    assert entry.actor == "malee" and entry.details == {"username": "malee"}
    assert "เปลี่ยนรหัสผ่านของตนเอง" in _audit_unit_messages(fake_line)
    assert "รหัสใหม่ของมาลี" not in _audit_unit_messages(fake_line)


def test_only_an_auditor_lets_a_line_chat_into_the_audit_unit_and_the_unit_hears_of_it(office, admin_client, fake_line):
    """The audit unit's chats hear of corruption reports: an admin issuing a code for them would
    re-point that news to a chat of their choosing."""
    console = office
    refused = _post(console, admin_client, "/admin/staff/codes", role="staff", division="audit", days="7")
    assert refused.status_code == 400 and "ออกได้โดยผู้ตรวจสอบเท่านั้น" in refused.get_data(as_text=True)
    assert staff.codes(console.db) == []

    malee = console.login("malee")
    issued = _post(console, malee, "/admin/auditors/unit-code", role="staff")
    assert issued.status_code == 302
    [code] = staff.codes(console.db)
    assert code.division_id == "audit"
    assert audit_log.search(console.db, audit_log.AuditFilter(action="auditor.unit_code"))[0].actor == "malee"
    told = _audit_unit_messages(fake_line)
    assert "ออกรหัสลงทะเบียนแชต LINE ของหน่วยตรวจสอบภายใน" in told and code.code not in told
    assert "หน่วยตรวจสอบภายใน" in malee.get("/admin/auditors").get_data(as_text=True)

    # An admin may still remove a registration (it grants nothing), but the unit hears of it.
    [unit_chat] = staff.for_division(console.db, "audit")
    assert _post(console, admin_client, f"/admin/staff/{unit_chat.id}/remove").status_code == 302
    [entry] = audit_log.search(console.db, audit_log.AuditFilter(action="auditor.unit_chat_removed"))
    assert entry.actor == "somchai" and staff.for_division(console.db, "audit") == []
    assert "ยกเลิกการลงทะเบียนแชต LINE ของหน่วยตรวจสอบภายใน" in _audit_unit_messages(fake_line)  # told before it went
