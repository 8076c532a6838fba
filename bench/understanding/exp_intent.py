"""Experiment: other model classes / ensembles for the intent decision (dev only).

    python bench/understanding/exp_intent.py build     # features of train(+extra) and dev, cached
    python bench/understanding/exp_intent.py run [names…]
"""
from __future__ import annotations

import pickle
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
CACHE = Path("/tmp/wtB_exp/features.pkl")

from bot.understanding.intents import INTENTS  # noqa: E402
from bot.understanding.reader import PROBLEM_ODDS  # noqa: E402  (the reader's own odds, not a copy)


def build():
    from bot.conversation.flows import entry_intent
    from bot.handbook import load_handbook
    from bot.handbook.search import HandbookSearch
    from bot.understanding import dataset, train
    from bot.understanding.embedding import Embedder
    from bot.understanding.reader import _tells_a_problem

    messages = dataset.load(train.MESSAGES)
    search = HandbookSearch(load_handbook(ROOT / "content"))
    extra = train.handbook_questions() + train.content_examples(search.handbook)
    tr = [m for m in messages if m.split == "train"]
    dev = [m for m in messages if m.split == "dev"]
    embedder = train.MemoEmbedder(Embedder())
    featurizer = train.featurizer_for(search, tr, embedder)
    out = {}
    t = time.time()
    for name, rows in (("train", tr + extra), ("dev", dev)):
        full, lex, folded, problem, entry = [], [], [], [], []
        for m in rows:
            r = featurizer.read(m.text, embed=True)
            f = featurizer.features(r)
            full.append(dict(f))
            lex.append({k: v for k, v in f.items() if not (k.startswith("u:") or k.startswith("n:"))})
            folded.append(r.folded)
            problem.append(_tells_a_problem(r))
            entry.append(entry_intent(m.text))
        out[name] = dict(texts=[m.text for m in rows], y=[m.intent for m in rows], full=full, lex=lex,
                         folded=folded, problem=problem, entry=entry,
                         tags=[m.tags for m in rows], split=[m.split for m in rows])
        print(name, len(rows), f"{time.time() - t:.0f}s", flush=True)
    CACHE.parent.mkdir(exist_ok=True)
    with open(CACHE, "wb") as fh:
        pickle.dump(out, fh)


def decide(P, classes, data, rule=True):
    """argmax, PROBLEM_ODDS override when the cue says a problem, entry words first."""
    classes = list(classes)
    rp = classes.index("report_problem")
    out = []
    for k in range(P.shape[0]):
        j = int(P[k].argmax())
        pred, conf = classes[j], P[k, j]
        if rule and pred != "report_problem" and data["problem"][k] and P[k, rp] * PROBLEM_ODDS > conf:
            pred = "report_problem"
        if data["entry"][k] is not None:
            pred = data["entry"][k]
        out.append(pred)
    return out


def report(name, pred, y):
    n = len(y)
    acc = sum(a == b for a, b in zip(pred, y)) / n
    per = []
    for it in INTENTS:
        gold = [i for i in range(n) if y[i] == it]
        pr = [i for i in range(n) if pred[i] == it]
        hit = len(set(gold) & set(pr))
        per.append(f"{it[:5]} {100 * hit / max(1, len(gold)):.0f}/{100 * hit / max(1, len(pr)):.0f}")
    prob = [i for i in range(n) if y[i] == "report_problem"]
    pf = sum(pred[i] == "report_problem" for i in prob) / len(prob)
    print(f"{name:34} intent {100 * acc:5.2f}  prob→flow {100 * pf:5.2f}  | " + " ".join(per), flush=True)
    return acc, pf


