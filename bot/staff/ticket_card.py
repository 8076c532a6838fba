"""A ticket as staff see it on LINE: a Flex card with what it is, where it stands, its
deadlines, and the buttons that act on it (bot/staff/ticket_actions.py).

Each button carries the ticket's id and the status it was shown in: a tap on an old card is
checked against the ticket as it is now, never against whatever is "current".
"""
from __future__ import annotations

from datetime import date

from bot.common.thaidate import thai_date_short
from bot.conversation import messages as m
from bot.conversation import postback
from bot.feedback import common as c
from bot.feedback import ticket_texts as ft
from bot.feedback.announce import Office
from bot.staff import texts as t
from db.tickets import Ticket

ACCEPT, PROGRESS, ASK, FORWARD, CLOSE, REJECT = "tk-accept", "tk-progress", "tk-ask", "tk-forward", "tk-close", "tk-reject"
ACTIONS = (ACCEPT, PROGRESS, ASK, FORWARD, CLOSE, REJECT)
LABELS = {ACCEPT: t.ACCEPT, PROGRESS: t.PROGRESS, ASK: t.ASK, FORWARD: t.FORWARD, CLOSE: t.CLOSE, REJECT: t.REJECT}

# Which buttons a ticket shows in each status, first the one most likely next.
BUTTONS_BY_STATUS = {
    "received": (ACCEPT, ASK, FORWARD, REJECT),
    "reopened": (ACCEPT, CLOSE, ASK, FORWARD, REJECT),
    "accepted": (PROGRESS, CLOSE, ASK, FORWARD, REJECT),
    "in_progress": (CLOSE, ASK, FORWARD, REJECT),
}


def category_text(ticket: Ticket) -> str:
    category = ft.TICKET_CATEGORIES.get(ticket.category, ("", ticket.category))[1]
    if ticket.topic and ticket.topic in ft.VILLAGE_TOPICS:
        category += f" ({ft.VILLAGE_TOPICS[ticket.topic][1]})"
    return category


def _due(value: str | None) -> str:
    return thai_date_short(date.fromisoformat(value)) if value else ""


def card(office: Office, ticket: Ticket, *, title: str = "", photos: int = 0, note: str = "") -> dict:
    """The ticket's card; `title` says why it is sent (new, reopened, handed over …)."""
    status = ft.TICKET_STATUS.get(ticket.status, ticket.status)
    rows = [
        ("ประเภท", category_text(ticket)),
        ("รายละเอียด", c.excerpt(ticket.description or "(ลบข้อมูลส่วนบุคคลแล้ว)", 200)),
        ("สถานที่", ticket.location_title or ticket.location_address or ("มีพิกัดในระบบ" if ticket.has_location else "")),
        ("รูปจากผู้แจ้ง", f"{photos} รูป" if photos else ""),
        ("สถานะ", f"{status} • {office.division_name(ticket.division_id)}"),
        ("ผู้รับเรื่อง", ticket.assignee_name or ("ยังไม่มีผู้รับเรื่อง" if ticket.is_open else "")),
        ("กำหนด", t.due_line(_due(ticket.ack_due_on) if ticket.acknowledged_at is None else "", _due(ticket.resolve_due_on)) if ticket.is_open else ""),
        ("หมายเหตุ", note),
    ]
    buttons = [
        m.postback_action(LABELS[action], postback.action(action, ticket.id, ticket.status), f"{LABELS[action]} {ticket.number}")
        for action in BUTTONS_BY_STATUS.get(ticket.status, ())
    ]
    buttons.append(m.uri_action(t.OPEN_IN_CONSOLE, office.console_link("tickets", ticket.id)))
    heading = f"{title} {ticket.number}".strip() if title else f"{t.TICKET_NOW} {ticket.number}"
    alt = f"{heading}: {category_text(ticket)} — {c.excerpt(ticket.description or '', 80)} ({status})"
    return m.card(heading, rows, buttons, alt_text=alt)
