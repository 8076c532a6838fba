"""Satisfaction results (รายงานผลการประเมินความพึงพอใจในการให้บริการ).

From the ratings citizens gave in LINE (table service_ratings): respondents; for each of
the five questions the answers at each level, the mean, S.D., percentage and Thai level; the
same per service; respondents and satisfaction by channel (online requests, at the counter,
LINE: texts.RATING_CHANNELS) and by month; the previous round (the same dates a year earlier)
beside each mean; and the comments, grouped by service, without names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.reports import texts as t
from bot.reports.context import ReportContext
from bot.reports.document import (
    Bullets,
    Chart,
    Column,
    Document,
    Figures,
    Paragraph,
    Section,
    Series,
    Table,
    rows,
)
from bot.reports.period import ReportPeriod
from bot.reports.scale import BAND_TEXT, LEVEL_NAMES, LEVELS, SCALE_NOTE, Stats, change, round2
from bot.common.thaidate import thai_month
from db import ratings

KIND = "satisfaction"
TITLE = "รายงานผลการประเมินความพึงพอใจในการให้บริการ"
ASPECTS = ratings.ASPECTS
PDF_COMMENTS_PER_SERVICE = 25  # the PDF shows the most frequent; the XLSX has every comment

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")


@dataclass(frozen=True)
class ServiceResult:
    service_id: str
    title: str
    division: str
    aspects: dict[str, Stats]
    pooled: Stats  # every answer to the five questions
    previous: Stats  # pooled, previous round

    @property
    def respondents(self) -> int:
        return self.aspects[ASPECTS[0]].n


@dataclass(frozen=True)
class CommentGroup:
    service_id: str
    title: str
    total: int  # comments written
    distinct: tuple[tuple[str, int, str], ...]  # (text, times written, last day written), most written first


@dataclass(frozen=True)
class Satisfaction:
    period: ReportPeriod
    previous_period: ReportPeriod
    aspects: dict[str, Stats]
    previous_aspects: dict[str, Stats]
    pooled: Stats
    previous_pooled: Stats
    services: tuple[ServiceResult, ...]
    by_source: tuple[tuple[str, int], ...]  # (source, respondents)
    by_channel: tuple[tuple[str, tuple[tuple[str, int], ...], Stats], ...]  # (channel, its (source, respondents), pooled)
    by_month: tuple[tuple[int, int, int, Stats], ...]  # (year, month, respondents, pooled)
    comments: tuple[CommentGroup, ...]

    @property
    def respondents(self) -> int:
        return self.aspects[ASPECTS[0]].n

    @property
    def previous_respondents(self) -> int:
        return self.previous_aspects[ASPECTS[0]].n


def _stats(per_aspect: dict | None) -> dict[str, Stats]:
    if not per_aspect:
        return {a: Stats.empty() for a in ASPECTS}
    return {a: Stats(n, total or 0, squares or 0, {k: v or 0 for k, v in levels.items()}) for a, (n, total, squares, levels) in per_aspect.items()}


def _pooled(aspects: dict[str, Stats]) -> Stats:
    pooled = Stats.empty()
    for a in ASPECTS:
        pooled = pooled + aspects[a]
    return pooled


def clean_comment(text: str) -> str:
    """A citizen's comment as a report prints it: control and invisible characters out, one line."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def compute(ctx: ReportContext) -> Satisfaction:
    db, division = ctx.db, ctx.division_id
    previous = ctx.period.previous()
    first, last = ctx.first_day, ctx.last_day
    prev_first, prev_last = previous.first.isoformat(), previous.last.isoformat()

    overall = _stats(ratings.score_totals(db, first, last, "all", division).get(""))
    overall_prev = _stats(ratings.score_totals(db, prev_first, prev_last, "all", division).get(""))
    per_service = ratings.score_totals(db, first, last, "service", division)
    per_service_prev = ratings.score_totals(db, prev_first, prev_last, "service", division)
    services = []
    for service_id in sorted(per_service, key=ctx.service_order):
        aspects = _stats(per_service[service_id])
        services.append(
            ServiceResult(
                service_id,
                ctx.service_title(service_id),
                ctx.division_name(ctx.service_division(service_id)),
                aspects,
                _pooled(aspects),
                _pooled(_stats(per_service_prev.get(service_id))),
            )
        )
    by_source = ratings.score_totals(db, first, last, "source", division)
    sources = [(s, by_source[s][ASPECTS[0]][0]) for s in t.RATING_SOURCES if s in by_source]
    sources += [(s, v[ASPECTS[0]][0]) for s, v in by_source.items() if s not in t.RATING_SOURCES]
    by_channel = []
    for channel, (_, channel_sources) in t.RATING_CHANNELS.items():
        present = [s for s in channel_sources if s in by_source]
        if present:
            pooled = Stats.empty()
            for s in present:
                pooled = pooled + _pooled(_stats(by_source[s]))
            by_channel.append((channel, tuple((s, by_source[s][ASPECTS[0]][0]) for s in present), pooled))
    by_month = ratings.score_totals(db, first, last, "month", division)
    months = []
    for year, month in ctx.period.months():
        aspects = _stats(by_month.get(f"{year:04d}-{month:02d}"))
        months.append((year, month, aspects[ASPECTS[0]].n, _pooled(aspects)))
    return Satisfaction(
        period=ctx.period,
        previous_period=previous,
        aspects=overall,
        previous_aspects=overall_prev,
        pooled=_pooled(overall),
        previous_pooled=_pooled(overall_prev),
        services=tuple(services),
        by_source=tuple(sources),
        by_channel=tuple(by_channel),
        by_month=tuple(months),
        comments=tuple(_comments(ctx)),
    )


