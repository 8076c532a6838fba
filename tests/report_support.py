"""A database seeded with known numbers for the report tests (every expected figure is worked
out by hand in tests/test_reports.py), and a content folder with a small measures plan and
participation notes, so the figures do not depend on the SAO's shipped plan.

FY 2570's 6-month round is 1 Oct 2026 – 31 Mar 2027; its previous round (the same dates a
year earlier) is 1 Oct 2025 – 31 Mar 2026. Records just outside either edge test the edges.
"""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.common.thaidate import BANGKOK
from db import corruption_reports, questions, ratings, reminders, staff_questions, tickets, transaction

AS_OF = datetime(2027, 4, 20, 10, 0, tzinfo=BANGKOK)

PLAN = """\
title: มาตรการส่งเสริมคุณธรรมและความโปร่งใส (ทดสอบ)
source: แผนทดสอบรายงาน
measures:
  - number: 1
    id: budget
    title: แนวทางการใช้งบประมาณ
    actions:
      - สร้างการรับรู้แผนการใช้จ่ายงบประมาณประจำปีให้บุคลากรภายในหน่วยงาน
    divisions: [engineering, finance]
    responsible: กองช่าง/กองคลัง
    period: ต.ค.-ก.ย.
    follow_up:
      rule: quarterly
      text: รายงานผลการดำเนินงานทุกไตรมาส
      report: ผลการดำเนินงานของไตรมาส
  - number: 2
    id: participation
    title: การให้ผู้รับบริการมีส่วนร่วมในการปรับปรุงการดำเนินงาน
    actions:
      - เปิดโอกาสให้ผู้รับบริการมีส่วนร่วมในการปรับปรุงการดำเนินงานของหน่วยงาน
    divisions: [palad]
    responsible: สำนักปลัด
    period: ต.ค.-ก.ย.
    follow_up:
      rule: rounds
      rounds: [6, 12]
      text: รายงานผลรอบ 6 เดือน และรอบ 12 เดือน
      report: ผลการเปิดโอกาสให้มีส่วนร่วม
  - number: 3
    id: anti-corruption-campaign
    title: กิจกรรมรณรงค์ต่อต้านการทุจริตคอร์รัปชั่น
    actions:
      - จัดกิจกรรมรณรงค์ต่อต้านการทุจริต
    divisions: [audit]
    responsible: หน่วยตรวจสอบภายใน
    period: มี.ค.
    follow_up:
      rule: after_activity
      within_days: 15
      text: รายงานผลหลังกิจกรรมแล้วเสร็จ
      report: ผลการจัดกิจกรรม
"""

NOTES = """\
entries:
  - date: 15/2/2570
    topic: ประชาคมหมู่บ้านเพื่อจัดทำแผนพัฒนาท้องถิ่น
    channel: ประชุมประชาคมหมู่บ้าน
    participants: {"หมู่ 1 บ้านคอนฉิม": 45, "หมู่ 2 บ้านโนนสวรรค์": 38}
    decided: จัดลำดับโครงการซ่อมถนนและไฟส่องสว่าง 12 โครงการ
    improvement: บรรจุโครงการในแผนพัฒนาท้องถิ่น
  - date: 2027-03-31
    topic: satisfaction
    improvement: เพิ่มที่นั่งรอที่จุดรับเบี้ยยังชีพ ตามข้อเสนอแนะเรื่องรอคิวนาน
  - date: 1/5/2570
    topic: เวทีรับฟังความคิดเห็นโครงการประปา
    participants: 20
"""


def make_content(folder: Path) -> Path:
    """The shipped content, with the small test plan and the participation notes."""
    content = folder / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    (content / "measures-plan.yaml").write_text(PLAN, encoding="utf-8")
    shutil.rmtree(content / "plans", ignore_errors=True)
    (content / "participation.yaml").write_text(NOTES, encoding="utf-8")
    return content


def ts(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=BANGKOK).timestamp()


SCORES = ratings.ASPECTS  # process, staff, facilities, information, overall
DIVISION = {"elderly-allowance": "welfare", "water-supply": "engineering", "building-permit": "engineering"}


