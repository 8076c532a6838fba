"""The handbook's schema, stated once: every field of content/handbook/<id>.yaml and every
section of an answer, in two tables.

FIELDS: one `Field` per YAML key, in the order the files write them — its kind, whether it is
required, the `Procedure` attribute it fills and how the console's form shows it (Thai label,
help, box, textarea size). SECTION_TABLE: one `Section` per part of the public page, in page
order — its heading, its LINE button (the sections a citizen asks about), the field it shows
and how it shows it. Read by:

- bot/handbook/loader.py: which fields exist, and each field read and checked by its kind;
- bot/handbook/editing.py: which fields the console changes, which it may not remove;
- bot/console/pages/handbook.py and admin/handbook_edit.html: the form, field by field;
- bot/handbook/model.py: the sections, their titles and buttons, their text in a chat and
  which fields the search indexes; bot/handbook/cards.py builds the LINE card from those;
- bot/handbook/templates/handbook/_article.html: the page, section by section.

A kind is how a value is read, checked, edited and shown (the loader has one reader per kind,
the console one widget): ID the file's id; TEXT one text (`lines` > 0: written in a textarea);
LABEL a text that is also a LINE button label (at most MAX_LABEL characters); NUMBER a whole
number; DIVISION an id from content/divisions.yaml (also fills `<attr>_name`); TEXTS a list
of texts, one a line; ROWS a list of small mappings (`parts`, each made a `row`); GROUP one
small mapping whose parts fill attributes of their own; DATE a date, YYYY-MM-DD.

A section's `show` is how the page and a chat show its field: PARAGRAPH, BULLETS, NUMBERED
for any field, or one of its own (FEES, DURATION, STEPS, CHANNELS), each a function in
model.py (the chat) and a branch of _article.html (the page).

The values of a ROWS item (Fee, ProcedureStep, Channel) are defined here so the table can
name them; model.py re-exports them. What adding a section touches: docs/architecture.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.line.limits import MAX_LABEL

ID, TEXT, LABEL, NUMBER, DIVISION, TEXTS, ROWS, GROUP, DATE = (
    "id", "text", "label", "number", "division", "texts", "rows", "group", "date",
)
PARAGRAPH, BULLETS, NUMBERED, FEES, DURATION, STEPS, CHANNELS = (
    "paragraph", "bullets", "numbered", "fees", "duration", "steps", "channels",
)


# --- the value of one item of a ROWS field ---------------------------------------------------


@dataclass(frozen=True)
class Fee:
    item: str
    amount: str


@dataclass(frozen=True)
class ProcedureStep:
    text: str
    duration: str = ""


@dataclass(frozen=True)
class Channel:
    where: str
    when: str = ""
    note: str = ""


# --- the tables' shape --------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A key inside an item of a ROWS field (fees: item, amount) or inside a GROUP (duration: total)."""

    key: str
    label: str  # Thai: the form's column heading or field label
    required: bool = False
    attr: str = ""  # the attribute it fills (of the row, or the Procedure's for a GROUP); default: key

    @property
    def name(self) -> str:
        return self.attr or self.key


@dataclass(frozen=True)
class Field:
    key: str  # the YAML key
    kind: str  # ID, TEXT, LABEL, NUMBER, DIVISION, TEXTS, ROWS, GROUP or DATE
    label: str = ""  # Thai, on the console's form
    required: bool = True
    attr: str = ""  # the Procedure attribute it fills; default: key (a GROUP's parts name their own)
    parts: tuple[Part, ...] = ()  # ROWS and GROUP
    row: type | None = None  # ROWS: the value of one item, made from its parts by name
    shorthand: str = ""  # ROWS: a plain text instead of a list is one item with only this part
    default: Any = None  # NUMBER and DATE: the value when absent or wrong
    noun: str = ""  # Thai, how messages name it ("ลำดับ" ต้องเป็นจำนวนเต็ม)
    box: str = ""  # the console form's box (BOXES) when no section shows it; "" with no section: not edited
    lines: int = 0  # the form's textarea rows (0: a one-line input)
    hint: str = ""  # help under the form's field
    indexed: bool = False  # the search indexes its text as what the service is about

    @property
    def name(self) -> str:
        return self.attr or self.key


@dataclass(frozen=True)
class Section:
    id: str  # the page's anchor; for an answer section also what a question or a button asks for
    title: str  # the heading on the page and the LINE card
    field: str  # the key of the field it shows
    show: str  # PARAGRAPH, BULLETS, NUMBERED, FEES, DURATION, STEPS or CHANNELS
    button: str = ""  # LINE button label (at most MAX_LABEL); "": on the page only, not asked about


# --- the tables ---------------------------------------------------------------------------------