def _comments(ctx: ReportContext) -> list[CommentGroup]:
    """Comments per service; the same words written many times are listed once, with a count."""
    grouped: dict[str, dict[str, list]] = {}
    for day, service_id, comment in ratings.comments(ctx.db, ctx.first_day, ctx.last_day, ctx.division_id):
        text = clean_comment(comment)
        if not text:
            continue
        same = grouped.setdefault(service_id, {}).setdefault(text.casefold(), [text, 0, day])
        same[1] += 1
        same[2] = max(same[2], day)
    out = []
    for service_id in sorted(grouped, key=ctx.service_order):
        distinct = sorted(grouped[service_id].values(), key=lambda x: (-x[1], x[2], x[0]))
        out.append(
            CommentGroup(
                service_id,
                ctx.service_title(service_id),
                sum(x[1] for x in distinct),
                tuple((x[0], x[1], x[2]) for x in distinct),
            )
        )
    return out


# --- the document --------------------------------------------------------------------------


def _aspect_table(data: Satisfaction) -> Table:
    columns = (
        Column("ด้านที่ประเมิน", 3.2),
        Column("จำนวนผู้ตอบ", 1),
        Column("ค่าเฉลี่ย", 0.9, decimals=2),
        Column("S.D.", 0.8, decimals=2),
        Column("ร้อยละ", 0.9, decimals=2),
        Column("ระดับความพึงพอใจ", 1.3, align="C"),
        Column("ค่าเฉลี่ยรอบก่อน", 1, decimals=2),
        Column("เปลี่ยนแปลง", 1, decimals=2),
    )
    body = []
    for a in ASPECTS:
        s, p = data.aspects[a], data.previous_aspects[a]
        body.append((t.ASPECT_NAMES[a], s.n, s.mean, s.sd, s.percent, s.level, p.mean, change(s.mean, p.mean)))
    pooled, prev = data.pooled, data.previous_pooled
    total = ("ภาพรวมทุกด้าน", pooled.n, pooled.mean, pooled.sd, pooled.percent, pooled.level, prev.mean, change(pooled.mean, prev.mean))
    return Table(
        "ผลการประเมินความพึงพอใจรายด้าน",
        columns,
        rows(body),
        total=total,
        sheet="รายด้าน",
        note="ภาพรวมทุกด้าน: ค่าเฉลี่ยของคำตอบทั้ง 5 ข้อรวมกัน (จำนวนคำตอบ = ผู้ตอบ × 5)",
    )


def _distribution_table(data: Satisfaction) -> Table:
    columns = [Column("ด้านที่ประเมิน", 3)]
    for lvl in LEVELS:
        columns += [Column(f"{LEVEL_NAMES[lvl]} ({lvl}) จำนวน", 0.9), Column(f"{LEVEL_NAMES[lvl]} ({lvl}) ร้อยละ", 0.9, decimals=2)]
    body = []
    for a in ASPECTS:
        s = data.aspects[a]
        body.append((t.ASPECT_SHORT[a], *[v for lvl in LEVELS for v in (s.counts.get(lvl, 0), s.share(lvl))]))
    return Table(
        "จำนวนและร้อยละของคำตอบในแต่ละระดับ",
        tuple(columns),
        rows(body),
        sheet="การกระจายคำตอบ",
        landscape=True,
    )


