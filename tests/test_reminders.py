"""Reminders over a whole fiscal year against the fake LINE server (time travel), and their buttons.

Each pass runs as at a simulated time (`tick(now=…)`), as `python -m scheduler tick --now` does;
the expected days below are worked out by hand from the Thai calendar of FY 2570.
"""
import shutil
from collections import defaultdict
from datetime import date

import pytest

from db import reminders as store
from reminder_helpers import (
    ADMIN,
    AUDIT_STAFF,
    ENGINEERING_GROUP,
    FINANCE_HEAD,
    FINANCE_STAFF,
    at,
    days,
    deadline_ids,
    digest_text,
    make_setup,
    messages_json,
    open_db,
    pushes,
    register,
    run,
    settings,  # noqa: F401  (each test on both engines)
    tap,
)
from bot.line import limits

D = date
# The reminder days of the four report dates of FY 2570 (14, 7, 3, 1 working days before, the day, +1, +3).
JAN = [D(2026, 12, 24), D(2027, 1, 6), D(2027, 1, 12), D(2027, 1, 14), D(2027, 1, 15), D(2027, 1, 18), D(2027, 1, 20)]
APR = [D(2027, 3, 22), D(2027, 3, 31), D(2027, 4, 7), D(2027, 4, 9), D(2027, 4, 12), D(2027, 4, 16), D(2027, 4, 20)]
JUL = [D(2027, 6, 25), D(2027, 7, 6), D(2027, 7, 12), D(2027, 7, 14), D(2027, 7, 15), D(2027, 7, 16), D(2027, 7, 22)]
OCT = [D(2027, 9, 24), D(2027, 10, 5), D(2027, 10, 11), D(2027, 10, 14), D(2027, 10, 15), D(2027, 10, 18), D(2027, 10, 20)]
TICK_HOURS = (8, 9, 13, 20)  # 08:00 and 20:00 must never send; 13:00 finds nothing new


@pytest.fixture
def db(settings):
    database = open_db(settings)
    yield database
    database.close()




