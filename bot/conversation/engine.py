"""The conversation engine: explicit flows declared in one table (see flows.py).

A step is a pure function (context, state, input) → Turn; its context carries the main menu's
buttons (Context.menu_buttons, from the flow table), so a step never imports the table back.
The engine adds what every flow shares, in this order (ConversationHandler-style fallbacks):
  1. idle timeout: a flow left alone longer than its timeout is back at the main menu;
  2. cancel words (ยกเลิก …) leave any flow;
  3. a tap on a button from an earlier session gets a polite note, never an action;
     a record-action button (postback.action) becomes its effect, which checks the record;
  4. typed commands with an argument (Command), a quote-reply to one of the bot's pushes
     (QuoteReply), menu buttons and entry words start their flow from anywhere;
  5. otherwise the current step of the current flow handles the input;
  6. a step that could not use the input says so (Turn.unusable): at a step that wants a
     button, text that is clearly about something else is answered aside, and the person
     chooses to go back to the flow or leave it (`on_unusable`, bot/conversation/router.py);
     after two unusable inputs in a row the way out is offered instead of the same prompt.
     Buttons whose argument starts with "~" (ASIDE) are these choices: `on_aside` acts on them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any, Callable, Mapping

from bot.conversation import postback
from bot.conversation.text import clean_typed, normalize_command
from bot.content.profile import SaoProfile

MAIN = "main"
IDLE = "idle"
ASIDE = "~"  # a button argument the engine hands to `on_aside`: back to the flow, leave it …
MISSES = "_misses"  # in a flow's data: unusable inputs in a row at the current step


@dataclass(frozen=True)
class State:
    flow: str = MAIN
    step: str = IDLE
    session: str = "-"
    data: Mapping[str, Any] = field(default_factory=dict)
    updated_at: float | None = None  # epoch seconds of the last saved change

    @property
    def at_main(self) -> bool:
        return self.flow == MAIN


@dataclass(frozen=True)
class Input:
    """What the person did: typed text, tapped a button, sent a sticker, photo, place…"""

    kind: str  # text | postback | follow | sticker | media | location
    text: str = ""
    data: str = ""  # postback data
    params: Mapping[str, str] = field(default_factory=dict)  # datetime picker values
    media_type: str = ""  # image | video | audio | file
    location: Mapping[str, Any] = field(default_factory=dict)
    message_id: str = ""  # LINE's id of an image/video/file message: its content is fetched by this id
    quoted_message_id: str = ""  # a text that quotes one of the bot's messages (LINE's quote-reply)
    # What the quoted message was for, when it is one of the bot's pushes (its outbox purpose,
    # e.g. "question:12:announce"; db/sent_messages.py), looked up by the worker before planning.
    quoted_purpose: str = ""

    @cached_property  # asked for several times a turn, by the engine and the flows
    def command(self) -> str:
        return normalize_command(self.text) if self.kind == "text" else ""

    @property
    def button(self) -> postback.Postback | None:
        return postback.decode(self.data) if self.kind == "postback" else None


@dataclass(frozen=True)
class Context:
    profile: SaoProfile
    now: datetime  # Asia/Bangkok
    new_session: str  # a fresh id, used if this turn starts a flow
    chat_kind: str = "user"  # user | group | room
    # The citizen handbook (bot.handbook.Handbook) of the current content version: its
    # procedures are the SAO's services. None where no handbook is loaded.
    handbook: Any = None
    # Its search index (bot.handbook.search.HandbookSearch); None: free text then gets the
    # plain "cannot answer yet".
    search: Any = None
    # Where the app is reachable (PUBLIC_BASE_URL): links to /handbook/<id>, /privacy.
    public_base_url: str = ""
    # The SAO's divisions (bot.content.divisions.Division), e.g. to say who will handle a report.
    divisions: tuple = ()
    # The main menu as quick-reply buttons (Engine.menu_buttons), filled in by the engine: a
    # step puts them on a reply that leaves the person at the main menu, and never asks the
    # flow table back for them (effects get the same: EffectRequest.menu_buttons).
    menu_buttons: tuple[dict, ...] = ()
    # The services citizens can request online (bot.eservice.catalog.Service by id), of the same
    # content version; empty where none are offered.
    services: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reader(self):
        """What reads free text (bot.understanding.Reader) over this handbook's search; None
        without a handbook. One per search index, built on first use."""
        if self.search is None:
            return None
        from bot.understanding import reader_for

        return reader_for(self.search)


@dataclass(frozen=True)
class Effect:
    """A side effect the worker carries out in the same transaction as the new state."""

    name: str  # e.g. "erase_chat_data"
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    state: State
    messages: list[dict] = field(default_factory=list)
    must_arrive: bool = False  # push if the reply token is refused
    effects: tuple[Effect, ...] = ()
    # The step could not use this input and asks again: the engine may answer it aside
    # or, at the second time in a row, offer the way out instead (see Engine._unusable).
    unusable: bool = False


def action_effect(action: str) -> str:
    """The effect that carries out a record-action button (see bot/pipeline/effects.py `action`)."""
    return f"action:{action}"


StepFn = Callable[[Context, State, Input], Turn]
StartFn = Callable[[Context, State], Turn]


@dataclass(frozen=True)
class Step:
    handle: StepFn
    goes_to: tuple[str, ...] = ()  # the steps (or "main") it can lead to, for the diagram
    note: str = ""
    # It asks for free text (a description, a comment): whatever is typed is its answer,
    # never read as another request.
    takes_text: bool = False
    # In a group, the member this step waits for is heard without tagging the bot: a staff
    # member asked for an after-photo or a note sends it as they would to a person.
    hears_member_in_group: bool = False


@dataclass(frozen=True)
class Flow:
    name: str
    title: str  # Thai, as people see it
    start: StartFn
    steps: Mapping[str, Step] = field(default_factory=dict)
    entry_words: tuple[str, ...] = ()  # typed commands that start it (normalised)
    starts_at: tuple[str, ...] = ()  # the steps `start` can lead to, for the diagram
    timeout_minutes: int | None = None  # None: the engine's default
    # Say "timed out" when the person comes back? Off for flows with nothing half-done
    # (browsing the handbook): the next message is simply handled from the main menu.
    timeout_note: bool = True
    # Its button on the rich menu and in the main menu's quick replies.
    menu_label: str = ""
    menu_caption: str = ""
    icon: str = ""
    # The rich menu holds at most 6 cells: a flow with a menu label may stay in the
    # main menu's quick replies only.
    on_rich_menu: bool = True
    # The current step's question again (after an aside answer, "ทำต่อ"); None: the flow
    # has no step that waits for a button.
    prompt: Callable[[Context, State], list[dict]] | None = None


@dataclass(frozen=True)
class Command:
    """A typed command with an argument, e.g. "ลงทะเบียน K7P2QX", answered from anywhere.

    `pattern` is matched (fullmatch) against the typed text after light clean-up (NFC,
    zero-width characters removed, Thai digits as 0-9, outer spaces stripped); its first
    group is the argument. A text that does not fit the pattern is not the command, so
    a citizen's question that merely starts with the same word is left to the handbook.
    """

    name: str
    pattern: "re.Pattern[str]"
    run: Callable[[Context, State, str], Turn]  # (context, state, argument)
    in_groups: bool = False  # heard in groups even when nobody addressed the bot
    usage: str = ""  # for the diagram and help, e.g. "ลงทะเบียน <รหัส>"


@dataclass(frozen=True)
class QuoteReply:
    """What a text quoting one of the bot's pushes means (LINE's quote-reply), by the push's
    purpose: a staff member quoting a forwarded question answers it. Heard in groups without
    tagging the bot (quoting its message addresses it); a quote of anything else is not."""

    name: str
    purpose: "re.Pattern[str]"  # fullmatch on the quoted push's purpose; group 1 is the record id
    run: Callable[[Context, State, str, str], Turn]  # (context, state, record id, the typed text)
    usage: str = ""  # for the diagram


class Engine:
    def __init__(
        self,
        flows: list[Flow],
        *,
        commands: list[Command] = (),
        quote_replies: list[QuoteReply] = (),
        main_menu: Callable[[Context], list[dict]],
        on_timeout: Callable[[Context], list[dict]],
        on_cancel: Callable[[Context], list[dict]],
        on_stale_button: Callable[[Context, State], list[dict]],
        on_free_input: StepFn,
        cancel_words: tuple[str, ...],
        timeout_minutes: int = 30,
        has_action: Callable[[str], bool] = lambda name: False,
        on_unusable: Callable[[Context, State, Input, Flow], Turn | None] | None = None,
        on_aside: Callable[[Context, State, "postback.Postback", Flow], Turn] | None = None,
        way_out: Callable[[Context, State, Flow], list[dict]] | None = None,
    ):
        self.flows = {f.name: f for f in flows}
        if len(self.flows) != len(flows):
            raise ValueError("two flows share a name")
        self.main_menu = main_menu
        self.on_timeout = on_timeout
        self.on_cancel = on_cancel
        self.on_stale_button = on_stale_button
        self.on_free_input = on_free_input
        self.cancel_words = frozenset(normalize_command(w) for w in cancel_words)
        self.timeout_minutes = timeout_minutes
        self.has_action = has_action
        self.on_unusable = on_unusable
        self.on_aside = on_aside
        self.way_out = way_out
        self.commands = tuple(commands)
        self.quote_replies = tuple(quote_replies)
        self._menu_buttons = tuple(self.menu_buttons())  # into every turn's context
        self._entry_words = {}
        for flow in flows:
            for word in flow.entry_words:
                key = normalize_command(word)
                if key in self._entry_words:
                    raise ValueError(f"entry word {word!r} belongs to two flows")
                self._entry_words[key] = flow.name

    def menu_buttons(self) -> list[dict]:
        """The main menu as quick-reply buttons: one per flow with a menu label, in order.
        Steps get them in their context (Context.menu_buttons), effects in their request
        (EffectRequest.menu_buttons), so neither asks the flow table back for its menu."""
        from bot.conversation import messages as m

        return [m.postback_action(f.menu_label, postback.menu(f.name)) for f in self.flows.values() if f.menu_label]

    def match_command(self, text: str, in_group: bool = False) -> tuple[Command, str] | None:
        typed = clean_typed(text)
        for command in self.commands:
            if in_group and not command.in_groups:
                continue
            found = command.pattern.fullmatch(typed)
            if found:
                return command, (found.group(1) if found.groups() else "")
        return None

    def match_quote(self, event: Input) -> tuple[QuoteReply, str] | None:
        """The quote-reply this text is (it quotes a push whose purpose one claims), or None."""
        if event.kind != "text" or not event.quoted_purpose:
            return None
        for reply in self.quote_replies:
            found = reply.purpose.fullmatch(event.quoted_purpose)
            if found:
                return reply, (found.group(1) if found.groups() else "")
        return None

    def start(self, flow_name: str, ctx: Context) -> Turn:
        flow = self.flows[flow_name]
        return flow.start(ctx, State(flow=flow.name, session=ctx.new_session))

    def waits_for_member(self, state: State | None, ctx: Context) -> bool:
        """Is this (group member's) state at a step that hears them untagged, and still live?"""
        if state is None or state.at_main or self._timed_out(state, ctx):
            return False
        flow = self.flows.get(state.flow)
        step = flow.steps.get(state.step) if flow else None
        return bool(step and step.hears_member_in_group)

    def _timed_out(self, state: State, ctx: Context) -> bool:
        if state.at_main or state.updated_at is None:
            return False
        flow = self.flows.get(state.flow)
        minutes = (flow.timeout_minutes if flow and flow.timeout_minutes else self.timeout_minutes)
        return ctx.now.timestamp() - state.updated_at > minutes * 60

    def handle(self, ctx: Context, state: State | None, event: Input) -> Turn:
        state = state or State()
        if not ctx.menu_buttons:
            ctx = replace(ctx, menu_buttons=self._menu_buttons)
        prefix: list[dict] = []
        if state.flow != MAIN and state.flow not in self.flows:
            state = State()  # a flow removed in an upgrade: start over rather than crash
        if self._timed_out(state, ctx):
            flow = self.flows.get(state.flow)
            prefix = self.on_timeout(ctx) if flow is None or flow.timeout_note else []
            state = State()
        turn = self._route(ctx, state, event)
        if prefix:
            turn = replace(turn, messages=(prefix + turn.messages)[:5])
        return turn

    def _route(self, ctx: Context, state: State, event: Input) -> Turn:
        if event.kind == "follow":
            return Turn(State(), self.main_menu(ctx))
        if event.command in self.cancel_words:
            return Turn(State(), self.on_cancel(ctx))
        button = event.button
        if button is not None:
            if button.is_action:
                # Acts on a stored record, not on the conversation: the state stays as it is.
                if not self.has_action(button.action):
                    return Turn(state, self.on_stale_button(ctx, state))
                args = {"record_id": button.record_id, "arg": button.arg}
                return Turn(state, [], effects=(Effect(action_effect(button.action), args),))
            if button.is_menu:
                if button.flow == MAIN:
                    return Turn(State(), self.main_menu(ctx))
                if button.flow in self.flows:
                    return self.start(button.flow, ctx)
                return Turn(state, self.on_stale_button(ctx, state))
            flow = self.flows.get(state.flow)
            if flow is None or button.flow != state.flow or button.session != state.session or button.step not in flow.steps:
                return Turn(state, self.on_stale_button(ctx, state))
            if button.arg.startswith(ASIDE) and self.on_aside is not None:
                return self.on_aside(ctx, state, button, flow)
        elif event.kind == "postback":
            return Turn(state, self.on_stale_button(ctx, state))  # data we never made
        if event.kind == "text":
            matched = self.match_command(event.text)
            if matched:
                command, argument = matched
                return command.run(ctx, state, argument)
            quoted = self.match_quote(event)
            if quoted:
                reply, record_id = quoted
                return reply.run(ctx, state, record_id, event.text)
        if event.command in self._entry_words:
            return self.start(self._entry_words[event.command], ctx)
        if state.at_main:
            return self.on_free_input(ctx, state, event)
        flow = self.flows[state.flow]
        step = flow.steps.get(state.step)
        if step is None:
            return Turn(State(), self.main_menu(ctx))
        turn = step.handle(ctx, state, event)
        if turn.unusable:
            return self._unusable(ctx, state, event, turn, flow, step)
        if MISSES in turn.state.data:  # the input was used: the count starts again
            turn = replace(turn, state=replace(turn.state, data={k: v for k, v in turn.state.data.items() if k != MISSES}))
        return turn

    def _unusable(self, ctx: Context, state: State, event: Input, turn: Turn, flow: Flow, step: Step) -> Turn:
        """The step could not use the input. Text at a step that wants a button may be a
        request of its own, answered aside by `on_unusable` (None: it is not); otherwise the
        step asks again, and from the second miss in a row the way out is offered instead of
        the same prompt."""
        if event.kind == "text" and step.takes_text:
            return turn  # its own note says what was wrong with the text (too short, too long)
        if event.kind == "text" and self.on_unusable is not None:
            aside = self.on_unusable(ctx, state, event, flow)
            if aside is not None:
                return aside
        misses = int(state.data.get(MISSES, 0)) + 1
        kept = replace(turn.state, data={**turn.state.data, MISSES: misses})
        if misses >= 2 and self.way_out is not None:
            return Turn(kept, self.way_out(ctx, kept, flow), effects=turn.effects)
        return replace(turn, state=kept)

    def diagram(self) -> str:
        """A Mermaid state diagram of every flow, generated from the table."""
        lines = ["stateDiagram-v2", "    [*] --> main", "    main --> main: ข้อความอื่น / สติกเกอร์ / รูป"]
        for command in self.commands:
            where = " (ในกลุ่มด้วย)" if command.in_groups else ""
            lines.append(f"    main --> main: {command.usage or command.name}{where}")
        for reply in self.quote_replies:
            lines.append(f"    main --> main: {reply.usage or reply.name} (ในกลุ่มด้วย)")
        for flow in self.flows.values():
            words = ", ".join(flow.entry_words[:3])
            lines.append(f"    main --> {flow.name}: เมนู{' / ' + words if words else ''}")
            if flow.steps:
                lines.append(f"    state {flow.name} {{")
                for target in flow.starts_at:
                    lines.append(f"        [*] --> {flow.name}_{target}")
                for name, step in flow.steps.items():
                    for target in step.goes_to:
                        dest = "[*]" if target == MAIN else f"{flow.name}_{target}"
                        lines.append(f"        {flow.name}_{name} --> {dest}")
                lines.append("    }")
            lines.append(f"    {flow.name} --> main: จบ / ยกเลิก / ไม่ตอบ {flow.timeout_minutes or self.timeout_minutes} นาที")
        return "\n".join(lines) + "\n"
