"""What the suggestions and complaints say (measure 7): the form's categories and
questions, the ticket's statuses and the updates pushed to the citizen, the announcements
to staff, and following up ("ติดตามเรื่อง"). Shared wording is in texts.py."""
from __future__ import annotations

from bot.conversation.texts import contact_line
from bot.content.profile import SaoProfile

TICKET_CATEGORIES = {
    "suggestion": ("💡 เสนอแนะ", "ข้อเสนอแนะเพื่อปรับปรุงบริการ"),
    "complaint_service": ("ร้องเรียนการบริการ", "ร้องเรียนการให้บริการ"),
    "complaint_official": ("ร้องเรียนเจ้าหน้าที่", "ร้องเรียนเจ้าหน้าที่"),
    "village": ("🏘️ ปัญหาในหมู่บ้าน", "ปัญหาในหมู่บ้าน"),
    "other": ("เรื่องอื่น ๆ", "เรื่องอื่น ๆ"),
}
VILLAGE_TOPICS = {
    "road": ("🛣️ ถนน ทางชำรุด", "ถนนหรือทางชำรุด"),
    "light": ("💡 ไฟส่องสว่าง", "ไฟฟ้าส่องสว่างดับหรือชำรุด"),
    "water": ("🚰 น้ำประปา", "น้ำประปา"),
    "waste": ("🗑️ ขยะ", "ขยะ"),
    "other": ("อื่น ๆ", "เรื่องอื่นในหมู่บ้าน"),
}


def ticket_intro(p: SaoProfile) -> str:
    return (
        f"แจ้งเรื่อง เสนอแนะ หรือร้องเรียนถึง {p.short_name} ได้ที่นี่ค่ะ "
        "ท่านจะได้เลขที่เรื่องไว้ติดตาม และระบบจะแจ้งความคืบหน้าทาง LINE นี้"
    )


CORRUPTION_SHORTCUT = "แจ้งเบาะแสทุจริต"
CORRUPTION_HINT = "หากเป็นเรื่องทุจริต เช่น เรียกรับเงิน กด \"แจ้งเบาะแสทุจริต\" แทนนะคะ ช่องทางนั้นปกปิดตัวตนผู้แจ้งได้"
CHOOSE_TICKET_CATEGORY = "เรื่องที่ต้องการแจ้งเป็นเรื่องประเภทใดคะ เลือกจากปุ่มด้านล่างได้เลยค่ะ"
CATEGORY_NOT_UNDERSTOOD = "ขออภัยค่ะ ยังไม่เข้าใจประเภทที่พิมพ์มา เลือกจากปุ่มด้านล่าง หรือพิมพ์เล่าปัญหามาได้เลย เช่น \"ไฟถนนหน้าบ้านดับ\""
CHOOSE_VILLAGE_TOPIC = "ปัญหาในหมู่บ้านเรื่องใดคะ"
TICKET_SERVICE_PROMPT = "เรื่องนี้เกี่ยวกับบริการใดคะ เลือกหมวด หรือกด \"ไม่ระบุ\" ถ้าไม่แน่ใจ"
NO_SERVICE_BUTTON = "ไม่ระบุ"


def ticket_description_prompt(category: str) -> str:
    text = (
        "เล่ารายละเอียดได้เลยค่ะ เช่น เกิดอะไรขึ้น ที่ไหน ตั้งแต่เมื่อไร "
        "(พิมพ์ได้ไม่เกิน 1,000 ตัวอักษร)"
    )
    if category == "complaint_official":
        text += "\nกรุณาระบุเท่าที่จำเป็น เช่น ตำแหน่งหรือกองของเจ้าหน้าที่ และวันเวลาที่เกิดเรื่อง"
    return text


def photos_prompt(limit: int) -> str:
    return f"มีรูปถ่ายประกอบไหมคะ ส่งรูปมาได้เลย (สูงสุด {limit} รูป) หรือกด \"ไม่มีรูป\""


NO_PHOTO_BUTTON = "ไม่มีรูป"
PHOTOS_DONE_BUTTON = "เสร็จแล้ว ไปต่อ"
TAKE_PHOTO = "ถ่ายรูป"
PICK_PHOTO = "เลือกรูป"


def photo_received(n: int, limit: int) -> str:
    if n >= limit:
        return f"ได้รับรูปที่ {n} แล้วค่ะ (ครบ {limit} รูป)"
    return f"ได้รับรูปที่ {n} แล้วค่ะ ส่งเพิ่มได้อีก {limit - n} รูป หรือกด \"เสร็จแล้ว ไปต่อ\""


def photos_full(limit: int) -> str:
    return f"รับรูปได้สูงสุด {limit} รูปค่ะ รูปนี้จึงไม่ได้แนบไปด้วย"


