"""Language knowledge the search needs that is not any one SAO's content.

- STOPWORDS: question words, particles and filler verbs that say nothing about which
  service is meant ("ขอ", "ต้อง", "ยังไง", "ครับ", Isan "บ่", "แหน่" …).
- SYNONYMS: colloquial, Isan and misspelt forms → the words the handbook uses. Applied to
  the question (as phrases inside it, however spaced) before ranking, so "คนเฒ่า" also
  finds "ผู้สูงอายุ". Service-specific names belong in each procedure's `aliases`.
"""
from __future__ import annotations

STOPWORDS = frozenset(
    """
    ขอ ต้อง ใช้ ได้ ไหม มั้ย ไม๊ บ่ ป่าว เปล่า หรือ หรือไม่ อะไร ไร หยัง อีหยัง บ้าง แหน่ ยังไง ยังงัย ไง อย่างไร ทำไง
    ทำ เฮ็ด จั่งได๋ จั่งใด๋ ที่ไหน ไหน ตรงไหน ไส ใคร เมื่อไหร่ เมื่อไร กี่ เท่าไหร่ เท่าไร เท่าใด จัก ครับ ค่ะ คะ ค่า
    จ้า จ้ะ นะ น้อ เด้อ เด้ เนาะ สิ ละ ล่ะ ฮะ ฮับ คับ ผม ดิฉัน หนู ข้อย เรา ฉัน เค้า เขา มี เป็น คือ จะ จึง แล้ว ก็
    ที่ ของ และ กับ ให้ ไป มา อยู่ ด้วย หน่อย ครับผม สวัสดี รบกวน สอบถาม ถาม อยาก ต้องการ ช่วย บอก แจ้ง ว่า
    การ ความ ใน จาก ถึง แต่ ถ้า เพราะ นี้ นั้น โดย เพื่อ อีก ยัง เลย แค่ ทุก กัน ตอน ช่วง ไว้ อัน แบบ
    """.split()
)

# Verbs that are stop words in a question but part of a service's name ("ขอถังขยะ",
# "ทำฟาร์มหมู", "แจ้งขุดดิน"): kept when a name is matched word by word.
SERVICE_VERBS = frozenset("ขอ ทำ เฮ็ด แจ้ง ช่วย ใช้".split())

# Requests a name may start with, which a question may put before or after what is requested
# ("ขออนุญาตเลี้ยงไก่" / "เลี้ยงไก่ต้องขออนุญาตไหม"); any other word of a name keeps its order
# ("เปิดร้านกาแฟ" is opening a shop, "ร้านกาแฟเปิดกี่โมง" a shop's hours).
REQUEST_WORDS = frozenset(
    "ขอ ขออนุญาต ขอใบอนุญาต ใบอนุญาต แจ้ง ยื่น ยื่นขอ ลงทะเบียน จดทะเบียน สมัคร ร้องเรียน ต่อใบอนุญาต เสีย จ่าย".split()
)

# Words by which a citizen asks the SAO for something, owes it something, or reports a problem
# for it to fix. A question that only shares nouns with a service and has none of these
# ("ร้านกาแฟแถวนี้เปิดกี่โมง", "ร้านหมูกระทะอร่อยไหม") is not asking for that service.
ASKING_WORDS = frozenset(
    """
    ขอ ยื่น แจ้ง สมัคร ลงทะเบียน ขึ้นทะเบียน จด จดทะเบียน อนุญาต ขออนุญาต ใบอนุญาต ต่อใบอนุญาต จ่าย ชำระ เสีย ต้อง
    ร้องเรียน ร้องทุกข์ ช่วย ช่วยเหลือ เบี้ย เงินช่วยเหลือ สิทธิ์ สิทธิ
    ดับ พัง แตก รั่ว ตัน ไหล ขัง ขุ่น เต็ม ล้น เหม็น ท่วม หลุด ขาด เสียหาย รบกวน เดือดร้อน อันตราย ไม่มา
    ได้เงิน ได้รับ เงินเข้า ไม่เข้า ไม่เห็นด้วย คัดค้าน อุทธรณ์
    """.split()
)

