"""Citizen feedback and participation storage on both engines: satisfaction ratings and their
report aggregates, corruption reports, rate limits, handbook questions and their anonymous
counts, the staff questions' queue, consultations, opt-ins and participation activities.

`connect_storage` (conftest.py) runs each test on SQLite and on a new SAO's PostgreSQL schema.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.content.divisions import load_divisions
from bot.content.profile import load_profile
from bot.feedback import corruption
from bot.feedback.announce import Office
from bot.reports import participation_import
from db import chats, outbox, staff, transaction, write_probe
from db import corruption_reports as reports
from db import feedback_limits, participation, questions, ratings, staff_questions

CONTENT = Path(__file__).resolve().parents[1] / "content"
BANGKOK = timezone(timedelta(hours=7))


def at(day: str, hour: int = 10, minute: int = 0) -> float:
    """Epoch seconds of a Bangkok day and time."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), BANGKOK).timestamp() + hour * 3600 + minute * 60


# --- satisfaction ratings ---------------------------------------------------------------------------


def rate(db, who: int, service: str, day: str, scores: tuple, comment=None, source="menu", division="welfare"):
    return ratings.save(
        db, chat_key=f"user:U{who}", service_id=service, division_id=division, rated_on=day, fiscal_year=2570,
        scores=dict(zip(ratings.ASPECTS, scores)), comment=comment, source=source,
    )


def test_a_second_rating_the_same_day_replaces_the_first(connect_storage):
    db = connect_storage()
    assert rate(db, 1, "elderly-allowance", "2026-10-05", (3, 3, 3, 3, 3), "รอนานไปหน่อยค่ะ 😓") is False
    assert rate(db, 1, "elderly-allowance", "2026-10-05", (5, 5, 4, 5, 5), "เจ้าหน้าที่ใจดีมากค่ะ 🙏") is True
    assert rate(db, 1, "elderly-allowance", "2026-10-06", (4, 4, 4, 4, 4)) is False  # another day: a new rating
    assert ratings.count_today(db, "user:U1", "2026-10-05") == 1
    assert ratings.comments(db, "2026-10-01", "2026-10-31") == [("2026-10-05", "elderly-allowance", "เจ้าหน้าที่ใจดีมากค่ะ 🙏")]
    found = ratings.find(db, ratings.RatingQuery(first_day="2026-10-05", last_day="2026-10-05"))
    assert [(r.process, r.facilities, r.overall) for r in found] == [(5, 4, 5)]


def test_rating_means_are_floats_rounded_to_two_places(connect_storage):
    db = connect_storage()
    rate(db, 1, "elderly-allowance", "2026-10-05", (5, 5, 4, 5, 5), "บริการดีมาก 👍")
    rate(db, 2, "elderly-allowance", "2026-11-10", (4, 5, 3, 4, 4), source="qr")
    rate(db, 3, "elderly-allowance", "2026-11-12", (4, 4, 3, 4, 2))
    rate(db, 4, "water-supply", "2026-11-12", (1, 2, 3, 4, 1), "น้ำไม่ไหลสามวันแล้ว 💧", division="engineering")
    (elderly, water) = ratings.summary(db, "2026-10-01", "2026-11-30")
    assert (elderly.service_id, elderly.count) == ("elderly-allowance", 3)
    assert elderly.averages == {"process": 4.33, "staff": 4.67, "facilities": 3.33, "information": 4.33, "overall": 3.67}
    assert all(type(v) is float for v in elderly.averages.values())
    assert water.averages["overall"] == 1.0
    n, means = ratings.averages(db, ratings.RatingQuery(scope=("division_id IN (?)", ["welfare"])))
    assert n == 3 and means["overall"] == 3.67 and type(means["overall"]) is float
    assert ratings.averages(db, ratings.RatingQuery(service_id="ไม่มีบริการนี้")) == (0, dict.fromkeys(ratings.ASPECTS))
    assert [(s.service_id, s.count) for s in ratings.by_service(db, ratings.RatingQuery())] == [
        ("elderly-allowance", 3), ("water-supply", 1)]
    assert ratings.by_month(db, ratings.RatingQuery()) == {"2026-10": (1, 5.0), "2026-11": (3, 2.33)}


