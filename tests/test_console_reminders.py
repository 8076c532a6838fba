"""The console's measures-plan page, staff registration page and dashboard cards."""
from __future__ import annotations

import csv
import io
from datetime import date

from bot.pipeline import effects
from bot.content.profile import load_profile
from bot.common.thaidate import fiscal_year, now
from db import audit_log, questions, staff, transaction
from db import reminders as store
from reminder_helpers import ENGINEERING_GROUP, at, make_setup, register, run, tap


def _deadlines(db, fy: int, division: str | None = None) -> list[dict]:
    rows = store.deadlines_of_year(db, fy, now().date())
    return [r for r in rows if division is None or r["division_id"] == division]


def _token(console, client):
    return console.token(client, "/admin/account/password")


def test_the_page_plans_the_year_and_filters(console, admin_client):
    fy = fiscal_year(now().date())
    page = admin_client.get("/admin/reminders").get_data(as_text=True)
    assert f"กำหนดส่งรายงาน ปีงบประมาณ {fy}" in page
    rows = _deadlines(console.db, fy)
    assert len(rows) > 20 and f'data-deadline="{rows[0]["id"]}"' in page
    only = admin_client.get(f"/admin/reminders?fy={fy}&division=engineering").get_data(as_text=True)
    assert only.count("data-deadline=") == len(_deadlines(console.db, fy, "engineering"))
    measure = rows[0]["measure_id"]
    one = admin_client.get(f"/admin/reminders?fy={fy}&measure={measure}").get_data(as_text=True)
    assert one.count("data-deadline=") == sum(1 for r in rows if r["measure_id"] == measure)
    missing = admin_client.get(f"/admin/reminders?fy={fy - 1}&status=missing").get_data(as_text=True)
    assert "เลยกำหนด ยังไม่ส่ง" in missing and missing.count("data-deadline=") == sum(
        1 for r in _deadlines(console.db, fy - 1) if r["status"] == "missing")


def test_an_admin_records_a_report_with_the_buttons_function(console, admin_client, settings):
    fy = fiscal_year(now().date())
    admin_client.get(f"/admin/reminders?fy={fy - 1}")  # plans last year too: its deadlines are past
    admin_client.get(f"/admin/reminders?fy={fy}")
    past = next(r for r in _deadlines(console.db, fy - 1, "finance") if r["kind"] == "report")
    future = next(r for r in _deadlines(console.db, fy, "engineering") if r["kind"] == "report" and r["status"] == "upcoming")
    token = _token(console, admin_client)
    for row in (past, future):
        response = admin_client.post(f"/admin/reminders/{row['id']}/done", data={"csrf_token": token, "fy": str(row["fiscal_year"])})
        assert response.status_code == 302 and f"fy={row['fiscal_year']}" in response.headers["Location"]
    late, on_time = store.deadline(console.db, past["id"]), store.deadline(console.db, future["id"])
    assert late["done_by"] == "console:somchai" and late["done_chat"] == "console" and late["late_working_days"] > 0
    assert on_time["late_working_days"] == 0
    statuses = {r["id"]: r["status"] for r in _deadlines(console.db, fy - 1) + _deadlines(console.db, fy)}
    assert statuses[past["id"]] == "late" and statuses[future["id"]] == "on_time"
    entries = audit_log.search(console.db, audit_log.AuditFilter(action="deadline.report"))
    assert {e.target for e in entries} == {f"deadline:{past['id']}", f"deadline:{future['id']}"}
    page = admin_client.get(f"/admin/reminders?fy={fy - 1}&division=finance").get_data(as_text=True)
    assert "somchai (บันทึกในระบบจัดการ)" in page and "ส่งแล้ว ช้ากว่ากำหนด" in page
    # A second record changes nothing; the LINE button then says it is already recorded.
    admin_client.post(f"/admin/reminders/{past['id']}/done", data={"csrf_token": token})
    assert len(audit_log.search(console.db, audit_log.AuditFilter(action="deadline.report"))) == 2
    register(console.db, "U" + "f" * 32, "finance")
    setup = make_setup(settings, sender=False)
    answer = tap(console.db, settings, setup, "reminder-ack", past["id"], "user:U" + "f" * 32, "U" + "f" * 32, now())
    assert "บันทึกไว้แล้ว" in answer and store.deadline(console.db, past["id"])["done_by"] == "console:somchai"


