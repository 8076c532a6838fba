"""Participation (รายงานการมีส่วนร่วมของประชาชน).

For each topic on which citizens took part: who took part (counts by channel, and by village
where that is known), what was decided or done, and how the result was used to improve the
SAO's work; then the suggestions and complaints received, their outcome, and the ratings
citizens gave on how each was resolved.

The topics citizens took part in on LINE and their counts come from the database (ratings,
tickets, questions for staff, 👍/👎 on handbook answers, and the consultations closed in the
period with their answers per choice and per village). What the bot cannot know — activities
held outside LINE (ประชาคม, public hearings) with participants per village, and what the SAO
decided and improved afterwards — a clerk records on the console's participation page
(/admin/participation, db/participation.py); a topic with nothing recorded says so on the
report instead of inventing it. Nothing personal is published: consultation answers are
counted, their comments stay in the console.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.reports import texts as t
from bot.reports.context import ReportContext
from bot.reports.document import Bullets, Chart, Column, Document, Figures, Paragraph, Section, Series, Table, rows
from bot.reports.participation_import import Note, load_notes  # noqa: F401  (load_notes: the old file's reader, for the importer)
from bot.reports.scale import LEVEL_NAMES, LEVELS, Stats, round2
from bot.common.thaidate import thai_date
from db import participation as records
from db import questions, ratings, staff_questions, tickets
from db.participation import ClosedConsultation, closed_consultations  # noqa: F401  (for the public pages)

KIND = "participation"
TITLE = "รายงานการเปิดโอกาสให้ประชาชนมีส่วนร่วม"
LINE_TOPICS = {
    "satisfaction": "การประเมินความพึงพอใจการให้บริการ",
    "tickets": "ข้อเสนอแนะและเรื่องร้องเรียน",
    "staff-questions": "คำถามถึงเจ้าหน้าที่",
    "handbook": "ความเห็นต่อคำตอบของคู่มือประชาชน",
}
CONSULTATION_CHANNEL = "LINE Official Account (ร่วมแสดงความเห็น)"
PDF_TICKET_ROWS = 200  # the PDF lists the first 200 suggestions and complaints; the XLSX all
NOT_RECORDED = "ยังไม่ได้บันทึก"


def consultation_topic(consultation_id: int) -> str:
    """The topic key under which a clerk records what was done with a consultation's results."""
    return f"consultation:{consultation_id}"


def notes_from_db(db, first, last) -> tuple[Note, ...]:
    """The activities and improvement notes recorded in the console for [first, last]."""
    return tuple(Note(a.held_on, a.topic, a.channel, a.participants, a.decided, a.improvement)
                 for a in records.activities(db, first, last))


# --- the figures ------------------------------------------------------------------------------------


@dataclass
class CategoryOutcome:
    received: int = 0
    statuses: Counter = field(default_factory=Counter)
    rating: Stats = field(default_factory=Stats.empty)

    def add(self, ticket) -> None:
        self.received += 1
        self.statuses[ticket.status] += 1
        if ticket.handling_rating:
            r = ticket.handling_rating
            counts = dict(self.rating.counts)
            counts[r] = counts.get(r, 0) + 1
            self.rating = Stats(self.rating.n + 1, self.rating.total + r, self.rating.squares + r * r, counts)


@dataclass(frozen=True)
class Participation:
    ratings_by_source: tuple[tuple[str, int], ...]
    ratings_total: int
    ratings_mean: float | None
    ratings_level: str
    comments: int
    tickets: tuple  # db.tickets.ReportTicket, oldest first
    outcome_by_category: dict[str, CategoryOutcome]
    outcome_total: CategoryOutcome
    staff_questions_by_source: tuple[tuple[str, int], ...]
    staff_answered: int
    votes_up: int
    votes_down: int
    notes: tuple[Note, ...]  # in the period
    consultations: tuple[ClosedConsultation, ...] = ()  # closed, with their closing day in the period

    @property
    def consulted(self) -> int:
        return sum(c.participants for c in self.consultations)

    @property
    def staff_total(self) -> int:
        return sum(n for _, n in self.staff_questions_by_source)


