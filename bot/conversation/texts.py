"""Everything the bot says, in one place, so wording can be reviewed and changed easily.

Polite, plain Thai as a counter clerk would speak (ค่ะ). Functions take the SAO profile
so any SAO's name, phone and hours appear.
"""
from __future__ import annotations

from bot.content.profile import SaoProfile

CANCEL_WORDS = ("ยกเลิก", "ยกเลิกค่ะ", "cancel", "ออก", "เลิก", "พอแล้ว", "ไม่เอาแล้ว")
MENU_WORDS = ("เมนู", "เมนูหลัก", "menu", "สวัสดี", "หวัดดี", "ดีจ้า", "hello", "hi", "เริ่มใหม่", "start")


def contact_line(p: SaoProfile) -> str:
    if p.phone:
        return f"โทร {p.phone} ({p.office_hours})"
    return f"ติดต่อที่สำนักงาน {p.short_name} {p.office_hours}"


def greeting(p: SaoProfile) -> str:
    return (
        f"สวัสดีค่ะ ยินดีต้อนรับสู่ LINE ของ{p.name} 🙏\n"
        f"ช่องทางนี้ใช้สอบถามข้อมูลบริการของ {p.short_name} ดูวิธีติดต่อสำนักงาน "
        "และจัดการข้อมูลส่วนบุคคลของท่านได้ค่ะ\n"
        "แตะปุ่มด้านล่าง หรือพิมพ์ข้อความมาได้เลยค่ะ"
    )


def privacy_short(p: SaoProfile, base_url: str = "") -> str:
    text = (
        f"🔒 {p.short_name}เก็บเฉพาะข้อความที่ท่านส่งมาในแชตนี้ เพื่อให้บริการและตอบกลับท่านเท่านั้น "
        "ท่านขอลบข้อมูลของท่านได้ทุกเมื่อ: พิมพ์ \"ข้อมูลส่วนบุคคล\""
    )
    if base_url:
        text += f"\nอ่านประกาศความเป็นส่วนตัวฉบับเต็ม: {base_url}/privacy"
    return text


def main_menu_prompt(p: SaoProfile) -> str:
    return f"{p.short_name}ยินดีให้บริการค่ะ ต้องการเรื่องใด เลือกจากปุ่มด้านล่างได้เลยค่ะ"


MENU_BUTTON = "เมนูหลัก"
CANCELLED = "ยกเลิกรายการแล้วค่ะ ไม่มีการบันทึกข้อมูลที่ยังกรอกไม่เสร็จ"
TIMED_OUT = "รายการก่อนหน้าหมดเวลาแล้ว เพราะไม่มีการตอบกลับนานเกินไป จึงกลับมาที่เมนูหลักค่ะ"
STALE_BUTTON = "ปุ่มนี้เป็นของรายการก่อนหน้าที่จบไปแล้ว จึงไม่ได้ดำเนินการใด ๆ ค่ะ เลือกเมนูใหม่ได้เลยค่ะ"


def unknown_question(p: SaoProfile) -> str:
    return (
        "ขออภัยค่ะ ตอนนี้บอทยังตอบคำถามนี้เองไม่ได้\n"
        f"สอบถามเจ้าหน้าที่ได้โดยตรงที่ {p.short_name}: {contact_line(p)}"
    )


STICKER_THANKS = "ขอบคุณสำหรับสติกเกอร์ค่ะ 😊 มีเรื่องใดให้ช่วย เลือกจากเมนูได้เลยค่ะ"
MEDIA_KIND = {"image": "รูปภาพ", "video": "วิดีโอ", "audio": "ข้อความเสียง", "file": "ไฟล์"}


def media_not_used(media_type: str, p: SaoProfile) -> str:
    kind = MEDIA_KIND.get(media_type, "ไฟล์")
    return (
        f"ได้รับ{kind}แล้วค่ะ แต่ในแชตนี้บอทยังไม่ได้นำ{kind}ไปใช้ จึงไม่ได้เก็บไว้ดำเนินการ\n"
        f"หากเป็นเรื่องที่ต้องการแจ้ง {contact_line(p)}"
    )


