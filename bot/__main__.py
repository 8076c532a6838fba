"""python -m bot <command>: the one command line of the bot.

Run `python -m bot --help` for the list. Settings come from environment variables
(and a .env file in the current folder), as for the web app.
"""
from __future__ import annotations

import argparse
import logging
import sys

from dotenv import load_dotenv


def cmd_init_db(args, settings) -> int:
    from db import is_postgres_url, open_for
    from db.migrations import current_version

    if is_postgres_url(settings.database_url):
        return _init_postgres(settings)
    db = open_for(settings)
    print(f"ฐานข้อมูลพร้อมใช้ / database ready: {settings.database_path} (schema version {current_version(db)})")
    return 0


def _init_postgres(settings) -> int:
    """A single SAO on PostgreSQL: its role and schema made once (DATABASE_ADMIN_URL, or
    DATABASE_URL's role if it may create roles), then brought up to date."""
    from db import open_for, postgres
    from db.postgres_schema import current_version

    if not settings.tenant:
        print("ตั้ง SAO_TENANT เป็นชื่อย่อของ อบต. ด้วย เช่น SAO_TENANT=khonchim / "
              "DATABASE_URL is PostgreSQL: set SAO_TENANT to the SAO's slug, e.g. SAO_TENANT=khonchim", file=sys.stderr)
        return 2
    if settings.tenant not in postgres.tenants(settings.database_url):
        postgres.create_tenant(settings.database_admin_url or settings.database_url, settings.database_url, settings.tenant)
    db = open_for(settings)
    try:
        print(f"ฐานข้อมูลพร้อมใช้ / database ready: PostgreSQL, {postgres.schema_name(settings.tenant)} "
              f"(schema version {current_version(db)})")
    finally:
        db.close()
    return 0


def cmd_flows(args, settings) -> int:
    from bot.conversation import router
    from bot.conversation.flows import build_engine

    print(build_engine(settings.conversation_timeout_minutes).diagram(), end="")
    print("\n%% bot/conversation/router.py: free text, by what it is for\n")
    print(router.diagram(), end="")
    return 0


def cmd_richmenu(args, settings) -> int:
    from bot.conversation.flows import menu_entries
    from bot.line.sender import LineSender
    from bot.content.profile import load_profile
    from bot.line.richmenu import MenuEntry
    from bot.line.richmenu_image import render_menu_image
    from bot.line.richmenu_install import install_rich_menu

    profile = load_profile(settings.content_dir / "profile.yaml")
    entries = [MenuEntry(**entry) for entry in menu_entries()]
    if args.preview:
        with open(args.preview, "wb") as f:
            f.write(render_menu_image(entries, profile.short_name))
        print(f"บันทึกภาพตัวอย่างเมนูแล้ว / preview written: {args.preview}")
        return 0
    if not settings.channel_access_token:
        print("ยังไม่ได้ตั้งค่า LINE_CHANNEL_ACCESS_TOKEN / set LINE_CHANNEL_ACCESS_TOKEN first", file=sys.stderr)
        return 2
    sender = LineSender(settings)
    menu_id = install_rich_menu(sender.api, sender.blob_api, entries, profile.short_name)
    print(f"ติดตั้งริชเมนูเป็นค่าเริ่มต้นแล้ว / rich menu installed as default: {menu_id}")
    return 0


def cmd_chat(args, settings) -> int:
    from bot.terminal_chat import run_chat

    return run_chat(settings)


