"""The admin console's accounts, sessions, sign-in throttle and audit log, the e-service's
requests, documents, events and appointments, and the clock's heartbeats, on both engines.

`connect_storage` (conftest.py) runs each test on SQLite and on a new SAO's PostgreSQL schema.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import date
from types import SimpleNamespace

import pytest

from bot.console.pages.counter import _recorded_already
from bot.console.pages.requests import open_requests_card
from bot.console.signin import _wait
from db import (admin_sessions, admin_users, appointments, audit_log, auditor_requests, heartbeats, inbox,
                login_failures, outbox, retention, service_requests, transaction)

NOW = 1_760_000_000.0


def add_user(db, username: str, role: str = "admin", division: str | None = None, name: str = "สมชาย ใจดี 😀") -> int:
    return admin_users.create(db, username=username, password_hash="$argon2id$hash", role=role, division_id=division,
                              display_name=name, created_by="ผู้ติดตั้ง")


def file_request(db, *, fiscal_year: int = 2570, chat: str | None = "user:U1", key: str | None = None, documents=(),
                 status: str = "received", now: float = NOW, answers: dict | None = None):
    return service_requests.create(
        db, prefix="KC", fiscal_year=fiscal_year, service_id="elderly-allowance", division_id="welfare",
        channel="online" if chat else "counter", chat_key=chat, line_user_id=chat.split(":")[1] if chat else None,
        answers={"name": "นางมาลี ศรีสุข", "note": "ขอรับเบี้ยยังชีพค่ะ 🙏"} if answers is None else answers,
        submission_key=key, documents=list(documents), status=status, due_on="2025-10-20", now=now,
    )


# --- admin accounts --------------------------------------------------------------------------------


def test_accounts_keep_thai_names_and_usernames_ignore_case(connect_storage):
    db = connect_storage()
    first = add_user(db, "somchai")
    second = add_user(db, "malee", role="staff", division="welfare", name="มาลี 🌸")
    assert second > first
    user, hashed = admin_users.get_with_hash(db, "SomChai")
    assert (user.id, user.display_name, user.name, hashed) == (first, "สมชาย ใจดี 😀", "สมชาย ใจดี 😀", "$argon2id$hash")
    assert user.active is True and user.must_change_password is False and isinstance(user.created_at, float)
    assert admin_users.get(db, second).division_id == "welfare"
    assert admin_users.get(db, 999) is None and admin_users.get_with_hash(db, "nobody") is None
    with pytest.raises(admin_users.UsernameTaken):
        add_user(db, "SOMCHAI")
    assert admin_users.count(db) == 2


def test_a_taken_username_leaves_the_callers_transaction_usable(connect_storage):
    db = connect_storage()
    add_user(db, "somchai")
    with transaction(db):
        with pytest.raises(admin_users.UsernameTaken):
            add_user(db, "Somchai")
        audit_log.record(db, actor="ผู้ดูแล", action="user.create.refused", target="user:somchai", at=NOW)
    assert audit_log.count(db, audit_log.AuditFilter(action="user.create.refused")) == 1


def test_a_staff_account_needs_a_division(connect_storage):
    db = connect_storage()
    with pytest.raises(Exception):
        add_user(db, "nodiv", role="staff", division=None)
    assert admin_users.count(db) == 0


def test_active_admins_are_counted_with_and_without_one_left_out(connect_storage):
    db = connect_storage()
    a, b = add_user(db, "admin.one"), add_user(db, "admin.two")
    auditor = add_user(db, "auditor1", role="auditor")
    admin_users.set_active(db, b, False)
    assert admin_users.count_active_admins(db) == 1
    assert admin_users.count_active_admins(db, excluding_id=a) == 0
    assert admin_users.count_active_admins(db, excluding_id=b) == 1
    assert admin_users.count_active_with_role(db, "auditor") == 1
    assert admin_users.count_active_with_role(db, "auditor", excluding_id=auditor) == 0


def test_account_changes_and_the_list_order(connect_storage):
    db = connect_storage()
    staff = add_user(db, "zed", role="staff", division="roads")
    admin = add_user(db, "bee")
    off = add_user(db, "aye")
    admin_users.set_active(db, off, False)
    assert [u.username for u in admin_users.list_all(db)] == ["bee", "zed", "aye"]
    admin_users.set_password(db, staff, "new-hash", must_change=True)
    assert admin_users.password_hash(db, staff) == "new-hash" and admin_users.get(db, staff).must_change_password
    admin_users.replace_hash(db, staff, "stale-hash", "upgraded")
    assert admin_users.password_hash(db, staff) == "new-hash"
    admin_users.replace_hash(db, staff, "new-hash", "upgraded")
    assert admin_users.password_hash(db, staff) == "upgraded"
    admin_users.set_role(db, staff, "admin", None)
    admin_users.set_display_name(db, admin, "ผู้ใหญ่บ้าน ✨")
    admin_users.record_login(db, admin, at=NOW)
    assert (admin_users.get(db, staff).role, admin_users.get(db, staff).division_id) == ("admin", None)
    assert (admin_users.get(db, admin).name, admin_users.get(db, admin).last_login_at) == ("ผู้ใหญ่บ้าน ✨", NOW)


# --- sessions and the sign-in throttle -------------------------------------------------------------


def test_sessions_sign_out_everywhere_but_here_and_expire(connect_storage):
    db = connect_storage()
    user, other = add_user(db, "somchai"), add_user(db, "malee")
    for token in ("t1", "t2", "t3"):
        admin_sessions.create(db, token, user, "10.0.0.1", "Mozilla/5.0 (ไทย) 📱")
    admin_sessions.create(db, "o1", other, None, None)
    assert admin_sessions.get(db, "t1").user_id == user and admin_sessions.get(db, "nope") is None
    assert admin_sessions.delete_for_user(db, user, keep_token_hash="t2") == 2
    assert admin_sessions.count_for_user(db, user) == 1 and admin_sessions.get(db, "t2")
    assert admin_sessions.delete_for_user(db, other) == 1
    admin_sessions.touch(db, "t2", at=NOW)
    assert admin_sessions.get(db, "t2").last_seen_at == NOW
    assert admin_sessions.purge_expired(db, idle_seconds=60, max_age_seconds=10**9, now=NOW + 30) == 0
    assert admin_sessions.purge_expired(db, idle_seconds=60, max_age_seconds=10**9, now=NOW + 61) == 1
    assert admin_sessions.delete(db, "t2") == 0


def test_login_failures_count_within_their_window(connect_storage):
    db = connect_storage()
    ids = login_failures.record(db, ["user:somchai", "ip:10.0.0.1"], at=NOW - 100)
    assert len(ids) == 2 and ids[0] < ids[1]
    login_failures.record(db, ["user:somchai"], at=NOW - 10)
    assert login_failures.recent(db, "user:somchai", NOW - 100) == (2, NOW - 100)  # the window's start counts
    assert login_failures.recent(db, "user:somchai", NOW - 99) == (1, NOW - 10)
    assert login_failures.recent(db, "user:nobody", NOW - 999) == (0, None)
    login_failures.forget(db, [ids[1]])
    assert login_failures.recent(db, "ip:10.0.0.1", 0) == (0, None)
    assert _wait(db, "user:somchai", free=5, now=NOW, window=300) == 0.0
    assert login_failures.purge(db, before=NOW - 50) == 1
    login_failures.clear(db, "user:somchai")
    assert login_failures.recent(db, "user:somchai", 0) == (0, None)


def test_the_throttle_waits_from_the_last_failure(connect_storage):
    db = connect_storage()
    login_failures.record(db, ["device:d1"] * 3, at=NOW - 1)
    assert _wait(db, "device:d1", free=3, now=NOW, window=300) > 0
    assert _wait(db, "device:d1", free=4, now=NOW, window=300) == 0.0


# --- the audit log ---------------------------------------------------------------------------------


def test_the_audit_log_is_newest_first_and_keeps_thai_details(connect_storage):
    db = connect_storage()
    ids = [audit_log.record(db, actor="สมชาย", actor_id=1, action="user.create", target="user:2",
                            details={"ชื่อ": "มาลี 🌸", "division": "welfare"}, ip="10.0.0.1", at=NOW)]
    ids.append(audit_log.record(db, actor="admin", action="login.failure", target="user:2", at=NOW + 1))
    ids.append(audit_log.record(db, actor="admin", action="user.disable", target="user:2", at=NOW + 2))
    assert ids == sorted(ids)
    entries = audit_log.search(db, audit_log.AuditFilter())
    assert [e.id for e in entries] == ids[::-1]
    assert entries[-1].details == {"ชื่อ": "มาลี 🌸", "division": "welfare"} and entries[-1].at == NOW
    assert [e.action for e in audit_log.search(db, audit_log.AuditFilter(action="user."))] == ["user.disable", "user.create"]
    assert audit_log.count(db, audit_log.AuditFilter(action="user")) == 0  # no prefix without the dot
    assert audit_log.count(db, audit_log.AuditFilter(actor="admin", start=NOW + 1, end=NOW + 2)) == 1
    assert [e.id for e in audit_log.search(db, audit_log.AuditFilter(), limit=1, offset=1)] == [ids[1]]
    assert audit_log.actors(db) == sorted(["admin", "สมชาย"]) and audit_log.actions(db)[0] == "login.failure"


def test_an_audit_entry_goes_with_its_change_or_not_at_all(connect_storage):
    db = connect_storage()
    with pytest.raises(RuntimeError):
        with transaction(db):
            user = add_user(db, "somchai")
            audit_log.record(db, actor="admin", action="user.create", target=f"user:{user}", at=NOW)
            raise RuntimeError("the change failed")
    assert admin_users.count(db) == 0 and audit_log.count(db, audit_log.AuditFilter()) == 0


def test_the_auditors_view_shows_auditor_actions_accounts_and_corruption_reports(connect_storage):
    db = connect_storage()
    auditor = add_user(db, "auditor1", role="auditor")
    staff = add_user(db, "malee", role="staff", division="welfare")
    former = add_user(db, "former")
    audit_log.record(db, actor="admin", action="auditor.role", target=f"user:{former}", at=NOW)
    audit_log.record(db, actor="admin", action="login.success", target=f"user:{auditor}", at=NOW + 1)
    audit_log.record(db, actor="admin", action="login.success", target=f"user:{former}", at=NOW + 2)
    audit_log.record(db, actor="admin", action="login.success", target=f"user:{staff}", at=NOW + 3)
    audit_log.record(db, actor="admin", action="integrity.read", target="report:1", at=NOW + 4)
    audit_log.record(db, actor="admin", action="auditorx.other", target="x", at=NOW + 5)  # not "auditor."
    audit_log.record(db, actor="admin", action="auditor.request", target="user:99", at=NOW + 6)
    audit_log.record(db, actor="admin", action="login.success", target="user:99", at=NOW + 7)
    shown = audit_log.search(db, audit_log.AuditFilter(auditors_view=True))
    assert [(e.action, e.target) for e in shown] == [
        ("auditor.request", "user:99"), ("integrity.read", "report:1"), ("login.success", f"user:{former}"),
        ("login.success", f"user:{auditor}"), ("auditor.role", f"user:{former}"),
    ]
    assert audit_log.count(db, audit_log.AuditFilter(auditors_view=True)) == 5


def test_a_counter_entry_sent_twice_is_found_in_the_log(connect_storage):
    db = connect_storage()
    audit_log.record(db, actor="มาลี", action="request.counter", target="request:1",
                     details={"entry": "abc_XYZ-1", "บริการ": "ขอรับเบี้ยยังชีพ 🧓"})
    assert _recorded_already(db, "abc_XYZ-1") and not _recorded_already(db, "abc_XYZ-2")


# --- auditor requests ------------------------------------------------------------------------------


def test_one_pending_request_per_account_and_one_decision(connect_storage):
    db = connect_storage()
    admin = add_user(db, "admin1")
    first = auditor_requests.create(db, kind="create", account_id=None, username="newauditor",
                                    display_name="ผู้ตรวจสอบ ใหม่ 🔍", requested_by_id=admin, requested_by="admin1")
    with transaction(db):  # the refusal leaves the caller's transaction usable
        with pytest.raises(auditor_requests.AlreadyPending):
            auditor_requests.create(db, kind="reset", account_id=None, username="NewAuditor", display_name="",
                                    requested_by_id=admin, requested_by="admin1")
        audit_log.record(db, actor="admin1", action="auditor.request.refused", at=NOW)
    assert [r.id for r in auditor_requests.pending(db)] == [first]
    assert auditor_requests.get(db, first).display_name == "ผู้ตรวจสอบ ใหม่ 🔍"
    assert auditor_requests.decide(db, first, "rejected", by_id=None, by="ผู้ตรวจสอบ", reason="ไม่รู้จักคนนี้ 🙅")
    assert not auditor_requests.decide(db, first, "confirmed", by_id=None, by="อีกคน")
    again = auditor_requests.create(db, kind="create", account_id=None, username="newauditor", display_name="",
                                    requested_by_id=admin, requested_by="admin1")
    assert auditor_requests.decide(db, again, "confirmed", by_id=admin, by="x")
    assert [(r.id, r.status) for r in auditor_requests.decided(db)][-1] == (first, "rejected")
    assert auditor_requests.get(db, first).reason == "ไม่รู้จักคนนี้ 🙅" and auditor_requests.pending(db) == []


# --- service requests ------------------------------------------------------------------------------


def test_request_numbers_count_per_fiscal_year(connect_storage):
    db = connect_storage()
    numbers = [file_request(db)[0].number for _ in range(2)] + [file_request(db, fiscal_year=2571)[0].number]
    assert numbers == ["KC-R2570-00001", "KC-R2570-00002", "KC-R2571-00001"]
    assert service_requests.by_number(db, " kc-r2570-00002 ").number == "KC-R2570-00002"


def test_racing_requests_get_distinct_numbers(connect_storage):
    connect_storage()
    numbers: list[str] = []
    start = threading.Barrier(4)

    def clerk():
        mine = connect_storage()
        start.wait()
        for _ in range(5):
            with transaction(mine):
                numbers.append(file_request(mine, chat=None)[0].number)

    threads = [threading.Thread(target=clerk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [f"KC-R2570-{n:05d}" for n in range(1, 21)]


def test_a_request_keeps_thai_answers_and_a_repeat_confirmation_is_the_same(connect_storage):
    db = connect_storage()
    with transaction(db):
        request, created = file_request(db, key="user:U1/s1")
    again, created_again = file_request(db, key="user:U1/s1")
    assert created and not created_again and again.id == request.id
    assert request.values == {"name": "นางมาลี ศรีสุข", "note": "ขอรับเบี้ยยังชีพค่ะ 🙏"}
    assert (request.status, request.is_open, request.created_at, request.due_on) == ("received", True, NOW, "2025-10-20")
    assert [(e.actor, e.from_status, e.to_status) for e in service_requests.events(db, request.id)] == [
        ("ประชาชน", None, "received")]
    counter, _ = file_request(db, chat=None, status="done")
    assert (counter.done_at, counter.closed_at, counter.channel) == (NOW, NOW, "counter")


def test_a_request_changes_only_from_the_status_expected_and_is_rated_once(connect_storage):
    db = connect_storage()
    request, _ = file_request(db)
    assert service_requests.update(db, request.id, "received", status="accepted", assignee_name="มาลี 🌼")
    assert not service_requests.update(db, request.id, "received", status="rejected")
    service_requests.add_event(db, request.id, "มาลี 🌼", "received", "accepted", "รับเรื่องแล้วค่ะ", NOW + 1)
    assert service_requests.count_events(db, request.id) == 2
    assert not service_requests.rate(db, request.id, 5, NOW)  # not done yet
    service_requests.update(db, request.id, "accepted", status="done", done_at=NOW + 2, closed_at=NOW + 2)
    assert service_requests.rate(db, request.id, 5, NOW + 3) and not service_requests.rate(db, request.id, 1, NOW + 4)
    found = service_requests.get(db, request.id)
    assert (found.rating, found.assignee_name, found.is_open) == (5, "มาลี 🌼", False)
    with pytest.raises(ValueError):
        service_requests.update(db, request.id, "done", number="X")


def test_a_chats_requests_and_their_personal_data_removed(connect_storage):
    db = connect_storage()
    old, _ = file_request(db, now=NOW - 10, documents=[("id-card", "m1")])
    new, _ = file_request(db, now=NOW)
    file_request(db, chat="user:U2")
    assert [r.id for r in service_requests.for_chat(db, "user:U1")] == [new.id, old.id]
    assert sorted(service_requests.ids_of_chat(db, "user:U1")) == [old.id, new.id]
    service_requests.add_event(db, old.id, "ประชาชน", "received", "received", "เบอร์ 081-234-5678", NOW)
    service_requests.update(db, old.id, "received", status="done", closed_at=NOW - 5)
    assert service_requests.closed_with_personal_data(db, NOW) == [old.id]
    service_requests.remove_personal_data_of(db, [old.id], "ครบกำหนด", now=NOW)
    gone = service_requests.get(db, old.id)
    assert (gone.chat_key, gone.answers, gone.personal_data_removed_why) == (None, None, "ครบกำหนด")
    assert service_requests.documents(db, old.id) == []
    assert [e.note for e in service_requests.events(db, old.id)] == [None, None]
    assert service_requests.closed_with_personal_data(db, NOW) == []


# --- document photos (the fetch queue) -------------------------------------------------------------


def test_document_photos_are_fetched_once_and_kept_as_bytes(connect_storage):
    db = connect_storage()
    request, _ = file_request(db, documents=[("id-card", "m1"), ("house-registration", "m2")])
    first = service_requests.claim_document(db, lease_seconds=60, now=NOW)
    assert (first.document_id, first.status, first.attempts) == ("id-card", "fetching", 1)
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256))
    assert service_requests.store_document(db, first.id, photo, "image/jpeg")
    assert not service_requests.store_document(db, first.id, b"again", "image/jpeg")  # no longer fetching
    assert service_requests.document_content(db, first.id) == (photo, "image/jpeg")
    second = service_requests.claim_document(db, lease_seconds=60, now=NOW)
    service_requests.document_retry(db, second.id, delay_seconds=30, error="LINE 500 ❌")
    assert service_requests.claim_document(db, lease_seconds=60, now=NOW) is None  # waits its delay
    assert service_requests.claim_document(db, lease_seconds=60, now=time.time() + 31).attempts == 2
    service_requests.document_failed(db, second.id, "unavailable", "LINE 404")
    assert [(d.status, d.size) for d in service_requests.documents(db, request.id)] == [
        ("stored", len(photo)), ("unavailable", None)]
    assert service_requests.document_content(db, second.id) is None


def test_a_document_photo_is_taken_by_one_of_many_racing_fetchers(connect_storage):
    db = connect_storage()
    request, _ = file_request(db, documents=[(f"doc-{n}", f"m{n}") for n in range(30)])
    claimed: list[int] = []
    start = threading.Barrier(4)

    def fetcher():
        mine = connect_storage()
        start.wait()
        while (row := service_requests.claim_document(mine, lease_seconds=60)) is not None:
            claimed.append(row.id)

    threads = [threading.Thread(target=fetcher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == [d.id for d in service_requests.documents(db, request.id)]


# --- appointments ----------------------------------------------------------------------------------


def test_a_slot_is_booked_up_to_its_capacity(connect_storage):
    db = connect_storage()
    people = [file_request(db, chat=f"user:U{n}")[0] for n in range(3)]
    booked = [appointments.book(db, p.id, "elderly-allowance", "2025-10-20", "09:00", 2, NOW) for p in people]
    assert booked[0].status == "booked" and booked[1] is not None and booked[2] is None
    assert appointments.booked_counts(db, "elderly-allowance", "2025-10-20", "2025-10-20") == {("2025-10-20", "09:00"): 2}
    assert appointments.free_slots(db, "elderly-allowance", "2025-10-20", ("09:00", "10:30"), 2) == [("10:30", 2)]


def test_a_request_has_one_booked_appointment_and_the_transaction_goes_on(connect_storage):
    db = connect_storage()
    request, _ = file_request(db)
    with transaction(db):
        first = appointments.book(db, request.id, "elderly-allowance", "2025-10-20", "09:00", 5, NOW)
        with pytest.raises(appointments.AlreadyBooked):
            appointments.book(db, request.id, "elderly-allowance", "2025-10-21", "09:00", 5, NOW)
        assert appointments.booked_for_request(db, request.id).id == first.id
    assert appointments.cancel(db, first.id, NOW + 1) and not appointments.cancel(db, first.id, NOW + 2)
    assert appointments.book(db, request.id, "elderly-allowance", "2025-10-21", "09:00", 5, NOW) is not None


def test_racing_bookings_never_overbook_a_slot(connect_storage):
    db = connect_storage()
    people = [file_request(db, chat=f"user:U{n}")[0].id for n in range(8)]
    booked: list[int] = []
    start = threading.Barrier(8)

    def citizen(request_id):
        mine = connect_storage()
        start.wait()
        with transaction(mine):
            if appointments.book(mine, request_id, "elderly-allowance", "2025-10-20", "09:00", 3, NOW):
                booked.append(request_id)

    threads = [threading.Thread(target=citizen, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(booked) == 3
    assert appointments.booked_counts(db, "elderly-allowance", "2025-10-20", "2025-10-20") == {("2025-10-20", "09:00"): 3}


def test_moving_an_appointment_to_a_full_slot_changes_nothing(connect_storage):
    db = connect_storage()
    a, b = file_request(db)[0], file_request(db, chat="user:U2")[0]
    mine = appointments.book(db, a.id, "elderly-allowance", "2025-10-20", "09:00", 1, NOW)
    appointments.book(db, b.id, "elderly-allowance", "2025-10-21", "09:00", 1, NOW)
    with transaction(db):
        assert appointments.move(db, mine.id, "2025-10-21", "09:00", 1, NOW + 1) is None
    assert appointments.get(db, mine.id).status == "booked" and appointments.get(db, mine.id).ended_at is None
    with transaction(db):
        moved = appointments.move(db, mine.id, "2025-10-22", "13:00", 1, NOW + 2)
    assert [(x.day, x.status) for x in appointments.for_request(db, a.id)] == [("2025-10-20", "moved"), ("2025-10-22", "booked")]
    assert moved.id != mine.id


def test_a_days_list_reminders_and_erasure(connect_storage):
    db = connect_storage()
    a, b = file_request(db)[0], file_request(db, chat="user:U2")[0]
    counter = file_request(db, chat=None)[0]
    late = appointments.book(db, a.id, "elderly-allowance", "2025-10-21", "13:00", 5, NOW)
    early = appointments.book(db, b.id, "elderly-allowance", "2025-10-21", "09:00", 5, NOW)
    walk_in = appointments.book(db, counter.id, "elderly-allowance", "2025-10-21", "10:00", 5, NOW)
    assert [x.appointment.id for x in appointments.of_day(db, "2025-10-21")] == [early.id, walk_in.id, late.id]
    assert appointments.of_day(db, "2025-10-21", ("r.division_id IN (?)", ["roads"])) == []
    assert [x.number for x in appointments.booked_of_chat(db, "user:U1", "2025-10-21")] == [a.number]
    due = appointments.due_reminders(db, "2025-10-20", "2025-10-21")
    assert [x.appointment.id for x in due] == [early.id, late.id]  # the walk-in has no chat to remind
    assert json.loads(due[1].answers)["note"] == "ขอรับเบี้ยยังชีพค่ะ 🙏"
    appointments.mark_reminded(db, early.id, NOW)
    assert [x.appointment.id for x in appointments.due_reminders(db, "2025-10-20", "2025-10-21")] == [late.id]
    assert appointments.set_outcome(db, walk_in.id, "attended", NOW)
    assert [x.id for x in appointments.cancel_for_chat(db, "user:U1", NOW)] == [late.id]
    assert appointments.get(db, late.id).status == "cancelled"


# --- the dashboard card on service requests --------------------------------------------------------


def test_the_open_requests_card_counts_waiting_and_late(connect_storage):
    db = connect_storage()
    admin = admin_users.get(db, add_user(db, "admin1"))
    file_request(db, now=NOW)  # due 2025-10-20, received
    accepted, _ = file_request(db, now=NOW)
    service_requests.update(db, accepted.id, "received", status="accepted", due_on="2099-01-01")
    file_request(db, now=NOW, status="done")
    ctx = SimpleNamespace(db=db, user=admin, today=date(2025, 10, 21), today_start=NOW - 1, today_end=NOW + 1)
    stat = open_requests_card(ctx)
    assert stat.value == 2 and "รอรับคำร้อง 1 · เกินกำหนด 1 · ใหม่วันนี้ 3" in stat.detail
    assert all(type(n) is int for n in db.execute(  # not Decimal on PostgreSQL
        "SELECT count(CASE WHEN status = 'received' THEN 1 END), count(*) FROM service_requests").fetchone())


# --- the clock's heartbeats ------------------------------------------------------------------------


def test_heartbeats_count_runs_and_errors(connect_storage):
    db = connect_storage()
    heartbeats.started(db, "reminders", now=NOW)
    heartbeats.finished(db, "reminders", now=NOW + 1)
    heartbeats.started(db, "reminders", now=NOW + 60)
    heartbeats.finished(db, "reminders", error="ส่งไม่ได้ ❌ " + "x" * 600, now=NOW + 61)
    heartbeats.started(db, "backup", now=NOW)
    jobs = heartbeats.all_jobs(db)
    assert [j["job"] for j in jobs] == ["backup", "reminders"]
    reminders = jobs[1]
    assert (reminders["runs"], reminders["errors"], reminders["last_run_at"], reminders["last_ok_at"]) == (2, 1, NOW + 60, NOW + 1)
    assert reminders["last_error"].startswith("ส่งไม่ได้ ❌") and len(reminders["last_error"]) == 500
    assert heartbeats.last_run(db) == NOW + 60 and heartbeats.last_run(db, "nothing") is None


# --- retention -------------------------------------------------------------------------------------


def test_retention_deletes_finished_history_older_than_90_days(connect_storage):
    db = connect_storage()
    payload = json.dumps({"type": "message", "message": {"text": "ถนนเป็นหลุมค่ะ 🕳️"}}, ensure_ascii=False)
    inbox.store_events(db, [
        {"webhook_event_id": k, "event_key": k, "event_type": "message", "mode": "active", "source_key": "user:U1",
         "user_id": "U1", "payload": payload} for k in ("old-done", "old-pending", "new-done")])
    old = NOW - 91 * 86400
    db.execute("UPDATE inbox SET received_at = ?, status = 'done' WHERE event_key = 'old-done'", (old,))
    db.execute("UPDATE inbox SET received_at = ? WHERE event_key = 'old-pending'", (old,))
    db.execute("UPDATE inbox SET received_at = ?, status = 'done' WHERE event_key = 'new-done'", (NOW,))
    for key in ("sent-old", "pending-old"):
        outbox.enqueue(db, dedupe_key=key, chat_key="user:U1", kind="push", to_ids=["U1"],
                       messages=[{"type": "text", "text": "ซ่อมแล้วค่ะ ✅"}])
    db.execute("UPDATE outbox SET created_at = ?", (old,))
    db.execute("UPDATE outbox SET status = 'sent' WHERE dedupe_key = 'sent-old'")
    removed = retention.purge(db, now=NOW)
    assert (removed["events"], removed["messages"]) == (1, 1)
    assert sorted(r[0] for r in db.execute("SELECT event_key FROM inbox")) == ["new-done", "old-pending"]
    assert [r[0] for r in db.execute("SELECT dedupe_key FROM outbox")] == ["pending-old"]
