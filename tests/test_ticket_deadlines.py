"""Ticket deadlines (issue 18): working days per category and topic from
content/ticket-deadlines.yaml, late tickets told to the assignee and then to the division head
and the admins (once each, never on a day off, within the push quota), closures the citizen
never answered closed by timeout, and the figures the reports publish."""
from __future__ import annotations

import json
import re
import shutil
from datetime import date, datetime

import pytest

from bot.common.thaidate import BANGKOK
from bot.config import PROJECT_ROOT
from bot.content.divisions import load_divisions
from bot.content.profile import ContentError, load_profile
from bot.content.workdays import DayOff, WorkCalendar
from bot.feedback import ticket_deadlines as deadlines
from bot.feedback import ticket_escalation as escalation
from bot.feedback.announce import Office
from bot.feedback.ticket_deadlines import Deadline, DeadlineRules, due_dates, load_rules
from db import open_database, staff, ticket_search, tickets, transaction

CONTENT = PROJECT_ROOT / "content"
RULES = load_rules(CONTENT / "ticket-deadlines.yaml")
CAL = WorkCalendar()
OFFICE = Office(load_profile(CONTENT / "profile.yaml"), load_divisions(CONTENT / "divisions.yaml"), "https://sao.example")
# LINE ids as LINE writes them (the fake LINE server checks them)
SOMCHAI, HEAD, ADMIN = "U" + "a" * 32, "U" + "b" * 32, "U" + "c" * 32
ENG_GROUP, PALAD_GROUP = "C" + "d" * 32, "C" + "e" * 32


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BANGKOK)


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "bot.sqlite3")
    yield database
    database.close()


def file_ticket(db, key: str, category: str, division: str, when: datetime, topic: str | None = None, stamp: bool = True):
    ticket, _ = tickets.create(
        db, prefix="KC", fiscal_year=2570, submission_key=key, category=category, topic=topic, service_id=None,
        division_id=division, chat_key=f"user:U{key}", line_user_id=f"U{key}", description="ไฟถนนดับ บ้านเลขที่ 9",
        location=None, photo_message_ids=[], now=when.timestamp(),
    )
    if stamp:
        deadlines.stamp(db, ticket.id, RULES, CAL, when)
    return tickets.get(db, ticket.id)


def register(db, chat_key: str, division: str, role: str) -> None:
    kind, _, line_id = chat_key.partition(":")
    staff.register(db, chat_key=chat_key, kind=kind, line_id=line_id, division_id=division, role=role, registered_by=None)


def register_everyone(db) -> None:
    register(db, f"user:{SOMCHAI}", "engineering", "staff")
    register(db, f"group:{ENG_GROUP}", "engineering", "staff")
    register(db, f"user:{HEAD}", "engineering", "head")
    register(db, f"group:{PALAD_GROUP}", "palad", "staff")
    register(db, f"user:{ADMIN}", "*", "admin")


def accept(db, ticket, when: datetime, user: str = SOMCHAI, name: str = "นายสมชาย ใจดี") -> None:
    assert tickets.update(db, ticket.id, ticket.status, status="accepted", acknowledged_at=when.timestamp(),
                          assignee_user_id=user, assignee_name=name, assigned_at=when.timestamp())
    tickets.add_event(db, ticket.id, name, ticket.status, "accepted", None, when.timestamp())


def digests(db) -> list[tuple[str, str]]:
    """(chat key, text) of every late-ticket digest queued so far."""
    rows = db.execute("SELECT chat_key, messages FROM outbox WHERE purpose = ? ORDER BY id", (escalation.PURPOSE,))
    return [(chat, "\n".join(m["text"] for m in json.loads(messages))) for chat, messages in rows]


def numbers(text: str) -> set[str]:
    return set(re.findall(r"KC-2570-\d{5}", text))


# --- content/ticket-deadlines.yaml ---------------------------------------------------------------


def test_the_shipped_file_and_a_missing_one(tmp_path):
    assert RULES.for_ticket("village", "light") == Deadline(1, 7)
    assert RULES.for_ticket("village", "road") == Deadline(1, 15)
    assert RULES.for_ticket("complaint_official", None) == Deadline(1, 15)
    assert RULES.escalate_after == 2
    assert load_rules(tmp_path / "ticket-deadlines.yaml") == DeadlineRules()  # no file: the defaults
    (tmp_path / "empty.yaml").write_text("# ยังไม่กำหนด\n", encoding="utf-8")
    assert load_rules(tmp_path / "empty.yaml") == DeadlineRules()