def test_rating_filters_select_low_scores_comments_and_a_division(connect_storage):
    db = connect_storage()
    rate(db, 1, "elderly-allowance", "2026-10-05", (5, 5, 4, 5, 5), "บริการดีมาก 👍")
    rate(db, 2, "elderly-allowance", "2026-11-10", (4, 5, 3, 4, 2), "")
    rate(db, 3, "water-supply", "2026-11-12", (1, 2, 3, 4, 1), "น้ำไม่ไหลสามวันแล้ว 💧", division="engineering")
    low = ratings.find(db, ratings.RatingQuery(score="low"))
    assert [r.service_id for r in low] == ["water-supply", "elderly-allowance"]  # newest first
    assert [r.comment for r in ratings.find(db, ratings.RatingQuery(with_comment=True))] == [
        "น้ำไม่ไหลสามวันแล้ว 💧", "บริการดีมาก 👍"]
    assert [r.overall for r in ratings.find(db, ratings.RatingQuery(score="5"))] == [5]
    assert [r.id for r in ratings.find(db, ratings.RatingQuery(), limit=1, offset=1)] == [low[1].id]
    assert ratings.service_ids(db, ("division_id IN (?)", ["engineering"])) == ["water-supply"]
    assert ratings.first_day(db, ratings.RatingQuery(service_id="water-supply")) == "2026-11-12"
    assert ratings.comments(db, "2026-10-01", "2026-11-30", division_id="engineering") == [
        ("2026-11-12", "water-supply", "น้ำไม่ไหลสามวันแล้ว 💧")]


def test_report_score_totals_by_period_group_are_whole_numbers(connect_storage):
    db = connect_storage()
    rate(db, 1, "elderly-allowance", "2026-10-05", (5, 5, 4, 5, 5), source="menu")
    rate(db, 2, "elderly-allowance", "2026-11-10", (4, 5, 3, 4, 4), source="qr")
    rate(db, 3, "water-supply", "2026-11-12", (1, 2, 3, 4, 5), source="qr", division="engineering")
    rate(db, 4, "water-supply", "2027-04-01", (1, 1, 1, 1, 1), source="qr", division="engineering")  # next half
    totals = ratings.score_totals(db, "2026-10-01", "2027-03-31")
    overall = totals[""]["overall"]
    assert overall == (3, 14, 66, {5: 2, 4: 1, 3: 0, 2: 0, 1: 0})
    assert all(type(v) is int for v in (*overall[:3], *overall[3].values()))
    assert totals[""]["process"] == (3, 10, 42, {5: 1, 4: 1, 3: 0, 2: 0, 1: 1})
    by_month = ratings.score_totals(db, "2026-10-01", "2027-03-31", "month")
    assert list(by_month) == ["2026-10", "2026-11"]
    assert by_month["2026-11"]["staff"] == (2, 7, 29, {5: 1, 4: 0, 3: 0, 2: 1, 1: 0})
    by_source = ratings.score_totals(db, "2026-10-01", "2027-03-31", "source")
    assert {k: v["overall"][0] for k, v in by_source.items()} == {"menu": 1, "qr": 2}
    by_division = ratings.score_totals(db, "2026-10-01", "2027-09-30", "division", division_id="engineering")
    assert by_division == {"engineering": ratings.score_totals(db, "2026-10-01", "2027-09-30", "service",
                                                               division_id="engineering")["water-supply"]}
    assert by_division["engineering"]["overall"] == (2, 6, 26, {5: 1, 4: 0, 3: 0, 2: 0, 1: 1})


def test_raters_are_forgotten_and_erasure_keeps_anonymous_scores(connect_storage):
    db = connect_storage()
    rate(db, 1, "elderly-allowance", "2026-10-05", (5, 5, 4, 5, 5), "ขอบคุณค่ะ 🙏")
    rate(db, 1, "water-supply", "2026-10-06", (2, 2, 2, 2, 2), "ท่อแตกหน้าบ้าน 🚰", division="engineering")
    rate(db, 2, "water-supply", "2026-10-06", (3, 3, 3, 3, 3))
    assert ratings.forget_raters(db, "2026-10-06") == 1
    assert ratings.count_today(db, "user:U1", "2026-10-05") == 0
    assert ratings.erase_chat(db, "user:U1") == 1
    assert ratings.comments(db, "2026-10-01", "2026-10-31") == [("2026-10-05", "elderly-allowance", "ขอบคุณค่ะ 🙏")]
    assert ratings.summary(db, "2026-10-01", "2026-10-31")[1].count == 2  # scores stay


# --- corruption reports ------------------------------------------------------------------------------

DETAILS = "เจ้าหน้าที่เรียกเงิน 5,000 บาท แลกกับการออกใบอนุญาตก่อสร้างเร็วขึ้น 😡💸"


