"""What the questions for staff say (measure 6): to the citizen who asks, to the staff
who answer, and the overdue reminder. Shared wording is in texts.py."""
from __future__ import annotations

from bot.content.profile import SaoProfile

QUESTION_STATUS = {"open": "รอเจ้าหน้าที่ตอบ", "answered": "ตอบแล้ว"}


def ask_staff_intro(p: SaoProfile) -> str:
    return (
        f"ส่งคำถามถึงเจ้าหน้าที่ของ {p.short_name} ได้ค่ะ เจ้าหน้าที่จะตอบกลับทาง LINE นี้ "
        "ภายใน 1 วันทำการ\n\nพิมพ์คำถามของท่านมาได้เลยค่ะ (ไม่เกิน 1,000 ตัวอักษร)"
    )


CHOOSE_QUESTION_TOPIC = "คำถามนี้เกี่ยวกับเรื่องใดคะ เลือกหมวดที่ใกล้เคียงที่สุด เพื่อส่งถึงเจ้าหน้าที่ที่ดูแลโดยตรง"
NOT_SURE_TOPIC = "ไม่แน่ใจ"
SEND_QUESTION = "✅ ส่งคำถาม"
SEND_REQUEST = "✅ ส่งคำขอ"


def question_summary(question: str, division: str, request: bool = False) -> str:
    if request:  # a request for a service typed to the bot ("ขอรถน้ำหน่อย"): staff act on it
        return f"📨 คำขอที่จะส่งถึงเจ้าหน้าที่\n{question}\n\nส่งถึง: {division} (เจ้าหน้าที่จะติดต่อกลับทาง LINE นี้)"
    return f"❓ คำถามที่จะส่ง\n{question}\n\nส่งถึง: {division}"


def question_created(qid: int, division: str, due: str) -> str:
    return (
        f"ส่งคำถามถึง{division}แล้วค่ะ (คำถามหมายเลข {qid})\n"
        f"เจ้าหน้าที่จะตอบกลับทาง LINE นี้ภายใน{due} ค่ะ ดูสถานะได้ที่ \"ติดตามเรื่อง\""
    )


def question_announcement(qid: int, division: str, question: str, due: str, link: str, about: str = "") -> str:
    text = f"❓ คำถามจากประชาชน หมายเลข {qid} ({division})\n"
    if about:
        text += f"เรื่อง: {about}\n"
    text += (
        f"{question}\n\n"
        f"กรุณาตอบภายใน{due}\n"
        f"ตอบทาง LINE: กด \"ตอบ\" แล้วพิมพ์คำตอบ, กด \"ตอบกลับ\" ที่ข้อความนี้แล้วพิมพ์คำตอบ "
        f"หรือพิมพ์ \"ตอบคำถาม {qid} <คำตอบ>\"\n"
        f"ดูในระบบ: {link}"
    )
    return text


ANSWER_BUTTON = "ตอบ"


def answer_to_citizen(qid: int, question_excerpt: str, answer: str, division: str) -> str:
    return (
        f"💬 คำตอบจาก{division} (คำถามหมายเลข {qid})\n"
        f"คำถาม: {question_excerpt}\n\n"
        f"{answer}\n\n"
        "หากมีข้อสงสัยเพิ่มเติม ส่งคำถามใหม่ได้ที่เมนู \"ถามเจ้าหน้าที่\" ค่ะ"
    )


def staff_answer_prompt(qid: int, question: str, in_group: bool) -> str:
    text = f"คำถามหมายเลข {qid}:\n{question}\n\nพิมพ์คำตอบที่จะส่งถึงประชาชนได้เลยค่ะ"
    if in_group:
        text += " (ไม่ต้องแท็กบอท ข้อความถัดไปของท่านคือคำตอบ บอทจะแสดงให้ตรวจก่อนส่งค่ะ)"
    return text


def staff_answer_confirm(qid: int, answer: str) -> str:
    return f"คำตอบสำหรับคำถามหมายเลข {qid}:\n{answer}\n\nส่งคำตอบนี้ถึงประชาชนเลยไหมคะ"


SEND_ANSWER = "ส่งคำตอบ"
EDIT_ANSWER = "แก้ไข"
STAFF_ONLY = "คำสั่งนี้สำหรับเจ้าหน้าที่ที่ลงทะเบียนรับคำถามของกองนี้เท่านั้นค่ะ"
QUESTION_NOT_FOUND = "ไม่พบคำถามหมายเลขนี้ค่ะ"


def question_already_answered(qid: int, by: str, when: str) -> str:
    return f"คำถามหมายเลข {qid} ตอบไปแล้วโดย {by} เมื่อ {when} ค่ะ"


def answer_sent(qid: int) -> str:
    return f"ส่งคำตอบคำถามหมายเลข {qid} ถึงประชาชนแล้วค่ะ ขอบคุณค่ะ 🙏"


QUESTION_ASKER_GONE = "ผู้ถามขอลบข้อมูลไปแล้ว จึงส่งคำตอบทาง LINE ไม่ได้ค่ะ (บันทึกคำตอบไว้แล้ว)"


def overdue_announcement(items: list[tuple[int, str, str]], link: str) -> str:
    lines = [f"⏰ คำถามจากประชาชนที่ยังไม่ได้ตอบเกิน 1 วันทำการ ({len(items)} ข้อ)"]
    for qid, division, asked in items[:15]:
        lines.append(f"• หมายเลข {qid} ({division}) ถามเมื่อ {asked}")
    if len(items) > 15:
        lines.append(f"และอีก {len(items) - 15} ข้อ")
    lines.append(f"ดูทั้งหมด: {link}")
    return "\n".join(lines)
