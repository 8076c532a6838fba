"""Command line for citizen feedback (python -m bot ticket|question|corruption|qr-posters|ratings).

Until the admin console exists, staff change tickets and answer questions here; the
console will call the same functions (ticket_status, staff_questions.answer_question,
corruption.update_report, posters). Pushes queued by a change are delivered at once; any
that fail are retried by the running web process's sweeper.
"""
from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime
from pathlib import Path

from bot.common.thaidate import BANGKOK, fiscal_year_bounds, thai_datetime

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text) -> str:
    """Citizen text printed to a terminal: control characters shown, never obeyed."""
    return _UNPRINTABLE.sub(lambda found: f"\\x{ord(found.group()):02x}", "" if text is None else str(text))


def _when(epoch: float | None) -> str:
    return thai_datetime(datetime.fromtimestamp(epoch, BANGKOK)) if epoch else "-"


def _context(settings):
    from bot.content.divisions import load_divisions
    from bot.feedback.announce import Office
    from bot.content.profile import load_profile
    from db import open_for

    office = Office(
        load_profile(settings.content_dir / "profile.yaml"),
        load_divisions(settings.content_dir / "divisions.yaml"),
        settings.public_url,
    )
    return open_for(settings), office


def _deliver(settings, db, outbox_ids: list[int]) -> None:
    if not outbox_ids:
        return
    from bot.feedback.announce import deliver
    from bot.line.sender import LineSender

    if not settings.channel_access_token:
        print(f"ยังไม่ได้ตั้งค่า LINE: ข้อความ {len(outbox_ids)} รายการรอส่งเมื่อเว็บทำงาน / {len(outbox_ids)} messages queued")
        return
    deliver(db, LineSender(settings), outbox_ids)
    from db import outbox

    states = [outbox.get(db, i)["status"] for i in outbox_ids]
    print(f"แจ้งทาง LINE / LINE messages: {', '.join(states)}")


def _fail(thai: str, english: str = "", code: int = 1) -> int:
    print(f"{thai}" + (f" / {english}" if english else ""), file=sys.stderr)
    return code


# --- tickets --------------------------------------------------------------------------------------

_TICKET_ACTIONS = {
    "accept": "accepted",
    "start": "in_progress",
    "resolve": "resolved",
    "forward": "forwarded",
    "reject": "rejected",
    "reopen": "in_progress",
}


