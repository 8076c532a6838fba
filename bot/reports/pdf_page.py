"""The PDF page the reports are drawn on (render_pdf.py): A4 with Sarabun shaped by HarfBuzz, a
text layer that reads back exactly as written (each glyph carries its share of the word's text;
marks with none get an empty entry, never a stray character), and Thai text measured and broken
into lines between words without adding anything to the text.
"""
from __future__ import annotations

import re

from fpdf import FPDF
from fpdf.fonts import TTFFont

from bot.common.fonts import font_path
from bot.reports.thai_text import printable, words

FONT = "Sarabun"
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 25.0, 20.0, 22.0, 20.0
BODY_PT, SMALL_PT, TABLE_PT, HEADING_PT, TITLE_PT = 12, 9, 10, 14, 17
INK = (0, 0, 0)
MUTED = (85, 85, 85)
RULE = (120, 120, 120)
HEAD_FILL = (226, 236, 230)
TOTAL_FILL = (242, 242, 242)
SERIES_COLOURS = ((11, 93, 59), (160, 170, 180), (196, 120, 30), (70, 110, 170))
MM_PER_PT = 0.3528


class _ClusterFont(TTFFont):
    """fpdf2's TrueType font, giving each drawn glyph its share of the text.

    HarfBuzz draws a Thai cluster as several glyphs; SARA AM (ำ) even as two, NIKHAHIT and
    SARA AA. fpdf2 gives the cluster's whole text to its first glyph and none to the others,
    so a glyph with a width (SARA AA) reads back as nothing: text extraction sees a gap and
    puts a space, or a stray control character, inside the word ("ตำ บล"). Here the text is
    shared out in order, one character a glyph, and when there are fewer characters than
    glyphs only zero-width marks go without (ตำ: ต; the NIKHAHIT mark, nothing; SARA AA, ำ).
    Read in order the glyphs give the text exactly, with no character added."""

    __slots__ = ()

    def shape_text(self, text, font_size_pt, text_shaping_params):
        if not text:
            return []
        infos, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        clusters = [int(info.cluster) for info in infos]
        if any(a > b for a, b in zip(clusters, clusters[1:])):  # right-to-left: fpdf2's way
            return super().shape_text(text, font_size_pt, text_shaping_params)
        metrics = self.ttfont["hmtx"].metrics
        names = [self.ttfont.getGlyphName(info.codepoint) for info in infos]
        widths = [round(self.scale * metrics[name][0]) for name in names]
        shares: list[tuple[int, ...]] = []
        start = 0
        while start < len(infos):
            end = start
            while end < len(infos) and clusters[end] == clusters[start]:
                end += 1
            following = clusters[end] if end < len(infos) else len(text)
            first = clusters[start] if start else 0  # text before the first cluster goes with it
            chars = [ord(ch) for ch in text[first:following]]
            shares.extend(_share(chars, [widths[i] > 0 or positions[i].x_advance > 0 for i in range(start, end)]))
            start = end
        text_info = []
        for info, position, name, width, unicode in zip(infos, positions, names, widths, shares):
            glyph = self.subset.get_glyph(glyph=info.codepoint, unicode=unicode, glyph_name=name, glyph_width=width)
            if glyph is None:
                continue
            text_info.append({
                "mapped_char": self.subset.pick_glyph(glyph),
                "x_advance": position.x_advance,
                "y_advance": position.y_advance,
                "x_offset": position.x_offset,
                "y_offset": position.y_offset,
                "force_positioning": (width != position.x_advance or position.x_offset != 0
                                      or position.y_offset != 0 or position.y_advance != 0),
            })
        return text_info


def _share(chars: list[int], advancing: list[bool]) -> list[tuple[int, ...]]:
    """One cluster's characters shared out, in order, among its glyphs (see _ClusterFont)."""
    glyphs = len(advancing)
    if len(chars) >= glyphs:  # one each, any extra ones (a ligature's) with the first
        extra = len(chars) - glyphs
        return [tuple(chars[: extra + 1])] + [(ch,) for ch in chars[extra + 1:]]
    shares: list[tuple[int, ...]] = []
    given = 0
    for index, advances in enumerate(advancing):
        left = len(chars) - given
        wanted = sum(advancing[index:])  # glyphs with a width, this one on, each to get one
        if left > 0 and (advances or left > wanted):
            shares.append((chars[given],))
            given += 1
        else:
            shares.append(())
    return shares


class _NoText(int):
    """A glyph's text that is nothing: its ToUnicode entry is written "<0010> <>".

    The only glyphs left without a character (_ClusterFont) are zero-width marks, such as
    the NIKHAHIT drawn for the ำ of "ตำ". With no entry a text extractor reads the glyph's
    number instead, a control character inside the word ("ต\x10ำบล"); an empty entry reads as
    nothing. fpdf2 writes an entry from a glyph's code points, each formatted as hex: this one
    formats as no digits at all."""

    def __format__(self, spec: str) -> str:
        return ""


def _map_textless_glyphs(pdf: "_Pdf") -> None:
    """Give each glyph without text the empty text (_NoText); once every page is drawn."""
    for font in pdf.fonts.values():
        subset = getattr(font, "subset", None)
        if subset is None:
            continue
        for glyph, _ in subset.items():
            if glyph is not None and isinstance(glyph.unicode, tuple) and not glyph.unicode:
                glyph.unicode = (_NoText(0),)


