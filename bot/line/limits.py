"""LINE's message limits, checked before a request leaves the bot.

LINE answers 400 to a request that breaks one of these and the citizen sees nothing, so
the sender refuses such messages itself (and the worker replaces them with a safe reply).
Text fields count UTF-16 code units; action labels count grapheme clusters, so a Thai
label with vowels and tone marks is shorter than its len().
"""
from __future__ import annotations

import json
from typing import Any, Iterator

import regex

MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_LABEL = 20
MAX_ACTION_TEXT = 300
MAX_POSTBACK_DATA = 300
MAX_DISPLAY_TEXT = 300
MAX_QUICK_REPLY_ITEMS = 13
MAX_URI = 1000
URI_SCHEMES = ("http://", "https://", "line://", "tel:")
MAX_ALT_TEXT = 1500
MAX_BUBBLES = 12
MAX_BUBBLE_BYTES = 30_000
MAX_CAROUSEL_BYTES = 50_000
MAX_BUTTONS_ACTIONS = 4
MAX_TEMPLATE_TITLE = 40
MAX_BUTTONS_TEXT = 160
MAX_BUTTONS_TEXT_WITH_HEADER = 60
MAX_CONFIRM_TEXT = 240
MAX_MULTICAST = 500

_GRAPHEME = regex.compile(r"\X")


