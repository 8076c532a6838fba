"""Evaluate the handbook search: this bot vs a keyword-contains baseline vs plain BM25.

    python bench/handbook_eval.py                 # dev and held-out test, latency, 1,000-procedure scale
    python bench/handbook_eval.py --show-dev      # also list the dev questions the bot gets wrong
    python bench/handbook_eval.py --quick         # accuracy only (no latency, no scaling)

The labelled set is bench/handbook_eval/questions.tsv; how its sections are labelled is in
bench/handbook_eval/README.md. Each question goes to "dev" or "test" by a hash of its text
(about 60/40), so the split is fixed and does not depend on file order. Improve the method
while looking at dev only (--show-dev); test is reported, never tuned on.

Systems:
  bot       — bot.handbook.search (normalisation, folding, sound keys for misspellings,
              domain words, synonyms, name trigrams, section rule, not-handled topics,
              answers only with evidence of the service);
  keyword   — what LINE's keyword auto-reply does: the reply of the first keyword (a title
              or alias, as written) contained in the message; no keyword, no reply;
  bm25      — plain BM25 (k1=1.5, b=0.75) over PyThaiNLP newmm tokens of each procedure
              section (title + section text); the best section is the answer; abstains
              only when no token matches.
Metrics: top-1 procedure accuracy (in-scope), section accuracy (of in-scope questions whose
procedure was right; "joint" = both right), abstention precision and recall (out-of-scope
= the system gives no procedure), query latency p50/p99.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import sqlite3
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.handbook import SECTIONS, load_handbook  # noqa: E402
from bot.handbook.model import Handbook  # noqa: E402
from bot.handbook.search import HandbookSearch  # noqa: E402

QUESTIONS = ROOT / "bench" / "handbook_eval" / "questions.tsv"


@dataclass(frozen=True)
class Question:
    text: str
    procedure: str | None
    section: str | None
    split: str


def split_of(text: str) -> str:
    return "test" if int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 10 < 4 else "dev"


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        text, proc, section = line.split("\t")
        proc = None if proc == "-" else proc
        section = None if section == "-" else section
        if section is not None and section not in SECTIONS:
            raise ValueError(f"{path}:{n}: unknown section {section!r}")
        out.append(Question(text, proc, section, split_of(text)))
    return out


# --- systems: each maps a question to (procedure id or None, section or None) ----------------


class BotSystem:
    name = "bot"

    def __init__(self, handbook: Handbook, tuning=None):
        self.search = HandbookSearch(handbook, tuning)

    def __call__(self, text: str):
        r = self.search.search(text)
        if r.outcome == "answer":
            return r.hits[0].key, r.section
        if r.outcome == "choose":
            # A close call offers the top two or three; its top-1 is the first offered.
            return r.choices[0].id, HandbookSearch.section_for(text, r.choices[0])
        return None, None


class KeywordSystem:
    """LINE's keyword auto-reply: a keyword contained in the message picks the reply."""

    name = "keyword"

    def __init__(self, handbook: Handbook):
        self.keywords = [(kw, p.id) for p in handbook.procedures for kw in (p.short_title, *p.aliases)]

    def __call__(self, text: str):
        for kw, proc in self.keywords:
            if kw in text:
                return proc, "overview"  # a fixed reply per keyword
        return None, None


class PlainBM25System:
    """BM25 over PyThaiNLP tokens, one document per procedure section."""

    name = "bm25"
    k1, b = 1.5, 0.75

    def __init__(self, handbook: Handbook):
        from pythainlp.tokenize import word_tokenize

        self.tokenize = lambda s: [t for t in word_tokenize(s.lower(), engine="newmm", keep_whitespace=False) if t.strip()]
        self.docs = []
        for p in handbook.procedures:
            for section in SECTIONS:
                tokens = self.tokenize(p.title + " " + p.section_text(section))
                self.docs.append((p.id, section, Counter(tokens), len(tokens)))
        n = len(self.docs)
        df = Counter(t for _, _, tf, _ in self.docs for t in tf)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.avg = sum(d[3] for d in self.docs) / n

    def __call__(self, text: str):
        query = set(self.tokenize(text))
        best, best_score = None, 0.0
        for proc, section, tf, length in self.docs:
            score = 0.0
            for t in query:
                f = tf.get(t)
                if f:
                    score += self.idf[t] * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * length / self.avg))
            if score > best_score:
                best, best_score = (proc, section), score
        return best if best else (None, None)


