"""The tickets family's storage (tickets, their numbers, events, notes, photos, closures,
deadlines, requests for information, the console's Thai search) and the published
transparency snapshots, on both engines.

`connect_storage` (conftest.py) runs each test on SQLite and on a new SAO's PostgreSQL schema
(db/postgres_versions/0003_tickets.sql).
"""
from __future__ import annotations

import threading
import time

from db import dialect, outbox, ticket_closures, ticket_deadlines, ticket_info, ticket_notes, ticket_photos
from db import ticket_search, tickets, transaction, transparency
from db.ticket_search import TicketQuery

DESCRIPTION = "ไฟฟ้าดับทั้งซอย ๓ ตั้งแต่เมื่อคืน เด็กๆ กลัวมากค่ะ 😢🙏"
NOW = 1_760_000_000.0  # 2025-10-09, fiscal year 2569


def file(db, n: int = 1, *, description: str = DESCRIPTION, chat: str = "user:U1", category: str = "village",
         division: str = "engineering", photos: list[str] | None = None, location: dict | None = None,
         fiscal_year: int = 2569, now: float = NOW) -> tickets.Ticket:
    with transaction(db):
        ticket, created = tickets.create(
            db, prefix="KC", fiscal_year=fiscal_year, submission_key=f"{chat}/s{n}", category=category, topic="light",
            service_id=None, division_id=division, chat_key=chat, line_user_id=chat.split(":")[1],
            description=description, location=location, photo_message_ids=photos or [], now=now + n,
        )
    assert created
    return ticket


def found(db, text: str, **filters) -> list[str]:
    return [t.number for t in ticket_search.find(db, TicketQuery(text=text, **filters))]


# --- tickets -------------------------------------------------------------------------------------

def test_a_ticket_keeps_thai_text_emoji_and_its_location(connect_storage):
    db = connect_storage()
    where = {"latitude": 14.8818, "longitude": 102.0172, "title": "หน้าวัดบ้านโนน 🛕", "address": "หมู่ 3 ต.ขอนชิม"}
    ticket = file(db, location=where)
    assert ticket == tickets.get(db, ticket.id) == tickets.by_number(db, " kc-2569-00001 ")
    assert (ticket.number, ticket.description, ticket.status) == ("KC-2569-00001", DESCRIPTION, "received")
    assert (ticket.latitude, ticket.longitude, ticket.location_title) == (14.8818, 102.0172, "หน้าวัดบ้านโนน 🛕")
    assert isinstance(ticket.id, int) and isinstance(ticket.created_at, float) and ticket.reopen_count == 0
    assert ticket.has_location and ticket.is_open


def test_numbers_count_per_fiscal_year_and_a_repeated_confirmation_is_the_same_ticket(connect_storage):
    db = connect_storage()
    first, second = file(db, 1), file(db, 2)
    other_year = file(db, 3, fiscal_year=2570)
    assert [first.number, second.number, other_year.number] == ["KC-2569-00001", "KC-2569-00002", "KC-2570-00001"]
    with transaction(db):
        again, created = tickets.create(
            db, prefix="KC", fiscal_year=2569, submission_key="user:U1/s1", category="village", topic=None, service_id=None,
            division_id="engineering", chat_key="user:U1", line_user_id="U1", description="ซ้ำ", location=None,
            photo_message_ids=[],
        )
    assert (again.id, created) == (first.id, False)
    with transaction(db):
        assert tickets.next_number(db, 2569) == 3  # the sequence only counts up


