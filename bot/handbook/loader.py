"""Read and check the handbook content: content/handbook/<id>.yaml, content/not-handled.yaml
and content/faq.yaml (short ready answers).

Every mistake is reported with file, field and line, all of them at once, and nothing
loads unless every file is valid: a half-loaded handbook would answer some questions
from old content and others not at all. Each mistake is also kept as a `Problem` with the
field it concerns and a Thai explanation, so the admin console shows it next to the field.

Text may use placeholders filled from content/profile.yaml, so another SAO can reuse the
files: {{sao_name}}, {{sao_short_name}}, {{address}}, {{office_hours}}, {{contact}},
{{website}}, {{subdistrict}}, {{district}}, {{province}}.
"""
from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.content import yamlfile
from bot.content.divisions import Division, load_divisions
from bot.handbook.model import FaqEntry, Handbook, NotHandledTopic, Procedure
from bot.handbook.schema import DATE, DIVISION, FIELD, FIELDS, GROUP, ID, LABEL, NUMBER, ROWS, TEXT, TEXTS, Field
from bot.line.limits import MAX_LABEL, grapheme_len
from bot.content.profile import ContentError, SaoProfile, load_profile

from bot.content.files import (  # noqa: F401  (re-exported: the handbook's own files)
    AGENCIES_FILE, DAYS_OFF_FILE, DEFAULT_PLAN_FILE, DIVISIONS_FILE, FAQ_FILE, HANDBOOK_DIR, NOT_HANDLED_FILE, PLANS_DIR,
    ITA_MAP_FILE, PROFILE_FILE, SERVICES_DIR, TICKET_DEADLINES_FILE,
)

# libyaml's parser when PyYAML has it (about 10x faster: every process rebuilds on a content change).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FAQ_ANSWER = 2000  # a LINE text message holds 5,000; a ready answer stays short
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

def profile_values(profile: SaoProfile) -> dict[str, str]:
    from bot.conversation.texts import contact_line

    return {
        "sao_name": profile.name,
        "sao_short_name": profile.short_name,
        "address": profile.address,
        "office_hours": profile.office_hours,
        "contact": contact_line(profile),
        "website": profile.website or "เว็บไซต์ของ " + profile.short_name,
        "subdistrict": profile.subdistrict,
        "district": profile.district,
        "province": profile.province,
    }


