"""Service statistics (รายงานสถิติการให้บริการ).

- Questions citizens asked the handbook in LINE (handbook_questions, and the daily counts kept
  after a question is deleted): asked, answered, choices offered, abstentions (the bot said it
  did not know), topics outside the SAO's duties, 👍/👎, passed to staff — per procedure and
  per month, and the procedure × month table of questions asked and answered.
- Questions passed to staff (staff_questions): per division, answered, answered within the
  one-working-day promise, still open, median and mean answer time.
- Suggestions and complaints (tickets): by category and status, by division, and the median
  time from filing to resolution; acknowledged and resolved within their deadlines
  (content/ticket-deadlines.yaml, working days), and closures the citizen confirmed, left
  unanswered for 7 days (closed by timeout) or reopened, counted apart.
- Service requests (service_requests): online (LINE) and at the counter, per service and per
  month, how they ended, and the days from filing to done (median, p90): bot/reports/request_stats.py.
A staff member's report counts only their division (handbook questions: its procedures).
"""
from __future__ import annotations

import statistics
from datetime import date
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bot.reports import request_stats
from bot.reports import texts as t
from bot.reports.context import ReportContext
from bot.reports.document import Chart, Column, Document, Figures, Paragraph, Section, Series, Table, rows
from bot.reports.scale import round2
from bot.common.thaidate import thai_month, to_bangkok
from bot.content.workdays import WorkCalendar
from bot.feedback import ticket_deadlines as deadlines
from db import questions, staff_questions, tickets
from db import ticket_deadlines as deadline_facts
from db.tickets import STATUSES

KIND = "service-statistics"
TITLE = "รายงานสถิติการให้บริการ"
HOUR = 3600.0
DAY = 86400.0


@dataclass
class HandbookCounts:
    asked: int = 0
    answered: int = 0
    choose: int = 0
    unanswered: int = 0
    outside: int = 0
    up: int = 0
    down: int = 0
    to_staff: int = 0

    def add(self, outcome: str, feedback: str, to_staff: int, n: int) -> None:
        self.asked += n
        setattr(self, outcome, getattr(self, outcome) + n)
        if feedback in ("up", "down"):
            setattr(self, feedback, getattr(self, feedback) + n)
        if to_staff:
            self.to_staff += n

    @property
    def answer_rate(self) -> float | None:
        return round2(self.answered / self.asked * 100) if self.asked else None


@dataclass
class StaffQuestionCounts:
    received: int = 0
    answered: int = 0
    on_time: int = 0  # answered by the due time (one working day)
    open: int = 0
    overdue_open: int = 0
    answer_hours: list[float] = field(default_factory=list)

    @property
    def median_hours(self) -> float | None:
        return round2(statistics.median(self.answer_hours)) if self.answer_hours else None

    @property
    def mean_hours(self) -> float | None:
        return round2(statistics.fmean(self.answer_hours)) if self.answer_hours else None

    @property
    def on_time_rate(self) -> float | None:
        return round2(self.on_time / self.answered * 100) if self.answered else None


@dataclass
class TicketCounts:
    received: int = 0
    statuses: Counter = field(default_factory=Counter)
    resolution_days: list[float] = field(default_factory=list)
    # Deadlines: tickets whose acknowledgement (resolution) is decided — done, or late by the
    # report's day — and of those, the ones done by their due day.
    ack_counted: int = 0
    ack_on_time: int = 0
    resolve_counted: int = 0
    resolve_on_time: int = 0
    closures: Counter = field(default_factory=Counter)  # confirmed | timed_out | reopened | pending

    @property
    def median_days(self) -> float | None:
        return round2(statistics.median(self.resolution_days)) if self.resolution_days else None

    @property
    def ack_rate(self) -> float | None:
        return round2(self.ack_on_time / self.ack_counted * 100) if self.ack_counted else None

    @property
    def resolve_rate(self) -> float | None:
        return round2(self.resolve_on_time / self.resolve_counted * 100) if self.resolve_counted else None

    def add_deadlines(self, facts: deadline_facts.DeadlineFacts, due: deadlines.Due, today) -> None:
        acknowledged = to_bangkok(facts.acknowledged_at).date() if facts.acknowledged_at else None
        if acknowledged or due.ack < today:
            self.ack_counted += 1
            self.ack_on_time += bool(acknowledged and acknowledged <= due.ack)
        if facts.status == "resolved" and facts.resolved_at:
            self.resolve_counted += 1
            self.resolve_on_time += to_bangkok(facts.resolved_at).date() <= due.resolve
        elif facts.status in tickets.OPEN_STATUSES and due.resolve < today:
            self.resolve_counted += 1
        self.closures.update(facts.closures)

    @property
    def closed(self) -> int:
        return sum(self.statuses[s] for s in tickets.CLOSED_STATUSES)