ONLY_PHOTOS = "ขั้นตอนนี้รับเฉพาะรูปภาพค่ะ ส่งรูป หรือกดปุ่มด้านล่างเพื่อไปต่อ"
LOCATION_PROMPT = "ขอตำแหน่งที่เกิดเรื่องด้วยค่ะ กด \"ส่งตำแหน่ง\" แล้วเลือกจุดบนแผนที่ หรือกด \"ข้าม\" (ไม่บังคับ)"
SEND_LOCATION = "📍 ส่งตำแหน่ง"
SKIP_BUTTON = "ข้าม"
LOCATION_ONLY = "ขั้นตอนนี้รับตำแหน่งบนแผนที่ค่ะ กด \"ส่งตำแหน่ง\" หรือ \"ข้าม\""
GUESS_RIGHT = "✅ ถูกต้อง แจ้งเรื่องนี้"
GUESS_CHANGE = "✏️ เปลี่ยนประเภท"


def report_guess(excerpt: str, category: str, topic: str, division: str) -> str:
    lines = ["📢 รับแจ้งเรื่องค่ะ", f"“{excerpt}”", f"ประเภท: {category}"]
    if topic:
        lines.append(f"เรื่อง: {topic}")
    lines.append(f"ส่งถึง: {division}")
    lines.append("ถูกต้องไหมคะ กดยืนยัน แล้วแนบรูปหรือตำแหน่งได้ (ไม่บังคับ) ไม่ต้องพิมพ์เรื่องใหม่ค่ะ")
    return "\n".join(lines)


CONFIRM_TICKET = "✅ ยืนยันส่งเรื่อง"
EDIT_TICKET = "✏️ แก้รายละเอียด"
CONFIRM_ASK = "ตรวจสอบแล้วถูกต้อง กด \"ยืนยันส่งเรื่อง\" ได้เลยค่ะ"


def ticket_summary(category: str, topic: str, service: str, description: str, photos: int, location: str) -> str:
    lines = ["📝 สรุปเรื่องที่จะแจ้ง", f"ประเภท: {category}"]
    if topic:
        lines.append(f"เรื่อง: {topic}")
    if service:
        lines.append(f"บริการ: {service}")
    lines.append(f"รายละเอียด: {description}")
    lines.append(f"รูปประกอบ: {photos} รูป" if photos else "รูปประกอบ: ไม่มี")
    lines.append(f"ตำแหน่ง: {location}" if location else "ตำแหน่ง: ไม่ได้ระบุ")
    return "\n".join(lines)


def ticket_created(number: str, division: str, p: SaoProfile) -> str:
    return (
        "ได้รับเรื่องของท่านแล้วค่ะ 🙏\n"
        f"เลขที่เรื่อง: {number}\n"
        f"ผู้รับผิดชอบ: {division}\n"
        "ระบบจะแจ้งความคืบหน้าให้ทราบทาง LINE นี้ค่ะ ดูสถานะได้ทุกเมื่อ พิมพ์ \"ติดตามเรื่อง\""
    )


TICKET_STATUS = {
    "received": "ได้รับเรื่องแล้ว",
    "accepted": "รับเรื่องแล้ว",
    "in_progress": "กำลังดำเนินการ",
    "resolved": "แก้ไขเรียบร้อยแล้ว",
    "forwarded": "ส่งต่อหน่วยงานที่รับผิดชอบ",
    "rejected": "ไม่สามารถดำเนินการได้",
    "reopened": "เปิดเรื่องอีกครั้ง",
}
TICKET_STATUS_EMOJI = {
    "received": "📥",
    "accepted": "📋",
    "in_progress": "🛠️",
    "resolved": "✅",
    "forwarded": "↪️",
    "rejected": "⛔",
    "reopened": "🔁",
}


