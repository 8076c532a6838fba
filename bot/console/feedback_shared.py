"""What the console's feedback pages share (tickets, questions for staff, ratings, integrity):
the database of this request, the SAO as bot/feedback needs it, delivering the LINE
messages a change queued, service names and paging."""
from __future__ import annotations

import logging
import math

from flask import current_app, flash, request

from bot.console import divisions
from bot.feedback.announce import Office
from db import outbox
from bot.handbook.store import content_of

log = logging.getLogger(__name__)

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def db():
    return current_app.extensions["db_pool"].get()


def office() -> Office:
    """The same Office the bot's effects and `python -m bot ticket …` use."""
    settings = current_app.config["SETTINGS"]
    return Office(content_of(current_app).profile, tuple(divisions()), settings.public_url)


def deliver(outbox_ids: list[int]) -> dict[str, int]:
    """First delivery of the pushes a change queued, after its commit, through the one
    sender. A push LINE does not take now stays queued: the worker's sweeper retries it."""
    database = db()
    sender = current_app.extensions["inbox_worker"].sender
    states = {"sent": 0, "waiting": 0, "failed": 0}
    for outbox_id in outbox_ids:
        try:
            sender.deliver(database, outbox_id)
        except Exception:  # the change is saved; the sweeper will try again
            log.exception("console: first delivery of outbox %s failed", outbox_id)
        row = outbox.get(database, outbox_id)
        status = row["status"] if row else "failed"
        states["sent" if status == "sent" else "failed" if status in ("failed", "expired") else "waiting"] += 1
    return states


def flash_delivery(states: dict[str, int], who: str = "ประชาชน") -> None:
    if not any(states.values()):
        return
    if states["failed"]:
        flash(f"ส่งข้อความแจ้ง{who}ทาง LINE ไม่สำเร็จ {states['failed']} ข้อความ (ดูสาเหตุได้ที่ภาพรวม)", "error")
    elif states["waiting"]:
        flash(f"ข้อความแจ้ง{who}รอส่งทาง LINE ระบบจะส่งให้อัตโนมัติ", "info")
    else:
        flash(f"ส่งข้อความแจ้ง{who}ทาง LINE แล้ว", "ok")


def service_titles() -> dict[str, str]:
    """Handbook procedure id → its short name (the services citizens rate and complain about)."""
    store = current_app.extensions.get("handbook_store")
    if store is None:
        return {}
    return {p.id: p.short_title for p in store.current().handbook.procedures}


def page_of(total: int, size: int = PAGE_SIZE) -> tuple[int, int]:
    """(this page, number of pages) from ?page=, kept in range."""
    pages = max(1, math.ceil(total / size))
    try:
        page = int(request.args.get("page") or 1)
    except ValueError:
        page = 1
    return min(max(1, page), pages), pages


def kept_args(*drop: str) -> dict[str, str]:
    """The filters in the address, for links to other pages and downloads of the same list."""
    return {k: v for k, v in request.args.items() if v and k not in ("page", *drop)}


def one_line(text: str | None, limit: int = 2000) -> str:
    return " ".join((text or "").split())[:limit]