def test_reminders_sent_show_on_the_page(console, admin_client, settings, fake_line):
    register(console.db, ENGINEERING_GROUP, "engineering")
    setup = make_setup(settings)
    report = run(console.db, setup, at(date(2027, 4, 12)))  # FY 2570: the Q2 reports' due day (moved for Songkran)
    assert report.delivered
    sent = {r["deadline_id"] for r in store.reminders_sent(console.db, 2570)}
    page = admin_client.get("/admin/reminders?fy=2570&division=engineering").get_data(as_text=True)
    for deadline_id in sent:
        row = page.split(f'data-deadline="{deadline_id}"')[1].split("</tr>")[0]
        assert "1 ครั้ง" in row and "ล่าสุด 12 เม.ย. 2570" in row


def test_staff_see_their_division_and_cannot_record(console):
    console.make_user("wichai", "staff", "engineering")
    client = console.login("wichai")
    fy = fiscal_year(now().date())
    client.get(f"/admin/reminders?fy={fy}")  # plans the year
    page = client.get(f"/admin/reminders?fy={fy}&division=finance").get_data(as_text=True)  # the URL asks for another
    mine = _deadlines(console.db, fy, "engineering")
    assert page.count("data-deadline=") == len(mine) and "กองคลัง" not in page.split("<tbody>")[1]
    assert "บันทึกว่าส่งแล้ว" not in page
    finance = _deadlines(console.db, fy, "finance")[0]
    assert client.post(f"/admin/reminders/{finance['id']}/done", data={"csrf_token": _token(console, client)}).status_code == 403
    assert store.deadline(console.db, finance["id"])["done_at"] is None
    data = client.get(f"/admin/reminders/export.csv?fy={fy}").get_data()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["ปีงบประมาณ", "มาตรการที่", "มาตรการ", "กอง"]
    assert {r[3] for r in rows[1:]} == {"กองช่าง"} and len(rows) - 1 == len(mine)
    console.make_user("auditor1", "auditor")
    assert console.login("auditor1").get("/admin/reminders").status_code == 403


# --- staff registration -------------------------------------------------------------------------


def _register_with(console, settings, code: str, chat_key: str) -> str:
    kind = chat_key.split(":", 1)[0]
    request = effects.EffectRequest(
        db=console.db, args={"code": code}, chat_key=chat_key, chat_kind=kind, user_id="U" + "7" * 32, inbox_id=0,
        event_key="t", profile=load_profile(settings.content_dir / "profile.yaml"), now=now(),
        divisions=console.divisions,
    )
    with transaction(console.db):
        result = effects.run("staff-register", request)
    return " ".join(r["text"] for r in result.replies)


def test_codes_registrations_and_unregistering(console, admin_client, settings):
    import bot.staff.registration  # noqa: F401  (registers the LINE command's effect)

    token = _token(console, admin_client)
    bad = admin_client.post("/admin/staff/codes", data={"csrf_token": token, "role": "staff", "division": "", "days": "99"})
    assert bad.status_code == 400 and "กรุณาเลือกกอง" in bad.get_data(as_text=True) and "1 ถึง 30 วัน" in bad.get_data(as_text=True)
    assert staff.codes(console.db) == []
    made = admin_client.post("/admin/staff/codes", data={"csrf_token": token, "role": "head", "division": "welfare", "days": "3"})
    assert made.status_code == 302
    [code] = staff.codes(console.db)
    assert (code.division_id, code.role) == ("welfare", "head") and 2.9 < (code.expires_at - now().timestamp()) / 86400 <= 3
    page = admin_client.get(made.headers["Location"]).get_data(as_text=True)
    assert f'class="code-shown">{code.code}' in page and f"ลงทะเบียน {code.code}" in page
    entry = audit_log.search(console.db, audit_log.AuditFilter(action="staff.code"))[0]
    assert entry.details["role"] == "head" and code.code not in str(entry.details)  # the code itself is not logged

    group = "group:C" + "b" * 32
    assert "ลงทะเบียนเรียบร้อยแล้ว" in _register_with(console, settings, code.code, group)
    page = admin_client.get("/admin/staff").get_data(as_text=True)
    assert "กองสวัสดิการสังคม" in page and "หัวหน้าส่วนราชการ" in page and "กลุ่ม LINE" in page and "C" + "b" * 32 not in page
    [recipient] = staff.all_active(console.db)
    assert admin_client.post(f"/admin/staff/{recipient.id}/remove", data={"csrf_token": token}).status_code == 302
    assert staff.all_active(console.db) == []

    admin_client.post("/admin/staff/codes", data={"csrf_token": token, "role": "admin", "division": "", "days": "7"})
    [admin_code] = [c for c in staff.codes(console.db) if c.used_at is None and c.expires_at > now().timestamp()]
    assert admin_code.division_id == "*"
    assert admin_client.post(f"/admin/staff/codes/{admin_code.code}/revoke", data={"csrf_token": token}).status_code == 302
    assert "ไม่ถูกต้อง" in _register_with(console, settings, admin_code.code, "user:U" + "8" * 32) or staff.all_active(console.db) == []
    actions = {e.action for e in audit_log.search(console.db, audit_log.AuditFilter())}
    assert {"staff.code", "staff.unregister", "staff.code_revoke"} <= actions