@dataclass(frozen=True)
class ServiceStatistics:
    handbook: HandbookCounts
    handbook_by_procedure: dict[str, HandbookCounts]  # '' = no procedure named
    handbook_by_month: dict[str, HandbookCounts]  # YYYY-MM
    asked_matrix: dict[str, dict[str, int]]  # procedure → month → asked
    answered_matrix: dict[str, dict[str, int]]
    staff: StaffQuestionCounts
    staff_by_division: dict[str, StaffQuestionCounts]
    staff_by_month: dict[str, int]
    tickets: TicketCounts
    tickets_by_category: dict[str, TicketCounts]
    tickets_by_division: dict[str, TicketCounts]
    tickets_by_month: dict[str, int]
    requests: request_stats.RequestStatistics


def _month(epoch: float) -> str:
    from bot.common.thaidate import to_bangkok

    d = to_bangkok(epoch)
    return f"{d.year:04d}-{d.month:02d}"


def compute(ctx: ReportContext) -> ServiceStatistics:
    handbook, by_procedure, by_month = HandbookCounts(), defaultdict(HandbookCounts), defaultdict(HandbookCounts)
    asked_matrix: dict[str, Counter] = defaultdict(Counter)
    answered_matrix: dict[str, Counter] = defaultdict(Counter)
    for day, procedure_id, outcome, feedback, to_staff, n in questions.report_counts(ctx.db, ctx.first_day, ctx.last_day):
        if ctx.division_id and ctx.service_division(procedure_id) != ctx.division_id:
            continue  # a division's report: questions answered with its own procedures
        month = day[:7]
        for counts in (handbook, by_procedure[procedure_id], by_month[month]):
            counts.add(outcome, feedback, to_staff, n)
        asked_matrix[procedure_id][month] += n
        if outcome == "answered":
            answered_matrix[procedure_id][month] += n

    staff, staff_by_division, staff_by_month = StaffQuestionCounts(), defaultdict(StaffQuestionCounts), Counter()
    now = ctx.generated_at.timestamp()
    for _, division_id, _, _, status, created_at, due_at, answered_at in staff_questions.for_report(ctx.db, ctx.start, ctx.end, ctx.division_id):
        staff_by_month[_month(created_at)] += 1
        for counts in (staff, staff_by_division[division_id]):
            counts.received += 1
            if status == "answered" and answered_at is not None:
                counts.answered += 1
                counts.answer_hours.append((answered_at - created_at) / HOUR)
                if answered_at <= due_at:
                    counts.on_time += 1
            else:
                counts.open += 1
                if due_at < now:
                    counts.overdue_open += 1

    all_tickets, by_category, by_division, tickets_by_month = TicketCounts(), defaultdict(TicketCounts), defaultdict(TicketCounts), Counter()
    for ticket in tickets.for_report(ctx.db, ctx.start, ctx.end, ctx.division_id):
        tickets_by_month[_month(ticket.created_at)] += 1
        for counts in (all_tickets, by_category[ticket.category], by_division[ticket.division_id]):
            counts.received += 1
            counts.statuses[ticket.status] += 1
            if ticket.status == "resolved" and ticket.resolved_at is not None:
                counts.resolution_days.append((ticket.resolved_at - ticket.created_at) / DAY)
    rules = ctx.ticket_deadlines or deadlines.from_content(ctx.content_dir)
    calendar = ctx.calendar or WorkCalendar.from_content(ctx.content_dir)
    for facts in deadline_facts.for_report(ctx.db, ctx.start, ctx.end, ctx.division_id):
        if facts.ack_due_on and facts.resolve_due_on:
            due = deadlines.Due(date.fromisoformat(facts.ack_due_on), date.fromisoformat(facts.resolve_due_on))
        else:  # filed before deadlines were kept: as they would have been stamped
            due = deadlines.Due(*deadlines.due_dates(rules, calendar, facts.category, facts.topic, facts.created_at))
        for counts in (all_tickets, by_category[facts.category], by_division[facts.division_id]):
            counts.add_deadlines(facts, due, ctx.today)

    return ServiceStatistics(
        handbook=handbook,
        handbook_by_procedure=dict(by_procedure),
        handbook_by_month=dict(by_month),
        asked_matrix={k: dict(v) for k, v in asked_matrix.items()},
        answered_matrix={k: dict(v) for k, v in answered_matrix.items()},
        staff=staff,
        staff_by_division=dict(staff_by_division),
        staff_by_month=dict(staff_by_month),
        tickets=all_tickets,
        tickets_by_category=dict(by_category),
        tickets_by_division=dict(by_division),
        tickets_by_month=dict(tickets_by_month),
        requests=request_stats.compute(ctx),
    )


