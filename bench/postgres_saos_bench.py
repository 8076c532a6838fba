"""Many SAOs' storage on one PostgreSQL server, against one SAO on SQLite, in one run.

    .venv/bin/python bench/postgres_saos_bench.py [--saos 200] [--rate 300] [--seconds 20]

What it measures (issue 22's hosted install, at the storage layer the port has reached):
- creating N SAOs' schemas on one server (db/postgres.py): seconds and disk per SAO;
- the spine's traffic at --rate events/s for --seconds, as the webhook and the inbox workers
  run it: store the event (the webhook's write), then claim it, save the conversation and
  queue the reply in one transaction, mark the reply sent and finish the event (the worker's).
  Three runs of the same load: one SAO on SQLite, one SAO on PostgreSQL, the N SAOs on
  PostgreSQL (events spread at random), each thread on one connection shared by every SAO it
  serves, as the web app's threads are (db.postgres.thread_database);
- p50/p99 of the webhook's write (from when the event was due) and of the whole handling
  (from stored to finished), and how many events were left behind;
- memory: the PostgreSQL server's processes (PSS) and this process (RSS), after one SAO's
  traffic and after N SAOs' traffic: what each added SAO costs.

Needs Debian's postgresql package (started as the postgres user when run as root).
Not measured here: the web app and LINE, which do not run on PostgreSQL yet.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import db as storage  # noqa: E402
from db import conversations, inbox, outbox, postgres, transaction  # noqa: E402
from postgres_server import PostgresServer  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def server_pss_mib() -> float:
    """The PostgreSQL server's processes, proportional set size (shared pages split fairly)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
                continue
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def own_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def event_row(run: str, n: int) -> dict:
    user = f"U{n % 997:032d}"
    return {"webhook_event_id": f"{run}-E{n}", "event_key": f"{run}-E{n}", "event_type": "message", "mode": "active",
            "source_key": f"user:{user}", "user_id": user,
            "payload": json.dumps({"type": "message", "message": {"type": "text", "text": "ไฟถนนหน้าบ้านดับค่ะ 🙏"}},
                                  ensure_ascii=False)}


class SqliteSao:
    """One SAO on a SQLite file, one connection per thread, as ThreadSaos's."""

    def __init__(self, path: Path):
        storage.open_database(path).close()
        self.pool = storage.ConnectionPool(path)

    @contextmanager
    def tenant(self, _slug: str):
        yield self.pool.get()

    def close(self) -> None:
        pass


class ThreadSaos:
    """The SAOs on PostgreSQL as the web app's threads reach them: each thread's one connection
    acts as whichever SAO a statement is for (db.postgres.thread_database)."""

    def __init__(self, url: str):
        self.url = url

    @contextmanager
    def tenant(self, slug: str):
        yield postgres.thread_database(self.url, slug)


