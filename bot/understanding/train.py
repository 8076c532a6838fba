"""Train the understanding models from the labelled messages: python -m bot.understanding.train

Fits multinomial logistic regressions (scikit-learn, installed with the development
requirements) over the features of bot/understanding/features.py and writes them next to
this file, where the bot reads them:

  intent.model           — which of the eight intents a message is (words and meaning);
  intent-lexical.model  — the same from the words alone (clauses; no embedding installed);
  intent-chars.model     — the intent from the character n-grams as typed, averaged with intent.model;
  procedure.model        — which handbook service a question or request is about (words and meaning);
  procedure-chars.model  — the service from the character n-grams as typed, averaged with procedure.model;
  section.model          — which part of it is asked (the rule of bot/handbook/sections.py and the words);
  section-chars.model    — the same from the character n-grams as typed, averaged with section.model;
  problem.model          — what kind of problem a report is (road, light … a staff member);
  neighbours.npz          — the labelled messages as sentence vectors with their intents and services,
                           for the nearest-message votes (n:, and np: for the procedure model).

Trained on the train and dev splits of bench/understanding/messages.tsv, plus the dev half of
the handbook questions (bench/handbook_eval/questions.tsv) for the procedure model and, as
questions or out-of-scope messages, for the intent model. The test splits are never used:
they are what bench/understanding_eval.py reports. Settings were chosen on dev.
"""
from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.understanding import dataset
from bot.understanding.intents import OUT_OF_SCOPE, QUESTION, WITH_PROCEDURE
from bot.understanding.model import CharModel, LinearModel
from bot.understanding.reader import MODEL_FILES

HERE = Path(__file__).resolve().parent
MESSAGES = PROJECT_ROOT / "bench" / "understanding" / "messages.tsv"
HANDBOOK_QUESTIONS = PROJECT_ROOT / "bench" / "handbook_eval" / "questions.tsv"
# Chosen on the dev split (bench/understanding_eval.py --tune).
INTENT_C = 4.0
PROCEDURE_C = 8.0
PROBLEM_C = 4.0
SECTION_C = 16.0
INTENT_CHARS_C = 16.0  # the character n-gram intent model (CharModel), chosen on dev (4 and 16 tried)
PROCEDURE_CHARS_C = 16.0  # the character n-gram procedure model, chosen on dev (4, 16 and 32 tried)
SECTION_CHARS_C = 16.0  # the character n-gram section model, chosen on dev (1, 4, 16 and 64 tried)
MIN_WEIGHT = 1e-3  # smaller weights change no decision: left out of the file


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    procedure: str | None = None  # for the section model: the service the question is about
    meaning: bool = False  # for the procedure model: read with the embedding, not by the words alone


def handbook_questions(path: Path = HANDBOOK_QUESTIONS, split: str = "dev") -> list[dataset.Labelled]:
    """The handbook's labelled questions of one half, as labelled messages (its own split rule)."""
    sys_path_bench = PROJECT_ROOT / "bench"
    import sys

    if str(sys_path_bench.parent) not in sys.path:
        sys.path.insert(0, str(sys_path_bench.parent))
    from bench.handbook_eval import load_questions

    out = []
    for q in load_questions(path):
        if q.split != split:
            continue
        intent = QUESTION if q.procedure else OUT_OF_SCOPE
        out.append(dataset.Labelled(q.text, intent, q.procedure, q.section, None, None, frozenset({"handbook"}), "train"))
    return out


# Services whose names in the handbook are problems to report, not questions ("ไฟถนนดับ" is an
# alias of the complaint procedure): only their titles are questions about them.
_NAMES_ARE_REPORTS = frozenset({"complaint", "corruption-complaint"})


# Words by which a service's name tells a problem ("น้ำประปาไม่ไหล", "ท่อประปาแตก"), matched
# with their tone marks: folded, "รั่ว" (leaks) would be "รั้ว" (a fence).
_PROBLEM_IN_NAME = ("ไม่ไหล", "ไม่มา", "แตก", "ดับ", "พัง", "ตัน", "ท่วม", "ล้ม", "เหม็น", "รบกวน", "เป็นหลุม", "เดือดร้อน")


def _tells_a_problem(name: str) -> bool:
    """A name that, typed alone, reports the problem it is about."""
    return any(word in name for word in _PROBLEM_IN_NAME)


def content_examples(handbook) -> list[dataset.Labelled]:
    """What the content itself says: a service's name alone asks about that service, and a
    topic the SAO does not handle, named alone, is out of scope. These reach what the labelled
    messages cannot: every name a clerk adds to the handbook. Names that tell a problem are
    left out: typed alone, they are reports."""
    out = []
    for p in handbook.procedures:
        names = [p.title, p.short_title] if p.id in _NAMES_ARE_REPORTS else [p.title, p.short_title, *p.aliases]
        for name in dict.fromkeys(n for n in names if not _tells_a_problem(n)):
            out.append(dataset.Labelled(name, QUESTION, p.id, "overview", None, None, frozenset({"content"}), "train"))
    for topic in handbook.not_handled:
        for name in dict.fromkeys([topic.title, *topic.keywords]):
            out.append(dataset.Labelled(name, OUT_OF_SCOPE, None, None, topic.id, None, frozenset({"content"}), "train"))
    return out