def compute(ctx: ReportContext, notes: tuple[Note, ...] | None = None) -> Participation:
    db, division = ctx.db, ctx.division_id
    if notes is None:
        notes = notes_from_db(db, ctx.period.first, ctx.period.last)
    by_source = ratings.score_totals(db, ctx.first_day, ctx.last_day, "source", division)
    sources = [(s, by_source[s]["overall"][0]) for s in t.RATING_SOURCES if s in by_source]
    sources += [(s, v["overall"][0]) for s, v in by_source.items() if s not in t.RATING_SOURCES]
    overall = ratings.score_totals(db, ctx.first_day, ctx.last_day, "all", division).get("")
    pooled = Stats.empty()
    if overall:
        for n, total, squares, levels in overall.values():
            pooled = pooled + Stats(n, total or 0, squares or 0, {k: v or 0 for k, v in levels.items()})
    comment_count = len(ratings.comments(db, ctx.first_day, ctx.last_day, division))

    ticket_rows = tickets.for_report(db, ctx.start, ctx.end, division)
    by_category: dict[str, CategoryOutcome] = {}
    total = CategoryOutcome()
    for ticket in ticket_rows:
        by_category.setdefault(ticket.category, CategoryOutcome()).add(ticket)
        total.add(ticket)

    asked = Counter()
    answered = 0
    for _, _, _, source, status, *_ in staff_questions.for_report(db, ctx.start, ctx.end, division):
        asked[source] += 1
        answered += status == "answered"
    up = down = 0
    for _, procedure_id, _, feedback, _, n in questions.report_counts(db, ctx.first_day, ctx.last_day):
        if division and ctx.service_division(procedure_id) != division:
            continue
        up += n if feedback == "up" else 0
        down += n if feedback == "down" else 0
    return Participation(
        ratings_by_source=tuple(sources),
        ratings_total=overall["process"][0] if overall else 0,
        ratings_mean=pooled.mean,
        ratings_level=pooled.level,
        comments=comment_count,
        tickets=tuple(ticket_rows),
        outcome_by_category=by_category,
        outcome_total=total,
        staff_questions_by_source=tuple((s, asked[s]) for s in list(t.QUESTION_SOURCES) + sorted(set(asked) - set(t.QUESTION_SOURCES)) if asked[s]),
        staff_answered=answered,
        votes_up=up,
        votes_down=down,
        notes=tuple(n for n in notes if ctx.period.contains(n.day)),
        consultations=tuple(records.closed_between(db, ctx.period.first, ctx.period.last, today=ctx.today)),
    )


# --- the document ------------------------------------------------------------------------------------


def _improvements(data: Participation, topic: str) -> str:
    written = [f"{thai_date(n.day, full_month=False)}: {n.improvement}" for n in data.notes if n.topic == topic and n.improvement]
    return " / ".join(written) if written else NOT_RECORDED


def _decided(data: Participation, topic: str, computed: str) -> str:
    written = [n.decided for n in data.notes if n.topic == topic and n.decided]
    return " ".join([computed] + written).strip()


def _outcome_text(ticket) -> str:
    if ticket.status == "resolved":
        return "แก้ไขแล้ว" + (f": {ticket.resolution}" if ticket.resolution else "")
    if ticket.status == "forwarded":
        return f"ส่งต่อ {ticket.forwarded_to}" if ticket.forwarded_to else "ส่งต่อหน่วยงานที่รับผิดชอบ"
    if ticket.status == "rejected":
        return "ไม่สามารถดำเนินการได้" + (f": {ticket.reject_reason}" if ticket.reject_reason else "")
    return t.TICKET_STATUS.get(ticket.status, ticket.status)