def _service_table(data: Satisfaction) -> Table:
    columns = (
        Column("ลำดับ", 0.5, align="C"),
        Column("บริการ", 2.6),
        Column("ส่วนราชการ", 1.8),
        Column("ผู้ตอบ", 0.8),
        *[Column(t.ASPECT_HEADINGS[a], 0.9, decimals=2) for a in ASPECTS],
        Column("ค่าเฉลี่ยรวม", 0.9, decimals=2),
        Column("ร้อยละ", 0.9, decimals=2),
        Column("ระดับ", 1.1, align="C"),
        Column("ค่าเฉลี่ยรอบก่อน", 0.9, decimals=2),
        Column("เปลี่ยนแปลง", 0.9, decimals=2),
    )
    body = []
    for i, s in enumerate(data.services, start=1):
        body.append(
            (
                i, s.title, s.division, s.respondents, *[s.aspects[a].mean for a in ASPECTS],
                s.pooled.mean, s.pooled.percent, s.pooled.level, s.previous.mean, change(s.pooled.mean, s.previous.mean),
            )
        )
    pooled, prev = data.pooled, data.previous_pooled
    total = (
        None, "ทุกบริการ", None, data.respondents, *[data.aspects[a].mean for a in ASPECTS],
        pooled.mean, pooled.percent, pooled.level, prev.mean, change(pooled.mean, prev.mean),
    ) if data.services else None
    return Table(
        "ผลการประเมินความพึงพอใจรายบริการ",
        columns,
        rows(body),
        total=total,
        sheet="รายบริการ",
        landscape=True,
        note="ค่าเฉลี่ยรวม: ค่าเฉลี่ยของคำตอบทั้ง 5 ข้อของบริการนั้น; \"–\" คือไม่มีผู้ประเมินในรอบนั้น",
    )


def _channel_table(data: Satisfaction) -> Table:
    def share(n: int) -> float | None:
        return round2(n / data.respondents * 100) if data.respondents else None

    body = []
    for channel, sources, pooled in data.by_channel:
        n = sum(count for _, count in sources)
        where = " · ".join(f"{t.RATING_SOURCES.get(s, s)} {count:,}" for s, count in sources)
        body.append((t.RATING_CHANNELS[channel][0], where, n, share(n), pooled.mean, pooled.level))
    grouped = {s for _, (_, sources) in t.RATING_CHANNELS.items() for s in sources}
    for s, n in data.by_source:  # a source no channel names: on its own row
        if s not in grouped:
            body.append((t.RATING_SOURCES.get(s, s), "", n, share(n), None, ""))
    return Table(
        "ผู้ตอบแบบประเมินและความพึงพอใจจำแนกตามช่องทาง",
        (Column("ช่องทาง", 1.8), Column("ที่มาของแบบประเมิน (ราย)", 3.2), Column("จำนวนผู้ตอบ", 0.9),
         Column("ร้อยละ", 0.8, decimals=2), Column("ค่าเฉลี่ยรวม", 0.9, decimals=2), Column("ระดับ", 1, align="C")),
        rows(body),
        total=(t.TOTAL, None, data.respondents, 100.0 if data.respondents else None, data.pooled.mean, data.pooled.level),
        sheet="ตามช่องทาง",
        note=(
            "คำร้องออนไลน์: ผู้ยื่นคำร้องทาง LINE ให้คะแนนเมื่อคำร้องเสร็จ; ที่จุดให้บริการ: สแกน QR ที่จุดให้บริการ "
            "และเจ้าหน้าที่บันทึกความพึงพอใจของผู้มารับบริการที่เคาน์เตอร์; LINE ของ อบต.: ประเมินจากเมนูหรือต่อจากคำตอบคู่มือประชาชน "
            "คำร้องออนไลน์และเคาน์เตอร์ถามความพึงพอใจโดยรวมข้อเดียว คะแนนนั้นนับเป็นคะแนนของทั้ง 5 ด้าน"
        ),
    )


