"""What citizens and staff read about appointments at the office (bot/eservice/appointments.py)."""
from __future__ import annotations

from datetime import date

from bot.common.thaidate import thai_weekday_date

WEEKDAYS = ("จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส.", "อา.")
MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
STATUS = {"booked": "นัดไว้", "attended": "มาตามนัด", "missed": "ไม่มาตามนัด", "cancelled": "ยกเลิกแล้ว", "moved": "เลื่อนแล้ว"}

BOOK_BUTTON = "📅 เลือกวันนัด"
MOVE_BUTTON = "เลื่อนนัด"
CANCEL_BUTTON = "ยกเลิกนัด"
OTHER_DAY = "เลือกวันอื่น"
YES_CANCEL = "ยืนยันยกเลิกนัด"
KEEP = "ไม่ยกเลิก"

MINE_WORDS = ("นัดของฉัน", "นัดหมายของฉัน", "ดูนัด", "เลื่อนนัด", "ยกเลิกนัด")
TODAY_WORDS = ("นัดหมายวันนี้", "นัดวันนี้")

NOT_YOURS = "ปุ่มนี้ใช้ได้เฉพาะผู้ยื่นคำร้องนี้ค่ะ"
GONE = "ไม่พบคำร้องหรือนัดหมายนี้ในระบบแล้วค่ะ"
NO_APPOINTMENT = "บริการนี้ไม่ต้องนัดวันที่ อบต. ค่ะ"
PRIVATE_ONLY = "การนัดหมายทำได้ในแชตส่วนตัวกับ อบต. เท่านั้นค่ะ"
NO_DAYS = "ขออภัยค่ะ ช่วงนี้คิวนัดเต็มทุกวัน กรุณาลองใหม่ในวันถัดไป หรือติดต่อ อบต. โดยตรงค่ะ"
CHOOSE_FROM_LIST = "กรุณาเลือกจากปุ่มด้านล่างค่ะ"
KEPT = "นัดเดิมของท่านยังอยู่ค่ะ ไม่ได้ยกเลิก"
NONE_BOOKED = "ท่านยังไม่มีนัดหมายที่ อบต. ค่ะ"
STAFF_ONLY = "คำสั่งนี้ใช้ได้เฉพาะแชตของเจ้าหน้าที่ที่ลงทะเบียนแล้วค่ะ"


