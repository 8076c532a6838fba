"""Understanding what villagers write: which of eight intents a message is, and for questions
which handbook service and section (see reader.py; the intents are in intents.py).

    from bot.understanding import reader_for
    u = reader_for(search).understand("ไฟถนนหน้าบ้านดับ")   # search: a HandbookSearch
    u.intent, u.topic                                        # "report_problem", "light"

The models it uses ship with the bot (intent.model, procedure.model, section.model … each of the
three with a character n-gram model averaged in: intent-chars.model, procedure-chars.model,
section-chars.model) and are trained from bench/understanding/messages.tsv with
`python -m bot.understanding.train` (the list: train.py).
"""
from __future__ import annotations

import threading
import weakref

from bot.understanding.intents import INTENTS
from bot.understanding.reader import Reader, Understanding

__all__ = ["INTENTS", "Reader", "Understanding", "load_shared", "reader_for"]

_READERS: "weakref.WeakKeyDictionary[object, Reader]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def load_shared(cache_dir=None) -> None:
    """Load what every reader only reads — the segmenter's word list, the models, the sentence
    encoder and its labelled neighbours — into this process. gunicorn's master calls it before
    it forks the web workers (gunicorn.conf.py): they then share one copy of about 150 MB
    instead of each building its own. cache_dir: where the encoder's word table is mapped from."""
    from bot.handbook.thai import load_general_dictionary
    from bot.understanding import embedding
    from bot.understanding.reader import shipped_models

    load_general_dictionary()
    shipped_models()
    if embedding.available():
        if cache_dir is not None:
            embedding.shared_embedder().cache_dir = cache_dir
        embedding.shared_embedder().encode("อบต")
        embedding.shipped_neighbours()


def reader_for(search) -> Reader:
    """The reader over one handbook search index, built once (a content reload makes a new
    index, and with it a new reader; the old one goes with the old index)."""
    with _LOCK:
        reader = _READERS.get(search)
        if reader is None:
            reader = _READERS[search] = Reader.default(search)
        return reader
