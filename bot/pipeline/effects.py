"""Side effects that conversation steps ask for, carried out by the inbox worker.

A step stays a pure function: to write something (a rating, a ticket) it returns
`Effect("name", {...})`. The worker runs the registered handler inside the same
transaction that saves the new conversation state and queues the replies, so the
write, the state and the answer commit together or not at all.

A handler may add replies (a ticket number is only known once the row exists) and may
queue pushes to other chats (announcing a ticket to staff) through db.outbox; it returns
the ids of those outbox rows, which the worker delivers after the commit.

Record-action buttons (bot/conversation/postback.py `action`) run the handler registered
with `@action("name")`. The tap may be old or forwarded: the handler must check that the
record exists, that req.user_id / req.chat_key may act on it, and that the action still
applies, and answer with a polite Thai note when it does not.

A handler that must read the database to decide where the conversation goes next (a
staff command from someone who is not staff, a form whose daily limit is used up) sets
`EffectResult.state`; the worker saves that state instead of the step's.

A reply that must not stay in the database (a secret shown once, anything showing who
reported corruption) sets `EffectResult.confidential`: its outbox row is then deleted
a few minutes after delivery (db.outbox.delete_confidential).

Background jobs (`@background`) run in the worker's sweeper every half second, outside any
transaction: work that must talk to LINE after a commit, such as fetching a photo's content.

Erasure (PDPA): every module that keeps personal data registers an eraser with
`@eraser`; "ลบข้อมูลของฉัน" runs them all in one transaction.

The modules that register are listed in bot/wiring.py, which the app factory and the worker
load; tests/test_wiring.py checks the list and that erasure leaves a person in no table.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

import sqlite_utils

from bot.content.divisions import Division, division_name
from bot.content.profile import SaoProfile


@dataclass(frozen=True)
class EffectRequest:
    db: sqlite_utils.Database  # inside the worker's open transaction: do not commit
    args: Mapping[str, Any]
    chat_key: str  # "user:U…", "group:C…"
    chat_kind: str  # user | group | room
    user_id: str | None  # the LINE user who acted (also in groups), if known
    inbox_id: int
    event_key: str  # unique per webhook event: use it to make writes idempotent
    profile: SaoProfile
    now: datetime  # Asia/Bangkok
    divisions: tuple[Division, ...] = ()
    # The content snapshot's other parts (bot/wiring.py CONTENT_PARTS: "plans", "calendar"), of
    # the same version as the profile and divisions above.
    parts: Mapping[str, Any] = field(default_factory=dict)
    public_base_url: str = ""  # for links in messages (the console, the privacy notice)
    menu_buttons: tuple[dict, ...] = ()  # the main menu as quick replies (Engine.menu_buttons)

    def division_name(self, division_id: str) -> str:
        return division_name(self.divisions, division_id)

    def part(self, name: str, default: Any = None) -> Any:
        return self.parts.get(name, default)


@dataclass
class EffectResult:
    replies: list[dict] = field(default_factory=list)  # appended to this turn's reply
    queued_outbox_ids: list[int] = field(default_factory=list)  # delivered after the commit
    state: Any = None  # a bot.conversation.engine.State replacing the step's new state
    confidential: bool = False  # delete this turn's replies from the outbox once delivered


EffectHandler = Callable[[EffectRequest], "EffectResult | None"]
Eraser = Callable[[sqlite_utils.Database, str, "str | None"], None]
BackgroundJob = Callable[[sqlite_utils.Database, Any], None]  # (db, LineSender)

_HANDLERS: dict[str, EffectHandler] = {}
_ERASERS: list[Eraser] = []
_BACKGROUND: list[BackgroundJob] = []


def effect(name: str) -> Callable[[EffectHandler], EffectHandler]:
    """Register the handler of an effect name (one handler per name)."""

    def register(fn: EffectHandler) -> EffectHandler:
        if name in _HANDLERS and _HANDLERS[name] is not fn:
            raise ValueError(f"effect {name!r} registered twice")
        _HANDLERS[name] = fn
        return fn

    return register


def action(name: str) -> Callable[[EffectHandler], EffectHandler]:
    """Register the handler of a record-action button; args are record_id and arg."""
    from bot.conversation.engine import action_effect

    return effect(action_effect(name))


def has_action(name: str) -> bool:
    from bot.conversation.engine import action_effect

    return action_effect(name) in _HANDLERS


def eraser(fn: Eraser) -> Eraser:
    """Register fn(db, chat_key, user_id): delete or anonymise that person's data."""
    if fn not in _ERASERS:
        _ERASERS.append(fn)
    return fn


def background(fn: BackgroundJob) -> BackgroundJob:
    """Register fn(db, sender), run by the worker's sweeper; it opens its own transactions."""
    if fn not in _BACKGROUND:
        _BACKGROUND.append(fn)
    return fn


def background_jobs() -> tuple[BackgroundJob, ...]:
    return tuple(_BACKGROUND)


def run(name: str, request: EffectRequest) -> EffectResult:
    handler = _HANDLERS.get(name)
    if handler is None:
        raise ValueError(f"unknown effect {name!r}")
    return handler(request) or EffectResult()


def erase_person(db: sqlite_utils.Database, chat_key: str, user_id: str | None) -> None:
    for fn in _ERASERS:
        fn(db, chat_key, user_id)


_ERASED_AT = [0.0]  # when this process last erased someone; 0: WAL emptied since


@effect("erase_chat_data")
def _erase_chat_data(req: EffectRequest) -> EffectResult:
    """PDPA erasure the person asked for: everything every module keeps about them."""
    erase_person(req.db, req.chat_key, req.user_id)
    _ERASED_AT[0] = time.time()  # the sweeper empties the WAL once this has committed
    # The reply confirming it is the last thing tied to the person: gone minutes after delivery.
    return EffectResult(confidential=True)


@background
def _empty_the_wal_after_erasure(db: sqlite_utils.Database, sender) -> None:
    """secure_delete clears erased rows from the database file, but the WAL still holds the
    pages as they were: empty it (a second after the erasure, so its transaction has committed)."""
    from db import truncate_wal

    erased_at = _ERASED_AT[0]
    if erased_at and time.time() - erased_at > 1.0 and truncate_wal(db):
        if _ERASED_AT[0] == erased_at:
            _ERASED_AT[0] = 0.0


@eraser
def _erase_spine_data(db: sqlite_utils.Database, chat_key: str, user_id: str | None) -> None:
    from db import chats, conversations, inbox, outbox

    inbox.erase_chat(db, chat_key)
    if user_id:  # and what they wrote in groups: their own chat is not the only place
        inbox.erase_user(db, user_id)
    outbox.erase_chat(db, chat_key)
    conversations.delete(db, chat_key)
    if user_id:
        conversations.erase_user(db, user_id)
    chats.delete(db, chat_key)
