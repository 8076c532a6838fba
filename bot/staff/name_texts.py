"""What the bot says when staff give their name and position, and name their group
(bot/staff/names.py)."""
from __future__ import annotations

USE_LINE_NAME = "ใช้ชื่อ LINE ของฉัน"
NO_POSITION = "ไม่ระบุตำแหน่ง"
MY_NAME_COMMAND = "ชื่อของฉัน"
GROUP_NAME_COMMAND = "ตั้งชื่อกลุ่ม"

# PDPA: why the name is kept, said where it is asked.
WHY_NAME = (
    "อบต. บันทึกชื่อและตำแหน่งไว้ เพื่อให้เรื่องของประชาชนและบันทึกของ อบต. แสดงว่าเจ้าหน้าที่ท่านใดเป็นผู้ดูแล "
    "(ใช้ภายใน อบต. เท่านั้น ขอลบได้ทางแชตส่วนตัวกับบอท ที่เมนู \"ข้อมูลส่วนบุคคล\")"
)


def ask_name(in_group: bool) -> str:
    untagged = " (พิมพ์ได้เลยโดยไม่ต้องแท็กบอท)" if in_group else ""
    return (
        f"ขอทราบชื่อ-นามสกุลของท่านด้วยค่ะ เช่น \"สมใจ ใจดี\"{untagged}\n"
        f"หรือกด \"{USE_LINE_NAME}\" หากยินยอมให้ใช้ชื่อที่แสดงใน LINE ของท่านค่ะ\n\n{WHY_NAME}"
    )


ASK_POSITION = f"ตำแหน่งของท่านคืออะไรคะ เช่น \"นายช่างโยธา\" หรือกด \"{NO_POSITION}\""
LINE_NAME_AGREED = "ได้ค่ะ ระบบจะใช้ชื่อที่แสดงใน LINE ของท่าน"


def name_saved(name: str | None, position: str | None) -> str:
    who = f"\"{name}\"" if name else "ชื่อที่แสดงใน LINE ของท่าน"
    where = f" ตำแหน่ง {position}" if position else ""
    return (
        f"บันทึกแล้วค่ะ ระบบจะแสดงท่านเป็น {who}{where} ในเรื่องที่ท่านดูแล\n"
        f"แก้ไขได้ทุกเมื่อโดยพิมพ์ \"{MY_NAME_COMMAND}\" ค่ะ"
    )


def ask_group_name(suggestion: str) -> str:
    return (
        f"ขอตั้งชื่อกลุ่มนี้ด้วยค่ะ เช่น \"{suggestion}\" ระบบจัดการของ อบต. จะแสดงชื่อนี้แทนรหัสกลุ่ม LINE\n"
        "ผู้ลงทะเบียนพิมพ์ชื่อกลุ่มได้เลยโดยไม่ต้องแท็กบอท"
    )


def group_named(name: str) -> str:
    return f"ตั้งชื่อกลุ่มนี้ว่า \"{name}\" แล้วค่ะ เปลี่ยนได้โดยพิมพ์ \"{GROUP_NAME_COMMAND}\""


def known_as(name: str) -> str:
    return f"ในระบบ ท่านชื่อ {name} ค่ะ (แก้ไขได้โดยพิมพ์ \"{MY_NAME_COMMAND}\")"


NOT_STAFF = "คำสั่งนี้สำหรับเจ้าหน้าที่ที่ลงทะเบียนกับบอทแล้วค่ะ"
GROUP_ONLY = "ตั้งชื่อได้เฉพาะกลุ่ม LINE ที่ลงทะเบียนแล้วค่ะ"
NOT_NAMED_YET = f"ท่านยังไม่ได้บันทึกชื่อ พิมพ์ \"{MY_NAME_COMMAND}\" เพื่อให้บันทึกของ อบต. แสดงชื่อท่านค่ะ"
LINE_NAME_UNAVAILABLE = (
    f"ขออภัยค่ะ ระบบอ่านชื่อ LINE ของท่านไม่ได้ กรุณาพิมพ์ \"{MY_NAME_COMMAND}\" แล้วพิมพ์ชื่อ-นามสกุลของท่านค่ะ"
)
