"""Drawing the rich menu's image: a title strip and one card per entry (an icon badge, the
label and a caption), laid out exactly on the tap areas of richmenu.py ``cell_bounds``,
with the Sarabun font (Thai shaped by raqm); a PNG within LINE's size limit.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from bot.common.fonts import font_path
from bot.line.richmenu import IMAGE_WIDTH, MAX_IMAGE_BYTES, MenuEntry, cell_bounds, image_size, validate_entries
from bot.line.richmenu_icons import paint_icon

# Visual design. Text and icons contrast with their backgrounds by at least 6:1 (WCAG AA asks 4.5:1).
_BACKGROUND = "#E6ECF4"
_HEADER_FILL = "#17325C"
_HEADER_ACCENT = "#C9A227"
_HEADER_TEXT = "#FFFFFF"
_CARD_FILL = "#FFFFFF"
_CARD_BORDER = "#AEBBCF"
_LABEL_COLOUR = "#0F2547"
_CAPTION_COLOUR = "#3B4A5E"
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
        paint_icon(draw, icon, (full / 2, full / 2), full * 0.3, colour)

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

