"""The part of the handbook's search index that only the names of its documents make (titles,
short titles, aliases, keywords, ready answers' questions): the segmenter with those names as its
domain words, the synonyms keyed by it, and the names' trigram channel (bot/handbook/search.py).

Shared by SAOs: no profile value enters a name but in a title or two, so a host's SAOs hold one
of each part that is the same for them (bench/content_per_sao.py).
"""
from __future__ import annotations

import re
import sys
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass

from bot.handbook import sections
from bot.handbook.lexicon import ORGANISATION, REQUEST_WORDS, SECTION_WORDS, SERVICE_VERBS, STOPWORDS, SYNONYMS
from bot.handbook.thai import Segmenter, fold, sound, squash, trigrams

STOP = frozenset(sound(fold(w)) for w in STOPWORDS)
# Stop words minus the verbs that name a service ("ขอ", "ทำ", "แจ้ง" …): a name keeps them.
FILLER = STOP - frozenset(sound(fold(w)) for w in SERVICE_VERBS)
# Requests that may come before or after what is requested ("ขออนุญาตสร้างบ้าน",
# "สร้างบ้านต้องขออนุญาตไหม"), longest first.
REQUESTS = tuple(sorted({sound(fold(w)) for w in REQUEST_WORDS}, key=len, reverse=True))
# The organisation itself: in almost every question, so never what names a service.
ORGANISATION_RE = re.compile(
    "|".join(sorted((re.escape(fold(w).replace(" ", "")) for w in ORGANISATION), key=len, reverse=True))
)
SECTION_KEYS = frozenset(sound(fold(w)) for w in SECTION_WORDS)


@dataclass(frozen=True)
class Phrase:
    doc: int  # index in HandbookSearch.docs
    grams: int  # how many distinct trigrams
    chars: int
    is_name: bool  # a title or an alias (what the service is called), not a keyword
    order: tuple[str, ...] = ()  # a name's trigrams in their order
    request: str = ""  # a name that starts with a request ("ขออนุญาต"): the request's key…
    after: tuple[str, ...] = ()  # …and the trigrams of the rest, in order


