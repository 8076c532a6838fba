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


# What the console's profile form says about each field (bot/console/pages/profile.py).
LABELS = {
    "name": "ชื่อเต็มของหน่วยงาน", "short_name": "ชื่อย่อ", "bot_name": "ชื่อบอทในกลุ่ม LINE",
    "address": "ที่อยู่", "subdistrict": "ตำบล", "district": "อำเภอ", "province": "จังหวัด",
    "phone": "เบอร์โทรศัพท์", "email": "อีเมล", "office_hours": "วันและเวลาทำการ", "website": "เว็บไซต์",
    "line_basic_id": "LINE ID (เช่น @123abcde)", "map_url": "ลิงก์แผนที่", "ticket_prefix": "อักษรนำหน้าเลขที่เรื่อง",
}
MAX_LENGTH = 300


def value_problems(values: dict[str, str]) -> dict[str, str]:
    """What is wrong with values typed into the profile form, by field, in Thai (empty: none)."""
    problems = {}
    for key, value in values.items():
        if key in REQUIRED and not value.strip():
            problems[key] = "กรุณากรอกช่องนี้"
        elif "\n" in value or len(value) > MAX_LENGTH:
            problems[key] = f"ใส่ได้บรรทัดเดียว ไม่เกิน {MAX_LENGTH} ตัวอักษร"
    prefix = values.get("ticket_prefix", "")
    if prefix and not re.fullmatch(r"[A-Z0-9]{1,6}", prefix):
        problems["ticket_prefix"] = "ใช้อักษรภาษาอังกฤษตัวใหญ่หรือตัวเลข 1–6 ตัว เช่น KC"
    for key in ("website", "map_url"):
        if values.get(key) and not values[key].startswith(("https://", "http://")):
            problems[key] = "ใส่ที่อยู่เว็บแบบเต็ม ขึ้นต้นด้วย https://"
    return problems


def _key_lines(text: str) -> dict[str, int]:
    """Line number (1-based) of each top-level key, for error messages."""
    node = yamlfile.compose(text)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value}


def load_profile(path: Path, text: str | None = None) -> SaoProfile:
    """text: the file's new text instead of what is on disk (an edit checked before it is written)."""
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
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
