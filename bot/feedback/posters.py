"""Printable QR posters for the service counter: scan, send, rate (measure 5).

Each poster carries a QR code of LINE's deep link
`https://line.me/R/oaMessage/<LINE ID>/?<text>`, which opens the chat with the SAO's
Official Account with the text "ประเมินบริการ [<id>]" ready to send; the
satisfaction flow recognises it and starts at the first question for that service.

Drawn with Pillow and the Sarabun font, Thai shaped by raqm (as bot/line/richmenu_image.py does),
lines broken between Thai words (PyThaiNLP), QR codes by segno. A4 portrait at 150 dpi:
one PNG per service, or all of them as pages of one PDF.

    render_poster(procedure, profile) -> PNG bytes
    render_posters_pdf(procedures, profile) -> PDF bytes
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import quote

import segno
from PIL import Image, ImageDraw, ImageFont
from pythainlp.tokenize import word_tokenize

from bot.feedback import satisfaction_texts as t
from bot.common.fonts import font_path
from bot.content.profile import SaoProfile

DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 90
GREEN = "#1B5E20"
INK = "#14211A"
SOFT = "#4A5A50"
LINE_GREEN = "#06C755"


class PosterError(ValueError):
    """What is missing to make posters (in Thai and English)."""


def deep_link(line_id: str, text: str) -> str:
    """LINE's link that opens the chat with the Official Account, `text` ready to send."""
    line_id = line_id.strip()
    if not line_id:
        raise PosterError(
            "ยังไม่ได้ใส่ LINE ID ของ อบต. (line_basic_id ใน content/profile.yaml) / set line_basic_id in content/profile.yaml"
        )
    if not line_id.startswith("@"):
        line_id = "@" + line_id
    return f"https://line.me/R/oaMessage/{quote(line_id, safe='')}/?{quote(text, safe='')}"


def service_link(procedure, profile: SaoProfile) -> str:
    return deep_link(profile.line_basic_id, t.deep_link_text(procedure.id))


@lru_cache(maxsize=32)
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), size, layout_engine=ImageFont.Layout.RAQM)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break Thai between words (Thai writes no spaces between them), never inside one."""
    lines: list[str] = []
    current = ""
    for word in word_tokenize(text, engine="newmm", keep_whitespace=True):
        candidate = current + word
        if current and font.getlength(candidate.strip(), language="th") > width:
            lines.append(current.strip())
            current = word.lstrip()
        else:
            current = candidate
    if current.strip():
        lines.append(current.strip())
    return lines


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, font, fill: str, width: int = PAGE[0]) -> int:
    """Draw one line centred; return the y below it."""
    line_height = int(font.size * 1.45)
    draw.text((width // 2, y + line_height // 2), text, font=font, fill=fill, anchor="mm", language="th")
    return y + line_height


def _block(draw, y: int, text: str, weight: str, size: int, fill: str, max_lines: int = 3) -> int:
    font = _font(weight, size)
    lines = _wrap(text, font, PAGE[0] - 2 * MARGIN)
    while len(lines) > max_lines and size > 24:  # shrink rather than cut the name of a service
        size -= 4
        font = _font(weight, size)
        lines = _wrap(text, font, PAGE[0] - 2 * MARGIN)
    for line in lines:
        y = _centred(draw, y, line, font, fill)
    return y


def _qr_image(link: str, size: int) -> Image.Image:
    qr = segno.make_qr(link, error="m")
    buffer = io.BytesIO()
    modules = qr.symbol_size(scale=1, border=2)[0]
    qr.save(buffer, kind="png", scale=max(1, size // modules), border=2)
    buffer.seek(0)
    image = Image.open(buffer).convert("RGB")
    return image.resize((size, size), Image.Resampling.NEAREST)


def render_poster_image(procedure, profile: SaoProfile) -> Image.Image:
    link = service_link(procedure, profile)
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, PAGE[0], 170), fill=GREEN)
    header = _font("Bold", 58)
    draw.text((PAGE[0] // 2, 85), profile.name, font=header, fill="white", anchor="mm", language="th")
    y = 215
    y = _block(draw, y, t.POSTER_TITLE, "Bold", 64, INK, max_lines=2)
    y += 10
    y = _block(draw, y, procedure.short_title, "Bold", 84, GREEN, max_lines=2)
    if procedure.title != procedure.short_title:
        y = _block(draw, y, procedure.title, "Regular", 34, SOFT, max_lines=3)
    qr_size = 640
    y += 25
    qr = _qr_image(link, qr_size)
    frame = 14
    left = (PAGE[0] - qr_size) // 2
    draw.rounded_rectangle((left - frame, y - frame, left + qr_size + frame, y + qr_size + frame), radius=24, outline=LINE_GREEN, width=8)
    page.paste(qr, (left, y))
    y += qr_size + frame + 40
    steps = _font("Regular", 40)
    for line in t.POSTER_STEPS:
        draw.text((MARGIN + 40, y), line, font=steps, fill=INK, language="th")
        y += int(40 * 1.6)
    y += 20
    footer = t.POSTER_FOOTER + (f" • LINE {profile.line_basic_id}" if profile.line_basic_id else "")
    _block(draw, max(y, PAGE[1] - 140), footer, "Regular", 32, SOFT, max_lines=2)
    draw.text((PAGE[0] - 30, PAGE[1] - 24), procedure.id, font=_font("Regular", 20), fill="#9AA79F", anchor="rb")
    return page


def render_poster(procedure, profile: SaoProfile) -> bytes:
    buffer = io.BytesIO()
    render_poster_image(procedure, profile).save(buffer, format="PNG", dpi=(DPI, DPI), optimize=True)
    return buffer.getvalue()


def render_posters_pdf(procedures: Sequence, profile: SaoProfile) -> bytes:
    """All posters as pages of one A4 PDF, for the console's download and for printing."""
    if not procedures:
        raise PosterError("ไม่มีบริการให้ทำป้าย / no services to make posters for")
    pages = [render_poster_image(p, profile) for p in procedures]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=DPI, title=t.POSTER_TITLE)
    return buffer.getvalue()