class Names:
    """The part of an index built from the documents' names and keywords alone: the segmenter
    (its domain words are those names), the synonyms keyed by it, and the names' channel (their
    trigrams, and their words in order). SAOs whose handbooks name their services alike share
    one; those whose names differ (two shipped titles carry the SAO's name) share what is equal
    in them (share_with) instead of holding 1.3 MiB each (bench/content_per_sao.py). Read-only
    once built."""

    def __init__(self, named: tuple, segmenter: Segmenter | None = None):
        """named: per document, (its names, its keywords, whether its names are matched by
        their words in order too); its names and keywords are the segmenter's domain words."""
        domain_words = [SYNONYMS[k] for k in SYNONYMS] + list(SYNONYMS)
        for names, keywords, _ in named:
            domain_words += [*names, *keywords]
        self.segmenter = segmenter or Segmenter(domain_words)
        keyed = self.segmenter.key_squash
        self.synonyms = sorted(((keyed(k), v) for k, v in SYNONYMS.items()), key=lambda kv: -len(kv[0]))
        # Per document, its names and keywords keyed: with its words, what explains a question's words.
        self.keyed = [tuple(keyed(n) for n in names + keywords) for names, keywords, _ in named]
        # Names and keywords as trigram sets, with an inverted index from trigram to phrases.
        self.phrases: list[Phrase] = []
        grams: dict[str, list[int]] = defaultdict(list)
        # Names of two or more words, as their words in order, anything in between:
        # "ขายริมถนน" is named by "ขายลูกชิ้นทอดริมถนน" (see _names_in for the order).
        self.name_words: list[tuple[int, tuple[str, ...]]] = []
        for i, (names, keywords, by_words) in enumerate(named):
            if by_words:
                for name in names:
                    words = self.content_words(name)
                    if len(words) >= 2:
                        self.name_words.append((i, words))
            seen: set[str] = set()
            for text, is_name in [(n, True) for n in names] + [(k, False) for k in keywords]:
                phrase, names_it = self.phrase_key(text)
                is_name = is_name and names_it
                if len(phrase) < 3 or phrase in seen:
                    continue
                seen.add(phrase)
                phrase_grams = set(trigrams(phrase))
                phrase_id = len(self.phrases)
                order = tuple(dict.fromkeys(trigrams(phrase))) if is_name else ()
                request = next((r for r in REQUESTS if phrase.startswith(r) and len(phrase) - len(r) >= 3), "")
                after = tuple(dict.fromkeys(trigrams(phrase[len(request):]))) if request and is_name else ()
                self.phrases.append(Phrase(i, len(phrase_grams), len(phrase), is_name, order, request, after))
                for g in phrase_grams:
                    grams[g].append(phrase_id)
        # Read with .get() (no default list made per missing gram); the grams interned, so
        # every index in the process holds one copy of each (share_with).
        self.grams: dict[str, tuple[int, ...]] = {sys.intern(g): tuple(ids) for g, ids in grams.items()}
        # Each name (as words) filed under its rarest word: a question is checked only against
        # the names whose rarest word it contains.
        uses: dict[str, int] = defaultdict(int)
        for _i, words in self.name_words:
            for word in set(words):
                uses[word] += 1
        self.name_word_index: dict[str, list[int]] = defaultdict(list)
        for n, (_i, words) in enumerate(self.name_words):
            self.name_word_index[min(words, key=lambda w: (uses[w], -len(w)))].append(n)

    def phrase_key(self, text: str) -> tuple[str, bool]:
        """A name as the trigram channel compares it, and whether it can name the service:
        without its question words and the organisation's name ("ขอถังขยะที่ไหน" → "ขอถังขยะ").
        When too little is left ("อบต.เปิดกี่โมง" → "เปิด") the whole name is compared, and
        only counts for ranking: "ร้านขายยาเปิดกี่โมง" does not name the SAO's office."""
        whole = self.segmenter.key_squash(text)
        core = self.segmenter.key_squash(ORGANISATION_RE.sub(" ", sections.strip_questions(squash(text))))
        if core == whole:
            return whole, True
        words = self.content_words(text)
        if len(words) >= 2 or (words and len(words[0]) >= 6):
            return core, True
        return whole, False

    def content_words(self, text: str) -> tuple[str, ...]:
        """The keyed words of a name that say something, once each: no particles or question words,
        but the verbs stay ("ทำฟาร์มหมู" is not named by a question that only mentions a pig farm)."""
        return tuple(dict.fromkeys(content_words(self.segmenter, text, FILLER)))

    def share_with(self, other: "Names") -> None:
        """Take other's equal parts instead of holding copies: two SAOs' names differ in a few
        titles ("การติดต่อ{{sao_name}}"), which the same trigram, the same phrase or the same
        document's names in both need not repeat. Only which object holds a value changes."""
        equal_values_from(self.grams, other.grams)
        self.phrases = equal_from(self.phrases, other.phrases)
        self.keyed = equal_from(self.keyed, other.keyed)
        self.name_words = equal_from(self.name_words, other.name_words)

    @classmethod
    def of(cls, named: tuple) -> "Names":
        """The one built for these names in this process, or a new one sharing what it can with
        the last one built (kept while an index uses it)."""
        with _names_lock:
            found = _NAMES.get(named)
            if found is None:
                found = _NAMES[named] = cls(named)
                last = _last_names.exchange(found)
                if last is not None:
                    found.share_with(last)
            return found


class LastBuilt:
    """The last object of a kind built in this process, held weakly: the one a new one shares
    its equal parts with (Names.of, HandbookSearch._share_with_last)."""

    def __init__(self):
        self._ref = None
        self._lock = threading.Lock()

    def exchange(self, new):
        """Make `new` the last one built; the one before it, if still alive."""
        with self._lock:
            last = self._ref() if self._ref is not None else None
            self._ref = weakref.ref(new)
            return last


_NAMES: "weakref.WeakValueDictionary[tuple, Names]" = weakref.WeakValueDictionary()
_last_names = LastBuilt()
_names_lock = threading.Lock()


def content_words(segmenter: Segmenter, text: str, skip: frozenset) -> list[str]:
    """The keyed words that say what a text is about: none of `skip`, no question words, section
    words, the SAO's name or digits (HandbookSearch.content_words skips every stop word, a name
    keeps the verbs that name a service: FILLER)."""
    rest = ORGANISATION_RE.sub(" ", sections.strip_questions(squash(text)))
    return [w for w in segmenter.general(rest) if w not in skip and w not in SECTION_KEYS and len(w) >= 2 and not w.isdigit()]


def equal_from(items: list, others: list) -> list:
    """items, each replaced by the item of others at its place when the two are equal."""
    return [o if o == item else item for item, o in zip(items, others)] + items[len(others):]


def equal_values_from(mine: dict, theirs: dict) -> None:
    """Each value of mine replaced, in place, by theirs under the same key when the two are equal."""
    for key, value in mine.items():
        same = theirs.get(key)
        if same == value:
            mine[key] = same