def ticket_update(number: str, status: str, division: str, note: str = "", agency: str = "", contact: str = "", reason: str = "", p: SaoProfile | None = None) -> str:
    head = f"{TICKET_STATUS_EMOJI.get(status, '')} เรื่องเลขที่ {number}".strip()
    if status == "accepted":
        body = f"{division}รับเรื่องของท่านแล้วค่ะ และจะดำเนินการโดยเร็ว"
    elif status == "in_progress":
        body = f"{division}กำลังดำเนินการเรื่องของท่านค่ะ"
    elif status == "resolved":
        body = f"{division}ดำเนินการแก้ไขเรื่องของท่านเรียบร้อยแล้วค่ะ"
    elif status == "forwarded":
        body = (
            f"เรื่องนี้อยู่ในความรับผิดชอบของ{agency} จึงได้ส่งต่อเรื่องไปแล้วค่ะ"
            + (f"\nติดต่อ{agency}ได้ที่: {contact}" if contact else "")
        )
    elif status == "rejected":
        body = f"ขออภัยค่ะ {division}ไม่สามารถดำเนินการเรื่องนี้ได้ เนื่องจาก{reason}"
        if p is not None:
            body += f"\nหากมีข้อสงสัย {contact_line(p)}"
    elif status == "reopened":
        body = f"เปิดเรื่องอีกครั้งแล้วค่ะ {division}จะติดตามเรื่องนี้ต่อ"
    else:
        body = f"สถานะ: {TICKET_STATUS.get(status, status)}"
    text = f"{head}\n{body}"
    if note:
        text += f"\nหมายเหตุจากเจ้าหน้าที่: {note}"
    return text


def ask_handling_rating(days: int) -> str:
    return (
        "ท่านพึงพอใจการแก้ไขเรื่องนี้ระดับใดคะ กดให้คะแนนได้เลยค่ะ\n"
        f"หากยังไม่ได้รับการแก้ไข กด \"ยังไม่ได้รับการแก้ไข\" ภายใน {days} วัน"
    )


REOPEN_BUTTON = "ยังไม่ได้รับการแก้ไข"
HANDLING_RATING_TITLE = "ให้คะแนนการแก้ไขเรื่อง"
RATED_THANKS = "ขอบคุณสำหรับคะแนนค่ะ 🙏 {sao}จะนำไปปรับปรุงการทำงานต่อไป"
ALREADY_RATED = "ท่านให้คะแนนเรื่องนี้ไปแล้วค่ะ ขอบคุณค่ะ 🙏"
NOT_YOUR_TICKET = "ปุ่มนี้ใช้ได้เฉพาะผู้แจ้งเรื่องนี้ค่ะ"
TICKET_GONE = "ไม่พบเรื่องนี้ในระบบแล้วค่ะ (อาจถูกลบข้อมูลตามคำขอหรือครบกำหนดเก็บรักษา)"
NOT_RESOLVED_YET = "เรื่องนี้ยังไม่ได้ปิดเป็น \"แก้ไขเรียบร้อย\" จึงยังให้คะแนนหรือเปิดเรื่องอีกครั้งไม่ได้ค่ะ สถานะตอนนี้: {status}"


def reopen_too_late(days: int, p: SaoProfile) -> str:
    return f"เรื่องนี้ปิดไปเกิน {days} วันแล้ว จึงเปิดอีกครั้งไม่ได้ค่ะ กรุณาแจ้งเป็นเรื่องใหม่ หรือ {contact_line(p)}"


def reopened_reply(number: str) -> str:
    return f"เปิดเรื่องเลขที่ {number} อีกครั้งแล้วค่ะ 🔁 แจ้งเจ้าหน้าที่ให้ติดตามต่อแล้ว และจะแจ้งความคืบหน้าให้ทราบค่ะ"


# Announcements to staff
def ticket_announcement(number: str, category: str, division: str, excerpt: str, photos: int, has_location: bool, link: str) -> str:
    extras = []
    if photos:
        extras.append(f"รูป {photos} รูป")
    if has_location:
        extras.append("มีตำแหน่ง")
    return (
        f"📢 เรื่องใหม่จากประชาชน {number}\n"
        f"ประเภท: {category}\n"
        f"ผู้รับผิดชอบ: {division}\n"
        f"รายละเอียด: {excerpt}\n"
        + (" • ".join(extras) + "\n" if extras else "")
        + f"ดูและอัปเดตสถานะ: {link}"
    )


def ticket_reopened_announcement(number: str, division: str, link: str) -> str:
    return f"🔁 ประชาชนแจ้งว่าเรื่อง {number} ยังไม่ได้รับการแก้ไข จึงเปิดเรื่องอีกครั้ง ({division})\nดูเรื่อง: {link}"


def ticket_assigned_announcement(number: str, category: str, division: str, from_division: str, excerpt: str, reason: str, link: str) -> str:
    return (
        f"📨 เรื่อง {number} ส่งมาให้{division}ดูแล (เดิม {from_division})\n"
        f"ประเภท: {category}\n"
        f"รายละเอียด: {excerpt}\n"
        + (f"เหตุผลที่ส่งมา: {reason}\n" if reason else "")
        + f"ดูและอัปเดตสถานะ: {link}"
    )


def ticket_reassigned(number: str, division: str) -> str:
    return f"📋 เรื่องเลขที่ {number}\nเรื่องของท่านอยู่ในความดูแลของ{division}แล้วค่ะ ระบบจะแจ้งความคืบหน้าให้ทราบทาง LINE นี้"


