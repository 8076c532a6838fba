"""python -m bot report <kind> --fy 2570 --round 6 --format pdf -o FILE

The same files as the console's reports page, from the command line (each one is written to
the audit log as produced by "command-line").
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bot.reports import AUDITOR, FORMATS, KINDS

_EXAMPLES = """\
ตัวอย่าง / examples:
  python -m bot report satisfaction --fy 2570 --round 6 --format pdf -o satisfaction-2570-r6.pdf
  python -m bot report service-statistics --fy 2570 --round 12 --format xlsx -o stats.xlsx
  python -m bot report participation --from 1/10/2569 --to 31/12/2569 --format pdf -o q1.pdf
  python -m bot report measure-follow-up --fy 2570 --round 6 --division engineering --format pdf -o eng.pdf
  python -m bot report corruption-reports --fy 2570 --round 12 --role auditor --format xlsx -o counts.xlsx
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = "รายงาน / kinds:\n" + "\n".join(f"  {k.name:20} {k.title}" for k in KINDS.values()) + "\n\n" + _EXAMPLES
    p.add_argument("kind", choices=list(KINDS), metavar="<kind>", help="ชนิดรายงาน (ดูด้านล่าง) — which report: " + ", ".join(KINDS))
    p.add_argument("--fy", type=int, help="ปีงบประมาณ พ.ศ. เช่น 2570 (ค่าเริ่มต้น: ปีปัจจุบัน) — B.E. fiscal year (default: the current one)")
    p.add_argument("--round", type=int, choices=(6, 12), default=12,
                   help="รอบ 6 เดือน (1 ต.ค.–31 มี.ค.) หรือ 12 เดือน (1 ต.ค.–30 ก.ย.) — the 6- or 12-month round (default 12)")
    p.add_argument("--from", dest="date_from", metavar="DATE",
                   help="ตั้งแต่วันที่ เช่น 1/10/2569 (พ.ศ.) หรือ 2026-10-01 — any first day instead of a round")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="ถึงวันที่ (รวมวันนั้น) — the last day, included")
    p.add_argument("--format", choices=sorted(FORMATS), default="pdf", help="pdf (ค่าเริ่มต้น) หรือ xlsx — the file format")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="ไฟล์ที่จะบันทึก — the file to write")
    p.add_argument("--division", metavar="ID", help="เฉพาะกองนี้ เช่น engineering — only this division's figures")
    p.add_argument("--role", help="รายงานเรื่องร้องเรียนการทุจริตต้องระบุ --role auditor — corruption-reports needs --role auditor")
    p.add_argument("--as-of", dest="as_of", metavar="DATE",
                   help="สถานะ ณ วันที่ (ค่าเริ่มต้น: วันนี้) — statuses as of this day (default: today)")


def cmd_report(args, settings) -> int:
    from bot.console.audit import COMMAND_LINE
    from bot.content.divisions import load_divisions
    from bot.content.profile import ContentError
    from bot.reports import PeriodError, ReportContext, ReportPeriod, produce
    from bot.common.thaidate import BANGKOK, now, parse_thai_date
    from db import open_for, transaction

    kind = KINDS[args.kind]
    if AUDITOR in kind.roles and args.role != AUDITOR:
        print("รายงานนี้ออกได้เฉพาะหน่วยตรวจสอบภายใน (--role auditor) / only the internal audit role (--role auditor)", file=sys.stderr)
        return 3
    divisions = load_divisions(settings.content_dir / "divisions.yaml")
    if args.division and args.division not in {d.id for d in divisions}:
        known = ", ".join(d.id for d in divisions)
        print(f"ไม่รู้จักกอง '{args.division}' / unknown division; choose one of: {known}", file=sys.stderr)
        return 2
    if args.division and AUDITOR in kind.roles:
        print("รายงานนี้ไม่แยกตามกอง / this report is not per division", file=sys.stderr)
        return 2
    at = now()
    try:
        if args.as_of:
            day = parse_thai_date(args.as_of)
            at = datetime.combine(day, at.time(), BANGKOK)
        period = ReportPeriod.parse(args.fy, args.round, args.date_from, args.date_to, at.date())
    except PeriodError as exc:
        print(f"{exc} / {exc.english}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"{exc} / --as-of: day/month/B.E. year or ISO", file=sys.stderr)
        return 2
    db = open_for(settings)
    try:
        ctx = ReportContext.load(db, settings.content_dir, period, now=at, division_id=args.division, divisions=divisions)
        produced = produce(kind.name, args.format, ctx)
    except ContentError as exc:
        print(f"ไฟล์เนื้อหาไม่ถูกต้อง / a content file has a mistake:\n{exc}", file=sys.stderr)
        return 2
    out = Path(args.output)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(produced.content)
    with transaction(db):
        COMMAND_LINE.record(
            db, "report.produce", f"report:{kind.name}", format=args.format, period=period.label,
            division=args.division, file=out.name,
        )
    print(f"{produced.document.title} {period.label}" + (f" ({ctx.scope})" if ctx.scope else ""))
    print(f"บันทึกแล้ว / written: {out} ({len(produced.content):,} bytes)")
    return 0


COMMANDS = {
    "report": (cmd_report, "ออกรายงานที่ อบต. ต้องเผยแพร่ (PDF/XLSX) — the reports the SAO publishes, as PDF or XLSX", add_arguments),
}
