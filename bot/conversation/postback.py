"""Postback data carried by buttons.

A button carries everything its tap needs. Three kinds:
- flow step `v1|flow|step|session|arg`: the session is the conversation's session when the
  button was made, so a tap on an old button is recognised and answered politely instead
  of acting on whatever is current now;
- menu entry `v1|menu|flow`: starts a flow; always valid;
- record action `v1|do|action|record_id|arg`: acts on one stored record (a reminder, a
  ticket) whatever the conversation is doing, e.g. a button in a pushed reminder. Its
  effect handler checks the record, who tapped, and whether the action still applies.
"""
from __future__ import annotations

from dataclasses import dataclass

VERSION = "v1"
SEPARATOR = "|"
ACTION = "do"


@dataclass(frozen=True)
class Postback:
    flow: str
    step: str = ""
    session: str = ""
    arg: str = ""

    action: str = ""  # record action buttons: the action's name …
    record_id: str = ""  # … and the record it acts on

    @property
    def is_menu(self) -> bool:
        return not self.action and self.step == "" and self.session == ""

    @property
    def is_action(self) -> bool:
        return bool(self.action)


def _clean(part: str) -> str:
    # The separator must not appear inside a part, or decoding would shift the fields.
    return part.replace(SEPARATOR, "/")


def menu(flow: str) -> str:
    return SEPARATOR.join((VERSION, "menu", _clean(flow)))


def button(flow: str, step: str, session: str, arg: str = "") -> str:
    return SEPARATOR.join((VERSION, _clean(flow), _clean(step), _clean(session), _clean(arg)))


def action(name: str, record_id: str | int, arg: str = "") -> str:
    return SEPARATOR.join((VERSION, ACTION, _clean(name), _clean(str(record_id)), _clean(arg)))


def decode(data: str) -> Postback | None:
    """None for data the bot did not make (old formats, other tools, tampering)."""
    parts = data.split(SEPARATOR)
    if not parts or parts[0] != VERSION:
        return None
    if len(parts) == 3 and parts[1] == "menu" and parts[2]:
        return Postback(flow=parts[2])
    if len(parts) == 5 and parts[1] == ACTION:
        if parts[2] and parts[3]:
            return Postback(flow=ACTION, action=parts[2], record_id=parts[3], arg=parts[4])
        return None
    if len(parts) == 5 and parts[1] and parts[2] and parts[3]:
        return Postback(flow=parts[1], step=parts[2], session=parts[3], arg=parts[4])
    return None