def test_a_category_and_a_topic_take_what_they_leave_out_from_above(tmp_path):
    path = tmp_path / "ticket-deadlines.yaml"
    path.write_text(
        "default:\n  acknowledge: 2\n  resolve: 20\n"
        "categories:\n  complaint_official:\n    resolve: 30\n"
        "  village:\n    acknowledge: 1\n    topics:\n      water:\n        resolve: 3\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules.for_ticket("complaint_official", None) == Deadline(2, 30)
    assert rules.for_ticket("village", "water") == Deadline(1, 3)
    assert rules.for_ticket("village", "road") == Deadline(1, 20)
    assert rules.for_ticket("suggestion", None) == Deadline(2, 20)


MISTAKES = {
    "unknown field": ("deadlines:\n  acknowledge: 1\n", 1, "deadlines: unknown field"),
    "negative days": ("default:\n  acknowledge: -1\n", 2, "default.acknowledge: must be a whole number"),
    "words for days": ("categories:\n  village:\n    resolve: สิบห้า\n", 3, "categories.village.resolve: must be a whole number"),
    "unknown category": ("categories:\n  roads:\n    resolve: 3\n", 2, "categories.roads: unknown field"),
    "topics outside village": ("categories:\n  suggestion:\n    topics:\n      light:\n        resolve: 3\n", 3,
                               "categories.suggestion.topics: unknown field"),
    "unknown topic": ("categories:\n  village:\n    topics:\n      bridge:\n        resolve: 3\n", 4,
                      "categories.village.topics.bridge: unknown field"),
    "acknowledge after resolve": ("default:\n  acknowledge: 10\n  resolve: 5\n", 1, "default: acknowledge (10) is later than resolve (5)"),
    "escalate never": ("escalate_after_working_days: 0\n", 1, "escalate_after_working_days: must be a whole number"),
    "escalate yes": ("escalate_after_working_days: true\n", 1, "escalate_after_working_days: must be a whole number"),
    "not a mapping": ("default: 15\n", 1, "default: expected fields"),
    "written twice": ("default:\n  resolve: 10\n  resolve: 12\n", 3, "'resolve' is written twice"),
}


@pytest.mark.parametrize("kind", sorted(MISTAKES))
def test_a_mistake_names_file_line_and_field(tmp_path, kind):
    text, line, message = MISTAKES[kind]
    path = tmp_path / "ticket-deadlines.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_rules(path)
    assert f"{path}:{line}: {message}" in str(err.value)


def test_every_mistake_is_listed_at_once(tmp_path):
    path = tmp_path / "ticket-deadlines.yaml"
    path.write_text("default:\n  resolve: 0\ncategories:\n  roads: {}\n  village:\n    acknowledge: x\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_rules(path)
    assert [line.split(": ")[0].rsplit(":", 1)[1] for line in str(err.value).splitlines()] == ["2", "4", "6"]


def test_the_deadlines_are_part_of_the_content_snapshot(tmp_path):
    """A broken deadlines file is a content mistake like any other: the last good version stays."""
    from bot import wiring
    from bot.handbook import HandbookStore, last_good

    content, copies = tmp_path / "content", tmp_path / "var" / last_good.FOLDER
    shutil.copytree(CONTENT, content)
    store = HandbookStore(content, check_seconds=0, build_index=None, last_good_dir=copies, parts=wiring.CONTENT_PARTS)
    good = store.current()
    assert good.part("ticket_deadlines").for_ticket("village", "light").resolve == 7
    assert (last_good.current(copies) / "ticket-deadlines.yaml").exists()
    path = content / "ticket-deadlines.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("resolve: 7", "resolve: เจ็ด"), encoding="utf-8")
    assert store.current().part("ticket_deadlines") is good.part("ticket_deadlines")
    assert store.last_error and "ticket-deadlines.yaml" in store.last_error and "resolve" in store.last_error
    path.write_text(path.read_text(encoding="utf-8").replace("resolve: เจ็ด", "resolve: 5"), encoding="utf-8")
    assert store.current().part("ticket_deadlines").for_ticket("village", "light").resolve == 5
    assert store.last_error is None


# --- due dates ----------------------------------------------------------------------------------------


def test_due_dates_skip_weekends_and_thai_public_holidays():
    # Friday 4 Dec 2026 morning: Sat 5 (Father's Day), Sun 6, Mon 7 (its substitute day) are off.
    assert due_dates(RULES, CAL, "suggestion", None, at(2026, 12, 4)) == (date(2026, 12, 8), date(2026, 12, 29))
    # 10 Dec (Constitution Day) is skipped too: Wednesday 9 Dec → Friday 11 Dec.
    assert due_dates(RULES, CAL, "suggestion", None, at(2026, 12, 9))[0] == date(2026, 12, 11)
    # Songkran, 13–15 April 2027: filed Monday 12 April before 16:30, acknowledged by Friday 16.
    assert due_dates(RULES, CAL, "village", "light", at(2027, 4, 12, 16, 29)) == (date(2027, 4, 16), date(2027, 4, 26))


def test_after_office_hours_or_on_a_day_off_the_clock_starts_on_the_next_working_day():
    # 16:30 on Monday 12 April 2027: counted from Friday 16 (after Songkran), so due Monday 19.
    assert due_dates(RULES, CAL, "village", "light", at(2027, 4, 12, 16, 30)) == (date(2027, 4, 19), date(2027, 4, 27))
    # Friday evening and Saturday count as Monday.
    assert due_dates(RULES, CAL, "other", None, at(2027, 4, 23, 18))[0] == date(2027, 4, 27)
    assert due_dates(RULES, CAL, "other", None, at(2027, 4, 24, 9))[0] == date(2027, 4, 27)
    # Early on a working day, before the office opens, counts as that day.
    assert due_dates(RULES, CAL, "other", None, at(2027, 4, 26, 6))[0] == date(2027, 4, 27)
    # The SAO's own day off (days-off.yaml) is skipped like a public holiday.
    own = WorkCalendar((DayOff(date(2027, 4, 27), "วันหยุดประเพณีของตำบล"),))
    assert due_dates(RULES, own, "other", None, at(2027, 4, 26))[0] == date(2027, 4, 28)
    # Defaults without content or calendar: 1 and 15 working days.
    assert due_dates(None, None, "other", None, at(2027, 4, 26)) == (date(2027, 4, 27), date(2027, 5, 19))


def test_stamp_restamp_and_due_dates_of_tickets_filed_before_deadlines_existed(db):
    with transaction(db):
        stamped = file_ticket(db, "s1", "village", "engineering", at(2027, 4, 9), topic="light")
        old = file_ticket(db, "s2", "village", "engineering", at(2027, 4, 9), topic="light", stamp=False)
    assert (stamped.ack_due_on, stamped.resolve_due_on) == ("2027-04-12", "2027-04-23")
    assert old.ack_due_on is None
    assert deadlines.due_of(old, RULES, CAL) == deadlines.due_of(stamped, RULES, CAL)  # computed the same way
    with transaction(db):
        db.execute("INSERT INTO ticket_escalations VALUES (?, 'resolve', 1, '2027-04-26'), (?, 'ack', 1, '2027-04-13')",
                   (stamped.id, stamped.id))
        due = deadlines.restamp_resolve(db, stamped.id, RULES, CAL, at(2027, 4, 28))  # reopened on 28 April
    assert due == deadlines.Due(date(2027, 4, 12), date(2027, 5, 11))  # 1–4 May are off
    again = tickets.get(db, stamped.id)
    assert (again.ack_due_on, again.resolve_due_on) == ("2027-04-12", "2027-05-11")
    # The new resolve deadline is escalated afresh; what was told about acknowledging stays.
    assert db.execute("SELECT deadline FROM ticket_escalations").fetchall() == [("ack",)]


def test_a_ticket_filed_in_line_gets_its_due_dates(settings):
    from memory_chat import MemoryBot, MemoryChat

    bot = MemoryBot(settings)
    try:
        chat = MemoryChat(bot)
        chat.say("แจ้งเรื่อง")
        chat.tap("🏘️ ปัญหาในหมู่บ้าน")
        chat.tap("💡 ไฟส่องสว่าง")
        chat.say("ไฟถนนหน้าวัดหมู่ 3 ดับมาสามคืนแล้วค่ะ มืดมาก")
        for label in ("ไม่มีรูป", "ข้าม", "✅ ยืนยันส่งเรื่อง"):
            chat.tap(label)
        (ticket,) = tickets.select(bot.db, "1 = 1")
    finally:
        bot.close()
    cal = WorkCalendar.from_content(settings.content_dir)
    start = deadlines.start_day(cal, ticket.created_at)
    assert cal.working_days_between(start, date.fromisoformat(ticket.ack_due_on)) == 1
    assert cal.working_days_between(start, date.fromisoformat(ticket.resolve_due_on)) == 7  # the light topic's own


# --- escalation -------------------------------------------------------------------------------------


def test_a_fortnight_around_songkran_each_stage_told_once_to_the_right_chats(db):
    with transaction(db):
        register_everyone(db)
        # C: filed Thu 8 April, never acknowledged: due Fri 9.
        c = file_ticket(db, "c", "complaint_service", "engineering", at(2027, 4, 8, 11))
        # A: a street light, filed Fri 9 April, taken by Somchai on Monday 12; resolve by Fri 23.
        a = file_ticket(db, "a", "village", "engineering", at(2027, 4, 9), topic="light")
        # B: filed after hours on Monday 12 April: counted from Friday 16, due Monday 19.
        b = file_ticket(db, "b", "suggestion", "palad", at(2027, 4, 12, 17))
    told: dict[tuple[str, str], set[str]] = {}
    day = date(2027, 4, 5)
    while day <= date(2027, 4, 30):
        if day == date(2027, 4, 12):
            with transaction(db):
                accept(db, a, at(2027, 4, 12, 9))
        before = len(digests(db))
        with transaction(db):
            queued = escalation.escalate_overdue(db, OFFICE, RULES, CAL, day)
        with transaction(db):  # a restart, or a second clock: the same day again tells nobody
            assert escalation.escalate_overdue(db, OFFICE, RULES, CAL, day) == []
        new = digests(db)[before:]
        assert len(new) == len(queued)
        if not CAL.is_working_day(day):
            assert new == [], day
        for chat, text in new:
            assert (day.isoformat(), chat) not in told  # one digest per chat and day
            told[(day.isoformat(), chat)] = numbers(text)
        day = date.fromordinal(day.toordinal() + 1)
    ua, uh, uad = f"user:{SOMCHAI}", f"user:{HEAD}", f"user:{ADMIN}"
    assert told == {
        # Stage 1 of C on the first working day it is late: the division's chats (no assignee).
        ("2027-04-12", ua): {c.number}, ("2027-04-12", f"group:{ENG_GROUP}"): {c.number}, ("2027-04-12", uh): {c.number},
        # Stage 2 two working days late: Songkran (13–15) does not count, so Friday 16.
        ("2027-04-16", uh): {c.number}, ("2027-04-16", uad): {c.number},
        # B: Tuesday 20 to สำนักปลัด's group; Wednesday 21 to the admins (it has no head registered).
        ("2027-04-20", f"group:{PALAD_GROUP}"): {b.number}, ("2027-04-21", uad): {b.number},
        # A, resolve by Friday 23: its assignee on Monday 26, then the head and the admins.
        ("2027-04-26", ua): {a.number}, ("2027-04-27", uh): {a.number}, ("2027-04-27", uad): {a.number},
    }
    rows = db.execute("SELECT ticket_id, deadline, stage, sent_on FROM ticket_escalations ORDER BY sent_on, ticket_id").fetchall()
    assert rows == [(c.id, "ack", 1, "2027-04-12"), (c.id, "ack", 2, "2027-04-16"), (b.id, "ack", 1, "2027-04-20"),
                    (b.id, "ack", 2, "2027-04-21"), (a.id, "resolve", 1, "2027-04-26"), (a.id, "resolve", 2, "2027-04-27")]
    # The digests read as staff get them:
    somchai_26 = [t for ch, t in digests(db) if ch == ua and a.number in t][0]
    assert "ยังแก้ไขไม่เสร็จ เลยกำหนด 1 วันทำการ (กำหนด 23 เม.ย. 2570)" in somchai_26
    assert "ผู้รับผิดชอบ: นายสมชาย ใจดี" in somchai_26 and f"https://sao.example/admin/tickets/{a.id}" in somchai_26
    head_16 = [t for ch, t in digests(db) if ch == uh and "เลยกำหนด 2 วันทำการ" in t][0]
    assert "ยังไม่ได้รับเรื่อง" in head_16 and "ยังไม่มีผู้รับเรื่อง" in head_16 and "แจ้งหัวหน้ากองและผู้ดูแลระบบ" in head_16
    assert "ค่ะ" in head_16 and "https://sao.example/admin/tickets?overdue=1" in head_16


def test_a_clock_that_missed_days_tells_on_the_next_working_day_never_on_a_day_off(db):
    with transaction(db):
        register_everyone(db)
        c = file_ticket(db, "c", "complaint_service", "engineering", at(2027, 4, 8, 11))  # due Fri 9
    with transaction(db):
        assert escalation.escalate_overdue(db, OFFICE, RULES, CAL, date(2027, 4, 13)) == []  # Songkran
        assert escalation.escalate_overdue(db, OFFICE, RULES, CAL, date(2027, 4, 17)) == []  # Saturday
    with transaction(db):
        queued = escalation.escalate_overdue(db, OFFICE, RULES, CAL, date(2027, 4, 16))
    # Both stages at once: the head hears it in one digest, not two.
    assert sorted(chat for chat, _ in digests(db)) == sorted(
        [f"user:{SOMCHAI}", f"group:{ENG_GROUP}", f"user:{HEAD}", f"user:{ADMIN}"])
    assert len(queued) == 4
    assert db.execute("SELECT count(*) FROM ticket_escalations WHERE ticket_id = ?", (c.id,)).fetchone()[0] == 2
    head = next(text for chat, text in digests(db) if chat == f"user:{HEAD}")
    assert head.count(c.number) == 1 and "แจ้งหัวหน้ากองและผู้ดูแลระบบ" in head


def test_an_acknowledged_or_closed_ticket_is_not_late_and_an_assignee_not_on_line_leaves_it_to_the_division(db):
    with transaction(db):
        register_everyone(db)
        done = file_ticket(db, "d", "other", "engineering", at(2027, 4, 8))
        accept(db, done, at(2027, 4, 8, 13))
        assert tickets.update(db, done.id, "accepted", status="resolved", resolved_at=at(2027, 4, 9).timestamp())
        old = file_ticket(db, "o", "other", "engineering", at(2027, 4, 8), stamp=False)
        # Accepted before acknowledged_at was kept: only its history says so.
        assert tickets.update(db, old.id, "received", status="accepted")
        tickets.add_event(db, old.id, "เจ้าหน้าที่", "received", "accepted", None, at(2027, 4, 8, 14).timestamp())
        elsewhere = file_ticket(db, "e", "other", "engineering", at(2027, 4, 1))
        accept(db, elsewhere, at(2027, 4, 1, 13), user="U" + "f" * 32, name="นางสมศรี")  # not registered on LINE
    assert [(x.ticket.id, x.deadline) for x in deadlines.late(db, RULES, CAL, date(2027, 4, 29))] == [(elsewhere.id, "resolve")]
    with transaction(db):
        escalation.escalate_overdue(db, OFFICE, RULES, CAL, date(2027, 4, 29))  # resolve by 28 April
    chats = [chat for chat, _ in digests(db)]
    assert sorted(chats) == sorted([f"user:{SOMCHAI}", f"group:{ENG_GROUP}", f"user:{HEAD}"])


def test_a_long_digest_fits_lines_limits():
    ticket = tickets.Ticket(
        id=1, number="KC-2570-00001", fiscal_year=2570, category="village", topic="light", service_id=None,
        division_id="engineering", chat_key=None, line_user_id=None, description=None, latitude=None, longitude=None,
        location_title=None, location_address=None, status="received", forwarded_to=None, forwarded_contact=None,
        reject_reason=None, resolution=None, created_at=0, updated_at=0, resolved_at=None, closed_at=None, reopen_count=0,
        handling_rating=None, handling_rated_at=None, personal_data_removed_at=None, personal_data_removed_why=None,
        submission_key=None,
    )
    from dataclasses import replace

    def items(n):
        return [escalation.Item(deadlines.Late(replace(ticket, id=i, number=f"KC-2570-{i:05d}"), "ack", date(2027, 4, 9), 3), 1)
                for i in range(1, n + 1)]

    few = escalation.digest(OFFICE, items(3), date(2027, 4, 16), 2)
    assert len(few) == 1 and "และอีก" not in few[0]["text"] and len(numbers(few[0]["text"])) == 3
    many = escalation.digest(OFFICE, items(300), date(2027, 4, 16), 2)
    assert len(many) == escalation.MAX_MESSAGES
    assert all(m["type"] == "text" and len(m["text"]) <= 5000 for m in many)
    shown = set().union(*(numbers(m["text"]) for m in many))
    left = int(re.search(r"และอีก (\d+) เรื่อง", many[-1]["text"]).group(1))
    assert len(shown) + left == 300 and many[-1]["text"].endswith("/admin/tickets?overdue=1")


def test_over_the_push_quota_a_digest_waits_for_the_next_working_day(db):
    with transaction(db):
        register_everyone(db)
        c = file_ticket(db, "c", "complaint_service", "engineering", at(2027, 4, 8, 11))  # stage 1 on Monday 12
    costs = {f"group:{ENG_GROUP}": 8}
    budget = escalation.PushBudget(left=5, cost=lambda chat: costs.get(chat, 1))
    with transaction(db):
        queued = escalation.escalate_overdue(db, OFFICE, RULES, CAL, date(2027, 4, 12), budget)
    assert sorted(chat for chat, _ in digests(db)) == [f"user:{SOMCHAI}", f"user:{HEAD}"]  # the group would cost 8
    assert len(queued) == 2
    assert db.execute("SELECT count(*) FROM ticket_escalations").fetchone()[0] == 0  # not everyone heard: not done
    with transaction(db):
        escalation.escalate_overdue(db, OFFICE, RULES, CAL, date(2027, 4, 16), escalation.PushBudget(left=100, cost=lambda chat: costs.get(chat, 1)))
    latest = {chat for chat, text in digests(db)[2:]}
    assert f"group:{ENG_GROUP}" in latest
    assert db.execute("SELECT stage FROM ticket_escalations WHERE ticket_id = ? ORDER BY stage", (c.id,)).fetchall() == [(1,), (2,)]


# --- the citizen's word -------------------------------------------------------------------------


def close(db, ticket, closed_at: datetime, outcome: str = "pending", reason: str | None = None) -> int:
    cur = db.execute("INSERT INTO ticket_closures (ticket_id, closed_at, closed_by, note, outcome, reason) VALUES (?, ?, ?, ?, ?, ?)",
                     (ticket.id, closed_at.timestamp(), "นายสมชาย ใจดี", "เปลี่ยนหลอดไฟแล้ว", outcome, reason))
    return cur.lastrowid


def test_a_closure_unanswered_for_seven_days_closes_by_timeout(db):
    now = at(2027, 5, 10, 3)
    with transaction(db):
        old = file_ticket(db, "a", "village", "engineering", at(2027, 4, 1), topic="light")
        recent = file_ticket(db, "b", "village", "engineering", at(2027, 4, 1), topic="light")
        taken_back = file_ticket(db, "c", "village", "engineering", at(2027, 4, 1), topic="light")
        for t, status in ((old, "resolved"), (recent, "resolved"), (taken_back, "in_progress")):
            assert tickets.update(db, t.id, "received", status=status)
        first = close(db, old, at(2027, 5, 3, 2, 59))  # 7 days and a minute before
        second = close(db, recent, at(2027, 5, 3, 3, 1))
        close(db, taken_back, at(2027, 4, 20))
    with transaction(db):
        assert escalation.close_unconfirmed(db, OFFICE, now.timestamp()) == [old.id]
    with transaction(db):
        assert escalation.close_unconfirmed(db, OFFICE, now.timestamp()) == []
    outcomes = dict(db.execute("SELECT id, outcome FROM ticket_closures").fetchall())
    assert outcomes[first] == "timed_out" and outcomes[second] == "pending"
    assert db.execute("SELECT decided_at FROM ticket_closures WHERE id = ?", (first,)).fetchone()[0] == now.timestamp()
    last = tickets.events(db, old.id)[-1]
    assert (last.actor, last.from_status, last.to_status, last.note) == (
        "ระบบ", "resolved", "resolved", "ปิดเรื่องโดยอัตโนมัติ: ผู้แจ้งไม่ได้ตอบภายใน 7 วัน")
    assert tickets.get(db, old.id).status == "resolved"
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0  # the citizen is not messaged


# --- the clock and LINE ------------------------------------------------------------------------------


def test_the_clock_jobs_push_through_line_once(settings, fake_line):
    from scheduler import clock

    db = open_database(settings.database_path)
    with transaction(db):
        register_everyone(db)
        c = file_ticket(db, "c", "complaint_service", "engineering", at(2027, 4, 8, 11))  # due Friday 9 April
        resolved = file_ticket(db, "r", "other", "palad", at(2027, 4, 1))
        assert tickets.update(db, resolved.id, "received", status="resolved")
        close(db, resolved, at(2027, 4, 2))
    db.close()
    assert clock.escalate_overdue_tickets(settings, today=date(2027, 4, 13)) == {"messages": 0}  # Songkran
    assert fake_line.state.deliveries() == []
    assert clock.escalate_overdue_tickets(settings, today=date(2027, 4, 12)) == {"messages": 3}
    for line_id in (SOMCHAI, HEAD, ENG_GROUP):
        (message,) = fake_line.state.messages_to(line_id)
        assert c.number in message["text"] and "ยังไม่ได้รับเรื่อง เลยกำหนด 1 วันทำการ" in message["text"]
    assert fake_line.state.messages_to(ADMIN) == []  # stage 2 is not due yet
    assert clock.escalate_overdue_tickets(settings, today=date(2027, 4, 12)) == {"messages": 0}  # run again
    assert len(fake_line.state.deliveries()) == 3
    # Stage 2 on Friday 16, with the month's quota nearly spent: the head and the admin fit, nothing else is due.
    fake_line.state.quota = fake_line.state.consumption() + 2
    assert clock.escalate_overdue_tickets(settings, today=date(2027, 4, 16)) == {"messages": 2}
    assert "แจ้งหัวหน้ากองและผู้ดูแลระบบ" in fake_line.state.messages_to(ADMIN)[0]["text"]
    assert len(fake_line.state.messages_to(HEAD)) == 2

    assert clock.close_unconfirmed_tickets(settings, now=at(2027, 4, 16).timestamp()) == {"closed": 1}
    assert clock.close_unconfirmed_tickets(settings, now=at(2027, 4, 16).timestamp()) == {"closed": 0}
    assert "escalate-overdue-tickets" in clock.JOBS and "close-unconfirmed-tickets" in clock.JOBS
    jobs = {job.id: job for job in clock.build_scheduler(settings).get_jobs()}
    assert str(jobs["escalate-overdue-tickets"].trigger.fields[4]) == "mon-fri"  # day_of_week
    assert (str(jobs["close-unconfirmed-tickets"].trigger.fields[5]), str(jobs["close-unconfirmed-tickets"].trigger.fields[6])) == ("3", "0")


def test_a_group_the_quota_cannot_cover_waits(settings, fake_line):
    from scheduler import clock

    db = open_database(settings.database_path)
    with transaction(db):
        register(db, f"group:{ENG_GROUP}", "engineering", "staff")
        file_ticket(db, "c", "complaint_service", "engineering", at(2027, 4, 8, 11))
    fake_line.state.set_members(ENG_GROUP, 12)
    fake_line.state.quota = 5
    assert clock.escalate_overdue_tickets(settings, today=date(2027, 4, 12)) == {"messages": 0}
    assert db.execute("SELECT count(*) FROM ticket_escalations").fetchone()[0] == 0
    fake_line.state.quota = 300
    assert clock.escalate_overdue_tickets(settings, today=date(2027, 4, 16)) == {"messages": 1}
    assert len(fake_line.state.messages_to(ENG_GROUP)) == 1
    db.close()


# --- the console's list ------------------------------------------------------------------------------


def test_the_late_filter_of_the_console_list(db):
    with transaction(db):
        late = file_ticket(db, "l", "other", "engineering", at(2027, 4, 8))
        file_ticket(db, "f", "other", "engineering", at(2027, 4, 28))
        old = file_ticket(db, "o", "other", "palad", at(2027, 4, 1), stamp=False)
    ids = tuple({x.ticket.id for x in deadlines.late(db, RULES, CAL, date(2027, 4, 29))})
    found = ticket_search.find(db, ticket_search.TicketQuery(ids=ids))
    assert sorted(t.id for t in found) == sorted([late.id, old.id])
    only_palad = ticket_search.TicketQuery(ids=ids, scope=("division_id = ?", ["palad"]))
    assert [t.id for t in ticket_search.find(db, only_palad)] == [old.id]
    assert ticket_search.count(db, ticket_search.TicketQuery(ids=())) == 0


# --- the reports ---------------------------------------------------------------------------------------


def test_the_service_statistics_count_deadlines_and_closures_apart(db):
    from bot.reports import service_stats
    from bot.reports.context import ReportContext
    from bot.reports.period import ReportPeriod

    def resolve(t, when):
        assert tickets.update(db, t.id, t.status, status="resolved", resolved_at=when.timestamp(), closed_at=when.timestamp())

    with transaction(db):
        t1 = file_ticket(db, "t1", "suggestion", "palad", at(2026, 11, 2))  # acknowledged and resolved in time
        accept(db, t1, at(2026, 11, 2, 14))
        resolve(tickets.get(db, t1.id), at(2026, 11, 4))
        close(db, t1, at(2026, 11, 3), "reopened", reason="ไฟยังดับอยู่ บ้านเลขที่ 9 นายดำ")
        close(db, t1, at(2026, 11, 4), "confirmed")
        file_ticket(db, "t2", "complaint_service", "palad", at(2026, 11, 3), stamp=False)  # never touched: late twice
        t3 = file_ticket(db, "t3", "village", "engineering", at(2026, 11, 2), topic="road")  # forwarded, late
        assert tickets.update(db, t3.id, "received", status="forwarded")
        tickets.add_event(db, t3.id, "เจ้าหน้าที่", "received", "forwarded", None, at(2026, 11, 5).timestamp())
        t4 = file_ticket(db, "t4", "complaint_official", "palad", at(2026, 12, 14))  # resolved late
        accept(db, t4, at(2026, 12, 14, 13))
        resolve(tickets.get(db, t4.id), at(2027, 2, 1))
        close(db, t4, at(2027, 2, 1), "timed_out")
        t5 = file_ticket(db, "t5", "other", "palad", at(2027, 9, 1))  # still in progress, late
        accept(db, t5, at(2027, 9, 1, 13))
        t6 = file_ticket(db, "t6", "other", "palad", at(2027, 9, 1))
        accept(db, t6, at(2027, 9, 1, 13))
        resolve(tickets.get(db, t6.id), at(2027, 9, 2))
        close(db, t6, at(2027, 9, 2))
    ctx = ReportContext.load(db, CONTENT, ReportPeriod.of_round(2570, 12), now=at(2027, 10, 5),
                             calendar=CAL, ticket_deadlines=RULES)
    data = service_stats.compute(ctx)
    tk = data.tickets
    assert (tk.ack_counted, tk.ack_on_time, tk.ack_rate) == (6, 4, 66.67)  # t2 never, t3 on 5 Nov (due 3 Nov)
    assert (tk.resolve_counted, tk.resolve_on_time, tk.resolve_rate) == (5, 2, 40.0)  # forwarded t3 not counted
    assert dict(tk.closures) == {"confirmed": 1, "reopened": 1, "timed_out": 1, "pending": 1}
    village = data.tickets_by_category["village"]
    assert (village.ack_counted, village.ack_on_time, village.resolve_counted) == (1, 0, 0)
    assert data.tickets_by_division["palad"].closures["timed_out"] == 1

    doc = service_stats.document(ctx, data)
    table = next(t for t in doc.tables() if t.sheet == "ความทันเวลา")
    assert table.total == ("รวม", 6, 4, 6, 66.67, 2, 5, 40.0, 1, 1, 1, 1)
    figures = dict(next(b for s in doc.sections for b in s.blocks if hasattr(b, "items") and b.items and isinstance(b.items[0], tuple)).items)
    assert figures["รับเรื่องภายในกำหนด"] == "4 จาก 6 เรื่อง (ร้อยละ 66.67)"
    assert figures["แก้ไขเสร็จภายในกำหนด"] == "2 จาก 5 เรื่อง (ร้อยละ 40.00)"
    every_cell = repr([(t.rows, t.total) for t in doc.tables()]) + repr(figures)
    assert "นายดำ" not in every_cell and "บ้านเลขที่" not in every_cell  # the citizen's words stay out


def test_the_console_shows_due_dates_late_tickets_and_closures(console, admin_client):
    from bot.common.thaidate import now as bangkok_now, thai_date

    db = console.db
    with transaction(db):
        late = file_ticket(db, "l", "other", "engineering", at(2026, 10, 1), stamp=False)  # before deadlines were kept
        fresh = file_ticket(db, "f", "other", "engineering", bangkok_now())
        assert tickets.update(db, fresh.id, "received", status="resolved")
        close(db, fresh, bangkok_now(), "reopened", reason="ยังไม่เรียบร้อยค่ะ")
        close(db, fresh, bangkok_now(), "timed_out")
    listed = admin_client.get("/admin/tickets").get_data(as_text=True)
    assert late.number in listed and fresh.number in listed
    assert listed.count("status--overdue") == 1 and "เกินกำหนด" in listed
    due = deadlines.due_of(late, RULES, CAL)
    assert f"รับเรื่อง {thai_date(due.ack, False)}" in listed and "2569" in listed  # Buddhist-era dates
    only_late = admin_client.get("/admin/tickets?overdue=1").get_data(as_text=True)
    assert late.number in only_late and fresh.number not in only_late
    detail = admin_client.get(f"/admin/tickets/{late.id}").get_data(as_text=True)
    assert "กำหนดรับเรื่อง" in detail and thai_date(due.resolve, True) in detail and "วันทำการ" in detail
    closed = admin_client.get(f"/admin/tickets/{fresh.id}").get_data(as_text=True)
    assert "ผู้แจ้งแจ้งว่ายังไม่เรียบร้อย (เปิดใหม่)" in closed and "ปิดอัตโนมัติ (ไม่ตอบใน 7 วัน)" in closed
    assert "ยังไม่เรียบร้อยค่ะ" in closed and "status--overdue" not in closed
    assert "เกินกำหนด 1" in admin_client.get("/admin/").get_data(as_text=True)  # the dashboard's card
