"""Thai text as villagers type it, made comparable: normalisation, folding, sound keys, segmentation.

- normalise(): Unicode NFC, zero-width characters out, Thai digits to Arabic, เเ → แ,
  letters typed three or more times once (ค่าาาา → ค่า), a few emoji that carry meaning
  (👵 ♿ 🗑️ 💧 🏠 …) turned into words and every other emoji, punctuation and symbol into space.
- fold(): normalise() without tone marks and the other marks people often leave out or
  mistype (่ ้ ๊ ๋ ็ ์): "เบียคนแก" and "เบี้ยคนแก่" fold to the same text. Section cues
  (bot/handbook/sections.py) are read on folded text.
- key(): fold() plus the spellings Thai speakers write for the same sound, so a misspelt
  word keeps its key: letters of the same sound and class (ศ ษ → ส, ณ → น, ภ → พ, ธ → ท …),
  long and short vowels (ี/ิ, ู/ุ, ื/ึ), ใ/ไ, a final consonant by its sound (พิการ and
  พิกาน, อนุญาต and อนุญาด, บาท and บาด end alike), the ร/ล of a cluster (ประปา → ปะปา,
  สร้าง → สาง) and a short ะ inside a word (ชะรา → ชรา). The search compares keys only.
- Segmenter: newmm word segmentation (nlpo3, its Rust implementation) over the keyed
  PyThaiNLP word list, loaded once per process, with the handbook's names, aliases and
  keywords (the domain words) joined back whole from the words newmm finds, so "เบี้ยคนแก่"
  is one word. Offline: the word list ships inside the pythainlp wheel.
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Tone marks, mai taikhu and thanthakhat: left out or mistyped all the time in chat.
_FOLD_MARKS = str.maketrans("", "", "\u0e48\u0e49\u0e4a\u0e4b\u0e47\u0e4c")
# Letters typed again and again for emphasis ("ค่าาาา", "มากกกก", "ไหลลลล"): a vowel or mark
# twice or more (never right in Thai), a letter four times or more, or three times at the end
# of a word. Not three letters inside a word: "แบบบ้าน" is แบบ + บ้าน.
_REPEAT = re.compile(r"([\u0e30-\u0e4e])\1+|(.)\2{3,}|(.)\3{2,}(?![\u0e01-\u0e4e])")


def _once(m: re.Match) -> str:
    return m.group(1) or m.group(2) or m.group(3)

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
    text = _REPEAT.sub(_once, text)
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.split())


@lru_cache(maxsize=64)  # a search folds its question several times; not a cache of questions
def fold(text: str) -> str:
    """normalise() without tone marks: the form every comparison in the search uses."""
    return _REPEAT.sub(_once, normalise(text).translate(_FOLD_MARKS))


def squash(text: str) -> str:
    """fold() without spaces: for matching phrases however the words were spaced."""
    return fold(text).replace(" ", "")


# --- sound keys --------------------------------------------------------------------------------
# Letters of the same sound and the same tone class, written one for the other (the rarer
# letter → the common one); long vowels → short; ใ → ไ. Not ข/ค or ส/ซ: those differ in tone.
_SAME_SOUND = str.maketrans("ศษณฬภฆฑฒธฐฎฏฌฃฅใีืู", "สสนลพคทททถดตชขคไิึุ")
_VOWEL_AFTER = "ะาิึุัำ"  # vowels written after (or over, under) a consonant, after _SAME_SOUND
# ร/ล after a first consonant of a cluster, before its vowel: often dropped (ปะปา, คับ, สาง).
_CLUSTER = re.compile(f"(?<=[กขคตปพผส])[รล](?=[{_VOWEL_AFTER}])")
_THR = re.compile(f"ทร(?=[{_VOWEL_AFTER}])")  # ทราย, ทรัพย์: said ซ
# A consonant right after a vowel and not before one ends the syllable: said by its class.
_FINALS = [
    (re.compile(f"(?<=[าิึุั])[{letters}](?![{_VOWEL_AFTER}])"), sound)
    for letters, sound in (("ขค", "ก"), ("จชซตถทส", "ด"), ("ปพฟ", "บ"), ("รลญ", "น"))
]


def sound(folded: str) -> str:
    """The sound key of one folded word (or of many words, one per line).

    Applied to a word, not to running text: a final consonant is recognised as one that
    follows a vowel and is not followed by one, which is only true at the end of a word
    or a syllable inside it ("ค่า|ขยะ" keeps the ข of ขยะ; "ค่าขยะ" as one string would not).
    """
    text = folded.translate(_SAME_SOUND)
    text = _CLUSTER.sub("", text)
    text = _THR.sub("ซ", text)
    for pattern, said in _FINALS:
        text = pattern.sub(said, text)
    return text


_sound_word = lru_cache(maxsize=1 << 16)(sound)  # words recur: key each once


def trigrams(text: str) -> list[str]:
    """Character trigrams of a squashed text (a text of 1–2 characters is its own gram)."""
    if len(text) < 3:
        return [text] if text else []
    return [text[i : i + 3] for i in range(len(text) - 2)]


# Polite and Isan sentence-final particles, folded; stripped before segmenting because glued
# to the last word they mislead the segmenter.
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


# The one nlpo3 dictionary of a process: nlpo3 keeps a loaded dictionary for good and cannot
# replace one, so content versions must not each load their own (that leaked a few MB per
# reload). Its name changes only when the word list or the keying above changes.
_GENERAL_DICTIONARY = "sao-general-2"
_DICT_LOCK = threading.Lock()
_LOADED: set[str] = set()


def general_words() -> frozenset[str]:
    """PyThaiNLP's bundled word list, folded (it ships inside the wheel: no download)."""
    from pythainlp.corpus import thai_words

    # The word list is clean text: dropping the marks is all folding does to it (and is fast).
    words = {w.replace(" ", "").translate(_FOLD_MARKS) for w in thai_words()}
    # Entries that glue a particle to a word ("นคะ" makes "ไปเขตไหนคะ" split as "ไห|นคะ").
    return frozenset(w for w in words if w and not (len(w) > 3 and w.endswith(_PARTICLES)))