def intent_examples(messages: list[dataset.Labelled]) -> list[Example]:
    return [Example(m.text, m.intent) for m in messages]


NO_SERVICE = "-"  # the procedure model's class for the SAO's own matters that no service covers


def procedure_examples(messages: list[dataset.Labelled]) -> list[Example]:
    return [Example(m.text, m.procedure or NO_SERVICE) for m in messages
            if m.intent in WITH_PROCEDURE and (m.procedure or "handbook" not in m.tags)]


def section_examples(messages: list[dataset.Labelled]) -> list[Example]:
    return [Example(m.text, m.section, m.procedure) for m in messages
            if m.intent == QUESTION and m.procedure and m.section]


def problem_examples(messages: list[dataset.Labelled]) -> list[Example]:
    return [Example(m.text, m.detail) for m in messages if m.intent == "report_problem" and m.detail]


def fit_models(messages: list[dataset.Labelled], featurizer, info: dict | None = None,
               c_intent: float | None = None, c_procedure: float | None = None):
    """The models of a reader (bot/understanding/reader.py Models), trained on `messages`.

    featurizer: bot/understanding/features.py Featurizer; when it has an embedder and
    neighbours (training ones, `leave_out_self`), the intent model also learns from the
    embedding, and a words-only intent model is trained beside it."""
    from bot.understanding.reader import Models

    from bot.handbook.search import HandbookSearch

    lexical = _memo(lambda text: featurizer.features(featurizer.read(text)))
    full = _memo(lambda text: featurizer.features(featurizer.read(text, embed=True))) if featurizer.embeds else lexical
    handbook = featurizer.search.handbook

    def for_intent(text: str) -> dict:  # the neighbours' services (np:) are the procedure model's
        return {k: v for k, v in full(text).items() if not k.startswith("np:")}

    def with_rule(example: Example) -> dict:  # as Reader.section reads it
        rule = HandbookSearch.section_for(example.text, handbook.get(example.procedure))
        return {**lexical(example.text), f"r:{rule}": 1.0}

    sections = [e for e in section_examples(messages) if handbook.get(e.procedure) is not None]
    intents = intent_examples(messages)
    return Models(
        intent=fit(intents, for_intent if featurizer.embeds else lexical, c_intent or INTENT_C, info),
        intent_lexical=fit(intents, lexical, c_intent or INTENT_C, info),
        intent_chars=fit_chars(intents, INTENT_CHARS_C, info),
        procedure=_fit_procedure(messages, full, lexical, c_procedure or PROCEDURE_C, info),
        procedure_chars=fit_chars(procedure_examples(messages), PROCEDURE_CHARS_C, info),
        section=fit(sections, with_rule, SECTION_C, info, by_example=True),
        section_chars=fit_chars(sections, SECTION_CHARS_C, info),
        problem=fit(problem_examples(messages), lexical, PROBLEM_C, info),
    )


def _fit_procedure(messages, full, lexical, c: float, info: dict | None) -> LinearModel:
    """The procedure model reads a whole message with its meaning (the embedding and its
    nearest messages) but the pieces of a two-request message by their words alone: it learns
    each message both ways, so one model serves both (dev: top-1 91.1% → 91.8%, abstention
    precision 91.0% → 91.6%; the model alone on dev questions read by their words: 94.0%
    before, 94.3% so, 89.8% had it learnt from the embedding reading alone)."""
    examples = procedure_examples(messages)
    if full is lexical:
        return fit(examples, lexical, c, info)
    both = [replace(e, meaning=True) for e in examples] + examples
    return fit(both, lambda e: full(e.text) if e.meaning else lexical(e.text), c, info, by_example=True)


def _memo(function):
    seen: dict = {}

    def memoised(text):
        if text not in seen:
            seen[text] = function(text)
        return seen[text]

    return memoised


class MemoEmbedder:
    """An embedder that encodes each text once (training reads the same messages many times)."""

    def __init__(self, inner):
        self.inner = inner
        self.seen: dict = {}

    def encode(self, text: str):
        if text not in self.seen:
            self.seen[text] = self.inner.encode(text)
        return self.seen[text]


