"""Offline Thai search over the handbook, and the decision it leads to.

Everything is compared by sound key (bot/handbook/thai.py: folded, with the spellings Thai
speakers write for the same sound made one), so "เบี้ยคนพิกาน" and "ขออนุญาดก่อสร้าง" are
read as the names they misspell.

Ranking (measured against SQLite FTS5 in bench/handbook_eval.py; this is faster at this
size and lets us weigh fields and fuzzy names, see the README):
  1. words: BM25F over segmented words, names weighted over keywords over body text, with
     colloquial and Isan synonyms added to the question. Section words ("เอกสาร",
     "ค่าธรรมเนียม", "ขั้นตอน" …, lexicon.SECTION_WORDS) say which part of a procedure is
     asked, not which procedure, and do not count here;
  2. names: how much of each name or alias (title, short title, aliases, keywords) is
     contained in the question, counted in character trigrams of keys without spaces.
     This is what makes typos, missing tone marks and odd spacing cheap.
Topics the SAO does not handle (content/not-handled.yaml: ID cards, passports, …) are
ranked with the procedures; when one wins, the bot says where to go instead of guessing.
Ready answers (content/faq.yaml) are ranked the same way, their question and aliases as names.

Decision (thresholds calibrated on the dev half of bench/handbook_eval/questions.tsv):
  answer   — a procedure the question is about, not one that only shares a word with it.
             Evidence of the service is one of its names in the question: the title, short
             title or an alias — what the SAO does for the citizen ("ขออนุญาตสร้างบ้าน") or
             the one thing the service is about ("เบี้ยคนพิการ", "ขยะ") — with 75% of its
             trigrams, or all its words in any order ("ป้ายร้าน…เสียภาษี" names "ภาษีป้าย").
             Named procedures and topics go before those that only share words, if not far
             behind ("ฟาร์มหมูข้างบ้านเหม็น ร้องเรียนได้ไหม" is a complaint, not a farm
             licence). Without a name, the best by score must explain half of the question's
             words (30% when the match is strong): "ร้านส้มตำเจ้าไหนอร่อย" shares "ส้มตำ" with
             the food-shop permit and nothing else, so the bot does not answer with the permit;
  choose   — two or three close together, equally named: "หมายถึงเรื่องไหนคะ";
  outside  — a not-handled topic wins: say so and where to go;
  faq      — a ready answer wins: send it as it is;
  unknown  — nothing matches well enough: say honestly that the bot does not know.
"""
from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, field

from bot.handbook import sections
from bot.handbook.lexicon import ASKING_WORDS
from bot.handbook.model import FaqEntry, Handbook, NotHandledTopic, Procedure
from bot.handbook.names import (ORGANISATION_RE, REQUESTS, SECTION_KEYS, STOP, LastBuilt, Names, Phrase, content_words,
                                equal_from, equal_values_from)
from bot.handbook.thai import Segmenter, fold, sound, trigrams

_ASKING = frozenset(sound(fold(w)) for w in ASKING_WORDS)
_ASKED_OF_A_SERVICE = frozenset({"documents", "fees", "duration", "steps", "eligibility"})  # not hours or places


@dataclass(frozen=True)
class Tuning:
    k1: float = 1.2
    b: float = 0.5
    name_weight: float = 3.0  # title, short title, aliases
    keyword_weight: float = 2.0
    body_weight: float = 1.0  # overview and eligibility text
    phrase_weight: float = 0.5  # the names channel against the words channel
    min_containment: float = 0.6  # a name counts when this share of its trigrams is in the question
    name_evidence: float = 0.75  # …and is evidence of the service at this share (titles and aliases only)
    named_ratio: float = 0.5  # a named procedure or topic goes first if it scores this share of the best
    abstain_below: float = 4.0  # best score under this: "unknown"
    min_coverage: float = 0.5  # no name in the question: the procedure must explain this share of it
    strong_coverage: float = 0.3  # …or this share when the best score is at least sure_above
    close_ratio: float = 0.8  # runner-up at this share of the best score: a close call
    sure_above: float = 14.0  # …unless the best is at least this high