def test_events_updates_and_moves_check_the_status_they_expect(connect_storage):
    db = connect_storage()
    ticket = file(db)
    assert tickets.update(db, ticket.id, "received", status="accepted", updated_at=NOW + 10, assignee_name="สมชาย ใจดี")
    assert not tickets.update(db, ticket.id, "received", status="rejected")  # moved on meanwhile
    tickets.add_event(db, ticket.id, "สมชาย ใจดี", "received", "accepted", "รับเรื่องแล้วครับ 👍", NOW + 10)
    assert [(e.actor, e.from_status, e.to_status, e.note) for e in tickets.events(db, ticket.id)] == [
        ("ประชาชน", None, "received", None), ("สมชาย ใจดี", "received", "accepted", "รับเรื่องแล้วครับ 👍")]
    assert not tickets.move_division(db, ticket.id, "accepted", "welfare", "finance", NOW + 11)
    assert tickets.move_division(db, ticket.id, "accepted", "engineering", "finance", NOW + 11)
    assert tickets.get(db, ticket.id).division_id == "finance"
    assert tickets.rate_handling(db, ticket.id, 5) and not tickets.rate_handling(db, ticket.id, 1)
    assert tickets.get(db, ticket.id).handling_rating == 5


def test_lists_of_a_chat_a_division_and_a_report(connect_storage):
    db = connect_storage()
    mine = [file(db, n) for n in (1, 2)]
    theirs = file(db, 3, chat="user:U2", division="welfare", category="suggestion")
    assert [t.id for t in tickets.for_chat(db, "user:U1")] == [mine[1].id, mine[0].id]
    assert [t.id for t in tickets.search(db, division_id="welfare")] == [theirs.id]
    assert len(tickets.search(db, open_only=True)) == 3 and tickets.search(db, status="resolved") == []
    report = tickets.for_report(db, NOW, NOW + 3)
    assert [(r.number, r.category) for r in report] == [("KC-2569-00001", "village"), ("KC-2569-00002", "village")]
    assert [r.number for r in tickets.for_report(db, NOW, NOW + 10, "welfare")] == [theirs.number]
    assert sorted(tickets.ids_of_chat(db, "user:U1")) == [t.id for t in mine]


def test_erasing_personal_data_keeps_what_the_sao_reports(connect_storage):
    db = connect_storage()
    ticket = file(db, photos=["m1"], location={"latitude": 14.9, "longitude": 102.0, "title": "ซอยนางสมศรี"})
    other = file(db, 2, description="นางสมศรีแจ้งเรื่องถนน")
    ticket_notes.add(db, ticket.id, author="สมชาย", note="โทรหาคุณสมศรีแล้ว 📞")
    request = ticket_info.ask(db, ticket.id, by_user="US", by_name="สมชาย", in_chat="user:US", question="บ้านเลขที่เท่าไร", at=NOW)
    ticket_info.add_answer(db, request.id, "บ้านเลขที่ 45 ค่ะ", NOW + 1)
    closure = ticket_closures.add(db, ticket.id, closed_by="สมชาย", note="ซ่อมแล้ว", at=NOW + 2)
    ticket_closures.decide(db, closure.id, "reopened", NOW + 3, reason="ยังดับอยู่ค่ะ")
    tickets.update(db, ticket.id, "received", status="rejected", closed_at=NOW + 4, handling_rating=2)
    assert tickets.closed_with_personal_data(db, NOW + 5) == [ticket.id]
    assert found(db, "สมศรี") == [other.number, ticket.number]

    with transaction(db):
        tickets.remove_personal_data(db, ticket.id, "retention", now=NOW + 6)
    gone = tickets.get(db, ticket.id)
    assert (gone.chat_key, gone.description, gone.latitude, gone.location_title, gone.submission_key) == (None,) * 5
    assert (gone.status, gone.handling_rating, gone.personal_data_removed_why) == ("rejected", 2, "retention")
    assert ticket_photos.photos(db, ticket.id) == [] and ticket_notes.for_ticket(db, ticket.id) == []
    assert ticket_info.get(db, request.id).answer is None and ticket_closures.get(db, closure.id).reason is None
    assert found(db, "สมศรี") == [other.number]  # the search index forgot the erased words
    assert tickets.closed_with_personal_data(db, NOW + 7) == []


