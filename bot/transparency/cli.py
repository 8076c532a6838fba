"""python -m bot transparency publish | republish <fy> <report> <round> --note "…" | list [--fy 2570]

- publish: what the clock's publish-transparency does each night (every closed round not yet
  published, as version 1);
- republish: a correction, a new version of a published round with a note the page shows;
- list: what has been published.
Each publication is written to the audit log as done by "command-line".
"""
from __future__ import annotations

import argparse
import sys

from bot.console.audit import register_action
from bot.transparency.catalogue import REPORTS
from bot.transparency.rounds import LABELS

register_action("transparency.publish", "เผยแพร่รายงานเปิดเผยข้อมูลสาธารณะ")
register_action("transparency.republish", "เผยแพร่ฉบับแก้ไขของรายงานเปิดเผยข้อมูลสาธารณะ")

_EXAMPLES = """\
ตัวอย่าง / examples:
  python -m bot transparency publish
  python -m bot transparency republish 2570 complaints q1 --note "แก้ไขจำนวนเรื่องที่บันทึกซ้ำ 2 เรื่อง"
  python -m bot transparency list --fy 2570
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = ("รายงาน / reports: " + ", ".join(s for s, r in REPORTS.items() if r.rounds)
                + "\nรอบ / rounds: " + ", ".join(LABELS) + "\n\n" + _EXAMPLES)
    sub = p.add_subparsers(dest="transparency_command", metavar="<publish|republish|list>", required=True)
    sub.add_parser("publish", help="เผยแพร่รอบที่สิ้นสุดแล้วและยังไม่เผยแพร่ — publish every closed round not yet published")
    again = sub.add_parser("republish", help="เผยแพร่ฉบับแก้ไขพร้อมหมายเหตุ — publish a corrected version with a note")
    again.add_argument("fy", type=int, help="ปีงบประมาณ พ.ศ. เช่น 2570 — B.E. fiscal year")
    again.add_argument("report", choices=[s for s, r in REPORTS.items() if r.rounds], metavar="<report>")
    again.add_argument("round", choices=list(LABELS), metavar="<round>", help="q1..q4, r6, r12")
    again.add_argument("--note", required=True, help="แก้ไขอะไร (แสดงบนหน้าเว็บ) — what the correction corrects (shown on the page)")
    listing = sub.add_parser("list", help="รายการที่เผยแพร่แล้ว — what has been published")
    listing.add_argument("--fy", type=int, help="ปีงบประมาณ พ.ศ. — only this fiscal year")


def cmd_transparency(args, settings) -> int:
    from bot.console.audit import COMMAND_LINE
    from bot.common.thaidate import thai_datetime
    from bot.content.profile import ContentError
    from bot.transparency import publish
    from db import open_for, transaction
    from db import transparency as snapshots

    db = open_for(settings)
    try:
        if args.transparency_command == "list":
            years = [args.fy] if args.fy else snapshots.years(db)
            for fy in years:
                for s in snapshots.of_year(db, fy):
                    note = f"  note: {s.note}" if s.note else ""
                    print(f"{s.fiscal_year} {s.report:20} {s.round:4} v{s.version}  {thai_datetime(s.published_at)}  {s.published_by}{note}")
            return 0
        content = _content(settings)
        if args.transparency_command == "publish":
            done = publish.publish_due(db, content, settings.content_dir)
            for s in done:
                with transaction(db):
                    COMMAND_LINE.record(db, "transparency.publish", f"transparency:{s.report}:{s.fiscal_year}:{s.round}", version=s.version)
                print(f"เผยแพร่แล้ว / published: {s.fiscal_year} {s.report} {s.round} v{s.version}")
            if not done:
                print("ไม่มีรอบที่ต้องเผยแพร่ / nothing to publish")
            return 0
        try:
            s = publish.republish(db, content, settings.content_dir, args.report, args.fy, args.round, args.note, "command-line")
        except publish.RepublishError as exc:
            print(f"{exc} / {exc.english}", file=sys.stderr)
            return 2
        with transaction(db):
            COMMAND_LINE.record(db, "transparency.republish", f"transparency:{s.report}:{s.fiscal_year}:{s.round}",
                                version=s.version, note=s.note)
        print(f"เผยแพร่ฉบับที่ {s.version} แล้ว / published version {s.version}: {s.fiscal_year} {s.report} {s.round}")
        return 0
    except ContentError as exc:
        print(f"ไฟล์เนื้อหาไม่ถูกต้อง / a content file has a mistake:\n{exc}", file=sys.stderr)
        return 2
    finally:
        db.close()


def _content(settings):
    from bot import wiring
    from bot.handbook import HandbookStore

    wiring.load_features()
    return HandbookStore.for_settings(settings, build_index=None, parts=wiring.CONTENT_PARTS).current()


COMMANDS = {
    "transparency": (cmd_transparency, "รายงานเปิดเผยข้อมูลสาธารณะ /transparency: เผยแพร่ แก้ไข และรายการ — publish, correct and list the public reports",
                     add_arguments),
}
