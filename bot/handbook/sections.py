"""Which part of a procedure a question asks about: documents, fees, duration, steps, channels…

The rule (the same one the labelled questions in bench/handbook_eval follow):

  overview     what the service is and what it gives: the amount an allowance pays, the day
               it is paid, what is included, how long a licence lasts, what happens if one does
               not apply; a bare name or a report of a problem with no question ("ไฟถนนดับ").
  eligibility  whether the service applies to the asker or their case: who may or must apply,
               the criteria (age, income, residence, size of the work), which cases need the
               permit or notice or owe the tax, whether someone else may apply for them. Every
               yes/no question of obligation, permission or entitlement ("ต้องขออนุญาตไหม",
               "…ได้ไหม / ได้บ่ / ได้ยัง", "ต้องเสียภาษีไหม", "ครอบครัวแบบไหนถึงได้") asks this,
               unless it names something more specific below.
  documents    what to bring: "ใช้เอกสารอะไร", and "ต้องใช้ / ต้องมี / เอา… <a paper> ไหม".
  fees         what the citizen pays for it: amounts, rates, fines, instalments, "ฟรีไหม",
               "ต้องเสียเงินไหม"; "กี่บาท / เท่าไหร่" unless the service pays money out.
  duration     how long until it is done or the money first arrives ("กี่วัน", "นานไหม",
               "ยื่นแล้วจะได้เงินเมื่อไหร่").
  steps        how to do it ("ทำยังไง", "ขั้นตอน").
  channels     where, when and through what to apply or contact: the office, its hours, phone,
               LINE, online, the months or deadline to apply ("ยื่นภายในกี่วัน").

How a question is read, in this order (the question word wins over topic nouns):
  1. Question words that name a section ("ที่ไหน", "กี่วัน", "ทำยังไง", "ใช้อะไรบ้าง",
     "ใครได้", "ได้เดือนละเท่าไหร่"): the first one in the question wins ("ต้องขออนุญาตไหม
     ใช้เวลากี่วัน" asks the duration; "ค่าธรรมเนียมจ่ายที่ไหน" asks where). A plain "ยังไง /
     อะไร / เท่าไหร่" takes the section of the topic word just before it ("เสียค่าตรวจแบบ
     ยังไง" is about fees) and otherwise means steps / overview / fees.
  2. A yes/no question ("ไหม", "มั้ย", "บ่", "ป่าว", "ได้ยัง", "เหรอ") about a topic word of a
     section asks that section (the topic word nearest the particle) ("ต้องใช้สูติบัตรไหม": documents, "ฟรีไหม": fees, "จ่ายออนไลน์
     ได้ไหม": channels); otherwise it asks eligibility, except "จะ… ไหม / มี… ไหม / ยัง… อยู่ไหม"
     without ต้อง / ได้, which ask what the service is or does (overview).
  3. No question at all: a topic word alone ("เบี้ยคนพิการ เอกสาร") says the section; else overview.

Cues are phrases as people type them, Central Thai and Isan, matched on folded text with the
spaces removed (tone marks and spacing do not matter); the yes/no particles are read on the
text with its tone marks, where "ไหม" (question) and "ไหม้" (burn), "บ่" and "บ" differ.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.handbook.thai import normalise, squash

ASK, ABOUT, ABOUT_IN_YESNO, HOW, WHAT, AMOUNT = "ask", "about", "about-yesno", "how", "what", "amount"


def _lit(*phrases: str) -> list[str]:
    return [re.escape(p) for p in sorted({squash(p) for p in phrases} - {""}, key=len, reverse=True)]


# Offices a citizen may be unsure between ("ที่ อบต หรือที่อำเภอ"), folded.
_PLACES = "อบต|อำเภอ|ปปช|โรงพยาบาล|รพ|จังหวัด|ธนาคาร|สำนักงาน|กรม|ศาลากลาง|เทศบาล|ตำรวจ"

# (section, kind, patterns). Literal phrases are folded like the question; a few patterns are
# regular expressions over folded text (folded: no tone marks, no spaces).
_CUES: list[tuple[str, str, list[str]]] = [
    # --- question words that name a section -------------------------------------------------
    ("overview", ASK, _lit(
        # what one receives, and when the service comes to you
        "ได้เดือนละ", "ได้กี่บาท", "ได้เท่าไหร่", "ได้เท่าไร", "ได้เท่าใด", "ได้จักบาท", "ได้เงินเท่า", "ได้เงินกี่",
        "ได้สูงสุด", "ช่วยเท่า", "ได้รับเท่า", "เงินเข้าวัน", "เข้าวันไหน", "เข้าวันที่", "เข้าเมื่อ", "ออกวันไหน",
        "ออกวันที่", "ออกเมื่อ", "ออกมื้อ", "เข้ามื้อ", "จ่ายวันที่", "ได้ถึงกี่", "ได้กี่ปี", "ได้ถึงอายุ", "ได้จนถึง", "ได้ย้อนหลัง",
        "มาเก็บวันไหน", "เก็บวันไหน", "มาเก็บกี่โมง", "เก็บกี่โมง", "มากี่โมง", "มีให้ไหม", "มีให้บ่", "มีให้มั้ย",
        "ช่วยอะไร", "ช่วยเหลืออะไร", "คืออะไร", "คืออีหยัง", "หมายถึงอะไร", "โดนอะไร", "มีโทษ", "ผิดกฎหมาย",
        "ไม่เข้า", "ยังไม่เข้า",
    ) + [
        r"ใบอนุญาต[ก-๛a-z0-9]{0,12}?(?<!หมด)อายุ", r"อายุใบอนุญาต",  # how long a licence lasts (not "หมดอายุ")
        r"มาเกบ[ก-๛a-z0-9]{0,12}?(?:วันไหน|กีโมง|วันที|วันอะไร)",  # when the truck comes: the service itself
    ]),
    ("eligibility", ASK, _lit(
        "ใครได้", "ใครขอ", "ใครมีสิทธิ", "ใครยื่น", "ใครต้อง", "ใครจด", "ใครสมัคร", "ใครเป็นคนยื่น", "คุณสมบัติ",
        "เข้าเกณฑ์", "หลักเกณฑ์", "อายุกี่", "อายุเท่าไหร่", "อายุเท่าไร", "กี่ขวบ", "แบบไหนถึง", "แบบไหนต้อง",
        "แบบไหนได้", "แบบใดต้อง", "ประเภทไหน", "อะไรบ้างที่ต้อง", "แค่ไหนถึง", "ถึงจะได้", "ถึงต้อง", "ถึงจะต้อง",
        "eligible", "who can",
    ) + [
        # "…เท่าไหร่ / กี่ไร่ / แบบไหน ถึงจะได้": a criterion, not a price or a duration
        r"(?:เทาไหร|เทาไร|เทาใด|กี(?!วัน|เดือน|มือ|อาทิตย|สัปดาห|ชัวโมง|นาที)[ก-๛a-z0-9]{1,6}?|แคไหน|ขนาดไหน)ถึง(?:จะ)?(?:ได|ตอง|มีสิทธิ)",
    ]),
    ("documents", ASK, _lit(
        "ใช้อะไรบ้าง", "ใช้อะไร", "ใช้ไรบ้าง", "ใช้ไร", "ใช้หยัง", "เอาอะไรไป", "เอาไรไป", "เอาหยังไป", "ต้องเอาอะไร",
        "เตรียมอะไร", "เตรียมไร", "กี่ชุด", "ใครเซ็น", "ใครรับรอง", "what documents",
        # as typed: "ไช้" for ใช้, "ไหร" for อะไร, Isan "อีหยัง"; "พก" (carry) for bring
        "ไช้อะไร", "ใช้ไหร", "เอาไหร", "ใช้อีหยัง", "เอาอีหยัง", "พกอะไร", "พกใบอะไร", "ใช้ใบอะไร", "ยื่นอะไรบ้าง",
        "ต้องบอกอะไร",
    )),
    ("fees", ASK, _lit(
        "เสียเท่า", "เสียกี่", "เสียจัก", "ต้องจ่ายเท่า", "ต้องจ่ายกี่", "จ่ายเท่า", "จ่ายกี่บาท", "คิดยังไง",
        "คิดอย่างไร", "คิดจั่งได๋", "คิดอัตรา", "คิดภาษียังไง", "how much is the fee",
    )),
    ("duration", ASK, _lit(
        "กี่วัน", "กี่มื้อ", "จักมื้อ", "นานไหม", "นานมั้ย", "นานบ่", "นานเท่า", "นานแค่ไหน", "นานกี่", "ใช้เวลา",
        "กี่นาที", "กี่ชั่วโมง", "กี่อาทิตย์", "กี่สัปดาห์", "กี่เดือนถึง", "กี่เดือนได้", "กี่วันได้", "กี่วันถึง",
        "จะได้เมื่อ", "จะได้เงินเมื่อ", "ได้เงินเมื่อ", "ได้เงินเดือนไหน", "จะได้เงินเดือน", "ได้เงินตอนไหน", "รู้ผล",
        "ทำเรื่องกี่", "เสร็จกี่", "วันเสร็จ", "รอนาน", "รอกี่", "กว่าจะได้", "กว่าจะแก้",
        "กว่าจะเสร็จ", "how long",
        # "จะได้ภายในกี่วัน" (how soon), not "ยื่นภายในกี่วัน" (a deadline); Isan "ดน" = long
        "ได้ภายใน", "ตอบกลับภายใน", "เสร็จภายใน", "ดนบ่", "ดนปานใด", "รอคิวดน",
    )),
    ("steps", ASK, _lit(
        "ทำยังไง", "ทำไง", "ทำอย่างไร", "ทำยังงัย", "ต้องทำอะไร", "ต้องทำไง", "เฮ็ดจั่งได๋", "เฮ็ดจั่งใด๋",
        "เฮ็ดแนวใด๋", "เฮ็ดแนวได๋", "ทำไงดี", "how to", "how do",
    )),
    ("channels", ASK, _lit(
        "ที่ไหน", "ที่ใหน", "ที่ใด", "ตรงไหน", "อยู่ไหน", "อยู่ไส", "ไปไส", "ยื่นไส", "แจ้งไส", "จ่ายไส", "ไปไหน",
        "จ่ายไหน", "ยื่นไหน", "แจ้งไหน", "ลงไหน", "ขอไหน", "แจ้งใคร", "ติดต่อใคร", "บอกใคร", "ติดต่อที่",
        "ติดต่อได้ทาง", "ทางไหน", "ช่องทางไหน", "กี่โมง", "เดือนไหน", "ช่วงไหน", "ช่วงเดือน", "วันไหน",
        "ภายในเดือน", "ภายในกี่วัน", "ภายในเมื่อ", "ภายในวันที่", "แจ้งภายใน", "ยื่นภายใน", "จดภายใน",
        "เมื่อไหร่", "เมื่อไร", "ตอนไหน", "ไปยังไง", "ไปทางไหน", "เบอร์ไหน", "เบอร์อะไร", "เปิดรับ", "where",
        "when",
        # when to apply: in advance, before a deadline, from when ("ต้องจองล่วงหน้ากี่วัน" asks the
        # deadline, not how long the work takes)
        "หมดเขต", "ก่อนหมดอายุ", "ก่อนวันที่", "ได้ตั้งแต่", "ตั้งแต่เมื่อ", "ตั้งแต่วันไหน", "มื้อใด๋", "มื้อไหน",
        "เดือนใด๋",
        # to whom, and how to get there (Isan "ไผ" = who, "ไส" = where)
        "แจ้งไผ", "ร้องไผ", "ฮ้องไผ", "หาไผ", "กับใคร", "ที่ใคร", "ใครรับเรื่อง", "ที่ไส", "ไปไม่ถูก", "ไปให้ถูก",
    ) + [
        r"ลวงหนา(?=กี|จัก|นาน|กอน|เทาไหร|เทาไร)",  # "ต้องจองล่วงหน้ากี่วัน"
        r"กอน[ก-๛a-z0-9]{0,10}?(?:กีวัน|จักมือ|กีเดือน|กีอาทิตย)",  # "ยื่นก่อนรื้อกี่วัน": a deadline
        r"(?:(?<!เ)ปิด|หยุด)[ก-๛a-z0-9]{0,12}?(?:กีวัน|จักมือ)",  # "สงกรานต์ อบต ปิดกี่วัน" (not "เปิด")
        r"อยู[ก-๛a-z0-9]{1,8}?ไหน",  # "อยู่หมู่ไหน", "อยู่ใกล้วัดไหน"
        r"ไส(?=$|คะ|คับ|ครับ|จา|แหน|เดอ|นอ|หละ)",  # "ถังขยะ ซื้อไส"
        # one office or another: "ไปจดที่ อบต หรือที่อำเภอ", "ส่งไปที่อำเภอหรือ ป.ป.ช."
        rf"(?:ที|กับ|แจง|ไป)(?:{_PLACES})[ก-๛a-z0-9]{{0,6}}?หรือ(?:ไป)?(?:ที|กับ|แจง)?(?:ไป)?(?:ที)?(?:{_PLACES})",
    ]),
    # --- plain "how / what / how much": the section of the topic word before them ---------------
    ("steps", HOW, _lit("ยังไง", "ยังงัย", "อย่างไร", "ไง", "จั่งได๋", "จั่งใด๋", "จั๋งได๋", "จังได", "แนวใด๋", "how")),
    ("overview", WHAT, _lit("อะไรบ้าง", "อะไร", "ไรบ้าง", "อีหยัง", "หยังแหน่", "what")),
    ("fees", AMOUNT, _lit("กี่บาท", "เท่าไหร่", "เท่าไร", "เท่าใด", "จักบาท", "กี่ตัง", "how much")),
    # --- topic words: what a yes/no question or a bare phrase is about --------------------------
    ("documents", ABOUT, _lit("เอกสาร", "หลักฐาน", "เซ็น", "ลงนาม", "ต้องเขียนหนังสือ", "document", "documents",
                              "เอกสา", "เอกสาน", "เอกะสาร", "เอกะสาน", "แบบฟอร์ม", "แบบฟอม", "ฟอร์ม",
                              "ถ่ายรูป", "ถ่ายฮูป")
     + [
        # a paper one brings: only after "ต้องใช้ / ต้องมี / เอา / เตรียม / แนบ" or before "ไปด้วย"
        # ("ไม่มีชื่อในทะเบียนบ้าน" and "ขอสำเนาสัญญา" are not about what to bring)
        r"(?:ตองใช|ตองมี|ใช|เอา|เตรียม|แนบ|ถือ|พก|บอก)(?=(?:[ก-๛a-z0-9]{0,4})(?:สำเนา|บัตร|ทะเบียนบาน|สูติบัตร|ใบเกิด|"
        r"โฉนด|นส3|ใบรับรอง|รูปถาย|รูป|สมุดบัญชี|บัญชีธนาคาร|แบบบาน|แบบแปลน|หนังสือมอบ|ใบมอบ|ใบแพทย|ผลเลือด|ผลตรวจ|"
        r"สลิป|ใบเสร็จ|เลขเสา))",
        r"ไปดวย(?=ไหม|มัย|บ|ปาว)",
    ]),
    ("fees", ABOUT, _lit(
        "ค่าธรรมเนียม", "เสียเงิน", "เสียตัง", "เสียค่า", "จ่ายค่า", "ค่าใช้จ่าย", "จ่ายเงิน", "ฟรี", "แพง", "ถูกไหม", "ราคา",
        "ค่าปรับ", "โดนปรับ", "เสียปรับ", "เบี้ยปรับ", "เงินเพิ่ม", "ผ่อน", "อัตราภาษี", "อัตรา", "ค่าเทอม",
        "ค่าเรียน", "ค่าอาหาร", "ค่าติดตั้ง", "ค่ามิเตอร์", "ค่ามาตร", "ค่าน้ำ", "ค่าขยะ", "ค่าเก็บ", "ค่าถ่าย",
        "ค่าตรวจ", "ค่าบริการ", "ค่าใบอนุญาต", "หน้าละ", "หน่วยละ", "ขั้นต่ำ", "fee", "fees", "cost",
    )),
    ("duration", ABOUT, _lit("ระยะเวลา", "นาน")),
    ("steps", ABOUT, _lit("ขั้นตอน", "วิธี", "วิธีการ")),
    ("channels", ABOUT, _lit(
        "ช่องทาง", "เบอร์", "เบอ", "โทรแจ้ง", "ทางโทรศัพท์", "ทางไลน์", "ทางline", "ผ่านไลน์", "ไลน์ได้",
        "ยื่นออนไลน์", "จ่ายออนไลน์", "สมัครออนไลน์", "แจ้งออนไลน์", "ทางออนไลน์", "ผ่านออนไลน์", "ออนไลน์ได้",
        "ทางเว็บ", "เว็บไซต์", "เวบไซต์", "website", "online", "เวลาทำการ", "เวลาเปิด", "เปิดไหม", "ปิดไหม",
        "เปิดมั้ย", "พักเที่ยง", "วันเสาร์", "วันอาทิตย์", "วันหยุด", "เสาร์อาทิตย์", "ตลอดปี",
        "ได้ตลอด", "ยื่นที่", "จ่ายที่", "สมัครที่", "แผนที่",
        # through what: phone, the SAO's LINE and page, e-mail, an app, a transfer or QR payment
        "โทรได้", "โทรไปได้", "อีเมล", "อีเมล์", "email", "เฟสบุ๊ค", "เฟซบุ๊ก", "เฟสบุค", "facebook", "เพจ", "ไอดี",
        "ไลน์ทางการ", "ไลน์ปลอม",
        "ลิงก์", "ลิงค์", "link", "แอป", "แอพ", "app", "เป๋าตัง", "พร้อมเพย์", "promptpay", "สแกน", "qr", "คิวอาร์",
        "โอนเงิน", "โอนจ่าย", "โอนได้", "เลขบัญชี",
        # in person or not, and when
        "ไปรับเอง", "ไม่สะดวกไป", "ไม่สะดวกเข้าไป", "วันเสา", "เวลาราชการ", "24 ชั่วโมง", "24 ชม", "ติดต่อได้",
    ) + [r"ทีอยู(?!อาศัย|เอง|ของตัวเอง)", r"เปิดบ(?!ั)"]),  # "เปิดบ่" (not "เปิดบัญชี")
    ("channels", ABOUT_IN_YESNO, _lit("ที่อบต", "ที่ อบต", "ที่อำเภอ", "ที่กองช่าง", "ที่สำนักงาน")),
    ("eligibility", ABOUT, _lit("เงื่อนไข", "มีสิทธิ", "สิทธิ์", "เกณฑ์")),
    ("overview", ABOUT, _lit("รับเงินสด", "รับเป็นเงินสด", "เข้าบัญชี", "ต่อทุกปี", "ต่ออายุทุกปี", "ยังมีอยู่")),
]


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    section: str
    kind: str


_COMPILED = [(section, kind, re.compile("|".join(patterns))) for section, kind, patterns in _CUES]

# Yes/no particles, read with tone marks: "ไหม" but not "ไหม้" or "ไฟไหม", "เปล่า" but not
# "ว่างเปล่า", "มัย" but not "สมัย".
_YESNO = re.compile(
    r"(?<!ไฟ)ไหม(?!\u0e49)|มั้ย|มั๊ย|(?<!ส)มัย|ไม๊|ป่าว|(?<!ว่าง)เปล่า|หรือไม่|รึไม่|เหรอ|ได้ยัง|หรือยัง|รึยัง|"
    r"แล้วยัง|ใช่ไหม|ใช่มั้ย|yes or no"
)
# The Isan question particle "บ่" ends a phrase ("ต้องแจ้งบ่", "ได้บ่"); at the start it means "not".
_BO = re.compile(r"บ่(?:\s*(?:ครับ|คับ|ค่ะ|คะ|จ้า|นะ|เด้อ|น้อ|เนาะ|แหน่))*(?:\s|$)")
_MODAL = re.compile("|".join(_lit("ต้อง", "ได้", "สิทธิ", "ควร", "จำเป็น", "can i", "must i", "do i need")))
# "จะ… ไหม" (will it), "มี… ไหม" (is there), "ยัง… อยู่ไหม" (is it still): about the service itself.
_IS_OR_WILL = re.compile(r"จะ|(?<!ไม)มี(?!สิทธิ)|ยัง[ก-๛a-z0-9]{0,10}อยู")


def _matches(q: str) -> list[_Match]:
    """Every cue in the folded question, leftmost first, longest first where they overlap.
    Question words and topic words are read apart: "ค่าเก็บขยะจ่ายที่ไหน" has the topic
    "จ่ายที่" and the question word "ที่ไหน" over the same letters."""
    out: list[_Match] = []
    for kinds in ((ASK, HOW, WHAT, AMOUNT), (ABOUT, ABOUT_IN_YESNO)):
        found = [
            _Match(m.start(), m.end(), section, kind)
            for section, kind, pattern in _COMPILED
            if kind in kinds
            for m in pattern.finditer(q)
        ]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        taken = -1
        for m in found:
            if m.start >= taken:
                out.append(m)
                taken = max(taken, m.end)
    out.sort(key=lambda m: m.start)
    return out


@lru_cache(maxsize=32)  # one search reads its question several times; not a cache of questions
def _read(question: str) -> tuple[str, tuple[_Match, ...], bool]:
    """The question read once (the search asks several things of the same question)."""
    text = normalise(question)
    q = squash(question)
    return q, tuple(_matches(q)), bool(_YESNO.search(text) or _BO.search(text))


def cue_sections(question: str) -> set[str]:
    """The sections the question's cues point to (no default: a question without cues gives none)."""
    return {m.section for m in _read(question)[1] if m.kind != WHAT}


