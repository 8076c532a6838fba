"""Rich menu: image rendering, LINE request body, validation and installation.

Installation runs the real line-bot-sdk client against the fake LINE API
(``fakeline``) on 127.0.0.1; nothing here touches the internet.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import secrets
from collections.abc import Iterator

import pytest
import regex
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi, MessagingApiBlob
from PIL import Image, ImageChops, ImageColor, ImageFont, features

from bot.line import richmenu_icons, richmenu_image
from bot.common.fonts import font_path
from bot.line.richmenu import (
    MAX_IMAGE_BYTES,
    MenuEntry,
    build_rich_menu_request,
    cell_bounds,
    image_size,
    validate_entries,
)
from bot.line.richmenu_image import render_menu_image
from bot.line.richmenu_install import install_rich_menu
from fakeline.server import FakeLineServer

TITLE = "อบต.คอนฉิม"
ENTRIES = [
    MenuEntry("ถามข้อมูล", "คู่มือประชาชน เอกสาร ค่าธรรมเนียม", "v1|menu|ask", "ถามข้อมูล", "question"),
    MenuEntry("ประเมินความพึงพอใจ", "ให้คะแนนบริการของ อบต.", "v1|menu|survey", "ประเมินความพึงพอใจ", "star"),
    MenuEntry("ร้องเรียน/เสนอแนะ", "แจ้งปัญหา ไฟดับ ถนนชำรุด", "v1|menu|complaint", "ร้องเรียน/เสนอแนะ", "megaphone"),
    MenuEntry("ติดตามเรื่อง", "ดูสถานะเรื่องที่แจ้งไว้", "v1|menu|track", "ติดตามเรื่อง", "search"),
    MenuEntry("ติดต่อ อบต.", "โทรศัพท์ เวลาทำการ แผนที่", "v1|menu|contact", "ติดต่อ อบต.", "phone"),
    MenuEntry("ข้อมูลส่วนบุคคล", "นโยบายความเป็นส่วนตัว (PDPA)", "v1|menu|privacy", "ข้อมูลส่วนบุคคล", "shield"),
]
# 29 code points but only 19 grapheme clusters: LINE counts what the user sees.
LONG_THAI_LABEL = "ติดต่อเจ้าหน้าที่ผู้รับผิดชอบ"
LABEL_RGB = ImageColor.getrgb(richmenu_image._LABEL_COLOUR)
BACKGROUND_RGB = ImageColor.getrgb(richmenu_image._BACKGROUND)


def _entry(label: str = "ถามข้อมูล", **changes: str) -> MenuEntry:
    fields = {"caption": "คำอธิบาย", "data": "v1|menu|ask", "display_text": "ถามข้อมูล", "icon": "question"}
    return MenuEntry(label=label, **{**fields, **changes})


@functools.cache
def _render_cached(entries: tuple[MenuEntry, ...]) -> Image.Image:
    return Image.open(io.BytesIO(render_menu_image(entries, TITLE))).convert("RGB")


def _render(entries: list[MenuEntry]) -> Image.Image:
    """The rendered menu, decoded; rendering takes a while, so each menu is drawn once."""
    return _render_cached(tuple(entries)).copy()


def _label_ink(image: Image.Image, bounds: dict[str, int]) -> tuple[int, tuple[int, int, int, int] | None]:
    """(pixel count, bounding box in image coordinates) of label-coloured pixels in one cell.

    Only the label is drawn in that colour, and only the solid inside of its strokes
    matches it closely, so anti-aliased edges of other shapes are not counted.
    """
    x, y = bounds["x"], bounds["y"]
    cell = image.crop((x, y, x + bounds["width"], y + bounds["height"]))
    red, green, blue = (
        band.point(lambda value, target=target: 255 if abs(value - target) <= 12 else 0)
        for band, target in zip(cell.split(), LABEL_RGB)
    )
    mask = ImageChops.multiply(ImageChops.multiply(red, green), blue)
    box = mask.getbbox()
    return mask.histogram()[255], None if box is None else (box[0] + x, box[1] + y, box[2] + x, box[3] + y)


# --------------------------------------------------------------------------- fonts


def test_font_path_finds_sarabun_weights() -> None:
    for weight in ("Regular", "Bold", "SemiBold"):
        path = font_path(weight)
        assert path.is_file() and path.name == f"Sarabun-{weight}.ttf"
    assert font_path() == font_path("Regular")


def test_font_path_rejects_unknown_weight() -> None:
    with pytest.raises(ValueError, match="Regular"):
        font_path("Heavy")


def test_sarabun_has_a_real_glyph_for_every_thai_character_used() -> None:
    font = ImageFont.truetype(str(font_path("Bold")), 60)
    missing_glyph = bytes(font.getmask("\ue000"))  # a private-use code point: the .notdef box
    characters = {ch for entry in ENTRIES for ch in entry.label + entry.caption + TITLE if "\u0e00" <= ch <= "\u0e7f"}
    assert characters
    for ch in characters:
        assert bytes(font.getmask(ch)) != missing_glyph, f"no glyph for {ch!r}"


# --------------------------------------------------------------------------- layout and image


@pytest.mark.parametrize(
    ("count", "size"), [(1, (2500, 843)), (3, (2500, 843)), (4, (2500, 1686)), (6, (2500, 1686))]
)
def test_image_size_and_file_size(count: int, size: tuple[int, int]) -> None:
    png = render_menu_image(ENTRIES[:count], TITLE)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == size == image_size(count)
    assert len(png) < MAX_IMAGE_BYTES


@pytest.mark.parametrize("count", range(1, 7))
def test_areas_tile_the_image_without_overlap(count: int) -> None:
    width, height = image_size(count)
    bounds = cell_bounds(count)
    assert len(bounds) == count
    for area in bounds:
        assert area["x"] >= 0 and area["y"] >= 0 and area["width"] > 0 and area["height"] > 0
        assert area["x"] + area["width"] <= width and area["y"] + area["height"] <= height
    for a, b in itertools.combinations(bounds, 2):
        overlap_x = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
        overlap_y = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
        assert overlap_x <= 0 or overlap_y <= 0, (a, b)
    assert sum(area["width"] * area["height"] for area in bounds) == width * height


@pytest.mark.parametrize(("count", "row_sizes"), [(1, [1]), (2, [2]), (3, [3]), (4, [2, 2]), (5, [3, 2]), (6, [3, 3])])
def test_cell_layout(count: int, row_sizes: list[int]) -> None:
    rows: dict[int, list[dict[str, int]]] = {}
    for area in cell_bounds(count):
        rows.setdefault(area["y"], []).append(area)
    assert [len(row) for _, row in sorted(rows.items())] == row_sizes
    for row in rows.values():
        assert max(a["width"] for a in row) - min(a["width"] for a in row) <= 1  # equal columns
        assert [a["x"] for a in row] == sorted(a["x"] for a in row)  # entries left to right


@pytest.mark.parametrize("count", [3, 5, 6])
def test_drawn_cells_match_the_areas(count: int) -> None:
    """The gap between two drawn cards falls exactly on the boundary between their areas."""
    image = _render(ENTRIES[:count])
    bounds = cell_bounds(count)
    for left, right in zip(bounds, bounds[1:]):
        if left["y"] == right["y"]:
            boundary = (right["x"], left["y"] + left["height"] * 3 // 4)
        else:
            boundary = (left["x"] + left["width"] // 2, right["y"])
        assert image.getpixel(boundary) == BACKGROUND_RGB


def test_label_is_drawn_in_every_cell() -> None:
    image = _render(ENTRIES)
    for entry, bounds in zip(ENTRIES, cell_bounds(len(ENTRIES))):
        count, box = _label_ink(image, bounds)
        assert box is not None and count > 3000, entry.label
        centre_x = (box[0] + box[2]) / 2
        assert abs(centre_x - (bounds["x"] + bounds["width"] / 2)) < 40, entry.label


def test_thai_marks_are_stacked_by_the_shaping_engine() -> None:
    """With raqm, a tone mark over an upper vowel sits above it; without, they overlap."""
    assert features.check("raqm")
    area = cell_bounds(1)[0]
    _, stacked = _label_ink(_render([_entry("ที่นี่")]), area)
    _, plain = _label_ink(_render([_entry("ทีนี")]), area)
    assert stacked is not None and plain is not None
    assert stacked[3] == plain[3]  # same baseline and consonants
    assert plain[1] - stacked[1] > 10  # the tone marks add height above the vowels


def test_wide_text_is_shrunk_to_fit_inside_its_cell() -> None:
    wide = _entry("ฒฒฒฒฒฒฒฒฒฒฒฒฒฒฒฒฒฒฒฒ", caption="คำอธิบายที่ยาวมาก " * 6)
    entries = [wide, *ENTRIES[1:3]]
    image = _render(entries)
    area = cell_bounds(3)[0]
    _, box = _label_ink(image, area)
    assert box is not None
    assert area["x"] < box[0] and box[2] < area["x"] + area["width"]
    # The caption is not in the label colour: check instead that the margins inside the
    # card, left and right of the text, stay blank from the badge down.
    top, bottom = area["y"] + 200, area["y"] + area["height"] - 30
    for left in (area["x"] + 22, area["x"] + area["width"] - 40):
        margin = image.crop((left, top, left + 18, bottom)).convert("L")
        assert margin.getextrema()[0] >= 245


# --------------------------------------------------------------------------- request body and validation


def test_build_rich_menu_request_matches_the_image() -> None:
    body = build_rich_menu_request(ENTRIES, "sao-main-menu-test", chat_bar_text="เมนู อบต.")
    assert body["size"] == {"width": 2500, "height": 1686}
    assert body["selected"] is True
    assert body["name"] == "sao-main-menu-test"
    assert body["chatBarText"] == "เมนู อบต."
    assert [area["bounds"] for area in body["areas"]] == cell_bounds(6)
    assert body["areas"][4]["action"] == {
        "type": "postback",
        "label": "ติดต่อ อบต.",
        "data": "v1|menu|contact",
        "displayText": "ติดต่อ อบต.",
    }


def test_label_longer_in_code_points_but_within_20_graphemes_is_accepted() -> None:
    assert len(LONG_THAI_LABEL) > 20 and len(regex.findall(r"\X", LONG_THAI_LABEL)) <= 20
    entries = [_entry(LONG_THAI_LABEL)]
    validate_entries(entries)
    assert build_rich_menu_request(entries, "m")["areas"][0]["action"]["label"] == LONG_THAI_LABEL
    assert Image.open(io.BytesIO(render_menu_image(entries, TITLE))).size == (2500, 843)


def test_label_of_21_graphemes_is_rejected_naming_the_entry() -> None:
    label = "ก" * 21
    with pytest.raises(ValueError) as raised:
        validate_entries([_entry(), _entry(label)])
    message = str(raised.value)
    assert "รายการที่ 2" in message and "entry 2" in message and label in message
    assert "21" in message


@pytest.mark.parametrize("count", [0, 7])
def test_wrong_number_of_entries_is_rejected(count: int) -> None:
    entries = [_entry(f"เมนู {n}") for n in range(count)]
    for call in (
        lambda: validate_entries(entries),
        lambda: build_rich_menu_request(entries, "m"),
        lambda: render_menu_image(entries, TITLE),
    ):
        with pytest.raises(ValueError, match=f"1 to 6 entries, got {count}"):
            call()


@pytest.mark.parametrize(
    ("change", "english"),
    [
        ({"data": "x" * 301}, "data must be 1 to 300"),
        ({"data": ""}, "data must be 1 to 300"),
        ({"data": "\N{GRINNING FACE}" * 151}, "data must be 1 to 300 UTF-16 code units, got 302"),
        ({"display_text": "ก" * 301}, "display_text must be 1 to 300"),
        ({"icon": "emoji"}, "unknown icon 'emoji'"),
        ({"label": "  "}, "label must not be empty"),
    ],
)
def test_invalid_entry_fields_are_rejected(change: dict[str, str], english: str) -> None:
    with pytest.raises(ValueError, match=english):
        validate_entries([_entry(**change)])


def test_limits_are_inclusive() -> None:
    # 600 code points but 300 grapheme clusters: LINE counts what the user sees.
    validate_entries([_entry("ก" * 20, data="x" * 300, display_text="ก่" * 300)])
    build_rich_menu_request([_entry()], "n" * 300, chat_bar_text="ก" * 14)


def test_chat_bar_text_over_14_characters_is_rejected() -> None:
    with pytest.raises(ValueError, match="chatBarText"):
        build_rich_menu_request([_entry()], "m", chat_bar_text="ก" * 15)


def test_every_icon_renders() -> None:
    names = sorted(richmenu_icons.ICON_NAMES)
    for start in range(0, len(names), 6):
        batch = [_entry(f"ไอคอน {name}", icon=name) for name in names[start : start + 6]]
        image = _render(batch)
        for bounds in cell_bounds(len(batch)):
            x, y = bounds["x"], bounds["y"]
            cell = image.crop((x, y, x + bounds["width"], y + bounds["height"]))
            # A badge colour with a white glyph drawn on it, anti-aliased.
            assert len(cell.getcolors(maxcolors=1 << 20)) > 50


# --------------------------------------------------------------------------- installation


TOKEN = "test-channel-token"
Apis = tuple[MessagingApi, MessagingApiBlob]


@pytest.fixture
def line() -> Iterator[FakeLineServer]:
    with FakeLineServer(access_token=TOKEN) as server:
        yield server


@pytest.fixture
def apis(line: FakeLineServer) -> Iterator[Apis]:
    # One base URL stands in for both api.line.me and api-data.line.me.
    with ApiClient(Configuration(host=line.url, access_token=TOKEN)) as client:
        yield MessagingApi(client), MessagingApiBlob(client)


def _calls(line: FakeLineServer) -> list[tuple[str, str]]:
    return [(recorded.method, recorded.path) for recorded in line.state.requests]


def _menu_ids(line: FakeLineServer) -> set[str]:
    return {menu.rich_menu_id for menu in line.state.rich_menus()}


def _add_installed_menu(line: FakeLineServer, name: str) -> str:
    """A complete menu left by an earlier run, or made by someone else."""
    rich_menu_id = f"richmenu-{secrets.token_hex(16)}"
    line.state.add_rich_menu(rich_menu_id, build_rich_menu_request([_entry()], name))
    line.state.set_rich_menu_image(rich_menu_id, b"\x89PNG stored earlier", "image/png")
    return rich_menu_id


def test_install_creates_uploads_and_sets_default(line: FakeLineServer, apis: Apis) -> None:
    entries = [*ENTRIES[:3], _entry(LONG_THAI_LABEL, data="v1|menu|staff")]
    rich_menu_id = install_rich_menu(*apis, entries, TITLE)

    assert _menu_ids(line) == {rich_menu_id} and line.state.default_rich_menu_id == rich_menu_id
    menu = line.state.rich_menu(rich_menu_id)
    assert menu is not None and menu.image is not None
    assert menu.definition["name"].startswith("sao-main-menu-")
    assert menu.definition == build_rich_menu_request(entries, menu.definition["name"])
    assert menu.image_type == "image/png"
    assert Image.open(io.BytesIO(menu.image)).size == (2500, 1686)
    assert _calls(line) == [
        ("POST", "/v2/bot/richmenu"),
        ("POST", f"/v2/bot/richmenu/{rich_menu_id}/content"),
        ("POST", f"/v2/bot/user/all/richmenu/{rich_menu_id}"),
        ("GET", "/v2/bot/richmenu/list"),
    ]
    assert all(recorded.status == 200 for recorded in line.state.requests)


def test_install_replaces_older_menus_with_the_same_prefix(line: FakeLineServer, apis: Apis) -> None:
    older = _add_installed_menu(line, "sao-main-menu-20240101T000000Z")
    line.state.set_default_rich_menu(older)
    other = _add_installed_menu(line, "songkran-campaign")

    first = install_rich_menu(*apis, ENTRIES, TITLE)
    assert _menu_ids(line) == {first, other} and line.state.default_rich_menu_id == first

    second = install_rich_menu(*apis, ENTRIES[:4], TITLE)
    assert _menu_ids(line) == {second, other} and line.state.default_rich_menu_id == second
    deleted = {path for method, path in _calls(line) if method == "DELETE"}
    assert deleted == {f"/v2/bot/richmenu/{older}", f"/v2/bot/richmenu/{first}"}


@pytest.mark.parametrize("failing_step", ["list", "delete"])
def test_install_succeeds_when_older_menus_cannot_be_cleaned_up(
    line: FakeLineServer, apis: Apis, caplog: pytest.LogCaptureFixture, failing_step: str
) -> None:
    older = _add_installed_menu(line, "sao-main-menu-old")
    failing_path = "/v2/bot/richmenu/list" if failing_step == "list" else f"/v2/bot/richmenu/{older}"
    line.state.fail_next(1, status=500, path_prefix=failing_path)

    with caplog.at_level(logging.WARNING, logger="bot.line.richmenu_install"):
        rich_menu_id = install_rich_menu(*apis, ENTRIES, TITLE)

    assert line.state.default_rich_menu_id == rich_menu_id and _menu_ids(line) == {older, rich_menu_id}
    expected = "Could not list rich menus" if failing_step == "list" else f"Could not delete older rich menu {older}"
    assert expected in caplog.text


@pytest.mark.parametrize(
    "failing_path", ["/v2/bot/richmenu/", "/v2/bot/user/all/richmenu/"], ids=["upload", "set-default"]
)
def test_install_rolls_back_when_a_step_fails(
    line: FakeLineServer,
    apis: Apis,
    caplog: pytest.LogCaptureFixture,
    failing_path: str,
) -> None:
    current = _add_installed_menu(line, "sao-main-menu-current")
    line.state.set_default_rich_menu(current)
    line.state.fail_next(1, status=500, path_prefix=failing_path)

    with caplog.at_level(logging.ERROR, logger="bot.line.richmenu_install"), pytest.raises(ApiException) as raised:
        install_rich_menu(*apis, ENTRIES, TITLE)

    assert raised.value.status == 500
    created_id = _calls(line)[1][1].removeprefix("/v2/bot/richmenu/").removesuffix("/content")
    assert _calls(line)[-1] == ("DELETE", f"/v2/bot/richmenu/{created_id}")
    # The half-made menu is gone; the menu users had is untouched and still the default.
    assert _menu_ids(line) == {current} and line.state.default_rich_menu_id == current
    assert "roll back" in caplog.text


def test_install_with_invalid_entries_makes_no_requests(line: FakeLineServer, apis: Apis) -> None:
    with pytest.raises(ValueError):
        install_rich_menu(*apis, [_entry("ก" * 21)], TITLE)
    assert _calls(line) == []
