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
    from db import open_database
    from db.migrations import current_version

    db = open_database(settings.database_path)
    print(f"ฐานข้อมูลพร้อมใช้ / database ready: {settings.database_path} (schema version {current_version(db)})")
    return 0


def cmd_flows(args, settings) -> int:
    from bot.conversation.flows import build_engine

    print(build_engine(settings.conversation_timeout_minutes).diagram(), end="")
    return 0


def cmd_richmenu(args, settings) -> int:
    from bot.conversation.flows import menu_entries
    from bot.line.sender import LineSender
    from bot.profile import load_profile
    from bot.richmenu import MenuEntry, install_rich_menu, render_menu_image

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


def cmd_create_admin(args, settings) -> int:
    from bot.admin.cli import create_admin

    return create_admin(args, settings)


COMMANDS = {
    "init-db": (cmd_init_db, "สร้าง/อัปเกรดฐานข้อมูล — create or upgrade the SQLite database"),
    "chat": (cmd_chat, "คุยกับบอทในเทอร์มินัล — chat with the bot in this terminal (no LINE channel needed)"),
    "richmenu": (cmd_richmenu, "สร้างริชเมนูและตั้งเป็นค่าเริ่มต้นบน LINE — create the rich menu on LINE and make it the default"),
    "work": (cmd_work, "ประมวลผลข้อความในโปรเซสแยก — handle inbox events in a separate process (web with WORKER_THREADS=0)"),
    "flows": (cmd_flows, "แสดงแผนภาพบทสนทนา (Mermaid) — print the conversation flow diagram"),
    "create-admin": (cmd_create_admin, "สร้างผู้ดูแลระบบของหน้าจัดการ (/admin) — create an admin account for the console"),
}


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    from bot.config import load_settings

    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="บอท LINE ของ อบต. — the SAO's LINE bot. Settings come from environment variables or .env.",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == "work":
            p.add_argument("--nice", type=int, default=5, help="ลดลำดับความสำคัญของโปรเซส — lower this process's CPU priority by N (default 5)")
        if name == "create-admin":
            from bot.admin.cli import add_arguments

            add_arguments(p)
        if name == "richmenu":
            p.add_argument("--preview", metavar="FILE.png", help="เขียนภาพเมนูลงไฟล์แทนการติดตั้ง — only write the image to a file")
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 1
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return COMMANDS[args.command][0](args, load_settings())


if __name__ == "__main__":
    sys.exit(main())
