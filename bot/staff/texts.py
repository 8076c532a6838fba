"""What staff read on LINE about their division's tickets: buttons, prompts, answers."""
from __future__ import annotations

# The card's buttons
ACCEPT = "รับเรื่อง"
PROGRESS = "กำลังดำเนินการ"
ASK = "ขอข้อมูลเพิ่ม"
FORWARD = "ส่งต่อหน่วยงานอื่น"
CLOSE = "ปิดเรื่อง / แก้ไขแล้ว"
REJECT = "ไม่รับเรื่อง"
OPEN_IN_CONSOLE = "ดูในระบบ"

NEW_TICKET = "📢 เรื่องใหม่จากประชาชน"
REOPENED_TICKET = "🔁 ผู้แจ้งบอกว่ายังไม่เรียบร้อย"
ASSIGNED_TICKET = "📨 เรื่องที่ส่งมาให้กองของท่าน"
TICKET_NOW = "เรื่อง"

# Refusals and notes
TICKET_GONE = "ไม่พบเรื่องนี้ในระบบแล้วค่ะ"
NOT_STAFF = "ปุ่มนี้ใช้ได้เฉพาะแชตของเจ้าหน้าที่ที่ลงทะเบียนแล้วค่ะ หากท่านเป็นเจ้าหน้าที่ ขอรหัสลงทะเบียนจากผู้ดูแลระบบได้เลยค่ะ"


def not_your_division(division: str) -> str:
    return f"ขออภัยค่ะ เรื่องนี้อยู่ในความดูแลของ{division} แชตนี้จึงดำเนินการแทนไม่ได้ค่ะ"


def already_closed(number: str, status: str, by: str) -> str:
    return f"เรื่อง {number} ปิดไปแล้วค่ะ ({status}{' โดย ' + by if by else ''})"


def taken_by(number: str, name: str) -> str:
    return f"เรื่อง {number} มีผู้รับเรื่องแล้วค่ะ: {name}"


def already_yours(number: str) -> str:
    return f"ท่านรับเรื่อง {number} ไว้แล้วค่ะ"


def cannot_now(number: str, status: str) -> str:
    return f"เรื่อง {number} อยู่ในสถานะ \"{status}\" จึงใช้ปุ่มนี้ไม่ได้แล้วค่ะ"


# Prompts for what an action needs
ASK_PROGRESS_NOTE = "เรื่อง {number}: พิมพ์หมายเหตุถึงผู้แจ้งได้ค่ะ (ถ้ามี) หรือกด \"ไม่มีหมายเหตุ\""
NO_NOTE = "ไม่มีหมายเหตุ"
ASK_QUESTION = "เรื่อง {number}: พิมพ์สิ่งที่อยากถามผู้แจ้งได้เลยค่ะ บอทจะส่งให้ผู้แจ้ง และส่งคำตอบกลับมาที่แชตนี้"
ASK_AGENCY = "เรื่อง {number}: ส่งต่อให้หน่วยงานใดคะ เลือกจากรายการ หรือพิมพ์ชื่อหน่วยงาน"
TYPE_AGENCY = "พิมพ์ชื่อหน่วยงานเอง"
ASK_AGENCY_NAME = "พิมพ์ชื่อหน่วยงานที่จะส่งต่อได้เลยค่ะ"
ASK_AGENCY_CONTACT = "พิมพ์ช่องทางติดต่อ{agency}ที่จะแจ้งผู้แจ้ง (เบอร์โทร ที่อยู่ หรือเว็บไซต์) ค่ะ"
ASK_AFTER_PHOTO = (
    "เรื่อง {number}: ส่งรูปหลังแก้ไขอย่างน้อย 1 รูป (สูงสุด {most} รูป) แล้วพิมพ์สรุปสิ่งที่ทำ 1 บรรทัดถึงผู้แจ้งค่ะ\n"
    "ผู้แจ้งจะได้รับรูปและข้อความ และถูกถามว่าแก้ไขเรียบร้อยแล้วหรือไม่"
)
ASK_CLOSE_NOTE = (
    "เรื่อง {number}: พิมพ์สรุปสิ่งที่ทำ 1 บรรทัดถึงผู้แจ้งค่ะ (แนบรูปหลังแก้ไขก่อนได้)\n"
    "ผู้แจ้งจะได้รับข้อความ และถูกถามว่าแก้ไขเรียบร้อยแล้วหรือไม่"
)
NEED_AFTER_PHOTO = "ปัญหาในหมู่บ้านต้องมีรูปหลังแก้ไขอย่างน้อย 1 รูปก่อนค่ะ ส่งรูปมาได้เลย"