def _rate(db, n: int, service: str, day: str, scores: tuple, comment=None, source="menu"):
    ratings.save(
        db, chat_key=f"user:U{n:032d}", service_id=service, division_id=DIVISION[service], rated_on=day,
        fiscal_year=2570 if day >= "2026-10-01" else 2569, scores=dict(zip(SCORES, scores)), comment=comment, source=source,
    )


def seed_ratings(db) -> None:
    # FY 2570, 6-month round
    _rate(db, 1, "elderly-allowance", "2026-10-05", (5, 5, 4, 5, 5), "บริการดีมาก เจ้าหน้าที่ใจดีค่ะ 🙏", "menu")
    _rate(db, 2, "elderly-allowance", "2026-11-10", (4, 5, 3, 4, 4), "=1+1 รอคิวนาน", "qr")
    _rate(db, 3, "elderly-allowance", "2027-03-31", (5, 4, 4, 5, 5), "บริการดีมาก  เจ้าหน้าที่ใจดีค่ะ 🙏", "qr")
    _rate(db, 4, "water-supply", "2026-12-01", (2, 3, 2, 3, 2), "น้ำประปาไหลอ่อน", "handbook")
    _rate(db, 5, "water-supply", "2027-01-15", (3, 3, 3, 3, 3), None, "menu")
    # just outside: the day after the round, the day before it
    _rate(db, 6, "elderly-allowance", "2027-04-01", (1, 1, 1, 1, 1), "หลังรอบ")
    _rate(db, 7, "building-permit", "2026-09-30", (1, 1, 1, 1, 1), "ก่อนรอบ")
    # the previous round: FY 2569, 1 Oct 2025 – 31 Mar 2026
    _rate(db, 8, "elderly-allowance", "2025-10-20", (4, 4, 4, 4, 4))
    _rate(db, 9, "elderly-allowance", "2026-03-31", (3, 3, 3, 3, 3), source="qr")
    _rate(db, 10, "water-supply", "2026-01-10", (5, 5, 5, 5, 5))


def _ask(db, ref: str, when: float, outcome: str, procedure=None, feedback=None, staff=False):
    questions.record(db, ref=ref, chat_key=f"user:U{ref}", user_id=f"U{ref}", question=f"คำถาม {ref}", outcome=outcome,
                     procedure_id=procedure, section="overview" if procedure else None, now=when)
    if feedback:
        questions.set_feedback(db, ref, feedback, now=when)
    if staff:
        questions.request_staff(db, ref, now=when)


def seed_handbook_questions(db) -> None:
    _ask(db, "q1", ts(2026, 10, 3), "answered", "elderly-allowance", feedback="up")
    _ask(db, "q2", ts(2026, 10, 3, 11), "answered", "elderly-allowance", feedback="down")
    _ask(db, "q3", ts(2026, 11, 20), "answered", "water-supply")
    _ask(db, "q4", ts(2026, 11, 21), "unanswered", staff=True)
    _ask(db, "q5", ts(2027, 2, 2), "outside")
    _ask(db, "q6", ts(2026, 10, 1, 0, 10), "answered", "water-supply")  # 30 Sep 17:10 UTC: still 1 Oct in Bangkok
    _ask(db, "q7", ts(2027, 4, 1, 0, 30), "answered", "elderly-allowance")  # 31 Mar 17:30 UTC: already 1 Apr in Bangkok


def seed_staff_questions(db) -> None:
    def ask(key, division, created, due, source, answered=None):
        q, _ = staff_questions.create(db, submission_key=key, chat_key=f"user:U{key}", line_user_id=f"U{key}", question="ถาม",
                                      procedure_id=None, division_id=division, source=source, due_at=due, now=created)
        if answered:
            staff_questions.answer(db, q.id, "ตอบ", "เจ้าหน้าที่", now=answered)

    ask("s1", "welfare", ts(2026, 10, 5, 9), ts(2026, 10, 6, 9), "menu", answered=ts(2026, 10, 5, 15))  # 6 hours, on time
    ask("s2", "engineering", ts(2026, 11, 2), ts(2026, 11, 3), "handbook", answered=ts(2026, 11, 4))  # 48 hours, late
    ask("s3", "engineering", ts(2027, 3, 30), ts(2027, 3, 31), "menu")  # open, overdue by 20 April
    ask("s4", "palad", ts(2027, 4, 2), ts(2027, 4, 5), "menu")  # after the round


