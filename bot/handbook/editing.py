"""Changing the handbook's content files from the admin console, safely.

Every change:
1. is made on the file's YAML as written (ruamel.yaml round-trip: comments, order, quoting and
   {{placeholders}} stay as they were; only the changed fields are rewritten);
2. is checked with exactly the checks of the files (bot/handbook/loader.py, the whole
   handbook built with the new text in place of the old) before anything is written;
3. is written atomically (a temporary file in the same folder, fsync, rename): a reader sees the
   old file or the new one, never half of one; the previous file is first copied to the
   history folder (`<database folder>/content-history/`);
4. happens under an exclusive lock shared by every process (fcntl; on PostgreSQL also by every
   machine, with the folder first brought up to date: bot/content/stored.py), and an edit of a
   whole procedure is refused when the file changed since the form was opened (no lost update).

The caller then reloads its HandbookStore; the other processes (gunicorn workers, `python -m bot
work`) notice the new file by its size and modification time within HandbookStore.check_seconds.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import os
import re
import secrets
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from bot.content import overlay
from bot.handbook.loader import FAQ_FILE, HANDBOOK_DIR, HandbookContentError, Problem, load_handbook
from bot.handbook.model import Handbook
from bot.handbook.schema import EDITABLE, FIELD
from bot.handbook.thai import squash
from bot.common.thaidate import BANGKOK

MAX_ALIAS = 100
MAX_FAQ_QUESTION = 200
FOLD_ABOVE = 80  # longer one-line texts are written as folded blocks (">-"), as the files are
_FAQ_ID = re.compile(r"^faq-(\d+)$")


class EditError(Exception):
    """A change that was not made; `problems` say why, field by field, in Thai."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []

    def by_field(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for p in self.problems:
            messages = found.setdefault(p.field or "_file", [])
            if p.thai not in messages:
                messages.append(p.thai)
        return found


class StaleEdit(EditError):
    """The file changed since the form was opened (another admin saved first)."""


@dataclass(frozen=True)
class EditResult:
    path: Path
    backup: Path | None  # the previous file's copy, None for a new file
    handbook: Handbook | None  # the handbook as it is with the change (None: a profile edit)


def round_trip_yaml() -> YAML:
    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap lines a person wrote
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def version_of(path: Path) -> str:
    """A short hash of the file as it is now ("" when missing): the form carries it back."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return ""


def atomic_write(path: Path, text: str) -> None:
    """Replace path with text: a temporary file in the same folder, fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _block_text(value: str) -> Any:
    """A text as the files write it: multi-line as a literal block, long as a folded one."""
    value = value.strip()
    if "\n" in value:
        return LiteralScalarString(value)
    if len(value) > FOLD_ABOVE:
        return FoldedScalarString(value)
    return value


def _plain(value: Any) -> Any:
    """A YAML value as plain Python (for comparing what a form sent with what the file holds)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value).strip()
    return value


def _as_yaml(value: Any) -> Any:
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            if v not in (None, ""):
                out[k] = _as_yaml(v)
        return out
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq()
        seq.extend(_as_yaml(v) for v in value)
        return seq
    if isinstance(value, str):
        return _block_text(value)
    return value


@contextmanager
def _faq_fields():
    """Point the file check's messages at the form's fields (answer), not at entries[n].answer."""
    try:
        yield
    except EditError as exc:
        exc.problems = [
            Problem(p.path, p.line, tuple(k for k in p.keys if k != "entries" and not isinstance(k, int)), p.message,
                    re.sub(r"^ข้อที่ \d+ ช่อง [a-z_]+: ", "", p.thai))
            for p in exc.problems
        ]
        raise


class ContentEditor:
    def __init__(self, content_dir: Path, history_dir: Path, share=None):
        """share: on PostgreSQL, the SAO's edits every machine shares (bot/content/stored.py
        ContentShare): an edit then holds them too, so two machines' edits are one at a time."""
        self.content_dir = Path(content_dir)
        self.history_dir = Path(history_dir)
        self.share = share
        self._held = False

    # --- plumbing ------------------------------------------------------------------------

    def procedure_path(self, procedure_id: str) -> Path:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", procedure_id or ""):
            raise EditError("ไม่พบเรื่องนี้ในคู่มือ")
        return self.content_dir / HANDBOOK_DIR / f"{procedure_id}.yaml"

    @property
    def faq_path(self) -> Path:
        return self.content_dir / FAQ_FILE

    @contextmanager
    def _locked(self):
        """One edit at a time across every process of this install (held already inside session())."""
        if self._held:
            yield
            return
        self.history_dir.mkdir(parents=True, exist_ok=True)
        with open(self.history_dir / ".edit.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._held = True
            try:
                if self.share is None:
                    yield
                else:
                    with self.share.editing():
                        yield
            finally:
                self._held = False
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def session(self):
        """Hold the edit lock across an edit and what the caller records about it (the audit log):

            with editor.session():
                result = editor.add_alias(...)
                try:
                    with transaction(db): audit.record(...)
                except Exception:
                    editor.restore(result)
                    raise
        """
        with self._locked():
            yield self

    def restore(self, result: EditResult) -> None:
        """Undo an edit whose record could not be written: the previous file back (or none)."""
        with self._locked():
            if result.backup is not None:
                atomic_write(result.path, result.backup.read_text(encoding="utf-8"))
            elif result.path.exists():
                result.path.unlink()

    def read(self, path: Path) -> CommentedMap:
        data = round_trip_yaml().load(path.read_text(encoding="utf-8"))
        return data if data is not None else CommentedMap()

    @staticmethod
    def dump(data: CommentedMap) -> str:
        out = io.StringIO()
        round_trip_yaml().dump(data, out)
        return out.getvalue()

    def _backup(self, path: Path, actor: str) -> Path | None:
        if not path.exists():
            return None
        folder = self.history_dir / path.parent.relative_to(self.content_dir)
        folder.mkdir(parents=True, exist_ok=True)
        who = re.sub(r"[^A-Za-z0-9._-]+", "-", actor)[:40] or "unknown"
        stamp = datetime.now(BANGKOK).strftime("%Y%m%d-%H%M%S")  # Thai time, whatever the server's zone
        target = folder / f"{path.name}.{stamp}.{secrets.token_hex(2)}.{who}"
        shutil.copy2(path, target)
        return target

    def check(self, path: Path, text: str) -> Handbook:
        """The handbook as it would be with this file's new text; HandbookContentError if invalid."""
        return load_handbook(self.content_dir, overrides={path: text})

    def _commit(self, path: Path, text: str, actor: str) -> EditResult:
        try:
            handbook = self.check(path, text)
        except HandbookContentError as exc:
            mine = [p for p in exc.problems if p.path == path]
            raise EditError("ข้อมูลยังไม่ถูกต้อง จึงยังไม่ได้บันทึก", mine or exc.problems) from None
        backup = self._backup(path, actor)
        overlay.remember_base(path, self.content_dir)  # which default this edit starts from (doctor)
        atomic_write(path, text)
        return EditResult(path, backup, handbook)

    # --- the SAO's profile ----------------------------------------------------------------

    @property
    def profile_path(self) -> Path:
        return self.content_dir / "profile.yaml"

    def raw_profile(self) -> tuple[dict, str]:
        """The profile's fields as written, and the file's version for the form to carry back."""
        return {k: "" if v is None else str(v) for k, v in self.read(self.profile_path).items()}, version_of(self.profile_path)

    def save_profile(self, values: dict[str, str], expected_version: str, actor: str) -> EditResult:
        """Change the profile's fields (name, address, phone …): checked, backed up, written whole."""
        from bot.content.profile import ContentError, load_profile, value_problems

        path = self.profile_path
        with self._locked():
            if expected_version and version_of(path) != expected_version:
                raise StaleEdit("มีผู้แก้ไขข้อมูล อบต. และบันทึกไปก่อนแล้ว ระบบจึงยังไม่บันทึกของท่าน "
                                "กรุณาเปิดหน้านี้ใหม่แล้วแก้ไขอีกครั้ง")
            wrong = value_problems(values)
            if wrong:
                raise EditError("ข้อมูลยังไม่ถูกต้อง จึงยังไม่ได้บันทึก",
                                [Problem(path, 0, (key,), message, message) for key, message in wrong.items()])
            data = self.read(path)
            for key, value in values.items():
                if str(data.get(key) or "") != value:
                    data[key] = value
            text = self.dump(data)
            try:  # what the bot will read, read as the bot reads it
                load_profile(path, text=text)
            except ContentError as exc:
                raise EditError(f"ข้อมูลยังไม่ถูกต้อง จึงยังไม่ได้บันทึก: {exc}") from None
            backup = self._backup(path, actor)
            overlay.remember_base(path, self.content_dir)
            atomic_write(path, text)
            return EditResult(path, backup, None)

    # --- aliases -------------------------------------------------------------------------

    def add_alias(self, procedure_id: str, alias: str, actor: str, handbook: Handbook) -> EditResult:
        """Add a name villagers use for a procedure (what a citizen typed, usually shortened)."""
        alias = " ".join((alias or "").split())
        if not alias:
            raise EditError("กรุณากรอกชื่อเรียกที่จะเพิ่ม")
        if len(alias) > MAX_ALIAS:
            raise EditError(f"ชื่อเรียกยาวได้ไม่เกิน {MAX_ALIAS} ตัวอักษร กรุณาตัดให้เหลือเฉพาะคำที่ประชาชนใช้เรียกเรื่องนี้")
        procedure = handbook.get(procedure_id)
        if procedure is None:
            raise EditError("ไม่พบเรื่องนี้ในคู่มือ")
        key = squash(alias)
        if key in {squash(n) for n in (procedure.title, procedure.short_title, *procedure.aliases)}:
            raise EditError(f"“{alias}” เป็นชื่อเรียกของเรื่อง{procedure.short_title}อยู่แล้ว")
        for other in handbook.procedures:
            if other.id != procedure_id and key in {squash(n) for n in (other.title, other.short_title, *other.aliases)}:
                raise EditError(f"“{alias}” เป็นชื่อเรียกของเรื่อง{other.short_title}อยู่แล้ว ใช้ซ้ำกับอีกเรื่องไม่ได้")
        path = self.procedure_path(procedure_id)
        with self._locked():
            data = self.read(path)
            aliases = data.get("aliases")
            if not isinstance(aliases, list):
                aliases = CommentedSeq()
                data["aliases"] = aliases
            aliases.append(alias)
            return self._commit(path, self.dump(data), actor)

    # --- ready answers (FAQ) ---------------------------------------------------------------

    def add_faq(self, *, question: str, answer: str, aliases: list[str], division: str, actor: str,
                today: date) -> tuple[str, EditResult]:
        """Add a ready answer to content/faq.yaml; returns its id and the result."""
        question = " ".join((question or "").split())
        answer = (answer or "").strip()
        problems = []
        if not question:
            problems.append(Problem(self.faq_path, 1, ("question",), "question is empty", "กรุณากรอกคำถาม"))
        elif len(question) > MAX_FAQ_QUESTION:
            problems.append(Problem(self.faq_path, 1, ("question",), "question too long",
                                    f"คำถามยาวได้ไม่เกิน {MAX_FAQ_QUESTION} ตัวอักษร"))
        if not answer:
            problems.append(Problem(self.faq_path, 1, ("answer",), "answer is empty", "กรุณาเขียนคำตอบ"))
        if problems:
            raise EditError("ข้อมูลยังไม่ครบ จึงยังไม่ได้บันทึก", problems)
        path = self.faq_path
        with self._locked():
            data = self.read(path) if path.exists() else CommentedMap()
            entries = data.get("entries")
            if not isinstance(entries, list) or not entries:
                entries = CommentedSeq()  # block style, also in place of an empty "[]"
                data["entries"] = entries
            used = [int(m.group(1)) for e in entries if isinstance(e, dict) and (m := _FAQ_ID.match(str(e.get("id", ""))))]
            entry_id = f"faq-{max(used, default=0) + 1}"
            entry = CommentedMap()
            entry["id"] = entry_id
            entry["question"] = question
            clean = [a for a in (" ".join(x.split()) for x in aliases) if a and a != question]
            if clean:
                entry["aliases"] = _as_yaml(clean)
            entry["answer"] = _block_text(answer)
            if division:
                entry["division"] = division
            entry["updated"] = today
            entries.append(entry)
            with _faq_fields():
                return entry_id, self._commit(path, self.dump(data), actor)

    def _faq_entries(self) -> tuple[CommentedMap, list]:
        data = self.read(self.faq_path) if self.faq_path.exists() else CommentedMap()
        entries = data.get("entries")
        return data, entries if isinstance(entries, list) else []

    def raw_faq(self, entry_id: str) -> tuple[dict, str]:
        """A ready answer as the file writes it, and the file's version."""
        _, entries = self._faq_entries()
        for entry in entries:
            if isinstance(entry, dict) and str(entry.get("id")) == entry_id:
                return _plain(entry), version_of(self.faq_path)
        raise EditError("ไม่พบคำตอบสำเร็จรูปนี้")

    def save_faq(self, entry_id: str, values: dict[str, Any], expected_version: str, actor: str) -> EditResult:
        """Change a ready answer: question, aliases, answer, division, updated (the rest stays)."""
        return self._change_faq(entry_id, expected_version, actor, values)

    def delete_faq(self, entry_id: str, expected_version: str, actor: str) -> EditResult:
        return self._change_faq(entry_id, expected_version, actor, None)

    def _change_faq(self, entry_id: str, expected_version: str, actor: str, values: dict[str, Any] | None) -> EditResult:
        path = self.faq_path
        with self._locked():
            if expected_version and version_of(path) != expected_version:
                raise StaleEdit("มีผู้แก้ไขคำตอบสำเร็จรูปและบันทึกไปก่อนแล้ว ระบบจึงยังไม่บันทึกของท่าน "
                                "กรุณาเปิดหน้านี้ใหม่แล้วแก้ไขอีกครั้ง")
            data, entries = self._faq_entries()
            index = next((i for i, e in enumerate(entries) if isinstance(e, dict) and str(e.get("id")) == entry_id), None)
            if index is None:
                raise EditError("ไม่พบคำตอบสำเร็จรูปนี้")
            if values is None:
                del entries[index]
            else:
                entry = entries[index]
                for name in ("question", "aliases", "answer", "division", "updated"):
                    if name not in values:
                        continue
                    new = values[name]
                    if new in (None, "", []):
                        if name in ("question", "answer", "updated"):
                            entry[name] = ""  # the check says what is missing
                        elif name in entry:
                            del entry[name]
                    elif _plain(entry.get(name)) != _plain(new):
                        entry[name] = _as_yaml(new)
            with _faq_fields():
                return self._commit(path, self.dump(data), actor)

    # --- a whole procedure ---------------------------------------------------------------

    def raw_procedure(self, procedure_id: str) -> tuple[dict, str]:
        """The procedure's fields as the file writes them (placeholders unfilled) and the file's version."""
        path = self.procedure_path(procedure_id)
        if not path.exists():
            raise EditError("ไม่พบเรื่องนี้ในคู่มือ")
        return _plain(self.read(path)), version_of(path)

    def _apply(self, data: CommentedMap, values: dict[str, Any]) -> CommentedMap:
        """Put the form's values into the file's YAML, rewriting only the fields that changed."""
        for name in EDITABLE:
            if name not in values:
                continue
            new = values[name]
            if new in (None, "", [], {}):
                if FIELD[name].required:
                    data[name] = CommentedSeq() if isinstance(new, list) else ""  # the check says what is missing
                elif name in data:
                    del data[name]
                continue
            if _plain(data.get(name)) == _plain(new):
                continue
            data[name] = _as_yaml(new)
        return data

    @staticmethod
    def changed_fields(raw: dict, values: dict[str, Any]) -> list[str]:
        """Which fields these values would change in a procedure whose file holds raw."""
        return [
            name for name in EDITABLE
            if name in values and _plain(raw.get(name)) != _plain(values[name] if values[name] not in ("", [], {}) else None)
        ]

    def preview_procedure(self, procedure_id: str, values: dict[str, Any]) -> Handbook:
        """The handbook as it would be with these values; EditError with Thai problems if invalid."""
        path = self.procedure_path(procedure_id)
        text = self.dump(self._apply(self.read(path), values))
        try:
            return self.check(path, text)
        except HandbookContentError as exc:
            raise EditError("ข้อมูลยังไม่ถูกต้อง", [p for p in exc.problems if p.path == path] or exc.problems) from None

    def save_procedure(self, procedure_id: str, values: dict[str, Any], expected_version: str, actor: str) -> EditResult:
        path = self.procedure_path(procedure_id)
        with self._locked():
            if not path.exists():
                raise EditError("ไม่พบเรื่องนี้ในคู่มือ")
            if expected_version and version_of(path) != expected_version:
                raise StaleEdit(
                    "มีผู้แก้ไขเรื่องนี้และบันทึกไปก่อนแล้ว ระบบจึงยังไม่บันทึกของท่าน "
                    "กรุณาเปิดหน้านี้ใหม่เพื่อดูฉบับล่าสุด แล้วแก้ไขอีกครั้ง"
                )
            data = self._apply(self.read(path), values)
            return self._commit(path, self.dump(data), actor)
