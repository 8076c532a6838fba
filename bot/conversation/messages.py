"""Builders for the LINE message objects the conversation sends (plain dicts, LINE's JSON)."""
from __future__ import annotations

from typing import Iterable

from bot.line.limits import MAX_QUICK_REPLY_ITEMS, truncate_label


def postback_action(label: str, data: str, display_text: str | None = None) -> dict:
    action = {"type": "postback", "label": truncate_label(label), "data": data}
    action["displayText"] = display_text if display_text is not None else label
    return action


def message_action(label: str, text: str | None = None) -> dict:
    return {"type": "message", "label": truncate_label(label), "text": text or label}


def uri_action(label: str, uri: str) -> dict:
    return {"type": "uri", "label": truncate_label(label), "uri": uri}


def text(body: str, quick_replies: Iterable[dict] = ()) -> dict:
    message: dict = {"type": "text", "text": body}
    items = [{"type": "action", "action": a} for a in quick_replies][:MAX_QUICK_REPLY_ITEMS]
    if items:
        message["quickReply"] = {"items": items}
    return message


def confirm(body: str, yes: dict, no: dict, alt_text: str | None = None) -> dict:
    return {
        "type": "template",
        "altText": alt_text or body[:400],
        "template": {"type": "confirm", "text": body[:240], "actions": [yes, no]},
    }


def card(title: str, rows: list[tuple[str, str]], buttons: list[dict], alt_text: str) -> dict:
    """A Flex bubble: a title, label/value rows, and buttons at the bottom."""
    body = [{"type": "text", "text": title, "weight": "bold", "size": "lg", "wrap": True, "color": "#1B5E20"}]
    for label, value in rows:
        if not value:
            continue
        body.append(
            {
                "type": "box",
                "layout": "vertical",
                "margin": "md",
                "contents": [
                    {"type": "text", "text": label, "size": "sm", "color": "#666666"},
                    {"type": "text", "text": value, "size": "md", "wrap": True},
                ],
            }
        )
    bubble: dict = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": body}}
    if buttons:
        bubble["footer"] = {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {"type": "button", "style": "primary" if i == 0 else "secondary", "height": "sm", "action": b}
                for i, b in enumerate(buttons)
            ],
        }
    return {"type": "flex", "altText": alt_text[:1500], "contents": bubble}
