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
import re
import sys
import threading
import zipfile
from array import array
from collections import Counter
from functools import lru_cache
from itertools import repeat
from pathlib import Path

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the same model gives the same bytes: git sees no change


DENSE_PREFIX = "u:"  # the sentence embedding's features: u:0 … u:511


class Vocabulary:
    """Feature names → numbers, one table for every model of the process. The five models share
    most of their 90,000 names: one dictionary instead of five (285,000 entries) saves a worker
    about half the models' memory, and a message's features are looked up once for all models."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.names: list[str] = []
        self._lock = threading.Lock()

    def add(self, names: list[str]) -> list[int]:
        with self._lock:
            ids, known = self.ids, []
            for name in names:
                at = ids.get(name)
                if at is None:
                    at = ids[name] = len(self.names)
                    self.names.append(name)
                known.append(at)
            return known

    def lookup(self, features: dict[str, float]):
        """(ids, values) of the features the vocabulary knows, as numpy arrays; kept on a
        Features object for the next model (until it changes or the vocabulary grows)."""
        import numpy as np

        key = (len(features), len(self.names))
        cached = getattr(features, "_looked_up", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        plus_of = getattr(features, "plus_of", None)
        if plus_of is not None:  # the section model's copy with the rule added: only the rule is new
            base, extra = plus_of
            (base_ids, base_values), (extra_ids, extra_values) = self.lookup(base), self._find(extra)
            found = (np.concatenate((base_ids, extra_ids)), np.concatenate((base_values, extra_values)))
        else:
            found = self._find(features)
        try:
            features._looked_up = (key, found)
        except AttributeError:  # a plain dict: looked up again next time
            pass
        return found

    def _find(self, features: dict[str, float]):
        import numpy as np

        # map() and fromiter() keep the per-name work in C: a long message has 1,000 names or
        # more, looked up for each model, and a Python loop over them was a tenth of its time.
        n = len(features)
        ids = np.fromiter(map(self.ids.get, features.keys(), repeat(-1, n)), dtype=np.int64, count=n)
        values = np.fromiter(features.values(), dtype=np.float32, count=n)
        known = ids >= 0
        return ids[known], values[known]


VOCABULARY = Vocabulary()


class LinearModel:
    def __init__(self, classes, bias, weights: dict[str, tuple[float, ...]], info: dict):
        self.classes = tuple(classes)
        self.bias = tuple(float(b) for b in bias)
        self.info = dict(info)
        self._index(list(weights), array("f", (w for row in weights.values() for w in row)))

    def _index(self, names: list[str], table: array) -> None:
        """The weights, a row per feature name in `table`. With numpy: a view of them as a matrix,
        the row of each word of the shared vocabulary (-1: not this model's), and the embedding's
        u: rows as one block (its 512 values cost one product). Without: a dictionary per model."""
        n = len(self.classes)
        self._table = table
        self._matrix = self._dense = self._row = None
        try:
            import numpy as np
        except ImportError:
            self._names = list(names)
            self._row = dict(zip(names, range(0, len(names) * n, n)))  # feature → its first weight
            return  # summed in plain Python
        ids = VOCABULARY.add(names)
        self._names = [VOCABULARY.names[at] for at in ids]  # the shared strings, in row order
        self._rows = np.full(len(VOCABULARY.names), -1, dtype=np.int32)
        self._rows[ids] = np.arange(len(ids), dtype=np.int32)
        self._matrix = np.frombuffer(table, dtype=np.float32).reshape(-1, n)  # shares the memory
        dense = []
        while (at := VOCABULARY.ids.get(f"{DENSE_PREFIX}{len(dense)}")) is not None and at < len(self._rows) \
                and self._rows[at] >= 0:
            dense.append(self._rows[at])
        if dense:
            self._dense = self._matrix[dense]

    def _first_weights(self) -> dict[str, int]:
        """feature → where its weights start in the table."""
        n = len(self.classes)
        return {name: i * n for i, name in enumerate(self._names)}

    def __eq__(self, other) -> bool:
        return isinstance(other, LinearModel) and self.to_json() == other.to_json()

    @property
    def weights(self) -> dict[str, tuple[float, ...]]:
        n = len(self.classes)
        return {name: tuple(self._table[at:at + n]) for name, at in self._first_weights().items()}

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

        ids, values = VOCABULARY.lookup(features)
        total = np.array(self.bias, dtype=np.float64)
        if len(ids):
            known = ids < len(self._rows)  # a word a later model added is not this one's
            rows, vals = self._rows[ids[known]], values[known]
            mine = rows >= 0
            if mine.any():
                total += vals[mine] @ self._matrix[rows[mine]]
        dense = getattr(features, "dense", None)
        if dense is not None and self._dense is not None:
            total += dense @ self._dense
        return total.tolist()

    def probabilities(self, features: dict[str, float]) -> dict[str, float]:
        return self._softmax(self.scores(features))

    def _softmax(self, scores: list[float]) -> dict[str, float]:
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

    def _members(self) -> dict[str, bytes]:
        n = len(self.classes)
        first = self._first_weights()
        names = sorted(first)
        table = array("f")
        for name in names:
            at = first[name]
            table.extend(self._table[at:at + n])
        if sys.byteorder != "little":
            table.byteswap()
        meta = {"classes": list(self.classes), "bias": list(self.bias), "info": self.info}
        return {
            "model.json": json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8"),
            "features.txt": "\n".join(names).encode("utf-8"),
            "weights.f32": table.tobytes(),
        }

    def save(self, path: Path) -> None:
        with zipfile.ZipFile(path, "w") as z:
            for member, data in self._members().items():
                z.writestr(zipfile.ZipInfo(member, date_time=_FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)

    @classmethod
    def load(cls, path: Path) -> "LinearModel":
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read("model.json"))
            names = z.read("features.txt").decode("utf-8").split("\n")
            table = array("f")
            table.frombytes(z.read("weights.f32"))
            extra = {name: z.read(name) for name in z.namelist() if name not in ("model.json", "features.txt", "weights.f32")}
        if sys.byteorder != "little":
            table.byteswap()
        model = cls(meta["classes"], meta["bias"], {}, meta.get("info", {}))
        model._index(names, table)
        model._extra(names, extra)
        return model

    def _extra(self, names: list[str], members: dict[str, bytes]) -> None:
        """Members of the file beyond the weights (a subclass's)."""


_WHITE_SPACES = re.compile(r"\s\s+")


class CharModel(LinearModel):
    """A logistic regression over the tf-idf of a message's character 2–5-grams, as typed
    (lowercased; scikit-learn's TfidfVectorizer(analyzer="char", sublinear_tf=True), l2-normed):
    a second reading of the intent, the service or the section beside the intent, procedure or
    section model, whose probabilities it is averaged with (bot/understanding/reader.py _averaged,
    INTENT_CHARS_WEIGHT, PROCEDURE_CHARS_WEIGHT, SECTION_CHARS_WEIGHT). Every n-gram of its vocabulary has a row, however small its weights
    (the norm counts them all), and its idf (member `idf.f32`). Scores need numpy; without it,
    `text_probabilities` gives None."""

    PREFIX = "t:"
    NGRAMS = (2, 5)

    def __init__(self, classes, bias, weights, info, idf: dict[str, float] | None = None):
        super().__init__(classes, bias, weights, info)
        self.idf = dict(idf or {})
        self._set_idf()

    def _set_idf(self) -> None:
        self._idf = None
        if self._matrix is not None and self.idf:
            import numpy as np

            self._idf = np.array([self.idf.get(name, 0.0) for name in self._names], dtype=np.float32)

    def _members(self) -> dict[str, bytes]:
        members = super()._members()
        names = sorted(self._first_weights())
        idf = array("f", (self.idf.get(name, 0.0) for name in names))
        if sys.byteorder != "little":
            idf.byteswap()
        members["idf.f32"] = idf.tobytes()
        return members

    def _extra(self, names: list[str], members: dict[str, bytes]) -> None:
        idf = array("f")
        idf.frombytes(members.get("idf.f32", b""))
        if sys.byteorder != "little":
            idf.byteswap()
        self.idf = dict(zip(names, idf))
        self._set_idf()

    @classmethod
    def ngrams(cls, text: str) -> Counter:
        """The message's n-grams as TfidfVectorizer(analyzer="char") counts them (the slicing and
        counting kept in C: a long message has 2,000 of them)."""
        text = _WHITE_SPACES.sub(" ", text.lower())
        low, high = cls.NGRAMS
        counts: Counter = Counter()
        size = len(text)
        for n in range(low, min(high, size) + 1):
            counts.update(map(text.__getitem__, map(slice, range(0, size - n + 1), range(n, size + 1))))
        return counts

    @classmethod
    @lru_cache(maxsize=16)
    def _looked_up(cls, text: str, vocabulary_size: int):
        """(vocabulary ids, counts) of the text's n-grams, -1 for one no model knows: made once
        for the intent's, the service's and the section's character models (four fifths of a
        model's time on a long message). The vocabulary's size is in the key: grown, it is looked up again."""
        import numpy as np

        counts = cls.ngrams(text)
        n = len(counts)
        names = map(cls.PREFIX.__add__, counts.keys())
        at = np.fromiter(map(VOCABULARY.ids.get, names, repeat(-1, n)), dtype=np.int64, count=n)
        tf = np.fromiter(counts.values(), dtype=np.float32, count=n)
        at.flags.writeable = tf.flags.writeable = False  # shared by every model that reads the text
        return at, tf

    def text_probabilities(self, text: str) -> dict[str, float] | None:
        if self._idf is None:
            return None
        import numpy as np

        at, tf = self._looked_up(text, len(VOCABULARY.names))
        total = np.array(self.bias, dtype=np.float64)
        if len(at):
            known = (at >= 0) & (at < len(self._rows))
            rows = self._rows[at[known]]
            mine = rows >= 0
            rows = rows[mine]
            if len(rows):
                values = (1.0 + np.log(tf[known][mine])) * self._idf[rows]
                norm = float(np.sqrt(values @ values))
                if norm > 0:
                    total += (values / norm) @ self._matrix[rows]
        return self._softmax(total.tolist())