@dataclass(frozen=True)
class Problem:
    """One mistake in a content file: where, which field, and what is wrong (English and Thai)."""

    path: Path
    line: int
    keys: tuple  # e.g. ("steps", 2, "duration"); () for the whole file
    message: str  # English, as in the file-edit error report
    thai: str  # the same, for a clerk in the console

    @property
    def field(self) -> str:
        return str(self.keys[0]) if self.keys else ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class HandbookContentError(ContentError):
    """Invalid handbook content; `.problems` lists each mistake with its field and Thai text."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _File:
    """One YAML file with the line of every node, for messages that point at the mistake."""

    def __init__(self, path: Path, problems: list[Problem], values: dict[str, str], text: str | None = None):
        self.path = path
        self.problems = problems
        self.values = values
        self.text = path.read_text(encoding="utf-8") if text is None else text
        self.data: Any = None
        self.node: Any = None
        self.valid = False
        try:
            self.node = yamlfile.compose(self.text)
            self.data = yamlfile.load(self.text)
            self.valid = True
            twice = yamlfile.duplicate_key(self.node)
            if twice:
                problems.append(Problem(
                    path, twice[1], (twice[0],), f"'{twice[0]}' is written twice in one place; keep one",
                    f"ช่อง '{twice[0]}' เขียนซ้ำสองครั้ง (บรรทัดที่ {twice[1]}) ให้เหลือไว้ช่องเดียว",
                ))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(
                path, mark.line + 1 if mark else 1, (), f"not valid YAML: {getattr(exc, 'problem', exc)}",
                f"รูปแบบไฟล์ไม่ถูกต้อง (YAML) บรรทัดที่ {mark.line + 1 if mark else 1}",
            ))
            self.data = None

    def line(self, *keys) -> int:
        node = self.node
        line = node.start_mark.line + 1 if node is not None else 1
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                found = next((v for k, v in node.value if k.value == key), None)
                if found is None:
                    key_node = None
                    break
                key_node = next(k for k, v in node.value if k.value == key)
                line = key_node.start_mark.line + 1
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def error(self, message: str, *keys, thai: str) -> None:
        self.problems.append(Problem(self.path, self.line(*keys), tuple(keys), message, thai))

    def fill(self, value: str, *keys) -> str:
        """Replace {{placeholders}} with the SAO's profile values."""

        def sub(match: re.Match) -> str:
            name = match.group(1)
            if name not in self.values:
                known = ", ".join("{{" + v + "}}" for v in sorted(self.values))
                self.error(f"field '{keys[0]}' uses unknown placeholder {{{{{name}}}}} "
                           f"(known: {', '.join(sorted(self.values))})", *keys,
                           thai=f"ไม่รู้จักช่องแทนค่า {{{{{name}}}}} (ที่ใช้ได้: {known})")
                return match.group(0)
            return self.values[name]

        # Interned: a host's SAOs that keep a shipped text hold one copy of it (bench/content_per_sao.py).
        return sys.intern(_PLACEHOLDER.sub(sub, value).strip())

    # --- typed readers: each returns a clean value or records a problem -----------------

    def text_value(self, value: Any, *keys, required: bool = True) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(f"field '{_path(keys)}' must not be empty", *keys, thai=f"{_thai_path(keys)}ต้องไม่เว้นว่าง")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(f"field '{_path(keys)}' must be text", *keys, thai=f"{_thai_path(keys)}ต้องเป็นข้อความ")
            return ""
        return self.fill(str(value), *keys)

    def texts(self, value: Any, key: str, required: bool = True) -> tuple[str, ...]:
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(f"field '{key}' must be a list of texts", key, thai="ต้องเป็นรายการข้อความ (บรรทัดละหนึ่งข้อ)")
            return ()
        if required and not value:
            self.error(f"field '{key}' must list at least one item", key, thai="ต้องมีอย่างน้อยหนึ่งข้อ")
        return tuple(self.text_value(item, key, i) for i, item in enumerate(value))

    def mapping_list(self, value: Any, key: str, allowed: dict[str, bool]) -> list[dict[str, str]]:
        """A list of small mappings, e.g. fees: [{item, amount}]; allowed: field -> required."""
        if not isinstance(value, list) or not value:
            self.error(f"field '{key}' must be a non-empty list", key, thai="ต้องมีอย่างน้อยหนึ่งรายการ")
            return []
        result = []
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                needs = ", ".join(f for f, r in allowed.items() if r)
                self.error(f"each item of '{key}' needs {needs}", key, i, thai=f"รายการที่ {i + 1} ต้องมี {needs}")
                continue
            for unknown in sorted(set(map(str, entry)) - set(allowed)):
                self.error(f"unknown field '{key}[{i + 1}].{unknown}' (known: {', '.join(allowed)})", key, i, unknown,
                           thai=f"รายการที่ {i + 1} มีช่อง '{unknown}' ที่ระบบไม่รู้จัก")
            result.append(
                {name: self.text_value(entry.get(name), key, i, name, required=req) for name, req in allowed.items()}
            )
        return result


def _path(keys) -> str:
    head, *rest = keys
    out = str(head)
    for k in rest:
        out += f"[{k + 1}]" if isinstance(k, int) else f".{k}"
    return out


def _thai_path(keys) -> str:
    """'' for a field itself (the console shows the message next to it), else which item: "ข้อที่ 2 ช่อง duration: "."""
    rest = keys[1:]
    if not rest:
        return ""
    parts = [f"ข้อที่ {k + 1}" if isinstance(k, int) else f"ช่อง {k}" for k in rest]
    return " ".join(parts) + ": "


def _procedure(f: _File, divisions: dict[str, Division]) -> Procedure | None:
    """One procedure file: every field of schema.FIELDS read and checked by its kind."""
    raw = f.data
    if not isinstance(raw, dict):
        f.error("expected 'field: value' lines (a YAML mapping)", thai="ไฟล์ต้องเป็นบรรทัด 'ช่อง: ค่า'")
        return None
    for key in raw:
        if key not in FIELD:
            f.error(f"unknown field '{key}' (known: {', '.join(FIELD)})", key, thai=f"ระบบไม่รู้จักช่อง '{key}'")
    for field in FIELDS:
        if field.required and field.key not in raw:
            f.error(f"field '{field.key}' is required", field.key, thai="ต้องกรอกช่องนี้")
    before = len(f.problems)
    values: dict[str, Any] = {"source_file": f.path.name}
    for field in FIELDS:
        values.update(_READERS[field.kind](f, field, raw, divisions))
    procedure = Procedure(**values)
    return procedure if len(f.problems) == before else None


# --- one reader per kind of field (schema.py): the raw file -> {Procedure attribute: value} ----------