def test_the_erasure_effect_also_drops_the_announcements_quoting_the_citizen(connect_storage):
    from bot.feedback import ticket_effects

    db = connect_storage()
    ticket = file(db)
    queued = outbox.enqueue(db, dedupe_key="new:1", chat_key="group:C1", kind="push", to_ids=["C1"],
                            messages=[{"type": "text", "text": DESCRIPTION}], purpose=f"ticket:{ticket.id}:new")
    outbox.mark_sent(db, queued, request_id=None)  # delivered: deleted (undelivered ones still go out)
    with transaction(db):
        ticket_effects.remove_personal_data(db, [ticket.id], "erasure")
    assert tickets.get(db, ticket.id).description is None and outbox.get(db, queued) is None


def test_a_staff_members_line_identity_leaves_the_tickets(connect_storage):
    from bot.staff import ticket_actions

    db = connect_storage()
    ticket = file(db)
    tickets.update(db, ticket.id, "received", status="accepted", assignee_user_id="US", assignee_name="สมชาย")
    request = ticket_info.ask(db, ticket.id, by_user="US", by_name="สมชาย", in_chat="user:US", question="ซอยไหนคะ", at=NOW)
    ticket_actions._erase(db, "user:US", "US")
    assert tickets.get(db, ticket.id).assignee_user_id is None and tickets.get(db, ticket.id).assignee_name == "สมชาย"
    assert (ticket_info.get(db, request.id).asked_by_user, ticket_info.get(db, request.id).asked_in_chat) == (None, None)


# --- notes, photos, closures, requests for information ------------------------------------------

def test_notes_keep_their_order_and_text(connect_storage):
    db = connect_storage()
    ticket = file(db)
    first = ticket_notes.add(db, ticket.id, author="สมชาย", note="ลงพื้นที่พรุ่งนี้ 🚗", author_id=7, now=NOW)
    second = ticket_notes.add(db, ticket.id, author="สมหญิง", note="แจ้ง กฟภ. แล้ว", now=NOW + 1)
    assert second > first
    assert [(n.id, n.author_id, n.author, n.note) for n in ticket_notes.for_ticket(db, ticket.id)] == [
        (first, 7, "สมชาย", "ลงพื้นที่พรุ่งนี้ 🚗"), (second, None, "สมหญิง", "แจ้ง กฟภ. แล้ว")]


def test_photos_are_fetched_stored_and_read_back_as_bytes(connect_storage):
    db = connect_storage()
    ticket = file(db, photos=["m1", "m2", "m3"])
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\x00\xff\xd9"
    assert ticket_photos.photo_counts(db, [ticket.id, ticket.id + 99]) == {ticket.id: 3}
    first = ticket_photos.claim_photo(db, lease_seconds=30)
    assert (first.message_id, first.status, first.attempts) == ("m1", "fetching", 1)
    assert ticket_photos.store_photo(db, first.id, jpeg, "image/jpeg")
    assert not ticket_photos.store_photo(db, first.id, b"again", "image/png")  # stored already
    content = ticket_photos.photo_content(db, first.id)
    assert content == (jpeg, "image/jpeg") and type(content[0]) is bytes
    assert ticket_photos.photo(db, first.id).size == len(jpeg)

    second = ticket_photos.claim_photo(db, lease_seconds=30)
    ticket_photos.photo_retry(db, second.id, delay_seconds=3600, error="LINE 500")
    third = ticket_photos.claim_photo(db, lease_seconds=30)
    ticket_photos.photo_failed(db, third.id, "unavailable", "LINE 404")
    assert ticket_photos.claim_photo(db, lease_seconds=30) is None  # the retry waits an hour
    assert [(p.message_id, p.status) for p in ticket_photos.photos(db, ticket.id)] == [
        ("m1", "stored"), ("m2", "pending"), ("m3", "unavailable")]
    assert ticket_photos.photo_content(db, third.id) is None


