"""The bot's LINE rich menu: render the menu image and install it through the Messaging API.

The lead's code supplies the entries (label, caption, postback data, icon); this module
draws the image with the Sarabun font (Thai shaped by raqm), builds the matching
``POST /v2/bot/richmenu`` body, and installs it as the default menu for all users,
replacing menus left by earlier runs.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import regex
from PIL import Image, ImageDraw, ImageFont
from linebot.v3.messaging import MessagingApi, MessagingApiBlob, RichMenuRequest

from bot.common.fonts import font_path

logger = logging.getLogger(__name__)

# LINE limits (https://developers.line.biz/en/reference/messaging-api/#rich-menu-object).
IMAGE_WIDTH = 2500
ROW_HEIGHT = 843
MAX_ENTRIES = 6
MAX_LABEL_GRAPHEMES = 20
MAX_DATA_CHARS = 300
MAX_DISPLAY_TEXT_CHARS = 300
MAX_CHAT_BAR_TEXT_CHARS = 14
MAX_NAME_CHARS = 300
MAX_IMAGE_BYTES = 1_000_000

# Visual design. Text and icons contrast with their backgrounds by at least 6:1 (WCAG AA asks 4.5:1).
_BACKGROUND = "#E6ECF4"
_HEADER_FILL = "#17325C"
_HEADER_ACCENT = "#C9A227"
_HEADER_TEXT = "#FFFFFF"
_CARD_FILL = "#FFFFFF"
_CARD_BORDER = "#AEBBCF"
_LABEL_COLOUR = "#0F2547"
_CAPTION_COLOUR = "#3B4A5E"
_ICON_FILL = "#FFFFFF"
# Icon badge colours, one per cell in order, so neighbouring cells are easy to tell apart.
_BADGE_COLOURS = ("#1D4E89", "#0B6E4F", "#A4422A", "#6B3FA0", "#0E6A87", "#8A5300")

_HEADER_HEIGHT = 96
_HEADER_ACCENT_HEIGHT = 6
_TITLE_MAX_SIZE = 54
_TITLE_MARGIN = 48
_CARD_GUTTER = 14
_CARD_RADIUS = 28
_CARD_BORDER_WIDTH = 3
_TEXT_PADDING = 30
_BADGE_DIAMETER = 280
_BADGE_GAP = 40
_LINE_GAP = 12
_LABEL_MAX_SIZE = 104
_CAPTION_MAX_SIZE = 64
# Drawing shapes this many times larger and scaling down gives them smooth edges.
_SUPERSAMPLE = 4
# Tallest stacked marks and deepest below-vowels in Thai: reserving their extent keeps
# lines from colliding and baselines identical across cells whatever the text.
_LINE_EXTENT_PROBE = "ปู่ญี่ฟ้าฎฐ"


@dataclass(frozen=True)
class MenuEntry:
    """One tappable cell of the rich menu."""

    label: str  # shown big on the image and used as the action label (≤ 20 grapheme clusters)
    caption: str  # one short line under the label on the image
    data: str  # postback data sent when tapped (≤ 300 UTF-16 code units)
    display_text: str  # shown in the chat as the user's message when tapped (≤ 300 grapheme clusters)
    icon: str  # one of ICON_NAMES


# --------------------------------------------------------------------------- validation


def _grapheme_count(text: str) -> int:
    # Thai vowels and tone marks are separate code points but not separate characters;
    # LINE counts what the user sees.
    return len(regex.findall(r"\X", text))


def _utf16_length(text: str) -> int:
    # LINE counts postback data in UTF-16 code units, as JavaScript strings do.
    return len(text.encode("utf-16-le")) // 2


def validate_entries(entries: Sequence[MenuEntry]) -> None:
    """Raise ValueError (Thai + English) if the entries cannot make a valid LINE rich menu."""
    if not 1 <= len(entries) <= MAX_ENTRIES:
        raise ValueError(
            f"เมนูต้องมี 1 ถึง {MAX_ENTRIES} รายการ แต่ได้ {len(entries)} รายการ / "
            f"a rich menu needs 1 to {MAX_ENTRIES} entries, got {len(entries)}"
        )
    for number, entry in enumerate(entries, start=1):
        th_name = f"รายการที่ {number} ({entry.label!r})"
        en_name = f"entry {number} ({entry.label!r})"
        labels = _grapheme_count(entry.label)
        data_length = _utf16_length(entry.data)
        display_length = _grapheme_count(entry.display_text)
        problems = [
            (
                not entry.label.strip(),
                "ต้องมีชื่อเมนู",
                "label must not be empty",
            ),
            (
                labels > MAX_LABEL_GRAPHEMES,
                f"ชื่อเมนูยาว {labels} ตัวอักษร เกิน {MAX_LABEL_GRAPHEMES}",
                f"label is {labels} grapheme clusters, more than {MAX_LABEL_GRAPHEMES}",
            ),
            (
                not 1 <= data_length <= MAX_DATA_CHARS,
                f"data ต้องยาว 1 ถึง {MAX_DATA_CHARS} ตัวอักษร (ได้ {data_length})",
                f"data must be 1 to {MAX_DATA_CHARS} UTF-16 code units, got {data_length}",
            ),
            (
                not 1 <= display_length <= MAX_DISPLAY_TEXT_CHARS,
                f"ข้อความที่แสดงต้องยาว 1 ถึง {MAX_DISPLAY_TEXT_CHARS} ตัวอักษร (ได้ {display_length})",
                f"display_text must be 1 to {MAX_DISPLAY_TEXT_CHARS} grapheme clusters, got {display_length}",
            ),
            (
                entry.icon not in ICON_NAMES,
                f"ไม่รู้จักไอคอน {entry.icon!r}",
                f"unknown icon {entry.icon!r}; choose one of {', '.join(sorted(ICON_NAMES))}",
            ),
        ]
        for failed, thai, english in problems:
            if failed:
                raise ValueError(f"{th_name}: {thai} / {en_name}: {english}")


# --------------------------------------------------------------------------- layout


def _row_sizes(count: int) -> list[int]:
    """Cells per row: one row up to 3, 2×2 for 4, otherwise 3 on top and the rest below."""
    if not 1 <= count <= MAX_ENTRIES:
        raise ValueError(f"a rich menu needs 1 to {MAX_ENTRIES} entries, got {count}")
    if count <= 3:
        return [count]
    if count == 4:
        return [2, 2]
    return [3, count - 3]


def image_size(count: int) -> tuple[int, int]:
    """(width, height) of the menu image for ``count`` entries."""
    return IMAGE_WIDTH, ROW_HEIGHT * len(_row_sizes(count))


def cell_bounds(count: int) -> list[dict[str, int]]:
    """Tappable area of each entry, in entry order, as LINE bounds objects.

    The cells tile the whole image with no gaps or overlaps (the title strip belongs to
    the top row, so a tap there still selects the cell below it).
    """
    bounds = []
    for row, columns in enumerate(_row_sizes(count)):
        # Rounded edges make the integer widths add up to exactly IMAGE_WIDTH.
        edges = [round(column * IMAGE_WIDTH / columns) for column in range(columns + 1)]
        for left, right in zip(edges, edges[1:]):
            bounds.append({"x": left, "y": row * ROW_HEIGHT, "width": right - left, "height": ROW_HEIGHT})
    return bounds


# --------------------------------------------------------------------------- API body


def build_rich_menu_request(entries: Sequence[MenuEntry], name: str, chat_bar_text: str = "เมนู") -> dict[str, Any]:
    """JSON body for ``POST /v2/bot/richmenu`` whose areas match the rendered cells."""
    validate_entries(entries)
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise ValueError(
            f"ชื่อริชเมนูต้องยาว 1 ถึง {MAX_NAME_CHARS} ตัวอักษร / "
            f"rich menu name must be 1 to {MAX_NAME_CHARS} characters, got {len(name)}"
        )
    # Code points, not graphemes: the SDK's RichMenuRequest model enforces len() ≤ 14.
    if not 1 <= len(chat_bar_text) <= MAX_CHAT_BAR_TEXT_CHARS:
        raise ValueError(
            f"ข้อความแถบเมนู {chat_bar_text!r} ต้องยาว 1 ถึง {MAX_CHAT_BAR_TEXT_CHARS} ตัวอักษร / "
            f"chatBarText {chat_bar_text!r} must be 1 to {MAX_CHAT_BAR_TEXT_CHARS} characters"
        )
    width, height = image_size(len(entries))
    return {
        "size": {"width": width, "height": height},
        "selected": True,
        "name": name,
        "chatBarText": chat_bar_text,
        "areas": [
            {
                "bounds": bounds,
                "action": {
                    "type": "postback",
                    "label": entry.label,
                    "data": entry.data,
                    "displayText": entry.display_text,
                },
            }
            for entry, bounds in zip(entries, cell_bounds(len(entries)))
        ],
    }


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
    pen.polygon([(0.3, -0.9), (0.3, -0.52), (0.68, -0.52)], fill=_CARD_BORDER)
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


# --------------------------------------------------------------------------- rendering


@lru_cache(maxsize=64)
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), size, layout_engine=ImageFont.Layout.RAQM)


def _fitting_size(texts: Sequence[str], weight: str, max_size: int, max_width: float) -> int:
    """Largest size ≤ max_size at which every text fits max_width: shrink, never cut."""
    size = max_size
    while size > 1:
        widest = max(_font(weight, size).getlength(text, language="th") for text in texts)
        if widest <= max_width:
            break
        # Width grows about linearly with size: jump close to the answer, then step down.
        size = min(size - 1, math.floor(size * max_width / widest))
    return size


def _line_extent(font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    """(above, below) the baseline that any Thai line in this font can reach."""
    _, top, _, bottom = font.getbbox(_LINE_EXTENT_PROBE, anchor="ls", language="th")
    return -top, bottom


def _paste_smooth(
    canvas: Image.Image,
    origin: tuple[int, int],
    size: tuple[int, int],
    paint: Callable[[ImageDraw.ImageDraw, int], None],
) -> None:
    """Paint shapes on a supersampled transparent layer and composite it, anti-aliased."""
    layer = Image.new("RGBA", (size[0] * _SUPERSAMPLE, size[1] * _SUPERSAMPLE), (0, 0, 0, 0))
    paint(ImageDraw.Draw(layer), _SUPERSAMPLE)
    canvas.alpha_composite(layer.reduce(_SUPERSAMPLE), origin)


def _draw_card(canvas: Image.Image, box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box

    def paint(draw: ImageDraw.ImageDraw, scale: int) -> None:
        draw.rounded_rectangle(
            (0, 0, (right - left) * scale - 1, (bottom - top) * scale - 1),
            radius=_CARD_RADIUS * scale,
            fill=_CARD_FILL,
            outline=_CARD_BORDER,
            width=_CARD_BORDER_WIDTH * scale,
        )

    _paste_smooth(canvas, (left, top), (right - left, bottom - top), paint)


def _draw_badge(canvas: Image.Image, centre: tuple[int, int], diameter: int, icon: str, colour: str) -> None:
    def paint(draw: ImageDraw.ImageDraw, scale: int) -> None:
        full = diameter * scale
        draw.ellipse((0, 0, full - 1, full - 1), fill=colour)
        _ICON_PAINTERS[icon](_Pen(draw, (full / 2, full / 2), full * 0.3, colour))

    origin = (centre[0] - diameter // 2, centre[1] - diameter // 2)
    _paste_smooth(canvas, origin, (diameter, diameter), paint)


def _card_boxes(count: int) -> list[tuple[int, int, int, int]]:
    """Visible card of each cell: its area inset by the gutter, below the title strip."""
    strip_bottom = _HEADER_HEIGHT + _HEADER_ACCENT_HEIGHT
    boxes = []
    for bounds in cell_bounds(count):
        top = max(bounds["y"], strip_bottom) + _CARD_GUTTER
        boxes.append(
            (
                bounds["x"] + _CARD_GUTTER,
                top,
                bounds["x"] + bounds["width"] - _CARD_GUTTER,
                bounds["y"] + bounds["height"] - _CARD_GUTTER,
            )
        )
    return boxes


def _draw_header(canvas: Image.Image, title: str) -> None:
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, IMAGE_WIDTH - 1, _HEADER_HEIGHT - 1), fill=_HEADER_FILL)
    accent_bottom = _HEADER_HEIGHT + _HEADER_ACCENT_HEIGHT - 1
    draw.rectangle((0, _HEADER_HEIGHT, IMAGE_WIDTH - 1, accent_bottom), fill=_HEADER_ACCENT)
    font = _font("SemiBold", _fitting_size([title], "SemiBold", _TITLE_MAX_SIZE, IMAGE_WIDTH - 2 * _TITLE_MARGIN))
    draw.text((_TITLE_MARGIN, _HEADER_HEIGHT // 2), title, font=font, fill=_HEADER_TEXT, anchor="lm", language="th")


def render_menu_image(entries: Sequence[MenuEntry], title: str) -> bytes:
    """Render the rich menu as PNG bytes laid out exactly as ``cell_bounds``."""
    validate_entries(entries)
    width, height = image_size(len(entries))
    canvas = Image.new("RGBA", (width, height), _BACKGROUND)
    _draw_header(canvas, title)

    boxes = _card_boxes(len(entries))
    # One label size and one caption size for the whole menu keeps it calm and even.
    text_width = min(right - left for left, _, right, _ in boxes) - 2 * _TEXT_PADDING
    label_size = _fitting_size([entry.label for entry in entries], "Bold", _LABEL_MAX_SIZE, text_width)
    caption_size = _fitting_size([entry.caption for entry in entries], "Regular", _CAPTION_MAX_SIZE, text_width)
    label_font, caption_font = _font("Bold", label_size), _font("Regular", caption_size)
    label_above, label_below = _line_extent(label_font)
    caption_above, caption_below = _line_extent(caption_font)
    text_height = label_above + label_below + _LINE_GAP + caption_above + caption_below
    block_height = _BADGE_DIAMETER + _BADGE_GAP + text_height

    draw = ImageDraw.Draw(canvas)
    for index, (entry, (left, top, right, bottom)) in enumerate(zip(entries, boxes)):
        _draw_card(canvas, (left, top, right, bottom))
        centre_x = (left + right) // 2
        block_top = top + (bottom - top - block_height) // 2
        colour = _BADGE_COLOURS[index % len(_BADGE_COLOURS)]
        _draw_badge(canvas, (centre_x, block_top + _BADGE_DIAMETER // 2), _BADGE_DIAMETER, entry.icon, colour)
        label_baseline = block_top + _BADGE_DIAMETER + _BADGE_GAP + label_above
        caption_baseline = label_baseline + label_below + _LINE_GAP + caption_above
        for text, font, fill, baseline in (
            (entry.label, label_font, _LABEL_COLOUR, label_baseline),
            (entry.caption, caption_font, _CAPTION_COLOUR, caption_baseline),
        ):
            draw.text((centre_x, baseline), text, font=font, fill=fill, anchor="ms", language="th")

    buffer = io.BytesIO()
    canvas.convert("RGB").save(buffer, format="PNG", optimize=True)
    png = buffer.getvalue()
    if len(png) > MAX_IMAGE_BYTES:
        raise ValueError(f"rich menu image is {len(png)} bytes; LINE accepts at most {MAX_IMAGE_BYTES}")
    return png


# --------------------------------------------------------------------------- install


def install_rich_menu(
    messaging_api: MessagingApi,
    blob_api: MessagingApiBlob,
    entries: Sequence[MenuEntry],
    title: str,
    name_prefix: str = "sao-main-menu",
) -> str:
    """Create, upload and set the default rich menu, then delete older ones; return its id.

    Older menus are those whose name starts with ``name_prefix``, so re-running replaces
    the menu rather than piling them up; failing to delete them only logs a warning. If
    the upload or set-default step fails, the new menu is deleted again and the error
    re-raised, so users never get a half-made menu.
    """
    name = f"{name_prefix}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    # Render and validate before touching LINE so bad input creates nothing remotely.
    request = RichMenuRequest.from_dict(build_rich_menu_request(entries, name))
    png = render_menu_image(entries, title)

    rich_menu_id = messaging_api.create_rich_menu(request).rich_menu_id
    logger.info("Created rich menu %s (%s) with %d areas", rich_menu_id, name, len(entries))
    try:
        blob_api.set_rich_menu_image(rich_menu_id, body=png, _headers={"Content-Type": "image/png"})
        logger.info("Uploaded %d-byte image to rich menu %s", len(png), rich_menu_id)
        messaging_api.set_default_rich_menu(rich_menu_id)
        logger.info("Rich menu %s is now the default for all users", rich_menu_id)
    except Exception:
        logger.error("Installing rich menu %s failed; deleting it to roll back", rich_menu_id)
        try:
            messaging_api.delete_rich_menu(rich_menu_id)
        except Exception:
            logger.exception("Rollback failed: delete rich menu %s by hand", rich_menu_id)
        raise

    # The new menu already works, so failing to clean up older ones is only worth a warning.
    try:
        menus = messaging_api.get_rich_menu_list().richmenus
    except Exception:
        logger.warning("Could not list rich menus, so older %s* menus were kept", name_prefix, exc_info=True)
        menus = []
    for menu in menus:
        if menu.rich_menu_id == rich_menu_id or not menu.name.startswith(name_prefix):
            continue
        try:
            messaging_api.delete_rich_menu(menu.rich_menu_id)
            logger.info("Deleted older rich menu %s (%s)", menu.rich_menu_id, menu.name)
        except Exception:
            logger.warning("Could not delete older rich menu %s (%s)", menu.rich_menu_id, menu.name, exc_info=True)
    return rich_menu_id
