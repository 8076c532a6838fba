"""Thai text made ready for a PDF page: where lines may break, and only characters the font has.

Thai writes words without spaces, so a PDF library that breaks lines at spaces would either
overflow a table cell or cut a word in the middle (even between a consonant and its vowel or
tone mark). Here each Thai run is segmented into words (newmm, nlpo3's Rust implementation,
over PyThaiNLP's bundled word list: offline) and a zero-width space is put between words,
which fpdf2 treats as a break opportunity and draws as nothing.

Characters the Sarabun font has no glyph for (emoji, most symbols) would print as empty
boxes; they are left out of the PDF (the XLSX keeps the text as written).
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

from bot.common.fonts import font_path

ZWSP = "\u200b"
_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_LOCK = threading.Lock()
_DICTIONARY = "sao-report-display"


@lru_cache(maxsize=1)
def _dictionary() -> str:
    from pythainlp.corpus import thai_words

    from bot.handbook.thai import _load_dictionary  # the project's one nlpo3 loader

    words = {w for w in thai_words() if w and " " not in w}
    return _load_dictionary(_DICTIONARY, words)


@lru_cache(maxsize=1)
def font_characters() -> frozenset[int]:
    """Code points Sarabun (regular and bold share them) can draw."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font_path("Regular")), lazy=True) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=4096)
def _segment(run: str) -> str:
    import nlpo3

    with _LOCK:
        name = _dictionary()
    return ZWSP.join(nlpo3.segment(run, name))


def printable(text: str) -> str:
    """Only what the font can draw; control and invisible characters become spaces."""
    have = font_characters()
    text = _CONTROL.sub(" ", text)
    if all(ord(ch) in have or ch in "\n " for ch in text):
        return text
    kept = "".join(ch if ord(ch) in have or ch in "\n " else "" for ch in text)
    return re.sub(r"[ ]{2,}", " ", kept)


def breakable(text: str) -> str:
    """Printable text with a zero-width space between Thai words."""
    text = printable(text)
    return _THAI_RUN.sub(lambda m: _segment(m.group()), text)
