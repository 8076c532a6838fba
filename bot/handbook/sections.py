"""Which part of a procedure a question asks about: documents, fees, duration, steps, channels…

Cues are phrases as people type them, Central Thai and Isan, matched on folded text with
spaces removed (so tone marks and spacing do not matter). The rules read like a clerk's:
  - "ได้เดือนละเท่าไหร่" asks what one *receives* (the overview of an allowance), while
    "เสียเท่าไหร่ / ค่า…เท่าไหร่" asks what one *pays* (fees);
  - a bare "กี่บาท / เท่าไหร่" is about fees, unless the service is free and pays out
    (an allowance), where it can only mean the amount received;
  - "ยื่นภายในกี่วัน / จ่ายเดือนไหน" is about when to apply (channels), "กี่วันได้" about
    how long it takes (duration);
  - with no cue, the overview.
"""
from __future__ import annotations

import re

from bot.handbook.thai import squash


def _cues(*phrases: str) -> re.Pattern:
    folded = sorted({squash(p) for p in phrases}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, folded)))


RECEIVE = _cues(
    "ได้เดือนละ", "ได้กี่บาท", "ได้เท่าไหร่", "ได้เท่าไร", "ได้เท่าใด", "ได้จักบาท", "ได้เงินเท่า", "ได้เงินกี่",
    "ได้สูงสุด", "ช่วยได้", "ช่วยเท่า", "ได้รับเท่า", "เงินเข้าวัน", "เข้าวันไหน", "เข้าวันที่", "ออกวันไหน",
    "ออกวันที่", "จ่ายวันที่", "ได้ถึงกี่", "ได้กี่ปี", "ได้ถึงอายุ", "ได้ย้อนหลัง", "มาเก็บวันไหน", "เก็บวันไหน",
    "ไม่เข้า", "ไม่ออก", "มีให้ไหม", "มีให้บ่",
)
PAY = _cues(
    "ค่าธรรมเนียม", "เสียเงิน", "เสียตัง", "เสียค่า", "ค่าใช้จ่าย", "ต้องจ่ายเท่า", "ต้องจ่ายกี่", "เสียเท่า",
    "เสียกี่", "เสียจัก", "ฟรีไหม", "ฟรีมั้ย", "ฟรีบ่", "ฟรีป่าว", "ค่าปรับ", "โดนปรับ", "เสียปรับ", "อัตราภาษี",
    "คิดอัตรา", "คิดภาษี", "คิดยังไง", "แพงไหม", "แพงกว่า", "แพงมั้ย", "ราคา", "ค่าเทอม", "ค่าเรียน",
    "ค่าอาหาร", "ค่าติดตั้ง", "ค่าน้ำประปา", "ค่าน้ำหน่วย", "หน่วยละ", "ค่าเก็บ", "ค่าขยะ", "ค่าถ่าย",
    "หน้าละ", "ขั้นต่ำ", "fee", "fees", "cost",
)
AMOUNT = _cues("กี่บาท", "เท่าไหร่", "เท่าไร", "เท่าใด", "จักบาท", "กี่ตัง", "how much")
DURATION = _cues(
    "กี่วัน", "กี่มื้อ", "จักมื้อ", "นานไหม", "นานมั้ย", "นานบ่", "นานเท่า", "นานแค่ไหน", "ใช้เวลา", "กี่นาที",
    "กี่ชั่วโมง", "กี่อาทิตย์", "กี่สัปดาห์", "กี่เดือนถึง", "กี่วันได้", "กี่วันถึง", "จะได้เมื่อ", "จะได้เงินเมื่อ",
    "ได้เงินเมื่อ", "ได้เงินเดือนไหน", "จะได้เงินเดือน", "ได้เงินตอนไหน", "รู้ผล", "ทำเรื่องกี่", "เสร็จกี่",
    "กี่วันเสร็จ", "วันเสร็จ", "รอนาน", "รอกี่", "เริ่มเก็บ", "มาส่ง", "how long",
)
STEPS = _cues(
    "ขั้นตอน", "ทำยังไง", "ทำไง", "ทำอย่างไร", "ทำยังงัย", "ยังไงบ้าง", "ยังไง", "อย่างไร", "ยังงัย", "วิธี",
    "ต้องทำอะไร", "เฮ็ดจั่งได๋", "จั่งได๋", "จั่งใด๋", "จั๋งได๋", "จังได", "เฮ็ดแนวใด๋", "ทำไงดี", "how to", "how do",
)
CHANNELS = _cues(
    "ที่ไหน", "ที่ใหน", "ตรงไหน", "อยู่ไหน", "อยู่ไส", "ไปไส", "ไปไหน", "จ่ายไหน", "ยื่นไหน", "แจ้งใคร",
    "ติดต่อใคร", "ติดต่อที่", "ติดต่อได้ทาง", "ทางไหน", "ช่องทาง", "โทรแจ้ง", "เบอร์", "เบอ", "เปิดกี่โมง",
    "ปิดกี่โมง", "กี่โมง", "เปิดไหม", "ปิดไหม", "เปิดมั้ย", "เปิดบ่", "พักเที่ยง", "ออนไลน์", "online", "เว็บไซต์",
    "website", "ไลน์", "ทางline", "เดือนไหน", "ช่วงไหน", "ช่วงเดือน", "วันไหน", "ภายในเดือน", "ภายในกี่วัน",
    "ภายในเมื่อ", "จ่ายเมื่อ", "ยื่นเมื่อ", "สมัครเมื่อ", "แจ้งภายใน", "ที่อยู่", "ไปยังไง", "ไปทางไหน", "where",
    "อยู่ที่ไหน", "เปิดรับ", "สมัครที่",
)
ELIGIBILITY = _cues(
    "ใครได้", "ใครขอ", "ใครมีสิทธิ", "ใครยื่น", "ใครต้อง", "มีสิทธิ", "คุณสมบัติ", "เข้าเกณฑ์", "หลักเกณฑ์", "อายุกี่",
    "กี่ขวบ", "ถึงจะได้", "ถึงต้อง", "แบบไหนต้อง", "อะไรบ้างที่ต้อง", "ยังไม่มีบัตร", "อยู่แล้วขอ", "อยู่แล้ว ขอ",
    "ได้อยู่แล้ว", "ไม่บอกชื่อ", "ไม่ต้องบอกชื่อ", "ไม่ระบุชื่อ", "ไปแทนได้", "แทนได้", "ขอได้ไหม", "ขอได้บ่",
    "ได้ไหมถ้า", "บ้านเช่าขอ", "ชาวบ้านธรรมดา", "ขอเบี้ยได้", "eligible",
)
DOCUMENTS = _cues(
    "เอกสาร", "ใช้อะไรบ้าง", "ใช้อะไร", "ใช้ไรบ้าง", "เอาอะไรไป", "เอาไรไป", "เอาหยังไป", "ต้องเอาอะไร", "เตรียมอะไร",
    "หลักฐาน", "สำเนา", "ใบรับรองแพทย์", "รูปถ่าย", "สมุดบัญชี", "ไปด้วยไหม", "ต้องมีโฉนด", "ใช้โฉนด", "กี่ชุด",
    "เซ็น", "ลงนาม", "ต้องเขียนหนังสือ", "document", "documents",
)



_ALL = [RECEIVE, PAY, AMOUNT, DURATION, STEPS, CHANNELS, ELIGIBILITY, DOCUMENTS]


def strip_cues(squashed: str) -> str:
    """The question without its section cues (what is left says which service is meant)."""
    for pattern in _ALL:
        squashed = pattern.sub(" ", squashed)
    return squashed


def detect(question: str, pays_out: bool = False) -> str:
    """The section a question asks about; `pays_out`: the service is free and pays money out."""
    q = squash(question)
    if DOCUMENTS.search(q):
        return "documents"
    if RECEIVE.search(q):
        return "overview"
    if PAY.search(q):
        return "fees"
    channels = CHANNELS.search(q)
    duration = DURATION.search(q)
    if channels and duration:
        # "ยื่นภายในกี่วัน": when to apply; "แจ้งที่ไหน กี่วันได้": prefer what is asked last.
        return "channels" if channels.start() >= duration.start() or "ภายใน" in q else "duration"
    if duration:
        return "duration"
    if channels:
        return "channels"
    if ELIGIBILITY.search(q):
        return "eligibility"
    if AMOUNT.search(q):
        return "overview" if pays_out else "fees"
    if STEPS.search(q):
        return "steps"
    return "overview"
