"""The reports /transparency publishes, each a Document from bot/reports made fit for the public.

Public means figures only. What a report module puts in for the SAO's own files but a public
page must not show is taken out here: the citizens' comments in the satisfaction report and
the list of suggestions and complaints (with what staff told each citizen) in the
participation report. The corruption report is counts only by construction.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

from bot.reports import corruption_counts, measures, participation, satisfaction, service_stats
from bot.reports import texts as t
from bot.reports.context import ReportContext
from bot.reports.document import Chart, Column, Document, Figures, Paragraph, Section, Series, Table, rows
from bot.common.thaidate import thai_date, thai_month
from bot.transparency.rounds import ROUNDS_HALF, ROUNDS_QUARTERLY

HANDBOOK = "handbook"
NOT_PUBLISHED = "ไม่เผยแพร่ข้อความที่ประชาชนเขียนบนหน้านี้ เพราะอาจมีข้อมูลส่วนบุคคล"


@dataclass(frozen=True)
class PublicReport:
    slug: str  # in the URL
    title: str  # Thai
    description: str  # Thai, for the index
    rounds: tuple[str, ...]  # () = shown live only, never frozen
    build: Callable[[ReportContext], Document]
    ita: str = ""  # what it answers, in words (item numbers change every year)


def _strip(document: Document, sheets: set[str], replacement: Callable[[Document], str]) -> Document:
    """The document without the tables on these XLSX sheets (and their charts); a section left
    empty says why."""
    dropped = [b for s in document.sections for b in s.blocks if isinstance(b, Table) and b.sheet in sheets]
    sections = []
    for section in document.sections:
        kept = tuple(
            b for b in section.blocks
            if not any(b is d for d in dropped) and not (isinstance(b, Chart) and any(b.table is d for d in dropped))
        )
        if len(kept) != len(section.blocks):
            kept += (Paragraph(replacement(document)),)
        sections.append(dataclasses.replace(section, blocks=kept))
    return dataclasses.replace(document, sections=tuple(sections))


def _satisfaction(ctx: ReportContext) -> Document:
    data = satisfaction.compute(ctx)
    written = sum(g.total for g in data.comments)
    return _strip(satisfaction.document(ctx, data), {"ข้อเสนอแนะ"},
                  lambda _: f"มีข้อเสนอแนะจากผู้รับบริการ {written:,} ข้อความ {NOT_PUBLISHED} "
                            "อบต. นำข้อเสนอแนะไปพิจารณาปรับปรุงการให้บริการ")


def _participation(ctx: ReportContext) -> Document:
    return _strip(participation.build(ctx), {"รายการเรื่อง"},
                  lambda _: "รายการเรื่องเสนอแนะและร้องเรียนรายเรื่องไม่เผยแพร่บนหน้านี้ เพื่อคุ้มครองข้อมูลส่วนบุคคลของผู้แจ้ง "
                            "ดูจำนวนเรื่องจำแนกตามประเภทและผลการดำเนินการในตารางข้างต้น")


def _measures(ctx: ReportContext) -> Document:
    # A public page never writes: the clock plans the year's deadlines (publish plans them first).
    return measures.document(ctx, measures.compute(ctx, plan_missing_years=False))


def complaints(ctx: ReportContext) -> Document:
    """Suggestions and complaints in figures: by category, status, division and month; the
    closures the citizens confirmed, left to time out or reopened; the deadlines kept."""
    data = service_stats.compute(ctx)
    full = service_stats.document(ctx, data)
    wanted = {"เรื่องร้องเรียนตามประเภท", "เรื่องร้องเรียนตามกอง", "ความทันเวลา"}
    tables = [b for s in full.sections for b in s.blocks if isinstance(b, Table) and b.sheet in wanted]
    by_category = next(x for x in tables if x.sheet == "เรื่องร้องเรียนตามประเภท")
    tk = data.tickets
    months = [f"{y:04d}-{m:02d}" for y, m in ctx.period.months()]
    month_table = Table(
        "เรื่องเสนอแนะและร้องเรียนที่ได้รับรายเดือน",
        (Column("เดือน", 2), Column("ได้รับ (เรื่อง)", 1)),
        rows((thai_month(*map(int, m.split("-"))), data.tickets_by_month.get(m, 0)) for m in months),
        total=(t.TOTAL, sum(data.tickets_by_month.get(m, 0) for m in months)),
        sheet="รายเดือน",
    )
    c = tk.closures
    figures = Figures((
        ("เรื่องที่ได้รับในช่วงนี้", f"{tk.received:,} เรื่อง"),
        ("ปิดเรื่องแล้ว (แก้ไขแล้ว ส่งต่อ หรือไม่ดำเนินการ)", f"{tk.closed:,} เรื่อง"),
        ("ยังดำเนินการอยู่", f"{tk.received - tk.closed:,} เรื่อง"),
        ("ระยะเวลาแก้ไข (มัธยฐาน)", f"{tk.median_days:,.2f} วัน" if tk.median_days is not None else "–"),
        ("รับเรื่องภายในกำหนด", f"{tk.ack_on_time:,} จาก {tk.ack_counted:,} เรื่อง" + (f" (ร้อยละ {tk.ack_rate:.2f})" if tk.ack_rate is not None else "")),
        ("แก้ไขเสร็จภายในกำหนด", f"{tk.resolve_on_time:,} จาก {tk.resolve_counted:,} เรื่อง" + (f" (ร้อยละ {tk.resolve_rate:.2f})" if tk.resolve_rate is not None else "")),
        ("ปิดเรื่อง: ผู้แจ้งยืนยันว่าแก้ไขแล้ว", f"{c['confirmed']:,} ครั้ง"),
        ("ปิดเรื่อง: ผู้แจ้งไม่ตอบภายใน 7 วัน (ปิดอัตโนมัติ)", f"{c['timed_out']:,} ครั้ง"),
        ("ผู้แจ้งแจ้งว่ายังไม่เรียบร้อย (เปิดเรื่องใหม่)", f"{c['reopened']:,} ครั้ง"),
        ("รอผู้แจ้งยืนยัน", f"{c['pending']:,} ครั้ง"),
    ))
    sections = (
        Section("1. สรุป", (
            Paragraph(
                f"เรื่องเสนอแนะ ร้องเรียน และปัญหาในหมู่บ้านที่ประชาชนแจ้ง {ctx.profile.short_name} ผ่าน {t.LINE_CHANNEL} "
                "นับตามวันที่ได้รับ สถานะ ณ วันที่ออกรายงาน แสดงเฉพาะจำนวน ไม่มีชื่อ ข้อความ รูปภาพ หรือตำแหน่งของผู้แจ้ง "
                "เรื่องแจ้งเบาะแสทุจริตไม่รวมอยู่ในรายงานนี้ (ดูรายงานสถิติเรื่องร้องเรียนการทุจริต)"
            ),
            figures,
        )),
        Section("2. จำแนกตามประเภท สถานะ และส่วนราชการ", (
            *tables,
            Chart("เรื่องที่ได้รับจำแนกตามประเภท", by_category, 0, (Series("ได้รับ", 1),), unit="เรื่อง"),
        )),
        Section("3. รายเดือน", (
            month_table,
            Chart("เรื่องที่ได้รับรายเดือน", month_table, 0, (Series("ได้รับ", 1),), unit="เรื่อง"),
        )),
    )
    return ctx.document("complaints", "รายงานสถิติเรื่องเสนอแนะและร้องเรียน", "complaints", sections, scope="")


def handbook_document(ctx: ReportContext, base_url: str = "") -> Document:
    """The citizen handbook's services: name, responsible division, time taken, fee, and where
    to read it (its /handbook page)."""
    procedures = ctx.handbook.procedures if ctx.handbook else ()

    def fee(p) -> str:
        return "; ".join(f"{f.item} {f.amount}".strip() for f in p.fees) if p.fees else "ไม่มีค่าธรรมเนียม"

    table = Table(
        "รายการงานบริการในคู่มือสำหรับประชาชน",
        (Column("ลำดับ", 0.5, align="C"), Column("งานบริการ", 3), Column("ส่วนราชการที่รับผิดชอบ", 1.6),
         Column("ระยะเวลา", 1.2), Column("ค่าธรรมเนียม", 1.4), Column("อ่านคู่มือ", 1.8)),
        rows(
            (i, p.title, p.division_name, p.duration_total or "–", fee(p), f"{base_url}/handbook/{p.id}")
            for i, p in enumerate(procedures, start=1)
        ),
        sheet="คู่มือสำหรับประชาชน",
        landscape=True,
        empty_text="ยังไม่มีงานบริการในคู่มือ",
    )
    sections = (Section("รายการงานบริการ", (
        Paragraph(
            f"คู่มือสำหรับประชาชนของ {ctx.profile.name} ตามพระราชบัญญัติการอำนวยความสะดวกในการพิจารณาอนุญาตของทางราชการ พ.ศ. 2558 "
            "แต่ละงานบริการมีขั้นตอน ระยะเวลา เอกสารที่ใช้ ค่าธรรมเนียม และช่องทางการให้บริการ อ่านได้ที่หน้าคู่มือของงานนั้น "
            f"และถามได้ทาง {t.LINE_CHANNEL}"
        ),
        table,
    )),)
    return Document(
        kind=HANDBOOK, title="คู่มือสำหรับประชาชน", organisation=ctx.profile.name, address=ctx.profile.address,
        period_label=f"ข้อมูล ณ วันที่ {thai_date(ctx.today)}", subtitle="รายการงานบริการ",
        generated_at=ctx.generated_at, sections=sections, file_stem="handbook",
    )


REPORTS: dict[str, PublicReport] = {
    r.slug: r
    for r in (
        PublicReport(HANDBOOK, "คู่มือสำหรับประชาชน", "งานบริการทั้งหมด ขั้นตอน ระยะเวลา ค่าธรรมเนียม และหน้าคู่มือของแต่ละงาน",
                     (), lambda ctx: handbook_document(ctx), "คู่มือหรือแนวทางการให้บริการประชาชน"),
        PublicReport(service_stats.KIND, service_stats.TITLE,
                     "คำถามคู่มือประชาชน คำถามถึงเจ้าหน้าที่ เรื่องร้องเรียน และคำร้องออนไลน์ รายไตรมาสและรายรอบ",
                     ROUNDS_QUARTERLY, service_stats.build, "สถิติการให้บริการ"),
        PublicReport(satisfaction.KIND, satisfaction.TITLE, "ผลการประเมินความพึงพอใจรายด้านและรายบริการ รอบ 6 และ 12 เดือน",
                     ROUNDS_HALF, _satisfaction, "ผลการสำรวจความพึงพอใจการให้บริการ"),
        PublicReport("complaints", "รายงานสถิติเรื่องเสนอแนะและร้องเรียน",
                     "จำนวนเรื่องตามประเภท สถานะ และเดือน การยืนยันการแก้ไข และความทันเวลา รายไตรมาสและรายรอบ",
                     ROUNDS_QUARTERLY, complaints, "ผลการดำเนินการเรื่องร้องเรียน"),
        PublicReport(corruption_counts.KIND, corruption_counts.TITLE,
                     "จำนวนเรื่องแจ้งเบาะแสทุจริตตามสถานะและเดือน (เฉพาะจำนวน) รอบ 6 และ 12 เดือน",
                     ROUNDS_HALF, corruption_counts.build, "สถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ"),
        PublicReport(participation.KIND, participation.TITLE, "ช่องทางและกิจกรรมการมีส่วนร่วม และผลการดำเนินการเรื่องเสนอแนะ",
                     ROUNDS_HALF, _participation, "การเปิดโอกาสให้เกิดการมีส่วนร่วม"),
        PublicReport("measures", measures.TITLE, "การติดตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส: ส่งตรงเวลา ล่าช้า หรือยังไม่ส่ง",
                     ROUNDS_HALF, _measures, "มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"),
    )
}
