"""Read and check the handbook content: content/handbook/<id>.yaml and content/not-handled.yaml.

Every mistake is reported with file, field and line, all of them at once, and nothing
loads unless every file is valid: a half-loaded handbook would answer some questions
from old content and others not at all.

Text may use placeholders filled from content/profile.yaml, so another SAO can reuse the
files: {{sao_name}}, {{sao_short_name}}, {{address}}, {{office_hours}}, {{contact}},
{{website}}, {{subdistrict}}, {{district}}, {{province}}.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot import yamlfile
from bot.divisions import Division, load_divisions
from bot.handbook.model import Channel, Fee, Handbook, NotHandledTopic, Procedure, ProcedureStep
from bot.line.limits import MAX_LABEL, grapheme_len
from bot.profile import ContentError, SaoProfile, load_profile

HANDBOOK_DIR = "handbook"
NOT_HANDLED_FILE = "not-handled.yaml"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

FIELDS = {
    # name: (required, kind)
    "id": (True, "id"),
    "title": (True, "text"),
    "short_title": (True, "text"),
    "category": (True, "text"),
    "order": (False, "int"),
    "division": (True, "text"),
    "aliases": (True, "texts"),
    "keywords": (False, "texts"),
    "legal_basis": (True, "texts"),
    "overview": (True, "text"),
    "eligibility": (True, "texts"),
    "documents": (True, "texts"),
    "fees": (True, "fees"),
    "duration": (True, "duration"),
    "steps": (True, "steps"),
    "channels": (True, "channels"),
    "complaints": (True, "texts"),
    "updated": (True, "date"),
}


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


class _File:
    """One YAML file with the line of every node, for messages that point at the mistake."""

    def __init__(self, path: Path, problems: list[str], values: dict[str, str]):
        self.path = path
        self.problems = problems
        self.values = values
        self.text = path.read_text(encoding="utf-8")
        self.data: Any = None
        self.node: Any = None
        self.valid = False
        try:
            self.node = yamlfile.compose(self.text)
            self.data = yamlfile.load(self.text)
            self.valid = True
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark else ""
            problems.append(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}")
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

    def error(self, message: str, *keys) -> None:
        self.problems.append(f"{self.path}:{self.line(*keys)}: {message}")

    def fill(self, value: str, *keys) -> str:
        """Replace {{placeholders}} with the SAO's profile values."""

        def sub(match: re.Match) -> str:
            name = match.group(1)
            if name not in self.values:
                self.error(f"field '{keys[0]}' uses unknown placeholder {{{{{name}}}}} "
                           f"(known: {', '.join(sorted(self.values))})", *keys)
                return match.group(0)
            return self.values[name]

        return _PLACEHOLDER.sub(sub, value).strip()

    # --- typed readers: each returns a clean value or records a problem -----------------

    def text_value(self, value: Any, *keys, required: bool = True) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(f"field '{_path(keys)}' must not be empty", *keys)
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(f"field '{_path(keys)}' must be text", *keys)
            return ""
        return self.fill(str(value), *keys)

    def texts(self, value: Any, key: str, required: bool = True) -> tuple[str, ...]:
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(f"field '{key}' must be a list of texts", key)
            return ()
        if required and not value:
            self.error(f"field '{key}' must list at least one item", key)
        return tuple(self.text_value(item, key, i) for i, item in enumerate(value))

    def mapping_list(self, value: Any, key: str, allowed: dict[str, bool]) -> list[dict[str, str]]:
        """A list of small mappings, e.g. fees: [{item, amount}]; allowed: field -> required."""
        if not isinstance(value, list) or not value:
            self.error(f"field '{key}' must be a non-empty list", key)
            return []
        result = []
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.error(f"each item of '{key}' needs {', '.join(f for f, r in allowed.items() if r)}", key, i)
                continue
            for unknown in sorted(set(map(str, entry)) - set(allowed)):
                self.error(f"unknown field '{key}[{i + 1}].{unknown}' (known: {', '.join(allowed)})", key, i, unknown)
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


