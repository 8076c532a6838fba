"""The satisfaction scale and the statistics every satisfaction table uses.

Citizens answer each question on five levels (5 มากที่สุด … 1 น้อยที่สุด). A mean is read
on the usual five-band interpretation scale (class width 0.8 around whole numbers), stated on
every report:

    4.51 – 5.00  มากที่สุด
    3.51 – 4.50  มาก
    2.51 – 3.50  ปานกลาง
    1.51 – 2.50  น้อย
    1.00 – 1.50  น้อยที่สุด

Means are rounded half-up to two decimals first and the level is read from the rounded
value, so the printed mean and its level always agree (4.505 prints 4.51, มากที่สุด).
Percentages of satisfaction are mean ÷ 5 × 100. S.D. is the sample standard deviation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LEVELS = (5, 4, 3, 2, 1)
LEVEL_NAMES = {5: "มากที่สุด", 4: "มาก", 3: "ปานกลาง", 2: "น้อย", 1: "น้อยที่สุด"}
# (lowest mean of the band, name), highest band first
BANDS = ((4.51, "มากที่สุด"), (3.51, "มาก"), (2.51, "ปานกลาง"), (1.51, "น้อย"), (1.00, "น้อยที่สุด"))
BAND_TEXT = (
    ("4.51 – 5.00", "มากที่สุด"),
    ("3.51 – 4.50", "มาก"),
    ("2.51 – 3.50", "ปานกลาง"),
    ("1.51 – 2.50", "น้อย"),
    ("1.00 – 1.50", "น้อยที่สุด"),
)
SCALE_NOTE = (
    "เกณฑ์การแปลผลค่าเฉลี่ย: 4.51–5.00 = พึงพอใจมากที่สุด, 3.51–4.50 = มาก, 2.51–3.50 = ปานกลาง, "
    "1.51–2.50 = น้อย, 1.00–1.50 = น้อยที่สุด (ค่าเฉลี่ยปัดเศษทศนิยม 2 ตำแหน่งก่อนแปลผล; "
    "ร้อยละความพึงพอใจ = ค่าเฉลี่ย ÷ 5 × 100)"
)


def round2(value: float | None) -> float | None:
    """Half-up to two decimals (Python's round() is half-even and works on binary floats)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def level(mean: float | None) -> str:
    """The Thai level of a mean, read from the mean rounded to two decimals."""
    if mean is None:
        return ""
    rounded = round2(mean)
    for lowest, name in BANDS:
        if rounded >= lowest:
            return name
    return BANDS[-1][1]


def percent(mean: float | None) -> float | None:
    return None if mean is None else round2(mean / 5 * 100)


@dataclass(frozen=True)
class Stats:
    """Answers to one question (or pooled questions): count, mean, S.D., counts per level."""

    n: int
    total: int  # sum of the scores
    squares: int  # sum of the squared scores
    counts: dict[int, int]  # level → number of answers

    @property
    def mean(self) -> float | None:
        return round2(self.total / self.n) if self.n else None

    @property
    def sd(self) -> float | None:
        if self.n < 2:
            return None
        variance = (self.squares - self.total * self.total / self.n) / (self.n - 1)
        return round2(math.sqrt(max(0.0, variance)))

    @property
    def percent(self) -> float | None:
        return percent(self.total / self.n) if self.n else None

    @property
    def level(self) -> str:
        return level(self.total / self.n) if self.n else ""

    def share(self, lvl: int) -> float | None:
        """Percentage of answers at one level."""
        return round2(self.counts.get(lvl, 0) / self.n * 100) if self.n else None

    def __add__(self, other: "Stats") -> "Stats":
        return Stats(
            self.n + other.n,
            self.total + other.total,
            self.squares + other.squares,
            {k: self.counts.get(k, 0) + other.counts.get(k, 0) for k in LEVELS},
        )

    @classmethod
    def empty(cls) -> "Stats":
        return cls(0, 0, 0, {k: 0 for k in LEVELS})


def change(current: float | None, previous: float | None) -> float | None:
    """Difference of two rounded means (what the reader can check by subtracting)."""
    if current is None or previous is None:
        return None
    return round2(round2(current) - round2(previous))
