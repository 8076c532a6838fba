"""Changes to auditor accounts: written to the audit log and told to the audit unit on LINE.

Auditors are the only people who may read corruption reports, and admins manage accounts
(finding F2: separation of duties). So every change to an auditor account, from the console
or the command line, is recorded as an "auditor." action, which the auditors' own log page
shows (bot/console/pages/auditor.py; the admins' audit log shows it too), and is pushed to the
audit unit's registered LINE chats, once per change: an admin cannot make or use an auditor
account without the auditors hearing of it.
"""
from __future__ import annotations

import logging
from typing import Any

import sqlite_utils

from bot.console.audit import Actor, register_action
from bot.feedback import announce
from bot.feedback.corruption import AUDIT_DIVISION
from db import staff

log = logging.getLogger(__name__)

PURPOSE = "auditor-account"  # the outbox rows' purpose: the console delivers them after the change

ACTIONS = {
    "auditor.request": "ขอเปลี่ยนแปลงบัญชีผู้ตรวจสอบ (รอผู้ตรวจสอบยืนยัน)",
    "auditor.reject": "ปฏิเสธคำขอเกี่ยวกับบัญชีผู้ตรวจสอบ",
    "auditor.create": "สร้างบัญชีผู้ตรวจสอบ",
    "auditor.role_grant": "ให้บทบาทผู้ตรวจสอบ",
    "auditor.role_remove": "ยกเลิกบทบาทผู้ตรวจสอบ",
    "auditor.enable": "เปิดการใช้งานบัญชีผู้ตรวจสอบ",
    "auditor.disable": "ปิดการใช้งานบัญชีผู้ตรวจสอบ",
    "auditor.password_reset": "ตั้งรหัสผ่านใหม่ให้บัญชีผู้ตรวจสอบ",
    "auditor.rename": "แก้ไขชื่อที่แสดงของผู้ตรวจสอบ",
    "auditor.password_change": "ผู้ตรวจสอบเปลี่ยนรหัสผ่านของตนเองในบัญชี",
    # Who hears of corruption reports on LINE: the audit unit's registered chats.
    "auditor.unit_code": "ออกรหัสลงทะเบียนแชต LINE ของหน่วยตรวจสอบภายใน",
    "auditor.unit_chat_removed": "ยกเลิกการลงทะเบียนแชต LINE ของหน่วยตรวจสอบภายใน",
}
UNIT_ACTIONS = ("auditor.unit_code", "auditor.unit_chat_removed")
for _action, _label in ACTIONS.items():
    register_action(_action, _label)

# What each kind of request asks for, as the middle of a Thai sentence.
REQUEST_KINDS = {
    "create": "สร้างบัญชีผู้ตรวจสอบ",
    "role": "ให้บทบาทผู้ตรวจสอบแก่บัญชี",
    "enable": "เปิดการใช้งานบัญชีผู้ตรวจสอบ",
    "reset": "ตั้งรหัสผ่านชั่วคราวใหม่ให้บัญชีผู้ตรวจสอบ",
}
COMMAND_LINE_NAME = "คำสั่งบนเครื่องแม่ข่าย (command line)"


def who(actor: Actor) -> str:
    return COMMAND_LINE_NAME if actor.id is None else actor.name


def message(actor: Actor, action: str, details: dict[str, Any]) -> str:
    """The LINE message to the audit unit: short, polite, and no password in it."""
    account = f"“{details.get('username', '')}”"
    if action in UNIT_ACTIONS:  # about the unit's chats, not an account (and never the code itself)
        what = f"{ACTIONS[action]} ({details.get('chat') or details.get('expires', '')}) โดย {who(actor)}"
        ask = "หากหน่วยตรวจสอบไม่ทราบเรื่องนี้ กรุณาตรวจสอบที่เมนู “บันทึกของหน่วยตรวจสอบ” ในระบบหลังบ้าน"
        return f"🔐 แจ้งหน่วยตรวจสอบภายในเพื่อทราบ\n{what}\n{ask}"
    if action == "auditor.request":
        what = f"{who(actor)} ขอ{REQUEST_KINDS[details['kind']]} {account}"
        ask = "คำขอนี้จะมีผลเมื่อผู้ตรวจสอบยืนยันเท่านั้น กรุณาพิจารณายืนยันหรือปฏิเสธที่เมนู “บัญชีผู้ตรวจสอบ” ในระบบหลังบ้าน"
    elif action == "auditor.reject":
        what = f"{who(actor)} ปฏิเสธคำขอ{REQUEST_KINDS[details['kind']]} {account} แล้ว"
        ask = "ดูรายละเอียดได้ที่เมนู “บัญชีผู้ตรวจสอบ” ในระบบหลังบ้าน"
    else:
        what = f"{ACTIONS[action]} {account} โดย {who(actor)}"
        if details.get("requested_by"):
            what += f" ตามคำขอของ {details['requested_by']}"
        ask = "หากหน่วยตรวจสอบไม่ทราบเรื่องนี้ กรุณาตรวจสอบที่เมนู “บันทึกของหน่วยตรวจสอบ” ในระบบหลังบ้าน"
    return f"🔐 แจ้งหน่วยตรวจสอบภายในเพื่อทราบ\n{what}\n{ask}"


def record(db: sqlite_utils.Database, actor: Actor, action: str, target: str | None, **details: Any) -> list[int]:
    """Write the audit entry and queue the LINE push, inside the change's transaction.
    Returns the queued outbox ids."""
    if action not in ACTIONS:
        raise ValueError(f"not an auditor-account action: {action}")
    entry_id = actor.record(db, action, target, **details)
    # The audit unit only: the admins are whom this check is about, so they are no fallback.
    recipients = staff.for_division(db, AUDIT_DIVISION)
    if not recipients:
        log.warning("%s: the audit unit has no registered LINE chat to tell", action)
        return []
    return announce.to_recipients(
        db, recipients, [announce.text(message(actor, action, details))],
        dedupe_key=f"auditor-account:{entry_id}", purpose=PURPOSE,
    )
