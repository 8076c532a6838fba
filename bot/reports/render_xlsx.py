"""Any report Document as an Excel workbook (XLSX): a cover sheet, then one sheet per table.

- The cover sheet (รายงาน) holds the title, the SAO, the period, when the data was read, and
  every paragraph, key figure and list of the report, section by section.
- Each table has its own sheet: its title and period on the first two rows, Thai headers on
  row 4 (frozen, bold, filterable), the rows, a bold total row, and its note. Numbers stay
  numbers (with a number format) so the SAO can compute with them; a table drawn as a chart
  in the PDF also gets an Excel bar chart beside it.
- Every text cell goes through bot.console.exports.neutralise: citizen text that starts like a
  formula (= + - @ …) gets a leading apostrophe and is stored as text, never run.
"""
from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from bot.console.exports import neutralise
from bot.reports.document import Bullets, Chart, Column, Document, Figures, Paragraph, Table, format_value, is_number
from bot.common.thaidate import thai_datetime

HEADER_ROW = 4  # tables: title (1), period (2), blank (3), headers (4)
COVER = "รายงาน"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BOLD = Font(name="Sarabun", bold=True)
_TITLE = Font(name="Sarabun", bold=True, size=14)
_PLAIN = Font(name="Sarabun")
_MUTED = Font(name="Sarabun", italic=True, color="555555")
_HEAD_FILL = PatternFill("solid", fgColor="E2ECE6")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _text(value) -> object:
    """A cell value: numbers as numbers, everything else neutralised text."""
    if is_number(value):
        return value
    if value is None:
        return None
    return _ILLEGAL.sub("", str(neutralise(value)))


