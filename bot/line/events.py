"""Reading LINE webhook events into the few fields the bot needs.

The webhook stores events as LINE sent them; this module only pulls out what routing
needs, tolerating unknown fields and types (LINE adds new ones over time).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
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
    """An event we cannot even route (not an object, or no type), or cannot store faithfully."""


# --- reading the body -------------------------------------------------------------------------
# Python's json accepts what LINE never sends and SQLite's JSON rejects: NaN, Infinity,
# numbers that overflow to infinity (1e400) and integers too long to convert. Such a value
# becomes UNUSABLE, and the one event holding it is skipped (check_event), not the batch.
# Lone UTF-16 surrogates ("\ud83d") cannot be encoded as UTF-8 at all: they are repaired
# with U+FFFD, the replacement character, so the rest of the person's text is kept.

UNUSABLE = type("Unusable", (), {"__repr__": lambda self: "UNUSABLE"})()
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_INT_DIGITS = 4000  # below Python's own limit for int(), which raises past 4300 digits


def _number(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else UNUSABLE


def _integer(text: str) -> Any:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return UNUSABLE
    return int(text)  # beyond int64 is kept: SQLite's JSON reads it as a real


def loads_body(body: bytes | str) -> Any:
    """The webhook body as JSON, with values no event may hold marked UNUSABLE."""
    return json.loads(body, parse_constant=lambda _: UNUSABLE, parse_float=_number, parse_int=_integer)


def _repaired(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value) if _LONE_SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {_repaired(k): _repaired(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_repaired(v) for v in value]
    if value is UNUSABLE:
        raise MalformedEvent("event holds a number outside what JSON storage accepts (NaN, infinity or huge)")
    return value


def check_event(raw: Any) -> Any:
    """The event as it can be stored: lone surrogates repaired; MalformedEvent for UNUSABLE numbers."""
    return _repaired(raw)


@dataclass(frozen=True)
class Source:
    kind: str  # user | group | room | unknown
    user_id: str | None
    chat_id: str | None  # where replies go: the user, the group or the room

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.chat_id or '-'}"

    @property
    def conversation_key(self) -> str:
        """Where this person's conversation state is kept. In a group or room each member has
        their own ("group:C…/U…"): one staff member's half-done action (a photo awaited)
        is not another's, and a citizen's question in a group is not the next member's."""
        if self.kind in ("group", "room") and self.user_id:
            return f"{self.key}/{self.user_id}"
        return self.key


def event_key(webhook_event_id: str, raw: dict) -> str:
    """The inbox's unique key: LINE's event ID plus a digest of what the event says.

    A redelivery repeats the event with only deliveryContext (and perhaps the reply token)
    changed, so it gets the same key and the unique index drops it. LINE's own sample
    payload reuses one webhookEventId for 28 different events; the digest keeps such
    distinct events apart instead of silently dropping 27 of them.
    """
    content = {k: v for k, v in raw.items() if k not in ("deliveryContext", "replyToken")}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
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