def test_an_anonymous_report_keeps_no_link_and_follows_up_with_its_secret(connect_storage):
    db = connect_storage()
    report_id, code, secret = reports.create(db, anonymous=True, chat_key="user:U1", line_user_id="U1",
                                             details=DETAILS, received_on="2026-11-30")
    report = reports.read(db, code.lower().replace("-", " "), role=reports.AUDITOR)
    assert (report.id, report.anonymous, report.chat_key, report.line_user_id) == (report_id, True, None, None)
    assert report.details == DETAILS and report.status == "received"
    assert reports.follow_up(db, code, secret.lower()) == reports.ReporterView(code, "2026-11-30", "received", None)
    assert reports.follow_up(db, code, "AAAA-AAAA") is None
    assert reports.history(db, report_id, role=reports.AUDITOR) == [(at("2026-11-30", 0), "ผู้แจ้ง", "received", None)]
    with pytest.raises(reports.NotAuthorized):
        reports.read_by_id(db, report_id, role="admin")
    with pytest.raises(reports.NotAuthorized):
        reports.list_reports(db, role="staff")


def test_a_report_code_already_given_out_is_drawn_again(connect_storage, monkeypatch):
    db = connect_storage()
    first_id, first_code, _ = reports.create(db, anonymous=False, chat_key="user:U1", line_user_id="U1",
                                             details=DETAILS, received_on="2026-11-30")
    draws = iter([first_code[3:], "KMNPQR"])  # the codes drawn: the first one's again, then a new one
    real = reports._random
    monkeypatch.setattr(reports, "_random", lambda n: next(draws) if n == reports.CODE_LENGTH else real(n))
    second_id, second_code, _ = reports.create(db, anonymous=False, chat_key="user:U2", line_user_id="U2",
                                               details="ขอให้ตรวจสอบการจัดซื้อ 🙏", received_on="2026-12-01")
    assert second_code == "TJ-KMNPQR" and second_id > first_id
    assert [r.code for r in reports.list_reports(db, role=reports.AUDITOR)] == ["TJ-KMNPQR", first_code]
    assert reports.read(db, first_code, role=reports.AUDITOR).details == DETAILS  # the first one untouched


def test_the_audit_unit_updates_a_report_and_counts_show_no_content(connect_storage):
    db = connect_storage()
    _, code, secret = reports.create(db, anonymous=False, chat_key="user:U1", line_user_id="U1",
                                     details=DETAILS, received_on="2026-11-30")
    reports.create(db, anonymous=True, chat_key=None, line_user_id=None, details="รับสินบน 💰", received_on="2026-12-02")
    updated = reports.update(db, code, role=reports.AUDITOR, actor="นางสาวตรวจ สอบดี", status="reviewing",
                             note="เรียกเอกสารแล้ว 📄", message_to_reporter="กำลังตรวจสอบค่ะ 🙏")
    assert (updated.status, updated.message_to_reporter) == ("reviewing", "กำลังตรวจสอบค่ะ 🙏")
    reports.update(db, code, role=reports.AUDITOR, actor="นางสาวตรวจ สอบดี", status="referred")
    assert reports.follow_up(db, code, secret).message_to_reporter == "กำลังตรวจสอบค่ะ 🙏"  # kept when not given
    assert [(actor, status, note) for _, actor, status, note in reports.history(db, updated.id, role=reports.AUDITOR)] == [
        ("ผู้แจ้ง", "received", None), ("นางสาวตรวจ สอบดี", "reviewing", "เรียกเอกสารแล้ว 📄"),
        ("นางสาวตรวจ สอบดี", "referred", None)]
    assert [r.status for r in reports.list_reports(db, role=reports.AUDITOR, status="referred")] == ["referred"]
    assert reports.count_by_status(db) == {"received": 1, "referred": 1}
    assert reports.counts_received_between(db, "2026-10-01", "2027-09-30") == [
        ("2026-11", "referred", 1), ("2026-12", "received", 1)]
    with pytest.raises(ValueError):
        reports.update(db, code, role=reports.AUDITOR, actor="x", status="ลืมไปแล้ว")


def test_erasure_and_retention_make_a_report_anonymous_and_keep_the_account(connect_storage):
    db = connect_storage()
    _, kept, _ = reports.create(db, anonymous=False, chat_key="user:U1", line_user_id="U1", details=DETAILS,
                                received_on="2026-11-30")
    _, closed, _ = reports.create(db, anonymous=False, chat_key="user:U2", line_user_id="U2",
                                  details="ฮั้วประมูลถนน 🛣️", received_on="2026-11-30")
    assert reports.erase_chat(db, "user:U1") == 1
    erased = reports.read(db, kept, role=reports.AUDITOR)
    assert (erased.anonymous, erased.chat_key, erased.line_user_id, erased.details) == (True, None, None, DETAILS)
    reports.update(db, closed, role=reports.AUDITOR, actor="หน่วยตรวจสอบ", status="closed")
    assert reports.forget_reporters(db, before=0) == 0
    assert reports.forget_reporters(db, before=10**10) == 1
    assert reports.read(db, closed, role=reports.AUDITOR).line_user_id is None