def segmenting_words() -> frozenset[str]:
    """The word list newmm segments folded text with: every word folded, and keyed too, so
    a misspelling that keys like a word ("พิกาน", "อนุญาด") stays one word. Not kept: once
    nlpo3 has it, these sets (about 30 MB) would only weigh on every worker."""
    words = general_words()
    return words | frozenset(sound("\n".join(words)).split("\n"))


def _load_dictionary(name: str, words: Callable[[], Iterable[str]]) -> str:
    """Load the word list `words()` makes into nlpo3 under `name`, once per process (the list
    is made only then)."""
    import nlpo3

    with _DICT_LOCK:
        if name not in _LOADED:
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "words.txt")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(sorted(words())))
                message, ok = nlpo3.load_dict(path, name)
                if not ok and "already exists" not in message:
                    raise RuntimeError(f"nlpo3 could not load the {name} dictionary: {message}")
            _LOADED.add(name)
    return name


def load_general_dictionary() -> str:
    """The segmenter's word list in nlpo3: about 80 MB of nlpo3's memory that it only ever
    reads, so a process that forks workers loads it first and they share it (gunicorn.conf.py)."""
    return _load_dictionary(_GENERAL_DICTIONARY, segmenting_words)


def loaded_dictionaries() -> int:
    """How many nlpo3 dictionaries this process has loaded (one, however often content changes)."""
    return len(_LOADED)


@lru_cache(maxsize=4096)
def _keyed_words(chunk: str, dictionary: str) -> tuple[str, ...]:
    """Keyed words of one folded chunk by the general word list: the same for every segmenter, and
    a message's chunks are segmented again and again (its words, its search, each clause of
    it: a tenth of a long message's time), so each once."""
    if chunk.isascii():
        return (strip_particles(chunk),) if chunk else ()
    import nlpo3

    return tuple(_sound_word(t) for t in nlpo3.segment(strip_particles(chunk), dictionary) if t.strip())


class Segmenter:
    """Folded text → keyed words: newmm (nlpo3) over the folded-and-keyed word list, loaded
    once per process, each word keyed, then the handbook's own words joined back whole.

    newmm splits a name it does not know into words it does ("เบียคนแก" → เบีย|คน|แก);
    consecutive words that spell a domain word are joined back (longest first), so a name
    is one precise token. The domain words live in this object and go with it when content
    changes; only the general word list stays loaded in nlpo3 (about 0.2 s to load).
    """

    _MAX_PARTS = 8  # a domain word is made of at most this many newmm words

    def __init__(self, domain_words: Iterable[str] = ()):
        self._dictionary = load_general_dictionary()
        self.domain = frozenset({self.key_squash(w) for w in domain_words} - {""})
        self._longest = max((len(w) for w in self.domain), default=0)

    def _newmm(self, chunk: str) -> tuple[str, ...]:
        """Keyed words of one folded chunk (no spaces)."""
        return _keyed_words(chunk, self._dictionary)

    def _join_domain(self, parts: list[str]) -> list[str]:
        out, i = [], 0
        while i < len(parts):
            joined = None
            text = parts[i]
            for j in range(i + 2, min(len(parts), i + self._MAX_PARTS) + 1):
                text += parts[j - 1]
                if len(text) > self._longest:
                    break
                if text in self.domain:
                    joined = (text, j)
            if joined:
                out.append(joined[0])
                i = joined[1]
            else:
                out.append(parts[i])
                i += 1
        return out

    def key_squash(self, text: str) -> str:
        """The key of a text without spaces: its words keyed one by one and joined."""
        return "".join(t for chunk in fold(text).split() for t in self._newmm(chunk))

    def coarse(self, folded: str) -> list[str]:
        """Keyed words with the domain words whole (names stay one token)."""
        return [t for chunk in folded.split() for t in self._join_domain(self._newmm(chunk))]

    def general(self, folded: str) -> list[str]:
        """Keyed words by the plain word list only (fine-grained)."""
        return [t for chunk in folded.split() for t in self._newmm(chunk)]

    def words(self, folded: str) -> list[str]:
        """Both: the domain words whole and their parts; spaces separate words the person spaced."""
        out: dict[str, None] = {}
        for chunk in folded.split():
            parts = self._newmm(chunk)
            for token in self._join_domain(parts):
                out[token] = None
            for token in parts:
                out[token] = None
        return list(out)
