"""Flows through the real engine, event planner and effects on an in-memory database: no HTTP,
no threads, no LINE API. The inbox worker's own code handles each event (store, claim, plan,
apply effects in one transaction, finish); only the sender is a recorder, so a test reads the
replies and pushes the bot would send. The end-to-end tests (feedback_support.Chat) keep one
path per flow over signed webhooks and the fake LINE API; the details of each flow run here,
in the fast tier.
"""
from __future__ import annotations

import json

from bot import build_worker
from bot.line.events import check_event
from bot.pipeline.webhook import inbox_rows
from db import connect, inbox, outbox
from db.migrations import migrate
from feedback_support import Chat, text_of


class RecordingSender:
    """Stands in for bot.line.sender.LineSender: marks rows sent and keeps what they said."""

    claim_lease_seconds = 30.0

    def __init__(self):
        self.sent: list[tuple[str, list[str], list[dict]]] = []  # (kind, to, messages)

    def send_claimed(self, db, row: outbox.OutboxRow, limits_checked: bool = False) -> None:
        self.sent.append((row.kind, row.to_ids, row.messages))
        outbox.mark_sent(db, row.id, None, row.kind)

    def deliver(self, db, outbox_id: int) -> None:
        row = outbox.claim(db, outbox_id, self.claim_lease_seconds)
        if row is not None:
            self.send_claimed(db, row)


class _OneConnection:
    """The worker's pool, reduced to the one in-memory connection every step shares."""

    def __init__(self, db):
        self.db = db

    def get(self):
        return self.db

    def discard_after(self, exc) -> bool:
        return False


class MemoryBot:
    def __init__(self, settings):
        self.db = connect(":memory:")
        migrate(self.db)
        self.worker = build_worker(settings.with_(start_worker=False))
        self.worker.pool = _OneConnection(self.db)
        self.sender = self.worker.sender = RecordingSender()

    def handle(self, event: dict) -> list[dict]:
        """One event, handled as the worker handles it; returns the reply's messages."""
        before = len(self.sender.sent)
        inbox.store_events(self.db, inbox_rows([check_event(json.loads(json.dumps(event)))]))
        item = inbox.claim_next(self.db, lease_seconds=30)
        assert item is not None, "the event was not stored (a repeat?)"
        self.worker.process(item)
        return [m for kind, _, messages in self.sender.sent[before:] if kind == "reply" for m in messages]

    def pushes_to(self, chat_id: str) -> list[dict]:
        return [m for kind, to, messages in self.sender.sent if kind == "push" and chat_id in to for m in messages]

    def close(self) -> None:
        self.db.close()


class MemoryChat(Chat):
    """One person's chat with the bot: feedback_support.Chat's say, tap, postback and location,
    each event handled in memory instead of over HTTP."""

    def __init__(self, bot: MemoryBot, uid: str | None = None):
        super().__init__(None, None, uid=uid)
        self.bot = bot

    def send(self, event: dict) -> list[dict]:
        self.last = self.bot.handle(event)
        return self.last

    def text(self) -> str:
        return text_of(self.last)

    def pushed(self) -> list[dict]:
        return self.bot.pushes_to(self.uid)
