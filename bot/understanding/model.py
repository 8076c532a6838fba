"""A linear model over named features: multinomial logistic regression, read from a file.

Trained by bot/understanding/train.py (scikit-learn, a development tool); at run time it is
a dictionary lookup per feature and a softmax; with numpy there (it ships with the embedding)
the found rows are summed in one product, else in plain Python. The weights sit in one flat
array of 32-bit floats, not a Python float each.

The file (`*.model`) is a zip of three members, read with the standard library alone:
`model.json` (classes, bias, and a digest of the data it was trained on, so a test can tell
when the labelled messages changed and the model was not trained again), `features.txt` (one
feature name a line) and `weights.f32` (the weights, little-endian float32, a row per feature).
Reading raw floats takes a tenth of the time JSON did, at every worker's start.
"""
from __future__ import annotations

import json
import math
import sys
import zipfile
from array import array
from pathlib import Path

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the same model gives the same bytes: git sees no change


DENSE_PREFIX = "u:"  # the sentence embedding's features: u:0 … u:511


def _dense_rows(rows: dict[str, int], n: int) -> list[int]:
    """Where the u: rows sit in the table, u:0, u:1 … for as long as the model has them."""
    found = []
    while (at := rows.get(f"{DENSE_PREFIX}{len(found)}")) is not None:
        found.append(at // n)
    return found


class LinearModel:
    def __init__(self, classes, bias, weights: dict[str, tuple[float, ...]], info: dict):
        self.classes = tuple(classes)
        self.bias = tuple(float(b) for b in bias)
        self.info = dict(info)
        self._index(list(weights), array("f", (w for row in weights.values() for w in row)))

    def _index(self, names: list[str], table: array) -> None:
        """The weights, a row per feature name in `table`; with numpy, a view of them as a
        matrix and the embedding's u: rows as one block (its 512 values cost one product)."""
        n = len(self.classes)
        self._row = dict(zip(names, range(0, len(names) * n, n)))  # feature → its first weight
        self._table = table
        self._matrix = self._dense = None
        try:
            import numpy as np
        except ImportError:
            return  # summed in plain Python
        self._matrix = np.frombuffer(table, dtype=np.float32).reshape(-1, n)  # shares the memory
        dense = _dense_rows(self._row, n)
        if dense:
            self._dense = self._matrix[dense]

    def __eq__(self, other) -> bool:
        return isinstance(other, LinearModel) and self.to_json() == other.to_json()

    @property
    def weights(self) -> dict[str, tuple[float, ...]]:
        n = len(self.classes)
        return {name: tuple(self._table[at:at + n]) for name, at in self._row.items()}

    def scores(self, features: dict[str, float]) -> list[float]:
        if self._matrix is not None:
            return self._scores_numpy(features)
        total = list(self.bias)
        n = len(total)
        table, rows = self._table, self._row
        for name, value in features.items():
            at = rows.get(name)
            if at is not None:
                for i in range(n):
                    total[i] += table[at + i] * value
        # Features.dense is a numpy vector, so without numpy there is none to add.
        return total

    def _scores_numpy(self, features: dict[str, float]) -> list[float]:
        import numpy as np

        rows = self._row
        n = len(self.classes)
        found = [(rows[name] // n, value) for name, value in features.items() if name in rows]
        total = np.array(self.bias, dtype=np.float64)
        if found:
            index, values = zip(*found)
            total += np.asarray(values, dtype=np.float32) @ self._matrix[list(index)]
        dense = getattr(features, "dense", None)
        if dense is not None and self._dense is not None:
            total += dense @ self._dense
        return total.tolist()

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
        n = len(self.classes)
        names = sorted(self._row)
        table = array("f")
        for name in names:
            at = self._row[name]
            table.extend(self._table[at:at + n])
        if sys.byteorder != "little":
            table.byteswap()
        meta = {"classes": list(self.classes), "bias": list(self.bias), "info": self.info}
        members = {
            "model.json": json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8"),
            "features.txt": "\n".join(names).encode("utf-8"),
            "weights.f32": table.tobytes(),
        }
        with zipfile.ZipFile(path, "w") as z:
            for member, data in members.items():
                z.writestr(zipfile.ZipInfo(member, date_time=_FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)

    @classmethod
    def load(cls, path: Path) -> "LinearModel":
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read("model.json"))
            names = z.read("features.txt").decode("utf-8").split("\n")
            table = array("f")
            table.frombytes(z.read("weights.f32"))
        if sys.byteorder != "little":
            table.byteswap()
        model = cls(meta["classes"], meta["bias"], {}, meta.get("info", {}))
        model._index(names, table)
        return model
