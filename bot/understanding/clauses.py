"""Where a message may hold two requests: the joints between its clauses.

"เบี้ยคนแก่ได้เดือนละเท่าไหร่ แล้วภาษีที่ดินจ่ายที่ไหน" has a joint before "แล้ว"; so does
"ต้องขออนุญาตไหมครับแล้วเสียค่าธรรมเนียมเท่าไหร่" (no space: "แล้ว" right after a question's
particle). A joint is only a place where the text *may* be cut: the reader cuts there only when
both sides are requests of their own and ask for different things (bot/understanding/reader.py).
"""
from __future__ import annotations

import regex as re  # variable-width look-behind (the endings differ in length)
import unicodedata

# Words that end a question or a polite sentence; a clause may start after them.
_ENDINGS = (
    "ไหม", "มั้ย", "มั๊ย", "ไม๊", "บ่", "คะ", "ค่ะ", "ครับ", "คับ", "จ้า", "จ้ะ", "ยังไง", "ยังงัย", "อย่างไร",
    "ที่ไหน", "ตรงไหน", "เท่าไหร่", "เท่าไร", "กี่วัน", "กี่บาท", "หรือเปล่า", "รึเปล่า", "ป่าว", "ปะ", "หรือยัง",
    "ด้วย", "หน่อย", "แหน่", "เด้อ", "เนาะ", "นะ", "จั่งใด๋", "จั่งได๋", "ไส", "บ้าง", "ไหน", "เมื่อไหร่", "เมื่อไร",
)
# Words that open a second request.
_OPENERS = (
    "แล้วก็", "แล้วถ้า", "แล้วจะ", "แล้วอีก", "แล้ว", "และอยาก", "และขอ", "อีกเรื่อง", "อีกอย่าง", "อีกข้อ", "อีกคำถาม",
    "ส่วน", "นอกจากนี้", "ถามอีก", "ขอถามอีก", "อยากถามอีก", "กับอยาก", "อ้อ", "ถ้าต้อง", "ถ้าจะ", "ถ้าไม่",
)
# Words that open another matter even glued to the word before ("…ไม่มีใครมาเก็บแล้วอีกเรื่อง…",
# speech-to-text leaves no space): unlike "แล้ว", they never go on the same sentence.
_NEW_MATTERS = ("แล้วอีกเรื่อง", "อีกเรื่อง", "อีกอย่าง", "อีกข้อ")
_ENDING = "|".join(sorted(map(re.escape, _ENDINGS), key=len, reverse=True))
_OPENER = "|".join(sorted(map(re.escape, _OPENERS), key=len, reverse=True))
_NEW_MATTER = "|".join(map(re.escape, _NEW_MATTERS))
_JOINT = re.compile(
    r"[?？!]+\s*"  # a question or exclamation mark
    r"|\n+\s*"  # a new line
    rf"|\s+(?=(?:{_OPENER}))"  # a space before an opener
    rf"|(?<=(?:{_ENDING}))(?=(?:{_OPENER}))"  # an opener glued to a question's end
    rf"|(?<=(?:{_ENDING}))\s+"  # a space after a question's end
    rf"|(?<=\S)(?=(?:{_NEW_MATTER}))"  # another matter, glued
    r"|\s+(?=[1-9๑-๙][.)](?![0-9]))"  # a numbered item: "มีสองเรื่อง 1.ไฟทางดับ 2.…" (with the glued
    # matters, dev: problems to the flow 94.3% → 94.9%, no other figure changed)
)
MIN_CLAUSE = 4  # characters: shorter pieces stay with their neighbour


def joints(text: str) -> list[int]:
    """Positions where a second clause may start, in order."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for m in _JOINT.finditer(text):
        at = m.end()
        if MIN_CLAUSE <= m.start() and len(text) - at >= MIN_CLAUSE and (not out or at - out[-1] >= MIN_CLAUSE):
            out.append(at)
    return out


def cut(text: str, at: int) -> tuple[str, str]:
    text = unicodedata.normalize("NFC", text)
    return text[:at].strip(" ?？!\n"), text[at:].strip()


def opens(clause: str) -> bool:
    """The clause starts with a word that opens another request ("แล้ว…", "อีกเรื่อง", "ส่วน…")."""
    return unicodedata.normalize("NFC", clause).lstrip().startswith(_OPENERS)


def asked(text: str, at: int) -> bool:
    """The clause before the joint `at` ends with a question mark (cut() strips it)."""
    before = unicodedata.normalize("NFC", text)[:at].rstrip()
    return before.endswith(("?", "？"))
