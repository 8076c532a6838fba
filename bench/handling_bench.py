"""Event handling alone: CPU and SQLite statements per event, one thread, no webhook.

    python bench/handling_bench.py [--events 3000] [--profile]

Stores `events` signed-benchmark text events (webhook_bench's question mix, 200 people) in
a fresh inbox, then handles them one by one in this thread, as an inbox worker thread
does: claim, plan, save, reply to the fake LINE API (its own process, as in the other
benchmarks), finish. Prints this thread's CPU time per event (the reply's wait for the
fake is not counted) and the SQLite statements per event by kind. --profile adds the top
of a cProfile (which slows everything down about 1.6 times).
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import json
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.webhook_bench import TOKEN, Load, fake_requests, start_fake_line  # noqa: E402
from bot import build_worker  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.pipeline.webhook import inbox_rows  # noqa: E402
from db import inbox  # noqa: E402

WARM_UP = 100


def statement_kind(sql: str) -> str:
    words = " ".join(sql.split())
    return re.sub(r"\b\d[\d.]*\b|'[^']*'", "?", words)[:90]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    fake = start_fake_line(4)
    try:
        settings = Settings(
            channel_secret="bench", channel_access_token=TOKEN, line_api_base_url=fake.url,
            line_data_api_base_url=fake.url, database_path=Path(tempfile.mkdtemp()) / "handling.sqlite3",
            secret_key="bench", start_worker=False, worker_threads=1,
            loading_threshold_seconds=1e9,  # no loading animation: one thread, no backlog to speak of
        )
        worker = build_worker(settings)
        db = worker.pool.get()
        load = Load(200)
        events = [json.loads(load.next_body()[1])["events"][0] for _ in range(args.events + WARM_UP)]
        inbox.store_events(db, inbox_rows(events))
        for _ in range(WARM_UP):
            worker.process_next()
        executed: list[str] = []  # classified afterwards: the trace callback adds little CPU
        db.conn.set_trace_callback(executed.append)
        profile = cProfile.Profile(time.thread_time) if args.profile else None
        started = time.thread_time()
        if profile:
            profile.enable()
        handled = sum(worker.process_next() for _ in range(args.events))
        if profile:
            profile.disable()
        cpu = time.thread_time() - started
        db.conn.set_trace_callback(None)
        statements = collections.Counter(statement_kind(sql) for sql in executed)
        replies = [r for r in fake_requests(fake.url) if r["path"] == "/v2/bot/message/reply"]
    finally:
        fake.stop()
    print(f"handled {handled} events; replies at the fake LINE API {len(replies)} (warm-up {WARM_UP} included)")
    print(f"CPU of the handling thread: {cpu / handled * 1e6:.0f} µs an event{' (under cProfile)' if profile else ''}")
    print(f"SQLite statements an event: {sum(statements.values()) / handled:.2f}")
    for sql, n in statements.most_common():
        print(f"  {n / handled:5.2f}  {sql}")
    if profile:
        stats = pstats.Stats(profile)  # CPU time of this thread, not wall time
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(r"/(bot|db)/", 30)
    return 0 if handled == args.events and len(replies) == args.events + WARM_UP else 1


if __name__ == "__main__":
    sys.exit(main())