# --- the document --------------------------------------------------------------------------------


def _procedure_name(ctx: ReportContext, procedure_id: str) -> str:
    return ctx.service_title(procedure_id) if procedure_id else t.NO_SERVICE


def _procedure_order(ctx: ReportContext, procedure_id: str) -> tuple:
    return (1, 0, "") if not procedure_id else (0,) + ctx.service_order(procedure_id)


def document(ctx: ReportContext, data: ServiceStatistics) -> Document:
    months = [f"{y:04d}-{m:02d}" for y, m in ctx.period.months()]
    month_names = {key: thai_month(*map(int, key.split("-"))) for key in months}
    hb = data.handbook
    figures = Figures((
        ("คำถามที่ประชาชนถามบอทผ่าน LINE", f"{hb.asked:,} คำถาม"),
        ("ตอบจากคู่มือประชาชนได้", f"{hb.answered:,} คำถาม (ร้อยละ {hb.answer_rate:.2f})" if hb.asked else "–"),
        ("บอทไม่ตอบเพราะไม่แน่ใจ (เสนอส่งต่อเจ้าหน้าที่)", f"{hb.unanswered:,} คำถาม"),
        ("เรื่องนอกอำนาจหน้าที่ (แนะนำหน่วยงานที่รับผิดชอบ)", f"{hb.outside:,} คำถาม"),
        ("ผู้ถามบอกว่าคำตอบตรง / ไม่ตรงกับที่ถาม", f"{hb.up:,} / {hb.down:,} คำถาม"),
        ("คำถามที่ส่งต่อถึงเจ้าหน้าที่", f"{data.staff.received:,} เรื่อง ตอบแล้ว {data.staff.answered:,} เรื่อง"),
        ("ตอบภายใน 1 วันทำการ", f"{data.staff.on_time:,} เรื่อง (ร้อยละ {data.staff.on_time_rate:.2f})" if data.staff.answered else "–"),
        ("เวลาตอบ (มัธยฐาน)", f"{data.staff.median_hours:,.2f} ชั่วโมง" if data.staff.answer_hours else "–"),
        ("เรื่องเสนอแนะ/ร้องเรียนที่ได้รับ", f"{data.tickets.received:,} เรื่อง ปิดเรื่องแล้ว {data.tickets.closed:,} เรื่อง"),
        ("เวลาตั้งแต่รับเรื่องถึงแก้ไขเสร็จ (มัธยฐาน)", f"{data.tickets.median_days:,.2f} วัน" if data.tickets.resolution_days else "–"),
        *_deadline_figures(data.tickets),
        *request_stats.figures(data.requests),
    ))
    procedures = sorted(data.handbook_by_procedure, key=lambda p: _procedure_order(ctx, p))
    per_procedure = Table(
        "คำถามถึงคู่มือประชาชนจำแนกตามบริการ",
        (
            Column("บริการ", 2.6), Column("ส่วนราชการ", 1.8), Column("ถาม", 0.8), Column("ตอบได้", 0.8),
            Column("เสนอให้เลือก", 0.9), Column("ไม่ตอบ", 0.8), Column("นอกอำนาจ หน้าที่", 0.9),
            Column("ถูกใจ", 0.7), Column("ไม่ถูกใจ", 0.8), Column("ส่งต่อ เจ้าหน้าที่", 0.9),
        ),
        rows(
            (_procedure_name(ctx, p), ctx.division_name(ctx.service_division(p)), c.asked, c.answered, c.choose,
             c.unanswered, c.outside, c.up, c.down, c.to_staff)
            for p in procedures for c in (data.handbook_by_procedure[p],)
        ),
        total=(t.TOTAL, None, hb.asked, hb.answered, hb.choose, hb.unanswered, hb.outside, hb.up, hb.down, hb.to_staff),
        sheet="คำถามรายบริการ",
        landscape=True,
        note=(
            f"\"{t.NO_SERVICE}\": คำถามที่บอทไม่ได้ตอบด้วยบริการใด (ไม่แน่ใจ หรือเป็นเรื่องนอกอำนาจหน้าที่) "
            "ถูกใจ/ไม่ถูกใจ: ผู้ถามกดปุ่มบอกว่าคำตอบตรงหรือไม่ตรงกับที่ถาม"
        ),
    )
    per_month = Table(
        "คำถามและเรื่องที่ได้รับรายเดือน",
        (
            Column("เดือน", 1.2), Column("ถามคู่มือ", 0.9), Column("ตอบได้", 0.9), Column("ร้อยละที่ตอบได้", 1, decimals=2),
            Column("ไม่ตอบ", 0.8), Column("ส่งต่อ เจ้าหน้าที่", 0.9), Column("คำถามถึง เจ้าหน้าที่", 0.9), Column("เรื่องเสนอแนะ/ ร้องเรียน", 1),
        ),
        rows(
            (month_names[m], c.asked, c.answered, c.answer_rate, c.unanswered, c.to_staff,
             data.staff_by_month.get(m, 0), data.tickets_by_month.get(m, 0))
            for m in months for c in (data.handbook_by_month.get(m, HandbookCounts()),)
        ),
        total=(t.TOTAL, hb.asked, hb.answered, hb.answer_rate, hb.unanswered, hb.to_staff, data.staff.received, data.tickets.received),
        sheet="รายเดือน",
    )

    def matrix(title: str, sheet: str, values: dict[str, dict[str, int]]) -> Table:
        keys = sorted(values, key=lambda p: _procedure_order(ctx, p))
        return Table(
            title,
            (Column("บริการ", 2.4), *[Column(month_names[m], 0.75) for m in months], Column(t.TOTAL, 0.8)),
            rows(
                (_procedure_name(ctx, p), *[values[p].get(m, 0) for m in months], sum(values[p].values()))
                for p in keys
            ),
            total=(t.TOTAL, *[sum(values[p].get(m, 0) for p in keys) for m in months], sum(sum(v.values()) for v in values.values())),
            sheet=sheet,
            landscape=True,
        )

    staff_rows = sorted(data.staff_by_division.items(), key=lambda kv: [d.id for d in ctx.divisions].index(kv[0]) if kv[0] in [d.id for d in ctx.divisions] else 99)
    s = data.staff
    staff_table = Table(
        "คำถามถึงเจ้าหน้าที่จำแนกตามส่วนราชการ",
        (
            Column("ส่วนราชการ", 2.4), Column("ได้รับ", 0.8), Column("ตอบแล้ว", 0.8), Column("ตอบภายใน 1 วันทำการ", 1),
            Column("ร้อยละตอบทันเวลา", 1, decimals=2), Column("ยังไม่ตอบ", 0.8), Column("ยังไม่ตอบ เกินกำหนด", 0.9),
            Column("เวลาตอบ มัธยฐาน (ชม.)", 1, decimals=2), Column("เวลาตอบ เฉลี่ย (ชม.)", 1, decimals=2),
        ),
        rows(
            (ctx.division_name(d), c.received, c.answered, c.on_time, c.on_time_rate, c.open, c.overdue_open, c.median_hours, c.mean_hours)
            for d, c in staff_rows
        ),
        total=(t.TOTAL, s.received, s.answered, s.on_time, s.on_time_rate, s.open, s.overdue_open, s.median_hours, s.mean_hours),
        sheet="คำถามถึงเจ้าหน้าที่",
        landscape=True,
        note="ตอบภายใน 1 วันทำการ: ตอบก่อนเวลาครบกำหนดที่ระบบตั้งไว้เมื่อรับคำถาม (เว้นวันหยุดราชการ) ยังไม่ตอบนับ ณ วันที่ออกรายงาน",
    )
    category_keys = [c for c in ("suggestion", "complaint_service", "complaint_official", "village", "other") if c in data.tickets_by_category]
    category_keys += [c for c in data.tickets_by_category if c not in category_keys]
    status_columns = [Column(t.TICKET_STATUS[st], 0.9) for st in STATUSES]
    tk = data.tickets
    ticket_table = Table(
        "เรื่องเสนอแนะและร้องเรียนจำแนกตามประเภทและสถานะ",
        (Column("ประเภท", 2), Column("ได้รับ", 0.7), *status_columns, Column("ระยะเวลาแก้ไข มัธยฐาน (วัน)", 1, decimals=2)),
        rows(
            (t.ticket_category(cat), c.received, *[c.statuses.get(st, 0) for st in STATUSES], c.median_days)
            for cat in category_keys for c in (data.tickets_by_category[cat],)
        ),
        total=(t.TOTAL, tk.received, *[tk.statuses.get(st, 0) for st in STATUSES], tk.median_days),
        sheet="เรื่องร้องเรียนตามประเภท",
        landscape=True,
        note="สถานะ ณ วันที่ออกรายงาน; ระยะเวลาแก้ไข: จากวันที่รับเรื่องถึงวันที่แจ้งว่าแก้ไขเรียบร้อย เฉพาะเรื่องที่แก้ไขแล้ว",
    )
    division_ids = [d.id for d in ctx.divisions]
    division_table = Table(
        "เรื่องเสนอแนะและร้องเรียนจำแนกตามส่วนราชการ",
        (Column("ส่วนราชการ", 2.4), Column("ได้รับ", 0.8), Column("ปิดเรื่องแล้ว", 0.9), Column("ยังดำเนินการ", 0.9),
         Column("ระยะเวลาแก้ไข มัธยฐาน (วัน)", 1.1, decimals=2)),
        rows(
            (ctx.division_name(d), c.received, c.closed, c.received - c.closed, c.median_days)
            for d, c in sorted(data.tickets_by_division.items(), key=lambda kv: division_ids.index(kv[0]) if kv[0] in division_ids else 99)
        ),
        total=(t.TOTAL, tk.received, tk.closed, tk.received - tk.closed, tk.median_days),
        sheet="เรื่องร้องเรียนตามกอง",
    )
    timeliness = _timeliness_table(ctx, data, category_keys)
    sections = (
        Section("1. สรุปภาพรวม", (
            Paragraph(
                f"สถิติการให้บริการผ่าน {t.LINE_CHANNEL} ของ {ctx.profile.short_name}: ประชาชนถามข้อมูลงานบริการจากคู่มือประชาชน "
                "ส่งคำถามถึงเจ้าหน้าที่ และแจ้งเรื่องเสนอแนะหรือร้องเรียน ตัวเลขนับตามวันที่ได้รับในช่วงของรายงาน "
                "ไม่มีข้อมูลที่ระบุตัวผู้ใช้บริการ"
            ),
            figures,
        )),
        Section("2. คำถามถึงคู่มือประชาชน", (
            per_procedure,
            Chart("จำนวนคำถามจำแนกตามบริการ", per_procedure, 0, (Series("ถาม", 2), Series("ตอบได้", 3)), unit="คำถาม"),
            matrix("จำนวนคำถามที่ถาม จำแนกตามบริการและเดือน", "ถามรายบริการรายเดือน", data.asked_matrix),
            matrix("จำนวนคำถามที่ตอบได้ จำแนกตามบริการและเดือน", "ตอบได้รายบริการรายเดือน", data.answered_matrix),
        )),
        Section("3. สถิติรายเดือน", (
            per_month,
            Chart("คำถามถึงคู่มือประชาชนรายเดือน", per_month, 0, (Series("ถาม", 1), Series("ตอบได้", 2)), unit="คำถาม"),
        )),
        Section("4. คำถามที่ส่งถึงเจ้าหน้าที่", (staff_table,)),
        Section("5. เรื่องเสนอแนะและร้องเรียน", (
            ticket_table,
            division_table,
            timeliness,
            Chart("เรื่องเสนอแนะและร้องเรียนจำแนกตามประเภท", ticket_table, 0, (Series("ได้รับ", 1),), unit="เรื่อง"),
        )),
        request_stats.section(ctx, data.requests, "6. คำร้องขอรับบริการ: ออนไลน์และที่เคาน์เตอร์"),
    )
    return ctx.document(KIND, TITLE, "service-statistics", sections)


