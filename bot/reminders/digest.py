"""The daily digest one chat receives: what is due, as LINE messages (no timing logic here).

One push carries at most 5 messages: a text listing every item (it is also what the
notification shows), then Flex carousels of at most 12 bubbles, one bubble per deadline
with its own buttons. Items beyond what 4 carousels hold stay listed in the text.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.conversation import postback
from bot.line import limits
from bot.line.limits import MAX_BUBBLES, MAX_MESSAGES, MAX_TEXT, utf16_len
from bot.reminders import texts

ACK_ACTION = "reminder-ack"
DETAIL_ACTION = "reminder-detail"
HELD_ACTION = "activity-held"
MAX_CAROUSELS = MAX_MESSAGES - 1
GREEN, RED, ORANGE, GREY = "#1B5E20", "#C62828", "#E65100", "#666666"


@dataclass(frozen=True)
class DigestItem:
    deadline_id: int
    kind: str  # report | activity | activity-report
    measure_number: int | None
    measure_title: str
    label: str
    report: str
    division: str  # the division's name
    due: date
    working_days_left: int  # negative once past due
    escalation: bool


def _buttons(item: DigestItem) -> list[dict]:
    if item.kind == "activity":
        main = {
            "type": "postback",
            "label": texts.HELD_BUTTON,
            "data": postback.action(HELD_ACTION, item.deadline_id),
            "displayText": texts.HELD_BUTTON,
        }
    else:
        main = {
            "type": "postback",
            "label": texts.ACK_BUTTON,
            "data": postback.action(ACK_ACTION, item.deadline_id),
            "displayText": texts.ACK_BUTTON,
        }
    detail = {
        "type": "postback",
        "label": texts.DETAIL_BUTTON,
        "data": postback.action(DETAIL_ACTION, item.deadline_id),
        "displayText": texts.DETAIL_BUTTON,
    }
    return [main, detail]


def _row(label: str, value: str, color: str | None = None, bold: bool = False) -> dict:
    value_text: dict = {"type": "text", "text": value or "-", "size": "sm", "wrap": True, "flex": 5}
    if color:
        value_text["color"] = color
    if bold:
        value_text["weight"] = "bold"
    return {
        "type": "box",
        "layout": "baseline",
        "spacing": "sm",
        "margin": "sm",
        "contents": [{"type": "text", "text": label, "size": "xs", "color": GREY, "flex": 2, "wrap": True}, value_text],
    }


def bubble(item: DigestItem) -> dict:
    how_far = texts.when_due(item.due, item.working_days_left)
    color = RED if item.working_days_left < 0 else ORANGE if item.working_days_left <= 1 else GREEN
    header = f"มาตรการที่ {item.measure_number}" if item.measure_number else texts.PLAN_TITLE
    what = "กิจกรรม" if item.kind == "activity" else "ต้องรายงาน"
    body = [
        {"type": "text", "text": header, "size": "xs", "color": GREY},
        {"type": "text", "text": item.measure_title, "weight": "bold", "size": "sm", "wrap": True, "maxLines": 3},
        {"type": "separator", "margin": "md"},
        {"type": "text", "text": item.label, "weight": "bold", "size": "md", "wrap": True, "margin": "md", "color": color},
        _row("ส่วนราชการ", item.division),
        _row("ครบกำหนด", texts.bubble_due(item.due), bold=True),
        _row("สถานะ", ("⚠️ " if item.escalation else "") + how_far, color=color),
        _row(what, item.report),
    ]
    return {
        "type": "bubble",
        "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "contents": body},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {"type": "button", "style": "primary" if i == 0 else "secondary", "height": "sm", "action": a,
                 **({"color": GREEN} if i == 0 else {})}
                for i, a in enumerate(_buttons(item))
            ],
        },
    }


def order(items: list[DigestItem]) -> list[DigestItem]:
    """Escalations first, then the most overdue, then by due date."""
    return sorted(items, key=lambda i: (not i.escalation, i.working_days_left, i.due, i.division, i.deadline_id))


def build(items: list[DigestItem], recipient_division: str = "") -> list[dict]:
    """The messages of one digest push (1 to 5), within LINE's limits."""
    if not items:
        raise ValueError("a digest needs at least one item")
    items = order(items)
    escalations = sum(1 for i in items if i.escalation)
    overdue = sum(1 for i in items if i.working_days_left < 0)
    lines = [texts.digest_intro(len(items), escalations, overdue, recipient_division), ""]
    footer = texts.ACTIVITY_OUTRO if all(i.kind == "activity" for i in items) else texts.DIGEST_OUTRO
    budget = MAX_TEXT - utf16_len("\n".join(lines)) - utf16_len(footer) - 200
    for n, item in enumerate(items, 1):
        line = texts.digest_line(
            n, item.measure_number, item.label, item.division, item.due, texts.when_due(item.due, item.working_days_left)
        )
        if utf16_len(line) + 1 > budget:
            lines.append(texts.digest_more(len(items) - n + 1))
            break
        lines.append(line)
        budget -= utf16_len(line) + 1
    lines += ["", footer]
    messages: list[dict] = [{"type": "text", "text": "\n".join(lines)}]
    with_buttons = items[: MAX_CAROUSELS * MAX_BUBBLES]
    for start in range(0, len(with_buttons), MAX_BUBBLES):
        chunk = with_buttons[start : start + MAX_BUBBLES]
        bubbles = [bubble(item) for item in chunk]
        contents = bubbles[0] if len(bubbles) == 1 else {"type": "carousel", "contents": bubbles}
        alt = texts.alt_text(len(chunk), chunk[0].label)[: limits.MAX_ALT_TEXT]
        messages.append({"type": "flex", "altText": alt, "contents": contents})
    limits.check(messages)
    return messages