def test_the_morning_digest_names_new_reports_once(connect_storage):
    db = connect_storage()
    office = Office(load_profile(CONTENT / "profile.yaml"), load_divisions(CONTENT / "divisions.yaml"), "https://sao.example")
    staff.register(db, chat_key="user:Uaudit", kind="user", line_id="Uaudit", division_id=corruption.AUDIT_DIVISION,
                   role="staff", registered_by="test")
    _, code, _ = reports.create(db, anonymous=True, chat_key=None, line_user_id=None, details=DETAILS, received_on="2026-11-30")
    with transaction(db):
        queued = corruption.announce_new_reports(db, office, "2026-12-01")
    assert len(queued) == 1
    text = outbox.messages_of(db, "corruption-digest:2026-12-01:user:Uaudit")[0]["text"]
    assert code in text and "5,000" not in text
    with transaction(db):
        assert corruption.announce_new_reports(db, office, "2026-12-02") == []


# --- rate limits ---------------------------------------------------------------------------------------


def test_rate_limit_events_count_within_their_window_and_expire(connect_storage):
    db = connect_storage()
    now = 1_800_000_000.0
    for seconds_ago in (10, 3000, 7200):
        feedback_limits.record(db, "ticket:user:U1", now - seconds_ago)
    feedback_limits.record(db, "ticket:user:U2", now)
    assert feedback_limits.count(db, "ticket:user:U1", 3600, now) == 2
    assert feedback_limits.count(db, "ticket:user:U1", 86400, now) == 3
    feedback_limits.record(db, "ticket:user:U2", now + feedback_limits.KEEP_SECONDS + 1)  # older than a day go
    assert feedback_limits.count(db, "ticket:user:U1", 10 * 86400, now + 86400) == 0


def test_erasing_a_chat_drops_its_rate_events_only(connect_storage):
    db = connect_storage()
    now = 1_800_000_000.0
    feedback_limits.record(db, "ticket:user:U_1", now)
    feedback_limits.record(db, "ticket:user:UX1", now)  # "_" is no wildcard
    feedback_limits.record(db, "question:user:U_1", now)
    assert feedback_limits.erase_chat(db, "user:U_1") == 2
    assert feedback_limits.count(db, "ticket:user:UX1", 60, now) == 1


def test_a_person_key_holds_for_the_hour_only(connect_storage):
    db = connect_storage()
    hour = 500_000 * 3600.0
    first = feedback_limits.person_key(db, "corruption", "Uสมชาย", hour + 10)
    assert feedback_limits.person_key(db, "corruption", "Uสมชาย", hour + 3590) == first
    assert feedback_limits.person_key(db, "corruption", "Uสมหญิง", hour + 20) != first
    assert first.startswith("corruption:") and len(first) == len("corruption:") + 32
    later = feedback_limits.person_key(db, "corruption", "Uสมชาย", hour + 3600)
    assert later != first
    assert db.execute("SELECT hour FROM rate_limit_keys").fetchall() == [(500_001,)]  # the old hour's key is gone


# --- handbook questions -----------------------------------------------------------------------------


def ask(db, ref: str, *, outcome="answered", chat="user:U1", user="U1", question="ขอเบี้ยผู้สูงอายุต้องใช้อะไรบ้างคะ 👵",
        procedure="elderly-allowance", when: float = 0.0):
    return questions.record(db, ref=ref, chat_key=chat, user_id=user, question=question, outcome=outcome,
                            procedure_id=procedure, section="documents", score=0.91, handbook_version="v1",
                            intent="question", now=when or at("2026-11-30"))


def test_a_question_is_recorded_once_per_ref(connect_storage):
    db = connect_storage()
    first = ask(db, "r1")
    assert isinstance(first, int)
    assert ask(db, "r1", question="ซ้ำ") is None
    assert ask(db, "r2") > first
    row = questions.get(db, "r1")
    assert (row["id"], row["question"], row["score"], row["intent"]) == (first, "ขอเบี้ยผู้สูงอายุต้องใช้อะไรบ้างคะ 👵", 0.91, "question")