def _put(sheet, row: int, col: int, value, font=_PLAIN, **style):
    cell = sheet.cell(row=row, column=col, value=_text(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # text, always: never read back as a formula
    cell.font = font
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


class _Styles:
    """Named styles for table cells: one per look (body or total, number format, wrapped), made
    once per workbook. Setting a cell's font, border and format one by one costs openpyxl a
    hash of each style object per cell (7 s for a list of 10,000 tickets); a named style is one."""

    def __init__(self, book):
        self.book = book
        self.made: dict[tuple, str] = {}

    def name(self, total: bool, number_format: str | None, wrap: bool) -> str:
        key = (total, number_format, wrap)
        if key not in self.made:
            style = NamedStyle(name=f"report-{len(self.made)}")
            style.font = _BOLD if total else _PLAIN
            style.border = _BOX
            if total:
                style.fill = _TOTAL_FILL
            if number_format:
                style.number_format = number_format
            if wrap:
                style.alignment = _WRAP
            self.book.add_named_style(style)
            self.made[key] = style.name
        return self.made[key]


def _cell(sheet, styles: _Styles, row: int, col: int, column: Column, value, total: bool = False) -> None:
    cell = sheet.cell(row=row, column=col, value=_text(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # text, always: never read back as a formula
    wrap = isinstance(value, str) and len(value) > 40
    cell.style = styles.name(total, _number_format(column, value), wrap)


def _number_format(column: Column, value) -> str | None:
    if isinstance(value, bool) or not is_number(value):
        return None
    if isinstance(value, float):
        decimals = column.decimals if column.decimals is not None else 2
        return "#,##0" + ("." + "0" * decimals if decimals else "")
    return "#,##0"


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "ตาราง"
    name, n = base, 2
    while name in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def render_xlsx(doc: Document) -> bytes:
    book = Workbook()
    cover = book.active
    cover.title = COVER
    used = {COVER}
    _cover(cover, doc)
    styles = _Styles(book)
    for table in doc.tables():
        if "xlsx" not in table.formats:
            continue
        sheet = book.create_sheet(_sheet_name(table.sheet or table.title, used))
        _table(sheet, table, doc, styles)
    book.properties.title = doc.title
    book.properties.creator = doc.organisation
    book.properties.subject = doc.period_label
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cover(sheet, doc: Document) -> None:
    sheet.column_dimensions["A"].width = 46
    sheet.column_dimensions["B"].width = 90
    row = 1
    _put(sheet, row, 1, doc.title, _TITLE)
    for line in (doc.scope and f"({doc.scope})", doc.organisation, doc.address, doc.subtitle,
                 f"ข้อมูล ณ {thai_datetime(doc.generated_at)}"):
        if line:
            row += 1
            _put(sheet, row, 1, line, _BOLD if line == doc.organisation else _PLAIN)
    row += 1
    for section in doc.sections:
        row += 1
        _put(sheet, row, 1, section.title, _BOLD)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                row += 1
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
                _put(sheet, row, 1, block.text, _BOLD if block.bold else _PLAIN, alignment=_WRAP)
                sheet.row_dimensions[row].height = 15 * max(1, len(block.text) // 110 + 1)
            elif isinstance(block, Figures):
                if block.title:
                    row += 1
                    _put(sheet, row, 1, block.title, _BOLD)
                for label, value in block.items:
                    row += 1
                    _put(sheet, row, 1, label, _PLAIN, alignment=_WRAP)
                    _put(sheet, row, 2, value, _PLAIN, alignment=_WRAP)
            elif isinstance(block, Bullets):
                if block.title:
                    row += 1
                    _put(sheet, row, 1, block.title, _BOLD)
                for item in block.items:
                    row += 1
                    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
                    _put(sheet, row, 1, f"• {item}", _PLAIN, alignment=_WRAP)
            elif isinstance(block, Table) and "xlsx" in block.formats:
                row += 1
                _put(sheet, row, 1, f"ตาราง: {block.title}", _MUTED)
                _put(sheet, row, 2, f"ดูแผ่นงาน \"{block.sheet or block.title}\"", _MUTED)
        row += 1


def _table(sheet, table: Table, doc: Document, styles: _Styles) -> None:
    columns = table.columns
    _put(sheet, 1, 1, table.title, _TITLE)
    _put(sheet, 2, 1, f"{doc.organisation} · {doc.subtitle}" + (f" · {doc.scope}" if doc.scope else ""), _MUTED)
    for col, column in enumerate(columns, start=1):
        _put(sheet, HEADER_ROW, col, column.header, _BOLD, fill=_HEAD_FILL, border=_BOX,
             alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    row = HEADER_ROW
    for values in table.rows:
        row += 1
        for col, (column, value) in enumerate(zip(columns, values), start=1):
            _cell(sheet, styles, row, col, column, value)
    if table.rows:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{row}"
    if not table.rows:
        row += 1
        _put(sheet, row, 1, table.empty_text, _MUTED)
    if table.total:
        row += 1
        for col, (column, value) in enumerate(zip(columns, table.total), start=1):
            _cell(sheet, styles, row, col, column, value, total=True)
    if table.note:
        row += 2
        _put(sheet, row, 1, table.note, _MUTED)
    for col, column in enumerate(columns, start=1):
        longest = max([len(column.header) // 2 + 2] + [len(format_value(r[col - 1], column)) for r in table.rows[:300]])
        sheet.column_dimensions[get_column_letter(col)].width = column.xlsx_width or min(60, max(9, longest + 2))
    for chart in doc.charts_of(table):
        _chart(sheet, chart, table, len(columns))


def _chart(sheet, chart: Chart, table: Table, width: int) -> None:
    """An Excel bar chart of the same columns the PDF draws, beside the table."""
    count = len(table.rows)
    if not count:
        return
    bars = BarChart()
    bars.type = "bar"  # horizontal, like the PDF
    bars.title = chart.title
    bars.style = 10
    bars.height = max(7.5, 0.6 * count * max(1, len(chart.series)) + 2)
    bars.width = 18
    first, last = HEADER_ROW + 1, HEADER_ROW + count
    for series in chart.series:
        data = Reference(sheet, min_col=series.column + 1, min_row=HEADER_ROW, max_row=last)
        bars.add_data(data, titles_from_data=True)
    for s, series in zip(bars.series, chart.series):
        s.tx.strRef = None
        from openpyxl.chart.series import SeriesLabel

        s.tx = SeriesLabel(v=series.name)
    bars.set_categories(Reference(sheet, min_col=chart.label_column + 1, min_row=first, max_row=last))
    bars.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
    if chart.max_value:
        bars.y_axis.scaling.min = 0
        bars.y_axis.scaling.max = chart.max_value
    bars.y_axis.delete = False
    bars.x_axis.delete = False
    sheet.add_chart(bars, f"{get_column_letter(width + 2)}{HEADER_ROW}")