def _on_time(done: int, counted: int) -> str:
    return f"{done:,} จาก {counted:,} เรื่อง (ร้อยละ {round2(done / counted * 100):.2f})" if counted else "–"


def _deadline_figures(tk: TicketCounts) -> tuple[tuple[str, str], ...]:
    c = tk.closures
    return (
        ("รับเรื่องภายในกำหนด", _on_time(tk.ack_on_time, tk.ack_counted)),
        ("แก้ไขเสร็จภายในกำหนด", _on_time(tk.resolve_on_time, tk.resolve_counted)),
        ("การปิดเรื่อง: ผู้แจ้งยืนยัน / ปิดอัตโนมัติ (ไม่ตอบใน 7 วัน) / ผู้แจ้งแจ้งว่ายังไม่เรียบร้อย",
         f"{c['confirmed']:,} / {c['timed_out']:,} / {c['reopened']:,} ครั้ง"),
    )


def _timeliness_table(ctx: ReportContext, data: ServiceStatistics, category_keys: list[str]) -> Table:
    def cells(c: TicketCounts) -> tuple:
        return (c.received, c.ack_on_time, c.ack_counted, c.ack_rate, c.resolve_on_time, c.resolve_counted, c.resolve_rate,
                c.closures["confirmed"], c.closures["timed_out"], c.closures["reopened"], c.closures["pending"])

    return Table(
        "ความทันเวลาและการยืนยันการปิดเรื่อง จำแนกตามประเภท",
        (
            Column("ประเภท", 2), Column("ได้รับ", 0.7), Column("รับเรื่อง ทันกำหนด", 0.8), Column("ครบกำหนด รับเรื่อง", 0.8),
            Column("ร้อยละ รับเรื่อง ทันกำหนด", 0.9, decimals=2), Column("แก้ไขเสร็จ ทันกำหนด", 0.8),
            Column("ครบกำหนด แก้ไข", 0.8), Column("ร้อยละ แก้ไข ทันกำหนด", 0.9, decimals=2), Column("ผู้แจ้ง ยืนยัน", 0.8),
            Column("ปิดอัตโนมัติ (ไม่ตอบ ใน 7 วัน)", 0.9), Column("ผู้แจ้ง เปิดใหม่", 0.8), Column("รอผู้แจ้ง ยืนยัน", 0.8),
        ),
        rows((t.ticket_category(cat), *cells(data.tickets_by_category[cat])) for cat in category_keys),
        total=(t.TOTAL, *cells(data.tickets)),
        sheet="ความทันเวลา",
        landscape=True,
        note=(
            "กำหนดเวลานับเป็นวันทำการตามที่ อบต. กำหนดแต่ละประเภทเรื่อง (เว้นวันหยุดราชการ) "
            "ครบกำหนด: เรื่องที่ดำเนินการแล้ว หรือเลยกำหนด ณ วันที่ออกรายงาน; แก้ไขเสร็จนับเฉพาะเรื่องที่ อบต. แก้ไขเอง "
            "(ไม่รวมส่งต่อหน่วยงานอื่นและไม่ดำเนินการ) การปิดเรื่องนับเป็นครั้ง: เรื่องหนึ่งปิดได้มากกว่าหนึ่งครั้งเมื่อผู้แจ้งเปิดใหม่"
        ),
    )


def build(ctx: ReportContext) -> Document:
    return document(ctx, compute(ctx))