def _procedure(f: _File, divisions: dict[str, Division]) -> Procedure | None:
    raw = f.data
    if not isinstance(raw, dict):
        f.error("expected 'field: value' lines (a YAML mapping)")
        return None
    for key in raw:
        if key not in FIELDS:
            f.error(f"unknown field '{key}' (known: {', '.join(FIELDS)})", key)
    for key, (required, _) in FIELDS.items():
        if required and key not in raw:
            f.error(f"field '{key}' is required")
    before = len(f.problems)

    proc_id = str(raw.get("id") or "")
    if "id" in raw and not _ID.match(proc_id):
        f.error(f"field 'id' must be lower-case letters, digits or '-' (got {proc_id!r})", "id")
    elif "id" in raw and proc_id != f.path.stem:
        f.error(f"field 'id' is {proc_id!r} but the file is named {f.path.name}: they must match", "id")
    short_title = f.text_value(raw.get("short_title"), "short_title")
    if grapheme_len(short_title) > MAX_LABEL:
        f.error(f"field 'short_title' must be at most {MAX_LABEL} characters (a LINE button label)", "short_title")
    division = str(raw.get("division") or "")
    if "division" in raw and division not in divisions:
        f.error(f"field 'division' is {division!r}, not a division id in divisions.yaml "
                f"({', '.join(divisions)})", "division")
    order = raw.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int):
        f.error("field 'order' must be a whole number", "order")
        order = 1000

    fees = []
    raw_fees = raw.get("fees")
    if isinstance(raw_fees, str):
        fees = [Fee("", f.text_value(raw_fees, "fees"))]
    elif "fees" in raw:
        fees = [Fee(e["item"], e["amount"]) for e in f.mapping_list(raw_fees, "fees", {"item": True, "amount": True})]

    duration = raw.get("duration")
    total = note = ""
    if isinstance(duration, dict):
        for unknown in sorted(set(map(str, duration)) - {"total", "note"}):
            f.error(f"unknown field 'duration.{unknown}' (known: total, note)", "duration", unknown)
        total = f.text_value(duration.get("total"), "duration", "total")
        note = f.text_value(duration.get("note"), "duration", "note", required=False)
    elif "duration" in raw:
        f.error("field 'duration' needs 'total:' (and may have 'note:')", "duration")

    steps = []
    if "steps" in raw:
        steps = [ProcedureStep(s["step"], s["duration"])
                 for s in f.mapping_list(raw.get("steps"), "steps", {"step": True, "duration": False})]
    channels = []
    if "channels" in raw:
        channels = [Channel(c["where"], c["when"], c["note"])
                    for c in f.mapping_list(raw.get("channels"), "channels", {"where": True, "when": False, "note": False})]

    updated = raw.get("updated")
    if isinstance(updated, str):
        try:
            updated = date.fromisoformat(updated.strip())
        except ValueError:
            updated = None
    if "updated" in raw and not isinstance(updated, date):
        f.error("field 'updated' must be a date written YYYY-MM-DD (Christian era, e.g. 2026-11-20)", "updated")
        updated = None

    procedure = Procedure(
        id=proc_id,
        title=f.text_value(raw.get("title"), "title"),
        short_title=short_title,
        category=f.text_value(raw.get("category"), "category"),
        division=division,
        division_name=divisions[division].name if division in divisions else "",
        aliases=f.texts(raw.get("aliases"), "aliases"),
        keywords=f.texts(raw.get("keywords"), "keywords", required=False),
        legal_basis=f.texts(raw.get("legal_basis"), "legal_basis"),
        overview=f.text_value(raw.get("overview"), "overview"),
        eligibility=f.texts(raw.get("eligibility"), "eligibility"),
        documents=f.texts(raw.get("documents"), "documents"),
        fees=tuple(fees),
        duration_total=total,
        duration_note=note,
        steps=tuple(steps),
        channels=tuple(channels),
        complaints=f.texts(raw.get("complaints"), "complaints"),
        updated=updated or date.min,
        source_file=f.path.name,
        order=order,
    )
    return procedure if len(f.problems) == before else None


def _not_handled(f: _File) -> list[NotHandledTopic]:
    raw = f.data
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), list):
        f.error("expected a 'topics:' list")
        return []
    topics, seen = [], set()
    for i, entry in enumerate(raw["topics"]):
        if not isinstance(entry, dict):
            f.error("each topic needs id, title, keywords and where", "topics", i)
            continue
        for unknown in sorted(set(map(str, entry)) - {"id", "title", "keywords", "where"}):
            f.error(f"unknown field 'topics[{i + 1}].{unknown}'", "topics", i, unknown)
        topic_id = str(entry.get("id") or "")
        if not _ID.match(topic_id):
            f.error(f"field 'topics[{i + 1}].id' must be lower-case letters, digits or '-'", "topics", i)
        elif topic_id in seen:
            f.error(f"topic id '{topic_id}' appears twice", "topics", i)
        seen.add(topic_id)
        keywords = entry.get("keywords")
        if not isinstance(keywords, list) or not keywords:
            f.error(f"field 'topics[{i + 1}].keywords' must list at least one word", "topics", i)
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


@dataclass(frozen=True)
class ContentFiles:
    """The files a handbook is built from; their stat signature tells when to reload."""

    content_dir: Path

    def paths(self) -> list[Path]:
        folder = self.content_dir / HANDBOOK_DIR
        files = sorted(p for p in folder.glob("*.yaml") if not p.name.startswith((".", "_"))) if folder.is_dir() else []
        extra = [self.content_dir / name for name in ("profile.yaml", "divisions.yaml", NOT_HANDLED_FILE)]
        return files + [p for p in extra if p.exists()]

    def signature(self) -> tuple:
        out = []
        for p in self.paths():
            try:
                st = p.stat()
            except FileNotFoundError:
                continue
            out.append((p.name, st.st_mtime_ns, st.st_size))
        return tuple(out)


def load_handbook(content_dir: Path, profile: SaoProfile | None = None) -> Handbook:
    """Build the Handbook from content_dir, or raise ContentError listing every mistake."""
    content_dir = Path(content_dir)
    profile = profile or load_profile(content_dir / "profile.yaml")
    divisions = {d.id: d for d in load_divisions(content_dir / "divisions.yaml")}
    values = profile_values(profile)
    folder = content_dir / HANDBOOK_DIR
    if not folder.is_dir():
        raise ContentError(f"{folder}: folder not found (one <id>.yaml file per procedure)")
    problems: list[str] = []
    digest = hashlib.sha256()
    procedures: list[Procedure] = []
    files = ContentFiles(content_dir).paths()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in (p for p in files if p.parent == folder):
        f = _File(path, problems, values)
        if not f.valid:
            continue
        procedure = _procedure(f, divisions)
        if procedure:
            procedures.append(procedure)
    if not procedures and not problems:
        problems.append(f"{folder}: no procedures (one <id>.yaml file per procedure)")
    not_handled: list[NotHandledTopic] = []
    nh_path = content_dir / NOT_HANDLED_FILE
    if nh_path.exists():
        f = _File(nh_path, problems, values)
        if f.valid:
            not_handled = _not_handled(f)
    if problems:
        raise ContentError("\n".join(problems))
    procedures.sort(key=lambda p: (p.order, p.id))
    return Handbook(tuple(procedures), tuple(not_handled), fingerprint=digest.hexdigest()[:16])