def test_a_whole_fiscal_year_of_reminders(settings, fake_line, db):
    fake_line.state.quota = 100_000
    fake_line.state.set_members(ENGINEERING_GROUP, 4)
    register(db, ENGINEERING_GROUP, "engineering")
    register(db, FINANCE_STAFF, "finance")
    register(db, FINANCE_HEAD, "finance", role="head")
    register(db, AUDIT_STAFF, "audit")
    register(db, ADMIN, "*", role="admin")
    setup = make_setup(settings)
    sent: dict[str, list[tuple[date, int]]] = defaultdict(list)  # chat → (day, hour) of each push
    by_chat_day = {}
    taps = {}

    def finance_reports_q1():
        q1 = store.find_deadline(db, 2570, "budget", "q1", "finance")
        assert q1["id"] in deadline_ids(by_chat_day[(FINANCE_STAFF, D(2027, 1, 15))])
        answer = tap(db, settings, setup, "reminder-ack", q1["id"], f"user:{FINANCE_STAFF}", FINANCE_STAFF, at(D(2027, 1, 15), 10, 30))
        assert "ขอบคุณค่ะ" in answer and "ตรงตามกำหนด" in answer
        again = tap(db, settings, setup, "reminder-ack", q1["id"], f"user:{FINANCE_HEAD}", FINANCE_HEAD, at(D(2027, 1, 15), 11))
        assert "บันทึกไว้แล้ว" in again

    def audit_holds_the_campaign():
        activity = store.find_deadline(db, 2570, "anti-corruption-campaign", "activity", "audit")
        assert activity["id"] in deadline_ids(by_chat_day[(AUDIT_STAFF, D(2027, 3, 11))], "activity-held")
        answer = tap(db, settings, setup, "activity-held", activity["id"], f"user:{AUDIT_STAFF}", AUDIT_STAFF, at(D(2027, 3, 18), 14))
        assert "จัดกิจกรรม" in answer and "วันศุกร์ที่ 2 เมษายน 2570" in answer  # 18 Mar + 15 days

    def audit_reports_the_campaign():
        report = store.find_deadline(db, 2570, "anti-corruption-campaign", "activity-report", "audit")
        assert report["due_date"] == "2027-04-02"
        assert report["id"] in deadline_ids(by_chat_day[(AUDIT_STAFF, D(2027, 4, 1))])
        tap(db, settings, setup, "reminder-ack", report["id"], f"user:{AUDIT_STAFF}", AUDIT_STAFF, at(D(2027, 4, 1), 10))

    taps[(D(2027, 1, 15), 9)] = finance_reports_q1
    taps[(D(2027, 3, 18), 13)] = audit_holds_the_campaign
    taps[(D(2027, 4, 1), 9)] = audit_reports_the_campaign

    for day in days(D(2026, 11, 1), D(2027, 10, 31)):
        for hour in TICK_HOURS:
            before = len(pushes(fake_line))
            run(db, setup, at(day, hour))
            for push in pushes(fake_line)[before:]:
                sent[push.json["to"]].append((day, hour))
                assert (push.json["to"], day) not in by_chat_day, "two pushes to one chat on one day"
                by_chat_day[(push.json["to"], day)] = push
                assert not limits.problems(push.json["messages"])
            if (day, hour) in taps:
                taps[(day, hour)]()

    # Only at 09:00 on working days, never at 08:00, in the afternoon pass or at night.
    assert {hour for chat in sent.values() for _, hour in chat} == {9}
    assert all(setup.calendar.is_working_day(day) for chat in sent.values() for day, _ in chat)
    got = {chat: [day for day, _ in found] for chat, found in sent.items()}
    assert got[ENGINEERING_GROUP] == JAN + APR + JUL + OCT
    # Finance reported Q1 on the due day: no follow-ups in January.
    assert got[FINANCE_STAFF] == JAN[:5] + APR + JUL + OCT
    assert got[FINANCE_HEAD] == JAN[:5] + APR + JUL + OCT
    # Audit: the campaign reminder (11 Mar) until "จัดกิจกรรมแล้ว" on 18 Mar, then its report (due 2 Apr).
    campaign = [D(2027, 3, 11), D(2027, 3, 22), D(2027, 3, 24), D(2027, 3, 30), D(2027, 3, 31), D(2027, 4, 1)]
    assert got[AUDIT_STAFF] == JAN + campaign + APR[2:] + JUL + OCT
    # The admins hear only of reports still missing three working days after the due date.
    assert got[ADMIN] == [JAN[6], APR[6], JUL[6], OCT[6]]

    # Due on a holiday: 15 April (Songkran) became Monday 12 April.
    april = by_chat_day[(ENGINEERING_GROUP, D(2027, 4, 12))]
    assert "วันจันทร์ที่ 12 เมษายน 2570" in messages_json(april) and len(deadline_ids(april)) == 5
    # Measure 2 is for the heads: finance's head gets it, finance's staff do not; engineering has no head registered.
    m2_finance = store.find_deadline(db, 2570, "fair-assignment", "m7", "finance")["id"]
    assert m2_finance in deadline_ids(by_chat_day[(FINANCE_HEAD, D(2027, 4, 12))])
    assert m2_finance not in deadline_ids(by_chat_day[(FINANCE_STAFF, D(2027, 4, 12))])
    # Escalation: the group's 20 April digest says so; the admin's lists every division's missing reports.
    assert "⚠️" in digest_text(by_chat_day[(ENGINEERING_GROUP, D(2027, 4, 20))])
    admin_april = by_chat_day[(ADMIN, D(2027, 4, 20))]
    assert len(admin_april.json["messages"]) == 5  # text + carousels of 12, 12, 12, 1
    assert len(deadline_ids(admin_april)) == 37 and "สำนักปลัด" in digest_text(admin_april)
    assert len(deadline_ids(by_chat_day[(ADMIN, D(2027, 1, 20))])) == 6  # Q1 of all but finance

    # What the admin console will show.
    rows = {(r["measure_id"], r["key"], r["division_id"]): r for r in store.deadlines_of_year(db, 2570, D(2027, 10, 31))}
    assert rows[("budget", "q1", "finance")]["status"] == "on_time"
    assert rows[("budget", "q1", "engineering")]["status"] == "missing"
    assert rows[("budget", "q1", "engineering")]["reminders_sent"] == 8  # 7 steps to the group, +3 to the admin too
    assert rows[("anti-corruption-campaign", "activity", "audit")]["status"] == "on_time"
    assert rows[("anti-corruption-campaign", "activity-report", "audit")]["status"] == "on_time"
    acks = store.acknowledgements(db, 2570)
    assert [(a["division_id"], a["key"], a["done_by"], a["done_on"]) for a in acks] == [
        ("finance", "q1", FINANCE_STAFF, "2027-01-15"),
        ("audit", "activity", AUDIT_STAFF, "2027-03-18"),
        ("audit", "activity-report", AUDIT_STAFF, "2027-04-01"),
    ]


