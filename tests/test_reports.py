"""The published reports computed from a database seeded with known numbers (tests/report_support.py).

Every expected figure below is worked out by hand from the seed, in the comments beside it.
FY 2570's 6-month round: 1 Oct 2026 – 31 Mar 2027, as of 20 April 2027 10:00.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.content.profile import ContentError
from bot.reports import (
    ReportContext,
    ReportNotAllowed,
    ReportPeriod,
    check_allowed,
    corruption_counts,
    kinds_for,
    measures,
    participation,
    satisfaction,
    service_stats,
)
from bot.reports.period import PeriodError
from bot.reports.scale import Stats, change, level, percent, round2
from bot.common.thaidate import BANGKOK
from db import open_database, questions, transaction
from report_support import AS_OF, make_content, seed_all


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    content = make_content(folder)
    db = open_database(folder / "reports.sqlite3")
    seed_all(db, content)
    yield db, content
    db.close()


def context(seeded, period=None, division=None, now=AS_OF) -> ReportContext:
    db, content = seeded
    return ReportContext.load(db, content, period or ReportPeriod.of_round(2570, 6), now=now, division_id=division)


# --- the scale and the period ------------------------------------------------------------------------


def test_levels_follow_the_stated_scale_after_rounding_half_up():
    assert [level(x) for x in (5.0, 4.51, 4.505, 4.5049, 4.50, 3.51, 3.505, 3.50, 2.51, 2.50, 1.51, 1.50, 1.0)] == [
        "มากที่สุด", "มากที่สุด", "มากที่สุด", "มาก", "มาก", "มาก", "มาก", "ปานกลาง", "ปานกลาง", "น้อย", "น้อย", "น้อยที่สุด", "น้อยที่สุด",
    ]
    assert round2(4.505) == 4.51 and round2(2.675) == 2.68 and round2(1.005) == 1.01  # half-up, not binary half-even
    assert percent(4.4667) == 89.33 and percent(3.76) == 75.2
    assert change(3.76, 4.0) == -0.24 and change(None, 4.0) is None


def test_stats_mean_sd_and_shares():
    s = Stats(5, 19, 79, {5: 2, 4: 1, 3: 1, 2: 1, 1: 0})  # 5, 4, 5, 2, 3
    assert (s.mean, s.sd, s.percent, s.level) == (3.8, 1.3, 76.0, "มาก")  # sd = sqrt((79 - 19²/5) / 4) = sqrt(1.7)
    assert [s.share(k) for k in (5, 4, 3, 2, 1)] == [40.0, 20.0, 20.0, 20.0, 0.0]
    assert Stats(1, 4, 16, {4: 1}).sd is None and Stats.empty().mean is None and Stats.empty().level == ""


def test_rounds_and_the_previous_round():
    r6 = ReportPeriod.of_round(2570, 6)
    assert (r6.first, r6.last, r6.fiscal_year, r6.days) == (date(2026, 10, 1), date(2027, 3, 31), 2570, 182)
    assert r6.label == "รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)"
    assert r6.heading == "ประจำปีงบประมาณ พ.ศ. 2570 รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)"
    assert r6.slug == "fy2570-r6" and r6.previous() == ReportPeriod.of_round(2569, 6)
    r12 = ReportPeriod.of_round(2570, 12)
    assert (r12.first, r12.last) == (date(2026, 10, 1), date(2027, 9, 30)) and len(r12.months()) == 12
    leap = ReportPeriod.parse(None, None, "1/1/2567", "29/2/2567", date(2027, 1, 1))  # 2024 is a leap year
    assert (leap.first, leap.last, leap.round) == (date(2024, 1, 1), date(2024, 2, 29), None)
    assert (leap.previous().first, leap.previous().last) == (date(2023, 1, 1), date(2023, 2, 28))
    assert ReportPeriod.parse(None, None, "2026-10-01", "๓๑/๑๒/๒๕๖๙", date(2027, 1, 1)).last == date(2026, 12, 31)
    assert ReportPeriod.parse(None, None, "1/10/2569", "31/12/2569", date(2027, 1, 1)).slug == "2569-10-01_2569-12-31"
    with pytest.raises(PeriodError):
        ReportPeriod.of_round(2570, 9)
    with pytest.raises(PeriodError):
        ReportPeriod.of_round(2027, 6)  # a C.E. year by mistake
    with pytest.raises(PeriodError):
        ReportPeriod.parse(None, None, "31/12/2569", "1/10/2569", date(2027, 1, 1))
    with pytest.raises(PeriodError):
        ReportPeriod.parse(None, None, "32/13/2569", None, date(2027, 1, 1))


def test_who_may_produce_which_report():
    assert [k.name for k in kinds_for("admin")] == ["satisfaction", "service-statistics", "participation", "measure-follow-up"]
    assert [k.name for k in kinds_for("auditor")] == ["corruption-reports"]
    assert [k.name for k in kinds_for("staff")] == [k.name for k in kinds_for("admin")]
    check_allowed("satisfaction", "staff", "engineering")
    check_allowed("corruption-reports", "auditor", None)
    for kind, role, division in (("corruption-reports", "admin", None), ("corruption-reports", "staff", "audit"),
                                 ("satisfaction", "auditor", None), ("satisfaction", "staff", None)):
        with pytest.raises(ReportNotAllowed):
            check_allowed(kind, role, division)


# --- satisfaction ---------------------------------------------------------------------------------------


def test_satisfaction_every_figure(seeded):
    data = satisfaction.compute(context(seeded))
    # Five ratings in the round (two outside it, on 30 Sep 2026 and 1 Apr 2027, are not counted).
    assert data.respondents == 5 and data.previous_respondents == 3
    a = data.aspects
    # process 5,4,5,2,3; staff 5,5,4,3,3; facilities 4,3,4,2,3; information 5,4,5,3,3; overall 5,4,5,2,3
    assert [(a[k].n, a[k].total, a[k].mean, a[k].sd, a[k].percent, a[k].level) for k in satisfaction.ASPECTS] == [
        (5, 19, 3.80, 1.30, 76.00, "มาก"),
        (5, 20, 4.00, 1.00, 80.00, "มาก"),
        (5, 16, 3.20, 0.84, 64.00, "ปานกลาง"),  # sd = sqrt((54 - 16²/5) / 4) = sqrt(0.7) = 0.8367
        (5, 20, 4.00, 1.00, 80.00, "มาก"),
        (5, 19, 3.80, 1.30, 76.00, "มาก"),
    ]
    assert a["process"].counts == {5: 2, 4: 1, 3: 1, 2: 1, 1: 0}
    assert [a["facilities"].share(k) for k in (5, 4, 3, 2, 1)] == [0.0, 40.0, 40.0, 20.0, 0.0]
    # All 25 answers: sum 94, squares 380 → mean 3.76, sd sqrt((380 - 94²/25) / 24) = 1.052
    p = data.pooled
    assert (p.n, p.total, p.mean, p.sd, p.percent, p.level) == (25, 94, 3.76, 1.05, 75.20, "มาก")
    # Previous round: 4,4,4,4,4 / 3,3,3,3,3 / 5,5,5,5,5 → every question 4.00
    assert [data.previous_aspects[k].mean for k in satisfaction.ASPECTS] == [4.0] * 5
    assert data.previous_pooled.mean == 4.0 and change(p.mean, data.previous_pooled.mean) == -0.24
    elderly, water = data.services
    assert (elderly.service_id, elderly.title, elderly.division, elderly.respondents) == (
        "elderly-allowance", "เบี้ยยังชีพผู้สูงอายุ", "กองสวัสดิการสังคม", 3)
    assert [elderly.aspects[k].mean for k in satisfaction.ASPECTS] == [4.67, 4.67, 3.67, 4.67, 4.67]
    # 67 / 15 = 4.4667: shown 4.47, level มาก (not มากที่สุด: the band starts at 4.51)
    assert (elderly.pooled.mean, elderly.pooled.percent, elderly.pooled.level, elderly.previous.mean) == (4.47, 89.33, "มาก", 3.5)
    assert [water.aspects[k].mean for k in satisfaction.ASPECTS] == [2.5, 3.0, 2.5, 3.0, 2.5]
    assert (water.respondents, water.pooled.mean, water.pooled.percent, water.pooled.level, water.previous.mean) == (
        2, 2.7, 54.0, "ปานกลาง", 5.0)
    assert data.by_source == (("menu", 2), ("qr", 2), ("handbook", 1))
    assert [(y, m, n) for y, m, n, _ in data.by_month] == [
        (2026, 10, 1), (2026, 11, 1), (2026, 12, 1), (2027, 1, 1), (2027, 2, 0), (2027, 3, 1)]
    assert data.by_month[1][3].mean == 4.0  # November: 4,5,3,4,4 = 20 / 5
    # Comments, grouped by service; the same words twice (spacing aside) counted once with 2
    assert [(g.title, g.total, g.distinct) for g in data.comments] == [
        ("เบี้ยยังชีพผู้สูงอายุ", 3, (("บริการดีมาก เจ้าหน้าที่ใจดีค่ะ 🙏", 2, "2027-03-31"), ("=1+1 รอคิวนาน", 1, "2026-11-10"))),
        ("ขอใช้น้ำประปา", 1, (("น้ำประปาไหลอ่อน", 1, "2026-12-01"),)),
    ]


def test_satisfaction_of_one_division_and_of_the_whole_year(seeded):
    data = satisfaction.compute(context(seeded, division="engineering"))
    assert data.respondents == 2 and [s.service_id for s in data.services] == ["water-supply"]
    assert data.pooled.mean == 2.7 and data.previous_pooled.mean == 5.0
    assert [g.service_id for g in data.comments] == ["water-supply"]
    year = satisfaction.compute(context(seeded, ReportPeriod.of_round(2570, 12)))
    assert year.respondents == 6  # the round's five and 1 April 2027 (1,1,1,1,1)
    # previous: FY 2569 whole year = the three of its first half and 30 Sep 2026 (building permit)
    assert year.previous_respondents == 4 and year.previous_pooled.mean == round2((60 + 5) / 20)


def test_satisfaction_document(seeded):
    doc = satisfaction.build(context(seeded))
    assert doc.title == "รายงานผลการประเมินความพึงพอใจในการให้บริการ" and doc.organisation == "องค์การบริหารส่วนตำบลคอนฉิม"
    aspect_table = next(t for t in doc.tables() if t.sheet == "รายด้าน")
    assert aspect_table.rows[2] == ("ด้านสิ่งอำนวยความสะดวก (สถานที่ ที่นั่งรอ ห้องน้ำ)", 5, 3.2, 0.84, 64.0, "ปานกลาง", 4.0, -0.8)
    assert aspect_table.total == ("ภาพรวมทุกด้าน", 25, 3.76, 1.05, 75.2, "มาก", 4.0, -0.24)
    service_table = next(t for t in doc.tables() if t.sheet == "รายบริการ")
    assert service_table.rows[0][:4] == (1, "เบี้ยยังชีพผู้สูงอายุ", "กองสวัสดิการสังคม", 3)
    assert service_table.rows[0][9:] == (4.47, 89.33, "มาก", 3.5, 0.97)
    conclusions = doc.sections[-1].blocks[0].items
    assert conclusions[0] == "ผู้รับบริการตอบแบบประเมิน 5 ราย พึงพอใจภาพรวมในระดับมาก (ค่าเฉลี่ย 3.76 ร้อยละ 75.20)"
    assert "ด้านที่ควรปรับปรุง: ด้านสิ่งอำนวยความสะดวก" in conclusions[2]
    assert "ลดลง 0.24" in conclusions[3] and "ขอใช้น้ำประปา (ค่าเฉลี่ย 2.70" in conclusions[4]


# --- service statistics ------------------------------------------------------------------------------------


def test_service_statistics_every_figure(seeded):
    data = service_stats.compute(context(seeded))
    hb = data.handbook
    # q1–q6 (q6 at 00:10 on 1 Oct in Bangkok is in; q7 at 00:30 on 1 Apr is out)
    assert (hb.asked, hb.answered, hb.choose, hb.unanswered, hb.outside, hb.up, hb.down, hb.to_staff, hb.answer_rate) == (
        6, 4, 0, 1, 1, 1, 1, 1, 66.67)
    by_p = data.handbook_by_procedure
    assert (by_p["elderly-allowance"].asked, by_p["elderly-allowance"].answered, by_p["elderly-allowance"].up, by_p["elderly-allowance"].down) == (2, 2, 1, 1)
    assert (by_p["water-supply"].asked, by_p["water-supply"].answered) == (2, 2)
    assert (by_p[""].asked, by_p[""].unanswered, by_p[""].outside, by_p[""].to_staff) == (2, 1, 1, 1)
    assert {m: (c.asked, c.answered) for m, c in data.handbook_by_month.items()} == {
        "2026-10": (3, 3), "2026-11": (2, 1), "2027-02": (1, 0)}
    assert data.asked_matrix == {"elderly-allowance": {"2026-10": 2}, "water-supply": {"2026-10": 1, "2026-11": 1}, "": {"2026-11": 1, "2027-02": 1}}
    assert data.answered_matrix == {"elderly-allowance": {"2026-10": 2}, "water-supply": {"2026-10": 1, "2026-11": 1}}
    s = data.staff
    # s1 answered in 6 h (on time), s2 in 48 h (late), s3 open and overdue by 20 April; s4 is after the round
    assert (s.received, s.answered, s.on_time, s.open, s.overdue_open, s.median_hours, s.mean_hours, s.on_time_rate) == (
        3, 2, 1, 1, 1, 27.0, 27.0, 50.0)
    eng = data.staff_by_division["engineering"]
    assert (eng.received, eng.answered, eng.on_time, eng.open, eng.median_hours) == (2, 1, 0, 1, 48.0)
    assert data.staff_by_month == {"2026-10": 1, "2026-11": 1, "2027-03": 1}
    tk = data.tickets
    # t1 (2 days), t2 (4 days) and t7 (1 day) resolved; t3 forwarded; t4 rejected; t5 open; t6 after the round
    assert (tk.received, tk.closed, tk.median_days) == (6, 5, 2.0)
    assert dict(tk.statuses) == {"resolved": 3, "forwarded": 1, "rejected": 1, "received": 1}
    village = data.tickets_by_category["village"]
    assert (village.received, dict(village.statuses), village.median_days) == (2, {"resolved": 1, "forwarded": 1}, 4.0)
    assert data.tickets_by_division["engineering"].median_days == 2.5  # t2 4 days, t7 1 day
    assert (data.tickets_by_division["palad"].received, data.tickets_by_division["palad"].closed) == (2, 1)
    assert data.tickets_by_month == {"2026-10": 2, "2026-11": 1, "2026-12": 1, "2027-01": 1, "2027-03": 1}


def test_service_statistics_survive_the_90_day_purge_of_questions(seeded, tmp_path):
    """Handbook questions are deleted after 90 days; the year's counts must not change."""
    from report_support import seed_handbook_questions, ts

    db = open_database(tmp_path / "purge.sqlite3")
    with transaction(db):
        seed_handbook_questions(db)
    ctx = ReportContext.load(db, seeded[1], ReportPeriod.of_round(2570, 6), now=AS_OF)
    before = service_stats.compute(ctx)
    removed = questions.purge(db, now=ts(2027, 4, 20))  # q1–q4 and q6 are over 90 days old
    assert removed["questions"] == 5
    assert db.execute("SELECT count(*) FROM handbook_questions").fetchone()[0] == 2
    after = service_stats.compute(ctx)
    assert after.handbook == before.handbook and after.asked_matrix == before.asked_matrix
    assert after.handbook_by_month == before.handbook_by_month
    # The counts hold no text and no person: only day, procedure, outcome, feedback, staff request, number
    columns = [r[1] for r in db.execute("PRAGMA table_info(handbook_question_counts)")]
    assert columns == ["day", "procedure_id", "outcome", "feedback", "staff_requested", "questions"]
    # Purging again adds nothing twice
    questions.purge(db, now=ts(2027, 4, 21))
    assert service_stats.compute(ctx).handbook == before.handbook


