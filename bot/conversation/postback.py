"""Postback data carried by buttons.

A button carries everything its tap needs: `v1|flow|step|session|arg`. The session is
the conversation's session when the button was made, so a tap on an old button can be
recognised and answered politely instead of acting on whatever is current now.
Menu entry buttons (`v1|menu|flow`) start a flow and are always valid.
"""
from __future__ import annotations

from dataclasses import dataclass

VERSION = "v1"
SEPARATOR = "|"


@dataclass(frozen=True)
class Postback:
    flow: str
    step: str = ""
    session: str = ""
    arg: str = ""

    @property
    def is_menu(self) -> bool:
        return self.step == "" and self.session == ""


def _clean(part: str) -> str:
    # The separator must not appear inside a part, or decoding would shift the fields.
    return part.replace(SEPARATOR, "/")


def menu(flow: str) -> str:
    return SEPARATOR.join((VERSION, "menu", _clean(flow)))


def button(flow: str, step: str, session: str, arg: str = "") -> str:
    return SEPARATOR.join((VERSION, _clean(flow), _clean(step), _clean(session), _clean(arg)))


def decode(data: str) -> Postback | None:
    """None for data the bot did not make (old formats, other tools, tampering)."""
    parts = data.split(SEPARATOR)
    if not parts or parts[0] != VERSION:
        return None
    if len(parts) == 3 and parts[1] == "menu" and parts[2]:
        return Postback(flow=parts[2])
    if len(parts) == 5 and parts[1] and parts[2] and parts[3]:
        return Postback(flow=parts[1], step=parts[2], session=parts[3], arg=parts[4])
    return None