def seed_tickets(db) -> None:
    def ticket(key, category, division, created, *, topic=None, service=None, status="received", closed=None, **changes):
        t, _ = tickets.create(db, prefix="KC", fiscal_year=2570, submission_key=key, category=category, topic=topic,
                              service_id=service, division_id=division, chat_key=f"user:U{key}", line_user_id=f"U{key}",
                              description="รายละเอียดส่วนตัวของผู้แจ้ง บ้านเลขที่ 12", location=None, photo_message_ids=[], now=created)
        if status != "received":
            assert tickets.update(db, t.id, "received", status=status, closed_at=closed, **changes)
        return t

    ticket("t1", "suggestion", "welfare", ts(2026, 10, 10), service="elderly-allowance", status="resolved",
           closed=ts(2026, 10, 12), resolved_at=ts(2026, 10, 12), resolution="เพิ่มเก้าอี้รอคิวแล้ว", handling_rating=5)
    ticket("t2", "village", "engineering", ts(2026, 11, 1, 8), topic="road", status="resolved",
           closed=ts(2026, 11, 5, 8), resolved_at=ts(2026, 11, 5, 8), resolution="ซ่อมถนนหมู่ 3 แล้ว", handling_rating=3)
    ticket("t3", "village", "engineering", ts(2026, 12, 1), topic="light", status="forwarded", closed=ts(2026, 12, 2),
           forwarded_to="การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่", forwarded_contact="โทร 1129")
    ticket("t4", "complaint_official", "palad", ts(2027, 1, 5), status="rejected", closed=ts(2027, 1, 8), reject_reason="ไม่พบข้อเท็จจริง")
    ticket("t5", "other", "palad", ts(2027, 3, 31, 16))
    ticket("t6", "suggestion", "palad", ts(2027, 4, 2))  # after the round
    ticket("t7", "complaint_service", "engineering", ts(2026, 10, 20), service="water-supply", status="resolved",
           closed=ts(2026, 10, 21), resolved_at=ts(2026, 10, 21), resolution="=cmd|' /C calc'!A0")


def seed_corruption(db) -> None:
    def report(day: str, status: str | None = None):
        _, code, _ = corruption_reports.create(db, anonymous=True, chat_key=None, line_user_id=None,
                                               details=f"รายละเอียดลับ {day}", received_on=day)
        if status:
            corruption_reports.update(db, code, role="auditor", actor="หน่วยตรวจสอบ", status=status)

    report("2026-10-15", "reviewing")
    report("2026-10-20", "closed")
    report("2027-02-01")
    report("2027-04-05")  # after the round
    report("2025-12-01", "referred")  # the previous year


def seed_deadlines(db, content_dir: Path) -> None:
    """Plan FY 2570 from the test plan, then record what divisions tapped."""
    from bot.reminders.passes import Setup, sync_year

    sync_year(db, Setup.from_content(content_dir), 2570, date(2026, 9, 1), ts(2026, 9, 1))

    def done(measure, key, division, on: date, late: int):
        row = reminders.find_deadline(db, 2570, measure, key, division)
        assert row, (measure, key, division)
        assert reminders.mark_done(db, row["id"], at=ts(on.year, on.month, on.day), on=on, by="U1", chat_key="user:U1", late_working_days=late)

    done("budget", "q1", "engineering", date(2027, 1, 14), 0)
    done("budget", "q1", "finance", date(2027, 1, 19), 2)
    done("participation", "r6", "palad", date(2027, 4, 21), 7)  # after the report's day: not yet reported then
    done("anti-corruption-campaign", "activity", "audit", date(2027, 3, 20), 0)


def seed_all(db, content_dir: Path) -> None:
    with transaction(db):
        seed_ratings(db)
        seed_handbook_questions(db)
        seed_staff_questions(db)
        seed_tickets(db)
        seed_corruption(db)
    seed_deadlines(db, content_dir)
    # The participation notes as a clerk had them in the old file, imported as the console does once.
    from bot.reports.participation_import import import_notes

    import_notes(db, content_dir / "participation.yaml")
