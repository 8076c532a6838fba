"""What a citizen reads: a handbook answer as a LINE Flex card."""
from __future__ import annotations

from bot.conversation import texts
from bot.handbook.model import SECTION_BUTTONS, SECTION_TITLES, SECTIONS, Procedure
from bot.line.limits import MAX_ALT_TEXT, truncate_label

MAX_CARD_TEXT = 1800  # a long section is cut with a pointer to the web page


def section_text(procedure: Procedure, section: str) -> str:
    return f"{procedure.title}\n【{SECTION_TITLES[section]}】\n{procedure.section_text(section)}"


def page_url(base_url: str, procedure: Procedure) -> str:
    return f"{base_url.rstrip('/')}/handbook/{procedure.id}" if base_url else ""


def section_card(procedure: Procedure, section: str, section_action, url: str = "") -> dict:
    """A Flex bubble with the asked section, buttons to the other sections and to the web page.

    section_action(section) -> a postback action dict for that section's button (None: no such
    buttons, only the link to the web page).
    """
    body_text = procedure.section_text(section)
    if len(body_text) > MAX_CARD_TEXT:
        body_text = body_text[: MAX_CARD_TEXT - 1] + "…"
    body = [
        {"type": "text", "text": procedure.short_title, "weight": "bold", "size": "lg", "wrap": True, "color": "#1B5E20"},
        {"type": "text", "text": SECTION_TITLES[section], "size": "sm", "color": "#666666", "margin": "sm"},
        {"type": "separator", "margin": "md"},
        {"type": "text", "text": body_text, "size": "md", "wrap": True, "margin": "md"},
        {"type": "text", "text": f"ผู้รับผิดชอบ: {procedure.division_name}", "size": "xs", "color": "#888888",
         "wrap": True, "margin": "lg"},
    ]
    buttons = [
        {"type": "button", "style": "link", "height": "sm", "action": section_action(other)}
        for other in SECTIONS
        if other != section and section_action is not None
    ]
    if url:
        buttons.append({"type": "button", "style": "primary", "height": "sm", "color": "#1B5E20",
                        "action": {"type": "uri", "label": truncate_label(texts.HANDBOOK_FULL_PAGE), "uri": url}})
    bubble = {
        "type": "bubble",
        "size": "mega",
        "body": {"type": "box", "layout": "vertical", "contents": body},
    }
    if buttons:
        bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "none", "contents": buttons}
    alt = f"{procedure.short_title} — {SECTION_TITLES[section]}\n{procedure.section_text(section)}"
    return {"type": "flex", "altText": alt[:MAX_ALT_TEXT], "contents": bubble}


def section_label(section: str) -> str:
    return SECTION_BUTTONS[section]
