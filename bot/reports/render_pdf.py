"""Any report Document as a PDF in the style of a Thai government report.

- A4, Sarabun (SIL OFL, shipped by fontpkg-sarabun) shaped with HarfBuzz (fpdf2's text
  shaping through uharfbuzz), so vowels and tone marks sit where they belong;
- a title block (report, SAO, address, period, the date the data was read), numbered
  sections, tables with Thai headers repeated on every page they span, bar charts drawn
  with PDF lines and rectangles (no image, sharp at any zoom);
- a header with the SAO's name and the report on every page after the first, and a footer
  with "หน้า 1/3" and the date of the data, drawn once the number of pages is known;
- wide tables on landscape pages; dates in the Buddhist Era.

Text from citizens and staff is drawn as text (never markup), only with characters the font
has, and with a break opportunity between Thai words (thai_text.py).
"""
from __future__ import annotations

import logging

from fpdf import FPDF
from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace

from bot.common.fonts import font_path
from bot.reports.document import (
    Bullets,
    Chart,
    Column,
    Document,
    Figures,
    Paragraph,
    Section,
    Table,
    format_value,
    is_number,
)
from bot.reports.thai_text import breakable, printable
from bot.common.thaidate import thai_date, thai_datetime

FONT = "Sarabun"
BODY_PT, SMALL_PT, TABLE_PT, HEADING_PT, TITLE_PT = 12, 9, 10, 14, 17
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 25.0, 20.0, 22.0, 20.0
INK = (0, 0, 0)
MUTED = (85, 85, 85)
RULE = (120, 120, 120)
HEAD_FILL = (226, 236, 230)
TOTAL_FILL = (242, 242, 242)
SERIES_COLOURS = ((11, 93, 59), (160, 170, 180), (196, 120, 30), (70, 110, 170))
MM_PER_PT = 0.3528

logging.getLogger("fontTools").setLevel(logging.ERROR)  # subsetting chatter
logging.getLogger("fpdf").setLevel(logging.WARNING)


class _Pdf(FPDF):
    def __init__(self):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.page_sizes: dict[int, tuple[float, float, float, float]] = {}
        self.add_font(FONT, "", str(font_path("Regular")))
        self.add_font(FONT, "B", str(font_path("Bold")))
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


def render_pdf(doc: Document) -> bytes:
    pdf = _Pdf()
    pdf.set_title(f"{doc.title} {doc.period_label}")
    pdf.set_author(doc.organisation)
    pdf.set_subject(doc.subtitle)
    pdf.set_creator("SAO LINE bot")
    pdf.set_lang("th")
    pdf.set_creation_date(doc.generated_at)
    pdf.add_page()
    _title_block(pdf, doc)
    for section in doc.sections:
        _section(pdf, section, doc)
    _headers_and_footers(pdf, doc)
    _map_split_glyphs(pdf)
    return bytes(pdf.output())


def _map_split_glyphs(pdf: _Pdf) -> None:
    """Give every glyph a text meaning, so the PDF's text reads back right.

    HarfBuzz draws SARA AM (ำ) as two glyphs, NIKHAHIT and SARA AA; fpdf2 maps the whole
    character to the first and leaves the second with no meaning, which text extraction then
    reads as a stray control character ("ตำ\x03บล"). It is mapped to a zero-width space:
    invisible in copied text, and the word reads "ตำบล"."""
    for font in pdf.fonts.values():
        subset = getattr(font, "subset", None)
        if subset is None:
            continue
        for glyph, _ in subset.items():
            if glyph is not None and isinstance(glyph.unicode, tuple) and not glyph.unicode:
                glyph.unicode = (0x200B,)


# --- text -------------------------------------------------------------------------------------


def _font(pdf: _Pdf, size: float, bold: bool = False, colour=INK) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*colour)


def _line_height(size: float) -> float:
    return size * MM_PER_PT * 1.45