def cmd_ticket(args, settings) -> int:
    from bot.feedback import ticket_texts as t
    from bot.feedback.ticket_status import TicketError, assign_division, change_status, find
    from db import ticket_photos, tickets, transaction

    db, office = _context(settings)
    if args.ticket_command == "list":
        rows = tickets.search(db, status=args.status, division_id=args.division, open_only=args.open, limit=args.limit)
        if not rows:
            print("ไม่มีเรื่อง / no tickets")
        for x in rows:
            print(f"{x.number}\t{t.TICKET_STATUS.get(x.status, x.status)}\t{office.division_name(x.division_id)}\t"
                  f"{t.TICKET_CATEGORIES[x.category][1]}\t{_when(x.created_at)}\t{safe(x.description or '')[:60]}")
        return 0
    try:
        ticket = find(db, args.ref)
    except TicketError as exc:
        return _fail(str(exc), exc.english)
    if args.ticket_command == "show":
        print(f"เลขที่ / number: {ticket.number} (id {ticket.id})")
        print(f"สถานะ / status: {t.TICKET_STATUS.get(ticket.status, ticket.status)} ({ticket.status})")
        print(f"ประเภท / category: {t.TICKET_CATEGORIES[ticket.category][1]}" + (f" — {t.VILLAGE_TOPICS[ticket.topic][1]}" if ticket.topic else ""))
        print(f"ผู้รับผิดชอบ / division: {office.division_name(ticket.division_id)}")
        print(f"แจ้งเมื่อ / filed: {_when(ticket.created_at)}")
        print(f"รายละเอียด / text: {safe(ticket.description) if ticket.description is not None else '(ลบข้อมูลส่วนบุคคลแล้ว / personal data removed)'}")
        if ticket.has_location:
            print(f"ตำแหน่ง / location: {ticket.latitude:.6f},{ticket.longitude:.6f} {safe(ticket.location_title or '')} {safe(ticket.location_address or '')}")
            print(f"  https://www.google.com/maps?q={ticket.latitude},{ticket.longitude}")
        for photo in ticket_photos.photos(db, ticket.id):
            print(f"รูป / photo {photo.id}: {photo.status} {photo.content_type or ''} {photo.size or ''}")
        if ticket.handling_rating:
            print(f"คะแนนการแก้ไข / handling rating: {ticket.handling_rating}/5")
        print("ประวัติ / history:")
        for e in tickets.events(db, ticket.id):
            print(f"  {_when(e.at)}\t{safe(e.actor)}\t{e.from_status or '-'} → {e.to_status}\t{safe(e.note or '')}")
        print(f"ในระบบหลังบ้าน / console: {office.console_link('tickets', ticket.id)}")
        return 0
    if args.ticket_command == "photos":
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        written = 0
        for photo in ticket_photos.photos(db, ticket.id):
            content = ticket_photos.photo_content(db, photo.id)
            if content:
                ext = {"image/png": "png", "image/gif": "gif", "image/webp": "webp"}.get(content[1], "jpg")
                (out / f"{ticket.number}-{photo.id}.{ext}").write_bytes(content[0])
                written += 1
        print(f"บันทึกรูป {written} รูป / {written} photos written to {out}")
        return 0
    if args.ticket_command == "assign":
        try:
            with transaction(db):
                change = assign_division(db, office, ticket.id, args.division, actor=args.by, reason=args.reason, tell_citizen=not args.quiet)
        except TicketError as exc:
            return _fail(str(exc), exc.english)
        print(f"{change.ticket.number}: {office.division_name(change.ticket.division_id)} ({change.ticket.division_id})")
        _deliver(settings, db, change.outbox_ids)
        return 0
    to_status = _TICKET_ACTIONS[args.ticket_command]
    try:
        with transaction(db):
            change = change_status(
                db, office, ticket.id, to_status, actor=args.by, note=args.note,
                agency=getattr(args, "agency", None), contact=getattr(args, "contact", None), reason=getattr(args, "reason", None),
            )
    except TicketError as exc:
        return _fail(str(exc), exc.english)
    print(f"{change.ticket.number}: {t.TICKET_STATUS[change.ticket.status]} ({change.ticket.status})")
    _deliver(settings, db, change.outbox_ids)
    return 0


def add_ticket_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="ticket_command", metavar="<list|show|accept|start|resolve|forward|reject|reopen|assign|photos>", required=True)
    listing = sub.add_parser("list", help="รายการเรื่อง — list tickets (newest first)")
    listing.add_argument("--open", action="store_true", help="เฉพาะเรื่องที่ยังไม่ปิด — open tickets only")
    listing.add_argument("--status", help="received, accepted, in_progress, resolved, forwarded, rejected, reopened")
    listing.add_argument("--division", help="รหัสกอง เช่น engineering — a division id")
    listing.add_argument("--limit", type=int, default=50)
    show = sub.add_parser("show", help="รายละเอียดและประวัติ — details and history")
    show.add_argument("ref", help="เลขที่เรื่อง เช่น KC-2570-00042 หรือ id")
    photos = sub.add_parser("photos", help="บันทึกรูปของเรื่องลงโฟลเดอร์ — save a ticket's photos")
    photos.add_argument("ref")
    photos.add_argument("-o", "--output", required=True, help="โฟลเดอร์ — folder")
    helps = {
        "accept": "รับเรื่อง — accept",
        "start": "กำลังดำเนินการ — in progress",
        "resolve": "แก้ไขเรียบร้อย (ประชาชนได้รับแจ้งและให้คะแนนได้) — resolved; the citizen is asked for a rating",
        "forward": "ส่งต่อหน่วยงานที่รับผิดชอบ — forwarded to another agency",
        "reject": "ไม่ดำเนินการ พร้อมเหตุผล — rejected, with the reason",
        "reopen": "นำเรื่องที่ปิดแล้วกลับมาดำเนินการ — back to in progress (correcting a mistake)",
    }
    for name, help_text in helps.items():
        action = sub.add_parser(name, help=help_text, description=help_text)
        action.add_argument("ref", help="เลขที่เรื่อง เช่น KC-2570-00042 หรือ id")
        action.add_argument("--by", required=True, help="ชื่อผู้ดำเนินการ (บันทึกในประวัติ) — who makes the change")
        action.add_argument("--note", help="ข้อความถึงประชาชน — a note the citizen is told")
        if name == "forward":
            action.add_argument("--agency", required=True, help="หน่วยงานที่รับผิดชอบ เช่น การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่")
            action.add_argument("--contact", required=True, help="ช่องทางติดต่อหน่วยงาน เช่น โทร 1129")
        if name == "reject":
            action.add_argument("--reason", required=True, help="เหตุผล (แจ้งประชาชน) — the reason, told to the citizen")
    assign = sub.add_parser(
        "assign",
        help="มอบหมายให้กองอื่น (แจ้งกองนั้นและประชาชนทาง LINE) — hand to another division; it and the citizen are told",
        description="มอบหมายเรื่องให้กองอื่น — hand a ticket to another division",
    )
    assign.add_argument("ref", help="เลขที่เรื่อง เช่น KC-2570-00042 หรือ id")
    assign.add_argument("--division", required=True, help="รหัสกอง เช่น finance (content/divisions.yaml) — a division id")
    assign.add_argument("--by", required=True, help="ชื่อผู้มอบหมาย — who makes the change")
    assign.add_argument("--reason", help="เหตุผลที่ส่งต่อ (แจ้งกองที่รับเรื่อง) — why, told to the division")
    assign.add_argument("--quiet", action="store_true", help="ไม่ต้องแจ้งประชาชน — do not tell the citizen")


