"""Offline Thai search over the handbook, and the decision it leads to.

Ranking (measured against SQLite FTS5 in bench/handbook_eval.py; this is faster at this
size and lets us weigh fields and fuzzy names, see the README):
  1. words: BM25F over folded, segmented words, names weighted over keywords over body
     text, with colloquial and Isan synonyms added to the question;
  2. names: how much of each name or alias (title, short title, aliases, keywords) is
     contained in the question, counted in character trigrams of folded text without
     spaces. This is what makes typos, missing tone marks and odd spacing cheap:
     "เบยยังชีพผูสูงอายุ" still contains most of the trigrams of "เบี้ยยังชีพผู้สูงอายุ".
Topics the SAO does not handle (content/not-handled.yaml: ID cards, passports, …) are
ranked with the procedures; when one wins, the bot says where to go instead of guessing.
Ready answers (content/faq.yaml) are ranked the same way, on their question and aliases.

Decision (thresholds calibrated on the dev half of bench/handbook_eval/questions.tsv):
  answer   — one procedure clearly ahead;
  choose   — two or three close together: "หมายถึงเรื่องไหนคะ";
  outside  — a not-handled topic wins: say so and where to go;
  faq      — a ready answer wins: send it as it is;
  unknown  — nothing matches well enough: say honestly that the bot does not know.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from bot.handbook import sections
from bot.handbook.lexicon import STOPWORDS, SYNONYMS
from bot.handbook.model import FaqEntry, Handbook, NotHandledTopic, Procedure
from bot.handbook.thai import Segmenter, fold, squash, trigrams

_STOP = frozenset(fold(w) for w in STOPWORDS)
_SYNONYMS = sorted(((squash(k), v) for k, v in SYNONYMS.items()), key=lambda kv: -len(kv[0]))


@dataclass(frozen=True)
class Tuning:
    k1: float = 1.2
    b: float = 0.5
    name_weight: float = 3.0  # title, short title, aliases
    keyword_weight: float = 2.0
    body_weight: float = 1.0  # overview and eligibility text
    phrase_weight: float = 0.5  # the names channel against the words channel
    min_containment: float = 0.6  # a name counts when this share of its trigrams is in the question
    abstain_below: float = 4.0  # best score under this: "unknown"
    weak_below: float = 10.0  # a best score under this…
    min_coverage: float = 0.4  # …that explains less than this share of the question: "unknown"
    close_ratio: float = 0.8  # runner-up at this share of the best score: a close call
    sure_above: float = 14.0  # …unless the best is at least this high


@dataclass(frozen=True)
class Hit:
    key: str  # procedure id, "not-handled:<topic id>" or "faq:<entry id>"
    score: float
    procedure: Procedure | None = None
    topic: NotHandledTopic | None = None
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


class HandbookSearch:
    """The index of one Handbook version; built once, then read by any number of threads."""

    def __init__(self, handbook: Handbook, tuning: Tuning | None = None, segmenter: Segmenter | None = None):
        self.handbook = handbook
        self.tuning = t = tuning or Tuning()
        domain_words = [SYNONYMS[k] for k in SYNONYMS] + list(SYNONYMS)
        for p in handbook.procedures:
            domain_words += [p.title, p.short_title, *p.aliases, *p.keywords]
        for topic in handbook.not_handled:
            domain_words += [topic.title, *topic.keywords]
        for entry in handbook.faq:
            domain_words += [entry.question, *entry.aliases]
        self.segmenter = segmenter or Segmenter(domain_words)
        self.docs: list[_Doc] = []
        for p in handbook.procedures:
            doc = _Doc(p.id, procedure=p)
            self._add(doc, [p.title, p.short_title, *p.aliases], t.name_weight)
            self._add(doc, p.keywords, t.keyword_weight)
            self._add(doc, [p.overview, *p.eligibility], t.body_weight)
            self.docs.append(doc)
        for topic in handbook.not_handled:
            doc = _Doc(f"not-handled:{topic.id}", topic=topic)
            # Whole keywords only: the bot redirects a question elsewhere only on clear words
            # ("ทำบัตรประชาชน"), never on a part of one ("โรงเรียน" from "โรงเรียนประถม").
            self._add(doc, [topic.title, *topic.keywords], t.name_weight, whole_only=True)
            self.docs.append(doc)
        for entry in handbook.faq:
            doc = _Doc(entry.key, faq=entry)
            self._add(doc, [entry.question, *entry.aliases], t.name_weight)
            self.docs.append(doc)
        self._index = {doc.key: i for i, doc in enumerate(self.docs)}
        n = len(self.docs)
        df: dict[str, int] = defaultdict(int)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(self.docs):
            for token, weight in doc.tf.items():
                df[token] += 1
                self._postings[token].append((i, weight))
        self._idf = {tok: math.log(1 + (n - d + 0.5) / (d + 0.5)) for tok, d in df.items()}
        self._avg_len = sum(d.length for d in self.docs) / max(n, 1)
        # Names as trigram sets, with an inverted index from trigram to names.
        self._phrases: list[tuple[int, int, int]] = []  # (doc index, trigram count, characters)
        self._grams: dict[str, list[int]] = defaultdict(list)
        self._names: list[tuple[str, ...]] = []
        for i, doc in enumerate(self.docs):
            if doc.procedure:
                p = doc.procedure
                names = [p.title, p.short_title, *p.aliases, *p.keywords]
            elif doc.faq:
                names = [doc.faq.question, *doc.faq.aliases]
            else:
                names = [doc.topic.title, *doc.topic.keywords]
            seen: set[str] = set()
            self._names.append(tuple(squash(n) for n in names) + tuple(doc.tf))
            for name in names:
                s = squash(name)
                if len(s) < 3 or s in seen:
                    continue
                seen.add(s)
                grams = set(trigrams(s))
                phrase_id = len(self._phrases)
                self._phrases.append((i, len(grams), len(s)))
                for g in grams:
                    self._grams[g].append(phrase_id)

    def _tokens(self, text: str) -> list[str]:
        return [w for w in self.segmenter.words(fold(text)) if w not in _STOP]

    def _add(self, doc: _Doc, texts, weight: float, whole_only: bool = False) -> None:
        for text in texts:
            tokens = self.segmenter.coarse(fold(text)) if whole_only else self._tokens(text)
            for token in tokens:
                if token in _STOP:
                    continue
                doc.tf[token] = doc.tf.get(token, 0.0) + weight
                doc.length += weight

    # --- ranking ------------------------------------------------------------------------

    def query_tokens(self, question: str) -> list[str]:
        tokens = self._tokens(question)
        squashed = squash(question)
        for key, canonical in _SYNONYMS:
            if key in squashed:
                tokens += self._tokens(canonical)
        return list(dict.fromkeys(tokens))

    def scores(self, question: str) -> dict[int, float]:
        t = self.tuning
        total: dict[int, float] = defaultdict(float)
        for token in self.query_tokens(question):
            idf = self._idf.get(token)
            if idf is None:
                continue
            for i, tf in self._postings[token]:
                norm = t.k1 * (1 - t.b + t.b * self.docs[i].length / self._avg_len)
                total[i] += idf * tf * (t.k1 + 1) / (tf + norm)
        squashed = squash(question)
        for key, canonical in _SYNONYMS:
            if key in squashed:
                squashed += squash(canonical)
        hits: dict[int, int] = defaultdict(int)
        for g in set(trigrams(squashed)):
            for phrase_id in self._grams.get(g, ()):
                hits[phrase_id] += 1
        best: dict[int, float] = {}
        self._last_phrases = hits
        for phrase_id, count in hits.items():
            i, n_grams, chars = self._phrases[phrase_id]
            share = count / n_grams
            if share < t.min_containment or (n_grams <= 2 and share < 1):
                continue
            value = share * share * chars
            if value > best.get(i, 0.0):
                best[i] = value
        for i, value in best.items():
            total[i] += t.phrase_weight * value
        return total

    def coverage(self, question: str, doc_index: int) -> float:
        """How much of what the question is about (idf-weighted words, section cues and
        filler left out) the document explains. A question about mangoes that shares
        only "ปลูก" with the building permit is not about the building permit."""
        doc = self.docs[doc_index]
        rest = sections.strip_cues(squash(question))
        words = [w for w in self.segmenter.general(rest) if w not in _STOP and len(w) > 1 and not w.isdigit()]
        if not words:
            return 1.0
        names = self._names[doc_index]
        squashed = squash(question)
        for key, canonical in _SYNONYMS:
            if key in squashed:
                names = names + (squash(canonical),)
        top = max(self._idf.values(), default=1.0)
        have = total = 0.0
        for w in words:
            weight = self._idf.get(w, top)
            total += weight
            if w in doc.tf or any(w in name for name in names):
                have += weight
        return have / total

    def rank(self, question: str, limit: int = 5) -> list[Hit]:
        scored = sorted(self.scores(question).items(), key=lambda kv: -kv[1])[:limit]
        return [Hit(self.docs[i].key, s, self.docs[i].procedure, self.docs[i].topic, self.docs[i].faq) for i, s in scored]

    # --- deciding -----------------------------------------------------------------------

    def search(self, question: str) -> SearchResult:
        t = self.tuning
        hits = tuple(self.rank(question))
        if not hits or hits[0].score < t.abstain_below:
            return SearchResult(question, "unknown", None, hits)
        best = hits[0]
        if best.topic is not None:
            return SearchResult(question, "outside", None, hits, topic=best.topic)
        if best.score < t.weak_below and self.coverage(question, self._index[best.key]) < t.min_coverage:
            return SearchResult(question, "unknown", None, hits)
        if best.faq is not None:
            return SearchResult(question, "faq", None, hits, faq=best.faq)
        close = [h for h in hits[1:3] if h.procedure is not None and h.score >= t.close_ratio * best.score]
        if close and best.score < t.sure_above:
            choices = (best.procedure, *(h.procedure for h in close))
            return SearchResult(question, "choose", sections.detect(question), hits, choices=choices)
        return SearchResult(question, "answer", self.section_for(question, best.procedure), hits)

    @staticmethod
    def section_for(question: str, procedure: Procedure) -> str:
        return sections.detect(question, pays_out=pays_out(procedure))


def pays_out(procedure: Procedure) -> bool:
    """A free service that pays money to people (an allowance): "เท่าไหร่" asks what one gets."""
    free = all("ไม่เสีย" in fee.amount for fee in procedure.fees)
    return free and any(word in procedure.overview for word in ("เดือนละ", "บาท"))
