"""Replies the flow table (flows.py), the router and the handbook's Q&A share: the main menu,
a text that leaves the person there, and the SAO's contact card.

The main menu's buttons come in the step's context (Context.menu_buttons, one per flow with a
menu label: Engine.menu_buttons), so no step imports the flow table back for them.
"""
from __future__ import annotations

from bot.conversation import messages as m
from bot.conversation import texts
from bot.conversation.engine import Context


def main_menu(ctx: Context) -> list[dict]:
    """The main menu: its prompt, with the flows as quick replies."""
    return [m.text(texts.main_menu_prompt(ctx.profile), ctx.menu_buttons)]


def with_menu(ctx: Context, body: str) -> dict:
    """A text that leaves the person at the main menu: the menu's buttons as quick replies."""
    return m.text(body, ctx.menu_buttons)


def contact_card(ctx: Context) -> dict:
    """The SAO's address, hours, phone and map (the contact menu, and the handbook's answer
    about contacting the office)."""
    p = ctx.profile
    buttons = []
    if p.tel_uri:
        buttons.append(m.uri_action(f"โทร {p.phone}", p.tel_uri))
    buttons.append(m.uri_action("ดูแผนที่", p.map_link))
    if p.website:
        buttons.append(m.uri_action("เว็บไซต์", p.website))
    rows = [
        ("ที่อยู่", p.address),
        ("เวลาทำการ", p.office_hours),
        ("โทรศัพท์", p.phone),
        ("อีเมล", p.email),
        ("LINE", p.line_basic_id),
    ]
    alt = f"ติดต่อ{p.name}: {p.address} {texts.contact_line(p)}"
    return m.card(p.name, rows, buttons, alt_text=alt)
