"""Everything the reminders say, in one place: digests, answers to their buttons, the plan printout.

Polite Thai as a clerk writes to colleagues (ค่ะ). Dates in B.E. with Thai month names.
"""
from __future__ import annotations

from datetime import date

from bot.common.thaidate import thai_date, thai_date_short, thai_weekday_date

PLAN_TITLE = "มาตรการส่งเสริมคุณธรรมและความโปร่งใส"
ACK_BUTTON = "ส่งรายงานแล้ว"
HELD_BUTTON = "จัดกิจกรรมแล้ว"
DETAIL_BUTTON = "ดูรายละเอียด"
KIND_NAME = {"report": "รายงานผล", "activity": "จัดกิจกรรม", "activity-report": "รายงานผลหลังจัดกิจกรรม"}
ROLE_NAME = {"staff": "เจ้าหน้าที่", "head": "หัวหน้าส่วนราชการ", "admin": "ผู้ดูแลระบบ"}


def when_due(due: date, working_days: int) -> str:
    """How far the due date is, in working days: 'อีก 3 วันทำการ', 'ครบกำหนดวันนี้', 'เลยกำหนด 1 วันทำการ'."""
    if working_days > 0:
        return f"อีก {working_days} วันทำการ"
    if working_days == 0:
        return "ครบกำหนดวันนี้"
    return f"เลยกำหนดมาแล้ว {-working_days} วันทำการ"


def digest_intro(count: int, escalations: int, overdue: int, division: str) -> str:
    head = f"🔔 แจ้งเตือนงานตาม{PLAN_TITLE}"
    if division:
        head += f"\nถึง {division}"
    lines = [head, f"วันนี้มี {count} เรื่องที่ต้องดำเนินการค่ะ"]
    if escalations:
        lines.append(f"⚠️ มี {escalations} เรื่องที่เลยกำหนดและยังไม่ได้รับรายงาน จึงแจ้งหัวหน้าส่วนราชการและผู้ดูแลระบบด้วยค่ะ")
    elif overdue:
        lines.append(f"⏰ มี {overdue} เรื่องที่เลยกำหนดแล้ว กรุณาส่งรายงานโดยเร็วค่ะ")
    return "\n".join(lines)


def digest_line(n: int, measure_number: int | None, label: str, division: str, due: date, how_far: str) -> str:
    measure = f"มาตรการที่ {measure_number} " if measure_number else ""
    return f"{n}. {measure}{label} — {division} ครบกำหนด {thai_date_short(due)} ({how_far})"


def digest_more(count: int) -> str:
    return f"…และอีก {count} เรื่อง ดูได้ในระบบหลังบ้าน"


DIGEST_OUTRO = "เมื่อส่งรายงานแล้ว กดปุ่ม \"ส่งรายงานแล้ว\" ใต้เรื่องนั้น ระบบจะหยุดแจ้งเตือนเรื่องนั้นค่ะ"
ACTIVITY_OUTRO = "เมื่อจัดกิจกรรมแล้ว กดปุ่ม \"จัดกิจกรรมแล้ว\" ระบบจะแจ้งกำหนดส่งรายงานผลให้ค่ะ"


def bubble_due(due: date) -> str:
    return thai_weekday_date(due)


def alt_text(count: int, first_label: str) -> str:
    return f"แจ้งเตือน {count} เรื่อง: {first_label}"


# --- answers to the buttons ------------------------------------------------------------------


def acknowledged(label: str, division: str, late_days: int, when: str) -> str:
    timing = "ตรงตามกำหนด" if late_days <= 0 else f"ช้ากว่ากำหนด {late_days} วันทำการ"
    return (
        f"ขอบคุณค่ะ 🙏 บันทึกแล้วว่า{division}ส่ง{label}เมื่อ {when} ({timing})\n"
        "ระบบจะไม่แจ้งเตือนเรื่องนี้อีกค่ะ"
    )


def already_acknowledged(label: str, division: str, when: str) -> str:
    return f"เรื่องนี้บันทึกไว้แล้วค่ะ: {division}ส่ง{label}เมื่อ {when} ไม่ต้องกดซ้ำค่ะ 😊"


