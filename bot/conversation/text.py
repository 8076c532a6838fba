"""Light normalisation of typed commands (menu words, ยกเลิก, ใช่/ไม่).

Question answering has its own Thai search; this only makes short commands match
however people type them: spaces, zero-width characters, repeated letters, polite
particles, Thai digits and emoji.
"""
from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_NOT_WORD = re.compile(r"[^\w\u0E00-\u0E7F]+")
_REPEAT = re.compile(r"(.)\1{2,}")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_PARTICLES = ("ครับผม", "ครับ", "คับ", "ค่ะ", "คะ", "ค่ะ", "ค่า", "จ้า", "จ้ะ", "นะ", "หน่อย", "ด้วย")


def clean_typed(text: str) -> str:
    """Only the noise removed (NFC, zero-width characters, Thai digits, outer spaces):
    for commands whose argument must keep its letters, such as a registration code."""
    text = unicodedata.normalize("NFC", text or "")
    return _ZERO_WIDTH.sub("", text).translate(_THAI_DIGITS).strip()


def normalize_command(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = _ZERO_WIDTH.sub("", text).translate(_THAI_DIGITS).lower()
    text = text.replace("เเ", "แ")  # two sara e typed for sara ae
    text = _NOT_WORD.sub("", text)  # spaces, punctuation, emoji
    text = _REPEAT.sub(r"\1", text)  # ค่าาาา → ค่า
    changed = True
    while changed and text:
        changed = False
        for particle in _PARTICLES:
            if text.endswith(particle) and len(text) > len(particle):
                text = text[: -len(particle)]
                changed = True
    return text