def test_service_statistics_of_one_division(seeded):
    data = service_stats.compute(context(seeded, division="engineering"))
    assert (data.handbook.asked, data.handbook.answered) == (2, 2)  # questions answered with its water-supply page
    assert data.staff.received == 2 and data.tickets.received == 3
    assert set(data.tickets_by_division) == {"engineering"}


# --- participation ---------------------------------------------------------------------------------------------


def test_participation_every_figure(seeded):
    data = participation.compute(context(seeded))
    assert (data.ratings_total, data.ratings_mean, data.ratings_level, data.comments) == (5, 3.76, "มาก", 4)
    assert data.ratings_by_source == (("menu", 2), ("qr", 2), ("handbook", 1))
    assert data.staff_questions_by_source == (("menu", 2), ("handbook", 1)) and data.staff_answered == 2
    assert (data.votes_up, data.votes_down) == (1, 1)
    out = data.outcome_total
    assert (out.received, dict(out.statuses)) == (6, {"resolved": 3, "forwarded": 1, "rejected": 1, "received": 1})
    assert (out.rating.n, out.rating.mean, out.rating.level, out.rating.counts[5], out.rating.counts[3]) == (2, 4.0, "มาก", 1, 1)
    assert data.outcome_by_category["suggestion"].rating.mean == 5.0
    # Notes in the round: the ประชาคม of 15 Feb and the satisfaction improvement of 31 Mar (not 1 May)
    assert [(n.topic, n.total) for n in data.notes] == [("ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น", 83), ("satisfaction", 0)]
    doc = participation.document(context(seeded), data)
    topics = doc.tables()[0]
    assert topics.rows[0][2:] == (5, "สรุปผลความพึงพอใจ ค่าเฉลี่ย 3.76 ระดับมาก; ข้อเสนอแนะ 4 ข้อความ",
                                  "31 มี.ค. 2570: เพิ่มที่นั่งรอที่จุดรับเบี้ยยังชีพ ตามข้อเสนอแนะเรื่องรอคิวนาน")
    assert topics.rows[1][3] == "แก้ไขแล้ว 3 เรื่อง ส่งต่อหน่วยงานที่รับผิดชอบ 1 เรื่อง ไม่สามารถดำเนินการได้ 1 เรื่อง อยู่ระหว่างดำเนินการ 1 เรื่อง"
    assert topics.rows[1][4] == participation.NOT_RECORDED  # nothing written about tickets: said, not invented
    assert topics.rows[4] == ("ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น (15 ก.พ. 2570)", "ประชุมประชาคมหมู่บ้าน", 83,
                              "จัดลำดับโครงการซ่อมถนนและไฟส่องสว่าง 12 โครงการ", "บรรจุโครงการในแผนพัฒนาท้องถิ่น")
    villages = next(t for t in doc.tables() if t.sheet == "ตามหมู่บ้าน")
    assert villages.rows == (("หมู่ 1 บ้านคอนฉิม", "ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น", 45),
                             ("หมู่ 2 บ้านโนนสวรรค์", "ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น", 38)) and villages.total[2] == 83
    listing = next(t for t in doc.tables() if t.sheet == "รายการเรื่อง")
    assert [r[0] for r in listing.rows] == ["KC-2570-00001", "KC-2570-00007", "KC-2570-00002", "KC-2570-00003", "KC-2570-00004", "KC-2570-00005"]
    assert listing.rows[0][1:] == ("10 ต.ค. 2569", "ข้อเสนอแนะเพื่อปรับปรุงบริการ", "เบี้ยยังชีพผู้สูงอายุ", "กองสวัสดิการสังคม",
                                   "แก้ไขเรียบร้อยแล้ว", "แก้ไขแล้ว: เพิ่มเก้าอี้รอคิวแล้ว", "12 ต.ค. 2569", 5)
    assert listing.rows[3][6] == "ส่งต่อ การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่" and listing.rows[4][6] == "ไม่สามารถดำเนินการได้: ไม่พบข้อเท็จจริง"
    everything = repr(doc)
    assert "รายละเอียดส่วนตัวของผู้แจ้ง" not in everything and "user:U" not in everything  # no citizen's words, no LINE ids


