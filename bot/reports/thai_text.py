"""Thai text made ready for a PDF page: where lines may break, and only characters the font has.

Thai writes words without spaces, so a PDF library that breaks lines at spaces would either
overflow a table cell or cut a word in the middle (even between a consonant and its vowel or
tone mark). Here text is split into the pieces a line may break between: spaces, and each Thai
run segmented into words (newmm, nlpo3's Rust implementation, over PyThaiNLP's bundled word
list: offline). render_pdf.py measures the pieces and breaks the lines itself, so nothing is
added to the text: a PDF's text layer reads back, and is searched, exactly as it was written
(an invisible break character between words would stop "ตำบล" being found).

Characters the Sarabun font has no glyph for (emoji, most symbols) would print as empty
boxes; they are left out of the PDF (the XLSX keeps the text as written).
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

from bot.common.fonts import font_path

_THAI_RUN = re.compile(r"[\u0e00-\u0e7f]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_LOCK = threading.Lock()
_DICTIONARY = "sao-report-display"


@lru_cache(maxsize=1)
def _dictionary() -> str:
    from pythainlp.corpus import thai_words

    from bot.handbook.thai import _load_dictionary  # the project's one nlpo3 loader

    return _load_dictionary(_DICTIONARY, lambda: {w for w in thai_words() if w and " " not in w})


@lru_cache(maxsize=1)
def font_characters() -> frozenset[int]:
    """Code points Sarabun (regular and bold share them) can draw."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font_path("Regular")), lazy=True) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=4096)
def _segment(run: str) -> tuple[str, ...]:
    import nlpo3

    with _LOCK:
        name = _dictionary()
    return tuple(w for w in nlpo3.segment(run, name) if w)


def printable(text: str) -> str:
    """Only what the font can draw; control and invisible characters become spaces."""
    have = font_characters()
    text = _CONTROL.sub(" ", text)
    if all(ord(ch) in have or ch in "\n " for ch in text):
        return text
    kept = "".join(ch if ord(ch) in have or ch in "\n " else "" for ch in text)
    return re.sub(r"[ ]{2,}", " ", kept)


_PIECE = re.compile(r"[ \n]+|[^ \n]+")


def words(text: str) -> list[str]:
    """Printable text as the pieces a line may break between: runs of white space, and words
    (a Thai run is split where its words meet; other text only at spaces). Joined, they are
    printable(text) exactly, without a character added."""
    pieces: list[str] = []
    for match in _PIECE.finditer(printable(text)):
        chunk = match.group()
        if chunk[0] in " \n":
            pieces.append(chunk)
            continue
        current, position = "", 0
        for run in _THAI_RUN.finditer(chunk):
            segmented = _segment(run.group()) or (run.group(),)
            current += chunk[position:run.start()] + segmented[0]
            for word in segmented[1:]:
                pieces.append(current)
                current = word
            position = run.end()
        pieces.append(current + chunk[position:])
    return pieces