def document(ctx: ReportContext, data: Participation) -> Document:
    out = data.outcome_total
    resolved, forwarded, rejected = out.statuses["resolved"], out.statuses["forwarded"], out.statuses["rejected"]
    in_progress = out.received - resolved - forwarded - rejected
    line_rows = [
        (
            LINE_TOPICS["satisfaction"], t.LINE_CHANNEL, data.ratings_total,
            _decided(data, "satisfaction",
                     f"สรุปผลความพึงพอใจ ค่าเฉลี่ย {data.ratings_mean:.2f} ระดับ{data.ratings_level}; ข้อเสนอแนะ {data.comments:,} ข้อความ"
                     if data.ratings_total else "ไม่มีผู้ประเมินในช่วงนี้"),
            _improvements(data, "satisfaction"),
        ),
        (
            LINE_TOPICS["tickets"], t.LINE_CHANNEL, out.received,
            _decided(data, "tickets",
                     f"แก้ไขแล้ว {resolved:,} เรื่อง ส่งต่อหน่วยงานที่รับผิดชอบ {forwarded:,} เรื่อง ไม่สามารถดำเนินการได้ {rejected:,} เรื่อง "
                     f"อยู่ระหว่างดำเนินการ {in_progress:,} เรื่อง"),
            _improvements(data, "tickets"),
        ),
        (
            LINE_TOPICS["staff-questions"], t.LINE_CHANNEL, data.staff_total,
            _decided(data, "staff-questions", f"เจ้าหน้าที่ตอบแล้ว {data.staff_answered:,} เรื่อง"),
            _improvements(data, "staff-questions"),
        ),
        (
            LINE_TOPICS["handbook"], t.LINE_CHANNEL, data.votes_up + data.votes_down,
            _decided(data, "handbook", f"คำตอบตรงกับที่ถาม {data.votes_up:,} ครั้ง ไม่ตรง {data.votes_down:,} ครั้ง (ใช้ปรับปรุงเนื้อหาคู่มือประชาชน)"),
            _improvements(data, "handbook"),
        ),
    ]
    for x in data.consultations:
        counted = "; ".join(f"{choice} {n:,} คน" for choice, n in x.choices)
        line_rows.append((
            f"รับฟังความเห็น: {x.question} (ปิดรับ {thai_date(x.closes_on, full_month=False)})", CONSULTATION_CHANNEL, x.participants,
            _decided(data, consultation_topic(x.id), f"ผลการรับฟังความเห็น: {counted}" if counted else f"ความเห็น {x.participants:,} รายการ"),
            _improvements(data, consultation_topic(x.id)),
        ))
    activities = [n for n in data.notes if not n.is_line_topic]
    activity_rows = [
        (f"{n.topic} ({thai_date(n.day, full_month=False)})", n.channel or "–", n.total if n.participants else None,
         n.decided or NOT_RECORDED, n.improvement or NOT_RECORDED)
        for n in activities
    ]
    topics = Table(
        "หัวข้อที่ประชาชนมีส่วนร่วม ผลการดำเนินการ และการนำผลไปปรับปรุง",
        (Column("หัวข้อ", 1.6), Column("ช่องทาง", 1.1), Column("ผู้มีส่วนร่วม (ครั้ง/คน)", 0.9),
         Column("ผลการดำเนินการ / สิ่งที่ตัดสินใจ", 2.4), Column("การนำผลไปปรับปรุงการดำเนินงาน", 2.4)),
        rows(line_rows + activity_rows),
        sheet="หัวข้อการมีส่วนร่วม",
        note="ช่องทาง LINE: นับครั้งที่ประชาชนใช้ (หนึ่งคนอาจมีส่วนร่วมหลายครั้ง) กิจกรรมอื่น: จำนวนผู้เข้าร่วมตามที่บันทึกไว้",
    )
    channel_rows = [(LINE_TOPICS["satisfaction"], t.RATING_SOURCES.get(s, s), n) for s, n in data.ratings_by_source]
    channel_rows += [(LINE_TOPICS["tickets"], f"{t.LINE_CHANNEL} (เมนูแจ้งเรื่อง)", out.received)] if out.received else []
    channel_rows += [(LINE_TOPICS["staff-questions"], t.QUESTION_SOURCES.get(s, s), n) for s, n in data.staff_questions_by_source]
    channel_rows += [(LINE_TOPICS["handbook"], f"{t.LINE_CHANNEL} (ปุ่มตรง/ไม่ตรงใต้คำตอบ)", data.votes_up + data.votes_down)] if data.votes_up + data.votes_down else []
    channel_rows += [(f"รับฟังความเห็น: {x.question}", CONSULTATION_CHANNEL, x.participants) for x in data.consultations if x.participants]
    channel_rows += [(n.topic, n.channel or "–", n.total) for n in activities if n.participants]
    channels = Table(
        "ผู้มีส่วนร่วมจำแนกตามช่องทาง",
        (Column("หัวข้อ", 2), Column("ช่องทาง", 2.2), Column("จำนวน", 0.8)),
        rows(channel_rows),
        total=(t.TOTAL, None, sum(r[2] for r in channel_rows)),
        sheet="ตามช่องทาง",
    )
    village_rows = [(v or "ไม่ระบุหมู่บ้าน", n.topic, count) for n in activities for v, count in n.participants]
    village_rows += [(v or "ไม่ระบุหมู่บ้าน", f"รับฟังความเห็น: {x.question}", count) for x in data.consultations
                     if any(v for v, _ in x.villages) for v, count in x.villages]
    villages = Table(
        "ผู้เข้าร่วมกิจกรรมจำแนกตามหมู่บ้าน",
        (Column("หมู่บ้าน", 1.6), Column("กิจกรรม", 2.6), Column("จำนวนผู้เข้าร่วม", 0.9)),
        rows(village_rows),
        total=(t.TOTAL, None, sum(r[2] for r in village_rows)) if village_rows else None,
        sheet="ตามหมู่บ้าน",
        empty_text="ไม่มีกิจกรรมที่บันทึกจำนวนผู้เข้าร่วมรายหมู่บ้านในช่วงนี้",
    )
    village_note = Paragraph(
        "การมีส่วนร่วมผ่าน LINE ไม่ได้บันทึกหมู่บ้านของผู้ใช้ (ระบบเก็บข้อมูลส่วนบุคคลเท่าที่จำเป็นตาม พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล) "
        "จึงแสดงจำนวนรายหมู่บ้านเฉพาะกิจกรรมที่ อบต. บันทึกไว้ และการรับฟังความเห็นทาง LINE ที่ผู้ตอบเลือกหมู่บ้านเอง (ไม่ระบุตัวตน)"
    )
    result_rows = [(x.question, choice, n, round2(n / x.participants * 100) if x.participants else None)
                   for x in data.consultations for choice, n in x.choices]
    results = Table(
        "ผลการรับฟังความเห็นทาง LINE (เรื่องที่ปิดรับแล้ว)",
        (Column("เรื่อง", 2.6), Column("คำตอบ", 2.2), Column("จำนวน (คน)", 0.8), Column("ร้อยละ", 0.8, decimals=2)),
        rows(result_rows),
        sheet="ผลรับฟังความเห็น",
        empty_text="ไม่มีการรับฟังความเห็นทาง LINE ที่ปิดรับในช่วงนี้",
        note="ผู้ตอบแต่ละคนตอบได้ครั้งเดียว ไม่ระบุชื่อผู้ตอบ ความเห็นที่พิมพ์มาไม่เผยแพร่ (เจ้าหน้าที่นำไปพิจารณา)",
    )
    category_keys = [c for c in ("suggestion", "complaint_service", "complaint_official", "village", "other") if c in data.outcome_by_category]
    category_keys += [c for c in data.outcome_by_category if c not in category_keys]

    def outcome_row(name: str, c: CategoryOutcome):
        done = c.statuses["resolved"] + c.statuses["forwarded"] + c.statuses["rejected"]
        return (name, c.received, c.statuses["resolved"], c.statuses["forwarded"], c.statuses["rejected"], c.received - done,
                c.rating.n, c.rating.mean, c.rating.level)

    outcomes = Table(
        "ผลการดำเนินการเรื่องเสนอแนะและร้องเรียน และความพึงพอใจต่อการแก้ไข",
        (Column("ประเภท", 2), Column("ได้รับ", 0.7), Column("แก้ไขแล้ว", 0.8), Column("ส่งต่อ", 0.7), Column("ดำเนินการ ไม่ได้", 0.8),
         Column("ระหว่าง ดำเนินการ", 0.8), Column("ผู้ให้คะแนน", 0.8), Column("คะแนนเฉลี่ย (เต็ม 5)", 0.9, decimals=2),
         Column("ระดับ", 0.9, align="C")),
        rows(outcome_row(t.ticket_category(c), data.outcome_by_category[c]) for c in category_keys),
        total=outcome_row(t.TOTAL, out),
        sheet="ผลการดำเนินการ",
        landscape=True,
        note="ผู้แจ้งให้คะแนนการแก้ไขได้เมื่อเรื่องแก้ไขเรียบร้อยแล้ว (5 = พึงพอใจมากที่สุด) สถานะ ณ วันที่ออกรายงาน",
    )
    rating_rows = [(f"{lvl} {LEVEL_NAMES[lvl]}", out.rating.counts.get(lvl, 0), out.rating.share(lvl)) for lvl in LEVELS]
    rating_table = Table(
        "คะแนนความพึงพอใจต่อการแก้ไขเรื่อง",
        (Column("ระดับ", 1.6), Column("จำนวน", 0.8), Column("ร้อยละ", 0.8, decimals=2)),
        rows(rating_rows),
        total=(t.TOTAL, out.rating.n, 100.0 if out.rating.n else None),
        sheet="คะแนนการแก้ไข",
    )
    ticket_columns = (
        Column("เลขที่", 1.1), Column("วันที่รับ", 0.9), Column("ประเภท", 1.3), Column("บริการ / เรื่อง", 1.3),
        Column("ผู้รับผิดชอบ", 1.3), Column("สถานะ", 1.0), Column("ผลการดำเนินการ", 2.6), Column("วันที่ปิด", 0.9),
        Column("คะแนน", 0.6, align="C"),
    )
    ticket_list = Table(
        "รายการเรื่องเสนอแนะและร้องเรียน",
        ticket_columns,
        rows(
            (x.number, thai_date(_day(x.created_at), full_month=False), t.ticket_category(x.category),
             ctx.service_title(x.service_id) or t.village_topic(x.topic) or "–", ctx.division_name(x.division_id),
             t.TICKET_STATUS.get(x.status, x.status), _outcome_text(x),
             thai_date(_day(x.closed_at), full_month=False) if x.closed_at else None, x.handling_rating)
            for x in data.tickets
        ),
        sheet="รายการเรื่อง",
        landscape=True,
        pdf_row_limit=PDF_TICKET_ROWS,
        pdf_limit_note=t.XLSX_FOR_ALL,
        note="ไม่แสดงชื่อ ข้อความ รูปภาพ หรือตำแหน่งของผู้แจ้ง (ข้อมูลส่วนบุคคล) ผลการดำเนินการเป็นข้อความที่เจ้าหน้าที่แจ้งผู้แจ้ง",
    )
    figures = Figures((
        ("ผู้ประเมินความพึงพอใจ", f"{data.ratings_total:,} ครั้ง"),
        ("เรื่องเสนอแนะและร้องเรียน", f"{out.received:,} เรื่อง"),
        ("คำถามถึงเจ้าหน้าที่", f"{data.staff_total:,} เรื่อง"),
        ("ความเห็นต่อคำตอบคู่มือประชาชน", f"{data.votes_up + data.votes_down:,} ครั้ง"),
        ("การรับฟังความเห็นทาง LINE", f"{len(data.consultations):,} เรื่อง ผู้ร่วมแสดงความเห็น {data.consulted:,} คน"),
        ("กิจกรรมนอก LINE ที่บันทึกไว้", f"{len(activities):,} กิจกรรม ผู้เข้าร่วม {sum(n.total for n in activities):,} คน"),
    ))
    sections = (
        Section("1. ภาพรวมการมีส่วนร่วม", (
            Paragraph(
                f"{ctx.profile.name} เปิดโอกาสให้ประชาชนและผู้มีส่วนได้เสียมีส่วนร่วมในการปรับปรุงการดำเนินงาน "
                f"ผ่าน {t.LINE_CHANNEL} ได้ทุกวัน ตลอด 24 ชั่วโมง ได้แก่ การประเมินความพึงพอใจ การแจ้งข้อเสนอแนะและเรื่องร้องเรียน "
                "การถามเจ้าหน้าที่ และการบอกว่าคำตอบของคู่มือประชาชนตรงกับที่ถามหรือไม่ รวมถึงกิจกรรมที่ อบต. จัดขึ้น"
            ),
            figures,
            topics,
            results,
        )),
        Section("2. ผู้มีส่วนร่วมจำแนกตามช่องทางและหมู่บ้าน", (
            channels,
            Chart("ผู้มีส่วนร่วมจำแนกตามช่องทาง", channels, 1, (Series("จำนวน", 2),), unit="ครั้ง"),
            village_note,
            villages,
        )),
        Section("3. เรื่องเสนอแนะและร้องเรียน ผลการดำเนินการ และความพึงพอใจต่อการแก้ไข", (
            outcomes,
            rating_table,
            Chart("คะแนนความพึงพอใจต่อการแก้ไขเรื่อง", rating_table, 0, (Series("จำนวน", 1),), unit="เรื่อง"),
            ticket_list,
        )),
        Section("4. สรุป", (Bullets(tuple(_summary(data))),)),
    )
    return ctx.document(KIND, TITLE, "participation", sections)