def test_a_photo_is_claimed_by_one_of_many_racing_fetchers(connect_storage):
    db = connect_storage()
    ticket = file(db, photos=[f"m{n}" for n in range(24)])
    claimed: list[int] = []
    start = threading.Barrier(4)

    def fetcher():
        mine = connect_storage()
        start.wait()
        while (photo := ticket_photos.claim_photo(mine, lease_seconds=60)) is not None:
            claimed.append(photo.id)

    threads = [threading.Thread(target=fetcher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == [p.id for p in ticket_photos.photos(db, ticket.id)]  # each once


def test_after_photos_have_a_public_token_and_uploads_are_stored_at_once(connect_storage):
    db = connect_storage()
    ticket = file(db)
    closure = ticket_closures.add(db, ticket.id, closed_by="สมชาย", note="เปลี่ยนหลอดไฟแล้ว 💡", at=NOW)
    fetched = ticket_photos.add(db, ticket.id, "m-after", kind="after", closure_id=closure.id)
    info = ticket_photos.add(db, ticket.id, "m-info", kind="info")
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    uploaded = ticket_photos.add_uploaded(db, ticket.id, png, "image/png", closure_id=closure.id)
    rows = ticket_photos.of_closure(db, closure.id)
    assert [(i, s) for i, s, _ in rows] == [(fetched, "pending"), (uploaded, "stored")]
    token = rows[1][2]
    assert len(token) == 32 and rows[0][2] and rows[0][2] != token
    found_photo = ticket_photos.by_token(db, token)
    assert found_photo == (png, "image/png") and type(found_photo[0]) is bytes
    assert ticket_photos.by_token(db, rows[0][2]) is None  # not stored yet
    assert ticket_photos.photo(db, info).kind == "info"
    assert transparency.after_photo_tokens(db, [closure.id, closure.id + 1]) == {closure.id: [token]}


def test_closures_wait_for_the_citizen_and_are_told_once(connect_storage):
    db = connect_storage()
    ticket = file(db)
    first = ticket_closures.add(db, ticket.id, closed_by="สมชาย", note="ซ่อมแล้วค่ะ ✅", at=NOW)
    second = ticket_closures.add(db, ticket.id, closed_by="สมชาย", note="ซ่อมอีกรอบ", at=NOW + 5)
    assert ticket_closures.get(db, first.id).outcome == "reopened"  # superseded by staff
    assert ticket_closures.pending_of(db, ticket.id) == second and second.note == "ซ่อมอีกรอบ"
    assert [c.id for c in ticket_closures.untold(db)] == [first.id, second.id]
    assert ticket_closures.mark_told(db, second.id, NOW + 6) and not ticket_closures.mark_told(db, second.id, NOW + 7)
    assert [c.id for c in ticket_closures.untold(db, limit=5)] == [first.id]
    assert ticket_closures.decide(db, second.id, "confirmed", NOW + 8)
    assert not ticket_closures.decide(db, second.id, "timed_out", NOW + 9)
    assert [c.outcome for c in ticket_closures.of_ticket(db, ticket.id)] == ["reopened", "confirmed"]


def test_answers_to_staff_are_appended_line_by_line(connect_storage):
    db = connect_storage()
    ticket = file(db)
    request = ticket_info.ask(db, ticket.id, by_user="US", by_name="สมชาย", in_chat="group:C1",
                              question="ขอรูปเสาไฟเพิ่มได้ไหมครับ 📷", at=NOW)
    assert (request.question, request.answer, request.asked_in_chat) == ("ขอรูปเสาไฟเพิ่มได้ไหมครับ 📷", None, "group:C1")
    ticket_info.add_answer(db, request.id, "เสาต้นที่ 3 ค่ะ", NOW + 1)
    ticket_info.add_answer(db, request.id, "หน้าบ้านป้าแดง 🏠", NOW + 2)
    ticket_info.mark_answered(db, request.id, NOW + 3)  # answered already: kept
    assert ticket_info.get(db, request.id).answer == "เสาต้นที่ 3 ค่ะ\nหน้าบ้านป้าแดง 🏠"
    assert ticket_info.get(db, request.id).answered_at == NOW + 2
    assert [r.id for r in ticket_info.of_ticket(db, ticket.id)] == [request.id]


# --- deadlines and escalations ------------------------------------------------------------------

def test_deadlines_acknowledgement_and_escalations(connect_storage):
    db = connect_storage()
    accepted, moved_on, waiting = file(db, 1), file(db, 2), file(db, 3)
    ticket_deadlines.set_due(db, waiting.id, "2025-10-13", "2025-10-24")
    assert (ticket_deadlines.ticket(db, waiting.id).ack_due_on, tickets.get(db, waiting.id).resolve_due_on) == (
        "2025-10-13", "2025-10-24")
    tickets.update(db, accepted.id, "received", status="accepted", acknowledged_at=NOW + 60)
    tickets.update(db, moved_on.id, "received", status="rejected", closed_at=NOW + 70)
    tickets.add_event(db, moved_on.id, "สมชาย", "received", "rejected", "ไม่ใช่อำนาจหน้าที่", NOW + 70)
    tickets.add_event(db, waiting.id, "ระบบ", "received", "received", "ย้ายกอง", NOW + 80)  # a move: not acknowledged
    ids = [accepted.id, moved_on.id, waiting.id]
    assert ticket_deadlines.acknowledged(db, ids) == {accepted.id, moved_on.id}
    assert ticket_deadlines.acknowledged(db, []) == set()
    assert [t.id for t in ticket_deadlines.open_tickets(db)] == [accepted.id, waiting.id]
    assert [t.id for t in ticket_deadlines.open_tickets(db, ("division_id = ?", ["welfare"]))] == []

    assert ticket_deadlines.record_told(db, waiting.id, "ack", 1, "2025-10-14")
    assert not ticket_deadlines.record_told(db, waiting.id, "ack", 1, "2025-10-15")  # told already
    assert ticket_deadlines.record_told(db, waiting.id, "resolve", 1, "2025-10-25")
    assert ticket_deadlines.told(db, ids) == {(waiting.id, "ack", 1, ), (waiting.id, "resolve", 1)}
    ticket_deadlines.forget_told(db, waiting.id, "resolve")
    assert ticket_deadlines.told(db, [waiting.id]) == {(waiting.id, "ack", 1)}

    facts = {f.ticket_id: f for f in ticket_deadlines.for_report(db, NOW, NOW + 10)}
    assert facts[accepted.id].acknowledged_at == NOW + 60 and facts[moved_on.id].acknowledged_at == NOW + 70
    assert facts[waiting.id].acknowledged_at is None and facts[waiting.id].resolve_due_on == "2025-10-24"


def test_closures_pending_too_long_and_their_report_counts(connect_storage):
    db = connect_storage()
    ticket, other = file(db, 1), file(db, 2, division="welfare")
    tickets.update(db, ticket.id, "received", status="resolved", resolved_at=NOW + 10)
    first = ticket_closures.add(db, ticket.id, closed_by="สมชาย", note=None, at=NOW + 10)
    second = ticket_closures.add(db, ticket.id, closed_by="สมชาย", note=None, at=NOW + 20)
    ticket_closures.add(db, other.id, closed_by="สมหญิง", note=None, at=NOW + 20)  # its ticket is not resolved
    assert ticket_deadlines.closures_pending_since(db, NOW + 30) == [(second.id, ticket.id)]
    assert first.id < second.id
    facts = ticket_deadlines.for_report(db, NOW, NOW + 10, "engineering")
    assert [(f.ticket_id, dict(f.closures)) for f in facts] == [(ticket.id, {"reopened": 1, "pending": 1})]


# --- the console's Thai search ------------------------------------------------------------------

def test_thai_words_are_found_without_tone_marks_and_with_thai_digits(connect_storage):
    db = connect_storage()
    light = file(db, 1)
    water = file(db, 2, description="น้ำประปาไม่ไหล หมู่ 7 บ้านหนองบัว", location={"title": "ถนน ABC Road"})
    assert found(db, "ไฟฟ้าดับ") == [light.number]
    assert found(db, "ไฟฟาดับ") == [light.number]  # typed without tone marks
    assert found(db, "ซอย 3") == [light.number] == found(db, "ซอย ๓")  # a short word, Thai digits
    assert found(db, "ไฟ ซอย") == [light.number]  # short words only
    assert found(db, "abc road") == [water.number] == found(db, "ABC")  # ASCII in any case
    assert found(db, "หมู่ ประปา") == [water.number]  # every word must appear
    assert found(db, "ไฟฟ้า ประปา") == []
    assert found(db, "ถนนลูกรัง") == []  # a word in no ticket
    assert found(db, "กลัว 😢") == [light.number]  # emoji are text too
    assert sorted(found(db, "บ้าน")) == [water.number]


def test_the_search_index_holds_the_text_folded_like_a_query(connect_storage):
    db = connect_storage()
    samples = ["ไฟฟ้าดับ ๓ ซอย", "เเจ้งน้ำประปา", "นํ้าท่วม ABC", "ก๊าซ โน๊ต ก็ได้", "emoji 🙏🏽 ok"]
    source = {"sqlite": "SELECT body FROM ticket_search_source WHERE id = ?",
              "postgresql": "SELECT body FROM ticket_search WHERE id = ?"}[dialect(db)]
    for n, text in enumerate(samples, 1):
        ticket = file(db, n, description=text)
        (body,) = db.execute(source, (ticket.id,)).fetchone()
        assert body == ticket_search.fold_for_search(text + "  ")
        assert found(db, text) == [ticket.number]


def test_an_edited_description_is_searched_as_edited(connect_storage):
    db = connect_storage()
    ticket = file(db)
    tickets.update(db, ticket.id, "received", description="ขยะล้นถังหน้าตลาด 🗑️")
    assert found(db, "ไฟฟ้า") == [] and found(db, "ขยะล้น") == [ticket.number]


def test_numbers_filters_and_counts(connect_storage):
    db = connect_storage()
    light, water = file(db, 1), file(db, 2, division="welfare", category="complaint_service")
    tickets.update(db, water.id, "received", status="resolved", closed_at=NOW + 50)
    assert found(db, "kc-2569-00002") == [water.number]
    assert found(db, "00001") == [light.number] and found(db, "2569-0000") == [water.number, light.number]
    assert found(db, "", status="open") == [light.number] and found(db, "", status="closed") == [water.number]
    assert found(db, "", ids=(water.id,)) == [water.number] and found(db, "", ids=()) == []
    assert found(db, "", category="complaint_service", division_id="welfare") == [water.number]
    assert found(db, "", start=NOW + 2, end=NOW + 3) == [water.number]
    assert found(db, "ไฟฟ้า", scope=("division_id = ?", ["welfare"])) == [water.number]
    assert found(db, "ไฟฟ้า", scope=("division_id = ?", ["finance"])) == []
    assert ticket_search.count(db, TicketQuery(text="ไฟฟ้า")) == 2 and ticket_search.count(db, TicketQuery(text="ประปา")) == 0
    assert ticket_search.count_by_status(db) == {"received": 1, "resolved": 1}
    assert ticket_search.count_by_status(db, ("division_id = ?", ["welfare"])) == {"resolved": 1}
    assert ticket_search.count_created(db, NOW, NOW + 2) == 1
    assert [t.number for t in ticket_search.find(db, TicketQuery(), limit=1, offset=1)] == [light.number]


# --- transparency snapshots and the public problem board ----------------------------------------

def test_snapshots_are_versioned_and_return_their_files_as_published(connect_storage):
    db = connect_storage()
    pdf, xlsx = b"%PDF-1.7\n\x00\xff\xfe" + bytes(300), b"PK\x03\x04" + bytes(range(256))
    common = dict(report="complaints", fiscal_year=2569, round="q1", title="รายงานเรื่องร้องเรียน 📊",
                  period_label="ไตรมาสที่ 1 (ต.ค.–ธ.ค. 2568)", as_of=NOW, pdf=pdf, xlsx=xlsx)
    first = transparency.add(db, **common, html="<p>รับเรื่อง 12 เรื่อง</p>", published_by="clock", now=NOW)
    second = transparency.add(db, **common, html="<p>รับเรื่อง 13 เรื่อง</p>", published_by="สมชาย",
                              note="แก้จำนวนเรื่อง", now=NOW + 1)
    other = transparency.add(db, **{**common, "fiscal_year": 2568, "round": "r12"}, html="", published_by="clock")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert transparency.get(db, second.id) == second and second.note == "แก้จำนวนเรื่อง"
    assert [s.id for s in transparency.versions(db, "complaints", 2569, "q1")] == [first.id, second.id]
    assert [s.id for s in transparency.of_year(db, 2569)] == [first.id, second.id]
    assert transparency.years(db) == [2569, 2568]
    assert transparency.content(db, second.id, "html") == "<p>รับเรื่อง 13 เรื่อง</p>"
    assert transparency.content(db, first.id, "pdf") == pdf and type(transparency.content(db, first.id, "pdf")) is bytes
    assert transparency.content(db, first.id, "xlsx") == xlsx and transparency.content(db, first.id + 99, "pdf") is None


def test_the_problem_board_shows_village_problems_with_their_latest_closure(connect_storage):
    db = connect_storage()
    road = file(db, 1, location={"latitude": 14.88, "longitude": 102.01, "title": "หน้าวัด"})
    file(db, 2, category="suggestion")  # not a village problem
    older = file(db, 3, fiscal_year=2568)
    ticket_closures.add(db, road.id, closed_by="สมชาย", note=None, at=NOW + 5)
    latest = ticket_closures.add(db, road.id, closed_by="สมชาย", note=None, at=NOW + 6)
    board = transparency.village_problems(db, 2569)
    assert [(p.number, p.closure_id, p.closure_outcome, p.location_title) for p in board] == [
        (road.number, latest.id, "pending", "หน้าวัด")]
    assert [p.number for p in transparency.village_problems(db, 2568, limit=1)] == [older.number]
    assert transparency.village_problem_years(db) == [2569, 2568]
    assert transparency.after_photo_tokens(db, []) == {}


def test_filing_many_tickets_at_once_gives_each_its_own_number(connect_storage):
    db = connect_storage()
    numbers: list[str] = []
    start = threading.Barrier(4)

    def citizen(n: int):
        mine = connect_storage()
        start.wait()
        for k in range(5):
            numbers.append(file(mine, n * 10 + k, chat=f"user:U{n}", now=time.time()).number)

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [f"KC-2569-{n:05d}" for n in range(1, 21)]


def test_search_matches_every_ticket_holding_each_word_on_both_engines(connect_storage):
    """Both engines against one oracle: a ticket matches when each folded word is in its folded
    text (words of 3+ characters in any case, as FTS5 folds; shorter ones as typed, lower-cased)."""
    db = connect_storage()
    texts = ["ถนนลูกรังหน้าวัดเป็นหลุมลึก น้ำขัง 🚧", "ไฟถนนดับ ๓ ต้น ซอยวัดป่า", "ขยะไม่มีคนเก็บมา 2 อาทิตย์แล้ว",
             "น้ำประปาขุ่นมาก Water is BROWN", "สุนัขจรจัดกัดเด็กที่ตลาดนัด 🐕", "ท่อระบายน้ำอุดตัน หน้าตลาด"]
    numbers = [file(db, n, description=text).number for n, text in enumerate(texts, 1)]
    folded = [ticket_search.fold_for_search(text) for text in texts]
    queries = ["ถนน", "น้ำ", "ตลาด", "วัด", "ดับ", "๓ ต้น", "water brown", "ขุ่น BROWN", "หน้า น้ำ", "ไม่มี", "ลูกรัง ไฟ",
               "หลุม", "เก็บ", "🐕", "กัด เด็ก", "ตลาดนัด", "อุดตัน", "ประปา", "ซอย", "ab", "own"]
    for query in queries:
        words = [ticket_search.fold_for_search(w) for w in query.split()]
        expected = [number for number, text in zip(numbers, folded)
                    if all(w in (text.lower() if len(w) >= 3 else text) for w in words)]
        assert sorted(found(db, query)) == expected, query