def neighbours_of(messages: list[dataset.Labelled], embedder, keep_texts: bool = True):
    """The labelled messages as vectors with their intents and, for questions and requests, their
    services (bot/understanding/embedding.py)."""
    import numpy as np

    from bot.understanding.embedding import Neighbours
    from bot.understanding.intents import INTENTS

    rows = list({m.text: m for m in messages}.values())
    vectors = np.array([embedder.encode(m.text) for m in rows], dtype=np.float32)
    labels = np.array([INTENTS.index(m.intent) for m in rows], dtype=np.int64)
    # the services of the questions and requests, for the procedure model's np: votes
    procedure = [m.procedure if m.intent in WITH_PROCEDURE and m.procedure else None for m in rows]
    services = tuple(sorted({p for p in procedure if p}))
    index = {service: i for i, service in enumerate(services)}
    return Neighbours(vectors, labels, INTENTS, tuple(m.text for m in rows) if keep_texts else (),
                      procedures=np.array([index.get(p, -1) for p in procedure], dtype=np.int64),
                      services=services)


def featurizer_for(search, messages: list[dataset.Labelled], embedder=None):
    """The featurizer to train with: the embedding and the training messages as neighbours
    (each message left out of its own vote), when an embedder is given."""
    from bot.understanding.features import Featurizer

    if embedder is None:
        return Featurizer(search)
    return Featurizer(search, embedder=embedder, neighbours=neighbours_of(messages, embedder), leave_out_self=True)


def fit(examples: list[Example], featurize, c: float, info: dict | None = None, by_example: bool = False) -> LinearModel:
    """One multinomial logistic regression over the examples' features (featurize(text), or
    featurize(example) when by_example)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([featurize(e) if by_example else featurize(e.text) for e in examples])
    y = [e.label for e in examples]
    # Every intent counts alike, however many examples it has: questions are the most written
    # (and the handbook's own questions join them), yet a report misread as a question costs as much.
    model = LogisticRegression(C=c, max_iter=5000, tol=1e-5, class_weight="balanced")
    model.fit(x, y)
    classes = tuple(str(c) for c in model.classes_)
    coef = model.coef_
    bias = model.intercept_
    if len(classes) == 2:  # scikit-learn keeps one row for two classes: make it one per class
        coef = [-coef[0] / 2, coef[0] / 2]
        bias = [-bias[0] / 2, bias[0] / 2]
    names = vectorizer.get_feature_names_out()
    weights = {}
    for j, name in enumerate(names):
        row = tuple(float(coef[k][j]) for k in range(len(classes)))
        if max(abs(w) for w in row) >= MIN_WEIGHT:
            weights[str(name)] = row
    return LinearModel(classes, tuple(float(b) for b in bias), weights, dict(info or {}, examples=len(examples), c=c))


def fit_chars(examples: list[Example], c: float, info: dict | None = None) -> CharModel:
    """The examples' labels (the intent, the service or the section) from the message's character
    2–5-grams as typed (tf-idf, n-grams seen at least twice): a reading of its own beside the
    intent, procedure or section model (bot/understanding/reader.py INTENT_CHARS_WEIGHT,
    PROCEDURE_CHARS_WEIGHT, SECTION_CHARS_WEIGHT)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    low, high = CharModel.NGRAMS
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(low, high), sublinear_tf=True, min_df=2)
    x = vectorizer.fit_transform([e.text for e in examples])
    model = LogisticRegression(C=c, max_iter=5000, tol=1e-5, class_weight="balanced")
    model.fit(x, [e.label for e in examples])
    classes = tuple(str(k) for k in model.classes_)
    names = [CharModel.PREFIX + str(n) for n in vectorizer.get_feature_names_out()]
    weights = {name: tuple(float(w) for w in model.coef_[:, j]) for j, name in enumerate(names)}
    idf = {name: float(v) for name, v in zip(names, vectorizer.idf_)}
    return CharModel(classes, tuple(float(b) for b in model.intercept_), weights,
                     dict(info or {}, examples=len(examples), c=c), idf)


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:16]


def training_messages(messages_path: Path = MESSAGES) -> list[dataset.Labelled]:
    """What the shipped models learn from: train and dev, never test."""
    return [m for m in dataset.load(messages_path) if m.split in ("train", "dev")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.understanding.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=Path, default=MESSAGES)
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content")
    args = parser.parse_args(argv)

    from bot.handbook import load_handbook
    from bot.handbook.search import HandbookSearch

    from bot.understanding.embedding import NEIGHBOURS, Embedder

    handbook = load_handbook(args.content)
    search = HandbookSearch(handbook)
    labelled = training_messages(args.messages)
    embedder = MemoEmbedder(Embedder())
    featurizer = featurizer_for(search, labelled, embedder)
    info = {"data": digest([args.messages, HANDBOOK_QUESTIONS])}
    models = fit_models(labelled + handbook_questions() + content_examples(handbook), featurizer, info)
    for name, file in MODEL_FILES.items():
        model = getattr(models, name)
        model.save(HERE / file)
        print(f"{name} model: {len(model.weights)} features, {model.info['examples']} examples → {HERE / file}")
    neighbours_of(labelled, embedder, keep_texts=False).save(NEIGHBOURS)
    print(f"neighbours: {len(labelled)} labelled messages as vectors → {NEIGHBOURS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
