"""The citizen handbook (คู่มือสำหรับประชาชน) as data: one Procedure per service.

The structure follows the official handbook format under the Licensing Facilitation Act
(พ.ร.บ.การอำนวยความสะดวกในการพิจารณาอนุญาตของทางราชการ พ.ศ. 2558): legal basis,
eligibility, documents, fees, total and per-step durations, steps, where and when to apply,
and where to complain. Everything here is immutable; a content change builds a new Handbook.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# The sections a citizen may ask about, in the order a handbook page shows them.
SECTIONS: tuple[str, ...] = ("overview", "eligibility", "documents", "fees", "duration", "steps", "channels")

SECTION_TITLES: dict[str, str] = {
    "overview": "ภาพรวม",
    "eligibility": "ใครยื่นได้ / หลักเกณฑ์",
    "documents": "เอกสารที่ต้องใช้",
    "fees": "ค่าธรรมเนียม",
    "duration": "ระยะเวลา",
    "steps": "ขั้นตอน",
    "channels": "ยื่นที่ไหน เมื่อไร",
}

# Short labels for buttons (LINE allows 20 characters).
SECTION_BUTTONS: dict[str, str] = {
    "overview": "ภาพรวม",
    "eligibility": "ใครยื่นได้",
    "documents": "เอกสาร",
    "fees": "ค่าธรรมเนียม",
    "duration": "ใช้เวลากี่วัน",
    "steps": "ขั้นตอน",
    "channels": "ยื่นที่ไหน",
}


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


@dataclass(frozen=True)
class Procedure:
    id: str
    title: str  # the official name of the service
    short_title: str  # what a button or a list shows
    category: str
    division: str  # a division id from content/divisions.yaml
    division_name: str
    aliases: tuple[str, ...]  # what villagers call it (shown on the page, searched)
    keywords: tuple[str, ...]  # further words that point here (searched only)
    legal_basis: tuple[str, ...]
    overview: str
    eligibility: tuple[str, ...]
    documents: tuple[str, ...]
    fees: tuple[Fee, ...]
    duration_total: str
    duration_note: str
    steps: tuple[ProcedureStep, ...]
    channels: tuple[Channel, ...]
    complaints: tuple[str, ...]
    updated: date
    source_file: str = ""
    order: int = 1000

    def section_lines(self, section: str) -> list[str]:
        """The section as plain lines of Thai text, the way a citizen reads it in a chat."""
        if section == "overview":
            return [self.overview]
        if section == "eligibility":
            return [f"• {line}" for line in self.eligibility]
        if section == "documents":
            return [f"{n}. {doc}" for n, doc in enumerate(self.documents, 1)]
        if section == "fees":
            return [f"• {fee.item}: {fee.amount}" if fee.item else f"• {fee.amount}" for fee in self.fees]
        if section == "duration":
            lines = [f"รวม {self.duration_total}"]
            lines += [f"{n}. {s.text}: {s.duration}" for n, s in enumerate(self.steps, 1) if s.duration]
            if self.duration_note:
                lines.append(self.duration_note)
            return lines
        if section == "steps":
            return [f"{n}. {s.text}" + (f" ({s.duration})" if s.duration else "") for n, s in enumerate(self.steps, 1)]
        if section == "channels":
            lines = []
            for c in self.channels:
                line = f"• {c.where}"
                if c.when:
                    line += f" — {c.when}"
                if c.note:
                    line += f" ({c.note})"
                lines.append(line)
            return lines
        raise KeyError(section)

    def section_text(self, section: str) -> str:
        return "\n".join(self.section_lines(section))


@dataclass(frozen=True)
class NotHandledTopic:
    """Something citizens ask an SAO about that another office handles (ID cards, passports…)."""

    id: str
    title: str
    keywords: tuple[str, ...]
    where: str  # where to go instead, in Thai


@dataclass(frozen=True)
class FaqEntry:
    """A short ready answer (content/faq.yaml) for a question no procedure answers,
    e.g. "อบต. มีที่จอดรถไหม". The bot sends `answer` as it is."""

    id: str
    question: str  # as a citizen asks it
    aliases: tuple[str, ...]  # other ways people ask the same thing
    answer: str  # polite Thai, placeholders filled
    division: str = ""  # who keeps it up to date (optional)
    updated: date | None = None

    @property
    def key(self) -> str:
        """How questions and the console refer to it (a procedure id never has a colon)."""
        return f"faq:{self.id}"


@dataclass(frozen=True)
class Handbook:
    procedures: tuple[Procedure, ...]  # in the order pages and menus list them
    not_handled: tuple[NotHandledTopic, ...] = ()
    fingerprint: str = ""  # changes whenever a content file changes
    faq: tuple[FaqEntry, ...] = ()
    _by_id: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        self._by_id.update({p.id: p for p in self.procedures})

    def get(self, procedure_id: str) -> Procedure | None:
        return self._by_id.get(procedure_id)

    def faq_entry(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.faq if e.id == entry_id), None)

    def __iter__(self):
        return iter(self.procedures)

    def __len__(self) -> int:
        return len(self.procedures)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.procedures)

    @property
    def categories(self) -> list[tuple[str, list[Procedure]]]:
        """Procedures grouped by category, categories in the order they first appear."""
        groups: dict[str, list[Procedure]] = {}
        for p in self.procedures:
            groups.setdefault(p.category, []).append(p)
        return list(groups.items())