def test_status_upcoming_reminded_and_late(settings, fake_line, db):
    register(db, ENGINEERING_GROUP, "engineering")
    setup = make_setup(settings)
    run(db, setup, at(D(2027, 1, 5)))
    q1 = store.find_deadline(db, 2570, "budget", "q1", "engineering")
    status = lambda today: {r["id"]: r["status"] for r in store.deadlines_of_year(db, 2570, today)}[q1["id"]]  # noqa: E731
    assert status(D(2027, 1, 5)) == "upcoming"
    run(db, setup, at(D(2027, 1, 6)))
    assert status(D(2027, 1, 6)) == "reminded"
    answer = tap(db, settings, setup, "reminder-ack", q1["id"], f"group:{ENGINEERING_GROUP}", "U" + "1" * 32, at(D(2027, 1, 19), 15))
    assert "ช้ากว่ากำหนด 2 วันทำการ" in answer
    assert status(D(2027, 1, 19)) == "late"
    before = len(pushes(fake_line))
    run(db, setup, at(D(2027, 1, 20)))
    assert len(pushes(fake_line)) == before  # no escalation for a report already in


def test_after_downtime_one_digest_with_the_latest_step(settings, fake_line, db):
    register(db, ENGINEERING_GROUP, "engineering")
    setup = make_setup(settings)
    run(db, setup, at(D(2027, 3, 1)))
    # The clock was down from 1 March to 8 April: -14, -7 and -3 of the April reports were missed.
    run(db, setup, at(D(2027, 4, 8), 10, 30))
    [push] = pushes(fake_line)
    assert "อีก 2 วันทำการ" in messages_json(push)  # the -3 step's items, as of today
    steps = {r["step"] for r in store.reminders_sent(db, 2570)}
    assert steps == {"-3"}