def cmd_work(args, settings) -> int:
    """Handle inbox events in this process (for web processes started with WORKER_THREADS=0)."""
    import os
    import signal
    import threading

    from bot import build_worker

    if args.nice:
        os.nice(args.nice)  # the web process's answers to LINE come first
    # As in the web process (gunicorn.conf.py): a thread that holds SQLite's write lock and
    # comes back from a call into SQLite waits for the GIL; let it wait 1 ms, not 5.
    sys.setswitchinterval(0.001)
    logging.getLogger().setLevel(logging.INFO)
    worker = build_worker(settings, idle_poll_seconds=0.02)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker.start()
    print(f"กำลังประมวลผลข้อความ / handling inbox events with {settings.worker_threads} threads", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    worker.stop()
    return 0


def cmd_staff(args, settings) -> int:
    """Registration codes and registered staff chats (the console will offer the same)."""
    from datetime import datetime

    from bot.content.divisions import load_divisions
    from bot.common.thaidate import BANGKOK, thai_datetime
    from db import open_for, staff, transaction

    divisions = {d.id: d.name for d in load_divisions(settings.content_dir / "divisions.yaml")}
    divisions[staff.ALL_DIVISIONS] = "ผู้ดูแลระบบ (ทุกส่วนราชการ)"
    db = open_for(settings)
    if args.staff_command == "code":
        division = staff.ALL_DIVISIONS if args.admin else args.division
        if division not in divisions:
            known = ", ".join(d for d in divisions if d != staff.ALL_DIVISIONS)
            print(f"ไม่รู้จักส่วนราชการ '{division}' / unknown division; choose one of: {known}", file=sys.stderr)
            return 2
        role = "admin" if args.admin else args.role
        with transaction(db):
            code = staff.new_code(db, division, role, valid_days=args.days, created_by="command line")
        until = thai_datetime(datetime.fromtimestamp(code.expires_at, BANGKOK))
        print(f"รหัสลงทะเบียน / registration code: {code.code}")
        print(f"สำหรับ {divisions[division]} ({role}) ใช้ได้ครั้งเดียว ถึง {until}")
        print(f"ให้เจ้าหน้าที่พิมพ์ในแชต LINE ของบอท หรือในกลุ่ม LINE ของกองที่มีบอทอยู่:  ลงทะเบียน {code.code}")
        return 0
    if args.staff_command == "list":
        rows = staff.all_active(db)
        if not rows:
            print("ยังไม่มีผู้ลงทะเบียน / nobody is registered yet")
        for r in rows:
            when = thai_datetime(datetime.fromtimestamp(r.registered_at, BANGKOK))
            print(f"{r.id}\t{divisions.get(r.division_id, r.division_id)}\t{r.role}\t{r.kind}\t{r.line_id}\t{when}")
        for c in staff.codes(db):
            print(f"code {c.code}\t{divisions.get(c.division_id, c.division_id)}\t{c.role}\tunused")
        return 0
    if args.staff_command == "remove":
        with transaction(db):
            removed = staff.unregister(db, args.id)
        print("ยกเลิกแล้ว / unregistered" if removed else "ไม่พบรายการนี้ / no such active registration")
        return 0 if removed else 1
    return 2


def ask_result(search, profile, question: str, divisions: tuple = ()) -> dict:
    """One message → the JSON object `ask` prints (see README, "Understanding messages"):
    what the bot understood (`intent`, one of bot/understanding/intents.py), the service and
    section for a question or a request (null otherwise), and the reply's plain text."""
    from datetime import datetime

    from dataclasses import replace

    from bot.conversation import router
    from bot.conversation.engine import Context, Input, State
    from bot.conversation.flows import build_engine, entry_intent
    from bot.common.thaidate import BANGKOK
    from bot.understanding import reader_for
    from bot.understanding.intents import WITH_PROCEDURE

    u = reader_for(search).understand(question)
    entry = entry_intent(question)
    if entry is not None:  # an entry word starts its flow before any reading, as in the engine
        u = replace(u, intent=entry, confidence=1.0, procedure=None, section=None, second=None)
    ctx = Context(profile=profile, now=datetime.now(BANGKOK), new_session="ask", handbook=search.handbook,
                  search=search, divisions=tuple(divisions))
    turn = build_engine().handle(ctx, State(), Input(kind="text", text=question))  # what the bot replies
    result = u.search
    procedure = u.procedure if u.intent in WITH_PROCEDURE else None
    alternatives = [pid for pid in (result.alternatives if result is not None else []) if pid != procedure]
    second = None
    if u.second is not None:
        second = {"intent": u.second.intent, "procedure": u.second.procedure if u.second.intent in WITH_PROCEDURE else None,
                  "section": u.second.section if u.second.intent in WITH_PROCEDURE else None, "text": u.second.clause}
    return {
        "intent": u.intent,
        "confidence": round(u.confidence, 3),
        "procedure": procedure,
        "section": u.section if procedure else None,
        "score": result.score if result is not None else 0.0,
        "answer": router.plain_text(turn),
        "alternatives": alternatives if procedure else [],
        "outcome": result.outcome if result is not None else "unknown",
        "faq": result.faq.id if (result is not None and result.outcome == "faq" and u.intent == "question") else None,
        "problem": u.topic,  # report_problem: road | light | water | waste | other | service | official | suggestion
        "agency": u.outside_topic.id if u.outside_topic is not None else None,  # where to go instead
        "second": second,  # a second request in the same message, offered as a quick reply
        "might_report": u.might_report,  # the complaint form offered beside the answer
    }


def cmd_ask(args, settings) -> int:
    import json

    from bot.content.divisions import load_divisions
    from bot.handbook import HandbookStore
    from bot.content.profile import load_profile

    profile = load_profile(settings.content_dir / "profile.yaml")
    divisions = tuple(load_divisions(settings.content_dir / "divisions.yaml"))
    search = HandbookStore.for_settings(settings, last_good_dir=None).current().index  # the index is built once
    questions = [args.question] if args.question is not None else (line.strip() for line in sys.stdin)
    for question in questions:
        if not question:
            continue
        print(json.dumps(ask_result(search, profile, question, divisions), ensure_ascii=False), flush=True)
    return 0


def cmd_restore(args, settings) -> int:
    from db import connect_storage, is_postgres_url
    from db.backup import BackupError, restore_keeping_current, restore_postgres

    try:
        if is_postgres_url(settings.database_url):  # the SAO's schema; today's data kept in the backups folder
            db = connect_storage(settings.database_path, settings.database_url, settings.tenant)
            try:
                done = restore_postgres(args.file, db, settings.backups_path, content=settings.edited_content_dir)
            finally:
                db.close()
        else:
            done = restore_keeping_current(args.file, settings.database_path, force=args.force,
                                           content=settings.edited_content_dir)
    except (BackupError, OSError) as exc:
        print(f"ไม่สำเร็จ / failed: {exc}", file=sys.stderr)
        return 1
    print(f"กู้คืนข้อมูลแล้ว / restored into {done['database']} (schema {done['schema_version']});"
          f" ฐานข้อมูลเดิมเก็บไว้ที่ / the previous database is kept as {done['kept_aside'] or '(none)'}")
    if "edited_files" in done:
        print(f"เนื้อหาที่แก้ไขในหน้าจัดการ {done['edited_files']} ไฟล์กลับเป็นของวันที่สำรอง / "
              f"{done['edited_files']} content files edited in the console are back as they were at the backup")
    return 0


def cmd_create_admin(args, settings) -> int:
    from bot.console.cli import create_admin

    return create_admin(args, settings)


def cmd_doctor(args, settings) -> int:
    from bot.operations.doctor import cmd_doctor

    return cmd_doctor(args, settings)


def cmd_setup_line(args, settings) -> int:
    from bot.operations.setup_line import cmd_setup_line

    return cmd_setup_line(args, settings)


COMMANDS = {
    "init-db": (cmd_init_db, "สร้าง/อัปเกรดฐานข้อมูล — create or upgrade the SQLite database"),
    "chat": (cmd_chat, "คุยกับบอทในเทอร์มินัล — chat with the bot in this terminal (no LINE channel needed)"),
    "richmenu": (cmd_richmenu, "สร้างริชเมนูและตั้งเป็นค่าเริ่มต้นบน LINE — create the rich menu on LINE and make it the default"),
    "work": (cmd_work, "ประมวลผลข้อความในโปรเซสแยก — handle inbox events in a separate process (web with WORKER_THREADS=0)"),
    "staff": (cmd_staff, "รหัสลงทะเบียนและรายชื่อเจ้าหน้าที่ที่รับแจ้งเตือนทาง LINE — staff registration codes and registered chats"),
    "ask": (cmd_ask, "บอทเข้าใจข้อความว่าอย่างไร — what the bot understands a message to be and answers; prints JSON (one message, or one per line from stdin)"),
    "flows": (cmd_flows, "แสดงแผนภาพบทสนทนา (Mermaid) — print the conversation flow diagram"),
    "doctor": (cmd_doctor, "ตรวจการติดตั้ง (ตั้งค่า เนื้อหา ฐานข้อมูล LINE) — check this installation; exit 0 ok, 1 warnings, 2 errors"),
    "setup-line": (cmd_setup_line, "ตั้ง webhook ทดสอบ และติดตั้งริชเมนูบน LINE — set and test the webhook URL, install the rich menu"),
    "restore": (cmd_restore, "กู้คืนฐานข้อมูลจากไฟล์สำรอง (หยุด web และ clock ก่อน) — restore the database from a backup (stop web and clock first)"),
    "create-admin": (cmd_create_admin, "สร้างผู้ดูแลระบบ (หรือผู้ตรวจสอบด้วย --role auditor) ของหน้าจัดการ (/admin) — create an admin (or, with --role auditor, an auditor) account for the console"),
}


def _feature_commands() -> dict:
    """Commands whose arguments their feature module declares: name → (function, help, add_arguments)."""
    from bot.eservice.cli import COMMANDS as ESERVICE
    from bot.feedback.cli import COMMANDS as FEEDBACK
    from bot.reports.cli import COMMANDS as REPORTS
    from bot.reports.participation_import import COMMANDS as PARTICIPATION
    from bot.hosting.cli import COMMANDS as TENANTS
    from bot.hosting.province_cli import COMMANDS as PROVINCE
    from bot.operations.serve import COMMANDS as SERVE
    from bot.transparency.cli import COMMANDS as TRANSPARENCY

    return dict(FEEDBACK) | dict(ESERVICE) | dict(REPORTS) | dict(PARTICIPATION) | dict(TRANSPARENCY) | dict(SERVE) \
        | dict(TENANTS) | dict(PROVINCE)


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    from bot.config import load_settings

    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="บอท LINE ของ อบต. — the SAO's LINE bot. Settings come from environment variables or .env.",
    )
    parser.add_argument("--tenant", metavar="SLUG",
                        help="ทำกับ อบต. นี้ของการติดตั้งที่โฮสต์หลายแห่ง — run the command for this tenant of a hosted install")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    features = _feature_commands()
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == "work":
            p.add_argument("--nice", type=int, default=5, help="ลดลำดับความสำคัญของโปรเซส — lower this process's CPU priority by N (default 5)")
        if name == "staff":
            staff_sub = p.add_subparsers(dest="staff_command", metavar="<code|list|remove>", required=True)
            code = staff_sub.add_parser("code", help="ออกรหัสลงทะเบียนใช้ครั้งเดียว — issue a one-time registration code")
            which = code.add_mutually_exclusive_group(required=True)
            which.add_argument("--division", help="รหัสส่วนราชการจาก content/divisions.yaml เช่น engineering")
            which.add_argument("--admin", action="store_true", help="สำหรับผู้ดูแลระบบของ อบต. — for the SAO's admins")
            code.add_argument("--role", choices=["staff", "head"], default="staff", help="staff (default) or head (also gets escalations)")
            code.add_argument("--days", type=float, default=7, help="อายุของรหัส (วัน) — days the code stays valid (default 7)")
            staff_sub.add_parser("list", help="รายชื่อแชตที่ลงทะเบียนและรหัสที่ยังไม่ใช้ — registered chats and unused codes")
            remove = staff_sub.add_parser("remove", help="ยกเลิกการลงทะเบียนตามหมายเลข — unregister by number (see list)")
            remove.add_argument("id", type=int)
        if name == "ask":
            p.add_argument("--json", action="store_true", help="พิมพ์ผลเป็น JSON (ค่าเริ่มต้น) — print JSON (the only format)")
            p.add_argument("question", nargs="?", help="คำถาม; ไม่ใส่ = อ่านทีละบรรทัดจาก stdin — the question; none: one per line from stdin")
        if name == "create-admin":
            from bot.console.cli import add_arguments

            add_arguments(p)
        if name == "restore":
            p.add_argument("file", help="ไฟล์สำรอง เช่น var/backups/sao-bot-2026-12-06.sqlite3 — the backup file")
            p.add_argument("--force", action="store_true", help="กู้คืนแม้มีโปรเซสอื่นเปิดฐานข้อมูลอยู่ — restore even while another process has the database open")
        if name == "richmenu":
            p.add_argument("--preview", metavar="FILE.png", help="เขียนภาพเมนูลงไฟล์แทนการติดตั้ง — only write the image to a file")
    for name, (run, help_text, add_arguments) in features.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 1
    from bot.content import overlay
    from bot.observability import configure_logging

    settings = load_settings()
    configure_logging("worker" if args.command == "work" else "cli", settings.log_format,
                      level=logging.WARNING, text_format="%(levelname)s %(name)s: %(message)s")
    if args.tenant:
        from bot.hosting.cli import tenant_settings
        from bot.hosting.registry import TenantError

        if args.command in ("tenant", "province", "serve"):
            print(f"--tenant ใช้กับคำสั่ง {args.command} ไม่ได้ / --tenant does not apply to {args.command}", file=sys.stderr)
            return 2
        try:
            settings = tenant_settings(settings, args.tenant)
        except TenantError as exc:
            print(exc, file=sys.stderr)
            return 2
    run = features[args.command][0] if args.command in features else COMMANDS[args.command][0]

    if args.command != "serve":  # serve's web and clock do it themselves, after its checks
        overlay.prepare(settings)  # the edited content over this version's defaults, before anything reads it
    return run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
