"""CSV and XLSX downloads for every console page that exports (ratings, tickets, questions, …).

    columns = [Column("วันที่", lambda r: thai_datetime(r.at)), Column("ข้อความ", lambda r: r.text)]
    return export_response("xlsx", "tickets-2569-11", "เรื่องร้องเรียน", columns, rows)

- CSV is UTF-8 with a byte-order mark, so Excel opens Thai text correctly by double-click.
- XLSX is written with openpyxl: Thai headers, a frozen bold header row, sensible widths.
- In both, a text cell that a spreadsheet would run as a formula (starting with = + - @,
  a tab or a carriage return, or their full-width forms) gets a leading apostrophe:
  citizen text is data, never a formula (CSV/formula injection). Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable

from flask import Response

FORMATS = ("csv", "xlsx")
CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Control characters an XLSX file cannot hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    header: str  # Thai, shown as the first row
    value: Callable[[Any], Any]  # row -> cell value (str, int, float, bool, None; dates become B.E. text)
    width: int | None = None  # XLSX column width in characters; None: from the content


def neutralise(value: Any) -> Any:
    """Make a cell value safe to open in a spreadsheet; numbers and empty cells pass through."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (datetime, date)):
        from bot.common.thaidate import thai_date, thai_datetime

        return thai_datetime(value) if isinstance(value, datetime) else thai_date(value, full_month=False)
    text = str(value)
    stripped = text.lstrip(" \u00a0")
    if text.startswith(_FORMULA_START) or stripped.startswith(_FORMULA_START):
        return "'" + text
    return text


def _rows(columns: list[Column], rows: Iterable[Any]) -> Iterable[list[Any]]:
    for row in rows:
        yield [neutralise(column.value(row)) for column in columns]


def to_csv(columns: list[Column], rows: Iterable[Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in columns])
    writer.writerows(_rows(columns, rows))
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def to_xlsx(columns: list[Column], rows: Iterable[Any], sheet_title: str = "ข้อมูล") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    materialised = [[_xlsx_value(v) for v in row] for row in _rows(columns, rows)]
    headers = [_xlsx_value(neutralise(c.header)) for c in columns]
    for index, column in enumerate(columns, start=1):
        longest = max([len(str(headers[index - 1]))] + [len(str(r[index - 1])) for r in materialised[:500]])
        sheet.column_dimensions[get_column_letter(index)].width = column.width or min(_MAX_WIDTH, max(8, longest + 2))
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for values in materialised:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, always: never read back as a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    return _XLSX_ILLEGAL.sub("", value) if isinstance(value, str) else value


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "ข้อมูล"


def export_response(fmt: str, filename: str, sheet_title: str, columns: list[Column], rows: Iterable[Any]) -> Response:
    """A download of rows as CSV or XLSX; filename without extension (ASCII is kept, the rest dropped)."""
    if fmt not in FORMATS:
        raise ValueError(f"export format must be one of {FORMATS}")
    name = _SAFE_FILENAME.sub("-", filename).strip("-") or "export"
    if fmt == "csv":
        body, mimetype = to_csv(columns, rows), CSV_MIME
    else:
        body, mimetype = to_xlsx(columns, rows, sheet_title), XLSX_MIME
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
