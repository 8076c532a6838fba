"""Other agencies a ticket may be forwarded to (content/agencies.yaml): the electricity and
water authorities, the district office, the police … each with the contact the citizen is
given. Staff choose one on LINE (ส่งต่อหน่วยงานอื่น) or in the console.

`{{district}}` and `{{province}}` in a name or contact are filled from profile.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content import yamlfile
from bot.content.files import AGENCIES_FILE, PROFILE_FILE
from bot.content.profile import ContentError, load_profile

FIELDS = {"name", "label", "contact"}
MAX_AGENCIES = 12  # LINE's quick reply holds 13 buttons: the list and "พิมพ์ชื่อหน่วยงานเอง"
MAX_LABEL = 20  # a quick-reply label; counted in code points, stricter than LINE's characters for Thai


@dataclass(frozen=True)
class Agency:
    name: str  # in full, as the citizen is told: การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่
    label: str  # its quick-reply button (at most 20 characters): การไฟฟ้า (PEA)
    contact: str  # how to reach it: สายด่วน 1129 หรือแอป PEA Smart Plus


def load_agencies(folder: Path) -> tuple[Agency, ...]:
    """The folder's agencies; none when the file is missing (staff then type the agency)."""
    path = folder / AGENCIES_FILE
    if not path.exists():
        return ()
    raw, node = yamlfile.read(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("agencies"), list):
        raise ContentError(f"{path}: expected an 'agencies:' list")
    places = {}
    profile_path = folder / PROFILE_FILE
    if profile_path.exists():
        profile = load_profile(profile_path)
        places = {"{{district}}": profile.district, "{{province}}": profile.province}
    items = next(v for k, v in node.value if k.value == "agencies").value
    problems: list[str] = []
    found: list[Agency] = []
    for entry, item_node in zip(raw["agencies"], items):
        line = item_node.start_mark.line + 1
        if not isinstance(entry, dict):
            problems.append(f"{path}:{line}: each agency needs name, label and contact")
            continue
        unknown = set(entry) - FIELDS
        if unknown:
            problems.append(f"{path}:{line}: unknown field '{sorted(unknown)[0]}'")
        values = {}
        for field in sorted(FIELDS):
            value = " ".join(str(entry.get(field) or "").split())
            for mark, filled in places.items():
                value = value.replace(mark, filled)
            if not value:
                problems.append(f"{path}:{line}: field '{field}' is required")
            values[field] = value
        if len(values["label"]) > MAX_LABEL:
            problems.append(f"{path}:{line}: field 'label' is longer than {MAX_LABEL} characters (a LINE button)")
        if any(a.label == values["label"] for a in found):
            problems.append(f"{path}:{line}: label '{values['label']}' appears twice")
        found.append(Agency(values["name"], values["label"], values["contact"]))
    if len(found) > MAX_AGENCIES:
        problems.append(f"{path}: at most {MAX_AGENCIES} agencies fit LINE's quick reply (found {len(found)})")
    if problems:
        raise ContentError("\n".join(problems))
    return tuple(found)