@dataclass(frozen=True)
class Hit:
    key: str  # procedure id, "not-handled:<topic id>" or "faq:<entry id>"
    score: float
    procedure: Procedure | None = None
    topic: NotHandledTopic | None = None
    named: float = 0.0  # the largest share of one of its names (title, alias) in the question
    faq: FaqEntry | None = None


@dataclass(frozen=True)
class SearchResult:
    question: str
    outcome: str  # answer | choose | outside | faq | unknown
    section: str | None
    hits: tuple[Hit, ...] = ()  # best first
    choices: tuple[Procedure, ...] = ()  # for "choose": the procedures to offer
    topic: NotHandledTopic | None = None  # for "outside"
    faq: FaqEntry | None = None  # for "faq"

    @property
    def procedure(self) -> Procedure | None:
        return self.hits[0].procedure if self.outcome == "answer" else None

    @property
    def score(self) -> float:
        return round(self.hits[0].score, 3) if self.hits else 0.0

    @property
    def alternatives(self) -> list[str]:
        if self.outcome == "choose":
            return [p.id for p in self.choices]
        if self.outcome == "answer":
            return [h.key for h in self.hits[1:3] if h.procedure is not None]
        return []


@dataclass
class _Doc:
    key: str
    procedure: Procedure | None = None
    topic: NotHandledTopic | None = None
    faq: FaqEntry | None = None
    tf: dict[str, float] = field(default_factory=dict)
    length: float = 0.0


@dataclass(frozen=True)
class _Query:
    text: str
    asks: bool  # asks the SAO for something, reports a problem, or mentions the SAO
    tokens: list[str]  # keyed words for the words channel (synonyms' words added)
    squashed: str  # keyed, without spaces, synonyms' words appended: for names
    canonicals: tuple[str, ...]  # keyed handbook words the question's synonyms stand for


_last_index = LastBuilt()


def _named(handbook: Handbook) -> tuple:
    """Per document, in the index's order (procedures, not-handled topics, ready answers): its
    names, its keywords, and whether its names are also matched by their words in order."""
    return (
        tuple((tuple([p.title, p.short_title, *p.aliases]), tuple(p.keywords), True) for p in handbook.procedures)
        + tuple((tuple([t.title, *t.keywords]), (), False) for t in handbook.not_handled)
        + tuple((tuple([e.question, *e.aliases]), (), True) for e in handbook.faq)
    )


