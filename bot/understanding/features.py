"""A message as the intent model sees it: named features, each family scaled to unit length.

Families (a prefix each):
  c:  character 2–4-grams of the keyed words (bot/handbook/thai.py: folded, same-sound
      letters made one), word boundaries marked: robust to typos, tone marks and spacing;
  w:  keyed words, and b: pairs of neighbouring words;
  k:  cue groups (bot/understanding/lexicon.py): "something is broken", "thanks", "wants a
      person", "an official took money" …;
  h:  what the handbook search found: its outcome, whether a service is named in the
      message, the best procedure, the score;
  q:  which sections the question words point to (bot/handbook/sections.py);
  s:  shape: one word, a long story, digits, a ticket number, emoji only;
  u:, n:  the sentence embedding and the intents of the nearest labelled messages, when the
      message is read with it (bot/understanding/embedding.py); np: those messages' services,
      which only the procedure model learns from.
The same code makes the features for training (bot/understanding/train.py) and at run time,
so the model sees exactly what it was trained on.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from bot.handbook import sections
from bot.handbook.thai import fold, normalise
from bot.understanding import lexicon

FAMILIES = ("c", "w", "b", "k", "h", "q", "s")
NGRAMS = (2, 3, 4)
# A ticket number as people type it: KC-2570-00042, kc 2570 42, 2570-00042 (prefix, B.E.
# fiscal year, number), in any case and spacing.
TICKET_NUMBER = re.compile(r"(?<![0-9a-z])(?:([a-z]{1,6})\s*[-_/.]?\s*)?(25[6-9][0-9])\s*[-_/.]?\s*([0-9]{1,5})(?![0-9])")
_EMOJI_ONLY = re.compile(r"^[^0-9a-z\u0e00-\u0e7f]+$")


RUN = 4  # a cue may span this many words as the segmenter splits them
# Cue groups that mean more together: an official and an irregular gain is how misconduct is told.
CUE_PAIRS = (("official", "gain"), ("official", "secrecy"), ("gain", "secrecy"), ("problem", "request"),
             ("track", "problem"), ("official", "conduct"))


@dataclass(frozen=True)
class Cues:
    """Lexicon groups keyed once. A cue is found when it is a word of the message or spans a
    few neighbouring words ("ไม่ไหล" in "น้ำไม่ไหลเลย"), never inside a longer word ("เต็ม"
    is not in "เต็มหู"), and a short asking word only as written ("ไหม้" is not "ไหม")."""

    groups: dict[str, frozenset[str]]  # group → keyed cues
    # keyed cue → how it must be spelt in the message (lexicon.SPELT): sound keys make "ใส่"
    # the Isan "ไส" and folding makes "ไหม้" the particle "ไหม"
    spelt: dict[str, re.Pattern] = field(default_factory=dict)

    def found(self, keyed_words: list[str], written: str | None = None) -> list[str]:
        """written: the message as typed, normalised (bot/handbook/thai.py `normalise`)."""
        runs = {"".join(keyed_words[i:j]) for i in range(len(keyed_words))
                for j in range(i + 1, min(len(keyed_words), i + RUN) + 1)}
        if written is not None and self.spelt:
            runs -= {cue for cue, spelling in self.spelt.items() if cue in runs and not spelling.search(written)}
        out = [group for group, cues in self.groups.items() if runs & cues]
        if "talk:ack" in out and len(keyed_words) > 3:
            out.remove("talk:ack")  # "ค่ะ", "จ้า" end every kind of message: alone they acknowledge
        for pair in CUE_PAIRS:  # together they say more than each alone
            if all(g in out for g in pair):
                out.append("+".join(pair))
        return out


def build_cues(key) -> Cues:
    """`key`: text → keyed squashed text (the search's segmenter.key_squash)."""
    named: dict[str, list[str]] = {
        "problem": lexicon.PROBLEM_STATES,
        "corruption": lexicon.CORRUPTION,
        "official": lexicon.OFFICIALS,
        "conduct": lexicon.CONDUCT,
        "failing": lexicon.FAILING,
        "gain": lexicon.IRREGULAR_GAIN,
        "secrecy": lexicon.SECRECY,
        "human": lexicon.HUMAN,
        "track": lexicon.TRACK,
        "request": lexicon.REQUEST,
        "question": lexicon.QUESTION,
        "suggestion": lexicon.SUGGESTION,
    }
    for topic, words in lexicon.PROBLEM_THINGS.items():
        named[f"thing:{topic}"] = words
    for kind, words in lexicon.SMALLTALK.items():
        named[f"talk:{kind}"] = words
    return Cues({group: frozenset({key(w) for w in words} - {""}) for group, words in named.items()},
                {key(w): re.compile(pattern) for w, pattern in lexicon.SPELT.items()})


@dataclass
class Reading:
    """One message read once: what every part of the understanding needs from its text."""

    text: str
    written: str  # normalised (bot/handbook/thai.py `normalise`): tone marks kept, as typed
    folded: str
    words: list[str]  # keyed words, in order
    keyed: str  # the keyed words without spaces
    cues: list[str] = field(default_factory=list)
    search: object = None  # bot.handbook.search.SearchResult, or None without a handbook
    ticket_numbers: list[tuple[str, int, int]] = field(default_factory=list)  # (prefix, year, number)
    vector: object = None  # the sentence embedding (bot/understanding/embedding.py), when read with it


def ticket_numbers(text: str) -> list[tuple[str, int, int]]:
    return _ticket_numbers_in(normalise(text))


def _ticket_numbers_in(written: str) -> list[tuple[str, int, int]]:
    found = []
    for m in TICKET_NUMBER.finditer(written):
        prefix, year, number = m.group(1) or "", int(m.group(2)), int(m.group(3))
        if number:
            found.append((prefix.upper(), year, number))
    return found


class Features(dict):
    """Named feature values. `dense`: the sentence embedding's values (the u: family, scaled),
    kept as one vector so that a model takes them as one matrix product rather than 512
    lookups (bot/understanding/model.py); None when they are named in the dict instead."""

    dense = None
    plus_of = None  # (features, extra) when made by plus(): a model looks up only the extra names

    def plus(self, extra: dict[str, float]) -> "Features":
        out = Features(self)
        out.update(extra)
        out.dense = self.dense
        if len(out) == len(self) + len(extra):  # nothing replaced
            out.plus_of = (self, extra)
        return out


class Featurizer:
    """search: bot.handbook.search.HandbookSearch (its segmenter keys words); embedder and
    neighbours (bot/understanding/embedding.py): for the u: and n: families of a reading made
    with `embed=True`; `leave_out_self` when training (a message is not its own neighbour);
    `dense_embedding` at run time (the u: family as Features.dense)."""

    def __init__(self, search, families: tuple[str, ...] = FAMILIES, embedder=None, neighbours=None,
                 leave_out_self: bool = False, dense_embedding: bool = False):
        self.search = search
        self.families = families
        self.cues = build_cues(search.segmenter.key_squash)
        self.embedder = embedder
        self.neighbours = neighbours
        self.leave_out_self = leave_out_self
        self.dense_embedding = dense_embedding

    @property
    def embeds(self) -> bool:
        return self.embedder is not None and self.neighbours is not None

    def read(self, text: str, embed: bool = False) -> Reading:
        folded = fold(text)
        for wrong, meant in lexicon.RESPELT.items():
            folded = folded.replace(wrong, meant)
        words = self.search.segmenter.general(folded)
        keyed = "".join(words)
        written = normalise(text)
        reading = Reading(text, written, folded, words, keyed, ticket_numbers=_ticket_numbers_in(written))
        reading.cues = self.cues.found(words, written)
        if keyed:
            reading.search = self.search.search(text)
        if embed and self.embeds:
            reading.vector = self.embedder.encode(text)
        return reading

    def embedded(self, reading: Reading) -> Reading:
        """The same reading with the sentence embedding added (its words and search reused)."""
        if not self.embeds or reading.vector is not None:
            return reading
        return replace(reading, vector=self.embedder.encode(reading.text))

    def features(self, reading: Reading) -> Features:
        families: dict[str, list[str]] = {f: [] for f in self.families}
        words = reading.words
        if "c" in families:
            marked = "_" + "_".join(words) + "_"
            for n in NGRAMS:
                families["c"] += [marked[i:i + n] for i in range(len(marked) - n + 1)]
        if "w" in families:
            families["w"] = list(words)
        if "b" in families:
            families["b"] = [f"{a}_{b}" for a, b in zip(words, words[1:])]
        if "k" in families:
            families["k"] = list(reading.cues)
        if "h" in families:
            families["h"] = _search_features(reading.search)
        if "q" in families and reading.keyed:
            found = sections.cue_sections(reading.text)
            families["q"] = [f"sec:{s}" for s in sorted(found)] + (["yesno"] if sections.is_yes_no(reading.text) else [])
        if "s" in families:
            families["s"] = _shape(reading)
        out = Features()
        if reading.vector is not None and self.embeds:
            from bot.understanding.embedding import SCALE, embedding_features

            if self.dense_embedding:
                out.dense = reading.vector * SCALE
            else:
                out.update(embedding_features(reading.vector))
            out.update(self.neighbours.votes(reading.vector, reading.text if self.leave_out_self else None))
        for family, items in families.items():
            if not items:
                continue
            counts = Counter(items)
            norm = math.sqrt(sum(c * c for c in counts.values()))
            prefix = family + ":"
            out.update({prefix + item: count / norm for item, count in counts.items()})
        return out


def _search_features(result) -> list[str]:
    if result is None:
        return ["none"]
    out = [f"outcome:{result.outcome}"]
    hits = result.hits
    if hits:
        best = hits[0]
        out.append(f"best:{best.key.split(':')[0] if ':' in best.key else best.key}")
        if best.named >= 0.75:
            out.append("named")
        for bound in (4, 8, 14, 20):
            if best.score >= bound:
                out.append(f"score>={bound}")
    if result.outcome in ("answer", "choose") and result.hits[0].procedure is not None:
        out.append(f"proc:{result.hits[0].procedure.id}")
    if result.outcome == "outside" and result.topic is not None:
        out.append("topic")
    return out


def _shape(reading: Reading) -> list[str]:
    n = len(reading.words)
    out = ["len:1" if n <= 1 else "len:2-3" if n <= 3 else "len:4-8" if n <= 8 else "len:9-20" if n <= 20 else "len:21+"]
    if reading.ticket_numbers:
        out.append("ticket-number")
    text = reading.written
    if not reading.keyed and reading.text.strip():
        out.append("symbols-only")
    if _EMOJI_ONLY.match(reading.text.strip() or "x"):
        out.append("emoji-only")
    if re.search(r"[0-9]", text):
        out.append("digits")
    if "?" in reading.text:
        out.append("question-mark")
    if text and text.isascii():
        out.append("latin")
    return out