# --- questions for staff ----------------------------------------------------------------------------


def cmd_question(args, settings) -> int:
    import time

    from bot.feedback import staff_question_texts as t
    from bot.feedback.staff_questions import QuestionError, answer_question
    from db import staff_questions, transaction

    db, office = _context(settings)
    if args.question_command == "list":
        rows = staff_questions.search(
            db,
            status="open" if args.open else None,
            division_id=args.division,
            overdue_at=time.time() if args.overdue else None,
            limit=args.limit,
        )
        if not rows:
            print("ไม่มีคำถาม / no questions")
        for q in rows:
            late = " ⏰เกินกำหนด" if q.status == "open" and q.due_at < time.time() else ""
            print(f"{q.id}\t{t.QUESTION_STATUS.get(q.status, q.status)}{late}\t{office.division_name(q.division_id)}\t"
                  f"ถาม {_when(q.created_at)}\tครบกำหนด {_when(q.due_at)}\t{safe(q.question or '')[:60]}")
        return 0
    question = staff_questions.get(db, args.id)
    if question is None:
        return _fail(t.QUESTION_NOT_FOUND, f"no question {args.id}")
    if args.question_command == "show":
        print(f"คำถามหมายเลข / question {question.id} — {t.QUESTION_STATUS.get(question.status)}")
        print(f"ส่งถึง / division: {office.division_name(question.division_id)}")
        print(f"ถามเมื่อ / asked: {_when(question.created_at)}; ครบกำหนด / due: {_when(question.due_at)}" + (" (เกินกำหนด / overdue)" if question.flagged_at else ""))
        print(f"คำถาม / question: {safe(question.question) if question.question is not None else '(ลบแล้ว / removed)'}")
        if question.status == "answered":
            print(f"คำตอบ / answer ({safe(question.answered_by)}, {_when(question.answered_at)}): {safe(question.answer or '')}")
        return 0
    text = args.text if args.text is not None else sys.stdin.read()
    try:
        with transaction(db):
            done = answer_question(db, office, question.id, text, args.by)
    except QuestionError as exc:
        return _fail(str(exc), exc.english)
    print(t.answer_sent(question.id) if done.delivered_to_citizen else t.QUESTION_ASKER_GONE)
    _deliver(settings, db, done.outbox_ids)
    return 0


def add_question_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="question_command", metavar="<list|show|answer>", required=True)
    listing = sub.add_parser("list", help="คิวคำถาม — the queue (newest first)")
    listing.add_argument("--open", action="store_true", help="เฉพาะที่ยังไม่ตอบ — unanswered only")
    listing.add_argument("--overdue", action="store_true", help="เฉพาะที่เกิน 1 วันทำการ — older than one working day")
    listing.add_argument("--division", help="รหัสกอง — a division id")
    listing.add_argument("--limit", type=int, default=50)
    show = sub.add_parser("show", help="คำถามและคำตอบ — one question")
    show.add_argument("id", type=int)
    answer = sub.add_parser("answer", help="ตอบคำถาม (ส่งถึงประชาชนทาง LINE) — answer; pushed to the citizen")
    answer.add_argument("id", type=int)
    answer.add_argument("--by", required=True, help="ชื่อผู้ตอบ — who answers")
    answer.add_argument("--text", help="คำตอบ (ถ้าไม่ใส่ อ่านจาก stdin) — the answer, or read from standard input")