def _day(epoch: float) -> date:
    from bot.common.thaidate import to_bangkok

    return to_bangkok(epoch).date()


def _summary(data: Participation) -> list[str]:
    out = data.outcome_total
    lines = [
        f"ประชาชนมีส่วนร่วมผ่าน LINE รวม {data.ratings_total + out.received + data.staff_total + data.votes_up + data.votes_down + data.consulted:,} ครั้ง"
    ]
    if data.consultations:
        lines.append(f"รับฟังความเห็นทาง LINE {len(data.consultations):,} เรื่อง ผู้ร่วมแสดงความเห็น {data.consulted:,} คน")
    if out.received:
        done = out.statuses["resolved"] + out.statuses["forwarded"] + out.statuses["rejected"]
        lines.append(f"เรื่องเสนอแนะและร้องเรียน {out.received:,} เรื่อง ดำเนินการแล้ว {done:,} เรื่อง (ร้อยละ {round2(done / out.received * 100):.2f})")
    if out.rating.n:
        lines.append(f"ผู้แจ้งให้คะแนนการแก้ไข {out.rating.n:,} เรื่อง เฉลี่ย {out.rating.mean:.2f} ระดับ{out.rating.level}")
    missing = [LINE_TOPICS[k] for k in LINE_TOPICS if not any(n.topic == k and n.improvement for n in data.notes)]
    if missing:
        lines.append("หัวข้อที่ยังไม่ได้บันทึกการนำผลไปปรับปรุง: " + ", ".join(missing))
    return lines


def build(ctx: ReportContext) -> Document:
    return document(ctx, compute(ctx))