def main():
    if sys.argv[1] == "build":
        build()
        return
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    with open(CACHE, "rb") as fh:
        d = pickle.load(fh)
    tr, dv = d["train"], d["dev"]
    ytr, ydv = np.array(tr["y"]), dv["y"]
    vec = DictVectorizer()
    Xtr = vec.fit_transform(tr["full"])
    Xdv = vec.transform(dv["full"])
    vecl = DictVectorizer()
    Ltr = vecl.fit_transform(tr["lex"])
    Ldv = vecl.transform(dv["lex"])
    for M in (Xtr, Xdv):
        M.indices = M.indices.astype(np.int32)
        M.indptr = M.indptr.astype(np.int32)
    print("features", Xtr.shape, Ltr.shape, flush=True)
    want = set(sys.argv[2:])
    results = {}

    def run(name, P, classes):
        if P is None:
            return
        results[name] = (P, list(classes))
        report(name + " (raw)", decide(P, classes, dv, rule=False), ydv)
        report(name, decide(P, classes, dv), ydv)

    def on(name):
        return not want or name in want or any(name.startswith(w) for w in want)

    def lr(X, Xd, C=4.0, cw="balanced", **kw):
        m = LogisticRegression(**{**dict(C=C, max_iter=5000, tol=1e-5, class_weight=cw), **kw}).fit(X, ytr)
        return m.predict_proba(Xd), m.classes_

    t = time.time()
    base, classes = lr(Xtr, Xdv)
    run("base LR C4 balanced", base, classes)
    print(f"  {time.time() - t:.0f}s", flush=True)
    if on("cw"):
        run("LR C4 class_weight None", *lr(Xtr, Xdv, cw=None))
    if on("lex"):
        P, c = lr(Ltr, Ldv)
        run("words-only LR", P, c)
        for w in (0.25, 0.5):
            run(f"avg full+words w={w}", (1 - w) * base + w * P, c)
    if on("tfidf"):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from scipy.sparse import hstack

        tv = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2)
        Ttr = tv.fit_transform(tr["folded"])
        Tdv = tv.transform(dv["folded"])
        tw = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
        Wtr = tw.fit_transform(tr["texts"])
        Wdv = tw.transform(dv["texts"])
        for nm, A, B in (("tfidf char_wb1-4 folded", Ttr, Tdv), ("tfidf char2-5 raw", Wtr, Wdv)):
            for C in (4.0, 16.0):
                P, c = lr(A, B, C=C)
                run(f"{nm} C{C}", P, c)
                for w in (0.2, 0.35, 0.5):
                    run(f"  avg base+{nm} C{C} w={w}", (1 - w) * base + w * P, c)
    if on("tf2"):
        from sklearn.feature_extraction.text import TfidfVectorizer

        for nm, kw in (("noidf", dict(use_idf=False)), ("idf maxdf", dict(max_df=0.5)), ("char1-5", dict(ngram_range=(1, 5)))):
            args = dict(analyzer="char", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
            args.update(kw)
            tw = TfidfVectorizer(**args)
            Wtr = tw.fit_transform(tr["texts"])
            Wdv = tw.transform(dv["texts"])
            print(nm, Wtr.shape, flush=True)
            P, c = lr(Wtr, Wdv, C=16.0)
            run(f"tfidf {nm} C16", P, c)
            run(f"  avg base+tfidf {nm} C16 w=0.5", 0.5 * base + 0.5 * P, c)
        P, c = lr(Ltr, Ldv, C=16.0)
        run("  avg base+words-only C16 w=0.5", 0.5 * base + 0.5 * P, c)
        P, c = lr(Xtr, Xdv, C=1.0)
        run("  avg base+full C1 w=0.5", 0.5 * base + 0.5 * P, c)
    if on("l1") or on("enet"):
        for C in (4.0, 16.0):
            if on("l1"):
                t = time.time()
                run(f"L1 LR C{C} saga", *lr(Xtr, Xdv, C=C, penalty="l1", solver="saga", max_iter=300, tol=1e-3))
                print(f"  {time.time() - t:.0f}s", flush=True)
            if on("enet"):
                run(f"enet0.5 LR C{C} saga", *lr(Xtr, Xdv, C=C, penalty="elasticnet", l1_ratio=0.5, solver="saga",
                                                max_iter=300, tol=1e-3))
    if on("sgd"):
        from sklearn.linear_model import SGDClassifier

        for a in (1e-5, 1e-4):
            m = SGDClassifier(loss="modified_huber", alpha=a, class_weight="balanced", max_iter=50, tol=1e-4,
                              random_state=0).fit(Xtr, ytr)
            run(f"SGD modified_huber a={a}", m.predict_proba(Xdv), m.classes_)
    if on("svc"):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        for C in (0.3,):
            m = CalibratedClassifierCV(LinearSVC(C=C, class_weight="balanced", max_iter=5000), cv=5,
                                       method="sigmoid").fit(Xtr, ytr)
            run(f"LinearSVC C{C}+sigmoid cal", m.predict_proba(Xdv), m.classes_)
    if on("mlp"):
        from sklearn.neural_network import MLPClassifier

        for h, alpha in ((64, 1e-3),):
            Ps = []
            for seed in (0,):
                t = time.time()
                m = MLPClassifier(hidden_layer_sizes=(h,), alpha=alpha, early_stopping=False, max_iter=60,
                                  random_state=seed).fit(Xtr, ytr)
                P = m.predict_proba(Xdv)
                Ps.append(P)
                run(f"MLP h{h} a{alpha} seed{seed}", P, m.classes_)
                print(f"  {time.time() - t:.0f}s", flush=True)
            run(f"MLP h{h} a{alpha} 3 seeds avg", np.mean(Ps, 0), m.classes_)
            for w in (0.3, 0.5):
                run(f"  avg base+MLP3 h{h} a{alpha} w={w}", (1 - w) * base + w * np.mean(Ps, 0), m.classes_)
    with open(f"/tmp/wtB_exp/probs-{'-'.join(sorted(want)) or 'all'}.pkl", "wb") as fh:
        pickle.dump({k: v for k, v in results.items()}, fh)


if __name__ == "__main__":
    main()