def location_not_used(p: SaoProfile) -> str:
    return f"ได้รับตำแหน่งแล้วค่ะ แต่ตอนนี้บอทยังไม่ได้ใช้ตำแหน่งในแชตนี้\nหากต้องการแจ้งเรื่อง {contact_line(p)}"


# Contact
CONTACT_TITLE = "ติดต่อ"
CONTACT_DONE = "มีเรื่องอื่นให้ช่วยอีกไหมคะ"

# Privacy (PDPA)
def privacy_notice(p: SaoProfile, can_erase: bool) -> str:
    text = (
        f"🔒 การคุ้มครองข้อมูลส่วนบุคคล ({p.short_name})\n"
        "• ข้อมูลที่เก็บ: ข้อความ ปุ่มที่กด และรหัสผู้ใช้ LINE ของท่าน (ไม่เก็บชื่อหรือรูปโปรไฟล์)\n"
        "• เพื่อ: ตอบคำถามและให้บริการตามที่ท่านขอเท่านั้น ไม่นำไปใช้เพื่อการอื่นหรือเปิดเผยต่อบุคคลภายนอก\n"
        "• ระยะเวลา: ลบประวัติแชตที่ไม่ต้องใช้แล้วอัตโนมัติภายใน 90 วัน\n"
        "• สิทธิของท่าน: ขอดู แก้ไข หรือลบข้อมูลได้ตาม พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562"
    )
    if can_erase:
        text += "\n\nหากต้องการลบข้อมูลของท่านออกจากระบบ กด \"ลบข้อมูลของฉัน\" ค่ะ"
    return text


ERASE_BUTTON = "ลบข้อมูลของฉัน"
ERASE_CONFIRM = "ยืนยันลบข้อมูลของท่านทั้งหมดในระบบแชตนี้ใช่ไหมคะ? ลบแล้วกู้คืนไม่ได้"
ERASE_YES = "ยืนยันลบ"
ERASE_NO = "ไม่ลบ"
ERASE_YES_WORDS = ("ใช่", "ยืนยัน", "ยืนยันลบ", "ลบ", "ตกลง", "ok", "โอเค")
ERASE_NO_WORDS = ("ไม่", "ไม่ลบ", "ไม่ใช่", "no")
ERASED = "ลบข้อมูลของท่านเรียบร้อยแล้วค่ะ หากส่งข้อความมาอีก ระบบจะเริ่มเก็บใหม่เพื่อตอบกลับเท่านั้น"
NOT_ERASED = "รับทราบค่ะ ไม่ได้ลบข้อมูลใด ๆ"
ERASE_ASK_AGAIN = "กรุณากด \"ยืนยันลบ\" หรือ \"ไม่ลบ\" ค่ะ (หรือพิมพ์ \"ยกเลิก\")"

# Events outside the conversation
APOLOGY = "ขออภัยค่ะ ระบบขัดข้องชั่วคราว ยังทำรายการนี้ไม่ได้ กรุณาลองใหม่อีกครั้งในอีกสักครู่ค่ะ"


def group_welcome(p: SaoProfile) -> str:
    return (
        f"สวัสดีค่ะ บอทของ {p.short_name}เข้าร่วมกลุ่มแล้ว\n"
        "ในกลุ่ม บอทจะตอบเฉพาะเมื่อมีคนเรียกชื่อหรือแท็กบอทเท่านั้น เพื่อไม่รบกวนการสนทนา\n"
        "กลุ่มของเจ้าหน้าที่ที่จะใช้รับการแจ้งเตือนรายงานตามมาตรการ "
        f"ให้ผู้ดูแลระบบของ {p.short_name}ลงทะเบียนกลุ่มนี้กับกองที่รับผิดชอบในระบบหลังบ้านค่ะ"
    )