class MessageLimitError(ValueError):
    """A message LINE would reject; `problems` lists (path, reason)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {why}" for path, why in problems))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def grapheme_len(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def more_graphemes_than(text: str, limit: int) -> bool:
    # A cluster holds at least one code point, so a short string needs no clustering
    # (the regex ran thousands of times a second, for every button of every reply).
    return len(text) > limit and grapheme_len(text) > limit


def truncate_label(text: str, limit: int = MAX_LABEL) -> str:
    """Shorten a label to `limit` grapheme clusters, never splitting a Thai syllable mark."""
    if len(text) <= limit:
        return text
    clusters = _GRAPHEME.findall(text)
    if len(clusters) <= limit:
        return text
    return "".join(clusters[: limit - 1]) + "…"


def _json_size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _check_action(action: Any, path: str, label_required: bool) -> Iterator[tuple[str, str]]:
    if not isinstance(action, dict) or "type" not in action:
        yield path, "action must be an object with a type"
        return
    label = action.get("label")
    if label is None:
        if label_required:
            yield f"{path}.label", "label is required"
    elif more_graphemes_than(str(label), MAX_LABEL):
        yield f"{path}.label", f"label longer than {MAX_LABEL} characters"
    kind = action["type"]
    if kind == "message":
        text = action.get("text") or ""
        if not text or utf16_len(text) > MAX_ACTION_TEXT:
            yield f"{path}.text", f"message action text must be 1-{MAX_ACTION_TEXT} characters"
    elif kind == "postback":
        data = action.get("data") or ""
        if not data or utf16_len(data) > MAX_POSTBACK_DATA:
            yield f"{path}.data", f"postback data must be 1-{MAX_POSTBACK_DATA} characters"
        if utf16_len(action.get("displayText") or "") > MAX_DISPLAY_TEXT:
            yield f"{path}.displayText", f"displayText longer than {MAX_DISPLAY_TEXT}"
        if action.get("displayText") and action.get("text"):
            yield path, "postback action cannot have both text and displayText"
    elif kind == "uri":
        uri = action.get("uri") or ""
        if len(uri) > MAX_URI or not uri.startswith(URI_SCHEMES):
            yield f"{path}.uri", "uri must use http, https, line or tel and be at most 1000 characters"


def _check_flex_component(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if not isinstance(node, dict):
        return
    if "action" in node:
        yield from _check_action(node["action"], f"{path}.action", label_required=node.get("type") == "button")
    for key in ("header", "hero", "body", "footer"):
        if key in node:
            yield from _check_flex_component(node[key], f"{path}.{key}")
    for i, child in enumerate(node.get("contents") or [] if isinstance(node.get("contents"), list) else []):
        yield from _check_flex_component(child, f"{path}.contents[{i}]")


def _check_flex(message: dict, path: str) -> Iterator[tuple[str, str]]:
    alt = message.get("altText") or ""
    if not alt or utf16_len(alt) > MAX_ALT_TEXT:
        yield f"{path}.altText", f"altText must be 1-{MAX_ALT_TEXT} characters"
    contents = message.get("contents")
    if not isinstance(contents, dict):
        yield f"{path}.contents", "contents must be a bubble or carousel"
        return
    if contents.get("type") == "carousel":
        bubbles = contents.get("contents") or []
        if not 1 <= len(bubbles) <= MAX_BUBBLES:
            yield f"{path}.contents", f"a carousel holds 1-{MAX_BUBBLES} bubbles"
        if _json_size(contents) > MAX_CAROUSEL_BYTES:
            yield f"{path}.contents", "carousel larger than 50 KB"
        for i, bubble in enumerate(bubbles):
            if _json_size(bubble) > MAX_BUBBLE_BYTES:
                yield f"{path}.contents.contents[{i}]", "bubble larger than 30 KB"
            yield from _check_flex_component(bubble, f"{path}.contents.contents[{i}]")
    else:
        if _json_size(contents) > MAX_BUBBLE_BYTES:
            yield f"{path}.contents", "bubble larger than 30 KB"
        yield from _check_flex_component(contents, f"{path}.contents")


def _check_template(message: dict, path: str) -> Iterator[tuple[str, str]]:
    alt = message.get("altText") or ""
    if not alt or utf16_len(alt) > 400:
        yield f"{path}.altText", "altText must be 1-400 characters"
    template = message.get("template") or {}
    kind = template.get("type")
    actions = template.get("actions") or []
    tpath = f"{path}.template"
    if kind == "buttons":
        if not 1 <= len(actions) <= MAX_BUTTONS_ACTIONS:
            yield f"{tpath}.actions", f"buttons template holds 1-{MAX_BUTTONS_ACTIONS} actions"
        if utf16_len(template.get("title") or "") > MAX_TEMPLATE_TITLE:
            yield f"{tpath}.title", f"title longer than {MAX_TEMPLATE_TITLE}"
        limit = MAX_BUTTONS_TEXT_WITH_HEADER if template.get("title") or template.get("thumbnailImageUrl") else MAX_BUTTONS_TEXT
        if not template.get("text") or utf16_len(template["text"]) > limit:
            yield f"{tpath}.text", f"text must be 1-{limit} characters"
    elif kind == "confirm":
        if len(actions) != 2:
            yield f"{tpath}.actions", "confirm template needs exactly 2 actions"
        if not template.get("text") or utf16_len(template["text"]) > MAX_CONFIRM_TEXT:
            yield f"{tpath}.text", f"text must be 1-{MAX_CONFIRM_TEXT} characters"
    for i, action in enumerate(actions):
        yield from _check_action(action, f"{tpath}.actions[{i}]", label_required=True)


def problems(messages: Any) -> list[tuple[str, str]]:
    """Every way `messages` breaks LINE's limits; empty when LINE would accept them."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return [("messages", f"send 1-{MAX_MESSAGES} messages at a time")]
    found: list[tuple[str, str]] = []
    for i, message in enumerate(messages):
        path = f"messages[{i}]"
        if not isinstance(message, dict):
            found.append((path, "message must be an object"))
            continue
        kind = message.get("type")
        if kind == "text":
            text = message.get("text") or ""
            if not text.strip() or utf16_len(text) > MAX_TEXT:
                found.append((f"{path}.text", f"text must be 1-{MAX_TEXT} characters"))
        elif kind == "flex":
            found.extend(_check_flex(message, path))
        elif kind == "template":
            found.extend(_check_template(message, path))
        quick = message.get("quickReply")
        if quick is not None:
            items = quick.get("items") or []
            if not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
                found.append((f"{path}.quickReply.items", f"quick reply holds 1-{MAX_QUICK_REPLY_ITEMS} buttons"))
            for j, item in enumerate(items):
                found.extend(_check_action(item.get("action"), f"{path}.quickReply.items[{j}].action", label_required=True))
    return found


def check(messages: Any) -> None:
    """Raise MessageLimitError when LINE would reject `messages`."""
    found = problems(messages)
    if found:
        raise MessageLimitError(found)