def _write(pdf: _Pdf, text: str, size: float = BODY_PT, bold: bool = False, align: str = "L", colour=INK, indent: float = 0.0) -> None:
    _font(pdf, size, bold, colour)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.text_width - indent, _line_height(size), breakable(text), align=align, new_x="LMARGIN", new_y="NEXT")


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


def _title_block(pdf: _Pdf, doc: Document) -> None:
    pdf.set_y(MARGIN_TOP + 6)
    _write(pdf, doc.title, TITLE_PT, bold=True, align="C")
    if doc.scope:
        _write(pdf, f"({doc.scope})", BODY_PT + 1, bold=True, align="C")
    _write(pdf, doc.organisation, BODY_PT + 2, bold=True, align="C")
    if doc.address:
        _write(pdf, doc.address, BODY_PT, align="C", colour=MUTED)
    pdf.ln(1.5)
    _write(pdf, doc.subtitle, BODY_PT + 1, align="C")
    _write(pdf, f"ข้อมูล ณ วันที่ {thai_date(doc.generated_at)} เวลา {doc.generated_at:%H.%M} น.", SMALL_PT + 1, align="C", colour=MUTED)
    y = pdf.get_y() + 3
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin + 30, y, pdf.w - pdf.r_margin - 30, y)
    pdf.set_y(y + 5)


def _section(pdf: _Pdf, section: Section, doc: Document) -> None:
    shown = [b for b in section.blocks if not isinstance(b, Table) or "pdf" in b.formats]
    wide = bool(shown) and isinstance(shown[0], Table) and shown[0].landscape
    if wide and not pdf.is_landscape:
        pdf.add_page("L")  # the heading goes with its wide table
    elif pdf.is_landscape and not wide:
        pdf.add_page("P")
    _need(pdf, 30)
    pdf.ln(2)
    _write(pdf, section.title, HEADING_PT, bold=True)
    pdf.ln(1)
    for block in section.blocks:
        if isinstance(block, Table):
            if "pdf" in block.formats:
                _table(pdf, block)
        elif isinstance(block, Chart):
            _chart(pdf, block)
        elif isinstance(block, Figures):
            _figures(pdf, block)
        elif isinstance(block, Bullets):
            _bullets(pdf, block)
        elif isinstance(block, Paragraph):
            _paragraph(pdf, block)
        pdf.ln(2.5)


def _paragraph(pdf: _Pdf, block: Paragraph) -> None:
    _write(pdf, block.text, BODY_PT, bold=block.bold, indent=0)


def _bullets(pdf: _Pdf, block: Bullets) -> None:
    # A titled list stays with its title and the start of what follows it (a measure's table).
    _need(pdf, _line_height(BODY_PT) * (len(block.items) + 1) + (30 if block.title else 0))
    if block.title:
        _write(pdf, block.title, BODY_PT, bold=True)
    for item in block.items:
        _font(pdf, BODY_PT)
        y = pdf.get_y()
        _need(pdf, _line_height(BODY_PT))
        if pdf.get_y() < y:
            y = pdf.get_y()
        pdf.set_xy(pdf.l_margin + 2, pdf.get_y())
        pdf.cell(5, _line_height(BODY_PT), "•")
        _write(pdf, item, BODY_PT, indent=7)


def _figures(pdf: _Pdf, block: Figures) -> None:
    if block.title:
        _write(pdf, block.title, BODY_PT, bold=True)
    _font(pdf, BODY_PT, bold=True)
    longest = max((pdf.get_string_width(printable(label)) for label, _ in block.items), default=0)
    label_w = min(pdf.text_width * 0.55, max(pdf.text_width * 0.3, longest + 5))
    for label, value in block.items:
        _font(pdf, BODY_PT, bold=True)
        lines = max(
            len(pdf.multi_cell(label_w, _line_height(BODY_PT), breakable(label), dry_run=True, output="LINES")),
            len(pdf.multi_cell(pdf.text_width - label_w, _line_height(BODY_PT), breakable(format_value(value)), dry_run=True, output="LINES")),
        )
        _need(pdf, lines * _line_height(BODY_PT))
        y = pdf.get_y()
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(label_w, _line_height(BODY_PT), breakable(label), align="L", new_x="RIGHT", new_y="TOP")
        _font(pdf, BODY_PT)
        pdf.set_xy(pdf.l_margin + label_w, y)
        pdf.multi_cell(pdf.text_width - label_w, _line_height(BODY_PT), breakable(format_value(value)), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), y + lines * _line_height(BODY_PT)))


