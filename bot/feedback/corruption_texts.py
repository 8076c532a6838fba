"""What the corruption reports say (ITA indicator 10): the promise of confidentiality,
the questions, the codes to follow up with, and the statuses. Shared wording is in texts.py."""
from __future__ import annotations

from bot.content.profile import SaoProfile

def corruption_intro(p: SaoProfile) -> str:
    return (
        "🛡️ แจ้งเบาะแสการทุจริตหรือประพฤติมิชอบของเจ้าหน้าที่\n"
        f"• รายละเอียดที่ท่านแจ้ง เปิดอ่านได้เฉพาะหน่วยตรวจสอบภายในของ {p.short_name} เท่านั้น "
        "เจ้าหน้าที่กองอื่นและผู้ถูกกล่าวถึงมองไม่เห็น\n"
        "• เลือก \"ไม่เปิดเผยตัวตน\" ได้: ระบบจะไม่เก็บบัญชี LINE ของท่านไว้กับเรื่องนี้ "
        "และบันทึกเพียงวันที่ ไม่บันทึกเวลา\n"
        "• ท่านจะได้รหัสเรื่องและรหัสลับไว้ติดตามผล ระบบแสดงรหัสลับเพียงครั้งเดียว\n"
        "• แจ้งหน่วยงานภายนอกได้โดยตรงเช่นกัน: ป.ป.ช. โทร 1205, ป.ป.ท. โทร 1206"
    )


ANONYMOUS_BUTTON = "ไม่เปิดเผยตัวตน"
CONTACTABLE_BUTTON = "ติดต่อกลับทาง LINE ได้"
FOLLOW_UP_BUTTON = "ติดตามเรื่องที่แจ้งไว้"
CHOOSE_ANONYMITY = "กรุณาเลือกจากปุ่มด้านล่างค่ะ: แจ้งแบบไม่เปิดเผยตัวตน หรือยินยอมให้ติดต่อกลับทาง LINE"
CORRUPTION_NOTICED = (
    "เรื่องที่ท่านเล่ามาอาจเป็นการทุจริตหรือประพฤติมิชอบค่ะ ขอบคุณที่กล้าบอกนะคะ 🙏\n"
    "เรื่องแบบนี้แจ้งผ่านช่องทางลับได้ ไม่ใช่การร้องเรียนทั่วไป ผู้แจ้งได้รับการคุ้มครองดังนี้"
)
STORY_KEPT = (
    "ได้รับเรื่องที่ท่านเล่าแล้วค่ะ (ระบบไม่แสดงข้อความซ้ำ) "
    "ก่อนส่ง กรุณาเลือกว่าจะแจ้งแบบไม่เปิดเผยตัวตน หรือยินยอมให้ติดต่อกลับทาง LINE"
)


def corruption_details_prompt(anonymous: bool) -> str:
    text = (
        "เล่าเหตุการณ์ได้เลยค่ะ: ใคร (ชื่อหรือตำแหน่ง) ทำอะไร ที่ไหน เมื่อไร และมีหลักฐานหรือพยานหรือไม่ "
        "(ไม่เกิน 3,000 ตัวอักษร)"
    )
    if anonymous:
        text += "\nหากต้องการปกปิดตัวตน อย่าใส่ชื่อหรือเบอร์โทรของท่านในข้อความนะคะ"
    return text


def corruption_confirm(anonymous: bool, length: int) -> str:
    who = "ไม่เปิดเผยตัวตน" if anonymous else "ยินยอมให้หน่วยตรวจสอบภายในติดต่อกลับทาง LINE"
    text = (
        f"พร้อมส่งเรื่องแล้วค่ะ\nรูปแบบ: {who}\nรายละเอียด: {length:,} ตัวอักษร "
        "(ระบบไม่แสดงข้อความซ้ำในแชต เพื่อความปลอดภัยของท่าน)"
    )
    if anonymous:
        text += "\nหากในข้อความมีชื่อหรือเบอร์โทรของท่าน กด \"แก้ไข\" แล้วพิมพ์ใหม่โดยไม่ใส่ได้ค่ะ"
    return text + "\n\nยืนยันส่งเรื่องไหมคะ"


