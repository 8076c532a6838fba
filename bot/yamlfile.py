"""Reading the YAML content files an admin edits, fast and with line numbers.

Each loader needs the data and the node tree (for "file:line: field …" messages). Both come
from libyaml's C parser when PyYAML has it (10–20x faster than the pure-Python one: the
handbook's 25 files load in a fraction of the time), else from the pure-Python parser.
"""
from __future__ import annotations

from typing import Any

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> tuple[Any, yaml.Node | None]:
    """(data, node tree) of one YAML document; raises yaml.YAMLError with its position."""
    return yaml.load(text, Loader=Loader), yaml.compose(text, Loader=Loader)


def compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=Loader)


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)