def test_votes_choices_and_staff_requests(connect_storage):
    db = connect_storage()
    ask(db, "up")
    ask(db, "down", question="ทำบัตรคนพิการที่ไหน ♿")
    ask(db, "choose", outcome="choose", procedure=None)
    ask(db, "none", outcome="unanswered", procedure=None, question="ขอเลขบัญชีกองทุนหมู่บ้าน 🏦")
    assert questions.set_feedback(db, "up", "up") == "saved"
    assert questions.get(db, "up")["question"] is None  # a 👍 drops the text
    assert questions.set_feedback(db, "down", "down") == "saved"
    assert questions.get(db, "down")["question"] == "ทำบัตรคนพิการที่ไหน ♿"
    assert questions.set_feedback(db, "down", "up") == "already"
    assert questions.set_feedback(db, "ไม่มี", "up") == "missing"
    assert questions.choose(db, "choose", "disability-card", "where") is True
    assert questions.choose(db, "choose", "elderly-allowance", "where") is False
    assert questions.mark_unanswered(db, "choose") is True
    assert questions.request_staff(db, "none", now=at("2026-11-30", 11)) == "saved"
    assert questions.request_staff(db, "none") == "already"
    assert questions.request_staff(db, "up") == "missing"  # no text left to pass on
    assert [r["ref"] for r in questions.for_review(db)] == ["none", "choose", "down"]
    assert [(r["ref"], r["question"]) for r in questions.staff_requests(db)] == [("none", "ขอเลขบัญชีกองทุนหมู่บ้าน 🏦")]


def test_the_review_list_filters_resolves_once_and_reopens(connect_storage):
    db = connect_storage()
    ask(db, "a", outcome="unanswered", procedure=None, when=at("2026-11-01"))
    ask(db, "b", outcome="outside", procedure="faq:tax", question="ภาษีป้ายจ่ายที่ไหน 🪧", when=at("2026-11-02"))
    ask(db, "c", when=at("2026-11-03"))
    questions.set_feedback(db, "c", "down")
    total, rows = questions.review(db)
    assert total == 3 and [r["question"] for r in rows][:2] == ["ขอเบี้ยผู้สูงอายุต้องใช้อะไรบ้างคะ 👵", "ภาษีป้ายจ่ายที่ไหน 🪧"]
    assert questions.review(db, kind="outside")[0] == 1
    assert questions.review(db, scope_ids=["faq:tax", "elderly-allowance"])[0] == 2
    assert questions.review(db, scope_ids=[])[0] == 0
    assert questions.review(db, start=at("2026-11-02", 0), end=at("2026-11-03", 0))[0] == 1
    assert questions.review(db, limit=1, offset=1)[1][0]["id"] == rows[1]["id"]
    b = rows[1]["id"]
    assert questions.resolve(db, b, "faq:tax", "admin") is True
    assert questions.resolve(db, b, "dismissed", "admin") is False
    assert questions.by_id(db, b)["resolution"] == "faq:tax"
    assert questions.mark_reported(db, "a") is True
    assert questions.review(db, status="resolved")[0] == 2
    assert questions.reopen(db, b) is True and questions.reopen(db, b) is False
    assert questions.review(db, status="open")[0] == 2


def test_question_counts_and_days_on_both_engines(connect_storage):
    db = connect_storage()
    ask(db, "a", when=at("2026-11-30", 8))
    ask(db, "b", outcome="unanswered", procedure=None, when=at("2026-11-30", 23, 59))
    ask(db, "c", outcome="choose", when=at("2026-12-01", 0, 1))
    ask(db, "d", procedure="water-supply", when=at("2026-12-01", 13))
    questions.set_feedback(db, "a", "up")
    questions.set_feedback(db, "d", "down")
    questions.request_staff(db, "b")
    counts = questions.counts(db, at("2026-11-30", 0), at("2026-12-02", 0))
    assert counts == {"total": 4, "answered": 2, "choose": 1, "unanswered": 1, "outside": 0, "up": 1, "down": 1, "staff": 1}
    assert questions.counts(db, at("2026-11-30", 0), at("2026-12-02", 0), scope_ids=["water-supply"])["total"] == 1
    assert questions.counts(db, 0, 1)["answered"] == 0  # nothing: zero, not None
    per_day = questions.per_day(db, at("2026-11-01", 0), 7 * 3600)
    nov30 = (date(2026, 11, 30) - date(1970, 1, 1)).days  # 23:59 is still the 30th: truncated, not rounded
    assert per_day == {nov30: (2, 1), nov30 + 1: (2, 1)}
    assert all(type(k) is int for k in per_day)