def run_load(pool, saos: list[str], rate: float, seconds: float, webhook_threads: int, workers: int) -> dict:
    """The spine's traffic: returns latencies (ms) and what was left unfinished."""
    work: queue.Queue = queue.Queue()
    stored_at: dict[tuple[str, str], float] = {}
    webhook_ms: list[float] = []
    handled_ms: list[float] = []
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()
    run = f"{len(saos)}-{time.time_ns()}"  # the runs share SAOs: their events must not collide

    def webhook(n: int, due: float) -> None:
        slug = random.choice(saos)
        row = event_row(run, n)
        try:
            with pool.tenant(slug) as db:
                inbox.store_events(db, [row])
        except Exception as exc:
            errors.append(f"store: {exc}")
            return
        now = time.perf_counter()
        with lock:
            webhook_ms.append((now - due) * 1000)
            stored_at[(slug, row["event_key"])] = now
        work.put(slug)

    def worker() -> None:
        while not (stop.is_set() and work.empty()):
            try:
                slug = work.get(timeout=0.05)
            except queue.Empty:
                continue
            try:
                with pool.tenant(slug) as db:
                    claimed = inbox.claim_next(db, 30)
                    if claimed is None:  # its chat's earlier event is in hand: try again soon
                        work.put(slug)
                        continue
                    with transaction(db):
                        conversations.save(db, claimed.source_key, "complaint", "describe", "s", {"text": "ไฟดับ"})
                        reply = outbox.enqueue_claimed(
                            db, lease_seconds=30, dedupe_key=f"reply:{claimed.event_key}", chat_key=claimed.source_key,
                            kind="reply", to_ids=[], reply_token="t", messages=[{"type": "text", "text": "รับเรื่องแล้วค่ะ"}],
                            inbox_id=claimed.id)
                        inbox.mark_handled(db, claimed.id, 30)
                    outbox.mark_sent(db, reply.id, request_id="r")
                    inbox.finish(db, claimed.id)
            except Exception as exc:
                errors.append(f"handle: {exc}")
                continue
            now = time.perf_counter()
            with lock:
                handled_ms.append((now - stored_at.pop((slug, claimed.event_key), now)) * 1000)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    total = int(rate * seconds)
    with ThreadPoolExecutor(webhook_threads) as senders:
        for n in range(total):
            due = start + n / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            senders.submit(webhook, n, due)
    sent_for = time.perf_counter() - start
    deadline = time.perf_counter() + 30
    while len(handled_ms) + len(errors) < total and time.perf_counter() < deadline:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(5)
    return {
        "events": total,
        "offered_per_s": round(total / sent_for, 1),
        "webhook_p50_ms": round(percentile(webhook_ms, 0.50), 2),
        "webhook_p99_ms": round(percentile(webhook_ms, 0.99), 2),
        "handled_p50_ms": round(percentile(handled_ms, 0.50), 2),
        "handled_p99_ms": round(percentile(handled_ms, 0.99), 2),
        "handled": len(handled_ms),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saos", type=int, default=200)
    parser.add_argument("--rate", type=float, default=300, help="events per second across all SAOs")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--webhook-threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    random.seed(7)
    results: dict = {"saos": args.saos, "rate": args.rate, "seconds": args.seconds,
                     "connections": args.webhook_threads + args.workers}  # one per thread, whatever the SAOs
    load = dict(rate=args.rate, seconds=args.seconds, webhook_threads=args.webhook_threads, workers=args.workers)

    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteSao(Path(folder) / "one-sao.sqlite3")
        results["sqlite_1_sao"] = run_load(sqlite, ["one"], **load)
        sqlite.close()

    with PostgresServer() as server:
        url, admin = server.create_database("sao"), server.url("sao", user="postgres")
        results["server_mib_empty"] = round(server_pss_mib(), 1)
        size = "SELECT pg_database_size('sao')"
        with storage.postgres.psycopg.connect(admin, autocommit=True) as conn:
            empty_bytes = conn.execute(size).fetchone()[0]
        started = time.perf_counter()
        saos = [f"sao{n:03d}" for n in range(args.saos)]
        for slug in saos:
            postgres.create_tenant(admin, url, slug)
        results["create_ms_per_sao"] = round((time.perf_counter() - started) * 1000 / args.saos, 1)
        with storage.postgres.psycopg.connect(admin, autocommit=True) as conn:
            results["disk_kib_per_sao"] = round((conn.execute(size).fetchone()[0] - empty_bytes) / 1024 / args.saos, 1)

        pool = ThreadSaos(url)
        results["postgres_1_sao"] = run_load(pool, saos[:1], **load)
        results["server_mib_after_1_sao"] = round(server_pss_mib(), 1)
        results["process_mib_after_1_sao"] = round(own_rss_mib(), 1)
        results[f"postgres_{args.saos}_saos"] = run_load(pool, saos, **load)
        results[f"server_mib_after_{args.saos}_saos"] = round(server_pss_mib(), 1)
        results[f"process_mib_after_{args.saos}_saos"] = round(own_rss_mib(), 1)
        added = max(args.saos - 1, 1)
        results["server_mib_per_added_sao"] = round(
            (results[f"server_mib_after_{args.saos}_saos"] - results["server_mib_after_1_sao"]) / added, 3)
        results["process_mib_per_added_sao"] = round(
            (results[f"process_mib_after_{args.saos}_saos"] - results["process_mib_after_1_sao"]) / added, 3)
    one, many, lite = results["postgres_1_sao"], results[f"postgres_{args.saos}_saos"], results["sqlite_1_sao"]
    results["ratio_webhook_p99_many_vs_sqlite"] = round(many["webhook_p99_ms"] / lite["webhook_p99_ms"], 2)
    results["ratio_handled_p99_many_vs_one"] = round(many["handled_p99_ms"] / one["handled_p99_ms"], 2)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