# Staff registration (bot/staff/registration.py)
ALL_DIVISIONS = "ทุกส่วนราชการ (ผู้ดูแลระบบ)"
STAFF_ROLE = {"staff": "เจ้าหน้าที่", "head": "หัวหน้าส่วนราชการ", "admin": "ผู้ดูแลระบบ"}
STAFF_CODE_INVALID = (
    "รหัสลงทะเบียนไม่ถูกต้อง หมดอายุ หรือถูกใช้ไปแล้วค่ะ\n"
    "กรุณาตรวจสอบรหัส หรือขอรหัสใหม่จากผู้ดูแลระบบของ อบต. (รหัสหนึ่งใช้ได้ครั้งเดียว)"
)
STAFF_CODE_TOO_MANY = "พิมพ์รหัสไม่ถูกต้องหลายครั้งเกินไปค่ะ กรุณารอ 1 ชั่วโมงแล้วลองใหม่ หรือติดต่อผู้ดูแลระบบ"
STAFF_UNREGISTERED = "ยกเลิกการลงทะเบียนของแชตนี้แล้วค่ะ จะไม่ได้รับการแจ้งเตือนงานของ อบต. อีก"
STAFF_NOT_REGISTERED = "แชตนี้ยังไม่ได้ลงทะเบียนรับการแจ้งเตือนค่ะ"


def staff_registered(division: str, role: str, in_group: bool) -> str:
    who = "กลุ่มนี้" if in_group else "แชตนี้"
    return (
        f"ลงทะเบียนเรียบร้อยแล้วค่ะ 🙏\n"
        f"{who}จะได้รับการแจ้งเตือนของ{division} ในฐานะ{STAFF_ROLE.get(role, role)} "
        "ได้แก่ กำหนดส่งรายงานตามมาตรการ เรื่องร้องเรียน และคำถามจากประชาชน\n"
        "หากต้องการเลิกรับ พิมพ์ \"ยกเลิกลงทะเบียน\""
    )
# Citizen handbook Q&A (bot/conversation/handbook.py)
HANDBOOK_MENU = "คู่มือประชาชน"
HANDBOOK_CHOOSE = "หมายถึงเรื่องไหนคะ"
HANDBOOK_NONE_OF_THESE = "ไม่ใช่ทั้งหมด"
HANDBOOK_ASK_FEEDBACK = "คำตอบนี้ตรงกับที่ถามไหมคะ"
HANDBOOK_YES = "👍 ตรง"
HANDBOOK_RATE_SERVICE = "ประเมินบริการนี้"
REQUEST_ONLINE = "📝 ยื่นคำร้องออนไลน์"
HANDBOOK_NO = "👎 ไม่ตรง"
HANDBOOK_FULL_PAGE = "เปิดคู่มือฉบับเต็ม"
HANDBOOK_THANKS_UP = "ขอบคุณค่ะ 😊 ถามเรื่องอื่นต่อได้เลยค่ะ"
HANDBOOK_ALREADY_RATED = "ได้รับความเห็นของท่านสำหรับคำตอบนี้แล้วค่ะ ขอบคุณค่ะ"
HANDBOOK_RATING_GONE = "คำตอบนั้นเก่าแล้ว ระบบจึงไม่ได้บันทึกความเห็นค่ะ ถามใหม่ได้เลยค่ะ"
HANDBOOK_SEND_STAFF = "ส่งให้เจ้าหน้าที่"
HANDBOOK_NO_STAFF = "ไม่ต้องค่ะ"
HANDBOOK_STAFF_DECLINED = "รับทราบค่ะ ถามเรื่องอื่นต่อได้เลยนะคะ"
HANDBOOK_SECTION_HEADS = "ดูหัวข้ออื่นของเรื่องนี้"


def handbook_welcome(p: SaoProfile) -> str:
    return (
        f"📘 คู่มือประชาชนของ {p.short_name}\n"
        "พิมพ์ถามได้เลยค่ะ เช่น \"เบี้ยคนแก่ใช้เอกสารอะไร\" \"ภาษีที่ดินจ่ายที่ไหน\" "
        "\"ขออนุญาตสร้างบ้านกี่วัน\"\nหรือเลือกเรื่องที่ถามบ่อยด้านล่างค่ะ"
    )