def test_purged_and_erased_questions_stay_in_the_daily_counts(connect_storage):
    db = connect_storage()
    old, now = at("2026-08-02", 6, 30), at("2026-11-30")  # 06:30 in Bangkok: 23:30 UTC the day before
    ask(db, "a", chat="user:U1", when=old)
    ask(db, "b", chat="user:U2", user="U2", when=old + 60)
    ask(db, "c", chat="user:U3", user="U3", outcome="unanswered", procedure=None, when=old + 120)
    questions.request_staff(db, "c", now=old + 180)
    ask(db, "d", chat="user:U1", when=at("2026-11-20"))
    assert questions.erase_chat(db, "user:U2", "U2") == 1  # folded into the counts first
    assert questions.purge(db, now=now) == {"question_texts": 2, "questions": 2}
    assert questions.get(db, "d")["question"] is None  # answered, unrated, older than 7 days
    rows = questions.report_counts(db, "2026-08-01", "2026-11-30")
    assert rows == [
        ("2026-08-02", "", "unanswered", "", 1, 1),
        ("2026-08-02", "elderly-allowance", "answered", "", 0, 2),  # a purged and an erased one, added up
        ("2026-11-20", "elderly-allowance", "answered", "", 0, 1),
    ]
    assert all(type(r[4]) is int and type(r[5]) is int for r in rows)
    assert questions.report_counts(db, "2026-08-03", "2026-11-19") == []


# --- staff questions ---------------------------------------------------------------------------------


def queue(db, key: str, *, chat="user:U1", division="welfare", created: float, due: float, text="เบี้ยคนพิการเข้าวันไหนคะ ♿"):
    return staff_questions.create(db, submission_key=key, chat_key=chat, line_user_id=chat.split(":")[1], question=text,
                                  procedure_id="disability-allowance", division_id=division, source="menu", due_at=due,
                                  now=created)


def test_a_staff_question_is_queued_once_and_answered_once(connect_storage):
    db = connect_storage()
    first, created = queue(db, "k1", created=at("2026-11-30"), due=at("2026-12-01"))
    assert created and first.question == "เบี้ยคนพิการเข้าวันไหนคะ ♿" and first.status == "open"
    again, created = queue(db, "k1", created=at("2026-11-30", 11), due=at("2026-12-01"), text="ซ้ำ")
    assert (again.id, created) == (first.id, False)
    second, _ = queue(db, "k2", created=at("2026-11-30", 12), due=at("2026-12-01"))
    assert second.id > first.id
    assert staff_questions.answer(db, first.id, "เข้าวันที่ 10 ของทุกเดือนค่ะ 💰", "นายใจดี", now=at("2026-11-30", 15)) is True
    assert staff_questions.answer(db, first.id, "ตอบซ้ำ", "คนอื่น") is False
    got = staff_questions.get(db, first.id)
    assert (got.status, got.answer, got.answered_by) == ("answered", "เข้าวันที่ 10 ของทุกเดือนค่ะ 💰", "นายใจดี")
    assert [q.id for q in staff_questions.for_chat(db, "user:U1")] == [second.id, first.id]
    assert staff_questions.answered_with_personal_data(db, at("2026-12-01")) == [first.id]
    staff_questions.remove_personal_data(db, first.id, now=at("2026-12-02"))
    removed = staff_questions.get(db, first.id)
    assert (removed.chat_key, removed.question, removed.answer, removed.submission_key) == (None, None, None, None)
    assert staff_questions.ids_of_chat(db, "user:U1") == [second.id]
    assert staff_questions.for_report(db, at("2026-11-01", 0), at("2026-12-01", 0)) == [
        (first.id, "welfare", "disability-allowance", "menu", "answered", at("2026-11-30"), at("2026-12-01"), at("2026-11-30", 15)),
        (second.id, "welfare", "disability-allowance", "menu", "open", at("2026-11-30", 12), at("2026-12-01"), None),
    ]


