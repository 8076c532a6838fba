"""python -m bot requests list|set-status: online service requests from the command line.

    python -m bot requests list --json --open
    python -m bot requests set-status KC-R2570-00012 done --note "ส่งรถน้ำแล้ว" --by "สมชาย ใจดี"

`list --json` prints one JSON object a line — number, service, status, channel, created (ISO,
Bangkok time), due — and nothing about who asked. `set-status` goes through the same
`change_status` as the console and LINE; the citizen's push is delivered after the commit
(any that fails is retried by the running web process's sweeper).
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime

from bot.common.thaidate import BANGKOK

LIST_LIMIT = 1000


def _row(request) -> dict:
    return {
        "number": request.number,
        "service": request.service_id,
        "status": request.status,
        "channel": request.channel,
        "created": datetime.fromtimestamp(request.created_at, BANGKOK).isoformat(timespec="seconds"),
        "due": request.due_on,
    }


def cmd_requests(args, settings) -> int:
    from bot.eservice import requests as service_requests
    from bot.eservice import texts as t
    from bot.feedback.cli import _context, _deliver, _fail, _when, safe
    from db import service_requests as store
    from db import transaction

    db, office = _context(settings)
    if args.requests_command == "list":
        where, params = "1 = 1", []
        if args.open:
            where, params = f"status IN ({', '.join('?' * len(store.OPEN_STATUSES))})", list(store.OPEN_STATUSES)
        rows = store.select(db, where, (*params, args.limit), "ORDER BY created_at DESC, id DESC LIMIT ?")
        if not rows and not args.json:
            print("ไม่มีคำร้อง / no requests")
        for r in rows:
            if args.json:
                print(json.dumps(_row(r), ensure_ascii=False))
            else:
                print(f"{r.number}\t{t.STATUS.get(r.status, r.status)}\t{t.CHANNEL.get(r.channel, r.channel)}\t"
                      f"{office.division_name(r.division_id)}\t{safe(r.service_id)}\t{_when(r.created_at)}\t{r.due_on or '-'}")
        return 0
    try:
        with transaction(db):
            change = service_requests.change_status(
                db, office, args.ref, args.status, actor=args.by, note=args.note, reason=args.reason,
            )
    except service_requests.RequestError as exc:
        return _fail(str(exc), exc.english)
    print(f"{change.request.number}: {t.STATUS[change.request.status]} ({change.request.status})")
    _deliver(settings, db, change.outbox_ids)
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    from db.service_requests import STATUSES

    sub = p.add_subparsers(dest="requests_command", metavar="<list|set-status>", required=True)
    listing = sub.add_parser("list", help="รายการคำร้อง (ใหม่สุดก่อน) — list requests, newest first")
    listing.add_argument("--json", action="store_true", help="หนึ่งบรรทัดหนึ่ง JSON — one JSON object per line")
    listing.add_argument("--open", action="store_true", help="เฉพาะที่ยังไม่เสร็จ — open requests only")
    listing.add_argument("--limit", type=int, default=LIST_LIMIT)
    change = sub.add_parser(
        "set-status", help="เปลี่ยนสถานะ (แจ้งผู้ยื่นคำร้องทาง LINE) — change the status; the citizen is told",
        description="เปลี่ยนสถานะคำร้อง — change a request's status",
    )
    change.add_argument("ref", help="เลขที่คำร้อง เช่น KC-R2570-00012 หรือ id — the request's number or id")
    change.add_argument("status", choices=STATUSES, help="สถานะใหม่ — the new status")
    change.add_argument("--by", required=True, help="ชื่อผู้ดำเนินการ (บันทึกในประวัติ) — who makes the change")
    change.add_argument("--note", help="ข้อความถึงผู้ยื่นคำร้อง — a note the citizen is told")
    change.add_argument("--reason", help="เหตุผลที่ไม่รับคำร้อง (จำเป็นเมื่อ rejected) — the reason, for rejected")


# name → (function, help, argument builder): bot/__main__.py adds these to its table.
COMMANDS = {
    "requests": (cmd_requests, "คำร้องออนไลน์: ดูรายการ เปลี่ยนสถานะ (แจ้งประชาชนทาง LINE) — online service requests: list, change status", add_arguments),
}
