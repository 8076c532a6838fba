"""Which ITA item of each fiscal year is which published page (content/ita-map.yaml).

Item numbers change every year, so they live in editable content, never in code. Each item
names a page; `url_of` turns it into the address the clerk copies into the ITA system:
/transparency/<fy>/<report>, the corruption-complaint guideline, the problem board, or the
LINE account (the e-Service and the channels themselves).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.content import yamlfile
from bot.content.files import ITA_MAP_FILE
from bot.content.profile import ContentError

REPORT_PAGES = ("handbook", "service-statistics", "satisfaction", "complaints", "corruption-reports", "participation", "measures")
OTHER_PAGES = ("corruption-guideline", "problems", "line")
PAGES = REPORT_PAGES + OTHER_PAGES
_ITEM = re.compile(r"^[A-Z]{1,3}[0-9]{1,3}$")


@dataclass(frozen=True)
class Item:
    item: str  # O9
    title: str
    page: str
    year_offset: int = 0  # -1: the previous fiscal year's figures


@dataclass(frozen=True)
class YearMap:
    fiscal_year: int
    source: str
    items: tuple[Item, ...]


def url_of(item: Item, fiscal_year: int, base_url: str, line_id: str = "") -> str:
    base = base_url.rstrip("/")
    if item.page in REPORT_PAGES:
        return f"{base}/transparency/{fiscal_year + item.year_offset}/{item.page}"
    if item.page == "line":
        line_id = line_id.strip()
        if line_id:
            return "https://line.me/R/ti/p/" + (line_id if line_id.startswith("@") else "@" + line_id)
        return f"{base}/handbook"  # no LINE id in profile.yaml yet: the handbook tells how to reach the SAO
    return f"{base}/transparency/{item.page}"


def load_ita_map(folder: Path) -> dict[int, YearMap]:
    path = folder / ITA_MAP_FILE
    if not path.exists():
        return {}
    raw, node = yamlfile.read(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("years"), dict):
        raise ContentError(f"{path}:1: expected 'years:' with a list of items per fiscal year")
    years_node = next(v for k, v in node.value if k.value == "years")
    problems: list[str] = []
    found: dict[int, YearMap] = {}
    for key_node, year_node in years_node.value:
        line = key_node.start_mark.line + 1
        year_text = key_node.value
        if not str(year_text).isdigit() or not 2500 <= int(year_text) <= 2700:
            problems.append(f"{path}:{line}: a fiscal year is a Buddhist-era year such as 2570 (got {year_text!r})")
            continue
        year = raw["years"][int(year_text)] if int(year_text) in raw["years"] else raw["years"].get(year_text)
        if not isinstance(year, dict) or not isinstance(year.get("items"), list):
            problems.append(f"{path}:{line}: {year_text}: expected 'items:' (a list)")
            continue
        items_node = next((v for k, v in year_node.value if k.value == "items"), None)
        items = []
        for entry, entry_node in zip(year["items"], items_node.value if items_node is not None else []):
            at = entry_node.start_mark.line + 1
            if not isinstance(entry, dict):
                problems.append(f"{path}:{at}: each item needs item, title and page")
                continue
            unknown = set(entry) - {"item", "title", "page", "year_offset"}
            if unknown:
                problems.append(f"{path}:{at}: unknown field '{sorted(unknown)[0]}'")
            number, title, page = str(entry.get("item") or ""), " ".join(str(entry.get("title") or "").split()), str(entry.get("page") or "")
            offset = entry.get("year_offset", 0)
            if not _ITEM.match(number):
                problems.append(f"{path}:{at}: field 'item' must look like O9 (got {number!r})")
            if not title:
                problems.append(f"{path}:{at}: field 'title' is required")
            if page not in PAGES:
                problems.append(f"{path}:{at}: field 'page' must be one of {', '.join(PAGES)} (got {page!r})")
            if not isinstance(offset, int) or offset not in (-1, 0):
                problems.append(f"{path}:{at}: field 'year_offset' must be 0 or -1")
                offset = 0
            items.append(Item(number, title, page, offset))
        found[int(year_text)] = YearMap(int(year_text), " ".join(str(year.get("source") or "").split()), tuple(items))
    if problems:
        raise ContentError("\n".join(problems))
    return found