def _read_id(f: _File, field: Field, raw: dict, divisions) -> dict:
    key, value = field.key, str(raw.get(field.key) or "")
    if key in raw and not _ID.match(value):
        f.error(f"field '{key}' must be lower-case letters, digits or '-' (got {value!r})", key,
                thai=f"{field.noun}ใช้ได้เฉพาะอักษรอังกฤษตัวเล็ก ตัวเลข และ -")
    elif key in raw and value != f.path.stem:
        f.error(f"field '{key}' is {value!r} but the file is named {f.path.name}: they must match", key,
                thai=f"{field.noun}ต้องตรงกับชื่อไฟล์ {f.path.name}")
    return {field.name: value}


def _read_text(f: _File, field: Field, raw: dict, divisions) -> dict:
    value = f.text_value(raw.get(field.key), field.key, required=field.required)
    if field.kind == LABEL and grapheme_len(value) > MAX_LABEL:
        f.error(f"field '{field.key}' must be at most {MAX_LABEL} characters (a LINE button label)", field.key,
                thai=f"ยาวได้ไม่เกิน {MAX_LABEL} ตัวอักษร (ใช้เป็นชื่อปุ่มใน LINE) ตอนนี้ยาว {grapheme_len(value)} ตัวอักษร")
    return {field.name: value}


def _read_number(f: _File, field: Field, raw: dict, divisions) -> dict:
    value = raw.get(field.key, field.default)
    if isinstance(value, bool) or not isinstance(value, int):
        f.error(f"field '{field.key}' must be a whole number", field.key, thai=f"{field.noun}ต้องเป็นจำนวนเต็ม")
        value = field.default
    return {field.name: value}


def _read_division(f: _File, field: Field, raw: dict, divisions: dict[str, Division]) -> dict:
    value = str(raw.get(field.key) or "")
    if field.key in raw and value not in divisions:
        f.error(f"field '{field.key}' is {value!r}, not a division id in divisions.yaml "
                f"({', '.join(divisions)})", field.key, thai="ไม่มีกองนี้ในไฟล์ divisions.yaml")
    return {field.name: value, f"{field.name}_name": divisions[value].name if value in divisions else ""}


def _read_texts(f: _File, field: Field, raw: dict, divisions) -> dict:
    return {field.name: f.texts(raw.get(field.key), field.key, required=field.required)}


def _read_rows(f: _File, field: Field, raw: dict, divisions) -> dict:
    key, value = field.key, raw.get(field.key)
    if field.shorthand and isinstance(value, str):
        text = f.text_value(value, key)
        return {field.name: (field.row(**{p.name: text if p.key == field.shorthand else "" for p in field.parts}),)}
    if key not in raw:
        return {field.name: ()}
    items = f.mapping_list(value, key, {p.key: p.required for p in field.parts})
    return {field.name: tuple(field.row(**{p.name: item[p.key] for p in field.parts}) for item in items)}


def _read_group(f: _File, field: Field, raw: dict, divisions) -> dict:
    key, value = field.key, raw.get(field.key)
    out = {p.name: "" for p in field.parts}
    if isinstance(value, dict):
        known = [p.key for p in field.parts]
        for unknown in sorted(set(map(str, value)) - set(known)):
            f.error(f"unknown field '{key}.{unknown}' (known: {', '.join(known)})", key, unknown,
                    thai=f"ระบบไม่รู้จักช่อง '{key}.{unknown}'")
        for p in field.parts:
            out[p.name] = f.text_value(value.get(p.key), key, p.key, required=p.required)
    elif key in raw:
        needs = ", ".join(f"'{p.key}:'" for p in field.parts if p.required)
        may = ", ".join(f"'{p.key}:'" for p in field.parts if not p.required)
        f.error(f"field '{key}' needs {needs}" + (f" (and may have {may})" if may else ""), key,
                thai="ต้องระบุ" + " และ".join(p.label for p in field.parts if p.required))
    return out


def _read_date(f: _File, field: Field, raw: dict, divisions) -> dict:
    value = raw.get(field.key)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if field.key in raw and not isinstance(value, date):
        f.error(f"field '{field.key}' must be a date written YYYY-MM-DD (Christian era, e.g. 2026-11-20)", field.key,
                thai=f"{field.noun}ไม่ถูกต้อง")
        value = None
    return {field.name: value or field.default}


_READERS = {ID: _read_id, TEXT: _read_text, LABEL: _read_text, NUMBER: _read_number, DIVISION: _read_division,
            TEXTS: _read_texts, ROWS: _read_rows, GROUP: _read_group, DATE: _read_date}


