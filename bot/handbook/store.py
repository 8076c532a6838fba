"""The handbook a running process answers from, rebuilt when the content files change.

The admin console edits content/handbook/*.yaml while the bot runs; `current()` notices a
change (by the files' size and modification time, looked at most once per
`check_seconds`) and builds the new handbook and its search index off to the side, then
swaps them in whole. Invalid content never replaces valid content: the bot keeps answering
from the last good version, and `last_error` says what is wrong (file, field, line).
`reload()` is the explicit path for the console: it raises ContentError for invalid content.

With `last_good_dir`, every version that loads well is also copied there (bot/handbook/
last_good.py), and a process that starts while the content has a mistake starts from that
copy, with `last_error` set, rather than not at all; only a first start with no copy refuses.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from bot.content import overlay
from bot.content.stored import ContentShare
from bot.handbook import last_good
from bot.handbook.loader import DIVISIONS_FILE, PROFILE_FILE, ContentFiles, load_handbook
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
    # Parts the layers above read (the measures plans, the days off: bot/wiring.py content_parts),
    # built from the same version by the functions the store was given.
    parts: Mapping[str, Any] = field(default_factory=dict)

    def part(self, name: str) -> Any:
        return self.parts[name]


def _default_index(handbook: Handbook):
    from bot.handbook.search import HandbookSearch

    return HandbookSearch(handbook)


CHECK_SECONDS = 2.0  # how stale another process's handbook may be after an edit

# Versions already built in this process, by folder and files' signature: a second store
# over the same files (the CLI beside the app, every app a test builds) shares the work.
# Handbooks and indexes are never changed once built, so sharing them is safe.
_BUILT: dict[tuple, tuple] = {}  # key → (handbook, index, profile, divisions, parts)
_BUILT_KEEP = 4
_built_lock = threading.Lock()


def content_of(app) -> "Loaded":
    """The content a Flask app answers from now: the one snapshot the bot, the console and the
    public pages share (a profile edit reaches them all, with no restart)."""
    return app.extensions["handbook_store"].current()


class HandbookStore:
    def __init__(
        self,
        content_dir: Path,
        *,
        check_seconds: float = CHECK_SECONDS,
        build_index: Callable[[Handbook], Any] | None = _default_index,
        last_good_dir: Path | None = None,  # where to keep the last good copy (None: no copy)
        parts: Mapping[str, Callable[[Path, tuple], Any]] | None = None,  # name → build(folder, divisions)
        defaults_dir: Path | None = None,  # content_dir overlays these shipped files (bot/content/overlay.py)
        shared=None,  # on PostgreSQL: the edits every machine shares (bot/content/stored.py)
    ):
        self.content_dir = Path(content_dir)
        self.defaults_dir = Path(defaults_dir) if defaults_dir else None
        self.shared = shared
        self._sync_overlay()
        self.check_seconds = check_seconds
        self._build_index = build_index
        self._files = ContentFiles(self.content_dir)
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self.last_error: str | None = None
        self.last_good_dir = Path(last_good_dir) if last_good_dir else None
        self._parts = dict(parts or {})
        try:
            self._loaded = self._load()
        except ContentError as exc:
            self._loaded = self._start_from_last_good(exc)

    @classmethod
    def for_settings(cls, settings, **options) -> "HandbookStore":
        """The store of an installation's content: its overlay over the defaults and its last good copy."""
        options.setdefault("last_good_dir", last_good.folder_for(settings))
        options.setdefault("shared", ContentShare.for_settings(settings))
        return cls(settings.content_dir, defaults_dir=settings.default_content_dir, **options)

    def _sync_overlay(self) -> None:
        """The folder in step with the edits other machines made (on PostgreSQL), then with the defaults."""
        if self.shared is not None:
            self.shared.sync()
        if self.defaults_dir is None:
            return
        try:
            overlay.sync(self.defaults_dir, self.content_dir)
        except OSError:  # a read-only data folder: answer from what is there; doctor says why
            log.exception("could not bring the content in %s up to date with the defaults in %s",
                          self.content_dir, self.defaults_dir)

    def _start_from_last_good(self, error: ContentError) -> Loaded:
        """A restart must not take the bot down over one broken file: start from the last good
        copy and keep saying what is wrong; current() picks the files up once they are fixed."""
        copy = last_good.current(self.last_good_dir) if self.last_good_dir else None
        if copy is None:
            log.error("the content in %s has mistakes and there is no last good copy to start from "
                      "(the content has never loaded here); fix these and start again:\n%s", self.content_dir, error)
            raise error
        log.error("the content in %s has mistakes; starting from the last good copy %s until they are fixed:\n%s",
                  self.content_dir, copy, error)
        try:
            loaded = self._load(folder=copy)
        except ContentError as copy_error:  # e.g. checks made stricter by an upgrade since the copy
            log.error("the last good copy %s does not load either:\n%s", copy, copy_error)
            raise error from copy_error
        self.last_error = str(error)
        # No signature of content_dir: current() tries the files again at each check.
        return replace(loaded, signature=())

    def _load(self, fresh: bool = False, folder: Path | None = None) -> Loaded:
        """fresh: build even if this version was built before (after an edit in the console).
        folder: load from there instead of content_dir (the last good copy)."""
        folder = folder or self.content_dir
        signature = ContentFiles(folder).signature()
        key = (folder.resolve(), signature, self._build_index, tuple(sorted(self._parts.items())))
        with _built_lock:
            built = None if fresh else _BUILT.get(key)
        if built is None:
            profile = load_profile(folder / PROFILE_FILE)
            handbook = load_handbook(folder, profile)
            divisions_file = folder / DIVISIONS_FILE
            divisions = load_divisions(divisions_file) if divisions_file.exists() else ()
            # Each part raises ContentError like the handbook: a mistake anywhere keeps the last good version.
            parts = {name: build(folder, divisions) for name, build in self._parts.items()}
            built = (handbook, self._build_index(handbook) if self._build_index else None, profile, divisions, parts)
            with _built_lock:
                _BUILT[key] = built
                while len(_BUILT) > _BUILT_KEEP:
                    _BUILT.pop(next(iter(_BUILT)))
        handbook, index, profile, divisions, parts = built
        if folder == self.content_dir and self.last_good_dir:
            self._save_last_good(handbook)
        return Loaded(handbook, index, signature, time.time(), profile, divisions, parts)

    def _save_last_good(self, handbook: Handbook) -> None:
        try:
            if last_good.save(self.last_good_dir, self.content_dir, handbook.fingerprint):
                log.info("content %s kept as the last good copy in %s", handbook.fingerprint, self.last_good_dir)
        except Exception:  # the copy is a safety net: failing to make it must not stop the bot
            log.exception("could not keep the last good copy of the content in %s", self.last_good_dir)

    def current(self) -> Loaded:
        """The newest valid version; reloads if a content file changed since the last look."""
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return self._loaded
        with self._lock:
            if now - self._checked_at < self.check_seconds:
                return self._loaded
            self._checked_at = now
            self._sync_overlay()  # a default added by an upgrade or by hand shows at once
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
            if self.shared is not None:  # the edit reaches the other machines now, not at the next check
                self.shared.sync()
            try:
                loaded = self._load(fresh=True)
            except ContentError as exc:
                self.last_error = str(exc)
                raise
            self._loaded = loaded
            self.last_error = None
            self._checked_at = time.monotonic()
            return loaded