FIELDS: tuple[Field, ...] = (
    Field("id", ID, noun="รหัสเรื่อง"),
    Field("title", TEXT, "ชื่องานบริการ (ทางการ)", box="names"),
    Field("short_title", LABEL, f"ชื่อสั้น (ปุ่มใน LINE ไม่เกิน {MAX_LABEL} ตัวอักษร)", box="names"),
    Field("category", TEXT, "หมวด", box="names"),
    Field("order", NUMBER, "ลำดับในรายการ", required=False, default=1000, noun="ลำดับ", box="names",
          hint="เลขน้อยแสดงก่อน"),
    Field("division", DIVISION, "กองที่รับผิดชอบ", box="names"),
    Field("aliases", TEXTS, "ชื่อที่ประชาชนเรียก (บรรทัดละหนึ่งชื่อ)", box="called", lines=8,
          hint="บอทใช้ชื่อเหล่านี้ค้นหาคำถาม เช่น เบี้ยคนแก่ เงินคนเฒ่า"),
    Field("keywords", TEXTS, "คำค้นเพิ่มเติม (บรรทัดละหนึ่งคำ)", required=False, box="called", lines=4),
    Field("legal_basis", TEXTS, "กฎหมายที่เกี่ยวข้อง (บรรทัดละหนึ่งฉบับ)", lines=3),
    Field("overview", TEXT, "ภาพรวม", lines=6, indexed=True,
          hint="ใช้ช่องแทนค่าได้ เช่น {{sao_short_name}} {{office_hours}} {{contact}}"),
    Field("eligibility", TEXTS, "ใครยื่นได้ / หลักเกณฑ์ (บรรทัดละหนึ่งข้อ)", lines=5, indexed=True),
    Field("documents", TEXTS, "เอกสารที่ต้องใช้ (บรรทัดละหนึ่งรายการ)", lines=5),
    Field("fees", ROWS, "ค่าธรรมเนียม", row=Fee, shorthand="amount",
          parts=(Part("item", "รายการ", True), Part("amount", "จำนวนเงิน", True))),
    Field("duration", GROUP, "ระยะเวลา",
          parts=(Part("total", "ระยะเวลารวม", True, "duration_total"), Part("note", "หมายเหตุระยะเวลา", False, "duration_note"))),
    Field("steps", ROWS, "ขั้นตอนและระยะเวลาแต่ละขั้น", row=ProcedureStep,
          parts=(Part("step", "ขั้นตอน", True, "text"), Part("duration", "ระยะเวลา"))),
    Field("channels", ROWS, "ยื่นที่ไหน เมื่อไร", row=Channel,
          parts=(Part("where", "ที่ไหน", True), Part("when", "เมื่อไร"), Part("note", "หมายเหตุ"))),
    Field("complaints", TEXTS, "ช่องทางร้องเรียน (บรรทัดละหนึ่งช่องทาง)", lines=3),
    Field("updated", DATE, "วันที่ปรับปรุง (พ.ศ.)", default=date.min, noun="วันที่ปรับปรุง", box="names",
          hint="วว/ดด/ปปปป เช่น 27/11/2569"),
)

SECTION_TABLE: tuple[Section, ...] = (
    Section("overview", "ภาพรวม", "overview", PARAGRAPH, "ภาพรวม"),
    Section("eligibility", "ใครยื่นได้ / หลักเกณฑ์", "eligibility", BULLETS, "ใครยื่นได้"),
    Section("documents", "เอกสารที่ต้องใช้", "documents", NUMBERED, "เอกสาร"),
    Section("fees", "ค่าธรรมเนียม", "fees", FEES, "ค่าธรรมเนียม"),
    Section("duration", "ระยะเวลา", "duration", DURATION, "ใช้เวลากี่วัน"),
    Section("steps", "ขั้นตอน", "steps", STEPS, "ขั้นตอน"),
    Section("channels", "ยื่นที่ไหน เมื่อไร", "channels", CHANNELS, "ยื่นที่ไหน"),
    Section("legal", "กฎหมายที่เกี่ยวข้อง", "legal_basis", NUMBERED),
    Section("complaints", "ช่องทางการร้องเรียน", "complaints", NUMBERED),
)

# The console form's boxes for the fields no section shows; the fields a section shows follow
# in a box of their own, in page order.
BOXES: dict[str, str] = {"names": "ชื่อและผู้รับผิดชอบ", "called": "ชื่อที่ประชาชนเรียก"}
CONTENT_BOX = "เนื้อหา"

# --- what the others read -----------------------------------------------------------------------

FIELD: dict[str, Field] = {f.key: f for f in FIELDS}
SECTION_BY_ID: dict[str, Section] = {s.id: s for s in SECTION_TABLE}
# The sections a citizen may ask about, in the order a handbook page shows them.
SECTIONS: tuple[str, ...] = tuple(s.id for s in SECTION_TABLE if s.button)
SECTION_TITLES: dict[str, str] = {s.id: s.title for s in SECTION_TABLE if s.button}
SECTION_BUTTONS: dict[str, str] = {s.id: s.button for s in SECTION_TABLE if s.button}  # LINE: at most 20 characters
# The console's form: (box title, its fields), the fields no section shows first, then the page's sections.
FORM_BOXES: tuple[tuple[str, tuple[Field, ...]], ...] = (
    *((title, tuple(f for f in FIELDS if f.box == box)) for box, title in BOXES.items()),
    (CONTENT_BOX, tuple(FIELD[s.field] for s in SECTION_TABLE)),
)
# What the console edits (the fields on its form), in the order of the file format.
EDITABLE: tuple[str, ...] = tuple(f.key for f in FIELDS if any(f in fields for _, fields in FORM_BOXES))