SEND_REPORT = "ยืนยันส่งเรื่อง"


def corruption_received(code: str, secret: str, anonymous: bool) -> str:
    text = (
        "ได้รับเรื่องของท่านแล้วค่ะ 🙏 หน่วยตรวจสอบภายในจะพิจารณาเป็นความลับ\n\n"
        f"รหัสเรื่อง: {code}\n"
        f"รหัสลับ: {secret}\n\n"
        "กรุณาจดหรือบันทึกภาพหน้าจอไว้ ระบบแสดงรหัสลับนี้ครั้งเดียวและไม่ได้เก็บไว้ในแชต "
        "ใช้ติดตามผลได้ที่ \"แจ้งเบาะแสทุจริต\" → \"ติดตามเรื่องที่แจ้งไว้\""
    )
    if anonymous:
        text += "\nเรื่องนี้ไม่ผูกกับบัญชี LINE ของท่าน จึงติดตามผลได้ด้วยรหัสเท่านั้น หากลบแชตหรือลืมรหัส จะติดตามไม่ได้"
    else:
        text += "\nเมื่อมีความคืบหน้า หน่วยตรวจสอบภายในจะแจ้งท่านทาง LINE นี้"
    return text


def corruption_announcement(code: str, link: str) -> str:
    return (
        f"🛡️ มีเรื่องแจ้งเบาะแสทุจริตใหม่ รหัส {code}\n"
        "รายละเอียดเปิดอ่านได้เฉพาะหน่วยตรวจสอบภายในในระบบหลังบ้าน\n"
        f"{link}"
    )


def corruption_announcement_to_admins(code: str) -> str:
    return (
        f"🛡️ มีเรื่องแจ้งเบาะแสทุจริตใหม่ รหัส {code}\n"
        "หน่วยตรวจสอบภายในยังไม่ได้ลงทะเบียนรับแจ้งเตือนทาง LINE กรุณาแจ้งหน่วยตรวจสอบภายในให้เปิดอ่านในระบบหลังบ้าน "
        "(ผู้ดูแลระบบไม่เห็นรายละเอียดของเรื่อง)"
    )


FOLLOW_UP_CODE_PROMPT = "พิมพ์รหัสเรื่องที่ได้รับค่ะ (เช่น TJ-7KQ4M9)"
FOLLOW_UP_SECRET_PROMPT = "พิมพ์รหัสลับของเรื่องนี้ค่ะ"
FOLLOW_UP_NOT_FOUND = "รหัสเรื่องหรือรหัสลับไม่ถูกต้องค่ะ กรุณาตรวจสอบแล้วเริ่มใหม่ที่ \"แจ้งเบาะแสทุจริต\""
CORRUPTION_STATUS = {
    "received": "ได้รับเรื่องแล้ว รอการพิจารณา",
    "reviewing": "อยู่ระหว่างตรวจสอบข้อเท็จจริง",
    "referred": "ส่งเรื่องให้หน่วยงานที่มีอำนาจ (เช่น ป.ป.ช. หรือ ป.ป.ท.) แล้ว",
    "closed": "ดำเนินการเสร็จสิ้นแล้ว",
    "not_pursued": "ไม่รับไว้พิจารณา",
}


def corruption_status_reply(code: str, received_on: str, status: str, message: str) -> str:
    text = f"🛡️ เรื่องรหัส {code} (แจ้งเมื่อ {received_on})\nสถานะ: {CORRUPTION_STATUS.get(status, status)}"
    if message:
        text += f"\nข้อความจากหน่วยตรวจสอบภายใน: {message}"
    return text


def corruption_update_push(code: str, status: str, message: str) -> str:
    text = f"🛡️ ความคืบหน้าเรื่องรหัส {code}\nสถานะ: {CORRUPTION_STATUS.get(status, status)}"
    if message:
        text += f"\nข้อความจากหน่วยตรวจสอบภายใน: {message}"
    return text
