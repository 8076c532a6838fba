"""Messages worded alike, grouped: one fix in the console (a new name for a service, a ready
answer) then covers every question of the group.

A message is compared by what it is about: its content words (bot/handbook/search.py
`content_words`: keyed, so spelling slips and tone marks do not matter; no question words or
particles), as character trigrams so that "ยืม"/"ขอยืม" and "กิ่ง"/"กิ่งไม้" still meet. Two
messages are alike when most of the shorter one is in the longer and they share a good part
of the whole; groups join through shared members (single link).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Sequence

from bot.handbook.thai import trigrams

CONTAINED = 0.7  # of the smaller message's trigrams, this share is in the other
SHARED = 0.35  # and of both together, this share is common to both (Jaccard)


def _grams(words: list[str]) -> frozenset[str]:
    return frozenset(g for w in words for g in trigrams(w))


def alike(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    common = len(a & b)
    return common / min(len(a), len(b)) >= CONTAINED and common / len(a | b) >= SHARED


def group(texts: Sequence[str], words_of: Callable[[str], list[str]]) -> list[list[int]]:
    """Indexes of `texts` in groups of alike messages: the groups in order of their first
    member, each group's members in the order given."""
    grams = [_grams(words_of(t)) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    having: dict[str, list[int]] = defaultdict(list)
    for i, gs in enumerate(grams):
        for g in gs:
            having[g].append(i)
    for i, gs in enumerate(grams):
        candidates = {j for g in gs for j in having[g] if j > i}
        for j in candidates:
            if alike(gs, grams[j]):
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])