def handbook_unknown(p: SaoProfile) -> str:
    return (
        "ขออภัยค่ะ เรื่องนี้บอทยังไม่ทราบคำตอบ และไม่อยากตอบผิดให้ท่านเสียเวลา 🙏\n"
        f"ต้องการให้ส่งคำถามนี้ต่อให้เจ้าหน้าที่ของ {p.short_name} ไหมคะ\n"
        f"หรือสอบถามได้โดยตรง: {contact_line(p)}"
    )


def handbook_outside(title: str, where: str, p: SaoProfile) -> str:
    return (
        f"เรื่อง{title} ไม่ใช่งานที่ {p.short_name} ให้บริการค่ะ\n"
        f"ติดต่อได้ที่: {where}\n"
        f"หากมีเรื่องที่ {p.short_name} ช่วยได้ ถามต่อได้เลยค่ะ"
    )


def handbook_thanks_down(p: SaoProfile) -> str:
    return (
        "ขอบคุณที่บอกค่ะ จะส่งคำถามนี้ให้ผู้ดูแลนำไปปรับปรุงคำตอบ\n"
        f"ต้องการให้เจ้าหน้าที่ของ {p.short_name} ตอบคำถามนี้ให้ไหมคะ"
    )




def handbook_choose(titles: list[str]) -> str:
    lines = [f"{n}. {title}" for n, title in enumerate(titles, 1)]
    return HANDBOOK_CHOOSE + "\n" + "\n".join(lines)


# Free text understood (bot/conversation/router.py)
TALK_TO_STAFF = "คุยกับเจ้าหน้าที่"
SEND_REQUEST = "📨 ส่งคำขอถึงเจ้าหน้าที่"
CANCEL_BUTTON_LABEL = "ยกเลิก"
LEAVE_FLOW = "ออกจากรายการนี้"
RESUME_BUTTON = "▶️ ทำต่อจากเดิม"
RESUMED = "กลับมาทำต่อจากเดิมค่ะ ข้อมูลที่ให้ไว้ยังอยู่ครบ"
SECOND_REQUEST_NOTE = "อีกเรื่องที่ถามมา แตะปุ่มด้านล่างได้เลยค่ะ"
SMALLTALK_ANNOYED_ASIDE = "ขออภัยที่บอทยังตอบได้ไม่ตรงใจนะคะ 🙏"
SMALLTALK_ANNOYED = (
    "ขออภัยที่บอทยังตอบได้ไม่ตรงใจนะคะ 🙏 บอทยังเรียนรู้อยู่\n"
    "เลือกเรื่องจากเมนู หรือให้เจ้าหน้าที่ช่วยตอบแทนได้เลยค่ะ"
)
# A question about a service, as a quick reply types it: the reader reads it back as the same section.
SECTION_QUESTIONS = {
    "overview": "คืออะไร",
    "eligibility": "ใครมีสิทธิ์ขอได้บ้าง",
    "documents": "ใช้เอกสารอะไรบ้าง",
    "fees": "ค่าธรรมเนียมเท่าไหร่",
    "duration": "ใช้เวลากี่วัน",
    "steps": "มีขั้นตอนยังไง",
    "channels": "ยื่นที่ไหน",
}
REPORT_INSTEAD = "📢 แจ้งเป็นปัญหา"  # beside an answer: "it is a problem to fix" (≤ 20 characters)

SECOND_REQUEST_LABELS = {
    "question": "❓ ถามเรื่องที่สอง",
    "report_problem": "📢 แจ้งปัญหานี้",
    "track": "🔎 ติดตามเรื่อง",
    "human": "👩‍💼 ถามเจ้าหน้าที่",
    "corruption": "🛡️ แจ้งเบาะแส",
    "out_of_scope": "❓ ถามเรื่องที่สอง",
}