def _column_widths(pdf: _Pdf, table: Table, body: list) -> list[float]:
    """The columns' relative widths, widened where a word would not fit (fpdf2 would then cut
    it mid-word, even between a consonant and its vowel); the others give up the room."""
    padding = 2 * 1.2 + 1.0
    minimum = []
    for index, column in enumerate(table.columns):
        _font(pdf, TABLE_PT, bold=True)
        widest = _widest_word(pdf, column.header, keep_short=False)  # headings wrap between words
        _font(pdf, TABLE_PT)
        for values in body[:200] + ([table.total] if table.total else []):
            widest = max(widest, _widest_word(pdf, format_value(values[index], column)))
        minimum.append(widest + padding)
    total = pdf.text_width
    weights = [c.width for c in table.columns]
    fixed: dict[int, float] = {}
    for _ in range(len(weights)):
        free = total - sum(fixed.values())
        free_weight = sum(w for i, w in enumerate(weights) if i not in fixed) or 1
        widths = [fixed.get(i, free * w / free_weight) for i, w in enumerate(weights)]
        short = [i for i, w in enumerate(widths) if i not in fixed and w < minimum[i]]
        if not short:
            break
        for i in short:
            fixed[i] = minimum[i]
    if sum(widths) > total + 0.01:  # the words themselves are wider than the page: scale down
        widths = [w * total / sum(widths) for w in widths]
    return widths


_word_widths: dict[tuple[str, str, float], float] = {}


def _widest_word(pdf: _Pdf, text: str, keep_short: bool = True) -> float:
    """The widest part of a cell that must stay on one line: a word, or a short value
    whole ("15 ม.ค. 2570", "77.61%")."""
    widest = 0.0
    words = [text] if keep_short and len(text) <= 14 else breakable(text).replace("\u200b", " ").split()
    for word in words:
        key = (word, pdf.font_style, pdf.font_size_pt)
        if key not in _word_widths:
            if len(_word_widths) > 50_000:
                _word_widths.clear()
            _word_widths[key] = pdf.get_string_width(word)
        widest = max(widest, _word_widths[key])
    return widest


def _align(column: Column, value) -> str:
    if value is None or value == "":
        return "CENTER"  # the dash of an empty cell
    if column.align:
        return {"L": "LEFT", "C": "CENTER", "R": "RIGHT"}[column.align]
    return "RIGHT" if is_number(value) else "LEFT"


