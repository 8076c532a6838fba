"""The services a citizen can request online (content/services/<id>.yaml), checked like the
handbook: every mistake names its file, line and field, and nothing loads until all are fixed.

A service file names its handbook procedure (the same id), the division that acts and in how
many working days, the fields to ask (each with a Thai prompt and its checks), the document
photos, and, for services with an appointment at the office, its slots:

    id: drinking-water-delivery
    title: ขอน้ำอุปโภคบริโภค (รถบรรทุกน้ำ)
    division: palad
    act_within_days: 2
    fields:
      - {id: reason, type: text, prompt: "…", from_message: true}
      - {id: village, type: village, prompt: "…"}
      - {id: people, type: number, prompt: "…", min: 1, max: 30}
      - {id: kind, type: choice, prompt: "…", choices: [น้ำดื่ม, น้ำใช้]}
      - {id: wanted_on, type: date, prompt: "…", optional: true}
      - {id: place, type: location, prompt: "…", optional: true}
      - {id: phone, type: phone, prompt: "…"}
    documents:
      - {id: id-card, title: บัตรประจำตัวประชาชน, required: true}
    appointment:
      slots: ["09:00", "10:30", "13:30"]
      capacity: 4
      book_within_days: 20
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.content import yamlfile
from bot.content.files import SERVICES_DIR
from bot.content.profile import ContentError

FIELD_TYPES = ("text", "number", "choice", "date", "village", "phone", "location")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FIELD_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SLOT = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
MAX_PROMPT = 400
MAX_CHOICES = 12  # quick replies: the choices and ยกเลิก
MAX_CHOICE_LABEL = 20


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    prompt: str
    optional: bool = False
    choices: tuple[str, ...] = ()
    min: float | None = None  # number: smallest; text: shortest
    max: float | None = None  # number: largest; text: longest
    from_message: bool = False  # filled from the message that asked for the service, when it says enough
    label: str = ""  # how the summary names it (defaults to the prompt's first words)


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    required: bool = True


@dataclass(frozen=True)
class Appointment:
    slots: tuple[str, ...]
    capacity: int
    book_within_days: int = 20
    place: str = ""


@dataclass(frozen=True)
class Service:
    id: str
    title: str
    division: str
    act_within_days: int
    fields: tuple[Field, ...]
    documents: tuple[Document, ...] = ()
    appointment: Appointment | None = None
    intro: str = ""  # shown when the request starts: what it is for, who may ask

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)


_SERVICE_KEYS = {"id", "title", "division", "act_within_days", "fields", "documents", "appointment", "intro"}
_FIELD_KEYS = {"id", "type", "prompt", "optional", "choices", "min", "max", "from_message", "label"}
_DOCUMENT_KEYS = {"id", "title", "required"}
_APPOINTMENT_KEYS = {"slots", "capacity", "book_within_days", "place"}


def _line(node, key: str | None = None) -> int:
    if key is not None and node is not None and hasattr(node, "value") and isinstance(node.value, list):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return k.start_mark.line + 1
    return (node.start_mark.line + 1) if node is not None else 1


def _items(node, key: str) -> list:
    for k, v in getattr(node, "value", []) or []:
        if getattr(k, "value", None) == key:
            return list(getattr(v, "value", []) or [])
    return []


def _check_field(path: Path, raw: dict, node, problems: list[str]) -> Field | None:
    line = _line(node)
    if not isinstance(raw, dict):
        problems.append(f"{path}:{line}: each field needs id, type and prompt")
        return None
    for key in sorted(set(raw) - _FIELD_KEYS):
        problems.append(f"{path}:{_line(node, key)}: fields: unknown field '{key}'")
    field_id, kind, prompt = str(raw.get("id") or ""), str(raw.get("type") or ""), " ".join(str(raw.get("prompt") or "").split())
    if not _FIELD_ID.match(field_id):
        problems.append(f"{path}:{line}: fields: 'id' must be lower-case letters, digits or _ (got {field_id!r})")
    if kind not in FIELD_TYPES:
        problems.append(f"{path}:{_line(node, 'type')}: fields.{field_id}: 'type' must be one of {', '.join(FIELD_TYPES)}")
    if not prompt:
        problems.append(f"{path}:{line}: fields.{field_id}: 'prompt' is required (the question the bot asks)")
    elif len(prompt) > MAX_PROMPT:
        problems.append(f"{path}:{_line(node, 'prompt')}: fields.{field_id}: 'prompt' is longer than {MAX_PROMPT} characters")
    choices = tuple(str(c).strip() for c in raw.get("choices") or ())
    if kind == "choice" and not choices:
        problems.append(f"{path}:{line}: fields.{field_id}: a choice field needs 'choices'")
    if len(choices) > MAX_CHOICES:
        problems.append(f"{path}:{_line(node, 'choices')}: fields.{field_id}: at most {MAX_CHOICES} choices fit LINE's quick reply")
    for choice in choices:
        if not choice or len(choice) > MAX_CHOICE_LABEL:
            problems.append(f"{path}:{_line(node, 'choices')}: fields.{field_id}: choice {choice!r} must be 1-{MAX_CHOICE_LABEL} characters (a LINE button)")
    bounds = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is not None and not isinstance(value, (int, float)):
            problems.append(f"{path}:{_line(node, key)}: fields.{field_id}: '{key}' must be a number")
            value = None
        bounds[key] = value
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        problems.append(f"{path}:{_line(node, 'min')}: fields.{field_id}: 'min' is larger than 'max'")
    return Field(
        field_id, kind, prompt, optional=bool(raw.get("optional")), choices=choices, min=bounds["min"], max=bounds["max"],
        from_message=bool(raw.get("from_message")), label=" ".join(str(raw.get("label") or "").split()),
    )


def load_service(path: Path, division_ids: set[str] | None = None, problems: list[str] | None = None) -> Service | None:
    own: list[str] = [] if problems is None else problems
    before = len(own)
    raw, node = yamlfile.read(path)
    if not isinstance(raw, dict):
        own.append(f"{path}:1: a service file is a mapping (id:, title:, fields: …)")
        return None
    for key in sorted(set(raw) - _SERVICE_KEYS):
        own.append(f"{path}:{_line(node, key)}: unknown field '{key}'")
    service_id = str(raw.get("id") or "")
    if not _ID.match(service_id):
        own.append(f"{path}:{_line(node, 'id')}: 'id' must be lower-case letters, digits or '-' (got {service_id!r})")
    elif service_id != path.stem:
        own.append(f"{path}:{_line(node, 'id')}: 'id' must match the file name ({path.stem})")
    title = " ".join(str(raw.get("title") or "").split())
    if not title:
        own.append(f"{path}:{_line(node, 'title')}: 'title' is required")
    division = str(raw.get("division") or "")
    if not division or (division_ids and division not in division_ids):
        own.append(f"{path}:{_line(node, 'division')}: 'division' must be an id of divisions.yaml (got {division!r})")
    days = raw.get("act_within_days", 3)
    if not isinstance(days, int) or not 1 <= days <= 90:
        own.append(f"{path}:{_line(node, 'act_within_days')}: 'act_within_days' must be a whole number of working days, 1-90")
        days = 3
    raw_fields = raw.get("fields") or []
    if not isinstance(raw_fields, list) or not raw_fields:
        own.append(f"{path}:{_line(node, 'fields')}: 'fields' must list at least one field")
        raw_fields = []
    fields = []
    for item, item_node in zip(raw_fields, _items(node, "fields")):
        checked = _check_field(path, item, item_node, own)
        if checked is not None:
            if any(f.id == checked.id for f in fields):
                own.append(f"{path}:{_line(item_node)}: fields: id '{checked.id}' appears twice")
            fields.append(checked)
    documents = []
    for item, item_node in zip(raw.get("documents") or [], _items(node, "documents")):
        if not isinstance(item, dict) or not _ID.match(str(item.get("id") or "")) or not str(item.get("title") or "").strip():
            own.append(f"{path}:{_line(item_node)}: documents: each needs an id (a-z, 0-9, -) and a title")
            continue
        for key in sorted(set(item) - _DOCUMENT_KEYS):
            own.append(f"{path}:{_line(item_node, key)}: documents: unknown field '{key}'")
        documents.append(Document(str(item["id"]), " ".join(str(item["title"]).split()), bool(item.get("required", True))))
    appointment = None
    raw_appointment = raw.get("appointment")
    if raw_appointment is not None:
        a_node = next((v for k, v in node.value if k.value == "appointment"), None)
        if not isinstance(raw_appointment, dict):
            own.append(f"{path}:{_line(a_node)}: 'appointment' needs slots and capacity")
        else:
            for key in sorted(set(raw_appointment) - _APPOINTMENT_KEYS):
                own.append(f"{path}:{_line(a_node, key)}: appointment: unknown field '{key}'")
            slots = tuple(str(s) for s in raw_appointment.get("slots") or ())
            if not slots or any(not _SLOT.match(s) for s in slots) or list(slots) != sorted(set(slots)):
                own.append(f"{path}:{_line(a_node, 'slots')}: appointment: 'slots' must list times like \"09:00\", in order, once each")
            capacity = raw_appointment.get("capacity")
            if not isinstance(capacity, int) or capacity < 1:
                own.append(f"{path}:{_line(a_node, 'capacity')}: appointment: 'capacity' must be a whole number of people per slot")
                capacity = 1
            within = raw_appointment.get("book_within_days", 20)
            if not isinstance(within, int) or not 1 <= within <= 120:
                own.append(f"{path}:{_line(a_node, 'book_within_days')}: appointment: 'book_within_days' must be 1-120")
                within = 20
            appointment = Appointment(slots, capacity, within, " ".join(str(raw_appointment.get("place") or "").split()))
    if len(own) > before:
        return None
    return Service(service_id, title, division, days, tuple(fields), tuple(documents), appointment,
                   " ".join(str(raw.get("intro") or "").split()))


def load_services(folder: Path, divisions=()) -> dict[str, Service]:
    """Every service of the content folder's services/ (none when it has no such folder)."""
    directory = folder / SERVICES_DIR
    if not directory.is_dir():
        return {}
    problems: list[str] = []
    services: dict[str, Service] = {}
    division_ids = {d.id for d in divisions} or None
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith((".", "_")):
            continue
        service = load_service(path, division_ids, problems)
        if service is not None:
            services[service.id] = service
    if problems:
        raise ContentError("\n".join(problems))
    return services