def day_label(day: date) -> str:
    """อ. 8 ธ.ค. — short enough for a quick-reply button."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def when(day: date, slot: str) -> str:
    return f"{thai_weekday_date(day)} เวลา {slot} น."


def request_closed(number: str, status: str) -> str:
    return f"คำร้อง {number} {status} จึงนัดหมายไม่ได้แล้วค่ะ"


def already_booked(day: date, slot: str) -> str:
    return f"คำร้องนี้มีนัดอยู่แล้ว {when(day, slot)} ค่ะ หากต้องการเปลี่ยน กดปุ่ม \"เลื่อนนัด\""


def choose_day(title: str, number: str, moving: bool) -> str:
    head = "เลือกวันใหม่ที่สะดวกค่ะ" if moving else "เลือกวันที่สะดวกมาที่ อบต. ค่ะ"
    return f"📅 {title} (คำร้อง {number})\n{head} (แสดงเฉพาะวันทำการที่ยังมีคิวว่าง)"


def choose_slot(day: date, free: list[tuple[str, int]]) -> str:
    lines = [f"{thai_weekday_date(day)} มีเวลาว่างดังนี้ค่ะ"]
    lines += [f"• {slot} น. (ว่าง {left} ที่)" for slot, left in free]
    return "\n".join(lines) + "\nเลือกเวลาที่สะดวกได้เลยค่ะ"


def slot_button(slot: str, left: int) -> str:
    return f"{slot} น. (ว่าง {left})"


def day_not_open(day: date, why: str) -> str:
    return f"{thai_weekday_date(day)} {why} จึงนัดไม่ได้ค่ะ กรุณาเลือกวันอื่น"


def day_out_of_range(last: date) -> str:
    return f"นัดได้ตั้งแต่พรุ่งนี้ถึง{thai_weekday_date(last)}ค่ะ กรุณาเลือกวันในช่วงนี้"


def day_full(day: date) -> str:
    return f"ขออภัยค่ะ {thai_weekday_date(day)} คิวเต็มแล้ว กรุณาเลือกวันอื่น"


def slot_taken(day: date, slot: str) -> str:
    return f"ขออภัยค่ะ เวลา {slot} น. ของ{thai_weekday_date(day)} เพิ่งมีผู้จองเต็มพอดี กรุณาเลือกเวลาอื่นค่ะ"


def booked(moved: bool) -> str:
    return "✅ เลื่อนนัดให้แล้วค่ะ" if moved else "✅ บันทึกนัดหมายแล้วค่ะ"


def confirmation_rows(number: str, title: str, day: date, slot: str, place: str, documents: list[str]) -> list[tuple[str, str]]:
    bring = "\n".join(f"• {d}" for d in documents) or "บัตรประจำตัวประชาชน"
    return [
        ("คำร้อง", f"{number} · {title}"),
        ("วันและเวลา", when(day, slot)),
        ("สถานที่", place or "ที่ทำการ อบต."),
        ("สิ่งที่ต้องนำมา (ตัวจริง)", bring),
    ]


def cancel_question(day: date, slot: str) -> str:
    return f"ยกเลิกนัด{when(day, slot)} ใช่ไหมคะ"


def cancelled(number: str) -> str:
    return f"ยกเลิกนัดแล้วค่ะ คำร้อง {number} ยังอยู่ หากต้องการนัดใหม่ กด \"{BOOK_BUTTON}\" หรือพิมพ์ \"นัดของฉัน\" ได้ทุกเมื่อ"


def ended(status: str) -> str:
    """An old button of an appointment that was cancelled, moved or has taken place."""
    if status == "moved":
        return "นัดนี้ถูกเลื่อนไปแล้วค่ะ ดูนัดปัจจุบันได้โดยพิมพ์ \"นัดของฉัน\""
    if status == "cancelled":
        return "นัดนี้ยกเลิกไปแล้วค่ะ พิมพ์ \"นัดของฉัน\" เพื่อดูหรือนัดใหม่"
    return f"นัดนี้ผ่านไปแล้วค่ะ ({STATUS.get(status, status)}) พิมพ์ \"นัดของฉัน\" เพื่อดูนัดปัจจุบัน"


def past(day: date) -> str:
    return f"นัด{thai_weekday_date(day)} ถึงกำหนดแล้ว จึงเปลี่ยนทาง LINE ไม่ได้ค่ะ กรุณาติดต่อ อบต. โดยตรง"


def mine_head(n: int) -> str:
    return f"📅 นัดหมายของท่าน {n} รายการค่ะ กดปุ่มใต้นัดเพื่อเลื่อนหรือยกเลิก"


def waiting_to_book(numbers: list[str]) -> str:
    return "คำร้องที่ยังไม่ได้เลือกวันนัด: " + ", ".join(numbers)


def reminder_head(day: date, slot: str) -> str:
    return f"🔔 แจ้งเตือนนัดหมายค่ะ\nท่านมีนัดที่ อบต. {when(day, slot)}\nหากมาไม่ได้ กรุณากดเลื่อนนัดหรือยกเลิกนัดค่ะ"


def staff_day_head(day: date, n: int, scope: str) -> str:
    if not n:
        return f"📅 {thai_weekday_date(day)}: ไม่มีนัดหมาย{scope}ค่ะ"
    return f"📅 นัดหมาย{scope} {thai_weekday_date(day)} — {n} ราย"


def staff_day_line(slot: str, number: str, title: str, name: str, status: str) -> str:
    who = f" · {name}" if name else ""
    return f"• {slot} น. {number} {title}{who} ({STATUS.get(status, status)})"


def more_in_console(n: int) -> str:
    return f"… และอีก {n} ราย ดูทั้งหมดในระบบจัดการ"


def forecast_head(n: int) -> str:
    return f"การแจ้งเตือนนัดหมาย e-Service ที่รอส่ง (09:00 น. วันทำการก่อนวันนัด): {n} ข้อความ — appointment reminders"
