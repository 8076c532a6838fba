"""Published reports benchmark: a busy fiscal year, every report in both formats.

    python bench/reports_bench.py [--ratings 100000] [--tickets 10000]

Builds one SQLite database for FY 2570 with (by default) 100,000 satisfaction ratings over the
handbook's services (a fifth with a comment: common phrases and thousands of distinct ones),
10,000 suggestions and complaints in every category and status (most with a handling rating),
5,000 questions for staff, 40,000 handbook questions (the older half already rolled up into
daily counts, as the nightly purge leaves them), 60 corruption reports and the measures plan's
deadlines with some reported. Then, for the 12-month round (the largest) and each report and
format, a fresh process builds the report and writes the file; it prints the time to compute
the figures, the time to render the file, the file's size and pages, and the process's peak
resident memory (ru_maxrss: C libraries such as HarfBuzz included) above its size after imports.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import PROJECT_ROOT  # noqa: E402
from bot.common.thaidate import BANGKOK  # noqa: E402

FY = 2570
FIRST, LAST = date(2026, 10, 1), date(2027, 9, 30)
AS_OF = datetime(2027, 10, 20, 10, 0, tzinfo=BANGKOK)
COMMON = [
    "บริการดีมากค่ะ", "เจ้าหน้าที่ใจดี พูดจาสุภาพ", "รอนานไปหน่อย", "ที่จอดรถไม่พอ", "ขอบคุณครับ",
    "อยากให้มีบริการออนไลน์มากขึ้น", "ห้องน้ำควรสะอาดกว่านี้", "ป้ายบอกทางไม่ชัดเจน", "รวดเร็วทันใจ 👍", "=SUM(A1:A9)",
]
WORDS = ["ถนน", "ไฟฟ้า", "น้ำประปา", "ขยะ", "เอกสาร", "คิว", "เจ้าหน้าที่", "ภาษี", "เบี้ยยังชีพ", "ใบอนุญาต", "หมู่บ้าน", "ตลาด"]


def _ts(day: date, hour: int = 10) -> float:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BANGKOK).timestamp()


def make_data(path: Path, content: Path, n_ratings: int, n_tickets: int, seed: int = 2570) -> dict[str, float]:
    from bot.handbook import load_handbook
    from db import open_database, transaction
    from bot.reminders.passes import Setup, sync_year

    rng = random.Random(seed)
    db = open_database(path)
    procedures = load_handbook(content).procedures
    days = [(FIRST + timedelta(days=i)) for i in range((LAST - FIRST).days + 1)]
    started = time.perf_counter()
    with transaction(db):
        rows = []
        for n in range(n_ratings):
            p = rng.choice(procedures)
            day = rng.choice(days)
            scores = [min(5, max(1, round(rng.gauss(4.1, 0.9)))) for _ in range(5)]
            comment = None
            if rng.random() < 0.2:
                comment = rng.choice(COMMON) if rng.random() < 0.5 else f"{rng.choice(WORDS)} {rng.choice(WORDS)} ควรปรับปรุง ครั้งที่ {n}"
            rows.append((p.id, p.division, day.isoformat(), FY, *scores, comment, rng.choice(("menu", "qr", "handbook")), 0, 0))
        db.conn.executemany(
            "INSERT INTO service_ratings (service_id, division_id, rated_on, fiscal_year, process, staff, facilities,"
            " information, overall, comment, source, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        categories = ("suggestion", "complaint_service", "complaint_official", "village", "other")
        statuses = ("received", "accepted", "in_progress", "resolved", "resolved", "resolved", "forwarded", "rejected")
        rows = []
        for n in range(1, n_tickets + 1):
            day = rng.choice(days)
            created = _ts(day, rng.randint(8, 20))
            status = rng.choice(statuses)
            category = rng.choice(categories)
            closed = created + rng.uniform(0.2, 20) * 86400 if status in ("resolved", "forwarded", "rejected") else None
            rows.append((
                f"KC-{FY}-{n:05d}", FY, category, rng.choice(("road", "light", "water", "waste")) if category == "village" else None,
                rng.choice(procedures).id if category in ("suggestion", "complaint_service") else None,
                rng.choice(("palad", "engineering", "health", "finance")), status,
                "การไฟฟ้าส่วนภูมิภาคอำเภอแวงใหญ่" if status == "forwarded" else None,
                "อยู่นอกเขตตำบล" if status == "rejected" else None,
                f"ดำเนินการ{rng.choice(WORDS)}เรียบร้อยแล้ว" if status == "resolved" else None,
                closed if status == "resolved" else None, closed,
                rng.choice((5, 5, 4, 4, 3, 2, 1, None)) if status == "resolved" else None, created, created,
            ))
        db.conn.executemany(
            "INSERT INTO tickets (number, fiscal_year, category, topic, service_id, division_id, status, forwarded_to,"
            " reject_reason, resolution, resolved_at, closed_at, handling_rating, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        rows = []
        for n in range(n_tickets // 2):
            created = _ts(rng.choice(days), rng.randint(8, 16))
            answered = created + rng.uniform(0.5, 60) * 3600 if rng.random() < 0.9 else None
            rows.append((rng.choice(("palad", "engineering", "welfare")), rng.choice(("menu", "handbook")),
                         "answered" if answered else "open", created, created + 86400, answered))
        db.conn.executemany(
            "INSERT INTO staff_questions (division_id, source, status, created_at, due_at, answered_at) VALUES (?,?,?,?,?,?)", rows)
        outcomes = ("answered", "answered", "answered", "choose", "unanswered", "outside")
        live, counted = [], {}
        for n in range(40_000):
            day = rng.choice(days)
            outcome = rng.choice(outcomes)
            procedure = rng.choice(procedures).id if outcome in ("answered", "choose") else ""
            feedback = rng.choice(("up", "down", "", "", "")) if outcome == "answered" else ""
            staff = int(outcome == "unanswered" and rng.random() < 0.3)
            if day < date(2027, 7, 1):  # older than 90 days by the report's day: only counts remain
                key = (day.isoformat(), procedure, outcome, feedback, staff)
                counted[key] = counted.get(key, 0) + 1
            else:
                live.append((f"r{n}", f"user:U{n}", outcome, procedure or None, feedback or None,
                             _ts(day) if staff else None, _ts(day), _ts(day)))
        db.conn.executemany(
            "INSERT INTO handbook_questions (ref, chat_key, outcome, procedure_id, feedback, staff_requested_at, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?)", live)
        db.conn.executemany(
            "INSERT INTO handbook_question_counts (day, procedure_id, outcome, feedback, staff_requested, questions) VALUES (?,?,?,?,?,?)",
            [(*k, v) for k, v in counted.items()])
        db.conn.executemany(
            "INSERT INTO corruption_reports (code, secret_hash, anonymous, details, received_on, status) VALUES (?,?,1,?,?,?)",
            [(f"TJ-B{n:05d}", "x", "ลับ", rng.choice(days).isoformat(), rng.choice(("received", "reviewing", "referred", "closed", "not_pursued")))
             for n in range(60)])
    sync_year(db, Setup.from_content(content), FY, date(2026, 9, 1), _ts(date(2026, 9, 1)))
    with transaction(db):
        for row in db.execute("SELECT id, due_date FROM deadlines WHERE fiscal_year = ?", (FY,)).fetchall():
            if rng.random() < 0.7:
                due = date.fromisoformat(row[1])
                late = rng.choice((0, 0, 0, 1, 3))
                db.execute("UPDATE deadlines SET done_at = ?, done_on = ?, late_working_days = ? WHERE id = ?",
                           (_ts(due), (due + timedelta(days=late)).isoformat(), late, row[0]))
    seconds = time.perf_counter() - started
    db.close()
    return {"seconds": seconds}


def run_one(db_path: str, content: str, kind: str, fmt: str, out: str) -> None:
    """In a fresh process: build one report and write the file; print JSON figures."""
    from bot.reports import ReportContext, ReportPeriod, build, render
    from db import open_database

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    db = open_database(db_path)
    base = rss_mib()
    started = time.perf_counter()
    ctx = ReportContext.load(db, Path(content), ReportPeriod.of_round(FY, 12), now=AS_OF)
    document = build(kind, ctx)
    built = time.perf_counter()
    data = render(document, fmt)
    done = time.perf_counter()
    Path(out).write_bytes(data)
    pages = None
    if fmt == "pdf":
        from pypdf import PdfReader

        pages = len(PdfReader(out).pages)
    print(json.dumps({"build": built - started, "render": done - built, "total": done - started, "bytes": len(data),
                      "pages": pages, "peak_mib": rss_mib(), "base_mib": base}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ratings", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--keep", help="keep the database and files in this folder")
    parser.add_argument("--one", nargs=5, metavar=("DB", "CONTENT", "KIND", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(*args.one)
        return 0
    from bot.reports import KINDS

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="reports-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "bench.sqlite3"
    if db_path.exists():
        db_path.unlink()
    content = PROJECT_ROOT / "content"
    made = make_data(db_path, content, args.ratings, args.tickets)
    print(f"data: {args.ratings:,} ratings, {args.tickets:,} tickets, {args.tickets // 2:,} questions for staff, "
          f"40,000 handbook questions, FY {FY} — written in {made['seconds']:.1f} s ({db_path.stat().st_size / 2**20:.1f} MiB)")
    print(f"{'report':22} {'format':6} {'compute s':>9} {'render s':>9} {'total s':>8} {'size':>10} {'pages':>5} {'peak RSS':>9} {'+ over base':>11}")
    for kind in KINDS:
        for fmt in ("pdf", "xlsx"):
            out = folder / f"{kind}.{fmt}"
            done = subprocess.run([sys.executable, __file__, "--one", str(db_path), str(content), kind, fmt, str(out)],
                                  capture_output=True, text=True, cwd=PROJECT_ROOT)
            if done.returncode:
                print(f"{kind} {fmt} failed:\n{done.stderr}", file=sys.stderr)
                return 1
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{kind:22} {fmt:6} {r['build']:9.2f} {r['render']:9.2f} {r['total']:8.2f} {r['bytes'] / 1024:8.0f} KB"
                  f" {r['pages'] or '':>5} {r['peak_mib']:6.0f} MiB {r['peak_mib'] - r['base_mib']:7.0f} MiB")
    print(f"files in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
