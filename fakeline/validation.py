"""Request-body checks for the fake LINE server.

Two layers, both answered the way LINE answers (HTTP 400 with a list of problems):

1. Schema: the body must parse with line-bot-sdk's generated models, which catch
   wrong types, missing required fields and unknown message or action types.
2. Limits: LINE's documented sizes and counts (shared/line/LIMITS.md and the
   Messaging API reference). They are written here independently of the bot's own
   message checker, so that each can catch the other's mistakes: never import
   from ``bot/`` in this module.

Every public function returns a list of ``(property_path, message)`` problems,
e.g. ``("messages[0].quickReply.items[2].action.label", "Length must be ...")``.
An empty list means LINE would accept the body.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import regex
from linebot.v3.messaging import (
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
)

Problem = tuple[str, str]


def utf16_len(text: str) -> int:
    """Length as LINE counts most text: UTF-16 code units, so 🍎 counts 2."""
    return len(text.encode("utf-16-le")) // 2


def grapheme_len(text: str) -> int:
    """Length as LINE counts labels: grapheme clusters, so a Thai letter with its
    vowel and tone mark ("ผู้") counts 1 although ``len()`` says 3."""
    return len(regex.findall(r"\X", text))


def json_size(obj: Any) -> int:
    """Bytes of compact UTF-8 JSON: what LINE's flex size limits measure."""
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


@dataclass(frozen=True)
class TextRule:
    """Length limit of one text property; ``required`` also rejects ``""``."""

    max_len: int
    count: Callable[[str], int]
    required: bool = False


UTF16 = utf16_len
GRAPHEMES = grapheme_len  # LINE's "text character count" page lists which fields

# ---------------------------------------------------------------------------
# LINE's limits: the whole rule table.
# ---------------------------------------------------------------------------

# Text properties per object kind. Actions are keyed "<type>_action".
TEXT_RULES: dict[str, dict[str, TextRule]] = {
    # the chat bubble itself; LINE also rejects an empty text
    "text_message": {"text": TextRule(5000, UTF16, required=True)},
    # shown in notifications and the chat list instead of the layout
    "flex_message": {"altText": TextRule(1500, UTF16, required=True)},
    "template_message": {"altText": TextRule(400, UTF16, required=True)},
    # what the user appears to say when tapping
    "message_action": {"text": TextRule(300, GRAPHEMES, required=True)},
    # data goes to our webhook; displayText/text are shown in the chat
    "postback_action": {
        "data": TextRule(300, UTF16, required=True),
        "displayText": TextRule(300, GRAPHEMES),
        "text": TextRule(300, GRAPHEMES),
    },
    "uri_action": {"uri": TextRule(1000, UTF16, required=True)},
    "datetimepicker_action": {"data": TextRule(300, UTF16, required=True)},
    # template text drops to 60 with an image or title, see TEMPLATE_SHORT_TEXT
    "buttons_template": {
        "title": TextRule(40, GRAPHEMES),
        "text": TextRule(160, GRAPHEMES, required=True),
    },
    "confirm_template": {"text": TextRule(240, GRAPHEMES, required=True)},
    "carousel_column": {
        "title": TextRule(40, GRAPHEMES),
        "text": TextRule(120, GRAPHEMES, required=True),
    },
    "rich_menu": {
        "name": TextRule(300, GRAPHEMES, required=True),
        "chatBarText": TextRule(14, GRAPHEMES, required=True),
    },
}

LABEL_MAX = 20  # action label in quick replies, templates, rich menus (graphemes)
LABEL_MAX_IMAGE_CAROUSEL = 12  # narrow image carousel columns
LABEL_MAX_FLEX = 40  # flex buttons: LINE's current reference allows 40
TEMPLATE_SHORT_TEXT = 60  # buttons/carousel text when a thumbnail or title is set
MEDIA_URL_MAX = 2000  # image/video/audio/icon URLs, which must be https
URI_SCHEMES = frozenset({"http", "https", "line", "tel"})  # URI action schemes

# Counts as (minimum, maximum).
MESSAGES_PER_REQUEST = (1, 5)  # reply, push and multicast
QUICK_REPLY_ITEMS = (1, 13)
BUTTONS_ACTIONS = (1, 4)
CONFIRM_ACTIONS = (2, 2)  # always exactly "yes" and "no"
CAROUSEL_COLUMNS = (1, 10)  # carousel and image carousel templates
CAROUSEL_COLUMN_ACTIONS = (1, 3)  # and every column must have the same number
FLEX_CAROUSEL_BUBBLES = (1, 12)
MULTICAST_RECIPIENTS = (1, 500)
RICH_MENU_AREAS = (1, 20)

