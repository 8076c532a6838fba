"""What the satisfaction rating says (measure 5): the aspects asked, the questions and
thanks, and the QR poster's wording. Shared wording is in texts.py."""
from __future__ import annotations

from bot.content.profile import SaoProfile

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
