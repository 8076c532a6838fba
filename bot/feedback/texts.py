"""What more than one feedback flow says: privacy, limits, lengths, the 5-level scale,
choosing a service, and the note on an announcement no one registered for.

Each flow's own wording is in its *_texts.py beside it (satisfaction_texts.py,
ticket_texts.py, staff_question_texts.py, corruption_texts.py); the spine's is in
bot/conversation/texts.py. Polite Thai as a female counter clerk speaks (ค่ะ/คะ)."""
from __future__ import annotations

from bot.conversation.texts import contact_line
from bot.content.profile import SaoProfile

# --- every flow ----------------------------------------------------------------------------


def privacy_line(base_url: str) -> str:
    text = "🔒 ข้อมูลที่ท่านให้ใช้เพื่อดำเนินเรื่องนี้เท่านั้น และขอลบได้ทุกเมื่อ (พิมพ์ \"ข้อมูลส่วนบุคคล\")"
    if base_url:
        text += f"\nอ่านประกาศความเป็นส่วนตัว: {base_url}/privacy"
    return text


EARLIER_BUTTON = "ปุ่มนั้นเป็นของคำถามก่อนหน้า จึงไม่ได้บันทึกซ้ำค่ะ ตอบคำถามล่าสุดด้านล่างได้เลยค่ะ"
CANCEL_BUTTON = "ยกเลิก"
NO_SERVICES = "ขออภัยค่ะ ตอนนี้ยังไม่มีรายการบริการให้เลือก กรุณาลองใหม่ภายหลังค่ะ"
RATE_LIMITED = {
    "rating": "วันนี้ท่านประเมินบริการหลายครั้งแล้วค่ะ ขอบคุณมากค่ะ 🙏 หากต้องการประเมินเพิ่ม ลองใหม่พรุ่งนี้นะคะ",
    "ticket": "วันนี้ท่านแจ้งเรื่องครบ {limit} เรื่องแล้วค่ะ เพื่อให้เจ้าหน้าที่ดูแลทุกเรื่องได้ทั่วถึง "
    "กรุณาแจ้งเพิ่มในวันพรุ่งนี้ หรือหากเร่งด่วน {contact}",
    "question": "วันนี้ท่านส่งคำถามถึงเจ้าหน้าที่ครบ {limit} ข้อแล้วค่ะ เจ้าหน้าที่จะทยอยตอบให้นะคะ "
    "หากเร่งด่วน {contact}",
    "corruption": "วันนี้ท่านแจ้งเรื่องครบ {limit} เรื่องแล้วค่ะ หากมีเรื่องเพิ่ม กรุณาแจ้งในวันพรุ่งนี้ "
    "หรือแจ้งโดยตรงที่ ป.ป.ช. โทร 1205 หรือ ป.ป.ท. โทร 1206",
    "corruption-anonymous": "ชั่วโมงนี้ท่านแจ้งเรื่องแบบไม่เปิดเผยตัวตนครบ {limit} เรื่องแล้วค่ะ กรุณาลองใหม่ในชั่วโมงถัดไป "
    "หรือแจ้งโดยตรงที่ ป.ป.ช. โทร 1205 หรือ ป.ป.ท. โทร 1206",
    "corruption-lookup": "พิมพ์รหัสไม่ถูกต้องหลายครั้งเกินไปค่ะ กรุณารอ 1 ชั่วโมงแล้วลองใหม่",
}


def rate_limited(kind: str, limit: int, p: SaoProfile) -> str:
    return RATE_LIMITED[kind].format(limit=limit, contact=contact_line(p))


def too_long(limit: int, got: int) -> str:
    return f"ข้อความยาวเกินไปค่ะ (พิมพ์ได้ไม่เกิน {limit:,} ตัวอักษร ข้อความนี้มี {got:,} ตัวอักษร) กรุณาย่อแล้วส่งใหม่อีกครั้งนะคะ"


def too_short(minimum: int) -> str:
    return f"ขอรายละเอียดเพิ่มอีกนิดค่ะ (อย่างน้อย {minimum} ตัวอักษร) จะได้ดำเนินการได้ถูกต้อง"


PRIVATE_ONLY = "เรื่องนี้ทำได้ในแชตส่วนตัวกับบอทเท่านั้นค่ะ เพื่อความเป็นส่วนตัวของท่าน"
NEED_TEXT = "ขั้นตอนนี้ขอเป็นข้อความพิมพ์ค่ะ พิมพ์มาได้เลย หรือพิมพ์ \"ยกเลิก\" เพื่อออก"

# --- the 5-level scale (satisfaction ratings, bot/feedback/common.py) -----------------------

SCALE = {5: "มากที่สุด", 4: "มาก", 3: "ปานกลาง", 2: "น้อย", 1: "น้อยที่สุด"}
SCALE_EMOJI = {5: "😍", 4: "🙂", 3: "😐", 2: "🙁", 1: "😞"}

# --- choosing a service (satisfaction, tickets) ----------------------------------------------

CHOOSE_CATEGORY = "ท่านมาใช้บริการเรื่องใดคะ เลือกหมวดก่อนค่ะ (หรือพิมพ์ชื่อบริการก็ได้)"


def choose_service(category: str) -> str:
    return f"หมวด{category}: เลือกบริการที่ท่านได้รับค่ะ"


OTHER_CATEGORIES = "← หมวดอื่น"
SERVICE_NOT_FOUND = "ขออภัยค่ะ ไม่พบบริการที่พิมพ์มา กรุณาเลือกจากปุ่มด้านล่างนะคะ"


def service_chosen(title: str) -> str:
    return f"บริการ: {title}"


# --- announcements to a division's staff (bot/feedback/announce.py) ----------------------

NO_RECIPIENTS_NOTE = "(ส่งถึงผู้ดูแลระบบ เพราะ{division}ยังไม่ได้ลงทะเบียนรับแจ้งเตือนทาง LINE)"
