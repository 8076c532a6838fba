"""Understanding what villagers write: which of eight intents a message is, and for questions
which handbook service and section (see reader.py; the intents are in intents.py).

    from bot.understanding import reader_for
    u = reader_for(search).understand("ไฟถนนหน้าบ้านดับ")   # search: a HandbookSearch
    u.intent, u.topic                                        # "report_problem", "light"

The models it uses ship with the bot (intent.model, procedure.model) and are trained from
bench/understanding/messages.tsv with `python -m bot.understanding.train`.
"""
from __future__ import annotations

import threading
import weakref

from bot.understanding.intents import INTENTS
from bot.understanding.reader import Reader, Understanding

__all__ = ["INTENTS", "Reader", "Understanding", "reader_for"]

_READERS: "weakref.WeakKeyDictionary[object, Reader]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def reader_for(search) -> Reader:
    """The reader over one handbook search index, built once (a content reload makes a new
    index, and with it a new reader; the old one goes with the old index)."""
    with _LOCK:
        reader = _READERS.get(search)
        if reader is None:
            reader = _READERS[search] = Reader.default(search)
        return reader