def test_overdue_questions_are_flagged_once_and_the_queue_counts_them(connect_storage):
    db = connect_storage()
    late, _ = queue(db, "k1", created=at("2026-11-27"), due=at("2026-11-28"))
    soon, _ = queue(db, "k2", created=at("2026-11-30"), due=at("2026-12-01"), division="engineering",
                    text="ถนนเป็นหลุมจะซ่อมเมื่อไหร่ 🕳️")
    done, _ = queue(db, "k3", created=at("2026-11-26"), due=at("2026-11-27"))
    staff_questions.answer(db, done.id, "ซ่อมแล้วค่ะ ✅", "ช่าง", now=at("2026-11-26", 15))
    now = at("2026-11-30")
    assert [q.id for q in staff_questions.flag_overdue(db, now)] == [late.id]
    assert staff_questions.flag_overdue(db, now) == []
    assert staff_questions.queue_counts(db, now=now) == {"open": 2, "overdue": 1, "answered": 1, "all": 3}
    assert staff_questions.queue_counts(db, ("division_id IN (?)", ["engineering"]), now=now) == {
        "open": 1, "overdue": 0, "answered": 0, "all": 1}
    assert staff_questions.queue_counts(db, ("0 = 1", []), now=now) == {"open": 0, "overdue": 0, "answered": 0, "all": 0}
    found = staff_questions.find(db, staff_questions.QuestionQuery(), now=now)
    assert [q.id for q in found] == [late.id, soon.id, done.id]  # unanswered by due day, then answered
    assert staff_questions.count(db, staff_questions.QuestionQuery(state="overdue"), now=now) == 1
    assert [q.id for q in staff_questions.search(db, status="open", division_id="welfare")] == [late.id]
    assert [q.id for q in staff_questions.search(db, overdue_at=now)] == [late.id]


# --- participation: consultations, opt-ins, activities ----------------------------------------------


def consult(db, **kw):
    return participation.open_consultation(
        db, question="ควรซ่อมถนนสายไหนก่อนดีคะ 🛣️", choices=("สายหมู่ 1 → หมู่ 3", "สายหน้าวัด 🛕"), allow_comment=True,
        villages=("หมู่ 1 บ้านคอนฉิม", "หมู่ 2 บ้านโนนสวรรค์"), by="ปลัด", **{"closes_on": date(2026, 12, 15), **kw})


def test_one_answer_per_person_and_results_by_choice_and_village(connect_storage):
    db = connect_storage()
    cid = consult(db, now=at("2026-12-01"))
    c = participation.get(db, cid)
    assert c.choices == ("สายหมู่ 1 → หมู่ 3", "สายหน้าวัด 🛕") and c.allow_comment is True and c.is_open(date(2026, 12, 15))
    assert participation.add_answer(db, cid, "user:U1", choice=1, comment="ทางไปวัดเป็นหลุมเยอะ 🙏",
                                    village="หมู่ 2 บ้านโนนสวรรค์", now=at("2026-12-02")) is True
    assert participation.add_answer(db, cid, "user:U1", choice=0, comment=None, village=None) is False
    assert participation.add_answer(db, cid, "user:U2", choice=1, comment=None, village="หมู่ 1 บ้านคอนฉิม") is True
    assert participation.add_answer(db, cid, "user:U3", choice=None, comment="ซ่อมทั้งสองสายเลยค่ะ", village=None,
                                    now=at("2026-12-03")) is True
    assert participation.has_answered(db, cid, "user:U1") and not participation.has_answered(db, cid, "user:U4")
    r = participation.results(db, c)
    assert r.total == 3
    assert r.by_choice == (("สายหมู่ 1 → หมู่ 3", 0), ("สายหน้าวัด 🛕", 2))
    assert r.by_village == (("หมู่ 1 บ้านคอนฉิม", 1), ("หมู่ 2 บ้านโนนสวรรค์", 1), ("", 1))
    assert r.comments == ((at("2026-12-02"), "หมู่ 2 บ้านโนนสวรรค์", "สายหน้าวัด 🛕", "ทางไปวัดเป็นหลุมเยอะ 🙏"),
                          (at("2026-12-03"), "", "", "ซ่อมทั้งสองสายเลยค่ะ"))
    participation.erase_chat(db, "user:U1")  # open: the person's answer can still be found, and goes
    assert participation.results(db, c).total == 2


def test_closing_forgets_the_salt_and_closed_ones_are_published_by_closing_day(connect_storage):
    db = connect_storage()
    early = consult(db, now=at("2026-11-01"), closes_on=date(2026, 12, 31))
    due = consult(db, now=at("2026-11-02"), closes_on=date(2026, 11, 20))
    still = consult(db, now=at("2026-11-03"), closes_on=date(2027, 1, 31))
    participation.add_answer(db, early, "user:U1", choice=0, comment=None, village=None)
    assert participation.close(db, early, now=at("2026-11-10")) is True
    assert participation.close(db, early) is False
    assert participation.add_answer(db, early, "user:U2", choice=0, comment=None, village=None) is False
    assert participation.has_answered(db, early, "user:U1") is False  # nobody can be traced any more
    assert participation.due_to_close(db, date(2026, 11, 21)) == [due]
    assert [c.id for c in participation.open_now(db, date(2026, 11, 21))] == [still]
    participation.set_announced(db, still, 42)
    assert participation.get(db, still).announced == 42
    assert [c.id for c in participation.all_consultations(db)] == [still, due, early]
    closed = participation.closed_consultations(db, 2570, today=date(2026, 11, 21))
    assert [(x.id, x.closes_on, x.participants) for x in closed] == [(early, date(2026, 11, 10), 1), (due, date(2026, 11, 20), 0)]
    assert closed[0].choices == (("สายหมู่ 1 → หมู่ 3", 1), ("สายหน้าวัด 🛕", 0)) and closed[0].opened_on == date(2026, 11, 1)


