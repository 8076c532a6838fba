"""Importing content/participation.yaml — how participation notes were kept before the console's
participation page (/admin/participation) — into the database, once.

Two ways, both idempotent (each entry's digest is remembered in participation_imports, so an
entry is imported once even if its activity is deleted in the console afterwards):

- `python -m bot participation import [content/participation.yaml]`;
- automatically, the first time an admin opens /admin/participation while nothing was ever
  imported and the file has entries (`import_if_never`).

The file is then no longer read: the participation report reads the database.
"""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.common.thaidate import parse_thai_date
from bot.content import yamlfile
from bot.content.profile import ContentError
from db import participation, transaction

NOTES_FILE = "participation.yaml"
IMPORTED_BY = "นำเข้าจากไฟล์เดิม"


@dataclass(frozen=True)
class Note:
    """One entry of the file, checked."""

    day: date
    topic: str  # a LINE topic key (satisfaction, tickets, staff-questions, handbook), or an activity's name
    channel: str = ""
    participants: tuple[tuple[str, int], ...] = ()  # (village or "", number)
    decided: str = ""
    improvement: str = ""

    @property
    def total(self) -> int:
        return sum(n for _, n in self.participants)

    @property
    def is_line_topic(self) -> bool:
        """A note on a LINE topic or consultation (what was improved), not an activity of its own."""
        return self.topic in participation.LINE_TOPIC_KEYS or self.topic.startswith("consultation:")

    @property
    def import_key(self) -> str:
        fields = [self.day.isoformat(), self.topic, self.channel, [list(p) for p in self.participants], self.decided, self.improvement]
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


def load_notes_file(path: Path) -> tuple[Note, ...]:
    """The file, checked; a mistake names the file, line and field. No file: none."""
    path = Path(path)
    if not path.exists():
        return ()
    raw, node = yamlfile.read(path)
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not isinstance(raw.get("entries", []), list):
        raise ContentError(f"{path}: expected 'entries:' with a list of entries")
    entries = raw.get("entries") or []
    items = next((v.value for k, v in node.value if k.value == "entries"), []) if entries else []
    problems, notes = [], []
    for entry, item in zip(entries, items):
        where = f"{path}:{item.start_mark.line + 1}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: each entry needs date and topic")
            continue
        unknown = set(entry) - {"date", "topic", "channel", "participants", "decided", "improvement"}
        if unknown:
            problems.append(f"{where}: unknown field '{sorted(unknown)[0]}'")
        try:
            day = entry.get("date")
            day = day if isinstance(day, date) else parse_thai_date(str(day or ""))
        except ValueError:
            problems.append(f"{where}: field 'date' must be a date such as 15/2/2570 or 2027-02-15")
            continue
        topic = str(entry.get("topic") or "").strip()
        if not topic:
            problems.append(f"{where}: field 'topic' is required")
            continue
        participants = entry.get("participants")
        counted: list[tuple[str, int]] = []
        if isinstance(participants, bool):
            participants = "x"
        if isinstance(participants, int):
            counted = [("", participants)]
        elif isinstance(participants, dict):
            for village, number in participants.items():
                if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                    problems.append(f"{where}: participants of '{village}' must be a whole number")
                else:
                    counted.append((str(village).strip(), number))
        elif participants is not None:
            problems.append(f"{where}: field 'participants' must be a number or village: number pairs")
        notes.append(Note(
            day, topic, str(entry.get("channel") or "").strip(), tuple(counted),
            " ".join(str(entry.get("decided") or "").split()), " ".join(str(entry.get("improvement") or "").split()),
        ))
    if problems:
        raise ContentError("\n".join(problems))
    return tuple(sorted(notes, key=lambda n: n.day))


def load_notes(content_dir: Path) -> tuple[Note, ...]:
    return load_notes_file(Path(content_dir) / NOTES_FILE)


def import_notes(db, path: Path, by: str = IMPORTED_BY) -> tuple[int, int]:
    """Import the file's entries not imported before: (added, already there). Its own transaction."""
    notes = load_notes_file(path)
    added = 0
    with transaction(db):
        for note in notes:
            new = participation.import_once(
                db, note.import_key, by=by, held_on=note.day, topic=note.topic, channel=note.channel,
                participants=note.participants, decided=note.decided, improvement=note.improvement,
            )
            added += new is not None
    return added, len(notes) - added


def import_if_never(db, content_dir: Path) -> int:
    """The automatic import: only while nothing was ever imported and the file exists. How many
    were added; a file with mistakes is left alone (the command names them)."""
    path = Path(content_dir) / NOTES_FILE
    if not path.exists() or db.execute("SELECT 1 FROM participation_imports LIMIT 1").fetchone():
        return 0
    try:
        return import_notes(db, path)[0]
    except ContentError:
        return 0


def cmd_participation(args, settings) -> int:
    from db import open_for

    if args.participation_command != "import":
        return 2
    path = Path(args.file) if args.file else settings.content_dir / NOTES_FILE
    if not path.exists():
        print(f"ไม่พบไฟล์ / no such file: {path}", file=sys.stderr)
        return 1
    db = open_for(settings)
    try:
        added, known = import_notes(db, path)
    except ContentError as exc:
        print(f"ไฟล์มีข้อผิดพลาด / the file has mistakes:\n{exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"นำเข้าแล้ว {added} รายการ (นำเข้าไว้ก่อนแล้ว {known} รายการ) / imported {added}, already imported {known}")
    return 0


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="participation_command", metavar="<import>", required=True)
    imp = sub.add_parser("import", help="นำเข้าบันทึกจากไฟล์เดิมครั้งเดียว — import content/participation.yaml once")
    imp.add_argument("file", nargs="?", help="ไฟล์ (ค่าเริ่มต้น content/participation.yaml) — the file (default: content/participation.yaml)")


COMMANDS = {
    "participation": (cmd_participation, "บันทึกการมีส่วนร่วม: นำเข้าจากไฟล์เดิม — participation records: import the old yaml file",
                      add_arguments),
}
