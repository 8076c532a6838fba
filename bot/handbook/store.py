"""The handbook a running process answers from, rebuilt when the content files change.

The admin console edits content/handbook/*.yaml while the bot runs; `current()` notices a
change (by the files' size and modification time, looked at most once per
`check_seconds`) and builds the new handbook and its search index off to the side, then
swaps them in whole. Invalid content never replaces valid content: the bot keeps answering
from the last good version, and `last_error` says what is wrong (file, field, line).
`reload()` is the explicit path for the console: it raises ContentError for invalid content.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot.handbook.loader import ContentFiles, load_handbook
from bot.handbook.model import Handbook
from bot.content.divisions import load_divisions
from bot.content.profile import ContentError, load_profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """One consistent version: the handbook and the index built from it."""

    handbook: Handbook
    index: Any  # bot.handbook.search.HandbookSearch, or None when built without search
    signature: tuple
    loaded_at: float
    # The rest of the content the bot reads with it, from the same files' version: the SAO's
    # profile and divisions (an edit reaches the bot with the handbook, no restart needed).
    profile: Any = None  # bot.content.profile.SaoProfile
    divisions: tuple = ()  # bot.content.divisions.Division


def _default_index(handbook: Handbook):
    from bot.handbook.search import HandbookSearch

    return HandbookSearch(handbook)


CHECK_SECONDS = 2.0  # how stale another process's handbook may be after an edit

# Versions already built in this process, by folder and files' signature: a second store
# over the same files (the CLI beside the app, every app a test builds) shares the work.
# Handbooks and indexes are never changed once built, so sharing them is safe.
_BUILT: dict[tuple, tuple] = {}  # key → (handbook, index, profile, divisions)
_BUILT_KEEP = 4
_built_lock = threading.Lock()


class HandbookStore:
    def __init__(
        self,
        content_dir: Path,
        *,
        check_seconds: float = CHECK_SECONDS,
        build_index: Callable[[Handbook], Any] | None = _default_index,
    ):
        self.content_dir = Path(content_dir)
        self.check_seconds = check_seconds
        self._build_index = build_index
        self._files = ContentFiles(self.content_dir)
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self.last_error: str | None = None
        self._loaded = self._load()  # invalid content at start is an error: fail loudly

    def _load(self, fresh: bool = False) -> Loaded:
        """fresh: build even if this version was built before (after an edit in the console)."""
        signature = self._files.signature()
        key = (self.content_dir.resolve(), signature, self._build_index)
        with _built_lock:
            built = None if fresh else _BUILT.get(key)
        if built is None:
            profile = load_profile(self.content_dir / "profile.yaml")
            handbook = load_handbook(self.content_dir, profile)
            divisions_file = self.content_dir / "divisions.yaml"
            divisions = load_divisions(divisions_file) if divisions_file.exists() else ()
            built = (handbook, self._build_index(handbook) if self._build_index else None, profile, divisions)
            with _built_lock:
                _BUILT[key] = built
                while len(_BUILT) > _BUILT_KEEP:
                    _BUILT.pop(next(iter(_BUILT)))
        handbook, index, profile, divisions = built
        return Loaded(handbook, index, signature, time.time(), profile, divisions)

    def current(self) -> Loaded:
        """The newest valid version; reloads if a content file changed since the last look."""
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return self._loaded
        with self._lock:
            if now - self._checked_at < self.check_seconds:
                return self._loaded
            self._checked_at = now
            if self._files.signature() != self._loaded.signature:
                try:
                    self._loaded = self._load()
                    self.last_error = None
                    log.info("handbook reloaded: %s procedures", len(self._loaded.handbook))
                except ContentError as exc:
                    # Keep answering from the last good content; say what is wrong.
                    if str(exc) != self.last_error:
                        log.error("handbook content not reloaded, keeping the previous version:\n%s", exc)
                    self.last_error = str(exc)
        return self._loaded

    @property
    def handbook(self) -> Handbook:
        return self.current().handbook

    def reload(self) -> Loaded:
        """Load now (after an edit in the console); raise ContentError if the content is invalid."""
        with self._lock:
            try:
                loaded = self._load(fresh=True)
            except ContentError as exc:
                self.last_error = str(exc)
                raise
            self._loaded = loaded
            self.last_error = None
            self._checked_at = time.monotonic()
            return loaded