# The organisation: mentioned in most questions ("ขอน้ำจาก อบต. ได้บ่"), so it never names a service.
ORGANISATION = ("อบต", "อ.บ.ต.", "องค์การบริหารส่วนตำบล", "เทศบาล")

# Words that say which part of a procedure is asked (documents, fees, steps …), not which
# procedure: they do not count as evidence for one (sections.py reads them for the section).
SECTION_WORDS = frozenset(
    """
    เอกสาร หลักฐาน ค่าธรรมเนียม ค่าใช้จ่าย ขั้นตอน ระยะเวลา วิธี วิธีการ ช่องทาง คุณสมบัติ หลักเกณฑ์ เงื่อนไข
    สำเนา เบอร์ เบอร์โทร ราคา อัตรา ค่าปรับ เซ็น ลงนาม document documents fee fees
    """.split()
)

SYNONYMS: dict[str, str] = {
    # people
    "คนแก่": "ผู้สูงอายุ",
    "คนเฒ่า": "ผู้สูงอายุ",
    "ผู้เฒ่า": "ผู้สูงอายุ",
    "ผู้เถ่า": "ผู้สูงอายุ",
    "คนชรา": "ผู้สูงอายุ",
    "ผู้สูงวัย": "ผู้สูงอายุ",
    "สูงวัย": "ผู้สูงอายุ",
    "ผู้สูงอยุ": "ผู้สูงอายุ",
    "คนพิการ": "พิการ",
    "ผู้พิการ": "พิการ",
    "ลูกอ่อน": "เด็กแรกเกิด",
    "ทารก": "เด็กแรกเกิด",
    "เกิดใหม่": "เด็กแรกเกิด",
    "เพิ่งคลอด": "เด็กแรกเกิด",
    "คลอดลูก": "เด็กแรกเกิด",
    "คลอดหลาน": "เด็กแรกเกิด",
    "เด็กเลก": "เด็กเล็ก",
    # money and places
    "ตังค์": "เงิน",
    "สตางค์": "เงิน",
    "เบย": "เบี้ย",
    "เสียตัง": "เสียเงิน",
    "เฮือน": "บ้าน",
    "เรือน": "บ้าน",
    "ขี้เหยื้อ": "ขยะ",
    "มูลฝอย": "ขยะ",
    "ขยะะ": "ขยะ",
    "ขะยะ": "ขยะ",
    # Isan writes ร as ฮ: "ฮ้าน" shop, "ฮ้องเรียน", "ฮูป" photo
    "ฮ้าน": "ร้าน",
    "ฮ้อง": "ร้อง",
    "ฮูป": "รูป",
    # "สิฮื้อเฮือน": to pull a house down. Never "ฮื้อ" alone: keyed without its tone mark it is
    # "ฮือ" of "มื้อฮือ" (the day after tomorrow).
    "ฮื้อเฮือน": "รื้อถอน",
    "ฮื้อบ้าน": "รื้อถอน",
    "ฮื้อถอน": "รื้อถอน",
    # typos villagers make
    "อนุญาติ": "อนุญาต",
    "พานิช": "พาณิชย์",
    "พาณิช": "พาณิชย์",
    "ขุดดิล": "ขุดดิน",
    "รื้อ": "รื้อถอน",
    "ประปา": "น้ำประปา",
    "คอรัปชั่น": "ทุจริต",
    "คอรัปชัน": "ทุจริต",
    "คอร์รัปชั่น": "ทุจริต",
    "ปปช": "ทุจริต",
    "ป.ป.ช.": "ทุจริต",
    "ศพด": "ศูนย์พัฒนาเด็กเล็ก",
    "hiv": "เอดส์",
    "aids": "เอดส์",
    "เอชไอวี": "เอดส์",
    # English words typed in Thai chats
    "old age": "ผู้สูงอายุ",
    "elderly": "ผู้สูงอายุ",
    "disability": "พิการ",
    "disabled": "พิการ",
    "tax": "ภาษี",
    "garbage": "ขยะ",
    "waste": "ขยะ",
    "water": "น้ำประปา",
    "permit": "ขออนุญาต",
    "build": "ก่อสร้าง",
    "newborn": "เด็กแรกเกิด",
    "allowance": "เบี้ย",
    "complaint": "ร้องเรียน",
}