def test_opt_ins_follow_the_chat(connect_storage):
    db = connect_storage()
    assert participation.opt_in(db, "user:U1", now=1.0) is True
    assert participation.opt_in(db, "user:U1", now=5.0) is False
    participation.opt_in(db, "user:U2", now=2.0)
    participation.opt_in(db, "user:U3", now=3.0)
    participation.opt_in(db, "group:G1", now=4.0)
    chats.set_status(db, "user:U2", "user", "unfollowed")
    chats.set_status(db, "user:U3", "user", "following")
    assert participation.opted_in_followers(db) == ["user:U1", "user:U3"]
    assert participation.unfollowed_optins(db) == 1
    assert participation.forget_unfollowed(db) == 1
    assert participation.opt_out(db, "user:U3") is True and participation.opt_out(db, "user:U3") is False
    participation.erase_chat(db, "user:U1")
    assert participation.opted_in_followers(db) == []


def test_activities_are_kept_edited_and_imported_once(connect_storage):
    db = connect_storage()
    first = participation.add_activity(db, held_on=date(2027, 2, 15), topic="ประชาคมหมู่บ้าน 🏘️", channel="ประชุม",
                                       participants=[("หมู่ 1 บ้านคอนฉิม", 45), ("", 3)], decided="ซ่อมถนน 12 สาย",
                                       by="ปลัด", now=100.0)
    second = participation.add_activity(db, held_on=date(2026, 10, 1), topic="satisfaction", by="ปลัด")
    assert second > first
    assert participation.update_activity(db, first, held_on=date(2027, 2, 16), topic="ประชาคมหมู่บ้าน 🏘️",
                                         participants=[("หมู่ 1 บ้านคอนฉิม", 50)], by="นายก", now=200.0) is True
    got = participation.get_activity(db, first)
    assert (got.held_on, got.participants, got.total, got.updated_by, got.decided) == (
        date(2027, 2, 16), (("หมู่ 1 บ้านคอนฉิม", 50),), 50, "นายก", "")
    assert [a.id for a in participation.activities(db)] == [second, first]
    assert [a.id for a in participation.activities(db, date(2027, 1, 1), date(2027, 3, 31))] == [first]
    assert participation.activities(db)[0].is_line_topic
    assert participation.import_once(db, "entry-1", by="นำเข้า", held_on=date(2027, 3, 1), topic="เวทีประปา 💧") is not None
    assert participation.count_activities(db) == 3
    imported = participation.activities(db, date(2027, 3, 1), date(2027, 3, 1))[0].id
    assert participation.delete_activity(db, imported) is True and participation.delete_activity(db, imported) is False
    assert participation.import_once(db, "entry-1", by="นำเข้า", held_on=date(2027, 3, 1), topic="เวทีประปา 💧") is None


def test_the_participation_file_is_imported_only_while_nothing_was(connect_storage, tmp_path):
    db = connect_storage()
    (tmp_path / participation_import.NOTES_FILE).write_text(
        "entries:\n"
        "  - date: 15/2/2570\n"
        "    topic: ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น 📋\n"
        "    participants: {\"หมู่ 1 บ้านคอนฉิม\": 45, \"หมู่ 2 บ้านโนนสวรรค์\": 38}\n"
        "  - date: 1/5/2570\n"
        "    topic: เวทีรับฟังความคิดเห็นโครงการประปา\n"
        "    participants: 20\n",
        encoding="utf-8",
    )
    assert participation_import.import_if_never(db, tmp_path) == 2
    assert participation_import.import_if_never(db, tmp_path) == 0
    assert [a.total for a in participation.activities(db)] == [83, 20]


def test_the_health_checks_write_probe_leaves_nothing_behind(connect_storage):
    db = connect_storage()
    write_probe(db)
    write_probe(db)
    assert db.execute("SELECT count(*) FROM feedback_rate_events").fetchone() == (0,)
    with transaction(db):  # the connection is left outside any transaction
        feedback_limits.record(db, "ticket:user:U1", 1_800_000_000.0)
    assert feedback_limits.count(db, "ticket:user:U1", 60, 1_800_000_000.0) == 1
