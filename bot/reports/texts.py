"""Thai wording shared by the reports (each report's own headings live in its module)."""
from __future__ import annotations

from bot.feedback import satisfaction_texts, ticket_texts

# Where a satisfaction rating came from (service_ratings.source).
RATING_SOURCES = {
    "menu": "เมนู LINE ของ อบต.",
    "qr": "สแกน QR ที่จุดให้บริการ",
    "handbook": "ต่อจากคำตอบคู่มือประชาชนใน LINE",
    "eservice": "เมื่อคำร้องออนไลน์ดำเนินการเสร็จ",
    "counter": "เจ้าหน้าที่บันทึกที่เคาน์เตอร์",
}
# The channel a rated service was given through, by its ratings' sources: online (a request made
# in LINE, rated when done), at the office (a QR poster at the service point, or the clerk's
# counter entry), and LINE (the menu, and after a handbook answer).
RATING_CHANNELS = {
    "online": ("คำร้องออนไลน์", ("eservice",)),
    "counter": ("ที่จุดให้บริการ (เคาน์เตอร์)", ("counter", "qr")),
    "line": ("LINE ของ อบต.", ("menu", "handbook")),
}
# Where a question for staff came from (staff_questions.source).
QUESTION_SOURCES = {
    "menu": "เมนู \"ถามเจ้าหน้าที่\" ใน LINE",
    "handbook": "ส่งต่อจากคำถามที่บอทตอบไม่ได้",
}
HANDBOOK_OUTCOMES = {
    "answered": "ตอบจากคู่มือประชาชน",
    "choose": "เสนอบริการใกล้เคียงให้เลือก",
    "unanswered": "บอทไม่ตอบ (ไม่แน่ใจ) และเสนอส่งต่อเจ้าหน้าที่",
    "outside": "เรื่องนอกอำนาจหน้าที่ แนะนำหน่วยงานที่รับผิดชอบ",
}
LINE_CHANNEL = "LINE Official Account"
NO_SERVICE = "ไม่ระบุบริการ"
TOTAL = "รวม"
ASPECT_NAMES = dict(satisfaction_texts.ASPECTS)
ASPECT_SHORT = satisfaction_texts.ASPECT_SHORT
# Column headings: a space where a narrow column may wrap the words.
ASPECT_HEADINGS = {
    "process": "ขั้นตอน และระยะเวลา",
    "staff": "เจ้าหน้าที่",
    "facilities": "สิ่งอำนวย ความสะดวก",
    "information": "การให้ ข้อมูล",
    "overall": "โดยรวม",
}
TICKET_STATUS = ticket_texts.TICKET_STATUS
CORRUPTION_STATUS = {
    "received": "ได้รับเรื่อง รอพิจารณา",
    "reviewing": "อยู่ระหว่างตรวจสอบข้อเท็จจริง",
    "referred": "ส่งหน่วยงานที่มีอำนาจ (ป.ป.ช./ป.ป.ท. ฯลฯ)",
    "closed": "ดำเนินการเสร็จสิ้น",
    "not_pursued": "ไม่รับไว้พิจารณา",
}
XLSX_FOR_ALL = "ดูรายการทั้งหมดในไฟล์ Excel (XLSX) ของรายงานนี้"


def ticket_category(category: str) -> str:
    return ticket_texts.TICKET_CATEGORIES.get(category, (category, category))[1]


def village_topic(topic: str | None) -> str:
    return ticket_texts.VILLAGE_TOPICS.get(topic, ("", ""))[1] if topic else ""

