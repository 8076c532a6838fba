"""Which chat may act on a division's work: a person's chat or a group registered for that
division, or an admin chat (division '*'). In a registered group any member may act, and
the bot says in the group who did."""
from __future__ import annotations

import sqlite_utils

from db import staff


def registration_for(db: sqlite_utils.Database, chat_key: str, division_id: str) -> staff.Recipient | None:
    """The chat's registration that lets it act on `division_id`'s work; None: it may not."""
    found = staff.of_chat(db, chat_key)
    for recipient in found:
        if recipient.division_id == division_id:
            return recipient
    for recipient in found:
        if recipient.division_id == staff.ALL_DIVISIONS:
            return recipient
    return None


def is_staff_chat(db: sqlite_utils.Database, chat_key: str) -> bool:
    return bool(staff.of_chat(db, chat_key))