def _comment_tables(data: Satisfaction) -> list[Table]:
    columns = (Column("บริการ", 1.6), Column("ข้อเสนอแนะ / ความคิดเห็น", 4.6), Column("จำนวนครั้ง", 0.8))
    every, shown, cut = [], [], 0
    for group in data.comments:
        for i, (text, times, _) in enumerate(group.distinct):
            every.append((group.title, text, times))
            if i < PDF_COMMENTS_PER_SERVICE:
                shown.append((group.title, text, times))
            else:
                cut += 1
    title = "ข้อเสนอแนะจากผู้รับบริการ จำแนกตามบริการ"
    note = "ข้อความเดียวกันที่มีผู้เขียนหลายครั้งแสดงครั้งเดียวพร้อมจำนวนครั้ง ไม่มีการระบุชื่อผู้ประเมิน"
    full = Table(title, columns, rows(every), sheet="ข้อเสนอแนะ", note=note, formats=frozenset({"xlsx"}))
    if not cut:
        return [Table(title, columns, rows(every), sheet="ข้อเสนอแนะ", note=note)]
    short_note = (
        f"{note} — แต่ละบริการแสดงไม่เกิน {PDF_COMMENTS_PER_SERVICE} ข้อความที่มีผู้เขียนมากที่สุด "
        f"(ไม่ได้แสดง {cut:,} ข้อความ) {t.XLSX_FOR_ALL}"
    )
    return [Table(title, columns, rows(shown), note=short_note, formats=frozenset({"pdf", "html"})), full]


def document(ctx: ReportContext, data: Satisfaction) -> Document:
    prev_label = data.previous_period.label if not data.previous_period.round else (
        f"ปีงบประมาณ {data.previous_period.fiscal_year} {data.previous_period.label}"
    )
    pooled, prev = data.pooled, data.previous_pooled
    figures = [
        ("จำนวนผู้ตอบแบบประเมิน", f"{data.respondents:,} ราย"),
        ("จำนวนบริการที่ได้รับการประเมิน", f"{len(data.services):,} บริการ"),
    ]
    if pooled.n:
        figures.append(("ความพึงพอใจภาพรวม", f"ค่าเฉลี่ย {pooled.mean:.2f} (ร้อยละ {pooled.percent:.2f}) ระดับ{pooled.level}"))
    figures.append(("รอบก่อนเพื่อเปรียบเทียบ", prev_label))
    figures.append(("ผู้ตอบแบบประเมินรอบก่อน", f"{data.previous_respondents:,} ราย"))
    if prev.n:
        figures.append(("ความพึงพอใจภาพรวมรอบก่อน", f"ค่าเฉลี่ย {prev.mean:.2f} (ร้อยละ {prev.percent:.2f}) ระดับ{prev.level}"))
    if pooled.n and prev.n:
        diff = change(pooled.mean, prev.mean)
        word = "เพิ่มขึ้น" if diff > 0 else "ลดลง" if diff < 0 else "เท่าเดิม"
        figures.append(("เทียบกับรอบก่อน", f"{word} {abs(diff):.2f}" if diff else word))

    method = Paragraph(
        f"{ctx.profile.name} เปิดให้ผู้รับบริการประเมินความพึงพอใจผ่าน {t.LINE_CHANNEL} ของ {ctx.profile.short_name} "
        "ได้ทุกวัน ทั้งจากเมนู จากป้าย QR ที่จุดให้บริการ และต่อจากคำตอบคู่มือประชาชน แบบประเมินมี 5 ข้อ "
        "(ผู้ยื่นคำร้องออนไลน์ให้คะแนนเมื่อคำร้องเสร็จ และเจ้าหน้าที่บันทึกคะแนนของผู้มารับบริการที่เคาน์เตอร์ เป็นคะแนนโดยรวมข้อเดียว) "
        "แต่ละข้อเลือกได้ 5 ระดับ (5 = มากที่สุด ถึง 1 = น้อยที่สุด) และเขียนข้อเสนอแนะได้ "
        "ผู้ประเมินไม่ต้องระบุชื่อ และรายงานนี้ไม่มีข้อมูลที่ระบุตัวผู้ประเมิน "
        "ผู้รับบริการหนึ่งคนประเมินบริการเดียวกันได้วันละ 1 ครั้ง จำนวนผู้ตอบจึงนับตามแบบประเมินที่ได้รับ"
    )
    scale = Table(
        "เกณฑ์การแปลผลค่าเฉลี่ย",
        (Column("ค่าเฉลี่ย", 1, align="C"), Column("ระดับความพึงพอใจ", 1.4, align="C")),
        rows(BAND_TEXT),
        sheet="เกณฑ์การแปลผล",
        note=SCALE_NOTE,
    )
    aspect_table = _aspect_table(data)
    service_table = _service_table(data)
    source_table = _channel_table(data)
    month_table = Table(
        "ผู้ตอบแบบประเมินและค่าเฉลี่ยรายเดือน",
        (Column("เดือน", 1.5), Column("จำนวนผู้ตอบ", 1), Column("ค่าเฉลี่ยรวม", 1, decimals=2), Column("ระดับ", 1.2, align="C")),
        rows((thai_month(y, m), n, s.mean, s.level) for y, m, n, s in data.by_month),
        total=(t.TOTAL, data.respondents, pooled.mean, pooled.level),
        sheet="รายเดือน",
    )
    sections = [
        Section("1. ข้อมูลทั่วไปและวิธีการประเมิน", (method, Figures(tuple(figures)), scale)),
        Section(
            "2. ผลการประเมินรายด้าน",
            (
                aspect_table,
                Chart("ค่าเฉลี่ยความพึงพอใจรายด้าน เทียบกับรอบก่อน", aspect_table, 0,
                      (Series("รอบนี้", 2), Series("รอบก่อน", 6)), max_value=5, decimals=2),
                _distribution_table(data),
            ),
        ),
        Section(
            "3. ผลการประเมินรายบริการ",
            (
                service_table,
                Chart("ค่าเฉลี่ยความพึงพอใจรายบริการ", service_table, 1, (Series("รอบนี้", 9), Series("รอบก่อน", 12)),
                      max_value=5, decimals=2),
            ) if data.services else (Paragraph("ไม่มีผู้ประเมินในช่วงนี้"),),
        ),
        Section(
            "4. ผู้ตอบแบบประเมินจำแนกตามช่องทางและเดือน",
            (source_table, month_table, Chart("จำนวนผู้ตอบแบบประเมินรายเดือน", month_table, 0, (Series("ผู้ตอบ", 1),), unit="ราย")),
        ),
        Section("5. ข้อเสนอแนะจากผู้รับบริการ", tuple(_comment_tables(data)) if data.comments else (Paragraph("ไม่มีข้อเสนอแนะในช่วงนี้"),)),
        Section("6. สรุปผล", (Bullets(tuple(_conclusions(data))),)),
    ]
    return ctx.document(KIND, TITLE, "satisfaction", sections)


