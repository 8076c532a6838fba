"""What citizens and staff read about online service requests."""
from __future__ import annotations

from datetime import date

from bot.common.thaidate import thai_date

STATUS = {
    "received": "ได้รับคำร้องแล้ว",
    "accepted": "รับคำร้องแล้ว",
    "scheduled": "นัดหมายแล้ว",
    "in_progress": "กำลังดำเนินการ",
    "done": "ดำเนินการเสร็จแล้ว",
    "rejected": "ไม่สามารถดำเนินการได้",
}
STATUS_EMOJI = {"received": "📥", "accepted": "📋", "scheduled": "📅", "in_progress": "🔧", "done": "✅", "rejected": "⚠️"}
CHANNEL = {"online": "ออนไลน์ (LINE)", "counter": "ที่เคาน์เตอร์"}


def shown(field, value) -> str:
    """A field's value as people read it (dates in the Buddhist era, a place by its name)."""
    if field.type == "date" and isinstance(value, str):
        try:
            return thai_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field.type == "location" and isinstance(value, dict):
        return value.get("title") or value.get("address") or f"{value.get('latitude')}, {value.get('longitude')}"
    if field.type == "village":
        return f"หมู่ {value}" if str(value).isdigit() else str(value)
    return str(value)


def status_update(request, division: str) -> str:
    head = f"{STATUS_EMOJI.get(request.status, '')} คำร้องเลขที่ {request.number}".strip()
    if request.status == "accepted":
        body = f"{division}รับคำร้องของท่านแล้วค่ะ และจะดำเนินการโดยเร็ว"
    elif request.status == "scheduled":
        body = "นัดหมายของท่านบันทึกแล้วค่ะ"
    elif request.status == "in_progress":
        body = f"{division}กำลังดำเนินการตามคำร้องของท่านค่ะ"
    elif request.status == "done":
        body = f"{division}ดำเนินการตามคำร้องของท่านเสร็จแล้วค่ะ"
    elif request.status == "rejected":
        body = f"ขออภัยค่ะ {division}ไม่สามารถดำเนินการตามคำร้องนี้ได้ เนื่องจาก{request.reject_reason or ''}"
    else:
        body = f"สถานะ: {STATUS.get(request.status, request.status)}"
    text = f"{head}\n{body}"
    if request.note and request.status != "rejected":
        text += f"\nหมายเหตุจากเจ้าหน้าที่: {request.note}"
    return text


ASK_RATING = "คำร้อง {number}: ท่านพึงพอใจบริการครั้งนี้ระดับใดคะ"
RATED = "ขอบคุณสำหรับคะแนนค่ะ 🙏 จะนำไปปรับปรุงบริการต่อไป"
ALREADY_RATED = "ท่านให้คะแนนคำร้องนี้ไปแล้วค่ะ ขอบคุณค่ะ 🙏"
NOT_YOURS = "ปุ่มนี้ใช้ได้เฉพาะผู้ยื่นคำร้องนี้ค่ะ"
GONE = "ไม่พบคำร้องนี้ในระบบแล้วค่ะ"
NOT_DONE_YET = "คำร้องนี้ยังดำเนินการไม่เสร็จ จึงยังให้คะแนนไม่ได้ค่ะ"
