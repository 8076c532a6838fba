"""Edited content lives outside the code: a folder in the data directory overlays the shipped defaults.

    <code>/content/            the defaults, shipped with each version (CONTENT_DIR)
    <DATA_DIR>/content/        what the bot reads and the console edits (Settings.content_dir)
        profile.yaml           a real file: edited here, kept across upgrades
        faq.yaml -> <code>/content/faq.yaml      a link: the default, whatever version is installed
        handbook/…             the same, file by file

Every reader keeps reading one folder; only sync() knows there are two. An edit in the
console replaces the link with a real file (bot/handbook/editing.atomic_write renames over
it), so an upgrade brings new defaults and never overwrites an edit. Deleting an edited file
brings the default back at the next sync: at each process start and at each content check.

sync() is safe to run from several processes at once (web workers and the clock): it only
creates links that are missing (an edit that appeared meanwhile wins) and removes links whose
default is gone. It never touches a real file.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from db.backup import EDIT_BASES as BASES  # backups carry it with the edits
from db.backup import edited_paths  # the SAO's edits: the real files among the links

log = logging.getLogger(__name__)


@dataclass
class Synced:
    linked: list[str] = field(default_factory=list)  # defaults newly linked (a new install, an upgrade's new files)
    relinked: list[str] = field(default_factory=list)  # links pointed at the defaults' new place
    removed: list[str] = field(default_factory=list)  # links to defaults an upgrade removed

    def __bool__(self) -> bool:
        return bool(self.linked or self.relinked or self.removed)


def _defaults(defaults: Path) -> list[Path]:
    """The shipped files, relative to their folder (hidden files and editors' leftovers skipped)."""
    out = []
    for folder, dirs, files in os.walk(defaults):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if not name.startswith((".", "_")) and not name.endswith(("~", ".tmp")):
                out.append(Path(folder, name).relative_to(defaults))
    return out


def sync(defaults: Path, overlay: Path) -> Synced:
    """Make overlay show every default it has no edit of. Returns what changed."""
    defaults = Path(os.path.abspath(defaults))  # absolute, not resolved: /opt/…/app survives an upgrade's swap
    overlay = Path(overlay)
    done = Synced()
    wanted = set()
    for relative in _defaults(defaults):
        wanted.add(relative)
        target = overlay / relative
        source = defaults / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            if os.readlink(target) != str(source):  # the code moved: point at the new place
                _replace_link(source, target)
                done.relinked.append(str(relative))
            continue
        if target.exists():
            continue  # edited here: the SAO's version wins
        try:
            os.symlink(source, target)  # fails if an edit appeared meanwhile: it wins
            done.linked.append(str(relative))
        except FileExistsError:
            pass
    for folder, _dirs, files in os.walk(overlay):
        for name in files:
            path = Path(folder, name)
            if path.is_symlink() and path.relative_to(overlay) not in wanted and _points_into(path, defaults):
                path.unlink(missing_ok=True)
                done.removed.append(str(path.relative_to(overlay)))
    if done:
        log.info("content in %s over the defaults in %s: %d linked, %d relinked, %d removed",
                 overlay, defaults, len(done.linked), len(done.relinked), len(done.removed))
    return done


def prepare(settings) -> Synced:
    """At a process's start, before anything reads settings.content_dir: the edits other
    machines made first (on PostgreSQL: bot/content/stored.py), then the defaults."""
    if settings.default_content_dir is None:
        return Synced()
    from bot.content.stored import ContentShare

    shared = ContentShare.for_settings(settings)
    if shared is not None:
        shared.sync()
    return sync(settings.default_content_dir, settings.content_dir)


# BASES: which version of the default each edit started from (relative path → sha256 of the
# default), so doctor can say when an upgrade changed a default that an edit hides.


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def remember_base(path: Path, overlay: Path) -> None:
    """Before an edit replaces a link to the default: note which default it starts from."""
    if not path.is_symlink() or not path.exists():
        return  # edited already (its first edit's base stands), or a new file
    bases = _bases(overlay)
    bases[path.relative_to(overlay).as_posix()] = _sha(path)
    tmp = overlay / f"{BASES}.{secrets.token_hex(4)}.tmp"
    tmp.write_text(json.dumps(bases, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, overlay / BASES)


def _bases(overlay: Path) -> dict[str, str]:
    try:
        return json.loads((overlay / BASES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def behind_defaults(defaults: Path, overlay: Path) -> list[str]:
    """Edited files whose shipped default changed since the edit was made (an upgrade's fix or
    new text that the edit hides): compare them by hand."""
    bases = _bases(overlay)
    out = []
    for relative in edited_paths(overlay):
        default = Path(defaults) / relative
        if relative in bases and default.is_file() and _sha(default) != bases[relative]:
            out.append(relative)
    return out


def _replace_link(source: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.link")
    os.symlink(source, tmp)
    os.replace(tmp, target)


def _points_into(link: Path, folder: Path) -> bool:
    """A link this module made: one into the defaults' folder (an old install's place counts
    too, as a dangling absolute link into a folder named content)."""
    pointed = os.readlink(link)
    return pointed.startswith(str(folder) + os.sep) or (not os.path.exists(link) and f"{os.sep}content{os.sep}" in pointed)