# --- corruption reports (audit role) -------------------------------------------------------------------


def cmd_corruption(args, settings) -> int:
    from bot.feedback import corruption_texts as t
    from bot.feedback.corruption import update_report
    from db import corruption_reports as reports
    from db import transaction

    db, office = _context(settings)
    try:
        if args.corruption_command == "list":
            for r in reports.list_reports(db, role=args.role, status=args.status):
                who = "ไม่เปิดเผยตัวตน" if r.anonymous else "ติดต่อกลับได้"
                print(f"{r.code}\t{r.received_on}\t{t.CORRUPTION_STATUS.get(r.status, r.status)}\t{who}\t{safe(r.details)[:60]}")
            return 0
        if args.corruption_command == "show":
            r = reports.read(db, args.code, role=args.role)
            if r is None:
                return _fail("ไม่พบเรื่อง", f"no report {args.code}")
            print(f"รหัส / code: {r.code}\nรับเมื่อ / received: {r.received_on}\nสถานะ / status: {t.CORRUPTION_STATUS.get(r.status, r.status)}")
            print(f"ผู้แจ้ง / reporter: {'ไม่เปิดเผยตัวตน / anonymous' if r.anonymous else 'ยินยอมให้ติดต่อกลับทาง LINE / may be contacted on LINE'}")
            print(f"รายละเอียด / details:\n{safe(r.details)}")
            if r.message_to_reporter:
                print(f"ข้อความถึงผู้แจ้ง / message to reporter: {safe(r.message_to_reporter)}")
            for at, actor, status, note in reports.history(db, r.id, role=args.role):
                print(f"  {_when(at)}\t{safe(actor)}\t{status}\t{safe(note or '')}")
            return 0
        with transaction(db):
            report, queued = update_report(
                db, office, args.code, role=args.role, actor=args.by, status=args.status, note=args.note, message_to_reporter=args.message
            )
    except reports.NotAuthorized:
        return _fail("เฉพาะหน่วยตรวจสอบภายใน (--role auditor) เท่านั้น", "only the internal audit role may read corruption reports", 3)
    except LookupError:
        return _fail("ไม่พบเรื่อง", f"no report {args.code}")
    print(f"{report.code}: {t.CORRUPTION_STATUS.get(report.status)}")
    _deliver(settings, db, queued)
    return 0


def add_corruption_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="corruption_command", metavar="<list|show|update>", required=True)
    role_help = "บทบาทผู้อ่าน: ต้องเป็น auditor (หน่วยตรวจสอบภายใน) — the reader's role; only auditor may read"
    listing = sub.add_parser("list", help="รายการเรื่องแจ้งเบาะแส — list reports")
    listing.add_argument("--role", required=True, help=role_help)
    listing.add_argument("--status")
    show = sub.add_parser("show", help="รายละเอียดเรื่อง — one report")
    show.add_argument("code")
    show.add_argument("--role", required=True, help=role_help)
    update = sub.add_parser("update", help="เปลี่ยนสถานะ / ข้อความถึงผู้แจ้ง — change status, tell the reporter")
    update.add_argument("code")
    update.add_argument("--role", required=True, help=role_help)
    update.add_argument("--by", required=True, help="ชื่อผู้ดำเนินการ — who makes the change")
    update.add_argument("--status", required=True, choices=["received", "reviewing", "referred", "closed", "not_pursued"])
    update.add_argument("--note", help="บันทึกภายใน — internal note")
    update.add_argument("--message", help="ข้อความถึงผู้แจ้ง (เห็นเมื่อติดตามด้วยรหัส) — message the reporter sees")


# --- QR posters and rating reports -----------------------------------------------------------------------


