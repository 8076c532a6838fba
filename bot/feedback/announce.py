"""Telling people through the outbox: staff of a division about new work, citizens about
their tickets and answers.

Every message is queued with db.outbox.enqueue in the caller's transaction, with a
deterministic dedupe key, and delivered after the commit by the one sender (the worker for
effects, the command line or the clock for their own changes). Each push counts against
the channel's monthly quota like any other: a division's LINE group costs one message per
announcement, however many staff are in it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlite_utils

from bot.content.divisions import Division, division_name
from bot.feedback import texts as t
from bot.content.profile import SaoProfile
from db import outbox, staff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Office:
    """The SAO as the feedback code needs it: its profile, divisions and console address."""

    profile: SaoProfile
    divisions: tuple[Division, ...]
    base_url: str

    @classmethod
    def of(cls, req) -> "Office":
        """From an effect request (bot.pipeline.effects.EffectRequest)."""
        return cls(req.profile, tuple(req.divisions), req.public_base_url)

    def division_name(self, division_id: str) -> str:
        return division_name(self.divisions, division_id)

    @property
    def general_division(self) -> str:
        """Work that belongs to no division in particular: the first one listed (สำนักปลัด)."""
        return self.divisions[0].id if self.divisions else "palad"

    def has_division(self, division_id: str | None) -> bool:
        return any(d.id == division_id for d in self.divisions)

    def console_link(self, kind: str, record_id: int | str) -> str:
        return f"{self.base_url}/admin/{kind}/{record_id}"


def push(
    db: sqlite_utils.Database, *, chat_key: str, line_id: str, messages: list[dict], dedupe_key: str, purpose: str
) -> int | None:
    return outbox.enqueue(
        db, dedupe_key=dedupe_key, chat_key=chat_key, kind="push", to_ids=[line_id], messages=messages, purpose=purpose
    )


def text(body: str) -> dict:
    return {"type": "text", "text": body[:5000]}


def to_division(
    db: sqlite_utils.Database,
    office: Office,
    division_id: str,
    build,
    *,
    dedupe_key: str,
    purpose: str,
    fallback_to_admins: bool = True,
) -> list[int]:
    """Queue `build(note)` to every chat registered for the division; to the SAO's admins
    when the division has none (note then says why). Returns the queued outbox ids."""
    recipients = staff.for_division(db, division_id)
    note = ""
    if not recipients and fallback_to_admins:
        recipients = staff.admins(db)
        note = t.NO_RECIPIENTS_NOTE.format(division=office.division_name(division_id))
    if not recipients:
        log.warning("nobody registered to hear about %s (%s): see it in the console", purpose, division_id)
        return []
    return to_recipients(db, recipients, build(note), dedupe_key=dedupe_key, purpose=purpose)


def to_recipients(db: sqlite_utils.Database, recipients, messages: list[dict], *, dedupe_key: str, purpose: str) -> list[int]:
    """Queue the same messages to each recipient, once each (the dedupe key gets their chat
    key). Returns the newly queued outbox ids."""
    ids = []
    for recipient in recipients:
        queued = push(
            db,
            chat_key=recipient.chat_key,
            line_id=recipient.line_id,
            messages=messages,
            dedupe_key=f"{dedupe_key}:{recipient.chat_key}",
            purpose=purpose,
        )
        if queued:
            ids.append(queued)
    return ids


def deliver(db: sqlite_utils.Database, sender, outbox_ids: list[int]) -> None:
    """First delivery attempt of rows queued outside the worker (command line, clock);
    what fails is retried by the web process's sweeper."""
    for outbox_id in outbox_ids:
        sender.deliver(db, outbox_id)