def test_participation_notes_file_mistakes_name_the_line(tmp_path):
    (tmp_path / "participation.yaml").write_text(
        "entries:\n  - date: 15/2/2570\n    topic: ประชาคม\n    participants: {หมู่ 1: สามสิบ}\n"
        "  - date: 30/2/2570\n    topic: x\n  - topic: y\n    date: 1/3/2570\n    colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as err:
        participation.load_notes(tmp_path)
    message = str(err.value)
    assert "participation.yaml:2: participants of 'หมู่ 1' must be a whole number" in message
    assert "participation.yaml:5: field 'date'" in message and "participation.yaml:7: unknown field 'colour'" in message
    (tmp_path / "participation.yaml").write_text("entries: []\n", encoding="utf-8")
    assert participation.load_notes(tmp_path) == ()
    assert participation.load_notes(tmp_path / "nowhere") == ()


# --- corruption counts ---------------------------------------------------------------------------------------------


def test_corruption_counts_by_status_and_month(seeded):
    data = corruption_counts.compute(context(seeded))
    assert data.total == 3  # 4 Apr 2027 and 1 Dec 2025 are outside the round
    assert data.by_status == {"received": 1, "reviewing": 1, "referred": 0, "closed": 1, "not_pursued": 0}
    assert {m: dict(c) for m, c in data.by_month.items()} == {"2026-10": {"reviewing": 1, "closed": 1}, "2027-02": {"received": 1}}
    doc = corruption_counts.document(context(seeded), data)
    assert "รายละเอียดลับ" not in repr(doc) and "TJ-" not in repr(doc)  # never content, never a code
    assert doc.tables()[0].total == ("รวม", 3, 100.0)


# --- measure follow-up ------------------------------------------------------------------------------------------------


def test_measure_follow_up_on_time_late_missing(seeded):
    data = measures.compute(context(seeded))
    assert data.window == (date(2026, 10, 1), date(2027, 4, 30))
    got = [(m.number, [(i.division_id, i.label, i.due, i.done_on, i.status, i.late_days) for i in m.items]) for m in data.measures]
    assert got == [
        (1, [
            ("finance", "รายงานผลไตรมาสที่ 1 (ต.ค.–ธ.ค. 2569)", date(2027, 1, 15), date(2027, 1, 19), "late", 2),
            ("engineering", "รายงานผลไตรมาสที่ 1 (ต.ค.–ธ.ค. 2569)", date(2027, 1, 15), date(2027, 1, 14), "on_time", None),
            ("finance", "รายงานผลไตรมาสที่ 2 (ม.ค.–มี.ค. 2570)", date(2027, 4, 12), None, "missing", None),  # 15 Apr is Songkran
            ("engineering", "รายงานผลไตรมาสที่ 2 (ม.ค.–มี.ค. 2570)", date(2027, 4, 12), None, "missing", None),
        ]),
        # reported on 21 April: after the report's day, so not yet reported as of 20 April
        (2, [("palad", "รายงานผลรอบ 6 เดือน (ต.ค. 2569–มี.ค. 2570)", date(2027, 4, 12), None, "missing", None)]),
        (3, [("audit", "จัดกิจกรรมภายใน มี.ค. 2570", date(2027, 3, 31), date(2027, 3, 20), "on_time", None)]),
    ]
    assert data.measures[0].items[0].status_text == "ส่งล่าช้า 2 วันทำการ"
    assert data.measures[2].items[0].status_text == "จัดกิจกรรมแล้ว"
    assert (data.measures[0].actions, data.measures[0].responsible) == (
        ("สร้างการรับรู้แผนการใช้จ่ายงบประมาณประจำปีให้บุคลากรภายในหน่วยงาน",), "กองช่าง/กองคลัง")
    doc = measures.document(context(seeded), data)
    summary = doc.tables()[0]
    assert summary.rows[0] == ("1. แนวทางการใช้งบประมาณ", 4, 1, 1, 2, 0) and summary.total == ("รวม", 6, 2, 1, 3, 0)


def test_measure_follow_up_as_of_an_earlier_day_and_for_one_division(seeded):
    early = measures.compute(context(seeded, now=datetime(2027, 4, 10, 9, tzinfo=BANGKOK)))
    assert [i.status for i in early.items()] == ["late", "on_time", "not_due", "not_due", "not_due", "on_time"]
    mine = measures.compute(context(seeded, division="engineering"))
    assert [(i.division_id, i.status) for i in mine.items()] == [("engineering", "on_time"), ("engineering", "missing")]
    year = measures.compute(context(seeded, ReportPeriod.of_round(2570, 12)))
    assert year.window == (date(2026, 10, 1), date(2027, 10, 31))
    assert len(year.items()) == 11  # + q3, q4 of two divisions and the 12-month round (15 Oct 2027)


def test_measure_follow_up_plans_a_year_the_clock_never_planned(seeded, tmp_path):
    db = open_database(tmp_path / "fresh.sqlite3")
    ctx = ReportContext.load(db, seeded[1], ReportPeriod.of_round(2570, 6), now=AS_OF)
    data = measures.compute(ctx)
    # Planned now, on a fresh install: its six deadlines, all due before the install, are said as
    # such and not counted as missing (issue 21, day one).
    assert data.planned and data.items() == [] and data.before_install == 6
    assert "กำหนดส่งก่อนเริ่มใช้ระบบ (ไม่นับในรายงานนี้)" in str(measures.document(ctx, data).sections)
