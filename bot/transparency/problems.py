"""The public problem board (/transparency/problems), like Traffy Fondue's: the village problems
citizens reported (road, light, water, waste …), open and closed, and how long each took.

Only tickets of category 'village': never a complaint about a service or an official, never a
corruption report. Shown: the topic, the village (หมู่ N) when the location's title or address
names one, the place rounded to about 1 km (two decimals), the status and the days open, and the
staff's after-photo once the citizen confirmed the fix or let it time out. Never shown: who
reported it, the description (the citizen's own words; no staff flag marks one publishable
yet), the exact place, or the citizen's photos.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.common.thaidate import to_bangkok
from bot.reports import texts as t
from db import transparency as store

SHOW_PHOTO_OUTCOMES = ("confirmed", "timed_out")
COORDINATE_DECIMALS = 2  # 0.01° ≈ 1.1 km
_VILLAGE = re.compile(r"(?:หมู่(?:ที่|บ้าน)?|ม\.)\s*(\d{1,2})(?!\d)")
FILTERS = (("all", "ทั้งหมด"), ("open", "กำลังดำเนินการ"), ("closed", "ปิดเรื่องแล้ว"))


@dataclass(frozen=True)
class BoardItem:
    number: str
    topic: str
    village: str  # "หมู่ 3", or "" when unknown
    near: tuple[float, float] | None  # rounded to COORDINATE_DECIMALS
    status: str  # Thai
    is_open: bool
    filed_on: date
    days_open: int
    photos: tuple[str, ...]  # public tokens of the after-photos (/photos/<token>)


def village_of(*texts: str | None) -> str:
    """ "หมู่ 3" from "บ้านโนนสวรรค์ หมู่ที่ 3 ต.คอนฉิม" (or ม.3); "" if none names one."""
    for text in texts:
        found = _VILLAGE.search(text or "")
        if found and 1 <= int(found.group(1)) <= 40:
            return f"หมู่ {int(found.group(1))}"
    return ""


def rounded(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    if latitude is None or longitude is None:
        return None
    return round(latitude, COORDINATE_DECIMALS), round(longitude, COORDINATE_DECIMALS)


def board(db, fiscal_year: int, today: date, status: str = "all") -> list[BoardItem]:
    problems = store.village_problems(db, fiscal_year)
    shown_closures = [p.closure_id for p in problems
                      if p.closure_id and p.closure_outcome in SHOW_PHOTO_OUTCOMES and p.status == "resolved"]
    photos = store.after_photo_tokens(db, shown_closures)
    items = []
    for p in problems:
        is_open = p.closed_at is None and p.status not in ("resolved", "forwarded", "rejected")
        if status == "open" and not is_open or status == "closed" and is_open:
            continue
        filed = to_bangkok(p.created_at).date()
        until = today if is_open or p.closed_at is None else to_bangkok(p.closed_at).date()
        items.append(BoardItem(
            number=p.number,
            topic=t.village_topic(p.topic) or t.village_topic("other"),
            village=village_of(p.location_title, p.location_address),
            near=rounded(p.latitude, p.longitude),
            status=t.TICKET_STATUS.get(p.status, p.status),
            is_open=is_open,
            filed_on=filed,
            days_open=max(0, (until - filed).days),
            photos=tuple(photos.get(p.closure_id, ())) if p.closure_id in shown_closures else (),
        ))
    return items
