"""Pieces every feedback flow shares: cleaning what citizens type, the 5-level scale,
buttons of the current step, and choosing a service from the handbook.

All pure: no database, no LINE.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import replace
from typing import Any

from bot.conversation import messages as m
from bot.conversation import postback
from bot.conversation.engine import Context, Input, State, Turn
from bot.conversation.text import normalize_command
from bot.feedback import texts as t
from bot.line.limits import truncate_label

# Control characters except newline and tab; zero-width joiners stay (emoji need them).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """What a citizen typed, kept as data: NFC, no control characters, at most one blank line."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def check_length(text: str, minimum: int, maximum: int) -> str | None:
    """A polite Thai note when the text is too short or too long; None when it fits."""
    if len(text) > maximum:
        return t.too_long(maximum, len(text))
    if len(text) < minimum:
        return t.too_short(minimum)
    return None


def submission_key(chat_key: str, session: str) -> str:
    """Makes a confirmation idempotent (the chat's conversation session) without the
    record keeping who sent it in the clear."""
    return hashlib.sha256(f"{chat_key}|{session}".encode()).hexdigest()[:32]


def typed_line(event: Input) -> str:
    """What a person typed as one clean line ("" for anything but text): a staff member's note,
    reason or question."""
    return " ".join(clean_text(event.text).split()) if event.kind == "text" else ""


def excerpt(text: str | None, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def private_only(ctx: Context) -> Turn | None:
    """Citizen feedback happens in a 1:1 chat: a group's conversation is shared by all its members."""
    if ctx.chat_kind == "user":
        return None
    return Turn(State(), [m.text(t.PRIVATE_ONLY)])


# --- buttons of the current step -------------------------------------------------------------


def step_arg(state: State, event: Input) -> str | None:
    """The argument of a button of *this* step; None for typed input or other buttons.

    The engine lets any button of the current session through; a second tap on a button
    of an earlier step (a double tap) must not answer the current question.
    """
    button = event.button
    if button is None or button.is_action or button.is_menu or button.step != state.step:
        return None
    return button.arg


def is_earlier_button(state: State, event: Input) -> bool:
    button = event.button
    return button is not None and not button.is_menu and not button.is_action and button.step != state.step


def earlier_button(state: State, ask_again: list[dict]) -> Turn:
    return Turn(state, [m.text(t.EARLIER_BUTTON)] + ask_again)


def not_usable(state: State, ask_again: list[dict]) -> Turn:
    """The step could not use the input and asks again. The engine may answer the text
    aside, or after a second miss offer the way out instead (bot/conversation/engine.py)."""
    return Turn(state, ask_again, unusable=True)


def button(state: State, label: str, arg: str, display: str | None = None) -> dict:
    return m.postback_action(label, postback.button(state.flow, state.step, state.session, arg), display)


def cancel_button() -> dict:
    return m.message_action(t.CANCEL_BUTTON)


def with_data(state: State, step: str, **changes: Any) -> State:
    data = dict(state.data)
    data.update(changes)
    return replace(state, step=step, data=data)


# --- the 5-level scale ---------------------------------------------------------------------

_LEVEL_WORDS = {normalize_command(word): level for level, word in t.SCALE.items()}
_LEVEL_WORDS.update({normalize_command(f"พอใจ{word}"): level for level, word in t.SCALE.items()})


def scale_buttons(state: State) -> list[dict]:
    return [
        button(state, f"{t.SCALE_EMOJI[level]} {t.SCALE[level]}", str(level), t.SCALE[level])
        for level in (5, 4, 3, 2, 1)
    ]


def parse_level(state: State, event: Input) -> int | None:
    arg = step_arg(state, event)
    if arg is None and event.kind == "text":
        typed = normalize_command(event.text)
        if typed in _LEVEL_WORDS:
            return _LEVEL_WORDS[typed]
        arg = typed
    if arg and arg.isdigit() and 1 <= int(arg) <= 5:
        return int(arg)
    return None


# --- services: the handbook's procedures ----------------------------------------------------


def categories(ctx: Context) -> list[tuple[str, list]]:
    handbook = ctx.handbook
    return handbook.categories if handbook is not None else []


def find_service(ctx: Context, service_id: str):
    return ctx.handbook.get(service_id) if ctx.handbook is not None else None


def match_service(ctx: Context, typed: str):
    """A procedure whose name or common name the citizen typed (a few words are enough)."""
    if ctx.handbook is None:
        return None
    words = normalize_command(typed)
    if len(words) < 3:
        return None
    best = None
    for procedure in ctx.handbook.procedures:
        names = (procedure.short_title, procedure.title, *procedure.aliases)
        normalized = [normalize_command(n) for n in names]
        if words in normalized:
            return procedure
        if best is None and any(words in n or (len(n) >= 4 and n in words) for n in normalized):
            best = procedure
    return best


def category_buttons(ctx: Context, state: State, extra: list[dict] = ()) -> list[dict]:
    buttons = [button(state, truncate_label(name), f"c{i}", name) for i, (name, _) in enumerate(categories(ctx))]
    return (buttons + list(extra))[:13]


def service_buttons(ctx: Context, state: State, category_index: int) -> list[dict]:
    groups = categories(ctx)
    if not 0 <= category_index < len(groups):
        return []
    _, procedures = groups[category_index]
    buttons = [button(state, p.short_title, f"s:{p.id}", p.short_title) for p in procedures[:12]]
    buttons.append(button(state, t.OTHER_CATEGORIES, "back", t.OTHER_CATEGORIES))
    return buttons


def chosen_category(state: State, event: Input) -> int | None:
    arg = step_arg(state, event)
    if arg and arg.startswith("c") and arg[1:].isdigit():
        return int(arg[1:])
    return None


def chosen_service(ctx: Context, state: State, event: Input):
    """(procedure, went_back): a service button, typed name, or the back button."""
    arg = step_arg(state, event)
    if arg == "back":
        return None, True
    if arg and arg.startswith("s:"):
        return find_service(ctx, arg[2:]), False
    if event.kind == "text":
        return match_service(ctx, event.text), False
    return None, False


def category_division(procedures) -> str | None:
    """The division that handles most of a category's procedures."""
    counts: dict[str, int] = {}
    for p in procedures:
        counts[p.division] = counts.get(p.division, 0) + 1
    return max(counts, key=lambda d: (counts[d], -list(counts).index(d))) if counts else None


# --- changes staff make (tickets, service requests) ----------------------------------------------------


class ChangeRefused(ValueError):
    """A change that is not allowed; str() is Thai (the console, LINE), .english for the command line."""

    def __init__(self, thai: str, english: str):
        super().__init__(thai)
        self.english = english


def required_text(value: str | None, thai: str, english: str, limit: int, error=ChangeRefused) -> str:
    """A note, reason or name staff must give: one line, not empty, at most `limit` characters."""
    value = " ".join((value or "").split())
    if not value:
        raise error(thai, english)
    if len(value) > limit:
        raise error(f"ข้อความยาวเกิน {limit} ตัวอักษร", f"text longer than {limit} characters")
    return value