def _conclusions(data: Satisfaction) -> list[str]:
    """Plain sentences a clerk can copy into the SAO's own report."""
    if not data.respondents:
        return ["ไม่มีผู้ตอบแบบประเมินในช่วงนี้"]
    pooled = data.pooled
    out = [
        f"ผู้รับบริการตอบแบบประเมิน {data.respondents:,} ราย พึงพอใจภาพรวมในระดับ{pooled.level} "
        f"(ค่าเฉลี่ย {pooled.mean:.2f} ร้อยละ {pooled.percent:.2f})"
    ]
    ranked = sorted(ASPECTS, key=lambda a: (-(data.aspects[a].mean or 0), ASPECTS.index(a)))
    best, worst = ranked[0], ranked[-1]
    out.append(f"ด้านที่พึงพอใจมากที่สุด: {t.ASPECT_NAMES[best]} (ค่าเฉลี่ย {data.aspects[best].mean:.2f})")
    out.append(f"ด้านที่ควรปรับปรุง: {t.ASPECT_NAMES[worst]} (ค่าเฉลี่ย {data.aspects[worst].mean:.2f})")
    if data.previous_pooled.n:
        diff = change(pooled.mean, data.previous_pooled.mean)
        word = "สูงขึ้น" if diff > 0 else "ลดลง" if diff < 0 else "เท่ากับ"
        out.append(
            f"เทียบกับรอบก่อน (ค่าเฉลี่ย {data.previous_pooled.mean:.2f}) ความพึงพอใจภาพรวม{word}"
            + (f" {abs(diff):.2f}" if diff else "รอบก่อน")
        )
    rated = [s for s in data.services if s.pooled.n]
    if len(rated) > 1:
        low = min(rated, key=lambda s: (s.pooled.mean, s.title))
        out.append(f"บริการที่ค่าเฉลี่ยต่ำที่สุด: {low.title} (ค่าเฉลี่ย {low.pooled.mean:.2f} จากผู้ตอบ {low.respondents:,} ราย)")
    commented = sum(g.total for g in data.comments)
    if commented:
        out.append(f"มีข้อเสนอแนะ {commented:,} ข้อความ (ดูหัวข้อที่ 5) ควรนำไปพิจารณาปรับปรุงการให้บริการ")
    return out


def build(ctx: ReportContext) -> Document:
    return document(ctx, compute(ctx))