def _table(pdf: _Pdf, table: Table) -> None:
    if table.landscape and not pdf.is_landscape:
        pdf.add_page("L")
    body = list(table.rows)
    limited = table.pdf_row_limit is not None and len(body) > table.pdf_row_limit
    if limited:
        body = body[: table.pdf_row_limit]
    # A short table is kept on one page with its title; a long one starts where it may.
    estimate = 12 + _line_height(TABLE_PT) * 1.3 * (len(body) + (2 if table.total else 1)) + 3
    _need(pdf, estimate if estimate < (pdf.bottom - MARGIN_TOP) * 0.6 else 30)
    _write(pdf, table.title, BODY_PT, bold=True)
    pdf.ln(0.5)
    if not table.rows:
        _write(pdf, table.empty_text, BODY_PT, colour=MUTED, indent=4)
        return
    widths = _column_widths(pdf, table, body)
    _font(pdf, TABLE_PT)
    heading = FontFace(emphasis="BOLD", fill_color=HEAD_FILL, size_pt=TABLE_PT)
    total_style = FontFace(emphasis="BOLD", fill_color=TOTAL_FILL, size_pt=TABLE_PT)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.set_fill_color(255, 255, 255)  # a chart's last bar colour would shade every cell
    with pdf.table(
        align="LEFT",  # at the left margin (fpdf2 would centre it on the page, not between the margins)
        col_widths=widths,
        width=pdf.text_width,
        line_height=_line_height(TABLE_PT) * 0.92,
        text_align="LEFT",
        headings_style=heading,
        repeat_headings=1,
        padding=(0.8, 1.2, 0.8, 1.2),
        cell_fill_mode=TableCellFillMode.NONE,
        v_align="MIDDLE",
    ) as out:
        row = out.row()
        for column in table.columns:
            row.cell(breakable(column.header), align="CENTER")
        for values in body:
            row = out.row()
            for column, value in zip(table.columns, values):
                row.cell(breakable(format_value(value, column)), align=_align(column, value))
        if table.total:
            row = out.row(style=total_style)
            for column, value in zip(table.columns, table.total):
                row.cell(breakable(format_value(value, column) if value is not None else ""), align=_align(column, value))
    notes = [n for n in (table.note, (f"{table.pdf_limit_note} ({len(body):,} จาก {len(table.rows):,} รายการ)" if limited else "")) if n]
    for note in notes:
        pdf.ln(0.5)
        _write(pdf, note, SMALL_PT, colour=MUTED)


# --- charts ----------------------------------------------------------------------------------------


def _chart(pdf: _Pdf, chart: Chart) -> None:
    """Horizontal bars: one group per table row, one bar per series, value at the bar's end."""
    items = [r for r in chart.table.rows if any(is_number(r[s.column]) for s in chart.series)]
    if not items:
        return
    cut = len(items) > chart.pdf_row_limit
    items = items[: chart.pdf_row_limit]
    values = [r[s.column] for r in items for s in chart.series if is_number(r[s.column])]
    top = chart.max_value or _nice_ceiling(max(values))
    bar_h = 3.6 if len(chart.series) == 1 else 3.0
    group_h = bar_h * len(chart.series) + 2.2
    label_w = min(62.0, pdf.text_width * 0.36)
    value_w = 13.0
    plot_w = pdf.text_width - label_w - value_w
    legend_h = 6.0 if len(chart.series) > 1 else 0.0

    whole = 10 + legend_h + group_h * len(items) + 12

    def start_block(title: str) -> float:
        # A chart that fits on a page is never split; a longer one starts with a few bars at least.
        _need(pdf, whole if whole < pdf.bottom - MARGIN_TOP - 10 else 10 + legend_h + group_h * 3 + 8)
        _write(pdf, title, BODY_PT, bold=True)
        y = pdf.get_y() + 1
        if legend_h:
            x = pdf.l_margin + label_w
            _font(pdf, SMALL_PT)
            for i, s in enumerate(chart.series):
                pdf.set_fill_color(*SERIES_COLOURS[i % len(SERIES_COLOURS)])
                pdf.rect(x, y + 1.2, 3.5, 3.5, style="F")
                pdf.set_xy(x + 4.5, y)
                label = printable(s.name)
                pdf.cell(pdf.get_string_width(label) + 2, 6, label)
                x += pdf.get_string_width(label) + 12
            y += legend_h
        return y

    y = start_block(chart.title)
    x0 = pdf.l_margin + label_w
    top_y = y
    for row in items:
        if y + group_h > pdf.bottom - 8:
            _axis(pdf, x0, top_y, y, plot_w, top, chart)
            pdf.add_page("L" if pdf.is_landscape else "P")
            y = start_block(f"{chart.title} (ต่อ)")
            top_y = y
        _font(pdf, SMALL_PT + 0.5)
        label = _fit(pdf, format_value(row[chart.label_column]), label_w - 3)
        pdf.set_xy(pdf.l_margin, y + (group_h - 2.2) / 2 - 2.5)
        pdf.cell(label_w - 2, 5, label, align="R")
        for i, s in enumerate(chart.series):
            value = row[s.column]
            by = y + i * bar_h
            if is_number(value):
                width = max(0.0, min(1.0, value / top)) * plot_w if top else 0
                pdf.set_fill_color(*SERIES_COLOURS[i % len(SERIES_COLOURS)])
                if width > 0:
                    pdf.rect(x0, by, width, bar_h - 0.4, style="F")
                _font(pdf, SMALL_PT - 1, colour=MUTED)
                pdf.set_xy(x0 + width + 0.8, by - 0.7)
                text = f"{value:,.{chart.decimals}f}"
                pdf.cell(value_w, bar_h + 0.6, text)
        y += group_h
    _axis(pdf, x0, top_y, y, plot_w, top, chart)
    pdf.set_y(y + 7)
    if cut:
        _write(pdf, f"แผนภูมิแสดง {chart.pdf_row_limit} รายการแรก ดูทั้งหมดในตาราง", SMALL_PT, colour=MUTED)


