"""Feedback records written straight into the database, for the console's tests (the chat
side that creates them is tested in test_feedback_*.py)."""
from __future__ import annotations

import secrets
import time

from bot.common.thaidate import fiscal_year, now as bangkok_now
from db import corruption_reports, ratings, staff_questions, ticket_photos, tickets, transaction

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"pothole" * 40


def add_ticket(db, *, division: str = "engineering", description: str = "ถนนลูกรังหน้าวัดหมู่ 3 เป็นหลุมลึก น้ำขัง รถล้มสองครั้งแล้วค่ะ 🙏",
               category: str = "village", topic: str | None = "road", uid: str | None = None, photo: bytes | None = None,
               photo_type: str = "image/jpeg", location: dict | None = None, created_at: float | None = None):
    uid = uid or "U" + secrets.token_hex(16)
    with transaction(db):
        ticket, _ = tickets.create(
            db, prefix="KC", fiscal_year=fiscal_year(bangkok_now()), submission_key=secrets.token_hex(8), category=category,
            topic=topic, service_id=None, division_id=division, chat_key=f"user:{uid}", line_user_id=uid,
            description=description, location=location, photo_message_ids=[secrets.token_hex(6)] if photo else [], now=created_at,
        )
        if photo:
            [row] = ticket_photos.photos(db, ticket.id)
            db.execute("UPDATE ticket_photos SET status = 'fetching' WHERE id = ?", (row.id,))
            ticket_photos.store_photo(db, row.id, photo, photo_type)
    return tickets.get(db, ticket.id)


def add_question(db, *, division: str = "engineering", text: str = "ขออนุญาตปลูกสร้างอาคารต้องใช้เอกสารอะไรบ้างคะ",
                 uid: str | None = None, due_in: float = 86400, created_at: float | None = None):
    uid = uid or "U" + secrets.token_hex(16)
    now = time.time() if created_at is None else created_at
    with transaction(db):
        question, _ = staff_questions.create(
            db, submission_key=secrets.token_hex(8), chat_key=f"user:{uid}", line_user_id=uid, question=text,
            procedure_id=None, division_id=division, source="menu", due_at=now + due_in, now=now,
        )
    return question


def add_rating(db, *, service: str = "elderly-allowance", division: str = "welfare", day: str | None = None,
               scores: dict | None = None, comment: str | None = None, chat: str | None = None):
    day = day or bangkok_now().date().isoformat()
    scores = scores or {a: 5 for a in ratings.ASPECTS}
    with transaction(db):
        ratings.save(db, chat_key=chat or "user:U" + secrets.token_hex(16), service_id=service, division_id=division, rated_on=day,
                     fiscal_year=fiscal_year(bangkok_now()), scores=scores, comment=comment, source="menu")


def add_report(db, *, details: str = "เจ้าหน้าที่กองช่างเรียกรับเงินค่าดำเนินการขออนุญาตก่อสร้าง 3,000 บาท โดยไม่ออกใบเสร็จ",
               anonymous: bool = True, uid: str | None = None):
    with transaction(db):
        report_id, code, secret = corruption_reports.create(
            db, anonymous=anonymous, chat_key=None if anonymous else f"user:{uid}", line_user_id=None if anonymous else uid,
            details=details, received_on=bangkok_now().date().isoformat(),
        )
    return report_id, code, secret


def seed_one_of_each(db) -> None:
    """Record 1 of each kind, in the engineering division: what the role tests open."""
    add_ticket(db, photo=JPEG, location={"latitude": 16.0345, "longitude": 102.5871, "title": "หน้าวัด"})
    add_question(db)
    add_rating(db, division="engineering", service="building-permit")
    add_report(db)
