"""The bot's LINE rich menu: what an entry is, LINE's limits on it, where each cell lies on
the image, and the ``POST /v2/bot/richmenu`` body whose tap areas match those cells.

The lead's code supplies the entries (label, caption, postback data, icon). Drawing the
image is richmenu_image.py (Pillow, the Sarabun font; the icons in richmenu_icons.py) and
installing it through the Messaging API is richmenu_install.py; both build on this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import regex

from bot.line.richmenu_icons import ICON_NAMES

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

