"""What a citizen reads while making an online request (bot/eservice/flow.py)."""
from __future__ import annotations

from bot.content.profile import SaoProfile
from bot.feedback.texts import contact_line

CHOOSE_SERVICE = "ต้องการยื่นคำร้องบริการใดคะ เลือกได้เลยค่ะ"
NO_SERVICES = "ตอนนี้ยังไม่มีบริการที่ยื่นคำร้องทาง LINE ได้ค่ะ ติดต่อ อบต. ได้ตามช่องทางในเมนู \"ติดต่อ อบต.\""
SERVICE_GONE = "บริการนี้ปิดรับคำร้องทาง LINE แล้วค่ะ ขออภัยค่ะ"
CHOOSE_FROM_LIST = "กรุณาเลือกจากปุ่มด้านล่างค่ะ"
TODAY, TOMORROW, PICK_DATE = "วันนี้", "พรุ่งนี้", "เลือกวันที่"
DATE_HINT = "(กดเลือกวันที่ หรือพิมพ์ เช่น 15/12/2569)"
SEND_LOCATION = "ส่งตำแหน่ง"
SKIP = "ข้าม"
TAKE_PHOTO, PICK_PHOTO = "ถ่ายรูป", "เลือกรูป"
NEED_LOCATION = "ขั้นตอนนี้ขอเป็นตำแหน่งค่ะ กด \"ส่งตำแหน่ง\" ด้านล่าง"
NEED_TYPED = "ขั้นตอนนี้ขอเป็นข้อความพิมพ์ค่ะ"
NEED_NUMBER = "กรุณาพิมพ์เป็นตัวเลขค่ะ เช่น 4"
NEED_PHONE = "เบอร์โทรไม่ถูกต้องค่ะ พิมพ์เบอร์ 9–10 หลัก เช่น 0812345678"
NEED_VILLAGE = "กรุณาพิมพ์เลขหมู่ค่ะ เช่น 3 หรือ หมู่ 3"
NEED_PHOTO = "ขั้นตอนนี้ขอเป็นรูปถ่ายเอกสารค่ะ กด \"ถ่ายรูป\" หรือ \"เลือกรูป\" ด้านล่าง"
CONFIRM = "✅ ยืนยันส่งคำร้อง"
START_OVER = "✏️ กรอกใหม่"
CONFIRM_PROMPT = "ตรวจสอบข้อมูลแล้ว กด \"ยืนยันส่งคำร้อง\" ได้เลยค่ะ"
CONFIRM_AGAIN = "กด \"ยืนยันส่งคำร้อง\" เพื่อส่ง หรือ \"กรอกใหม่\" เพื่อแก้ไขค่ะ"
BOOK_BUTTON = "📅 เลือกวันนัด"


def number_between(low, high) -> str:
    if low is not None and high is not None:
        return f"กรุณาพิมพ์ตัวเลขระหว่าง {low:g} ถึง {high:g} ค่ะ"
    return f"กรุณาพิมพ์ตัวเลข{'ตั้งแต่ ' + format(low, 'g') if low is not None else 'ไม่เกิน ' + format(high, 'g')} ค่ะ"


def starting(title: str, intro: str, documents: int, appointment: bool) -> str:
    lines = [f"📝 ยื่นคำร้องออนไลน์: {title}"]
    if intro:
        lines.append(intro)
    steps = "ตอบคำถามทีละข้อ"
    if documents:
        steps += f" ส่งรูปเอกสาร {documents} รายการ"
    if appointment:
        steps += " แล้วเลือกวันนัด"
    lines.append(steps + " พิมพ์ \"ยกเลิก\" เพื่อออกได้ทุกเมื่อ (ยังไม่มีการบันทึกจนกว่าท่านจะกดยืนยัน)")
    return "\n".join(lines)


def noted(label: str, value: str) -> str:
    return f"รับทราบค่ะ — {label}: {value}"


def ask_document(title: str, n: int, of: int, required: bool) -> str:
    need = "" if required else " (ถ้าไม่มี กด \"ข้าม\")"
    return f"เอกสาร {n}/{of}: ถ่ายรูป{title}ให้เห็นชัดทั้งแผ่นค่ะ{need}"


def filed(number: str, title: str, division: str, due: str, appointment: bool) -> str:
    text = f"📥 ได้รับคำร้องแล้วค่ะ\nเลขที่คำร้อง: {number}\nบริการ: {title}\nผู้รับผิดชอบ: {division}"
    if due:
        text += f"\nจะดำเนินการภายใน {due}"
    text += "\nติดตามได้ทุกเมื่อ พิมพ์ \"ติดตามเรื่อง\""
    if appointment:
        text += "\nขั้นต่อไป: กด \"เลือกวันนัด\" เพื่อนัดวันมายื่นเอกสารตัวจริงที่ อบต. ค่ะ"
    return text


def too_many(limit: int, p: SaoProfile) -> str:
    return f"วันนี้ท่านยื่นคำร้องครบ {limit} เรื่องแล้วค่ะ กรุณายื่นใหม่พรุ่งนี้ หรือ {contact_line(p)}"
