"""What the bot does with each kind of webhook event.

`plan_event` reads the event (and the chat's conversation state) and returns a Plan:
replies to queue, the new state, and effects. It does not send anything and does not
write; the worker applies the plan in one transaction and then hands the queued
replies to the sender.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.conversation import texts
from bot.conversation.engine import Context, Effect, Engine, Input, State, Turn
from bot.line.events import KNOWN_EVENT_TYPES, Event
from bot.content.divisions import Division
from bot.content.profile import SaoProfile

log = logging.getLogger(__name__)
BANGKOK = ZoneInfo("Asia/Bangkok")

# Event types that need nothing from the bot, each for a reason.
IGNORED = {
    "memberJoined": "a member joined a group: the bot speaks in groups only when addressed",
    "memberLeft": "a member left a group",
    "beacon": "the SAO has no LINE Beacon",
    "accountLink": "the SAO does not link LINE accounts to another service",
    "videoPlayComplete": "the bot sends no tracked videos",
    "things": "no LINE Things devices",
    "membership": "no LINE membership plans",
    "module": "no channel modules",
    "activated": "module channel event",
    "deactivated": "module channel event",
    "botSuspended": "module channel event",
    "botResumed": "module channel event",
    "delivery": "no LINE notification messages (PNP)",
    "messageEdited": "the answer to the original message was already given",
}


@dataclass
class Plan:
    """What handling one event amounts to."""

    messages: list[dict] = field(default_factory=list)
    must_arrive: bool = False
    state: State | None = None  # save this state
    clear_state: bool = False  # forget the conversation (unfollow, leave, erasure)
    chat_status: str | None = None  # following | unfollowed | joined | left
    effects: tuple[Effect, ...] = ()
    erase_message_id: str | None = None
    outcome: str = "done"  # done | skipped
    note: str = ""


def _mentions_bot(event: Event) -> tuple[bool, str]:
    """In a group: was the bot tagged? Return the text without the tag."""
    message = event.message
    text = message.get("text") or ""
    mentionees = ((message.get("mention") or {}).get("mentionees")) or []
    for mention in mentionees:
        if isinstance(mention, dict) and mention.get("isSelf") is True:
            # LINE gives mention positions in UTF-16 code units.
            units = text.encode("utf-16-le")
            start = int(mention.get("index", 0)) * 2
            end = start + int(mention.get("length", 0)) * 2
            return True, (units[:start] + units[end:]).decode("utf-16-le", "ignore").strip()
    return False, text


def _addressed_by_name(text: str, profile: SaoProfile) -> tuple[bool, str]:
    names = [n for n in (profile.bot_name, "บอท", "bot") if n]
    stripped = text.strip().lstrip("@").strip()
    for name in names:
        if stripped.lower().startswith(name.lower()):
            return True, stripped[len(name):].strip(" ,:")
    return False, text


def to_input(event: Event, text_override: str | None = None, quoted_purpose: str = "") -> Input | None:
    if event.type == "follow":
        return Input(kind="follow")
    if event.type == "postback":
        pb = event.raw.get("postback") or {}
        params = pb.get("params") if isinstance(pb.get("params"), dict) else {}
        return Input(kind="postback", data=str(pb.get("data") or ""), params={k: str(v) for k, v in params.items()})
    if event.type != "message":
        return None
    message = event.message
    kind = message.get("type")
    if kind == "text":
        return Input(
            kind="text",
            text=text_override if text_override is not None else str(message.get("text") or ""),
            quoted_message_id=str(message.get("quotedMessageId") or ""),
            quoted_purpose=quoted_purpose,
        )
    if kind == "sticker":
        return Input(kind="sticker")
    if kind in ("image", "video", "audio", "file"):
        return Input(kind="media", media_type=kind, message_id=str(message.get("id") or ""))
    if kind == "location":
        keep = ("title", "address", "latitude", "longitude")
        return Input(kind="location", location={k: message.get(k) for k in keep if k in message})
    return None  # a message type LINE adds later: answered by the caller


class EventPlanner:
    def __init__(
        self,
        engine: Engine,
        profile: SaoProfile,
        divisions: tuple[Division, ...] = (),
        *,
        handbook_store=None,  # bot.handbook.HandbookStore: the services citizens rate and ask about
        public_base_url: str = "",
    ):
        self.engine = engine
        self.menu_buttons = tuple(engine.menu_buttons())  # for steps' and effects' replies
        self._profile = profile
        self._divisions = tuple(divisions)
        self.handbook_store = handbook_store  # bot.handbook.HandbookStore, or None
        self.public_base_url = public_base_url

    # The profile and divisions of the newest content version, as the handbook: one snapshot,
    # one reload rule (bot/handbook/store.py); the ones given at start without a store.
    def content(self):
        """The newest valid content version (reloaded when an admin edits the files), or None."""
        return self.handbook_store.current() if self.handbook_store is not None else None

    def profile_in(self, loaded) -> SaoProfile:
        return loaded.profile if loaded is not None and loaded.profile is not None else self._profile

    def divisions_in(self, loaded) -> tuple[Division, ...]:
        return loaded.divisions if loaded is not None and loaded.divisions else self._divisions

    @property
    def profile(self) -> SaoProfile:
        return self.profile_in(self.content())

    @property
    def divisions(self) -> tuple[Division, ...]:
        return self.divisions_in(self.content())

    def warm_up(self) -> None:
        """Load what reading free text needs (the models, the sentence encoder: seconds) before
        the first event, so that no citizen waits for it and no event outlives its lease."""
        loaded = self.content()
        if loaded is None or loaded.index is None:
            return
        from bot.understanding import reader_for

        reader_for(loaded.index).understand("สวัสดีค่ะ")

    def context(self, chat_kind: str, now: datetime | None = None) -> Context:
        loaded = self.content()  # one version for the whole turn
        return Context(
            profile=self.profile_in(loaded),
            now=now or datetime.now(BANGKOK),
            new_session=secrets.token_hex(4),
            chat_kind=chat_kind,
            handbook=loaded.handbook if loaded else None,
            search=loaded.index if loaded else None,
            public_base_url=self.public_base_url,
            divisions=self.divisions_in(loaded),
            menu_buttons=self.menu_buttons,
            services=(loaded.parts.get("services") or {}) if loaded else {},
        )

    def plan(self, event: Event, state: State | None, now: datetime | None = None, quoted: str | None = None) -> Plan:
        """`quoted`: what a quote-reply quotes, when it is one of the bot's pushes (its outbox
        purpose, read by the worker from db/sent_messages.py)."""
        if event.mode == "standby":
            return Plan(outcome="skipped", note="standby mode: another module is answering")
        kind = event.type
        source = event.source
        if kind not in KNOWN_EVENT_TYPES:
            log.warning("unknown event type %r skipped (event %s)", kind, event.webhook_event_id)
            return Plan(outcome="skipped", note=f"unknown event type {kind!r}")
        if kind in IGNORED:
            return Plan(note=IGNORED[kind])
        if kind == "unsend":
            return Plan(erase_message_id=event.message_id, note="message unsent: its stored content is erased")
        if kind == "unfollow":
            return Plan(chat_status="unfollowed", clear_state=True)
        if kind == "leave":
            return Plan(chat_status="left", clear_state=True)
        if kind == "join":
            return Plan(messages=[{"type": "text", "text": texts.group_welcome(self.profile)}], chat_status="joined")

        ctx = self.context(source.kind, now)
        text_override = None
        if source.kind not in ("user", "group", "room"):
            return Plan(outcome="skipped", note="event without a known source")
        if source.kind != "user" and kind != "postback" and self.engine.waits_for_member(state, ctx):
            # This member was asked for something (a staff member's after-photo or note):
            # what they send next is the answer, tagged or not.
            if kind == "message" and event.message.get("type") == "text":
                untagged = _mentions_bot(event)[1]
                untagged = _addressed_by_name(untagged, self.profile)[1]  # "น้องคอนฉิม …" said anyway
                text_override = untagged or event.message.get("text") or ""
        elif source.kind != "user" and kind != "postback":
            # A button tap is always meant for the bot; other group talk only when addressed.
            if kind != "message" or event.message.get("type") != "text":
                return Plan(note="group message not addressed to the bot")
            addressed, rest = _mentions_bot(event)
            if not addressed:
                addressed, rest = _addressed_by_name(rest, self.profile)
            # Quoting the bot's push that a QuoteReply claims (a forwarded question) addresses
            # it; any other quote-reply is ordinary group talk, left alone.
            quoting = self.engine.match_quote(to_input(event, rest, quoted or ""))
            if not addressed and not quoting and not self.engine.match_command(rest, in_group=True):
                return Plan(note="group message not addressed to the bot")
            text_override = rest or "เมนู"

        event_input = to_input(event, text_override, quoted or "")
        if event_input is None:
            log.info("message type %r answered with the menu", event.message.get("type"))
            return Plan(messages=self.engine.main_menu(ctx), state=state or State())
        turn: Turn = self.engine.handle(ctx, state, event_input)
        plan = Plan(messages=list(turn.messages), must_arrive=turn.must_arrive, state=turn.state, effects=turn.effects)
        if kind == "follow":
            plan.chat_status = "following"
            greeting = [
                {"type": "text", "text": texts.greeting(self.profile)},
                {"type": "text", "text": texts.privacy_short(self.profile, self.public_base_url)},
            ]
            plan.messages = greeting + plan.messages
        return plan


def apology_messages() -> list[dict]:
    return [{"type": "text", "text": texts.APOLOGY}]

