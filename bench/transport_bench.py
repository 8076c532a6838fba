"""CPU of one reply's HTTP request: the sender's transport against the SDK's urllib3 pool.

    python bench/transport_bench.py [--requests 500] [--rounds 6]

Posts the same reply (a Thai text with eight quick-reply buttons, as the bot's menus are)
to the fake LINE API (its own process, as in the other benchmarks) through
bot/line/transport.py's JsonPoster and through the urllib3 pool manager of the SDK's
ApiClient, which the sender used before. The two take turns in rounds, so a change in the
machine's speed falls on both; prints this thread's CPU per request in each round and
the medians.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.webhook_bench import TOKEN, start_fake_line  # noqa: E402
from bot.line.transport import JsonPoster  # noqa: E402

MESSAGES = [
    {
        "type": "text",
        "text": "สวัสดีค่ะ อบต.คอนฉิม ยินดีให้บริการ เลือกเรื่องที่ต้องการสอบถามได้เลยค่ะ 🙏",
        "quickReply": {
            "items": [
                {"type": "action", "action": {"type": "message", "label": f"เรื่องที่ {i}", "text": f"เรื่องที่ {i}"}}
                for i in range(1, 9)
            ]
        },
    }
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500, help="requests a round, for each")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    fake = start_fake_line(4)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    poster = JsonPoster(fake.url, headers, timeout=10)
    pool = urllib3.PoolManager(retries=False)  # as the SDK's ApiClient builds it, retries off as the sender sets
    pool_headers = {**headers, "Content-Type": "application/json", "Accept": "application/json"}
    sent = 0

    def body() -> bytes:
        nonlocal sent
        sent += 1
        return json.dumps({"replyToken": f"{sent:032x}", "messages": MESSAGES}, ensure_ascii=False, separators=(",", ":")).encode()

    ways = {
        "http.client (JsonPoster)": lambda: poster.post("/v2/bot/message/reply", body()).status,
        "urllib3 pool manager": lambda: pool.request(
            "POST", fake.url + "/v2/bot/message/reply", body=body(), headers=pool_headers, timeout=urllib3.Timeout(total=10)
        ).status,
    }
    per_round: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for send in ways.values():  # warm up: connections, imports
            for _ in range(50):
                assert send() == 200
        for r in range(args.rounds):
            for name in ways if r % 2 == 0 else list(ways)[::-1]:
                started = time.thread_time()
                for _ in range(args.requests):
                    if ways[name]() != 200:
                        raise SystemExit(f"{name}: the fake LINE API refused a reply")
                per_round[name].append((time.thread_time() - started) / args.requests * 1e6)
    finally:
        fake.stop()
    for name, values in per_round.items():
        print(f"{name:28} µs of CPU a request: median {statistics.median(values):.0f}  rounds {[round(v) for v in values]}")
    a, b = (statistics.median(v) for v in per_round.values())
    print(f"ratio {a / b:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
