"""The citizen handbook (คู่มือสำหรับประชาชน): content, Thai search, answers and public pages.

    from bot.handbook import load_handbook
    handbook = load_handbook(settings.content_dir)
    for p in handbook.procedures:          # ordered as pages list them
        p.id, p.title, p.short_title, p.division
    handbook.get("elderly-allowance")      # a Procedure, or None

A running process uses HandbookStore, which rebuilds the handbook and its search index
when the content files change (`store.current()`, `store.reload()`).
"""
from bot.handbook.loader import load_handbook
from bot.handbook.model import SECTION_TITLES, SECTIONS, FaqEntry, Handbook, NotHandledTopic, Procedure
from bot.handbook.store import HandbookStore
from bot.content.profile import ContentError

__all__ = [
    "ContentError",
    "FaqEntry",
    "Handbook",
    "HandbookStore",
    "NotHandledTopic",
    "Procedure",
    "SECTIONS",
    "SECTION_TITLES",
    "load_handbook",
]