class Fts5System:
    """The bot's word channel in SQLite FTS5 (bm25 with column weights), for the ranking choice."""

    name = "fts5-words"

    def __init__(self, handbook: Handbook):
        self.search = HandbookSearch(handbook)
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, names, keywords, body, "
            "tokenize = \"unicode61 categories 'L* N* Co M*'\")"
        )
        tok = self.search._tokens
        for p in handbook.procedures:
            self.db.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?)",
                (p.id, " ".join(tok(" ".join([p.title, p.short_title, *p.aliases]))),
                 " ".join(tok(" ".join(p.keywords))), " ".join(tok(" ".join([p.overview, *p.eligibility])))),
            )
        for topic in handbook.not_handled:
            self.db.execute("INSERT INTO docs VALUES (?, ?, '', '')",
                            (f"not-handled:{topic.id}", " ".join(tok(" ".join([topic.title, *topic.keywords])))))

    def __call__(self, text: str):
        tokens = self.search.query_tokens(text)
        if not tokens:
            return None, None
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in tokens)
        row = self.db.execute(
            "SELECT key FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 3.0, 2.0, 1.0) LIMIT 1", (match,)
        ).fetchone()
        if not row or row[0].startswith("not-handled:"):
            return None, None
        p = self.search.handbook.get(row[0])
        return p.id, HandbookSearch.section_for(text, p)


# --- scoring ---------------------------------------------------------------------------------


def evaluate(system, questions: list[Question]) -> dict:
    inscope = [q for q in questions if q.procedure]
    outside = [q for q in questions if not q.procedure]
    right = section_right = abstained_ok = abstained_all = 0
    wrong: list[tuple[Question, tuple]] = []
    for q in questions:
        got = system(q.text)
        if got[0] is None:
            abstained_all += 1
            abstained_ok += q.procedure is None
        if q.procedure:
            if got[0] == q.procedure:
                right += 1
                section_right += got[1] == q.section
                if got[1] != q.section:
                    wrong.append((q, got))
            else:
                wrong.append((q, got))
        elif got[0] is not None:
            wrong.append((q, got))
    return {
        "top1": right / len(inscope),
        "section": section_right / right if right else 0.0,
        "joint": section_right / len(inscope),
        "abstain_recall": abstained_ok / len(outside) if outside else 0.0,
        "abstain_precision": abstained_ok / abstained_all if abstained_all else 0.0,
        "n_in": len(inscope),
        "n_out": len(outside),
        "wrong": wrong,
    }


def latency(system, texts: list[str], rounds: int = 3) -> dict:
    for t in texts[:20]:
        system(t)  # warm up (first call builds lazily-loaded parts)
    times = []
    for _ in range(rounds):
        for t in texts:
            start = time.perf_counter()
            system(t)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1], "max_ms": times[-1]}


