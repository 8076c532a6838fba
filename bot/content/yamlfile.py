"""Reading the YAML content files an admin edits, fast and with line numbers.

Each loader needs the data and the node tree (for "file:line: field …" messages). Both come
from libyaml's C parser when PyYAML has it (10–20x faster than the pure-Python one: the
handbook's 25 files load in a fraction of the time), else from the pure-Python parser.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(ValueError):
    """A content file an admin edited is not valid; the message names file, field and line."""


def parse(text: str) -> tuple[Any, yaml.Node | None]:
    """(data, node tree) of one YAML document; raises yaml.YAMLError with its position."""
    return yaml.load(text, Loader=Loader), yaml.compose(text, Loader=Loader)


def compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=Loader)


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)


def duplicate_key(node: yaml.Node | None) -> tuple[str, int] | None:
    """The first key written twice in one mapping, and its line (1-based): YAML keeps the
    last one silently, so an admin's second `where:` would replace the first unseen."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        return key.value, key.start_mark.line + 1
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return None


def syntax_error(path: Path, exc: yaml.YAMLError) -> ContentError:
    """A YAML mistake read like the other content errors: file:line: what the parser expected."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark else str(path)
    return ContentError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}")


def read(path: Path) -> tuple[Any, yaml.Node | None]:
    """(data, node tree) of a content file; ContentError naming the file if it is missing,
    not valid YAML, or has a key written twice in one place."""
    try:
        data, node = parse(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise syntax_error(path, exc) from None
    twice = duplicate_key(node)
    if twice:
        raise ContentError(f"{path}:{twice[1]}: '{twice[0]}' is written twice; keep one (ช่อง '{twice[0]}' ซ้ำกัน)")
    return data, node
