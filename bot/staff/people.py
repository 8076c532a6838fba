"""Staff by name: what a ticket's history, the audit log and a group's chat say about who
acted — "สมใจ ใจดี (นักวิชาการ)", never a LINE id."""
from __future__ import annotations

import sqlite_utils

from db import staff

UNNAMED = "เจ้าหน้าที่ (ยังไม่ได้บันทึกชื่อ)"


def name_of(db: sqlite_utils.Database, line_user_id: str | None) -> str:
    """The staff member's name (and position), or a polite stand-in until they give it."""
    found = staff.person(db, line_user_id)
    if found is None or not found.name:  # no name yet, or their LINE name still being fetched
        return UNNAMED
    return f"{found.name} ({found.position})" if found.position else found.name


def chat_label(db: sqlite_utils.Database, chat_key: str) -> str:
    """A registered chat as people see it: the group's chosen name, or the person's name."""
    kind, _, line_id = chat_key.partition(":")
    if kind == "user":
        return name_of(db, line_id)
    return staff.group_name(db, chat_key) or "กลุ่ม LINE (ยังไม่ได้ตั้งชื่อ)"
