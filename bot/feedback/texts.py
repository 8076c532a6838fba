"""Everything the feedback flows say, in one place (the spine's wording is in
bot/conversation/texts.py). Polite Thai as a female counter clerk speaks (ค่ะ/คะ)."""
from __future__ import annotations

from bot.conversation.texts import contact_line
from bot.content.profile import SaoProfile

# --- shared -------------------------------------------------------------------------------


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

# --- satisfaction (measure 5) --------------------------------------------------------------

SCALE = {5: "มากที่สุด", 4: "มาก", 3: "ปานกลาง", 2: "น้อย", 1: "น้อยที่สุด"}
SCALE_EMOJI = {5: "😍", 4: "🙂", 3: "😐", 2: "🙁", 1: "😞"}
ASPECTS = (
    ("process", "ด้านขั้นตอนและระยะเวลาการให้บริการ"),
    ("staff", "ด้านเจ้าหน้าที่ผู้ให้บริการ"),
    ("facilities", "ด้านสิ่งอำนวยความสะดวก (สถานที่ ที่นั่งรอ ห้องน้ำ)"),
    ("information", "ด้านการให้ข้อมูลและคำแนะนำ"),
    ("overall", "ความพึงพอใจโดยรวม"),
)
ASPECT_SHORT = {
    "process": "ขั้นตอนและระยะเวลา",
    "staff": "เจ้าหน้าที่",
    "facilities": "สิ่งอำนวยความสะดวก",
    "information": "การให้ข้อมูล",
    "overall": "โดยรวม",
}


def satisfaction_intro(p: SaoProfile) -> str:
    return (
        f"ประเมินความพึงพอใจการให้บริการของ {p.short_name} ค่ะ ใช้เวลาไม่ถึง 1 นาที "
        "และไม่มีการระบุชื่อผู้ประเมินในรายงาน"
    )


CHOOSE_CATEGORY = "ท่านมาใช้บริการเรื่องใดคะ เลือกหมวดก่อนค่ะ (หรือพิมพ์ชื่อบริการก็ได้)"


def choose_service(category: str) -> str:
    return f"หมวด{category}: เลือกบริการที่ท่านได้รับค่ะ"


OTHER_CATEGORIES = "← หมวดอื่น"
SERVICE_NOT_FOUND = "ขออภัยค่ะ ไม่พบบริการที่พิมพ์มา กรุณาเลือกจากปุ่มด้านล่างนะคะ"


def service_chosen(title: str) -> str:
    return f"บริการ: {title}"


def rate_question(n: int, total: int, aspect_key: str) -> str:
    label = dict(ASPECTS)[aspect_key]
    if aspect_key == "overall":
        return f"ข้อ {n}/{total} โดยรวมแล้ว ท่านพึงพอใจการให้บริการครั้งนี้ระดับใดคะ"
    return f"ข้อ {n}/{total} {label} ท่านพึงพอใจระดับใดคะ"


PICK_A_LEVEL = "กรุณาเลือกระดับความพึงพอใจจากปุ่มด้านล่างค่ะ (หรือพิมพ์ตัวเลข 1–5 โดย 5 คือมากที่สุด)"
COMMENT_PROMPT = (
    "มีข้อเสนอแนะเพิ่มเติมไหมคะ พิมพ์มาได้เลย (ไม่เกิน 500 ตัวอักษร) "
    "หรือกด \"ไม่มี ส่งเลย\" เพื่อส่งแบบประเมินค่ะ"
)
NO_COMMENT_BUTTON = "ไม่มี ส่งเลย"


def rating_thanks(service: str, p: SaoProfile, replaced: bool) -> str:
    text = (
        f"ขอบคุณที่ประเมินบริการ \"{service}\" ค่ะ 🙏\n"
        f"ความเห็นของท่านช่วยให้ {p.short_name} ปรับปรุงบริการให้ดีขึ้น "
        "(รายงานผลไม่มีการระบุชื่อผู้ประเมิน)"
    )
    if replaced:
        text += "\nการประเมินนี้แทนที่การประเมินบริการเดียวกันที่ท่านส่งไว้ก่อนหน้าในวันนี้ค่ะ"
    return text


QR_UNKNOWN_SERVICE = "ขออภัยค่ะ ไม่พบบริการตามรหัสบนป้าย QR นี้ (ป้ายอาจเป็นรุ่นเก่า) กรุณาเลือกบริการจากรายการค่ะ"
POSTER_TITLE = "ประเมินความพึงพอใจการให้บริการ"
POSTER_STEPS = (
    "1. สแกน QR ด้วยกล้องมือถือหรือแอป LINE",
    "2. กด \"ส่ง\" ข้อความที่ขึ้นมาในแชต",
    "3. เลือกระดับความพึงพอใจ 5 ข้อ ใช้เวลาไม่ถึง 1 นาที",
)
POSTER_FOOTER = "ไม่ต้องระบุชื่อ • ความเห็นของท่านช่วยพัฒนาบริการ"


def deep_link_text(service_id: str) -> str:
    """What a QR poster prefills in the chat; recognised by the satisfaction command.
    Short on purpose: Thai in a link takes 9 bytes a letter, and a shorter link makes a
    coarser QR code that phones read easily from a printed poster."""
    return f"ประเมินบริการ [{service_id}]"


# --- tickets: suggestions and complaints (measure 7) ---------------------------------------

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


NO_RECIPIENTS_NOTE = "(ส่งถึงผู้ดูแลระบบ เพราะ{division}ยังไม่ได้ลงทะเบียนรับแจ้งเตือนทาง LINE)"

# --- following up: "ติดตามเรื่อง" ---------------------------------------------------------

def track_number_not_found(number: str) -> str:
    return f"ไม่พบเรื่องเลขที่ {number} ในรายการที่ท่านแจ้งไว้ค่ะ (ดูได้เฉพาะเรื่องที่แจ้งจาก LINE นี้) ตรวจเลขอีกครั้ง หรือดูรายการของท่านด้านล่างค่ะ"


TRACK_NONE = "ท่านยังไม่มีเรื่องที่แจ้งไว้ค่ะ แจ้งเรื่องใหม่ได้ที่ \"แจ้งเรื่อง ร้องเรียน\""
TRACK_HEAD = "เรื่องของท่าน (ล่าสุด {n} เรื่อง)"
TRACK_QUESTIONS_HEAD = "คำถามถึงเจ้าหน้าที่"
QUESTION_STATUS = {"open": "รอเจ้าหน้าที่ตอบ", "answered": "ตอบแล้ว"}

# --- questions for staff (measure 6) -------------------------------------------------------


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
        f"ตอบทาง LINE: กด \"ตอบ\" แล้วพิมพ์คำตอบ หรือพิมพ์ \"ตอบคำถาม {qid} <คำตอบ>\"\n"
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


def staff_answer_prompt(qid: int, question: str, in_group: bool, bot_name: str) -> str:
    text = f"คำถามหมายเลข {qid}:\n{question}\n\nพิมพ์คำตอบที่จะส่งถึงประชาชนได้เลยค่ะ"
    if in_group:
        text += f" (ในกลุ่ม กรุณาขึ้นต้นด้วย \"{bot_name}\" หรือแท็กบอท)"
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


# --- corruption reports (ITA indicator 10) -------------------------------------------------


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