def _not_handled(f: _File) -> list[NotHandledTopic]:
    raw = f.data
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), list):
        f.error("expected a 'topics:' list", thai="ไฟล์ต้องมีรายการ 'topics:'")
        return []
    topics, seen = [], set()
    for i, entry in enumerate(raw["topics"]):
        if not isinstance(entry, dict):
            f.error("each topic needs id, title, keywords and where", "topics", i, thai=f"เรื่องที่ {i + 1} ต้องมี id, title, keywords และ where")
            continue
        for unknown in sorted(set(map(str, entry)) - {"id", "title", "keywords", "where"}):
            f.error(f"unknown field 'topics[{i + 1}].{unknown}'", "topics", i, unknown, thai=f"ระบบไม่รู้จักช่อง '{unknown}'")
        topic_id = str(entry.get("id") or "")
        if not _ID.match(topic_id):
            f.error(f"field 'topics[{i + 1}].id' must be lower-case letters, digits or '-'", "topics", i,
                    thai="รหัสใช้ได้เฉพาะอักษรอังกฤษตัวเล็ก ตัวเลข และ -")
        elif topic_id in seen:
            f.error(f"topic id '{topic_id}' appears twice", "topics", i, thai=f"รหัส '{topic_id}' ซ้ำกัน")
        seen.add(topic_id)
        keywords = entry.get("keywords")
        if not isinstance(keywords, list) or not keywords:
            f.error(f"field 'topics[{i + 1}].keywords' must list at least one word", "topics", i,
                    thai="ต้องมีคำค้นอย่างน้อยหนึ่งคำ")
            keywords = []
        topics.append(
            NotHandledTopic(
                id=topic_id,
                title=f.text_value(entry.get("title"), "topics", i, "title"),
                keywords=tuple(f.text_value(k, "topics", i, "keywords", j) for j, k in enumerate(keywords)),
                where=f.text_value(entry.get("where"), "topics", i, "where"),
            )
        )
    return topics


FAQ_FIELDS = {"id": True, "question": True, "aliases": False, "answer": True, "division": False, "updated": True}


def _date(f: _File, raw: Any, *keys) -> date | None:
    value = raw
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        f.error(f"field '{_path(keys)}' must be a date written YYYY-MM-DD (Christian era, e.g. 2026-11-20)", *keys,
                thai="วันที่ไม่ถูกต้อง")
        return None
    return value


def _faq(f: _File, divisions: dict[str, Division]) -> list[FaqEntry]:
    """content/faq.yaml: short ready answers the bot gives as they are (see README)."""
    raw = f.data
    if raw is None:
        return []
    if not isinstance(raw, dict) or not isinstance(raw.get("entries", []), list):
        f.error("expected an 'entries:' list", thai="ไฟล์ต้องมีรายการ 'entries:'")
        return []
    entries, seen = [], set()
    for i, entry in enumerate(raw.get("entries") or []):
        if not isinstance(entry, dict):
            f.error("each entry needs id, question, answer and updated", "entries", i,
                    thai=f"คำถามที่ {i + 1} ต้องมี id, question, answer และ updated")
            continue
        before = len(f.problems)
        for unknown in sorted(set(map(str, entry)) - set(FAQ_FIELDS)):
            f.error(f"unknown field 'entries[{i + 1}].{unknown}' (known: {', '.join(FAQ_FIELDS)})", "entries", i, unknown,
                    thai=f"ระบบไม่รู้จักช่อง '{unknown}'")
        entry_id = str(entry.get("id") or "")
        if not _ID.match(entry_id):
            f.error(f"field 'entries[{i + 1}].id' must be lower-case letters, digits or '-'", "entries", i, "id",
                    thai="รหัสใช้ได้เฉพาะอักษรอังกฤษตัวเล็ก ตัวเลข และ -")
        elif entry_id in seen:
            f.error(f"entry id '{entry_id}' appears twice", "entries", i, "id", thai=f"รหัส '{entry_id}' ซ้ำกับคำถามอื่น")
        seen.add(entry_id)
        question = f.text_value(entry.get("question"), "entries", i, "question")
        aliases = entry.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [aliases]
        if not isinstance(aliases, list):
            f.error(f"field 'entries[{i + 1}].aliases' must be a list of texts", "entries", i, "aliases",
                    thai="ต้องเป็นรายการข้อความ (บรรทัดละหนึ่งข้อ)")
            aliases = []
        aliases = tuple(f.text_value(a, "entries", i, "aliases", j) for j, a in enumerate(aliases))
        answer = f.text_value(entry.get("answer"), "entries", i, "answer")
        if len(answer) > MAX_FAQ_ANSWER:
            f.error(f"field 'entries[{i + 1}].answer' must be at most {MAX_FAQ_ANSWER} characters", "entries", i, "answer",
                    thai=f"คำตอบยาวได้ไม่เกิน {MAX_FAQ_ANSWER} ตัวอักษร (ตอนนี้ {len(answer)})")
        division = str(entry.get("division") or "")
        if division and division not in divisions:
            f.error(f"field 'entries[{i + 1}].division' is {division!r}, not a division id in divisions.yaml", "entries", i,
                    "division", thai="ไม่มีกองนี้ในไฟล์ divisions.yaml")
        updated = _date(f, entry.get("updated"), "entries", i, "updated") if "updated" in entry else None
        if "updated" not in entry:
            f.error(f"field 'entries[{i + 1}].updated' is required", "entries", i, thai="ต้องระบุวันที่ปรับปรุง")
        if len(f.problems) == before:
            entries.append(FaqEntry(entry_id, question, aliases, answer, division, updated))
    return entries