class _Pdf(FPDF):
    def __init__(self):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.page_sizes: dict[int, tuple[float, float, float, float]] = {}
        self.add_font(FONT, "", str(font_path("Regular")))
        self.add_font(FONT, "B", str(font_path("Bold")))
        for font in self.fonts.values():
            if type(font) is TTFFont:
                font.__class__ = _ClusterFont
        self.set_text_shaping(True)
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(True, MARGIN_BOTTOM)
        self.c_margin = 1.2

    def add_page(self, orientation: str = "", *args, **kwargs):
        super().add_page(orientation=orientation, *args, **kwargs)
        self.page_sizes[self.page] = (self.w_pt, self.h_pt, self.w, self.h)

    def go_to_page(self, number: int) -> None:
        """Draw on an earlier page. fpdf2 turns y into PDF coordinates with the current
        page's height, so the page's own size comes back with it; and its stream last
        selected whatever font its content ended with, so the next set_font must select again."""
        self.page = number
        self.w_pt, self.h_pt, self.w, self.h = self.page_sizes[number]
        self.font_family, self.current_font_is_set_on_page = "", False

    @property
    def text_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    @property
    def bottom(self) -> float:
        return self.h - self.b_margin

    @property
    def is_landscape(self) -> bool:
        return self.w > self.h


# --- measuring and breaking lines ---------------------------------------------------------------------


_char_widths: dict[tuple[str, str, float], float] = {}


def _width(pdf: _Pdf, text: str) -> float:
    """The width of text in the current font as fpdf2's line breaking measures it: the sum of
    its characters' (each shaped alone, so a Thai mark has none; a kerned pair is a little
    wider than drawn). A line measured so is never broken again by multi_cell."""
    style, size, total = pdf.font_family + pdf.font_style, pdf.font_size_pt, 0.0
    for ch in text:
        key = (ch, style, size)
        width = _char_widths.get(key)
        if width is None:
            if len(_char_widths) > 20_000:
                _char_widths.clear()
            width = _char_widths[key] = pdf.get_string_width(ch)
        total += width
    return total


_MARK = re.compile(r"[\u0e31\u0e33-\u0e3a\u0e47-\u0e4e]")


def _lines(pdf: _Pdf, text: str, width: float) -> list[str]:
    """Text in the current font broken into lines no wider than `width` millimetres: between
    Thai words and at spaces, keeping its own line breaks; a word longer than a line is cut
    between letters (never between a consonant and its vowel or tone mark). The lines joined
    hold the text's characters and nothing else (spaces where a line breaks are dropped)."""
    width -= 0.01  # rounding: what fits here fits in fpdf2's measure too
    lines: list[str] = []
    for paragraph in printable(text).split("\n"):
        line, line_w, space = "", 0.0, ""
        for piece in words(paragraph):
            if piece[0] == " ":
                space = piece if line else ""  # a space at a line's start is dropped
                continue
            piece_w = _width(pdf, piece)
            space_w = _width(pdf, space) if space else 0.0
            if line_w + space_w + piece_w <= width:
                line, line_w, space = line + space + piece, line_w + space_w + piece_w, ""
                continue
            if line.strip():
                lines.append(line)
            line, line_w, space = "", 0.0, ""
            while piece_w > width:  # longer than a whole line: cut it between letters
                cut = _cut(pdf, piece, width)
                lines.append(piece[:cut])
                piece = piece[cut:]
                piece_w = _width(pdf, piece)
            line, line_w = piece, piece_w
        lines.append(line)
    return lines


def _cut(pdf: _Pdf, word: str, width: float) -> int:
    """Where to cut a word so its first part fits `width`: before a letter (not a vowel or
    tone mark that goes with the letter before it), not after a leading vowel (เ แ โ ใ ไ)."""
    best = 1
    for cut in range(1, len(word)):
        if _width(pdf, word[:cut]) > width:
            break
        if not _MARK.match(word[cut]) and word[cut - 1] not in "\u0e40\u0e41\u0e42\u0e43\u0e44":
            best = cut
    return best


def _wrapped(pdf: _Pdf, text: str, width: float) -> str:
    """Text with a line break wherever _lines breaks it: for multi_cell and table cells,
    which then only follow those breaks."""
    return "\n".join(_lines(pdf, text, width))


# --- writing text -----------------------------------------------------------------------------------


def _font(pdf: _Pdf, size: float, bold: bool = False, colour=INK) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*colour)


def _line_height(size: float) -> float:
    return size * MM_PER_PT * 1.45


def _write(pdf: _Pdf, text: str, size: float = BODY_PT, bold: bool = False, align: str = "L", colour=INK, indent: float = 0.0) -> None:
    _font(pdf, size, bold, colour)
    pdf.set_x(pdf.l_margin + indent)
    width = pdf.text_width - indent
    pdf.multi_cell(width, _line_height(size), _wrapped(pdf, text, width - 2 * pdf.c_margin), align=align,
                   new_x="LMARGIN", new_y="NEXT")


def _text_height(pdf: _Pdf, text: str, size: float = BODY_PT, bold: bool = False, indent: float = 0.0) -> float:
    """How tall _write draws text."""
    _font(pdf, size, bold)
    return len(_lines(pdf, text, pdf.text_width - indent - 2 * pdf.c_margin)) * _line_height(size)


def _fit(pdf: _Pdf, text: str, width: float) -> str:
    """One line of text shortened with … to fit a width (chart labels)."""
    text = printable(text)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    while text and "\u0e30" <= text[-1] <= "\u0e4e" and text[-1] not in "\u0e30\u0e32\u0e33\u0e40\u0e41\u0e42\u0e43\u0e44\u0e45\u0e46":
        text = text[:-1]  # never end on a dangling vowel or tone mark
    return text + "…"


def _need(pdf: _Pdf, height: float) -> None:
    """Start a new page unless `height` millimetres still fit on this one."""
    if pdf.get_y() + height > pdf.bottom:
        pdf.add_page("L" if pdf.is_landscape else "P")


# --- title, sections and blocks ------------------------------------------------------------------
