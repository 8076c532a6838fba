"""The SAO's own profile (name, address, phone, hours, …) from content/profile.yaml."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import quote

import yaml

from bot.content import yamlfile
from bot.content.yamlfile import ContentError  # noqa: F401  (where the content loaders import it from)

REQUIRED = ("name", "short_name", "district", "province", "office_hours")


@dataclass(frozen=True)
class SaoProfile:
    name: str
    short_name: str
    district: str
    province: str
    office_hours: str
    bot_name: str = ""
    address: str = ""
    subdistrict: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    line_basic_id: str = ""
    map_url: str = ""
    # Tickets are numbered <prefix>-<fiscal year>-<number>, e.g. KC-2570-00042 (A-Z, 0-9).
    ticket_prefix: str = ""

    @property
    def map_link(self) -> str:
        if self.map_url:
            return self.map_url
        return "https://www.google.com/maps/search/?api=1&query=" + quote(f"{self.name} {self.district} {self.province}")

    @property
    def tel_uri(self) -> str:
        digits = "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
        return f"tel:{digits}" if digits else ""


def _key_lines(text: str) -> dict[str, int]:
    """Line number (1-based) of each top-level key, for error messages."""
    node = yamlfile.compose(text)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value}


def load_profile(path: Path) -> SaoProfile:
    try:
        text = path.read_text(encoding="utf-8")
        raw = yamlfile.load(text)
    except FileNotFoundError:
        raise ContentError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise yamlfile.syntax_error(path, exc) from None
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: expected key: value lines")
    twice = yamlfile.duplicate_key(yamlfile.compose(text))
    if twice:
        raise ContentError(f"{path}:{twice[1]}: '{twice[0]}' is written twice; keep one (ช่อง '{twice[0]}' ซ้ำกัน)")
    lines = _key_lines(text)
    known = {f.name for f in fields(SaoProfile)}
    problems = []
    for key in raw:
        if key not in known:
            problems.append(f"{path}:{lines.get(key, '?')}: unknown field '{key}'")
    for key in known:
        value = raw.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, (str, int)):
            problems.append(f"{path}:{lines.get(key, '?')}: field '{key}' must be text")
        elif key in REQUIRED and not str(value).strip():
            problems.append(f"{path}:{lines.get(key, '?')}: field '{key}' is required")
    prefix = str(raw.get("ticket_prefix") or "")
    if prefix and not re.fullmatch(r"[A-Z0-9]{1,6}", prefix):
        problems.append(f"{path}:{lines.get('ticket_prefix', '?')}: field 'ticket_prefix' must be 1-6 capital letters or digits, e.g. KC")
    if problems:
        raise ContentError("\n".join(problems))
    return SaoProfile(**{k: str(raw.get(k) or "").strip() for k in known})
