"""Thai text as villagers type it, made comparable: normalisation, folding and word segmentation.

- normalise(): Unicode NFC, zero-width characters out, Thai digits to Arabic, เเ → แ,
  letters typed three or more times once (ค่าาาา → ค่า), a few emoji that carry meaning
  (👵 ♿ 🗑️ 💧 🏠 …) turned into words and every other emoji, punctuation and symbol into space.
- fold(): normalise() without tone marks and the other marks people often leave out or
  mistype (่ ้ ๊ ๋ ็ ์): "เบียคนแก" and "เบี้ยคนแก่" fold to the same text. The whole search
  works on folded text, so missing or wrong tone marks cost nothing.
- Segmenter: newmm word segmentation (nlpo3, its Rust implementation) over a dictionary of
  folded words: the PyThaiNLP word list plus the handbook's own names, aliases and keywords
  (the domain dictionary), so "เบี้ยคนแก่" stays one word. Offline: the word list ships
  inside the pythainlp wheel.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import unicodedata
from functools import lru_cache
from typing import Iterable


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Tone marks, mai taikhu and thanthakhat: left out or mistyped all the time in chat.
_FOLD_MARKS = str.maketrans("", "", "\u0e48\u0e49\u0e4a\u0e4b\u0e47\u0e4c")
_REPEAT = re.compile(r"(.)\1{2,}")
_NOT_WORD = re.compile(r"[^0-9a-z\u0e00-\u0e7f]+")
# Emoji that say something a villager means; any other emoji is only decoration.
EMOJI_WORDS = {
    "👴": " ผู้สูงอายุ ", "👵": " ผู้สูงอายุ ", "🧓": " ผู้สูงอายุ ", "♿": " คนพิการ ", "🦽": " คนพิการ ",
    "🦼": " คนพิการ ", "👶": " เด็ก ", "🍼": " เด็ก ", "🗑": " ขยะ ", "🚮": " ขยะ ", "💧": " น้ำ ",
    "🚰": " น้ำ ", "🏠": " บ้าน ", "🏡": " บ้าน ", "🔥": " ไฟไหม้ ", "🌊": " น้ำท่วม ", "🌪": " พายุ ",
    "📄": " เอกสาร ", "📃": " เอกสาร ", "💸": " เงิน ", "💰": " เงิน ", "💵": " เงิน ", "📞": " โทร ",
    "☎": " โทร ", "📍": " ที่ไหน ", "🗺": " แผนที่ ", "⏰": " เวลา ", "🕐": " เวลา ",
}
_EMOJI = re.compile("|".join(map(re.escape, sorted(EMOJI_WORDS, key=len, reverse=True))))


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = _ZERO_WIDTH.sub("", text)
    text = _EMOJI.sub(lambda m: EMOJI_WORDS[m.group(0)], text)
    text = text.translate(_THAI_DIGITS).lower()
    text = text.replace("เเ", "แ").replace("ํา", "ำ")  # two sara e; nikhahit + sara aa
    text = _REPEAT.sub(r"\1", text)
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.split())


def fold(text: str) -> str:
    """normalise() without tone marks: the form every comparison in the search uses."""
    return _REPEAT.sub(r"\1", normalise(text).translate(_FOLD_MARKS))


def squash(text: str) -> str:
    """fold() without spaces: for matching phrases however the words were spaced."""
    return fold(text).replace(" ", "")


def trigrams(text: str) -> list[str]:
    """Character trigrams of a squashed text (a text of 1–2 characters is its own gram)."""
    if len(text) < 3:
        return [text] if text else []
    return [text[i : i + 3] for i in range(len(text) - 2)]


# Polite and Isan sentence-final particles, folded; stripped before segmenting because
# glued to the last word they mislead the segmenter.
_PARTICLES = ("ครับผม", "ครับ", "คับ", "นะคะ", "คะ", "จา", "จะ", "นะ", "ฮะ", "เดอ", "เนาะ", "แหน", "ฮับ")


def strip_particles(chunk: str) -> str:
    changed = True
    while changed:
        changed = False
        for particle in _PARTICLES:
            if chunk.endswith(particle) and len(chunk) - len(particle) >= 2:
                chunk = chunk[: -len(particle)]
                changed = True
    return chunk


_DICT_LOCK = threading.Lock()
_LOADED: set[str] = set()


@lru_cache(maxsize=1)
def general_words() -> frozenset[str]:
    """PyThaiNLP's bundled word list, folded (it ships inside the wheel: no download)."""
    from pythainlp.corpus import thai_words

    # The word list is clean text: dropping the marks is all folding does to it (and is fast).
    words = {w.replace(" ", "").translate(_FOLD_MARKS) for w in thai_words()}
    # Entries that glue a particle to a word ("นคะ" makes "ไปเขตไหนคะ" split as "ไห|นคะ").
    return frozenset(w for w in words if w and not (len(w) > 3 and w.endswith(_PARTICLES)))


def _load_dictionary(name: str, words: Iterable[str]) -> str:
    """Load a word list into nlpo3 under `name` once per process (nlpo3 keeps it for good)."""
    import nlpo3

    with _DICT_LOCK:
        if name not in _LOADED:
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "words.txt")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(sorted(words)))
                message, ok = nlpo3.load_dict(path, name)
                if not ok and "already exists" not in message:
                    raise RuntimeError(f"nlpo3 could not load the {name} dictionary: {message}")
            _LOADED.add(name)
    return name


class Segmenter:
    """Word segmentation (newmm's algorithm, in Rust: nlpo3) over folded text.

    Two passes, merged: with the domain dictionary (the handbook's names, aliases and
    keywords added to the word list, so "เบียคนแก" stays one word, a precise match for a
    name) and with the plain word list ("เบีย", "คน", "แก": partial matches). nlpo3 loads
    a 62,000-word dictionary in about 0.1 s and segments a question in microseconds; a
    dictionary stays loaded for the life of the process, so each content version adds
    one (a few MB) — content changes are rare.
    """

    def __init__(self, domain_words: Iterable[str] = ()):
        import nlpo3

        self._segment = nlpo3.segment
        general = general_words()
        self._general = _load_dictionary("sao-general", general)
        domain = frozenset({squash(w) for w in domain_words} - {""})
        self.domain = domain
        if domain - general:
            digest = hashlib.sha1("\n".join(sorted(domain)).encode("utf-8")).hexdigest()[:16]
            self._domain = _load_dictionary(f"sao-domain-{digest}", general | domain)
        else:
            self._domain = self._general

    def coarse(self, folded: str) -> list[str]:
        """Words by the domain dictionary only: names stay whole."""
        return [t for chunk in folded.split() for t in self._segment(strip_particles(chunk), self._domain) if t.strip()]

    def general(self, folded: str) -> list[str]:
        """Words by the plain word list only (fine-grained)."""
        return [t for chunk in folded.split() for t in self._segment(strip_particles(chunk), self._general) if t.strip()]

    def words(self, folded: str) -> list[str]:
        """Segment text that is already folded; spaces separate words the person spaced."""
        out: dict[str, None] = {}
        for chunk in folded.split():
            chunk = strip_particles(chunk)
            if chunk.isascii():
                out[chunk] = None
                continue
            for name in (self._domain, self._general):
                for token in self._segment(chunk, name):
                    if token.strip():
                        out[token] = None
        return list(out)
