"""Charts drawn on the server as inline SVG: no chart library, no script, no internet.

`bar_chart(bars, title=..., unit=...)` returns Markup to put straight into a template.
Each bar carries a <title> (its label and value, shown on hover or long-press) and the
whole chart a text description, so it reads out in a screen reader too. Colours come from
classes styled in static/admin.css (the console's Content-Security-Policy forbids inline style).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 8, 12, 34


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (kept short: "27")
    value: float
    title: str = ""  # full label for the tooltip ("27 พ.ย. 2569"); defaults to label
    highlight: bool = False  # e.g. today


def nice_ceiling(value: float) -> float:
    """The axis maximum: 1, 2, 2.5, 4 or 5 times a power of ten, at least the value (and at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 4, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(
    bars: list[Bar], *, title: str, unit: str = "", label_every: int = 1, chart_id: str = "chart", maximum: float | None = None
) -> Markup:
    """A vertical bar chart; label_every=5 writes every fifth label under the bars; maximum
    fixes the axis (a score out of 5) instead of rounding up the highest bar."""
    top = maximum or nice_ceiling(max((b.value for b in bars), default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(1, len(bars))
    bar_w = max(2.0, slot * 0.7)
    cid = escape(chart_id)
    total = sum(b.value for b in bars)
    peak = max(bars, key=lambda b: b.value, default=None)
    description = f"{title}: รวม {_number(total)} {unit}".strip()
    if peak is not None and peak.value > 0:
        description += f" สูงสุด {_number(peak.value)} {unit} เมื่อ {peak.title or peak.label}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{cid}-title {cid}-desc"'
        f' xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    whole_numbers = all(float(b.value).is_integer() for b in bars)
    # A middle line only where it falls on a whole number of whole things (no "2.5 messages").
    fractions = (0, 0.5, 1) if not whole_numbers or float(top / 2).is_integer() else (0, 1)
    for fraction in fractions:
        y = PAD_TOP + plot_h * (1 - fraction)
        parts.append(f'<line class="chart-grid" x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD_RIGHT}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="chart-axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_number(top * fraction))}</text>'
        )
    for i, bar in enumerate(bars):
        h = plot_h * (bar.value / top) if top else 0
        x = PAD_LEFT + i * slot + (slot - bar_w) / 2
        y = PAD_TOP + plot_h - h
        css = "chart-bar chart-bar--highlight" if bar.highlight else "chart-bar"
        tip = f"{bar.title or bar.label}: {_number(bar.value)} {unit}".strip()
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(h, 0):.1f}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        if label_every and i % label_every == 0:
            parts.append(
                f'<text class="chart-label" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class HBar:
    label: str  # written in full above its bar (Thai service names are long)
    value: float
    note: str = ""  # after the value, e.g. "(12 ครั้ง)"
    low: bool = False  # drawn in the warning colour


HBAR_WIDTH = 360  # narrow, so the text stays readable when a phone shrinks the chart
HBAR_ROW = 40


def horizontal_bar_chart(bars: list[HBar], *, title: str, maximum: float | None = None, unit: str = "", chart_id: str = "hchart") -> Markup:
    """One bar per row, its label above it and its value at its end: for long names
    (services) that a vertical chart could not write under its bars."""
    top = maximum or nice_ceiling(max((b.value for b in bars), default=0))
    height = HBAR_ROW * max(1, len(bars)) + 4
    cid = escape(chart_id)
    description = f"{title}: " + ", ".join(f"{b.label} {_number(b.value)} {unit}".strip() for b in bars)
    parts = [
        f'<svg class="chart hchart" viewBox="0 0 {HBAR_WIDTH} {height}" role="img" aria-labelledby="{cid}-title {cid}-desc"'
        f' xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    value_room = 110  # for "4.5 คะแนน (12)"
    plot_w = HBAR_WIDTH - value_room
    for i, bar in enumerate(bars):
        y = i * HBAR_ROW
        w = plot_w * (bar.value / top) if top else 0
        tip = f"{bar.label}: {_number(bar.value)} {unit} {bar.note}".strip()
        css = "hchart-bar hchart-bar--low" if bar.low else "hchart-bar"
        parts.append(f'<text class="hchart-label" x="0" y="{y + 14}">{escape(bar.label)}</text>')
        parts.append(
            f'<rect class="{css}" x="0" y="{y + 19}" width="{max(w, 1):.1f}" height="14" rx="3"><title>{escape(tip)}</title></rect>'
        )
        parts.append(
            f'<text class="hchart-value" x="{max(w, 1) + 6:.1f}" y="{y + 31}">{escape(_number(bar.value))} {escape(bar.note)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
