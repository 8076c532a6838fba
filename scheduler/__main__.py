"""python -m scheduler: the clock process, one pass of the reminders, the year's plan.

  python -m scheduler run                      run the timetable until stopped (the clock; python -m bot serve runs it beside the web)
  python -m scheduler run --tenants            the same for every SAO of a hosted install (bot/hosting)
  python -m scheduler tick [--now 2027-03-24T09:00+07:00]   one pass of the reminders
  python -m scheduler plan [--fy 2570]          the year's deadlines and what the reminders cost
  python -m scheduler jobs                     list the jobs and their next run time
  python -m scheduler run-now <job>             run one job now (--help lists them)
"""
from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime

from dotenv import load_dotenv


def _parse_now(value: str) -> datetime:
    from bot.common.thaidate import BANGKOK

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date and time like 2027-03-24T09:00+07:00: {value!r}") from None
    return parsed.replace(tzinfo=BANGKOK) if parsed.tzinfo is None else parsed


def cmd_run(args, settings) -> int:
    from scheduler.clock import build_hosted_scheduler, build_scheduler

    scheduler = build_hosted_scheduler(settings) if getattr(args, "tenants", False) else build_scheduler(settings)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def cmd_jobs(args, settings) -> int:
    from scheduler.clock import BANGKOK, build_scheduler

    now = datetime.now(BANGKOK)
    for job in build_scheduler(settings).get_jobs():
        # Before the scheduler starts a job only knows its trigger (and the first run, if given).
        first = getattr(job, "next_run_time", None) or job.kwargs.get("next_run_time")
        print(f"{job.id}: next run {first or job.trigger.get_next_fire_time(None, now)}")
    return 0


def cmd_run_now(args, settings) -> int:
    from scheduler.clock import JOBS

    print(JOBS[args.job](settings))
    return 0


def _local_line_missing(settings) -> str | None:
    """With no LINE channel the clock sends to the web app's own fake LINE (/fake-line) at the
    address it derives from PORT/BIND (bot/config.py): say so when nothing answers there, so a
    wrong PORT is seen at once rather than as reminders that never arrive."""
    import socket
    from urllib.parse import urlsplit

    from bot.line.local import line_settings

    local = line_settings(settings)
    if local is settings or local.line_api_base_url == settings.line_api_base_url:
        return None  # a real channel, or a LINE_API_BASE_URL set on purpose
    where = urlsplit(local.line_api_base_url)
    try:
        socket.create_connection((where.hostname, where.port), timeout=2).close()
    except OSError:
        return (
            f"ไม่มีแอปที่ {where.hostname}:{where.port} (ยังไม่ได้ตั้ง LINE channel จึงส่งไปที่ LINE จำลองของแอป) "
            f"ตั้ง PORT ให้ตรงกับ make run (เช่น PORT=8111) / no app answers at {local.line_api_base_url}: "
            "with no LINE channel the clock sends to the web app's fake LINE; set PORT (or BIND) to the app's port"
        )
    return None


def cmd_tick(args, settings) -> int:
    from bot.common.thaidate import thai_datetime
    from scheduler.clock import run_reminders

    missing = _local_line_missing(settings)
    if missing:  # said first; what the pass queues waits in the outbox until the app's sweeper sends it
        print(missing, file=sys.stderr)
    report = run_reminders(settings, args.now, args.wait)
    when = thai_datetime(report.now)
    if not report.in_window:
        print(f"{when}: นอกเวลาส่งการแจ้งเตือน (วันทำการ ตามเวลาที่ตั้งไว้) จึงไม่ได้ส่ง — outside sending hours, nothing sent")
    else:
        print(
            f"{when}: ส่งสรุปการแจ้งเตือน {report.delivered} แชต จากที่จัดคิว {len(report.digests_queued)}"
            f" — delivered {report.delivered} of {len(report.digests_queued)} queued digests"
        )
    if report.deferred_chats:
        print(f"โควตาไม่พอ เลื่อนไป {len(report.deferred_chats)} แชต — quota short, deferred {len(report.deferred_chats)} chats")
    if report.planned_years:
        print(f"วางกำหนดส่งของปีงบประมาณ {', '.join(map(str, report.planned_years))} แล้ว — planned FY {report.planned_years}")
    return 0


def cmd_plan(args, settings) -> int:
    from bot.reminders.printout import print_plan

    return print_plan(settings, args.fy, show_cost=not args.no_cost)


COMMANDS = {
    "run": (cmd_run, "เริ่มนาฬิกาของระบบ (ส่งแจ้งเตือน ลบข้อมูลเก่า) — run the clock until stopped (python -m bot serve runs it beside the web)"),
    "tick": (cmd_tick, "ตรวจและส่งการแจ้งเตือนหนึ่งรอบ — one pass of the reminders, now or as at --now"),
    "plan": (cmd_plan, "แสดงกำหนดส่งรายงานของปีงบประมาณ และค่าข้อความ LINE ต่อเดือน — the year's deadlines and monthly push cost"),
    "jobs": (cmd_jobs, "แสดงงานและเวลาที่จะทำครั้งต่อไป — list jobs and their next run"),
    "run-now": (cmd_run_now, "ทำงานหนึ่งงานทันที — run one job now"),
}


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    from bot.config import load_settings

    parser = argparse.ArgumentParser(
        prog="python -m scheduler",
        description="นาฬิกาของบอท: แจ้งเตือนกำหนดส่งรายงานตามมาตรการ และงานตามเวลา — the bot's clock process",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == "tick":
            p.add_argument(
                "--now",
                type=_parse_now,
                default=None,
                help="ทำเหมือนเป็นเวลานี้ (เวลาไทยถ้าไม่ระบุโซน) — act as at this time, e.g. 2027-03-24T09:00+07:00",
            )
            p.add_argument("--wait", type=float, default=None, help="วินาทีที่รอส่งซ้ำเมื่อ LINE ขัดข้อง — seconds to keep retrying (default 120)")
        if name == "plan":
            p.add_argument("--fy", type=int, default=None, help="ปีงบประมาณ พ.ศ. เช่น 2570 (ค่าเริ่มต้น: ปีปัจจุบัน) — B.E. fiscal year")
            p.add_argument("--no-cost", action="store_true", help="ไม่ต้องคำนวณค่าข้อความ (ไม่เรียก LINE) — skip the push cost")
        if name == "run":
            p.add_argument("--tenants", action="store_true",
                           help="ทุก อบต. ที่โฮสต์ไว้ (python -m bot tenant) — every tenant of a hosted install")
        if name == "run-now":
            from scheduler.clock import JOBS

            p.add_argument("job", choices=sorted(JOBS))
    args = parser.parse_args(argv)
    from bot.observability import configure_logging

    settings = load_settings()
    configure_logging("clock", settings.log_format)  # LOG_FORMAT=json: one JSON object a line
    if args.command in ("tick", "plan"):
        logging.getLogger().setLevel(logging.WARNING)
    from bot.config import ConfigError

    try:
        settings.check_line_channel()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.content import overlay
    from bot.operations.doctor import startup_problems

    if args.command in (None, "run"):
        refused = startup_problems(settings)  # would lose or leak data: python -m bot doctor says more
        if refused:
            print("\n".join(refused), file=sys.stderr)
            return 2
    overlay.prepare(settings)
    return COMMANDS[args.command or "run"][0](args, settings)


if __name__ == "__main__":
    sys.exit(main())
