"""Driving a citizen's (or a staff group's) LINE chat through the signed webhook and the
fake LINE API, for the feedback tests."""
from __future__ import annotations

import json
import secrets

from db import staff, transaction
from helpers import base_event, text_message, user_id, wait_until


def _finished(served) -> bool:
    """Every event handled and every message out: a reply whose first attempt failed (a busy
    machine, a slow fake LINE API) is retried by the sweeper after its event is done."""
    busy = served.db.execute(
        "SELECT count(*) FROM inbox WHERE status IN ('pending', 'processing', 'handled')"
    ).fetchone()[0]
    sending = served.db.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0]
    return busy == 0 and sending == 0


def buttons_of(messages: list[dict]) -> list[dict]:
    """Every action a person could tap in these messages: quick replies, templates, flex buttons."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "button" and isinstance(node.get("action"), dict):
                found.append(node["action"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for message in messages:
        for item in (message.get("quickReply") or {}).get("items", []):
            found.append(item["action"])
        found.extend((message.get("template") or {}).get("actions", []))
        walk(message.get("contents"))
    return found


def text_of(messages: list[dict]) -> str:
    return "\n".join(json.dumps(m, ensure_ascii=False) for m in messages)


class Chat:
    """One LINE chat: a person's 1:1 chat, or a group (then `member` is who speaks)."""

    def __init__(self, served, fake_line, uid: str | None = None, group: str | None = None):
        self.served = served
        self.line = fake_line
        self.uid = uid or user_id()
        self.group = group
        self.last: list[dict] = []

    @property
    def source(self) -> dict:
        if self.group:
            return {"type": "group", "groupId": self.group, "userId": self.uid}
        return {"type": "user", "userId": self.uid}

    @property
    def chat_id(self) -> str:
        return self.group or self.uid

    @property
    def chat_key(self) -> str:
        return f"group:{self.group}" if self.group else f"user:{self.uid}"

    def send(self, event: dict) -> list[dict]:
        """Post one signed event, wait until it is handled, return what was replied to it."""
        token = event.get("replyToken")
        if token:
            self.line.state.register_reply_token(token, self.chat_id)
        assert self.served.post(event).status_code == 200
        wait_until(lambda: _finished(self.served))
        replies = [
            r for r in self.line.state.requests
            if r.path == "/v2/bot/message/reply" and r.status == 200 and r.json["replyToken"] == token
        ]
        self.last = [m for r in replies for m in r.json["messages"]]
        return self.last

    def say(self, text: str, quoting: str | None = None) -> list[dict]:
        """Type text; with `quoting` (a LINE message id), as a quote-reply to that message."""
        return self.send(base_event("message", self.source, message=text_message(text, quoting)))

    def tap(self, label: str) -> list[dict]:
        """Tap the button with this label among the last replies (as LINE sends the tap)."""
        for action in buttons_of(self.last):
            if action.get("label") == label:
                return self.tap_action(action)
        raise AssertionError(f"no button {label!r} in {[a.get('label') for a in buttons_of(self.last)]}")

    def tap_action(self, action: dict) -> list[dict]:
        if action["type"] == "postback":
            return self.send(base_event("postback", self.source, postback={"data": action["data"]}))
        if action["type"] == "message":
            return self.say(action["text"])
        raise AssertionError(f"cannot tap a {action['type']} action in a test")

    def postback(self, data: str) -> list[dict]:
        return self.send(base_event("postback", self.source, postback={"data": data}))

    def photo(self, content: bytes = b"\xff\xd8\xff\xe0 test jpeg", message_id: str | None = None) -> list[dict]:
        message_id = message_id or str(secrets.randbelow(10**17))
        self.line.state.add_content(message_id, content, "image/jpeg")
        message = {"id": message_id, "type": "image", "contentProvider": {"type": "line"}}
        return self.send(base_event("message", self.source, message=message))

    def location(self, latitude: float = 16.0345, longitude: float = 102.5871, title: str = "หน้าบ้านผู้ใหญ่บ้าน", address: str = "หมู่ 3 ต.คอนฉิม") -> list[dict]:
        message = {"id": str(secrets.randbelow(10**17)), "type": "location", "title": title, "address": address, "latitude": latitude, "longitude": longitude}
        return self.send(base_event("message", self.source, message=message))

    def pushed(self) -> list[dict]:
        """Messages pushed (not replied) to this chat so far."""
        return [m for r in self.line.state.deliveries() if r.path == "/v2/bot/message/push" and r.json["to"] == self.chat_id for m in r.json["messages"]]


def register(served, chat_key: str, kind: str, line_id: str, division: str, role: str = "staff") -> None:
    db = served.db
    with transaction(db):
        staff.register(db, chat_key=chat_key, kind=kind, line_id=line_id, division_id=division, role=role, registered_by=None)


def staff_group(served, fake_line, division: str) -> Chat:
    group = Chat(served, fake_line, group="C" + secrets.token_hex(16))
    register(served, group.chat_key, "group", group.group, division)
    return group