def smalltalk_reply(kind: str, p: SaoProfile) -> str:
    replies = {
        "thanks": "ยินดีค่ะ 😊 มีเรื่องใดให้ช่วยอีก พิมพ์มาได้เลยนะคะ",
        "greeting": f"สวัสดีค่ะ 😊 {p.short_name}ยินดีให้บริการค่ะ",
        "blessing": "ขอบพระคุณค่ะ 🙏 ขอให้ท่านและครอบครัวมีความสุขเช่นกันนะคะ",
        "praise": f"ขอบคุณมากค่ะ 😊 {p.short_name}ยินดีให้บริการค่ะ",
        "laugh": "😊 มีเรื่องใดให้ช่วยไหมคะ พิมพ์ถามหรือเลือกจากเมนูได้เลยค่ะ",
        "test": f"ระบบตอบได้ตามปกติค่ะ ✅ พิมพ์ถามเรื่องบริการของ {p.short_name} หรือแจ้งเรื่องได้เลยค่ะ",
        "bye": f"ขอบคุณที่ติดต่อ {p.short_name} ค่ะ 🙏 มีเรื่องใดทักมาได้ทุกเมื่อนะคะ",
        "emoji": "😊 มีเรื่องใดให้ช่วยไหมคะ พิมพ์ถามหรือเลือกจากเมนูได้เลยค่ะ",
    }
    return replies.get(kind, "รับทราบค่ะ 😊 มีเรื่องใดให้ช่วยอีก พิมพ์มาได้เลยนะคะ")


def not_the_saos(p: SaoProfile) -> str:
    return (
        f"เรื่องนี้ไม่ใช่งานที่ {p.short_name} ให้บริการค่ะ จึงตอบให้ไม่ได้ 🙏\n"
        f"หากมีเรื่องบริการของ {p.short_name} แจ้งปัญหาในหมู่บ้าน หรือต้องการคุยกับเจ้าหน้าที่ เลือกจากเมนูได้เลยค่ะ"
    )


def request_next_step(division: str) -> str:
    return (
        f"ต้องการให้{division}ดำเนินการให้ ส่งคำขอถึงเจ้าหน้าที่ได้เลยค่ะ "
        "เจ้าหน้าที่จะติดต่อกลับทาง LINE นี้ (หรือยื่นเองตามขั้นตอนด้านบน)"
    )


def back_to_flow(flow_title: str) -> str:
    return f"ตอนนี้ท่านทำเรื่อง \"{flow_title}\" ค้างอยู่ค่ะ จะทำต่อ หรือออกจากรายการนี้คะ"


def aside_offer(offer: str, flow_title: str) -> str:
    return (
        f"ดูเหมือนเป็นอีกเรื่องหนึ่งค่ะ ตอนนี้ท่านทำเรื่อง \"{flow_title}\" ค้างอยู่\n"
        f"กด \"{offer}\" เพื่อไปเรื่องใหม่ (รายการเดิมจะไม่ถูกบันทึก) หรือกด \"ทำต่อจากเดิม\" ค่ะ"
    )


def left_flow(flow_title: str) -> str:
    return f"ออกจากเรื่อง \"{flow_title}\" แล้วค่ะ ไม่มีการบันทึกข้อมูลที่ยังกรอกไม่เสร็จ มีเรื่องใดให้ช่วยอีกคะ"


def way_out(flow_title: str) -> str:
    return (
        f"ขออภัยค่ะ บอทยังไม่เข้าใจคำตอบสำหรับขั้นตอนนี้ของเรื่อง \"{flow_title}\"\n"
        "เลือกทางด้านล่างได้เลยค่ะ: ทำต่อจากเดิม กลับเมนูหลัก ให้เจ้าหน้าที่ช่วย หรือยกเลิก"
    )


# What an effect answers, for plain-text views of a reply (`python -m bot ask`, the console's test box).
EFFECT_REPLIES = {
    "feedback-track": "(แสดงรายการเรื่องที่ท่านแจ้งไว้และสถานะล่าสุด)",
    "feedback-track-number": "(แสดงสถานะของเรื่องเลขที่ที่พิมพ์มา เฉพาะเรื่องที่แจ้งจาก LINE นี้)",
}