def test_only_admins_manage_registration(console):
    console.make_user("wichai", "staff", "engineering")
    client = console.login("wichai")
    assert client.get("/admin/staff").status_code == 403
    assert client.post("/admin/staff/codes", data={"csrf_token": _token(console, client), "role": "admin"}).status_code == 403
    assert staff.codes(console.db) == []


# --- dashboard ------------------------------------------------------------------------------------


def test_dashboard_cards_for_questions_and_deadlines(console, admin_client):
    db = console.db
    with transaction(db):
        for i, (outcome, procedure, vote) in enumerate([
            ("answered", "elderly-allowance", "up"), ("answered", "building-permit", "down"), ("answered", "water-supply", None),
            ("unanswered", None, None), ("outside", None, None),
        ]):
            questions.record(db, ref=f"r{i}", chat_key="user:U1", user_id="U1", question=f"คำถาม {i}", outcome=outcome,
                             procedure_id=procedure)
            if vote:
                questions.set_feedback(db, f"r{i}", vote)
    admin_client.get("/admin/reminders")  # plans this fiscal year
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "คำถามถึงคู่มือวันนี้" in page and "ตอบได้ 3 · ไม่ทราบ 1 · เดือนนี้ 5 คำถาม" in page
    assert "60%" in page and "ตรง 1 · ไม่ตรง 1" in page and "คำถามรอปรับปรุงคู่มือ 3" in page
    assert "คำถามถึงคู่มือ 30 วันล่าสุด" in page and "รวม 5 คำถาม บอทตอบได้ 3 (60%)" in page
    upcoming = store.upcoming(db, now().date(), limit=6)
    assert "กำหนดส่งรายงานที่ใกล้ถึง" in page and upcoming[0]["label"] in page
    # Staff of engineering: only questions answered with their procedures, only their deadlines.
    console.make_user("wichai", "staff", "engineering")
    staff_page = console.login("wichai").get("/admin/").get_data(as_text=True)
    assert "เดือนนี้ 2 คำถาม" in staff_page and "ตรง 0 · ไม่ตรง 1" in staff_page  # building permit, water supply
    mine = store.upcoming(db, now().date(), limit=6, division_ids=["engineering"])
    assert mine[0]["label"] in staff_page and "กองคลัง" not in staff_page.split("กำหนดส่งรายงานที่ใกล้ถึง")[1]


def test_an_admin_records_an_activity_and_its_report_is_planned(console, admin_client):
    fy = fiscal_year(now().date())
    admin_client.get(f"/admin/reminders?fy={fy}")
    activity = next(r for r in _deadlines(console.db, fy) if r["kind"] == "activity")
    page = admin_client.get(f"/admin/reminders?fy={fy}&measure={activity['measure_id']}").get_data(as_text=True)
    assert "บันทึกว่าจัดกิจกรรมแล้ว" in page
    response = admin_client.post(f"/admin/reminders/{activity['id']}/done", data={"csrf_token": _token(console, admin_client)})
    assert response.status_code == 302
    assert store.deadline(console.db, activity["id"])["done_by"] == "console:somchai"
    report = next(r for r in store.deadlines_of_year(console.db, fy, now().date()) + store.deadlines_of_year(console.db, fy + 1, now().date())
                  if r["kind"] == "activity-report" and r["division_id"] == activity["division_id"])
    assert report["measure_id"] == activity["measure_id"] and report["done_at"] is None
    entry = audit_log.search(console.db, audit_log.AuditFilter(action="deadline.activity"))[0]
    assert entry.details["report_due"] == report["due_date"]