# Flex JSON sizes. "30 KB" is read as 30,000 bytes, the stricter reading.
FLEX_BUBBLE_MAX_BYTES = 30_000
FLEX_CAROUSEL_MAX_BYTES = 50_000

PUSH_TARGET_PREFIXES = ("U", "C", "R")  # user, group, room
MULTICAST_TARGET_PREFIX = "U"  # multicast reaches users only
USER_ID = re.compile(r"U[0-9a-f]{32}")  # loading animation chatId
LOADING_SECONDS = range(5, 61, 5)  # 5..60, multiples of 5

RICH_MENU_WIDTH = (800, 2500)  # pixels
RICH_MENU_MIN_HEIGHT = 250  # pixels
RICH_MENU_MIN_ASPECT = 1.45  # width / height

# ---------------------------------------------------------------------------


CHAT_ID = re.compile(r"[UCR][0-9a-f]{32}")


def is_chat_id(value: str, prefix: str) -> bool:
    """A user (U…), group (C…) or room (R…) ID as LINE writes them: the letter and 32 hex digits."""
    return value.startswith(prefix) and CHAT_ID.fullmatch(value) is not None


def validate_reply(body: Any) -> list[Problem]:
    """Problems in a ``POST /v2/bot/message/reply`` body."""
    token = body.get("replyToken") if isinstance(body, dict) else None
    if isinstance(token, str):
        # Only the token's type is checked here (its value is the state's business), and
        # a bot sends the same answer many times over: checking a body costs a millisecond
        # of CPU, taken from the bot under test on the same machine, so results are kept.
        return list(_reply_problems(json.dumps({**body, "replyToken": ""}, ensure_ascii=False)))
    return _schema(ReplyMessageRequest, body) or _messages(body)


@functools.lru_cache(maxsize=4096)
def _reply_problems(body_json: str) -> tuple[Problem, ...]:
    body = json.loads(body_json)
    return tuple(_schema(ReplyMessageRequest, body) or _messages(body))


def validate_push(body: Any) -> list[Problem]:
    """Problems in a ``POST /v2/bot/message/push`` body."""
    problems = _schema(PushMessageRequest, body)
    if problems:
        return problems
    if not body["to"].startswith(PUSH_TARGET_PREFIXES):
        problems.append(("to", "Must be a user, group or room ID"))
    return problems + _messages(body)


def validate_multicast(body: Any) -> list[Problem]:
    """Problems in a ``POST /v2/bot/message/multicast`` body."""
    problems = _schema(MulticastRequest, body)
    if problems:
        return problems
    walker = _Walker()
    walker.count(body["to"], MULTICAST_RECIPIENTS, "to")
    for i, target in enumerate(body["to"]):
        if not target.startswith(MULTICAST_TARGET_PREFIX):
            walker.add(f"to[{i}]", "Must be a user ID")
    return walker.problems + _messages(body)


def validate_loading_animation(body: Any) -> list[Problem]:
    """Problems in a ``POST /v2/bot/chat/loading/start`` body."""
    problems = _schema(ShowLoadingAnimationRequest, body)
    if problems:
        return problems
    if not USER_ID.fullmatch(body["chatId"]):
        problems.append(("chatId", "Must be a user ID"))
    seconds = body.get("loadingSeconds")
    if seconds is not None and seconds not in LOADING_SECONDS:
        problems.append(("loadingSeconds", "Must be a multiple of 5 between 5 and 60"))
    return problems


def validate_rich_menu(body: Any) -> list[Problem]:
    """Problems in a ``POST /v2/bot/richmenu`` body."""
    problems = _schema(RichMenuRequest, body)
    if problems:
        return problems
    walker = _Walker()
    walker.rich_menu(body)
    return walker.problems