class HandbookSearch:
    """The index of one Handbook version; built once, then read by any number of threads."""

    def __init__(self, handbook: Handbook, tuning: Tuning | None = None, segmenter: Segmenter | None = None):
        self.handbook = handbook
        self.tuning = t = tuning or Tuning()
        named = _named(handbook)
        shared = Names(named, segmenter) if segmenter is not None else Names.of(named)
        self._shared = shared  # what other SAOs' indexes may share (Names)
        self.segmenter = shared.segmenter
        self._synonyms = shared.synonyms
        self.docs: list[_Doc] = []
        names_of = iter(named)
        for p in handbook.procedures:
            doc = _Doc(p.id, procedure=p)
            names, keywords, _ = next(names_of)
            self._add(doc, names, t.name_weight)
            self._add(doc, keywords, t.keyword_weight)
            self._add(doc, p.indexed_texts(), t.body_weight)  # overview, eligibility (schema.py: indexed)
            self.docs.append(doc)
        for topic in handbook.not_handled:
            doc = _Doc(f"not-handled:{topic.id}", topic=topic)
            # Whole keywords only: the bot redirects a question elsewhere only on clear words
            # ("ทำบัตรประชาชน"), never on a part of one ("โรงเรียน" from "โรงเรียนประถม").
            self._add(doc, next(names_of)[0], t.name_weight, whole_only=True)  # its title and keywords
            self.docs.append(doc)
        for entry in handbook.faq:
            doc = _Doc(entry.key, faq=entry)
            self._add(doc, next(names_of)[0], t.name_weight)  # its question and aliases
            self.docs.append(doc)
        self._index = {doc.key: i for i, doc in enumerate(self.docs)}
        n = len(self.docs)
        df: dict[str, int] = defaultdict(int)
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(self.docs):
            for token, weight in doc.tf.items():
                df[token] += 1
                postings[token].append((i, weight))
        self._postings = {token: tuple(found) for token, found in postings.items()}
        self._idf = {tok: math.log(1 + (n - d + 0.5) / (d + 0.5)) for tok, d in df.items()}
        self._top_idf = max(self._idf.values(), default=1.0)
        self._avg_len = sum(d.length for d in self.docs) / max(n, 1)
        self._names: list[tuple[str, ...]] = [keyed + tuple(doc.tf) for keyed, doc in zip(shared.keyed, self.docs)]
        self._phrases = shared.phrases
        self._grams = shared.grams
        self._name_words = shared.name_words
        self._name_word_index = shared.name_word_index
        self._share_with_last()

    def _share_with_last(self) -> None:
        """Hold what equals the last index built in this process (another SAO's, or this SAO's
        before an edit) as the same objects: most documents' words and most words' postings are
        the same from one SAO to the next (bench/content_per_sao.py)."""
        last = _last_index.exchange(self)
        if last is None:
            return
        equal_values_from(self._postings, last._postings)
        for doc, other in zip(self.docs, last.docs):
            if doc.tf == other.tf:
                doc.tf = other.tf
        self._names = equal_from(self._names, last._names)

    def _tokens(self, text: str) -> list[str]:
        return [w for w in self.segmenter.words(fold(text)) if w not in STOP]

    def _add(self, doc: _Doc, texts, weight: float, whole_only: bool = False) -> None:
        for text in texts:
            tokens = self.segmenter.coarse(fold(text)) if whole_only else self._tokens(text)
            for token in tokens:
                if token in STOP:
                    continue
                doc.tf[token] = doc.tf.get(token, 0.0) + weight
                doc.length += weight

    # --- ranking ------------------------------------------------------------------------

    def _analyse(self, question: str) -> _Query:
        """The question read once: its keyed words and the synonyms it uses."""
        folded = fold(question)
        parts = self.segmenter.general(folded)
        squashed = "".join(parts)
        # A synonym counts only as whole words of the question ("รื้อ" is not in "เรือ").
        runs = {"".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, min(len(parts), i + 4) + 1)}
        canonicals = tuple(canonical for phrase, canonical in self._synonyms if phrase in runs)
        # Question words say what is asked, not which service: "ติดต่อใคร" is not "ติดต่อ อบต."
        asked = " ".join(sections.strip_questions(chunk) for chunk in folded.split())
        tokens = [w for w in self.segmenter.words(asked) if w not in STOP]
        for canonical in canonicals:
            tokens += self._tokens(canonical)
        tokens = [w for w in dict.fromkeys(tokens) if w not in SECTION_KEYS]
        extra = "".join(self.segmenter.key_squash(c) for c in canonicals)
        asks = (
            any(w in parts if len(w) < 3 else w in squashed for w in _ASKING)
            or bool(ORGANISATION_RE.search(folded.replace(" ", "")))
            or (sections.is_yes_no(question) and sections.asks_may_or_must(question))
            # what to bring, what it costs, how long, how, who may: asked of a service
            or bool(sections.cue_sections(question) & _ASKED_OF_A_SERVICE)
        )
        keyed_canonicals = tuple(self.segmenter.key_squash(c) for c in canonicals)
        return _Query(question, asks, tokens, squashed + extra, keyed_canonicals)

    def query_tokens(self, question: str) -> list[str]:
        return list(self._analyse(question).tokens)

    def _score(self, q: _Query) -> tuple[dict[int, float], dict[int, float]]:
        """Scores per document, and per document the largest share of one of its names."""
        t = self.tuning
        total: dict[int, float] = defaultdict(float)
        for token in q.tokens:
            idf = self._idf.get(token)
            if idf is None:
                continue
            for i, tf in self._postings[token]:
                norm = t.k1 * (1 - t.b + t.b * self.docs[i].length / self._avg_len)
                total[i] += idf * tf * (t.k1 + 1) / (tf + norm)
        hits: dict[int, int] = defaultdict(int)
        where: dict[str, int] = {}
        for at, g in enumerate(trigrams(q.squashed)):
            where.setdefault(g, at)
        for g in where:
            for phrase_id in self._grams.get(g, ()):
                hits[phrase_id] += 1
        best: dict[int, float] = {}
        named: dict[int, float] = {}
        for phrase_id, count in hits.items():
            phrase = self._phrases[phrase_id]
            share = count / phrase.grams
            if share < t.min_containment or (phrase.grams <= 2 and share < 1):
                continue
            i = phrase.doc
            best[i] = max(best.get(i, 0.0), share * share * phrase.chars)
            if phrase.is_name and share > named.get(i, 0.0):
                named[i] = max(named.get(i, 0.0), _named_share(phrase, where, q.squashed))
        for i, value in best.items():
            total[i] += t.phrase_weight * value
        for word, names in self._name_word_index.items():
            if word in q.squashed:
                for n in names:
                    i, words = self._name_words[n]
                    if named.get(i, 0.0) < 1.0 and _words_in_order(words, q.squashed):
                        named[i] = 1.0
        return total, named

    def scores(self, question: str) -> dict[int, float]:
        return self._score(self._analyse(question))[0]

    def coverage(self, question: str, doc_index: int, q: _Query | None = None) -> float:
        """How much of what the question is about (idf-weighted words; question words, section
        words, the SAO's name and filler left out) the document explains. A question about
        mangoes that shares only "ปลูก" with the building permit is not about the building permit."""
        q = q or self._analyse(question)
        doc = self.docs[doc_index]
        words = self.content_words(question)
        if not words:
            return 1.0
        names = self._names[doc_index] + q.canonicals
        have = total = 0.0
        for w in words:
            weight = self._idf.get(w, self._top_idf)
            total += weight
            if w in doc.tf or any(w in name for name in names):
                have += weight
        return have / total

    def content_words(self, text: str) -> list[str]:
        """The keyed words that say what a text is about: no question words, section words,
        the SAO's name, particles or filler (also how the console groups similar questions)."""
        return content_words(self.segmenter, text, STOP)

    def rank(self, question: str, limit: int = 5) -> list[Hit]:
        return self._rank(self._analyse(question), limit)

    def _rank(self, q: _Query, limit: int = 5) -> list[Hit]:
        total, named = self._score(q)
        scored = sorted(total.items(), key=lambda kv: -kv[1])[:limit]
        return [
            Hit(self.docs[i].key, s, self.docs[i].procedure, self.docs[i].topic, named.get(i, 0.0), self.docs[i].faq)
            for i, s in scored
        ]

    # --- deciding -----------------------------------------------------------------------

    def named(self, hit: Hit) -> bool:
        """Is one of its names (a procedure's title or alias, a topic's keyword) in the question?"""
        return hit.named >= self.tuning.name_evidence

    def covered(self, question: str, hit: Hit) -> float:
        """How much of what the question is about the hit's document explains (0–1)."""
        return self.coverage(question, self._index[hit.key])

    def explains(self, question: str, hit: Hit, q: _Query | None = None) -> bool:
        """Does the question ask the SAO for something (lexicon.ASKING_WORDS) and does the
        procedure explain most of what it is about (less when the match is strong)?
        "ร้านส้มตำเจ้าไหนอร่อย" shares "ส้มตำ" with the food-shop permit and asks nothing of
        the SAO: it is not about the permit."""
        t = self.tuning
        q = q or self._analyse(question)
        if not q.asks:
            return False
        share = self.coverage(question, self._index[hit.key], q)
        return share >= t.min_coverage or (hit.score >= t.sure_above and share >= t.strong_coverage)

    def search(self, question: str) -> SearchResult:
        t = self.tuning
        q = self._analyse(question)
        hits = self._rank(q)
        if not hits or hits[0].score < t.abstain_below:
            return SearchResult(question, "unknown", None, tuple(hits))
        # Only what is not far behind the best competes. Evidence of the service itself goes
        # first: what is named in the question ("ร้องเรียน" in "ฟาร์มหมูข้างบ้านเหม็น
        # ร้องเรียนได้ไหม") before what only shares words with it ("ฟาร์มหมู").
        pool = [h for h in hits if h.score >= t.named_ratio * hits[0].score]
        named = [h for h in pool if self.named(h)]
        ordered = named + [h for h in pool if h not in named]
        chosen = None
        for h in ordered:
            if h.topic is not None:
                if self.named(h) or h is hits[0]:
                    return SearchResult(question, "outside", None, tuple(ordered), topic=h.topic)
                continue
            # Named in the question, or the best by score and explaining most of it.
            if self.named(h) or (h is hits[0] and self.explains(question, h, q)):
                chosen = h
                break
        if chosen is None:
            topic = next((h.topic for h in pool if h.topic is not None), None)
            if topic is not None:
                return SearchResult(question, "outside", None, tuple(ordered), topic=topic)
            return SearchResult(question, "unknown", None, tuple(ordered))
        rest = [h for h in ordered if h is not chosen]
        hits = (chosen, *rest)
        if chosen.faq is not None:
            return SearchResult(question, "faq", None, hits, faq=chosen.faq)
        close = [
            h for h in rest[:2]
            if h.procedure is not None and h.score >= t.close_ratio * chosen.score and self.named(h) == self.named(chosen)
        ]
        if close and chosen.score < t.sure_above:
            choices = (chosen.procedure, *(h.procedure for h in close))
            return SearchResult(question, "choose", sections.detect(question), hits, choices=choices)
        return SearchResult(question, "answer", self.section_for(question, chosen.procedure), hits)

    @staticmethod
    def section_for(question: str, procedure: Procedure) -> str:
        return sections.detect(question, pays_out=pays_out(procedure))