def test_a_sao_day_off_moves_a_due_date_and_silences_that_day(settings, fake_line, db, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(settings.content_dir, content)
    (content / "days-off.yaml").write_text("days_off:\n  - date: 2027-01-15\n    name: งานบุญประจำปีของตำบล\n", encoding="utf-8")
    register(db, ENGINEERING_GROUP, "engineering")
    setup = make_setup(settings, content_dir=content)
    for day in days(D(2027, 1, 13), D(2027, 1, 15)):
        run(db, setup, at(day))
    sent_days = [r["send_on"] for r in store.reminders_sent(db, 2570)]
    assert "2027-01-15" not in sent_days and "2027-01-14" in sent_days
    q1 = store.find_deadline(db, 2570, "budget", "q1", "engineering")
    assert (q1["nominal_date"], q1["due_date"]) == ("2027-01-15", "2027-01-14")


def test_buttons_check_the_chat_the_record_and_a_second_tap(settings, fake_line, db):
    register(db, ENGINEERING_GROUP, "engineering")
    register(db, ADMIN, "*", role="admin")
    setup = make_setup(settings)
    run(db, setup, at(D(2027, 1, 6)))
    q1 = store.find_deadline(db, 2570, "budget", "q1", "engineering")
    when = at(D(2027, 1, 7), 10)
    stranger = "U" + "5" * 32
    assert "ไม่ได้ลงทะเบียน" in tap(db, settings, setup, "reminder-ack", q1["id"], f"user:{stranger}", stranger, when)
    assert "ไม่พบเรื่องนี้" in tap(db, settings, setup, "reminder-ack", 999999, f"group:{ENGINEERING_GROUP}", None, when)
    detail = tap(db, settings, setup, "reminder-detail", q1["id"], f"group:{ENGINEERING_GROUP}", None, when)
    assert "แนวทางการใช้งบประมาณ" in detail and "วันศุกร์ที่ 15 มกราคม 2570" in detail and "แจ้งเตือนแล้ว" in detail
    assert "ใช้กับเรื่องนี้ไม่ได้" in tap(db, settings, setup, "activity-held", q1["id"], f"group:{ENGINEERING_GROUP}", None, when)
    # An admin may record it for the division.
    assert "ขอบคุณค่ะ" in tap(db, settings, setup, "reminder-ack", q1["id"], f"user:{ADMIN}", ADMIN, when)
    assert "บันทึกไว้แล้ว" in tap(db, settings, setup, "reminder-ack", q1["id"], f"group:{ENGINEERING_GROUP}", None, when)
    assert store.deadline(db, q1["id"])["done_by"] == ADMIN


def test_unregistering_stops_what_was_waiting(settings, fake_line, db):
    from db import staff, transaction

    register(db, ENGINEERING_GROUP, "engineering")
    setup = make_setup(settings)
    with transaction(db):
        staff.unregister_chat(db, f"group:{ENGINEERING_GROUP}")
    run(db, setup, at(D(2027, 1, 6)))
    assert pushes(fake_line) == []


def test_quota_short_sends_escalations_first_and_tells_the_admins(settings, fake_line, db):
    register(db, ENGINEERING_GROUP, "engineering")
    register(db, FINANCE_STAFF, "finance")
    register(db, ADMIN, "*", role="admin")
    fake_line.state.set_members(ENGINEERING_GROUP, 5)
    setup = make_setup(settings)
    run(db, setup, at(D(2027, 1, 5)))
    # 20 Jan: finance's staff get their +3 escalation (1), the group too (5 members), the admin (1).
    fake_line.state.quota = 3
    report = run(db, setup, at(D(2027, 1, 20)))
    assert report.quota_remaining == 3 and report.quota_needed == 7
    to = [p.json["to"] for p in pushes(fake_line)]
    assert sorted(to) == sorted([ADMIN, ADMIN, FINANCE_STAFF])  # the notice, the admin's digest, finance
    notice = [p for p in pushes(fake_line) if "โควตา" in digest_text(p)]
    assert len(notice) == 1 and "เหลือ 3 ข้อความ ต้องใช้ 7 ข้อความ" in digest_text(notice[0])
    assert report.deferred_chats == [f"group:{ENGINEERING_GROUP}"]
    # More quota (a new month, a paid plan): the deferred digest goes out at the next pass.
    fake_line.state.quota = 100
    run(db, setup, at(D(2027, 1, 20), 11))
    assert [p.json["to"] for p in pushes(fake_line)][-1] == ENGINEERING_GROUP


def test_a_digest_of_many_items_keeps_to_lines_limits(settings):
    from bot.reminders.digest import DigestItem, build

    items = [
        DigestItem(i, "report", 1, "แนวทางการใช้งบประมาณ " * 5, f"รายงานผลไตรมาสที่ {i % 4 + 1}", "ผลการดำเนินงาน " * 20,
                   f"กองที่ {i} 🏛️", D(2027, 1, 15), -3 if i % 2 else 4, bool(i % 2))
        for i in range(70)
    ]
    messages = build(items, "")
    assert len(messages) == 5 and not limits.problems(messages)
    assert sum(len(m["contents"].get("contents", [m["contents"]])) for m in messages[1:]) == 48
    assert "และอีก" in messages[0]["text"] or messages[0]["text"].count("\n") > 70
