"""The labelled messages the intent model learns from and is measured on.

`bench/understanding/messages.tsv`, one message a line, tab-separated:

    message  intent  procedure  section  detail  also  tags  split

(see bench/understanding/README.md for what each column means and how messages are labelled).
`split` is train, dev or test, assigned once by a fixed seed when the set was written
(`assign_splits`) and kept in the file, so editing or adding messages never moves others.
"""
from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.understanding.intents import INTENTS

SPLITS = ("train", "dev", "test")
SPLIT_SHARES = (0.6, 0.2, 0.2)
SPLIT_SEED = 20261206


@dataclass(frozen=True)
class Labelled:
    text: str
    intent: str
    procedure: str | None
    section: str | None
    detail: str | None  # a problem's kind, or the agency of an out-of-scope message
    also: str | None  # a second request in the message: "intent" or "intent:procedure"
    tags: frozenset[str]
    split: str

    @property
    def also_intent(self) -> str | None:
        return self.also.partition(":")[0] if self.also else None

    @property
    def also_procedure(self) -> str | None:
        return self.also.partition(":")[2] or None if self.also else None


def _none(value: str) -> str | None:
    return None if value in ("-", "") else value


def parse_line(line: str, where: str = "") -> Labelled:
    cols = line.rstrip("\n").split("\t")
    if len(cols) not in (7, 8):
        raise ValueError(f"{where}: {len(cols)} columns, want 7 or 8")
    text, intent, procedure, section, detail, also, tags = cols[:7]
    split = cols[7] if len(cols) == 8 else ""
    if intent not in INTENTS:
        raise ValueError(f"{where}: unknown intent {intent!r}")
    if split and split not in SPLITS:
        raise ValueError(f"{where}: unknown split {split!r}")
    return Labelled(
        text, intent, _none(procedure), _none(section), _none(detail), _none(also),
        frozenset(t for t in tags.split(",") if t not in ("-", "")), split,
    )


def load(path: Path) -> list[Labelled]:
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            out.append(parse_line(line, f"{path}:{n}"))
    return out


def assign_splits(messages: list[Labelled], seed: int = SPLIT_SEED) -> list[Labelled]:
    """Give every message without a split one, by intent (stratified), with a fixed seed."""
    from dataclasses import replace

    by_intent: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(messages):
        if not m.split:
            by_intent[m.intent].append(i)
    out = list(messages)
    for intent in sorted(by_intent):
        indices = sorted(by_intent[intent], key=lambda i: hashlib.sha1(messages[i].text.encode()).hexdigest())
        random.Random(f"{seed}:{intent}").shuffle(indices)
        n = len(indices)
        train_end = round(n * SPLIT_SHARES[0])
        dev_end = train_end + round(n * SPLIT_SHARES[1])
        for rank, i in enumerate(indices):
            split = "train" if rank < train_end else "dev" if rank < dev_end else "test"
            out[i] = replace(messages[i], split=split)
    return out