def asks_may_or_must(question: str) -> bool:
    """Does the question speak of obligation, permission or entitlement (ต้อง, ได้, สิทธิ …)?"""
    return bool(_MODAL.search(_read(question)[0]))


def is_yes_no(question: str) -> bool:
    return _read(question)[2]


def detect(question: str, pays_out: bool = False) -> str:
    """The section a question asks about; `pays_out`: the service is free and pays money out."""
    q, found, yes_no = _read(question)
    topics = [m for m in found if m.kind == ABOUT or (yes_no and m.kind == ABOUT_IN_YESNO)]

    def topic_before(m: _Match, sections_allowed=None) -> str | None:
        before = [t for t in topics if t.start < m.start and (sections_allowed is None or t.section in sections_allowed)]
        return before[-1].section if before else None

    # 1. The first question word that names a section.
    for m in found:
        if m.kind == ASK:
            return m.section
        if m.kind == HOW:
            return topic_before(m) or "steps"
        if m.kind == AMOUNT:
            return topic_before(m, ("fees",)) or ("overview" if pays_out else "fees")
        if m.kind == WHAT and not yes_no:  # with a yes/no particle "อะไร" means "anything"
            return topic_before(m) or "overview"
    # 2. A yes/no question: about the topic nearest its particle ("ขอสำเนาเอกสาร… เสียเงินไหม"
    #    asks about money), or of obligation/permission/entitlement.
    if yes_no:
        if topics:
            return topics[-1].section
        if _MODAL.search(q) or not _IS_OR_WILL.search(q):
            return "eligibility"
        return "overview"
    # 3. A bare phrase.
    return topics[0].section if topics else "overview"


def strip_questions(squashed: str) -> str:
    """Folded text without its question words ("ที่ไหน", "กี่วัน", "ทำยังไง", "เท่าไหร่" …):
    what is left says which service is meant. Topic words stay ("ค่าขยะ" names the service)."""
    for _section, kind, pattern in _COMPILED:
        if kind not in (ABOUT, ABOUT_IN_YESNO):
            squashed = pattern.sub(" ", squashed)
    return squashed
