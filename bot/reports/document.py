"""What a report is made of, independent of its file format.

Each report module turns its figures into a Document: sections holding paragraphs, key
figures, tables and charts. render_xlsx.py and render_pdf.py turn any Document into a file,
and the console shows the same Document as a web page, so the three always agree.

Cell values are plain Python values: int, float (rendered with the column's decimals),
str, or None (an empty cell, shown as "–" in the PDF). Nothing here is markup: text written
by citizens or staff is data in every renderer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence, Union

LEFT, CENTER, RIGHT = "L", "C", "R"


@dataclass(frozen=True)
class Column:
    header: str  # Thai
    width: float = 1.0  # relative width in the PDF (the table fills the page width)
    decimals: int | None = None  # floats are shown with this many decimals; None: as given
    percent: bool = False  # a float 0..100 shown with a % sign in the PDF (the XLSX keeps the number)
    align: str | None = None  # L | C | R; None: numbers right, text left
    xlsx_width: int | None = None  # characters; None: from the content


@dataclass(frozen=True)
class Table:
    title: str  # shown above the table; also the XLSX sheet's name (shortened to 31 characters)
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: tuple[Any, ...] | None = None  # a bold last row (รวม)
    note: str = ""  # under the table
    sheet: str = ""  # the XLSX sheet name if it should differ from the title
    empty_text: str = "ไม่มีข้อมูลในช่วงนี้"
    pdf_row_limit: int | None = None  # long lists: the PDF shows the first N rows, the XLSX all
    pdf_limit_note: str = ""  # said under a cut table, e.g. "ดูรายการทั้งหมดในไฟล์ Excel"
    landscape: bool = False  # wide tables go on a landscape page in the PDF
    formats: frozenset[str] = frozenset({"pdf", "xlsx", "html"})  # where it appears (a long list: xlsx only)

    def __post_init__(self):
        for row in self.rows + ((self.total,) if self.total else ()):
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.title!r}: a row has {len(row)} cells for {len(self.columns)} columns")


@dataclass(frozen=True)
class Series:
    name: str
    column: int  # the table column holding its values


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of some columns of a table (one bar per row and series)."""

    title: str
    table: Table
    label_column: int
    series: tuple[Series, ...]
    max_value: float | None = None  # e.g. 5 for satisfaction means; None: from the data
    unit: str = ""
    decimals: int = 0
    pdf_row_limit: int = 40  # a chart of 300 services is unreadable: the first rows only


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Figures:
    """Key figures: label → value, shown as a two-column list."""

    items: tuple[tuple[str, Any], ...]
    title: str = ""


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    title: str = ""


Block = Union[Paragraph, Figures, Bullets, Table, Chart]


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    kind: str  # the report's kind, e.g. "satisfaction"
    title: str  # รายงานผลการประเมินความพึงพอใจในการให้บริการ
    organisation: str  # องค์การบริหารส่วนตำบลคอนฉิม
    address: str
    period_label: str  # รอบ 6 เดือน (1 ตุลาคม 2569 – 31 มีนาคม 2570)
    subtitle: str  # ปีงบประมาณ พ.ศ. 2570 …
    generated_at: datetime
    sections: tuple[Section, ...]
    scope: str = ""  # e.g. "เฉพาะกองช่าง" when one division's figures
    file_stem: str = "report"  # ASCII, for file names

    def tables(self) -> list[Table]:
        """Every table once, in order (a chart's table is the table itself)."""
        seen: list[Table] = []
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Table) and not any(block is t for t in seen):
                    seen.append(block)
        return seen

    def charts_of(self, table: Table) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart) and b.table is table]


def rows(items: Sequence[Sequence[Any]]) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(r) for r in items)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_value(value: Any, column: Column | None = None) -> str:
    """A cell as text (PDF and web page): thousands separators, fixed decimals, "–" for none."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        decimals = column.decimals if column and column.decimals is not None else 2
        text = f"{value:,.{decimals}f}"
    elif isinstance(value, (datetime, date)):
        from bot.common.thaidate import thai_date, thai_datetime

        return thai_datetime(value) if isinstance(value, datetime) else thai_date(value, full_month=False)
    else:
        return str(value)
    if column is not None and column.percent:
        text += "%"
    return text
