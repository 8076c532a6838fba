"""The SAO's divisions (ส่วนราชการ) from content/divisions.yaml.

Every part of the product that routes work to people (handbook procedures, tickets,
questions for staff, the measures plan's reminders) names a division by its id.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.content import yamlfile
from bot.content.profile import ContentError

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Division:
    id: str
    name: str
    head: str = ""


def division_name(divisions, division_id: str | None) -> str:
    """The division's name as people read it; its id if the content no longer has it (a record
    older than an edit), "" for none."""
    if not division_id:
        return ""
    return next((d.name for d in divisions if d.id == division_id), division_id)


def load_divisions(path: Path) -> tuple[Division, ...]:
    """Read and check the divisions file; any mistake names the file and line, and nothing loads."""
    raw, node = yamlfile.read(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("divisions"), list) or not raw["divisions"]:
        raise ContentError(f"{path}: expected a non-empty 'divisions:' list")
    items = next(v for k, v in node.value if k.value == "divisions").value
    problems: list[str] = []
    seen: set[str] = set()
    result = []
    for entry, item_node in zip(raw["divisions"], items):
        line = item_node.start_mark.line + 1
        if not isinstance(entry, dict):
            problems.append(f"{path}:{line}: each division needs id and name")
            continue
        unknown = set(entry) - {"id", "name", "head"}
        if unknown:
            problems.append(f"{path}:{line}: unknown field '{sorted(unknown)[0]}'")
        div_id = str(entry.get("id") or "").strip()
        name = str(entry.get("name") or "").strip()
        if not _ID.match(div_id):
            problems.append(f"{path}:{line}: field 'id' must be lower-case letters, digits or '-' (got {div_id!r})")
        elif div_id in seen:
            problems.append(f"{path}:{line}: id '{div_id}' appears twice")
        seen.add(div_id)
        if not name:
            problems.append(f"{path}:{line}: field 'name' is required")
        result.append(Division(div_id, name, str(entry.get("head") or "").strip()))
    if problems:
        raise ContentError("\n".join(problems))
    return tuple(result)
