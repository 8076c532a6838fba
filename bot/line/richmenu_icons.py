"""The rich menu's icons: each drawn in white with Pillow shapes on a coloured badge (no
image files, so they stay sharp at any size). richmenu_image.py paints them; ICON_NAMES
lists the names a menu entry may use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PIL import ImageDraw

_ICON_FILL = "#FFFFFF"
_FOLD = "#AEBBCF"  # a document's folded corner, grey as the cards' border (richmenu_image.py)


# --------------------------------------------------------------------------- icons
#
# Icons are drawn in white on a coloured circle, in unit coordinates: (-1, -1) is the
# top-left and (1, 1) the bottom-right of the square the glyph fits in.

_Point = tuple[float, float]


class _Pen:
    """Maps unit coordinates onto a square region of a (supersampled) image."""

    def __init__(self, draw: ImageDraw.ImageDraw, centre: _Point, half_size: float, accent: str) -> None:
        self.draw = draw
        self.accent = accent  # the badge colour, for details cut out of white shapes
        self.cx, self.cy = centre
        self.half = half_size
        self.stroke = round(half_size * 0.16)

    def at(self, u: float, v: float) -> _Point:
        return self.cx + u * self.half, self.cy + v * self.half

    def box(self, u0: float, v0: float, u1: float, v1: float) -> tuple[float, float, float, float]:
        return (*self.at(u0, v0), *self.at(u1, v1))

    def dot(self, u: float, v: float, radius: float, fill: str = _ICON_FILL) -> None:
        self.draw.ellipse(self.box(u - radius, v - radius, u + radius, v + radius), fill=fill)

    def polyline(self, points: Sequence[_Point], width_factor: float = 1.0, fill: str = _ICON_FILL) -> None:
        """A stroke with round joints and round ends, like a pen line."""
        width = round(self.stroke * width_factor)
        pixels = [self.at(u, v) for u, v in points]
        self.draw.line(pixels, fill=fill, width=width, joint="curve")
        cap = width / 2 / self.half
        for u, v in (points[0], points[-1]):
            self.dot(u, v, cap, fill)

    def polygon(self, points: Sequence[_Point], fill: str = _ICON_FILL) -> None:
        self.draw.polygon([self.at(u, v) for u, v in points], fill=fill)

    def ring(self, u: float, v: float, radius: float) -> None:
        """Circle outline whose stroke is centred on ``radius``."""
        outer = radius + self.stroke / 2 / self.half
        self.draw.ellipse(self.box(u - outer, v - outer, u + outer, v + outer), outline=_ICON_FILL, width=self.stroke)


def _arc_points(centre: _Point, radius: float, start: float, end: float, steps: int = 16) -> list[_Point]:
    """Points along an arc from ``start`` to ``end`` degrees, clockwise from 3 o'clock (y points down)."""
    u, v = centre
    angles = (math.radians(start + (end - start) * i / steps) for i in range(steps + 1))
    return [(u + radius * math.cos(a), v + radius * math.sin(a)) for a in angles]


def _icon_question(pen: _Pen) -> None:
    pen.polyline([*_arc_points((0, -0.36), 0.4, 195, 420), (0, 0.1), (0, 0.3)])
    pen.dot(0, 0.72, 0.13)


def _icon_star(pen: _Pen) -> None:
    points = []
    for k in range(10):
        angle = math.radians(-90 + 36 * k)
        radius = 1.0 if k % 2 == 0 else 0.42
        points.append((radius * math.cos(angle), 0.1 + radius * math.sin(angle)))
    pen.polygon(points)


def _icon_megaphone(pen: _Pen) -> None:
    pen.polygon([(-0.85, -0.28), (-0.45, -0.28), (-0.45, 0.28), (-0.85, 0.28)])
    pen.polygon([(-0.45, -0.28), (0.35, -0.75), (0.35, 0.75), (-0.45, 0.28)])
    pen.polygon([(-0.78, 0.28), (-0.5, 0.28), (-0.35, 0.8), (-0.63, 0.8)])
    pen.polyline(_arc_points((0.35, 0), 0.3, -45, 45), width_factor=0.7)
    pen.polyline(_arc_points((0.35, 0), 0.58, -45, 45), width_factor=0.7)


def _icon_search(pen: _Pen) -> None:
    pen.ring(-0.18, -0.18, 0.52)
    pen.polyline([(0.3, 0.3), (0.78, 0.78)], width_factor=1.5)


def _icon_phone(pen: _Pen) -> None:
    pen.draw.rounded_rectangle(
        pen.box(-0.5, -0.92, 0.5, 0.92), radius=round(pen.half * 0.18), outline=_ICON_FILL, width=pen.stroke
    )
    pen.polyline([(-0.16, -0.64), (0.16, -0.64)], width_factor=0.7)
    pen.dot(0, 0.62, 0.1)


def _quadratic_curve(start: _Point, control: _Point, end: _Point, steps: int = 12) -> list[_Point]:
    points = []
    for i in range(steps + 1):
        t = i / steps
        points.append(
            (
                (1 - t) ** 2 * start[0] + 2 * (1 - t) * t * control[0] + t**2 * end[0],
                (1 - t) ** 2 * start[1] + 2 * (1 - t) * t * control[1] + t**2 * end[1],
            )
        )
    return points


def _icon_shield(pen: _Pen) -> None:
    right_side = _quadratic_curve((0.75, 0.02), (0.7, 0.62), (0, 0.95))
    left_side = [(-u, v) for u, v in reversed(right_side)]
    pen.polygon([(-0.75, -0.62), (0, -0.92), (0.75, -0.62), *right_side, *left_side])
    pen.polyline([(-0.35, 0.02), (-0.08, 0.3), (0.38, -0.25)], fill=pen.accent)


def _icon_menu(pen: _Pen) -> None:
    for v in (-0.55, 0, 0.55):
        pen.polyline([(-0.7, v), (0.7, v)], width_factor=1.2)


def _icon_document(pen: _Pen) -> None:
    pen.polygon([(-0.65, -0.9), (0.3, -0.9), (0.68, -0.52), (0.68, 0.9), (-0.65, 0.9)])
    pen.polygon([(0.3, -0.9), (0.3, -0.52), (0.68, -0.52)], fill=_FOLD)
    for v in (-0.2, 0.15, 0.5):
        pen.polyline([(-0.38, v), (0.4, v)], width_factor=0.6, fill=pen.accent)


def _icon_info(pen: _Pen) -> None:
    pen.dot(0, -0.62, 0.17)
    pen.polyline([(0, -0.15), (0, 0.78)], width_factor=1.5)


_ICON_PAINTERS: dict[str, Callable[[_Pen], None]] = {
    "question": _icon_question,
    "star": _icon_star,
    "megaphone": _icon_megaphone,
    "search": _icon_search,
    "phone": _icon_phone,
    "shield": _icon_shield,
    "menu": _icon_menu,
    "document": _icon_document,
    "info": _icon_info,
}
ICON_NAMES: frozenset[str] = frozenset(_ICON_PAINTERS)


def paint_icon(draw: ImageDraw.ImageDraw, name: str, centre: _Point, half_size: float, accent: str) -> None:
    """Draw icon ``name`` in the square of ``half_size`` around ``centre``, on a badge of colour ``accent``."""
    _ICON_PAINTERS[name](_Pen(draw, centre, half_size, accent))
