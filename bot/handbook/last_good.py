"""A copy of the last content that loaded well, kept beside the database, outside content/.

A process that restarts while a content file has a mistake starts from this copy instead of
refusing to start (bot/handbook/store.py): the bot and the console keep working with the
previous content, and the console says what is wrong until the files are fixed.

    <database folder>/content-last-good/
        current -> v-<fingerprint>   the copy to start from (a symlink, replaced atomically)
        v-<fingerprint>/             profile.yaml, divisions.yaml, faq.yaml, not-handled.yaml, handbook/*.yaml
        .lock                        one copier at a time (gunicorn workers, the clock)

A copy is written into a temporary folder, fsynced, loaded by itself (a file edited while it
was copied never makes a broken copy current), renamed into place, and only then pointed to.
A crash at any step leaves the previous copy current.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from bot.handbook.loader import HANDBOOK_DIR, ContentFiles, load_handbook

FOLDER = "content-last-good"
CURRENT = "current"
KEEP = 3  # versions kept: a process reading an older copy at start never has it deleted underneath


def folder_for(settings) -> Path:
    return settings.data_path / FOLDER


def current(folder: Path) -> Path | None:
    """The last good copy's folder, or None if no content has loaded well here yet."""
    link = folder / CURRENT
    return link.resolve() if link.is_dir() else None


def _pointed(folder: Path) -> str | None:
    try:
        return os.readlink(folder / CURRENT)
    except OSError:
        return None


def save(folder: Path, content_dir: Path, fingerprint: str) -> bool:
    """Make content_dir's files (the version whose Handbook.fingerprint is given) the last good
    copy; False if it already is (one readlink: cheap enough for every load)."""
    if _pointed(folder) == f"v-{fingerprint}":
        return False
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        if _pointed(folder) == f"v-{fingerprint}":  # another process saved it meanwhile
            return False
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
        try:
            for path in ContentFiles(content_dir).paths():
                _copy(path, tmp / path.relative_to(content_dir))
            _fsync(tmp / HANDBOOK_DIR)
            _fsync(tmp)
            name = f"v-{load_handbook(tmp).fingerprint}"  # raises if the copy would not load
            if (folder / name).exists():  # renamed in before a crash: complete and checked
                shutil.rmtree(tmp)
            else:
                os.rename(tmp, folder / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        link = folder / f".tmp-link-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(name, link)
        os.replace(link, folder / CURRENT)
        _fsync(folder)
        _prune(folder, name)
    return True


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as f:
        f.write(source.read_bytes())
        f.flush()
        os.fsync(f.fileno())


def _fsync(folder: Path) -> None:
    if folder.is_dir():
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _prune(folder: Path, keep: str) -> None:
    """Leftovers of interrupted copies, and versions older than the newest KEEP."""
    versions = sorted((p for p in folder.glob("v-*") if p.name != keep), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in versions[KEEP - 1:] + list(folder.glob(".tmp-*")):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


@contextmanager
def _locked(folder: Path):
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