def _in_sequence(grams: tuple[str, ...], where: dict[str, int]) -> int:
    """How many of the trigrams appear in the question in this order (gaps allowed): the
    longest increasing run of their positions."""
    tails: list[int] = []
    for g in grams:
        at = where.get(g)
        if at is not None:
            k = bisect.bisect_left(tails, at)
            tails[k:k + 1] = [at]
    return len(tails)


def _named_share(phrase: Phrase, where: dict[str, int], squashed: str) -> float:
    """How much of a name the question holds, in the name's order: "เปิดร้านกาแฟ" is not
    named by "ร้านกาแฟแถวนี้เปิดกี่โมง" (a shop that opens, not opening a shop). A request
    may come before or after what is requested: "ขออนุญาตเลี้ยงไก่" is named by
    "เลี้ยงไก่ 5000 ตัว ต้องขออนุญาตไหม"."""
    share = _in_sequence(phrase.order, where) / phrase.grams
    if phrase.request and phrase.request in squashed:
        asked = len(phrase.order) - len(phrase.after)  # the request's trigrams and the joint
        share = max(share, (_in_sequence(phrase.after, where) + asked - 2) / phrase.grams)
    return share


def _words_in_order(words: tuple[str, ...], text: str) -> bool:
    """Are the words in the text in this order, anything in between? A leading request word
    ("ขอ", "แจ้ง", "ขออนุญาต" …) may be anywhere."""
    if words and words[0] in REQUESTS:
        if words[0] not in text:
            return False
        words = words[1:]
    at = 0
    for w in words:
        at = text.find(w, at)
        if at < 0:
            return False
        at += len(w)
    return True


def pays_out(procedure: Procedure) -> bool:
    """A free service that pays money to people (an allowance): "เท่าไหร่" asks what one gets."""
    free = all("ไม่เสีย" in fee.amount for fee in procedure.fees)
    return free and any(word in procedure.overview for word in ("เดือนละ", "บาท"))
