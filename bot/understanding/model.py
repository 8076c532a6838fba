"""A linear model over named features: multinomial logistic regression, read from a JSON file.

Trained by bot/understanding/train.py (scikit-learn, a development tool); at run time it is
a dictionary lookup per feature and a softmax, in plain Python: no numpy, nothing to compile,
microseconds per message. The weights sit in one flat array of 32-bit floats (a few MB for
tens of thousands of features), not a Python float each. The file records a digest of the data
it was trained on, so a test can tell when the labelled messages changed and the model was
not trained again.
"""
from __future__ import annotations

import gzip
import json
import math
from array import array
from pathlib import Path


class LinearModel:
    def __init__(self, classes, bias, weights: dict[str, tuple[float, ...]], info: dict):
        self.classes = tuple(classes)
        self.bias = tuple(float(b) for b in bias)
        self.info = dict(info)
        n = len(self.classes)
        self._row = {name: i * n for i, name in enumerate(weights)}  # feature → its first weight
        self._table = array("f", (w for row in weights.values() for w in row))

    def __eq__(self, other) -> bool:
        return isinstance(other, LinearModel) and self.to_json() == other.to_json()

    @property
    def weights(self) -> dict[str, tuple[float, ...]]:
        n = len(self.classes)
        return {name: tuple(self._table[at:at + n]) for name, at in self._row.items()}

    def scores(self, features: dict[str, float]) -> list[float]:
        total = list(self.bias)
        n = len(total)
        table, rows = self._table, self._row
        for name, value in features.items():
            at = rows.get(name)
            if at is not None:
                for i in range(n):
                    total[i] += table[at + i] * value
        return total

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        scores = self.scores(features)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps)}

    def ranked(self, features: dict[str, float]) -> list[tuple[str, float]]:
        return sorted(self.probabilities(features).items(), key=lambda kv: -kv[1])

    # --- the file ---------------------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "classes": list(self.classes),
            "bias": [round(b, 5) for b in self.bias],
            "weights": {k: [round(w, 5) for w in v] for k, v in sorted(self.weights.items())},
            "info": self.info,
        }

    def save(self, path: Path) -> None:
        data = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # mtime=0: the same model gives the same bytes, so git sees no change when nothing changed.
        with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as z:
            z.write(data)

    @classmethod
    def load(cls, path: Path) -> "LinearModel":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            raw = json.load(f)
        return cls(raw["classes"], raw["bias"], raw["weights"], raw.get("info", {}))