@dataclass(frozen=True)
class ContentFiles:
    """The files of one content snapshot (bot/content/files.py); their stat signature tells when to reload."""

    content_dir: Path

    def paths(self) -> list[Path]:
        def yaml_in(folder: Path) -> list[Path]:
            return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith((".", "_"))) if folder.is_dir() else []

        extra = [self.content_dir / name for name in (PROFILE_FILE, DIVISIONS_FILE, NOT_HANDLED_FILE, FAQ_FILE,
                                                      DEFAULT_PLAN_FILE, DAYS_OFF_FILE, AGENCIES_FILE, ITA_MAP_FILE,
                                                      TICKET_DEADLINES_FILE)]
        return (yaml_in(self.content_dir / HANDBOOK_DIR) + [p for p in extra if p.exists()]
                + yaml_in(self.content_dir / PLANS_DIR) + yaml_in(self.content_dir / SERVICES_DIR))

    def signature(self) -> tuple:
        out = []
        for p in self.paths():
            try:
                st = p.stat()
            except FileNotFoundError:
                continue
            out.append((str(p.relative_to(self.content_dir)), st.st_mtime_ns, st.st_size))
        return tuple(out)


def load_handbook(content_dir: Path, profile: SaoProfile | None = None, overrides: dict[Path, str] | None = None) -> Handbook:
    """Build the Handbook from content_dir, or raise HandbookContentError listing every mistake.

    overrides maps a content file's path to text that replaces (or adds) it: the console
    checks an edit with exactly the checks of the files, before writing anything.
    """
    content_dir = Path(content_dir)
    overrides = {Path(k): v for k, v in (overrides or {}).items()}
    profile = profile or load_profile(content_dir / "profile.yaml")
    divisions = {d.id: d for d in load_divisions(content_dir / "divisions.yaml")}
    values = profile_values(profile)
    folder = content_dir / HANDBOOK_DIR
    if not folder.is_dir():
        raise ContentError(f"{folder}: folder not found (one <id>.yaml file per procedure)")
    problems: list[Problem] = []
    digest = hashlib.sha256()
    procedures: list[Procedure] = []
    files = ContentFiles(content_dir).paths()
    files += sorted(p for p in overrides if p not in files)

    def text_of(path: Path) -> str:
        return overrides[path] if path in overrides else path.read_text(encoding="utf-8")

    for path in files:
        digest.update(path.name.encode() + b"\0" + text_of(path).encode("utf-8") + b"\0")
    for path in (p for p in files if p.parent == folder):
        f = _File(path, problems, values, text_of(path))
        if not f.valid:
            continue
        procedure = _procedure(f, divisions)
        if procedure:
            procedures.append(procedure)
    if not procedures and not problems:
        problems.append(Problem(folder, 1, (), "no procedures (one <id>.yaml file per procedure)", "ยังไม่มีคู่มือเรื่องใดเลย"))
    not_handled: list[NotHandledTopic] = []
    nh_path = content_dir / NOT_HANDLED_FILE
    if nh_path.exists() or nh_path in overrides:
        f = _File(nh_path, problems, values, text_of(nh_path))
        if f.valid:
            not_handled = _not_handled(f)
    faq: list[FaqEntry] = []
    faq_path = content_dir / FAQ_FILE
    if faq_path.exists() or faq_path in overrides:
        f = _File(faq_path, problems, values, text_of(faq_path))
        if f.valid:
            faq = _faq(f, divisions)
    if problems:
        raise HandbookContentError(problems)
    procedures.sort(key=lambda p: (p.order, p.id))
    return Handbook(tuple(procedures), tuple(not_handled), fingerprint=digest.hexdigest()[:16], faq=tuple(faq))