def _axis(pdf: _Pdf, x0: float, y_top: float, y_bottom: float, plot_w: float, top: float, chart: Chart) -> None:
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.25)
    pdf.line(x0, y_top - 1, x0, y_bottom)
    pdf.line(x0, y_bottom, x0 + plot_w, y_bottom)
    _font(pdf, SMALL_PT - 1, colour=MUTED)
    whole = all(float(r[s.column]).is_integer() for r in chart.table.rows for s in chart.series if is_number(r[s.column]))
    steps = int(top) if whole and top < 5 and float(top).is_integer() else 5
    for i in range(steps + 1):
        x = x0 + plot_w * i / steps
        pdf.line(x, y_bottom, x, y_bottom + 1.2)
        value = top * i / steps
        text = f"{value:,.{chart.decimals if not float(value).is_integer() else 0}f}"
        pdf.set_xy(x - 8, y_bottom + 1.2)
        pdf.cell(16, 4, text, align="C")
    if chart.unit:
        pdf.set_xy(x0 + plot_w - 30, y_bottom + 4.5)
        pdf.cell(30, 4, printable(f"({chart.unit})"), align="R")


def _nice_ceiling(value: float) -> float:
    from bot.console.charts import nice_ceiling

    return nice_ceiling(value)


# --- every page: header and footer -----------------------------------------------------------------


def _headers_and_footers(pdf: _Pdf, doc: Document) -> None:
    """Drawn after the content, when the number of pages is known ("หน้า 2/7")."""
    total = pdf.page
    pdf.set_auto_page_break(False)
    printed = thai_datetime(doc.generated_at)
    for number in range(1, total + 1):
        pdf.go_to_page(number)
        w, h = pdf.w, pdf.h
        left, right = MARGIN_LEFT, w - MARGIN_RIGHT
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        _font(pdf, SMALL_PT, colour=MUTED)
        if number > 1:
            pdf.set_xy(left, 9)
            pdf.cell((right - left) * 0.55, 5, _fit(pdf, f"{doc.organisation} · {doc.title}", (right - left) * 0.55 - 3), align="L")
            pdf.set_xy(left + (right - left) * 0.55, 9)
            pdf.cell((right - left) * 0.45, 5, _fit(pdf, doc.period_label, (right - left) * 0.45 - 3), align="R")
            pdf.line(left, 15, right, 15)
        pdf.line(left, h - 13, right, h - 13)
        pdf.set_xy(left, h - 12)
        pdf.cell((right - left) * 0.7, 5, printable(f"ข้อมูล ณ {printed}" + (f" · {doc.scope}" if doc.scope else "")), align="L")
        pdf.set_xy(left + (right - left) * 0.7, h - 12)
        pdf.cell((right - left) * 0.3, 5, f"หน้า {number}/{total}", align="R")
