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
has. Lines break between Thai words (thai_text.py) where this module measures them: nothing is
added to the text, so the PDF's text layer reads back and is searched exactly as written
(pdftotext finds "ตำบล"). A heading is never left alone at the foot of a page: it starts a
new page unless the start of what follows it fits under it.
"""
from __future__ import annotations

import logging

from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace

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
from bot.reports.pdf_page import (  # the page, its text and its measures
    BODY_PT, HEAD_FILL, HEADING_PT, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MUTED, RULE, SERIES_COLOURS, SMALL_PT, TABLE_PT,
    TITLE_PT, TOTAL_FILL, _fit, _font, _line_height, _lines, _map_textless_glyphs, _need, _Pdf, _text_height, _width, _write,
)
from bot.reports.thai_text import printable, words
from bot.common.thaidate import thai_date, thai_datetime


logging.getLogger("fontTools").setLevel(logging.ERROR)  # subsetting chatter
logging.getLogger("fpdf").setLevel(logging.WARNING)


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
    _map_textless_glyphs(pdf)
    return bytes(pdf.output())


# --- text -------------------------------------------------------------------------------------


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
    # The heading stays with the start of what follows it: the room that block itself needs
    # to begin on a page (else it would start a new page and leave the heading alone).
    heading = 2 + _text_height(pdf, section.title, HEADING_PT, bold=True) + 1
    lead = next((h for h in map(lambda b: _lead(pdf, b), shown) if h is not None), 0.0)
    _need(pdf, heading + lead)
    pdf.ln(2)
    _write(pdf, section.title, HEADING_PT, bold=True)
    pdf.ln(1)
    for block in shown:
        if isinstance(block, Table):
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


def _lead(pdf: _Pdf, block) -> float | None:
    """The height a block needs left on a page to begin there (each block starts a new page
    when less is left); None for a block that draws nothing."""
    if isinstance(block, Table):
        return _table_lead(pdf, block) if "pdf" in block.formats else None
    if isinstance(block, Chart):
        return _chart_lead(pdf, block)
    if isinstance(block, Figures):
        return _figures_lead(pdf, block)
    if isinstance(block, Bullets):
        return _bullets_lead(block)
    if isinstance(block, Paragraph):
        return _paragraph_lead(pdf, block)
    return None


_KEEP_LINES = 3  # a paragraph starts on a page with its first three lines at least (or all of it)


def _paragraph_lead(pdf: _Pdf, block: Paragraph) -> float:
    _font(pdf, BODY_PT, block.bold)
    lines = len(_lines(pdf, block.text, pdf.text_width - 2 * pdf.c_margin))
    return min(lines, _KEEP_LINES) * _line_height(BODY_PT)


def _paragraph(pdf: _Pdf, block: Paragraph) -> None:
    _need(pdf, _paragraph_lead(pdf, block))
    _write(pdf, block.text, BODY_PT, bold=block.bold, indent=0)


def _bullets_lead(block: Bullets) -> float:
    # A titled list stays with its title and the start of what follows it (a measure's table).
    return _line_height(BODY_PT) * (len(block.items) + 1) + (30 if block.title else 0)


def _bullets(pdf: _Pdf, block: Bullets) -> None:
    _need(pdf, _bullets_lead(block))
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


def _figures_lead(pdf: _Pdf, block: Figures) -> float:
    """Its title and its first three figures."""
    label_w = _figures_label_width(pdf, block)
    height = _text_height(pdf, block.title, BODY_PT, bold=True) if block.title else 0.0
    for label, value in block.items[:_KEEP_LINES]:
        height += max(map(len, _figure_lines(pdf, label_w, label, value))) * _line_height(BODY_PT)
    return height


def _figures(pdf: _Pdf, block: Figures) -> None:
    _need(pdf, _figures_lead(pdf, block))
    if block.title:
        _write(pdf, block.title, BODY_PT, bold=True)
    label_w = _figures_label_width(pdf, block)
    for label, value in block.items:
        label_lines, value_lines = _figure_lines(pdf, label_w, label, value)
        lines = max(len(label_lines), len(value_lines))
        _need(pdf, lines * _line_height(BODY_PT))
        y = pdf.get_y()
        pdf.set_x(pdf.l_margin)
        _font(pdf, BODY_PT, bold=True)
        pdf.multi_cell(label_w, _line_height(BODY_PT), "\n".join(label_lines), align="L", new_x="RIGHT", new_y="TOP")
        _font(pdf, BODY_PT)
        pdf.set_xy(pdf.l_margin + label_w, y)
        pdf.multi_cell(pdf.text_width - label_w, _line_height(BODY_PT), "\n".join(value_lines), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), y + lines * _line_height(BODY_PT)))


def _figures_label_width(pdf: _Pdf, block: Figures) -> float:
    _font(pdf, BODY_PT, bold=True)
    longest = max((pdf.get_string_width(printable(label)) for label, _ in block.items), default=0)
    return min(pdf.text_width * 0.55, max(pdf.text_width * 0.3, longest + 5))


def _figure_lines(pdf: _Pdf, label_w: float, label: str, value) -> tuple[list[str], list[str]]:
    _font(pdf, BODY_PT, bold=True)
    label_lines = _lines(pdf, label, label_w - 2 * pdf.c_margin)
    _font(pdf, BODY_PT)
    return label_lines, _lines(pdf, format_value(value), pdf.text_width - label_w - 2 * pdf.c_margin)


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


def _widest_word(pdf: _Pdf, text: str, keep_short: bool = True) -> float:
    """The widest part of a cell that must stay on one line: a word, or a short value
    whole ("15 ม.ค. 2570", "77.61%")."""
    pieces = [printable(text)] if keep_short and len(text) <= 14 else words(text)
    return max((_width(pdf, piece) for piece in pieces if piece and piece[0] not in " \n"), default=0.0)


def _align(column: Column, value) -> str:
    if value is None or value == "":
        return "CENTER"  # the dash of an empty cell
    if column.align:
        return {"L": "LEFT", "C": "CENTER", "R": "RIGHT"}[column.align]
    return "RIGHT" if is_number(value) else "LEFT"


_CELL_PADDING = (0.8, 1.2, 0.8, 1.2)  # top, right, bottom, left


def _table_body(table: Table) -> tuple[list, bool]:
    body = list(table.rows)
    limited = table.pdf_row_limit is not None and len(body) > table.pdf_row_limit
    return (body[: table.pdf_row_limit] if limited else body), limited


def _table_lead(pdf: _Pdf, table: Table) -> float:
    """A short table is kept on one page with its title; a long one starts where its title,
    header and first row fit."""
    body, _ = _table_body(table)
    estimate = 12 + _line_height(TABLE_PT) * 1.3 * (len(body) + (2 if table.total else 1)) + 3
    if estimate < (pdf.bottom - MARGIN_TOP) * 0.6:
        return estimate
    widths = _column_widths(pdf, table, body)
    header = _row_height(pdf, [c.header for c in table.columns], widths, bold=True)
    first = _row_height(pdf, [format_value(v, c) for c, v in zip(table.columns, body[0])], widths)
    return max(30.0, _text_height(pdf, table.title, BODY_PT, bold=True) + 0.5 + header + first + 3)


def _cell_lines(pdf: _Pdf, text: str, width: float) -> list[str]:
    return _lines(pdf, text, width - _CELL_PADDING[1] - _CELL_PADDING[3])


def _row_height(pdf: _Pdf, texts: list[str], widths: list[float], bold: bool = False) -> float:
    _font(pdf, TABLE_PT, bold)
    lines = max(len(_cell_lines(pdf, text, width)) for text, width in zip(texts, widths))
    return lines * _line_height(TABLE_PT) * 0.92 + _CELL_PADDING[0] + _CELL_PADDING[2]


def _table(pdf: _Pdf, table: Table) -> None:
    if table.landscape and not pdf.is_landscape:
        pdf.add_page("L")
    body, limited = _table_body(table)
    _need(pdf, _table_lead(pdf, table))
    _write(pdf, table.title, BODY_PT, bold=True)
    pdf.ln(0.5)
    if not table.rows:
        _write(pdf, table.empty_text, BODY_PT, colour=MUTED, indent=4)
        return
    widths = _column_widths(pdf, table, body)

    def cell(text: str, width: float, bold: bool = False) -> str:  # broken into lines here, between words
        _font(pdf, TABLE_PT, bold)
        return "\n".join(_cell_lines(pdf, text, width))

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
        padding=_CELL_PADDING,
        cell_fill_mode=TableCellFillMode.NONE,
        v_align="MIDDLE",
    ) as out:
        row = out.row()
        for column, width in zip(table.columns, widths):
            row.cell(cell(column.header, width, bold=True), align="CENTER")
        for values in body:
            row = out.row()
            for column, value, width in zip(table.columns, values, widths):
                row.cell(cell(format_value(value, column), width), align=_align(column, value))
        if table.total:
            row = out.row(style=total_style)
            for column, value, width in zip(table.columns, table.total, widths):
                row.cell(cell(format_value(value, column) if value is not None else "", width, bold=True),
                         align=_align(column, value))
    notes = [n for n in (table.note, (f"{table.pdf_limit_note} ({len(body):,} จาก {len(table.rows):,} รายการ)" if limited else "")) if n]
    for note in notes:
        pdf.ln(0.5)
        _write(pdf, note, SMALL_PT, colour=MUTED)


# --- charts ----------------------------------------------------------------------------------------


def _chart_items(chart: Chart) -> list:
    return [r for r in chart.table.rows if any(is_number(r[s.column]) for s in chart.series)]


def _chart_group_height(chart: Chart) -> float:
    return (3.6 if len(chart.series) == 1 else 3.0) * len(chart.series) + 2.2


def _chart_lead(pdf: _Pdf, chart: Chart) -> float | None:
    """A chart that fits on a page is never split; a longer one starts with a few bars at
    least. None: no bars to draw."""
    items = _chart_items(chart)
    if not items:
        return None
    legend_h = 6.0 if len(chart.series) > 1 else 0.0
    group_h = _chart_group_height(chart)
    whole = 10 + legend_h + group_h * min(len(items), chart.pdf_row_limit) + 12
    return whole if whole < pdf.bottom - MARGIN_TOP - 10 else 10 + legend_h + group_h * 3 + 8


def _chart(pdf: _Pdf, chart: Chart) -> None:
    """Horizontal bars: one group per table row, one bar per series, value at the bar's end."""
    items = _chart_items(chart)
    if not items:
        return
    cut = len(items) > chart.pdf_row_limit
    items = items[: chart.pdf_row_limit]
    values = [r[s.column] for r in items for s in chart.series if is_number(r[s.column])]
    top = chart.max_value or _nice_ceiling(max(values))
    bar_h = 3.6 if len(chart.series) == 1 else 3.0
    group_h = _chart_group_height(chart)
    label_w = min(62.0, pdf.text_width * 0.36)
    value_w = 13.0
    plot_w = pdf.text_width - label_w - value_w
    legend_h = 6.0 if len(chart.series) > 1 else 0.0

    lead = _chart_lead(pdf, chart)

    def start_block(title: str) -> float:
        _need(pdf, lead)
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
