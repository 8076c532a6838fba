"""`python -m bot serve`: the web app and the clock as one process (the Procfile's `web`, `make run`).

A PaaS host (Heroku-style, Render, Railway, Fly.io) gives each process of a Procfile its own
disk, so a separate clock would see an empty database. Here both run beside each other on the
one persistent volume (DATA_DIR), supervised like a small honcho:

- web: gunicorn with gunicorn.conf.py (BIND, or 0.0.0.0:$PORT), as deploy/'s sao-bot-web unit;
- clock: `python -m scheduler run`, as deploy/'s sao-bot-clock unit.

SIGTERM or SIGINT stops both, gracefully. If either stops by itself, the other is stopped too
and serve exits with a failure, so the host restarts the whole: a web without its clock would
quietly send no reminders, a clock without the web would answer nobody.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

from bot.config import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

STOP_SECONDS = 20  # gunicorn's graceful_timeout is 10; the clock finishes its job or is killed


HOSTED_APP = "bot.hosting.app:create_hosted_app()"


def commands(web_app: str, hosted: bool = False) -> dict[str, list[str]]:
    return {
        "web": [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_ROOT / "gunicorn.conf.py"),
                HOSTED_APP if hosted else web_app],
        "clock": [sys.executable, "-m", "scheduler", "run"] + (["--tenants"] if hosted else []),
    }


def supervise(programs: dict[str, list[str]], cwd=PROJECT_ROOT, stop_seconds: float = STOP_SECONDS) -> int:
    """Run the programs until one ends or a stop signal comes; then stop the rest. The exit
    code: 0 after a stop signal, else the first ended program's (1 if it ended cleanly)."""
    stopping = False
    children: dict[int, tuple[str, subprocess.Popen]] = {}

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        for _name, child in children.values():
            _signal(child, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        for name, argv in programs.items():
            child = subprocess.Popen(argv, cwd=cwd)
            children[child.pid] = (name, child)
            print(f"serve: started {name} (pid {child.pid})", file=sys.stderr, flush=True)
        while True:
            pid, status = os.wait()  # PEP 475: retried after the signal handler has run
            if pid in children:
                break
        name, child = children.pop(pid)
        child.returncode = os.waitstatus_to_exitcode(status)
        if not stopping:
            print(f"serve: {name} ended by itself (exit {child.returncode}); stopping the rest so the host "
                  "restarts everything", file=sys.stderr, flush=True)
        for _other, rest in children.values():
            _signal(rest, signal.SIGTERM)
        deadline = time.monotonic() + stop_seconds
        for other, rest in children.values():
            try:
                rest.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"serve: {other} did not stop within {stop_seconds:.0f} s; killed", file=sys.stderr, flush=True)
                rest.kill()
                rest.wait()
        if stopping:
            return 0
        return child.returncode or 1
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _signal(child: subprocess.Popen, signum: int) -> None:
    try:
        child.send_signal(signum)
    except ProcessLookupError:
        pass


def cmd_serve(args, settings: Settings) -> int:
    from bot.operations.doctor import startup_problems

    settings.check_line_channel()
    refused = startup_problems(settings)  # would lose or leak data: python -m bot doctor says more
    if refused:
        print("\n".join(refused), file=sys.stderr)
        return 2
    os.environ.setdefault("DATA_DIR", str(settings.data_path))  # both children find the same data
    return supervise(commands(args.app, args.hosted))


def add_arguments(parser) -> None:
    parser.add_argument("--app", default=os.environ.get("WEB_APP") or "bot:create_app()",
                        help="แอปเว็บของ gunicorn — the gunicorn app (default: WEB_APP, else bot:create_app())")
    parser.add_argument("--hosted", action="store_true",
                        help="หลาย อบต. ในการติดตั้งเดียว (python -m bot tenant) — every SAO of a hosted install: "
                             "/callback/<slug>, /t/<slug>/admin, and their clock")


COMMANDS = {
    "serve": (cmd_serve, "เว็บและนาฬิกาแจ้งเตือนในโปรเซสเดียว สำหรับโฮสต์ที่มีดิสก์เดียว (ตั้ง DATA_DIR) — web and clock as one "
                         "process, for a host with one persistent disk (set DATA_DIR)", add_arguments),
}