def cmd_qr_posters(args, settings) -> int:
    from dataclasses import replace

    from bot.feedback import posters
    from bot.handbook import load_handbook
    from bot.content.profile import load_profile

    profile = load_profile(settings.content_dir / "profile.yaml")
    if args.line_id:
        profile = replace(profile, line_basic_id=args.line_id)
    handbook = load_handbook(settings.content_dir)
    chosen = [p for p in handbook.procedures if not args.service or p.id in args.service]
    unknown = set(args.service or ()) - {p.id for p in chosen}
    if unknown:
        return _fail(f"ไม่พบบริการ {', '.join(sorted(unknown))}", "unknown service ids", 2)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    try:
        if args.format in ("png", "both"):
            for procedure in chosen:
                (out / f"qr-{procedure.id}.png").write_bytes(posters.render_poster(procedure, profile))
        if args.format in ("pdf", "both"):
            (out / "qr-posters.pdf").write_bytes(posters.render_posters_pdf(chosen, profile))
    except posters.PosterError as exc:
        return _fail(str(exc), code=2)
    print(f"ทำป้าย QR {len(chosen)} บริการแล้ว / {len(chosen)} posters written to {out}")
    return 0


def add_qr_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, help="โฟลเดอร์ที่จะบันทึก — output folder")
    p.add_argument("--format", choices=["png", "pdf", "both"], default="both", help="PNG ทีละบริการ, PDF รวมเล่ม, หรือทั้งสอง (default)")
    p.add_argument("--service", action="append", help="เฉพาะบริการนี้ (ใส่ได้หลายครั้ง) — only this service id (repeatable)")
    p.add_argument("--line-id", help="LINE ID ของ อบต. เช่น @konchim (แทนค่าใน profile.yaml) — the OA's LINE ID")


def cmd_ratings(args, settings) -> int:
    from bot.feedback import satisfaction_texts as t
    from bot.handbook import load_handbook
    from db import open_for, ratings

    db = open_for(settings)
    if args.fiscal_year:
        first, last = (d.isoformat() for d in fiscal_year_bounds(args.fiscal_year))
    else:
        # Today in Bangkok, not on the server's clock: from 00:00 to 07:00 Thai time a server
        # on UTC is still on yesterday, and today's ratings would be left out.
        first, last = args.since or "0000-01-01", args.until or datetime.now(BANGKOK).date().isoformat()
    titles = {p.id: p.short_title for p in load_handbook(settings.content_dir).procedures}
    rows = ratings.summary(db, first, last)
    print(f"ผลประเมินความพึงพอใจ {first} ถึง {last} (ไม่ระบุชื่อ) / satisfaction, no names")
    header = "\t".join(t.ASPECT_SHORT[a] for a in ratings.ASPECTS)
    print(f"บริการ\tจำนวน\t{header}")
    for row in rows:
        print(f"{titles.get(row.service_id, row.service_id)}\t{row.count}\t" + "\t".join(f"{row.averages[a]:.2f}" for a in ratings.ASPECTS))
    if args.comments:
        for day, service, comment in ratings.comments(db, first, last):
            print(f"{day}\t{titles.get(service, service)}\t{safe(comment)}")
    return 0


def add_ratings_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fiscal-year", type=int, help="ปีงบประมาณ พ.ศ. เช่น 2570 — B.E. fiscal year")
    p.add_argument("--since", help="ตั้งแต่วันที่ YYYY-MM-DD (ค.ศ.)")
    p.add_argument("--until", help="ถึงวันที่ YYYY-MM-DD (ค.ศ.)")
    p.add_argument("--comments", action="store_true", help="แสดงข้อเสนอแนะด้วย — list comments too")


# name → (function, help, argument builder): bot/__main__.py adds these to its table.
COMMANDS = {
    "ticket": (cmd_ticket, "เรื่องร้องเรียน/เสนอแนะ: ดู เปลี่ยนสถานะ (แจ้งประชาชนทาง LINE) — tickets: list, show, change status", add_ticket_arguments),
    "question": (cmd_question, "คำถามถึงเจ้าหน้าที่: คิว และตอบ (ส่งถึงประชาชนทาง LINE) — questions for staff: queue and answers", add_question_arguments),
    "corruption": (cmd_corruption, "เรื่องแจ้งเบาะแสทุจริต เฉพาะหน่วยตรวจสอบภายใน — corruption reports, audit role only", add_corruption_arguments),
    "qr-posters": (cmd_qr_posters, "ป้าย QR ประเมินความพึงพอใจของแต่ละบริการ (PNG/PDF) — printable QR posters per service", add_qr_arguments),
    "ratings": (cmd_ratings, "สรุปผลประเมินความพึงพอใจ (ไม่ระบุชื่อ) — satisfaction summary per service, without names", add_ratings_arguments),
}