def _schema(model: Any, body: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return [("", "The request body must be a JSON object")]
    try:
        model.from_dict(body)
    except Exception as exc:  # the SDK raises ValidationError, ValueError or TypeError
        return [("", str(exc))]
    return []


def _messages(body: dict[str, Any]) -> list[Problem]:
    walker = _Walker()
    messages = body["messages"]
    walker.count(messages, MESSAGES_PER_REQUEST, "messages")
    for i, message in enumerate(messages):
        walker.message(message, f"messages[{i}]")
    return walker.problems


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Walker:
    """Walks one request body, collecting every problem rather than the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def count(self, items: Sequence[Any], bounds: tuple[int, int], path: str) -> None:
        low, high = bounds
        if not low <= len(items) <= high:
            self.add(path, f"Size must be between {low} and {high}")

    def text_fields(self, obj: dict[str, Any], kind: str, path: str) -> None:
        for key, rule in TEXT_RULES.get(kind, {}).items():
            value = obj.get(key)
            if value is None or value == "":
                if rule.required:
                    self.add(_join(path, key), "May not be empty")
            elif rule.count(value) > rule.max_len:
                self.add(_join(path, key), f"Length must be between 0 and {rule.max_len}")

    def https_url(self, obj: dict[str, Any], key: str, path: str, *, required: bool) -> None:
        url = obj.get(key)
        if url is None:
            if required:
                self.add(_join(path, key), "May not be empty")
            return
        if utf16_len(url) > MEDIA_URL_MAX:
            self.add(_join(path, key), f"Length must be between 0 and {MEDIA_URL_MAX}")
        if urlsplit(url).scheme != "https":
            self.add(_join(path, key), "Must be an https URL")

    # Messages ----------------------------------------------------------------

    def message(self, message: dict[str, Any], path: str) -> None:
        kind = message.get("type")
        if kind == "text":
            self.text_fields(message, "text_message", path)
        elif kind in ("image", "video"):
            self.https_url(message, "originalContentUrl", path, required=True)
            self.https_url(message, "previewImageUrl", path, required=True)
        elif kind == "audio":
            self.https_url(message, "originalContentUrl", path, required=True)
        elif kind == "template":
            self.text_fields(message, "template_message", path)
            self.template(message["template"], f"{path}.template")
        elif kind == "flex":
            self.text_fields(message, "flex_message", path)
            self.flex_container(message["contents"], f"{path}.contents")
        if message.get("quickReply"):
            self.quick_reply(message["quickReply"], f"{path}.quickReply")

    def quick_reply(self, quick_reply: dict[str, Any], path: str) -> None:
        items = quick_reply.get("items") or []
        self.count(items, QUICK_REPLY_ITEMS, f"{path}.items")
        for i, item in enumerate(items):
            item_path = f"{path}.items[{i}]"
            self.https_url(item, "imageUrl", item_path, required=False)
            if item.get("action"):
                self.action(item["action"], f"{item_path}.action", label_required=True)
            else:
                self.add(f"{item_path}.action", "May not be empty")

    def action(
        self,
        action: dict[str, Any],
        path: str,
        *,
        label_required: bool = False,
        label_max: int = LABEL_MAX,
    ) -> None:
        label = action.get("label")
        if not label:
            if label_required:
                self.add(f"{path}.label", "May not be empty")
        elif grapheme_len(label) > label_max:
            self.add(f"{path}.label", f"Length must be between 0 and {label_max}")
        kind = action.get("type")
        self.text_fields(action, f"{kind}_action", path)
        if kind == "postback" and action.get("text") and action.get("displayText"):
            self.add(f"{path}.text", "text and displayText cannot both be set")
        uri = action.get("uri")
        if kind == "uri" and uri and urlsplit(uri).scheme.lower() not in URI_SCHEMES:
            self.add(f"{path}.uri", "Scheme must be http, https, line or tel")

    # Templates ---------------------------------------------------------------

    def template(self, template: dict[str, Any], path: str) -> None:
        kind = template.get("type")
        if kind == "buttons":
            self.text_fields(template, "buttons_template", path)
            self.short_text_with_image_or_title(template, path)
            self.https_url(template, "thumbnailImageUrl", path, required=False)
            self.template_actions(template, BUTTONS_ACTIONS, path)
        elif kind == "confirm":
            self.text_fields(template, "confirm_template", path)
            self.template_actions(template, CONFIRM_ACTIONS, path)
        elif kind == "carousel":
            columns = template.get("columns") or []
            self.count(columns, CAROUSEL_COLUMNS, f"{path}.columns")
            for i, column in enumerate(columns):
                column_path = f"{path}.columns[{i}]"
                self.text_fields(column, "carousel_column", column_path)
                self.short_text_with_image_or_title(column, column_path)
                self.https_url(column, "thumbnailImageUrl", column_path, required=False)
                self.template_actions(column, CAROUSEL_COLUMN_ACTIONS, column_path)
            if len({len(column.get("actions") or []) for column in columns}) > 1:
                self.add(f"{path}.columns", "Every column must have the same number of actions")
        elif kind == "image_carousel":
            columns = template.get("columns") or []
            self.count(columns, CAROUSEL_COLUMNS, f"{path}.columns")
            for i, column in enumerate(columns):
                column_path = f"{path}.columns[{i}]"
                self.https_url(column, "imageUrl", column_path, required=True)
                self.action(column["action"], f"{column_path}.action", label_max=LABEL_MAX_IMAGE_CAROUSEL)

    def template_actions(self, obj: dict[str, Any], bounds: tuple[int, int], path: str) -> None:
        actions = obj.get("actions") or []
        self.count(actions, bounds, f"{path}.actions")
        for i, action in enumerate(actions):
            self.action(action, f"{path}.actions[{i}]", label_required=True)
        if obj.get("defaultAction"):
            self.action(obj["defaultAction"], f"{path}.defaultAction")

    def short_text_with_image_or_title(self, obj: dict[str, Any], path: str) -> None:
        text = obj.get("text") or ""
        has_image_or_title = obj.get("thumbnailImageUrl") or obj.get("title")
        if has_image_or_title and grapheme_len(text) > TEMPLATE_SHORT_TEXT:
            self.add(
                _join(path, "text"),
                f"Length must be between 0 and {TEMPLATE_SHORT_TEXT} with a thumbnail or title",
            )

    # Flex --------------------------------------------------------------------

    def flex_container(self, container: dict[str, Any], path: str) -> None:
        if container.get("type") != "carousel":
            self.flex_bubble(container, path)
            return
        bubbles = container.get("contents") or []
        self.count(bubbles, FLEX_CAROUSEL_BUBBLES, f"{path}.contents")
        if json_size(container) > FLEX_CAROUSEL_MAX_BYTES:
            self.add(path, f"A carousel must be at most {FLEX_CAROUSEL_MAX_BYTES} bytes of JSON")
        for i, bubble in enumerate(bubbles):
            self.flex_bubble(bubble, f"{path}.contents[{i}]")

    def flex_bubble(self, bubble: dict[str, Any], path: str) -> None:
        if json_size(bubble) > FLEX_BUBBLE_MAX_BYTES:
            self.add(path, f"A bubble must be at most {FLEX_BUBBLE_MAX_BYTES} bytes of JSON")
        for block in ("header", "hero", "body", "footer"):
            if bubble.get(block):
                self.flex_component(bubble[block], f"{path}.{block}")
        if bubble.get("action"):
            self.action(bubble["action"], f"{path}.action", label_max=LABEL_MAX_FLEX)

    def flex_component(self, component: dict[str, Any], path: str) -> None:
        kind = component.get("type")
        if component.get("action"):
            # Only a button shows its label; on boxes, images and texts it is optional.
            self.action(
                component["action"],
                f"{path}.action",
                label_required=kind == "button",
                label_max=LABEL_MAX_FLEX,
            )
        if kind == "box":
            for i, child in enumerate(component.get("contents") or []):
                self.flex_component(child, f"{path}.contents[{i}]")
        elif kind == "video" and component.get("altContent"):
            self.flex_component(component["altContent"], f"{path}.altContent")
        elif kind in ("image", "icon"):
            self.https_url(component, "url", path, required=True)

    # Rich menus --------------------------------------------------------------

    def rich_menu(self, menu: dict[str, Any]) -> None:
        size = menu.get("size") or {}
        width, height = size.get("width"), size.get("height")
        if width is None or height is None:
            self.add("size", "width and height must be specified")
        else:
            low, high = RICH_MENU_WIDTH
            if not low <= width <= high:
                self.add("size.width", f"Must be between {low} and {high}")
            if height < RICH_MENU_MIN_HEIGHT:
                self.add("size.height", f"Must be at least {RICH_MENU_MIN_HEIGHT}")
            elif width / height < RICH_MENU_MIN_ASPECT:
                self.add("size", f"width / height must be at least {RICH_MENU_MIN_ASPECT}")
        if not isinstance(menu.get("selected"), bool):
            self.add("selected", "May not be empty")
        self.text_fields(menu, "rich_menu", "")
        areas = menu.get("areas") or []
        self.count(areas, RICH_MENU_AREAS, "areas")
        for i, area in enumerate(areas):
            self.rich_menu_area(area, f"areas[{i}]", width, height)

    def rich_menu_area(self, area: dict[str, Any], path: str, width: int | None, height: int | None) -> None:
        bounds = area.get("bounds") or {}
        x, y, w, h = (bounds.get(key) for key in ("x", "y", "width", "height"))
        if None in (x, y, w, h):
            self.add(f"{path}.bounds", "x, y, width and height must be specified")
        elif width is not None and height is not None and (x + w > width or y + h > height):
            self.add(f"{path}.bounds", "Must lie inside the rich menu")
        if area.get("action"):
            self.action(area["action"], f"{path}.action")
        else:
            self.add(f"{path}.action", "May not be empty")
