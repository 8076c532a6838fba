"""What one more SAO's content costs a process that already reads for one: memory and load time.

    python bench/content_per_sao.py            # 10 more copies of content/
    python bench/content_per_sao.py --sao 50

A hosted install serving many SAOs (issue 22) keeps, per SAO, its handbook with its search index
and the reader over that index (bot/understanding: the models, the sentence encoder and the
labelled neighbours are the same for every SAO and loaded once). This loads the shipped content
from N separate folders, as N SAOs would have it, each under its own name (profile.yaml, which
the handbook's texts and two of its titles take), reads one message with each, and reports the
resident memory and time each adds. What their handbooks and indexes have alike is held once
(bot/handbook/names.py, HandbookSearch._share_with_last; the texts interned by the loader). The goal
for a hosted install is under 5 MB per SAO in all, for every web worker together.
"""
from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sao", type=int, default=10, help="SAOs added after the first (default 10)")
    args = parser.parse_args(argv)
    from bot.handbook import HandbookStore
    from bot.understanding import load_shared, reader_for

    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / f"sao-{n}" for n in range(args.sao + 1)]
        for n, folder in enumerate(folders):
            shutil.copytree(ROOT / "content", folder)
            profile = folder / "profile.yaml"  # each SAO under a name of its own, as on a host
            profile.write_text(profile.read_text(encoding="utf-8").replace("คอนฉิม", f"ทดสอบที่{n + 1}"), encoding="utf-8")
        load_shared(Path(tmp) / "cache")  # what every SAO shares
        kept = []

        def add(folder: Path) -> None:
            store = HandbookStore(folder)
            reader = reader_for(store.current().index)
            reader.understand("ขอใบอนุญาตก่อสร้างต้องใช้เอกสารอะไรบ้างคะ")
            kept.append((store, reader))

        add(folders[0])  # the first SAO: also warms the caches every SAO uses
        gc.collect()
        before, start = rss_mib(), time.perf_counter()
        for folder in folders[1:]:
            add(folder)
        gc.collect()
        grown, took = rss_mib() - before, time.perf_counter() - start
    print(f"{args.sao} more SAOs' content: +{grown:.1f} MiB resident, {grown / args.sao:.2f} MiB "
          f"and {took / args.sao:.2f} s each (handbook, search index, reader)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
