"""The period filter every console list and export shares: presets or B.E. dates typed in.

    period = Period.from_args(request.args)   # ?period=month, or ?period=custom&from=1/10/2569&to=31/10/2569
    period.start, period.end                   # epoch seconds [start, end), or None for "all"
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Mapping

from bot.common.thaidate import day_start, fiscal_year, fiscal_year_dates, now, parse_thai_date, short_numeric, thai_date

PRESETS = {
    "today": "วันนี้",
    "7d": "7 วันล่าสุด",
    "30d": "30 วันล่าสุด",
    "month": "เดือนนี้",
    "fy": "ปีงบประมาณนี้",
    "all": "ทั้งหมด",
    "custom": "กำหนดช่วงวันที่เอง",
}


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date | None  # inclusive
    last_day: date | None  # inclusive
    errors: tuple[str, ...] = field(default=())
    from_text: str = ""
    to_text: str = ""

    @property
    def start(self) -> float | None:
        return day_start(self.first_day) if self.first_day else None

    @property
    def end(self) -> float | None:
        return day_start(self.last_day + timedelta(days=1)) if self.last_day else None

    @property
    def label(self) -> str:
        if self.key == "all" or (self.first_day is None and self.last_day is None):
            return "ทั้งหมด"
        if self.key == "fy":
            return f"ปีงบประมาณ {fiscal_year(self.first_day)}"
        if self.first_day == self.last_day:
            return thai_date(self.first_day, full_month=False)
        return f"{thai_date(self.first_day, full_month=False) or 'เริ่มต้น'} – {thai_date(self.last_day, full_month=False) or 'ปัจจุบัน'}"

    @property
    def slug(self) -> str:
        """For file names: 2569-11-01_2569-11-30 (B.E.)."""
        def part(d: date | None) -> str:
            return f"{d.year + 543}-{d.month:02d}-{d.day:02d}" if d else "all"

        return f"{part(self.first_day)}_{part(self.last_day)}"

    def query_args(self) -> dict[str, str]:
        args = {"period": self.key}
        if self.key == "custom":
            args.update({"from": self.from_text, "to": self.to_text})
        return args

    @classmethod
    def from_args(cls, args: Mapping[str, str], default: str = "30d", today: date | None = None) -> "Period":
        today = today or now().date()
        key = args.get("period") or default
        if key not in PRESETS:
            key = default
        if key == "today":
            return cls(key, today, today)
        if key == "7d":
            return cls(key, today - timedelta(days=6), today)
        if key == "30d":
            return cls(key, today - timedelta(days=29), today)
        if key == "month":
            return cls(key, today.replace(day=1), today)
        if key == "fy":
            first, after = fiscal_year_dates(fiscal_year(today))
            return cls(key, first, after - timedelta(days=1))
        if key == "all":
            return cls(key, None, None)
        from_text, to_text = (args.get("from") or "").strip(), (args.get("to") or "").strip()
        errors, first, last = [], None, None
        for text, name in ((from_text, "first"), (to_text, "last")):
            if not text:
                continue
            try:
                parsed = parse_thai_date(text)
            except ValueError as exc:
                errors.append(f"{'วันที่เริ่ม' if name == 'first' else 'วันที่สิ้นสุด'}: {exc}")
                continue
            if name == "first":
                first = parsed
            else:
                last = parsed
        if first and last and first > last:
            errors.append("วันที่เริ่มต้องไม่อยู่หลังวันที่สิ้นสุด")
            first, last = last, first
        return cls(
            "custom", first, last, tuple(errors),
            from_text=short_numeric(first) if first else from_text, to_text=short_numeric(last) if last else to_text,
        )
