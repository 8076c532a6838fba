"""A Document as the HTML a public page shows (tables, figures, and bar charts in plain CSS).

Rendered with its own Jinja environment, not Flask's: the clock freezes a published round's
HTML with no web app running, and the page shows exactly that HTML afterwards. Every value is
escaped (autoescape): text in a Document is data, never markup.
"""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.reports.document import Chart, Document, format_value, is_number

TEMPLATES = Path(__file__).parent / "templates"
HTML_ROW_LIMIT = 500

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                   trim_blocks=True, lstrip_blocks=True)


def _bars(chart: Chart) -> list[dict]:
    """One group per table row: its label and, per series, the value and a width 0..100 (%)."""
    table_rows = chart.table.rows[: chart.pdf_row_limit]
    values = [row[s.column] for row in table_rows for s in chart.series if is_number(row[s.column])]
    top = chart.max_value or max(values, default=0) or 1
    groups = []
    for row in table_rows:
        bars = []
        for index, s in enumerate(chart.series):
            value = row[s.column]
            number = value if is_number(value) else 0
            bars.append({"name": s.name, "value": format_value(value) if value is not None else "–",
                         "width": max(0, min(100, round(number / top * 100))), "series": index % 4})
        groups.append({"label": format_value(row[chart.label_column]), "bars": bars})
    return groups


_env.globals.update(block_type=lambda block: type(block).__name__, cell=format_value, bars=_bars,
                    is_number=is_number, row_limit=HTML_ROW_LIMIT)


def fragment(document: Document) -> str:
    """The report's body: its sections, for the page to put in its layout."""
    return _env.get_template("transparency/_document.html").render(document=document)
