"""What the LINE consultations (ร่วมแสดงความเห็น) say to citizens."""
from __future__ import annotations

from datetime import date

from bot.common.thaidate import thai_date
from bot.content.profile import SaoProfile

MENU_LABEL = "ร่วมแสดงความเห็น"
ENTRY_WORDS = ("ร่วมแสดงความเห็น", "ประชาพิจารณ์", "แสดงความเห็น", "รับฟังความเห็น", "รับฟังความคิดเห็น")
OPT_IN_WORDS = "รับข่าวการรับฟังความเห็น"
OPT_OUT_WORDS = "เลิกรับข่าว"
NO_COMMENT_BUTTON = "ไม่มี ข้ามไป"
NOT_SAID_BUTTON = "ไม่ระบุหมู่บ้าน"
CONFIRM_BUTTON = "ยืนยัน ส่งความเห็น"
AGAIN_BUTTON = "เริ่มตอบใหม่"
CANCEL_BUTTON = "ยกเลิก"
COMMENT_MAX = 500

NONE_OPEN = "ขณะนี้ยังไม่มีเรื่องที่ อบต. เปิดรับฟังความเห็นทาง LINE ค่ะ"
OPT_IN_HINT = f"หากต้องการให้บอทแจ้งเมื่อมีเรื่องใหม่ พิมพ์ \"{OPT_IN_WORDS}\" ได้เลยค่ะ (เลิกรับได้ทุกเมื่อด้วยคำว่า \"{OPT_OUT_WORDS}\")"
PICK = "เรื่องที่เปิดรับฟังความเห็นอยู่ในขณะนี้ เลือกเรื่องที่ต้องการแสดงความเห็นได้เลยค่ะ"
PICK_AGAIN = "กรุณาเลือกเรื่องจากปุ่มด้านล่างค่ะ"
NOT_FOUND = "ไม่พบเรื่องที่เปิดรับฟังความเห็นหมายเลขนี้ค่ะ"
CLOSED = "เรื่องนี้ปิดรับฟังความเห็นแล้วค่ะ ขอบคุณที่สนใจ ผลสรุปจะเผยแพร่ที่หน้าความโปร่งใสของ อบต. ค่ะ"
ALREADY = ("ท่านได้ร่วมแสดงความเห็นในเรื่องนี้แล้วค่ะ ขอบคุณมากค่ะ 🙏 "
           "แต่ละท่านตอบได้ครั้งเดียว ความเห็นที่ส่งแล้วจึงแก้ไขไม่ได้")
PICK_CHOICE = "กรุณาเลือกคำตอบจากปุ่มด้านล่าง หรือพิมพ์หมายเลขของคำตอบค่ะ"
PICK_VILLAGE = "กรุณาเลือกหมู่บ้านจากปุ่มด้านล่างค่ะ"
NEED_COMMENT = "กรุณาพิมพ์ความเห็นเป็นข้อความค่ะ"
CONFIRM_AGAIN = "กรุณากด \"ยืนยัน ส่งความเห็น\" หรือ \"ยกเลิก\" ค่ะ"
EARLIER = "ปุ่มนั้นเป็นของคำถามก่อนหน้าค่ะ ตอบคำถามล่าสุดด้านล่างได้เลยค่ะ"
OPTED_IN = ("บันทึกแล้วค่ะ เมื่อ อบต. เปิดรับฟังความเห็นเรื่องใหม่ บอทจะแจ้งท่านทาง LINE "
            f"เลิกรับได้ทุกเมื่อโดยพิมพ์ \"{OPT_OUT_WORDS}\"")
ALREADY_IN = f"ท่านรับข่าวการรับฟังความเห็นอยู่แล้วค่ะ (เลิกรับได้โดยพิมพ์ \"{OPT_OUT_WORDS}\")"
OPTED_OUT = f"ยกเลิกการรับข่าวการรับฟังความเห็นแล้วค่ะ รับใหม่ได้ทุกเมื่อโดยพิมพ์ \"{OPT_IN_WORDS}\""
NOT_IN = f"ท่านยังไม่ได้รับข่าวการรับฟังความเห็นค่ะ (รับได้โดยพิมพ์ \"{OPT_IN_WORDS}\")"


def intro(p: SaoProfile) -> str:
    return (f"{p.short_name} ขอรับฟังความเห็นของท่านค่ะ ตอบได้คนละครั้ง ไม่มีการระบุชื่อผู้ตอบ "
            "ผลสรุปเป็นตัวเลขจะเผยแพร่หลังปิดรับฟังความเห็น")


def question(text: str, choices: tuple[str, ...], closes_on: date) -> str:
    lines = [f"📝 {text}"]
    lines += [f"{i}. {choice}" for i, choice in enumerate(choices, 1)]
    lines.append(f"(รับฟังความเห็นถึง {thai_date(closes_on)})")
    return "\n".join(lines)


def ask_comment(optional: bool) -> str:
    if optional:
        return f"มีความเห็นหรือข้อเสนอแนะเพิ่มเติมไหมคะ พิมพ์มาได้เลย (ไม่เกิน {COMMENT_MAX} ตัวอักษร) หรือกด \"{NO_COMMENT_BUTTON}\""
    return f"พิมพ์ความเห็นของท่านได้เลยค่ะ (ไม่เกิน {COMMENT_MAX} ตัวอักษร)"


ASK_VILLAGE = "ท่านอยู่หมู่บ้านใดคะ (ใช้นับจำนวนผู้ร่วมแสดงความเห็นรายหมู่บ้านเท่านั้น)"


def summary(question_text: str, choice: str, comment: str, village: str) -> str:
    lines = [f"สรุปความเห็นของท่าน\nเรื่อง: {question_text}"]
    if choice:
        lines.append(f"คำตอบ: {choice}")
    if comment:
        lines.append(f"ความเห็น: {comment}")
    if village:
        lines.append(f"หมู่บ้าน: {village}")
    lines.append("ส่งแล้วแก้ไขไม่ได้ ยืนยันส่งไหมคะ")
    return "\n".join(lines)


THANKS = "ได้รับความเห็นของท่านแล้วค่ะ ขอบคุณที่ร่วมแสดงความเห็น 🙏 ผลสรุปจะเผยแพร่เมื่อปิดรับฟังความเห็นค่ะ"


def announcement(p: SaoProfile, text: str, closes_on: date) -> str:
    return (f"📢 {p.short_name} เปิดรับฟังความเห็นเรื่องใหม่ค่ะ\n\n{text}\n\n"
            f"ร่วมแสดงความเห็นได้ถึง {thai_date(closes_on)} กดปุ่มด้านล่างได้เลยค่ะ\n"
            f"(เลิกรับข่าวนี้ได้โดยพิมพ์ \"{OPT_OUT_WORDS}\")")


def typed_entry(consultation_id: int) -> str:
    """What a QR poster's deep link or the announcement's button types."""
    return f"{MENU_LABEL} {consultation_id}"
