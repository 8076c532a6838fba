"""Thai text search over tickets for the console: which SQLite index to use, measured.

    python bench/ticket_search_bench.py [--sizes 1000,10000,50000] [--repeat 5]

Three ways to find tickets whose text contains every word a clerk types, on synthetic
village complaints (Thai, Thai digits, missing tone marks, emoji):

- trigram: what the console ships (db/migrations.py version 7): FTS5 trigram over a folded
  copy kept by triggers, queried with GLOB (3+ characters) and instr (shorter words);
- segmented: the handbook's Thai word segmenter (nlpo3 newmm) into FTS5 unicode61 with
  Thai marks as letters, each word a prefix query;
- scan: instr() over every ticket's folded text (the index's own copy), no index used.

Right answers are the tickets whose folded text contains every folded query word
(what a clerk means by "find"). Prints recall and precision against them, query latency
(p50/p95 of finding every matching id; for trigram also the console's list: a page of 50 and
the count), index build time and size, and what erasing a ticket costs (the index merge
that makes its words really go).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db import open_database, ticket_search, tickets, transaction  # noqa: E402

SUBJECTS = ["ถนนลูกรัง", "ถนนคอนกรีต", "ไฟฟ้าส่องสว่าง", "ไฟกิ่ง", "น้ำประปา", "ท่อระบายน้ำ", "ขยะ", "หมาจรจัด", "ยุงลาย",
            "ต้นไม้ใหญ่", "สะพานไม้", "เสียงดังจากร้านคาราโอเกะ", "ควันไฟเผาขยะ", "ป้ายบอกทาง", "หลังคาศาลาประชาคม"]
PROBLEMS = ["เป็นหลุมลึก รถล้มบ่อย", "ดับทั้งซอย มืดมาก", "ไม่ไหลสามวันแล้ว", "อุดตัน น้ำท่วมขัง", "ไม่มีคนมาเก็บ ส่งกลิ่นเหม็น",
            "ชำรุดใกล้พัง", "ล้มขวางทาง", "รั่วซึมเวลาฝนตก", "กัดเด็กนักเรียน", "เยอะมาก ขอพ่นยา"]
PLACES = ["หน้าวัด", "ข้างโรงเรียน", "ซอย {n}", "ตลาดสด", "หน้าบ้านผู้ใหญ่บ้าน", "ศาลากลางบ้าน", "สามแยกทางไปนา"]
TAILS = ["ช่วยด้วยค่ะ", "รบกวนด่วนครับ", "ขอบคุณค่ะ 🙏", "แจ้งมาหลายครั้งแล้ว", "", "ลูกหลานเดือดร้อนมากค่ะ"]
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
TONE_MARKS = str.maketrans("", "", "\u0e48\u0e49\u0e4a\u0e4b\u0e47\u0e4c")
QUERIES = [
    "ลูกรัง", "หลุม", "ไฟ", "ไฟฟ้า ดับ", "น้ำประปา", "ประปา", "ท่อ", "น้ำท่วม", "ขยะ เหม็น", "หมู่ 3", "หมู่ 12", "โรงเรียน",
    "ตลาด", "ต้นไม้", "สะพาน", "คาราโอเกะ", "หมาจรจัด", "ยุง", "ศาลา", "ดับ", "ไม่ไหล", "ชำรุด", "ซอย 5", "ไฟกิ่ง ซอย",
    "คอนกรีต", "รั่ว", "ขวางทาง", "สามแยก", "เผาขยะ", "ป้าย", "ไฟฟา", "นำประปา", "หลังคา", "พ่นยา", "กัดเด็ก", "วัด",
]


def description(rng: random.Random) -> str:
    place = rng.choice(PLACES).format(n=rng.randint(1, 20))
    village = f"หมู่ {rng.randint(1, 15)}"
    if rng.random() < 0.2:
        village = village.translate(THAI_DIGITS)
    text = f"{rng.choice(SUBJECTS)}{place} {village} {rng.choice(PROBLEMS)} {rng.choice(TAILS)}".strip()
    return text.translate(TONE_MARKS) if rng.random() < 0.2 else text


def truth(texts: dict[int, str], query: str) -> set[int]:
    words = [ticket_search.fold_for_search(w) for w in query.split()]
    return {i for i, text in texts.items() if all(w in ticket_search.fold_for_search(text) for w in words)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build(folder: Path, n: int, rng: random.Random):
    db = open_database(folder / f"tickets-{n}.sqlite3")
    texts: dict[int, str] = {}
    started = time.perf_counter()
    with transaction(db):
        for i in range(1, n + 1):
            text = description(rng)
            db.execute(
                "INSERT INTO tickets (id, number, fiscal_year, category, division_id, description, status, created_at, updated_at)"
                " VALUES (?, ?, 2570, 'village', 'engineering', ?, 'received', ?, ?)",
                (i, f"KC-2570-{i:05d}", text, 1.7e9 + i, 1.7e9 + i),
            )
            texts[i] = text
    insert_seconds = time.perf_counter() - started
    return db, texts, insert_seconds


def build_segmented(db, texts: dict[int, str]):
    from bot.handbook.thai import Segmenter, fold

    segmenter = Segmenter()
    started = time.perf_counter()
    db.execute("CREATE VIRTUAL TABLE seg USING fts5(body, tokenize = \"unicode61 categories 'L* N* Co M*'\")")
    with transaction(db):
        for i, text in texts.items():
            db.execute("INSERT INTO seg (rowid, body) VALUES (?, ?)", (i, " ".join(segmenter.general(fold(text)))))
    return segmenter, fold, time.perf_counter() - started


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(2570)
    folder = Path(tempfile.mkdtemp(prefix="ticket-search-"))
    print(f"SQLite {__import__('sqlite3').sqlite_version}; {len(QUERIES)} queries, each run {args.repeat} times")
    for n in (int(s) for s in args.sizes.split(",")):
        db, texts, insert_seconds = build(folder, n, rng)
        (trigram_bytes,) = db.execute("SELECT sum(length(block)) FROM ticket_search_data").fetchone()
        segmenter, fold, seg_seconds = build_segmented(db, texts)
        (seg_bytes,) = db.execute("SELECT sum(length(block)) FROM seg_data").fetchone()
        results = {"trigram": [], "segmented": [], "scan": []}
        page_times: list[float] = []
        quality = {k: [0, 0, 0] for k in results}  # right found, found, right
        for query in QUERIES:
            right = truth(texts, query)

            def trigram():
                where, params = ticket_search._query_where(ticket_search.TicketQuery(text=query))  # the console's own SQL
                return {r[0] for r in db.execute(f"SELECT id FROM tickets WHERE {where}", params)}

            def trigram_page():
                q = ticket_search.TicketQuery(text=query)
                return ticket_search.find(db, q, limit=50), ticket_search.count(db, q)

            def segmented():
                words = [w for w in segmenter.general(fold(query)) if w.strip()]
                match = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
                return {r[0] for r in db.execute("SELECT rowid FROM seg WHERE seg MATCH ?", (match,))} if words else set()

            def scan():
                words = [ticket_search.fold_for_search(w) for w in query.split()]
                where = " AND ".join("instr(body, ?) > 0" for _ in words)
                return {r[0] for r in db.execute(f"SELECT rowid FROM ticket_search WHERE {where}", words)}

            found = {"trigram": trigram(), "segmented": segmented(), "scan": scan()}
            for name, ids in found.items():
                quality[name][0] += len(ids & right)
                quality[name][1] += len(ids)
                quality[name][2] += len(right)
            results["trigram"].extend(timed(trigram, args.repeat)[0])
            page_times.extend(timed(trigram_page, args.repeat)[0])
            results["segmented"].extend(timed(segmented, args.repeat)[0])
            results["scan"].extend(timed(scan, args.repeat)[0])
        # Erasure: one ticket's text out, then the merge that drops the words from the index.
        erase_times, _ = timed(lambda: _erase_one(db, rng, n), 3)
        size = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
        print(f"\n{n:,} tickets: insert with trigram triggers {insert_seconds:.2f} s; trigram index {trigram_bytes / 2**20:.1f} MiB; "
              f"segmenting + segmented index {seg_seconds:.2f} s, {seg_bytes / 2**20:.1f} MiB; database {size / 2**20:.1f} MiB")
        for name in results:
            right_found, found_n, right_n = quality[name]
            recall = right_found / right_n if right_n else 1
            precision = right_found / found_n if found_n else 1
            print(f"  {name:9s} recall {recall:6.1%}  precision {precision:6.1%}  "
                  f"p50 {statistics.median(results[name]):7.2f} ms  p95 {percentile(results[name], 95):7.2f} ms")
        print(f"  the console's list (trigram): first page of 50 newest + count: p50 {statistics.median(page_times):.2f} ms, "
              f"p95 {percentile(page_times, 95):.2f} ms")
        print(f"  erasing one ticket (update + index merge): p50 {statistics.median(erase_times):.1f} ms, worst {max(erase_times):.1f} ms")
        db.conn.close()
    return 0


def _erase_one(db, rng: random.Random, n: int) -> None:
    with transaction(db):
        tickets.remove_personal_data(db, rng.randint(1, n), "erasure")


if __name__ == "__main__":
    raise SystemExit(main())
