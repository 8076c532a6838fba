"""Shared by the reminder tests: registrations, a pass at a given time, taps with a given time."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from bot.pipeline import effects
from bot.reminders import buttons as _reminder_buttons  # noqa: F401  (registers the buttons' actions)
from bot.conversation import postback
from bot.conversation.engine import action_effect
from bot.line.sender import LineSender
from bot.content.profile import load_profile
from bot.common.thaidate import BANGKOK
from db import staff, transaction
from engines import open_db, settings  # noqa: F401  (the reminder tests run on both engines)
from bot.reminders.passes import Setup, tick

ENGINEERING_GROUP = "C" + "e" * 32
FINANCE_STAFF = "U" + "f" * 32
FINANCE_HEAD = "U" + "f" * 31 + "1"
AUDIT_STAFF = "U" + "a" * 32
ADMIN = "U" + "9" * 32


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANGKOK)


def register(db, line_id: str, division: str, role: str = "staff") -> None:
    kind = "group" if line_id.startswith("C") else "user"
    with transaction(db):
        staff.register(
            db, chat_key=f"{kind}:{line_id}", kind=kind, line_id=line_id, division_id=division, role=role, registered_by=None
        )


def make_setup(settings, sender: bool = True, content_dir=None) -> Setup:
    return Setup.from_content(content_dir or settings.content_dir, LineSender(settings) if sender else None)


def run(db, setup, when: datetime):
    return tick(db, setup, when, wait_seconds=5)


def pushes(fake_line) -> list:
    return [r for r in fake_line.state.deliveries() if r.path == "/v2/bot/message/push"]


def pushes_by_chat(fake_line) -> dict[str, list]:
    found = defaultdict(list)
    for r in pushes(fake_line):
        found[r.json["to"]].append(r)
    return found


def button_data(push, action: str) -> list[str]:
    """Postback data of every button with this action in a push, in order."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            data = (node.get("action") or {}).get("data") if isinstance(node.get("action"), dict) else None
            if data and postback.decode(data) and postback.decode(data).action == action:
                found.append(data)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(push.json["messages"])
    return found


def deadline_ids(push, action: str = "reminder-ack") -> list[int]:
    return [int(postback.decode(d).record_id) for d in button_data(push, action)]


def digest_text(push) -> str:
    return push.json["messages"][0]["text"]


def tap(db, settings, setup, action: str, deadline_id: int, chat_key: str, user_id: str | None, when: datetime) -> str:
    """A button tap as the worker runs it (its effect, in a transaction), as at a given time."""
    kind = chat_key.split(":", 1)[0]
    request = effects.EffectRequest(
        db=db,
        args={"record_id": str(deadline_id), "arg": ""},
        chat_key=chat_key,
        chat_kind=kind,
        user_id=user_id,
        inbox_id=0,
        event_key=f"test-{deadline_id}-{when.timestamp()}",
        profile=load_profile(settings.content_dir / "profile.yaml"),
        now=when,
        divisions=setup.divisions,
        parts={"plans": setup.plans, "calendar": setup.calendar},
    )
    with transaction(db):
        result = effects.run(action_effect(action), request)
    return " ".join(r["text"] for r in result.replies)


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def messages_json(push) -> str:
    return json.dumps(push.json["messages"], ensure_ascii=False)