def photo_received(count: int, most: int) -> str:
    more = f" ส่งเพิ่มได้อีก {most - count} รูป" if count < most else ""
    return f"ได้รับรูปแล้ว {count} รูปค่ะ{more} แล้วพิมพ์สรุปสิ่งที่ทำ 1 บรรทัดถึงผู้แจ้ง"


TOO_MANY_PHOTOS = "ครบ {most} รูปแล้วค่ะ พิมพ์สรุปสิ่งที่ทำ 1 บรรทัดถึงผู้แจ้งได้เลย"
ASK_REJECT_REASON = "เรื่อง {number}: ไม่รับเรื่องเพราะอะไรคะ เลือกเหตุผล หรือพิมพ์เอง (ผู้แจ้งจะได้รับเหตุผลนี้)"
REJECT_REASONS = (  # (its button, at most 20 characters; what the citizen is told)
    ("นอกอำนาจหน้าที่ อบต.", "ไม่อยู่ในอำนาจหน้าที่ของ อบต."),
    ("ข้อมูลไม่เพียงพอ", "ข้อมูลไม่เพียงพอที่จะดำเนินการ"),
    ("ซ้ำกับเรื่องเดิม", "ซ้ำกับเรื่องที่แจ้งไว้แล้ว"),
    ("นอกพื้นที่ อบต.", "อยู่นอกพื้นที่ของ อบต."),
)
NEED_TEXT = "พิมพ์เป็นข้อความได้เลยค่ะ"
TOO_SHORT = "ข้อความสั้นเกินไปค่ะ กรุณาพิมพ์ให้ผู้แจ้งเข้าใจอีกครั้ง"
STAFF_CANCEL_HINT = "(พิมพ์ \"ยกเลิก\" เพื่อยกเลิก)"

# Done: what the acting chat is told (in a group, with who acted)
DONE = {
    "accept": "✅ {who}รับเรื่อง {number} แล้วค่ะ",
    "progress": "🔧 {who}แจ้งผู้แจ้งว่ากำลังดำเนินการเรื่อง {number} แล้วค่ะ",
    "ask": "📝 {who}ส่งคำถามถึงผู้แจ้งเรื่อง {number} แล้วค่ะ คำตอบจะส่งมาที่แชตนี้",
    "forward": "📤 {who}ส่งต่อเรื่อง {number} ให้{agency}แล้ว และแจ้งผู้แจ้งแล้วค่ะ",
    "close": "✅ {who}ปิดเรื่อง {number} แล้วค่ะ ผู้แจ้งจะถูกถามว่าแก้ไขเรียบร้อยแล้วหรือไม่",
    "reject": "🚫 {who}ไม่รับเรื่อง {number} และแจ้งเหตุผลให้ผู้แจ้งแล้วค่ะ",
}


def who(name: str, in_group: bool) -> str:
    """In a division's group the bot says who acted; in a person's own chat, no name."""
    return f"{name} " if in_group else "ท่าน"


# The card's rows
def due_line(ack_due: str, resolve_due: str) -> str:
    parts = []
    if ack_due:
        parts.append(f"รับเรื่องภายใน {ack_due}")
    if resolve_due:
        parts.append(f"แก้ไขภายใน {resolve_due}")
    return " • ".join(parts)


MY_WORK_WORDS = ("งานของฉัน", "งานของผม", "งานของหนู", "my work")
MY_WORK_NONE = "ตอนนี้ไม่มีเรื่องค้างในความดูแลของท่านค่ะ 👍"
MY_WORK_NOT_STAFF = "คำสั่ง \"งานของฉัน\" ใช้ได้เฉพาะแชตของเจ้าหน้าที่ที่ลงทะเบียนแล้วค่ะ"


def my_work_head(tickets: int, questions: int, more: int, requests: int = 0) -> str:
    parts = []
    if tickets:
        parts.append(f"เรื่องร้องเรียน/แจ้งปัญหา {tickets} เรื่อง")
    if requests:
        parts.append(f"คำร้องออนไลน์ {requests} คำร้อง")
    if questions:
        parts.append(f"คำถามรอตอบ {questions} ข้อ")
    text = "งานที่ค้างอยู่: " + " และ ".join(parts)
    if more:
        text += f" (แสดง 10 เรื่องแรก อีก {more} เรื่องดูได้ในระบบ)"
    return text


def morning_digest_head(date_text: str) -> str:
    return f"☀️ สวัสดีตอนเช้าค่ะ งานที่ค้างอยู่ ณ {date_text}"
