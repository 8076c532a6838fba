"""Writing the audit log from the console, and the Thai names of its actions.

Every change a person makes goes through `record(db, action, target, **details)` (or an
Actor's .record) inside the transaction of the change. Feature pages name their own actions
with `register_action("ticket.status", "เปลี่ยนสถานะเรื่องร้องเรียน")` so the log page can
show them in Thai.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils
from flask import g

from db import audit_log

ACTION_LABELS: dict[str, str] = {
    "login.success": "เข้าสู่ระบบ",
    "login.failure": "เข้าสู่ระบบไม่สำเร็จ",
    "login.locked": "ระงับการเข้าสู่ระบบชั่วคราว (ผิดหลายครั้ง)",
    "logout": "ออกจากระบบ",
    "user.create": "สร้างบัญชีผู้ใช้",
    "user.role": "เปลี่ยนบทบาท/กอง",
    "user.rename": "แก้ไขชื่อที่แสดง",
    "user.disable": "ปิดการใช้งานบัญชี",
    "user.enable": "เปิดการใช้งานบัญชี",
    "user.password_reset": "ตั้งรหัสผ่านชั่วคราวให้ผู้ใช้",
    "user.password_change": "เปลี่ยนรหัสผ่านของตนเอง",
    "audit.export": "ส่งออกบันทึกการใช้งาน",
}


def register_action(action: str, label: str) -> None:
    """Give a feature's audit action its Thai name (once, at import)."""
    if ACTION_LABELS.get(action, label) != label:
        raise ValueError(f"audit action {action!r} already named {ACTION_LABELS[action]!r}")
    ACTION_LABELS[action] = label


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a signed-in person, or the command line (id None)."""

    id: int | None
    name: str
    ip: str | None = None

    def record(self, db: sqlite_utils.Database, action: str, target: str | None = None, **details: Any) -> int:
        return audit_log.record(db, actor=self.name, actor_id=self.id, action=action, target=target, details=details, ip=self.ip)


COMMAND_LINE = Actor(None, "command-line")


def current_actor() -> Actor:
    """The signed-in person making this request, with the browser's address."""
    from bot.console.client import client_ip

    user = g.get("admin_user")
    if user is None:
        raise RuntimeError("no one is signed in")
    return Actor(user.id, user.username, client_ip())


def record(db: sqlite_utils.Database, action: str, target: str | None = None, **details: Any) -> int:
    """Write an audit entry for the signed-in person; call inside the change's transaction."""
    return current_actor().record(db, action, target, **details)