# --- following up: "ติดตามเรื่อง" ---------------------------------------------------------


def track_number_not_found(number: str) -> str:
    return f"ไม่พบเรื่องเลขที่ {number} ในรายการที่ท่านแจ้งไว้ค่ะ (ดูได้เฉพาะเรื่องที่แจ้งจาก LINE นี้) ตรวจเลขอีกครั้ง หรือดูรายการของท่านด้านล่างค่ะ"


TRACK_NONE = "ท่านยังไม่มีเรื่องที่แจ้งไว้ค่ะ แจ้งเรื่องใหม่ได้ที่ \"แจ้งเรื่อง ร้องเรียน\""
TRACK_HEAD = "เรื่องของท่าน (ล่าสุด {n} เรื่อง)"
TRACK_QUESTIONS_HEAD = "คำถามถึงเจ้าหน้าที่"


# Closing as fixed: the citizen's word (bot/feedback/ticket_status.py)
FIXED_QUESTION = "แก้ไขเรียบร้อยแล้วใช่ไหมคะ"
FIXED_YES = "✓ เรียบร้อย"
FIXED_NO = "✗ ยังไม่เรียบร้อย"


def ask_fixed(number: str, days: int) -> str:
    return f"เรื่อง {number}\n{FIXED_QUESTION}\n(หากไม่ได้ตอบภายใน {days} วัน จะถือว่าเรียบร้อยค่ะ)"


FIXED_THANKS = "ขอบคุณที่ยืนยันค่ะ 🙏 รบกวนให้คะแนนการแก้ไขเรื่องนี้ด้วยนะคะ"
ASK_NOT_FIXED_REASON = (
    "ขออภัยค่ะ 🙏 ช่วยเล่าสั้น ๆ ว่ายังไม่เรียบร้อยอย่างไร เจ้าหน้าที่จะได้แก้ไขให้ตรงจุดค่ะ\n"
    "(พิมพ์มาได้เลย หรือกด \"ข้าม\")"
)
SKIP_REASON = "ข้าม"
CLOSURE_SETTLED = "เรื่องนี้ได้รับคำตอบของท่านไปแล้วค่ะ ขอบคุณค่ะ 🙏"
CLOSURE_OLD = "ปุ่มนี้เป็นของการปิดเรื่องครั้งก่อนค่ะ สถานะล่าสุดของเรื่องนี้: {status}"


# Staff asking the citizen for more (ขอข้อมูลเพิ่ม)
INFO_ANSWER_BUTTON = "ตอบเจ้าหน้าที่"


def info_question(number: str, division: str, question: str) -> str:
    return (
        f"📝 เจ้าหน้าที่{division}ขอข้อมูลเพิ่มเติมเรื่อง {number} ค่ะ\n"
        f"คำถาม: {question}\n"
        "พิมพ์ตอบหรือส่งรูปมาในแชตนี้ได้เลยค่ะ"
    )


INFO_RECEIVED = "ส่งข้อมูลถึงเจ้าหน้าที่แล้วค่ะ 🙏 ส่งข้อความหรือรูปเพิ่มได้อีก หรือกด \"เสร็จแล้ว\""
INFO_DONE_BUTTON = "เสร็จแล้ว"
INFO_DONE = "ขอบคุณค่ะ เจ้าหน้าที่ได้รับข้อมูลของท่านแล้ว และจะแจ้งความคืบหน้าให้ทราบค่ะ"
INFO_ASK_ANSWER = "พิมพ์คำตอบหรือส่งรูปถึงเจ้าหน้าที่ได้เลยค่ะ (เรื่อง {number})"
INFO_CLOSED = "เรื่อง {number} ปิดไปแล้วค่ะ หากมีข้อมูลเพิ่มเติม แจ้งเป็นเรื่องใหม่ได้เลยค่ะ"
INFO_NEED_TEXT_OR_PHOTO = "ส่งเป็นข้อความหรือรูปภาพได้เลยค่ะ"


def info_for_staff(number: str, answer: str, photos: int, link: str) -> str:
    lines = [f"💬 ผู้แจ้งตอบเรื่อง {number}"]
    if answer:
        lines.append(answer)
    if photos:
        lines.append(f"(ส่งรูปมา {photos} รูป ดูได้ในระบบ)")
    lines.append(f"ดูเรื่อง: {link}")
    return "\n".join(lines)


def not_fixed_reason_announcement(number: str, reason: str, link: str) -> str:
    return f"🔁 เรื่อง {number}: ผู้แจ้งบอกว่ายังไม่เรียบร้อยเพราะ\n{reason}\nดูเรื่อง: {link}"
