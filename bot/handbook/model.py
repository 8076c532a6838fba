"""The citizen handbook (คู่มือสำหรับประชาชน) as data: one Procedure per service.

The structure follows the official handbook format under the Licensing Facilitation Act
(พ.ร.บ.การอำนวยความสะดวกในการพิจารณาอนุญาตของทางราชการ พ.ศ. 2558): legal basis,
eligibility, documents, fees, total and per-step durations, steps, where and when to apply,
and where to complain. Everything here is immutable; a content change builds a new Handbook.
The fields and the sections are stated once, in schema.py; a Procedure has one attribute per
field (a GROUP's parts one each), and shows a section in a chat as its `show` says (_LINES).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.handbook.schema import (  # noqa: F401 (the sections and the rows' values, imported from here too)
    BULLETS, CHANNELS, DURATION, FEES, FIELD, FIELDS, GROUP, NUMBERED, PARAGRAPH, SECTION_BUTTONS, SECTION_BY_ID, SECTION_TITLES,
    SECTIONS, STEPS, Channel, Fee, ProcedureStep,
)


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
        if section not in SECTIONS:
            raise KeyError(section)
        shown = SECTION_BY_ID[section]
        return _LINES[shown.show](self, self.value(shown.field))

    def section_text(self, section: str) -> str:
        return "\n".join(self.section_lines(section))

    def value(self, key: str):
        """A field's value by its YAML key (schema.FIELDS); a GROUP's as {part key: value}."""
        f = FIELD[key]
        if f.kind == GROUP:
            return {part.key: getattr(self, part.name) for part in f.parts}
        return getattr(self, f.name)

    def indexed_texts(self) -> list[str]:
        """What the service is about, as the search indexes it (the fields schema.py marks indexed)."""
        out: list[str] = []
        for f in FIELDS:
            if f.indexed:
                value = self.value(f.key)
                out += [value] if isinstance(value, str) else list(value)
        return out


def _duration_lines(p: Procedure, duration: dict) -> list[str]:
    lines = [f"รวม {duration['total']}"]
    lines += [f"{n}. {s.text}: {s.duration}" for n, s in enumerate(p.steps, 1) if s.duration]
    return lines + ([duration["note"]] if duration["note"] else [])


def _channel_line(c: Channel) -> str:
    return f"• {c.where}" + (f" — {c.when}" if c.when else "") + (f" ({c.note})" if c.note else "")


# How a chat shows a section (schema.Section.show): procedure, the value of its field -> lines.
_LINES = {
    PARAGRAPH: lambda p, text: [text],
    BULLETS: lambda p, items: [f"• {line}" for line in items],
    NUMBERED: lambda p, items: [f"{n}. {line}" for n, line in enumerate(items, 1)],
    FEES: lambda p, fees: [f"• {fee.item}: {fee.amount}" if fee.item else f"• {fee.amount}" for fee in fees],
    DURATION: _duration_lines,
    STEPS: lambda p, steps: [f"{n}. {s.text}" + (f" ({s.duration})" if s.duration else "") for n, s in enumerate(steps, 1)],
    CHANNELS: lambda p, channels: [_channel_line(c) for c in channels],
}


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