def scaled_handbook(handbook: Handbook, size: int) -> Handbook:
    """The handbook cloned to `size` procedures, each clone with its own made-up names."""
    syllables = "กา ขิ คุ งู จา ฉิ ชุ ซู ดา ติ ถุ ทู นา บิ ปุ ผู พา ฟิ มุ ยู รา ลิ วุ สู หา อิ ฮุ".split()
    procs = list(handbook.procedures)
    out = list(procs)
    n = 0
    while len(out) < size:
        base = procs[n % len(procs)]
        word = "".join(syllables[(n // len(syllables) ** k) % len(syllables)] for k in range(3))
        out.append(replace(base, id=f"{base.id}-{n}", title=f"{base.title} {word}", short_title=word,
                           aliases=tuple(f"{a}{word}" for a in base.aliases[:4]) + (word,)))
        n += 1
    return Handbook(tuple(out), handbook.not_handled, fingerprint="scaled")


def table(rows: list[tuple[str, dict]]) -> str:
    head = f"{'system':<11} {'top-1':>7} {'section':>8} {'joint':>7} {'abst.P':>7} {'abst.R':>7}"
    lines = [head, "-" * len(head)]
    for name, m in rows:
        lines.append(
            f"{name:<11} {m['top1']:>7.1%} {m['section']:>8.1%} {m['joint']:>7.1%} "
            f"{m['abstain_precision']:>7.1%} {m['abstain_recall']:>7.1%}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show-dev", action="store_true", help="list dev questions the bot gets wrong")
    ap.add_argument("--quick", action="store_true", help="accuracy only")
    ap.add_argument("--scale", type=int, default=1000, help="procedures in the scaled latency run")
    args = ap.parse_args(argv)

    handbook = load_handbook(ROOT / "content")
    questions = load_questions()
    dev = [q for q in questions if q.split == "dev"]
    test = [q for q in questions if q.split == "test"]
    build = time.perf_counter()
    bot = BotSystem(handbook)
    build = time.perf_counter() - build
    systems = [bot, KeywordSystem(handbook), PlainBM25System(handbook)]
    if not args.quick:
        systems.append(Fts5System(handbook))
    report = {"questions": {"dev": len(dev), "test": len(test),
                            "out_of_scope": sum(1 for q in questions if not q.procedure)}}
    for split, qs in (("dev", dev), ("test", test)):
        rows = [(s.name, evaluate(s, qs)) for s in systems]
        n_in, n_out = rows[0][1]["n_in"], rows[0][1]["n_out"]
        print(f"\n== {split}: {len(qs)} questions ({n_in} in scope, {n_out} out of scope)")
        print(table(rows))
        report[split] = {name: {k: round(v, 4) for k, v in m.items() if k != "wrong" and isinstance(v, float)} for name, m in rows}
        if split == "dev" and args.show_dev:
            for q, got in rows[0][1]["wrong"]:
                print(f"  ✗ {q.text}  | want {q.procedure}/{q.section}  got {got[0]}/{got[1]}")
    if not args.quick:
        texts = [q.text for q in questions]
        print(f"\n== latency per query ({len(texts)} questions × 3), index build {build * 1000:.0f} ms")
        for s in systems:
            lat = latency(s, texts)
            report.setdefault("latency", {})[s.name] = {k: round(v, 3) for k, v in lat.items()}
            print(f"{s.name:<11} p50 {lat['p50_ms']:.3f} ms   p99 {lat['p99_ms']:.3f} ms   max {lat['max_ms']:.2f} ms")
        big = scaled_handbook(handbook, args.scale)
        start = time.perf_counter()
        big_bot = BotSystem(big)
        big_build = time.perf_counter() - start
        lat = latency(big_bot, texts)
        report["latency_scaled"] = {"procedures": len(big), "build_ms": round(big_build * 1000),
                                    **{k: round(v, 3) for k, v in lat.items()}}
        print(f"bot @ {len(big)} procedures: p50 {lat['p50_ms']:.3f} ms   p99 {lat['p99_ms']:.3f} ms   "
              f"(index build {big_build * 1000:.0f} ms)")
        big_fts = Fts5System(big)
        lat = latency(big_fts, texts)
        report["latency_scaled_fts5"] = {k: round(v, 3) for k, v in lat.items()}
        print(f"fts5-words @ {len(big)}: p50 {lat['p50_ms']:.3f} ms   p99 {lat['p99_ms']:.3f} ms")
        report["segmenters"] = segmenter_speed(texts)
        print("segmentation per question:", report["segmenters"])
    print("\n" + json.dumps(report, ensure_ascii=False))
    return 0


def segmenter_speed(texts: list[str]) -> dict:
    """Word segmentation per question: PyThaiNLP's newmm (pure Python, its own trie of the
    bundled word list) against nlpo3 (newmm in Rust) over the same folded word list, and the
    bot's Segmenter (nlpo3, keyed words, domain words joined back)."""
    from pythainlp.tokenize import newmm
    from pythainlp.util import Trie

    from bot.handbook.thai import Segmenter, fold, general_words, strip_particles

    chunks = [[strip_particles(c) for c in fold(t).split()] for t in texts]
    out: dict = {}

    def per_question(segment) -> float:
        start = time.perf_counter()
        for _ in range(3):
            for question in chunks:
                for chunk in question:
                    segment(chunk)
        return round((time.perf_counter() - start) / (3 * len(chunks)) * 1e6, 1)

    start = time.perf_counter()
    trie = Trie(general_words())
    out["newmm_trie_build_ms"] = round((time.perf_counter() - start) * 1000)
    out["newmm_us"] = per_question(lambda chunk: newmm.segment(chunk, custom_dict=trie))

    import tempfile

    import nlpo3

    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/words.txt"
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(sorted(general_words())))
        start = time.perf_counter()
        nlpo3.load_dict(path, "bench-folded")
        out["nlpo3_dict_load_ms"] = round((time.perf_counter() - start) * 1000)
    out["nlpo3_us"] = per_question(lambda chunk: nlpo3.segment(chunk, "bench-folded"))
    segmenter = Segmenter()
    out["bot_segmenter_us"] = per_question(segmenter.words)
    return out


if __name__ == "__main__":
    sys.exit(main())
