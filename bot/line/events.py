"""Reading LINE webhook events into the few fields the bot needs.

The webhook stores events as LINE sent them; this module only pulls out what routing
needs, tolerating unknown fields and types (LINE adds new ones over time).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Every event type in LINE's webhook OpenAPI file. Types not listed are logged and skipped.
KNOWN_EVENT_TYPES = frozenset(
    {
        "message", "unsend", "follow", "unfollow", "join", "leave", "memberJoined", "memberLeft",
        "postback", "videoPlayComplete", "beacon", "accountLink", "things", "membership",
        "module", "activated", "deactivated", "botSuspended", "botResumed", "delivery",
        "messageEdited",
    }
)


class MalformedEvent(ValueError):
    """An event we cannot even route (not an object, or no type)."""


@dataclass(frozen=True)
class Source:
    kind: str  # user | group | room | unknown
    user_id: str | None
    chat_id: str | None  # where replies go: the user, the group or the room

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.chat_id or '-'}"


def event_key(webhook_event_id: str, raw: dict) -> str:
    """The inbox's unique key: LINE's event ID plus a digest of what the event says.

    A redelivery repeats the event with only deliveryContext (and perhaps the reply token)
    changed, so it gets the same key and the unique index drops it. LINE's own sample
    payload reuses one webhookEventId for 28 different events; the digest keeps such
    distinct events apart instead of silently dropping 27 of them.
    """
    content = {k: v for k, v in raw.items() if k not in ("deliveryContext", "replyToken")}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{webhook_event_id}:{digest[:16]}"


@dataclass(frozen=True)
class Event:
    type: str
    webhook_event_id: str
    mode: str
    timestamp: int | None
    source: Source
    reply_token: str | None
    is_redelivery: bool
    raw: dict[str, Any] = field(repr=False)

    @property
    def key(self) -> str:
        return event_key(self.webhook_event_id, self.raw)

    @property
    def message(self) -> dict[str, Any]:
        message = self.raw.get("message")
        return message if isinstance(message, dict) else {}

    @property
    def message_id(self) -> str | None:
        if self.type in ("message", "messageEdited"):
            value = self.message.get("id")
        elif self.type == "unsend":
            value = (self.raw.get("unsend") or {}).get("messageId")
        else:
            return None
        return str(value) if value is not None else None


def _source(raw: Any) -> Source:
    if not isinstance(raw, dict):
        return Source("unknown", None, None)
    kind = raw.get("type")
    user_id = raw.get("userId") if isinstance(raw.get("userId"), str) else None
    if kind == "group":
        return Source("group", user_id, raw.get("groupId"))
    if kind == "room":
        return Source("room", user_id, raw.get("roomId"))
    if kind == "user":
        return Source("user", user_id, user_id)
    return Source("unknown", user_id, None)


def parse(raw: Any) -> Event:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or not raw["type"]:
        raise MalformedEvent("event is not an object with a type")
    event_id = raw.get("webhookEventId")
    if not isinstance(event_id, str) or not event_id:
        # Old or hand-made payloads lack the ID: the content digest alone still recognises a resend.
        event_id = "none"
    delivery = raw.get("deliveryContext")
    timestamp = raw.get("timestamp")
    reply_token = raw.get("replyToken")
    return Event(
        type=raw["type"],
        webhook_event_id=event_id[:100],
        mode=raw.get("mode") if isinstance(raw.get("mode"), str) else "active",
        timestamp=timestamp if isinstance(timestamp, int) and not isinstance(timestamp, bool) and 0 <= timestamp < 2**63 else None,
        source=_source(raw.get("source")),
        reply_token=reply_token if isinstance(reply_token, str) and reply_token else None,
        is_redelivery=bool(isinstance(delivery, dict) and delivery.get("isRedelivery") is True),
        raw=raw,
    )