def activity_held(division: str, held: str, report_due: date, within_days: int) -> str:
    return (
        f"ขอบคุณค่ะ 🙏 บันทึกแล้วว่า{division}จัดกิจกรรมเมื่อ {held}\n"
        f"กรุณาส่งรายงานผลภายใน {within_days} วัน คือภายใน{thai_weekday_date(report_due)} "
        "ระบบจะแจ้งเตือนก่อนครบกำหนดค่ะ"
    )


def already_held(division: str, when: str) -> str:
    return f"เรื่องนี้บันทึกไว้แล้วค่ะ: {division}จัดกิจกรรมเมื่อ {when} ไม่ต้องกดซ้ำค่ะ 😊"


NOT_FOR_THIS_CHAT = (
    "ขออภัยค่ะ แชตนี้ไม่ได้ลงทะเบียนรับงานของส่วนราชการนี้ จึงบันทึกให้ไม่ได้ "
    "หากต้องการรับการแจ้งเตือน ขอรหัสลงทะเบียนจากผู้ดูแลระบบ แล้วพิมพ์ \"ลงทะเบียน <รหัส>\" ค่ะ"
)
DEADLINE_GONE = "ขออภัยค่ะ ไม่พบเรื่องนี้ในแผนแล้ว (อาจถูกแก้ไขหรือยกเลิก) จึงไม่ได้บันทึกอะไรค่ะ หากสงสัยสอบถามผู้ดูแลระบบได้เลยค่ะ"
RETIRED = "เรื่องนี้ถูกยกเลิกจากแผนแล้วค่ะ จึงไม่ต้องดำเนินการต่อ หากสงสัยสอบถามผู้ดูแลระบบได้เลยค่ะ"
WRONG_BUTTON = "ปุ่มนี้ใช้กับเรื่องนี้ไม่ได้ค่ะ จึงไม่ได้บันทึกอะไร"


def detail(
    *,
    measure_number: int | None,
    title: str,
    actions: list[str],
    responsible: str,
    period: str,
    follow_up: str,
    division: str,
    label: str,
    report: str,
    due: date,
    status: str,
) -> str:
    lines = [f"📋 มาตรการที่ {measure_number}: {title}" if measure_number else f"📋 {title}"]
    if actions:
        lines.append("วิธีการดำเนินการ:")
        lines += [f"  {i}. {a}" for i, a in enumerate(actions, 1)]
    lines += [
        f"ผู้รับผิดชอบ: {responsible}",
        f"ระยะเวลาดำเนินการ: {period}",
        f"การติดตามผล: {follow_up}",
        "",
        f"เรื่องนี้: {label} ของ{division}",
        f"สิ่งที่ต้องรายงาน: {report}",
        f"ครบกำหนด: {thai_weekday_date(due)}",
        f"สถานะ: {status}",
    ]
    return "\n".join(lines)


STATUS_TEXT = {
    "upcoming": "ยังไม่ถึงกำหนด",
    "reminded": "แจ้งเตือนแล้ว รอรายงาน",
    "on_time": "ส่งรายงานแล้ว ตรงตามกำหนด",
    "late": "ส่งรายงานแล้ว ช้ากว่ากำหนด",
    "missing": "เลยกำหนดแล้ว ยังไม่ได้รับรายงาน",
}


# --- for the admins -------------------------------------------------------------------------


def quota_short(remaining: int, needed: int, deferred: int) -> str:
    return (
        "⚠️ แจ้งผู้ดูแลระบบ: โควตาข้อความ LINE ของเดือนนี้ไม่พอสำหรับการแจ้งเตือนวันนี้ค่ะ\n"
        f"เหลือ {remaining} ข้อความ ต้องใช้ {needed} ข้อความ\n"
        f"ระบบส่งเรื่องที่เลยกำหนดและการแจ้งหัวหน้าก่อน ยังไม่ได้ส่ง {deferred} แชต "
        "จะลองส่งอีกครั้งเมื่อมีโควตา หรือเพิ่มแพ็กเกจข้อความใน LINE Official Account Manager ได้ค่ะ"
    )


# --- the plan printout (python -m scheduler plan) --------------------------------------------


def plan_heading(title: str, fiscal_year: int, start: date, end: date) -> str:
    return f"{title}\nปีงบประมาณ พ.ศ. {fiscal_year} ({thai_date(start)} – {thai_date(end)})"


def moved(nominal: date, due: date, reason: str) -> str:
    return f"(ตามแผน {thai_date_short(nominal)} ตรงกับ{reason} จึงเลื่อนมาเป็นวันทำการก่อนหน้า)"
