"""Webhook benchmark: the bot under gunicorn (Procfile config) vs a bare signature-checking endpoint.

    python bench/webhook_bench.py [--seconds 5] [--rounds 3] [--rate 300] [--rate-seconds 10]
                                  [--concurrency 16] [--users 200]

Four apps run side by side with the same gunicorn.conf.py, against the fake LINE API
(python -m fakeline) in its own process: the bare endpoint; the bot with worker threads in
the web process (the Procfile's default); the bot with a separate `python -m bot work`
process; and the webhook alone (events stored and acknowledged, handled afterwards),
like-for-like with the bare endpoint.
  1. Closed loop, in `rounds` rounds: in each, every app in turn gets `concurrency` clients
     sending signed one-event requests back to back for `seconds`: the most events per
     second it takes. The order is reversed every other round, and an app's backlog is
     handled before the next app's turn. Ratios to bare are per round, then the median.
  2. Open loop at a fixed `rate` (events/s) for `rate_seconds`, one app at a time: HTTP
     answer p50/p95/p99 at that load and, for the bot, the time from sending an event to
     its reply reaching the fake LINE server.
Then it reconciles each bot's run: events sent = stored = processed, replies = events,
none doubled. Prints a table and a JSON line (for notes and CI logs).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.line.signature import sign  # noqa: E402

SECRET = "bench-channel-secret"
TOKEN = "bench-access-token"
QUESTIONS = ["ติดต่อ อบต. ค่ะ", "เบอร์โทรครับ", "ข้อมูลส่วนบุคคล", "ยกเลิก", "สวัสดีค่าาา 🙏", "ขอเบี้ยคนแก่ทำยังไงคะ"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def children(pid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [p for p in found if Path(f"/proc/{p}/stat").exists()]


def cpu_seconds(pid: str) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Process:
    def __init__(self, args: list[str], env: dict, url: str, health: str, settle: bool = False, start_seconds: float = 30):
        self.url = url
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + start_seconds
        import urllib.request

        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + health, timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"{args} did not start")
        if settle:
            self.wait_until_settled(deadline)

    def wait_until_settled(self, deadline: float) -> None:
        """Wait until every child (gunicorn worker) has finished starting: its CPU time stands still.

        /healthz answers as soon as the first worker is up. A load that starts then puts
        all its keep-alive connections on that worker and leaves the others idle for the
        whole run: the measure would depend on start-up speed, not on the app.
        """
        previous: dict[str, float] = {}
        while time.monotonic() < deadline:
            now = {pid: cpu_seconds(pid) for pid in children(self.proc.pid)}
            if now and previous.keys() == now.keys() and all(now[p] - previous[p] < 0.02 for p in now):
                return
            previous = now
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def gunicorn(app_spec: str, env: dict, start_seconds: float = 30) -> Process:
    port = free_port()
    env = {**env, "BIND": f"127.0.0.1:{port}", "PORT": str(port)}
    return Process(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app_spec], env, f"http://127.0.0.1:{port}", "/healthz",
        settle=True, start_seconds=start_seconds,
    )


def start_fake_line(threads: int = 16, token: str = TOKEN) -> Process:
    """The fake LINE API under gunicorn, in its own process: one worker (its state is in
    memory) whose threads keep connections alive as LINE's servers do."""
    port = free_port()
    return Process(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "fakeline.app:create_standalone_app()"],
        {"FAKE_LINE_TOKEN": token, "FAKE_LINE_QUOTA": "100000000"},
        f"http://127.0.0.1:{port}",
        "/__fake__/deliveries",
    )


class Load:
    """Builds signed one-event webhook requests and records what happened to each."""

    def __init__(self, users: int, tag: str = ""):
        self.users = [f"U{n:032x}" for n in range(1, users + 1)]
        self.tag = tag  # starts every reply token: loads sharing one fake LINE API never collide
        self.n = 0
        self.sent: dict[str, float] = {}  # reply token → send time
        self.latencies: list[float] = []
        self.errors = 0

    def next_body(self) -> tuple[str, bytes]:
        self.n += 1
        token = f"{self.tag}{self.n:0{32 - len(self.tag)}x}"
        event = {
            "type": "message",
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": self.users[self.n % len(self.users)]},
            "webhookEventId": f"BENCH{self.n:021d}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": token,
            "message": {"id": str(self.n), "type": "text", "text": QUESTIONS[self.n % len(QUESTIONS)], "quoteToken": "q"},
        }
        return token, json.dumps({"destination": "Ubench", "events": [event]}, ensure_ascii=False).encode()

    def route(self, token: str) -> tuple[str, str]:
        """The webhook's path and the channel secret the event is signed with."""
        return "/callback", SECRET

    async def send_one(self, session: aiohttp.ClientSession, url: str) -> None:
        token, body = self.next_body()
        path, secret = self.route(token)
        headers = {"Content-Type": "application/json", "X-Line-Signature": sign(secret, body)}
        started = time.perf_counter()
        self.sent[token] = time.time()
        try:
            async with session.post(url + path, data=body, headers=headers) as response:
                await response.read()
                ok = response.status == 200
        except aiohttp.ClientError:
            ok = False
        if ok:
            self.latencies.append(time.perf_counter() - started)
        else:
            self.errors += 1


async def closed_loop(url: str, load: Load, seconds: float, concurrency: int) -> float:
    """Events per second answered 200 in this run (the load may carry earlier runs')."""
    before = len(load.latencies)
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def client():
            while time.monotonic() < deadline:
                await load.send_one(session, url)

        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return (len(load.latencies) - before) / (time.monotonic() - started)


async def open_loop(url: str, load: Load, seconds: float, rate: float) -> float:
    interval = 1.0 / rate
    tasks = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        started = time.monotonic()
        n = 0
        while (now := time.monotonic()) - started < seconds:
            target = started + n * interval
            if now < target:
                await asyncio.sleep(target - now)
            tasks.append(asyncio.create_task(load.send_one(session, url)))
            n += 1
        await asyncio.gather(*tasks)
        return n / (time.monotonic() - started)


def summary(load: Load) -> dict:
    ms = [x * 1000 for x in load.latencies]
    return {
        "ok": len(ms),
        "errors": load.errors,
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
    }


def fake_requests(fake_url: str) -> list[dict]:
    import urllib.request

    with urllib.request.urlopen(fake_url + "/__fake__/requests", timeout=30) as r:
        data = json.load(r)
    return data["requests"] if isinstance(data, dict) else data


def _connection(database):
    """A database to look into: a SQLite file's path, or a function that opens one (an SAO's
    PostgreSQL schema: bench/tenants_bench.py --postgres)."""
    if callable(database):
        return database()
    import sqlite3

    return sqlite3.connect(database)


def wait_until_handled(database, timeout: float = 300) -> None:
    """Wait until every event in the inbox is finished (handled and answered, or skipped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = _connection(database)
        try:
            if not conn.execute("SELECT 1 FROM inbox WHERE status IN ('pending','processing','handled') LIMIT 1").fetchone():
                return
        finally:
            conn.close()
        time.sleep(0.3)


def replies_to(fake_url: str, load: Load) -> dict[str, list[tuple[float, str]]]:
    """This load's replies at the fake LINE API (it may be shared): reply token → the time and the
    Authorization header of each delivery of it."""
    found: dict[str, list[tuple[float, str]]] = {}
    for r in fake_requests(fake_url):
        if r["path"] == "/v2/bot/message/reply" and r["status"] == 200 and r["json"]["replyToken"] in load.sent:
            found.setdefault(r["json"]["replyToken"], []).append((r["time"], r["headers"].get("authorization", "")))
    return found


def reconcile(fake_url: str, databases: list, load: Load, timeout: float = 120,
              access_token_of: dict[str, str] | None = None) -> dict:
    """Wait until the bot has answered everything, then count this load's events (by their reply
    tokens' tag) in its databases (SQLite paths, or functions that open one: _connection).
    access_token_of: reply token → the channel token its reply must carry (a hosted install's
    SAOs: bench/tenants_bench.py)."""
    from collections import Counter

    for database in databases:
        wait_until_handled(database, timeout)
    stored = processed = 0
    outbox_status: Counter = Counter()
    mine = f'%"replyToken": "{load.tag}%'  # not another load's events in the same database (a warm-up's)
    for database in databases:
        conn = _connection(database)
        try:
            stored += conn.execute("SELECT count(*) FROM inbox WHERE payload LIKE ?", [mine]).fetchone()[0]
            processed += conn.execute("SELECT count(*) FROM inbox WHERE status = 'done' AND payload LIKE ?",
                                      [mine]).fetchone()[0]
            outbox_status.update(dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()))
        finally:
            conn.close()
    replies = replies_to(fake_url, load)
    delays = [(times[0][0] - load.sent[token]) * 1000 for token, times in replies.items()]
    return {
        "sent": len(load.latencies),
        "stored": stored,
        "processed": processed,
        "replies": len(replies),
        "doubled": sum(1 for times in replies.values() if len(times) > 1),
        "missing": len([t for t in load.sent if t not in replies]),
        "wrong_channel": sum(1 for token, times in replies.items()
                             if access_token_of is not None and times[0][1] != f"Bearer {access_token_of[token]}"),
        "outbox": dict(outbox_status),
        "reply_p50_ms": round(percentile(delays, 50), 1),
        "reply_p99_ms": round(percentile(delays, 99), 1),
    }


APPS = ("bare", "bot", "bot_split", "accept")


def run(args) -> dict:
    """All four apps run side by side and take turns under the closed loop, round after
    round, the order reversed every other round. This machine's speed swings by up to two
    times within an hour (the bare endpoint measured 1,800 and 3,500 events/s on one
    afternoon), so each app is compared with the bare endpoint of the same round, and the
    ratios reported are the median of the rounds'."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    fake = start_fake_line()
    env = {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": fake.url,
        "SECRET_KEY": "bench",
    }
    results: dict = {
        "seconds": args.seconds, "rounds": args.rounds, "rate_seconds": args.rate_seconds,
        "concurrency": args.concurrency, "rate": args.rate, "cpus": os.cpu_count(),
    }
    db = {name: tmp / f"{name}.sqlite3" for name in APPS}
    apps: dict[str, Process] = {}
    work = None
    try:
        apps["bare"] = gunicorn("bench.bare_app:create_bare_app()", {**env, "DATABASE_PATH": str(db["bare"])})
        apps["bot"] = gunicorn("bot:create_app()", {**env, "DATABASE_PATH": str(db["bot"])})
        split_env = {**env, "DATABASE_PATH": str(db["bot_split"]), "WORKER_THREADS": "0"}
        apps["bot_split"] = gunicorn("bot:create_app()", split_env)
        # Handling in its own lower-priority process: python -m bot work (see README).
        work = subprocess.Popen(
            [sys.executable, "-m", "bot", "work", "--nice", "10"], cwd=ROOT, env={**os.environ, **split_env, "WORKER_THREADS": "4"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        # The webhook alone: events are stored and acknowledged with no handling during the
        # run (like-for-like with the bare endpoint); a worker process drains them at the end.
        apps["accept"] = gunicorn("bot:create_app()", {**env, "DATABASE_PATH": str(db["accept"]), "WORKER_THREADS": "0"})
        # Each app its own reply tokens: the fake LINE API is shared and accepts a token once.
        loads = {name: Load(args.users, tag=f"{i}") for i, name in enumerate(APPS)}
        rounds: list[dict] = []
        for r in range(args.rounds):
            eps = {}
            for name in APPS if r % 2 == 0 else APPS[::-1]:
                eps[name] = round(asyncio.run(closed_loop(apps[name].url, loads[name], args.seconds, args.concurrency)), 1)
                if name in ("bot", "bot_split"):  # its handling must take no CPU from the next turn
                    wait_until_handled(db[name])
            rounds.append(eps)
        results["rounds_eps"] = rounds
        for name in APPS:
            results[f"{name}_max_eps"] = round(statistics.median(r[name] for r in rounds), 1)
            results[f"{name}_max"] = summary(loads[name])
        for name, key in (("accept", "accept_ratio"), ("bot", "throughput_ratio"), ("bot_split", "split_throughput_ratio")):
            results[key] = round(statistics.median(r[name] / r["bare"] for r in rounds), 2)
        # The open loop at the set rate, one app at a time.
        for name in ("bare", "bot", "bot_split"):
            closed = loads[name]
            load = Load(args.users, tag=closed.tag)
            load.n = closed.n  # fresh reply tokens and event IDs
            results[f"{name}_rate_eps"] = round(asyncio.run(open_loop(apps[name].url, load, args.rate_seconds, args.rate)), 1)
            results[f"{name}_rate"] = summary(load)
            if name == "bare":
                continue
            rate_only = reconcile(fake.url, [db[name]], load)
            results[f"{name}_rate_reply_p50_ms"] = rate_only["reply_p50_ms"]
            results[f"{name}_rate_reply_p99_ms"] = rate_only["reply_p99_ms"]
            merged = Load(args.users, tag=closed.tag)
            merged.sent = {**closed.sent, **load.sent}
            merged.latencies = closed.latencies + load.latencies
            results[f"{name}_reconcile"] = reconcile(fake.url, [db[name]], merged)
        for name in APPS:
            apps.pop(name).stop()
        started = time.monotonic()
        drain = subprocess.Popen(
            [sys.executable, "-m", "bot", "work", "--nice", "0"],
            cwd=ROOT, env={**os.environ, **env, "DATABASE_PATH": str(db["accept"]), "WORKER_THREADS": "4"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            rec = reconcile(fake.url, [db["accept"]], loads["accept"], timeout=600)
            results["drain_eps"] = round(rec["processed"] / (time.monotonic() - started), 1)
            results["accept_reconcile"] = rec
        finally:
            os.killpg(drain.pid, signal.SIGTERM)
            drain.wait(15)
    finally:
        for app in apps.values():
            app.stop()
        if work is not None:
            os.killpg(work.pid, signal.SIGTERM)
            work.wait(15)
        fake.stop()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="each app's turn in a round of the closed loop")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=300, help="events per second for the open-loop run")
    parser.add_argument("--rate-seconds", type=float, default=10)
    parser.add_argument("--users", type=int, default=200, help="distinct LINE users the events come from")
    args = parser.parse_args(argv)
    r = run(args)
    print(
        f"machine: {r['cpus']} CPUs; closed loop {args.concurrency} clients, {args.rounds} rounds of {args.seconds:g} s an app; "
        f"open loop {args.rate:g} events/s for {args.rate_seconds:g} s"
    )
    print("closed loop, events/s in each round: " + "; ".join(
        ", ".join(f"{name} {eps:.0f}" for name, eps in one.items()) for one in r["rounds_eps"]
    ))
    print(f"{'(max: median of the rounds)':34}{'events/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    rows = [("bare signature check, max", "bare_max"), (f"bare, at {args.rate:.0f}/s", "bare_rate")]
    for name, label in [("bot", "bot (worker threads in web)"), ("bot_split", "bot + separate worker process")]:
        rows += [(f"{label}, max", f"{name}_max"), (f"{label}, at {args.rate:.0f}/s", f"{name}_rate")]
    rows.append(("webhook only (handling deferred)", "accept_max"))
    for label, key in rows:
        s = r[key]
        print(f"{label:34}{r[key + '_eps']:>10.1f}{s['p50_ms']:>9.2f}{s['p95_ms']:>9.2f}{s['p99_ms']:>9.2f}{s['errors']:>8}")
    ok = True
    for name in ("bot", "bot_split"):
        rec = r[f"{name}_reconcile"]
        ratio = r["throughput_ratio" if name == "bot" else "split_throughput_ratio"]
        print(
            f"{name}: max throughput {ratio:.2f}x bare (median of the rounds' ratios); webhook → reply at the fake LINE API at {args.rate:.0f}/s: "
            f"p50 {r[name + '_rate_reply_p50_ms']} ms, p99 {r[name + '_rate_reply_p99_ms']} ms"
        )
        print(
            f"{name}: reconciliation: sent {rec['sent']}, stored {rec['stored']}, processed {rec['processed']}, "
            f"replies {rec['replies']}, missing {rec['missing']}, doubled {rec['doubled']}, outbox {rec['outbox']}"
        )
        ok = ok and rec["sent"] == rec["stored"] == rec["processed"] == rec["replies"] and not rec["doubled"] and not rec["missing"]
    rec = r["accept_reconcile"]
    print(
        f"webhook only: {r['accept_ratio']:.2f}x bare (median of the rounds' ratios); then one worker process (4 threads) drained the backlog at "
        f"{r['drain_eps']} events/s (start-up included): processed {rec['processed']} of {rec['sent']}, "
        f"replies {rec['replies']}, doubled {rec['doubled']}"
    )
    ok = ok and rec["sent"] == rec["processed"] == rec["replies"] and not rec["doubled"]
    print("JSON " + json.dumps(r, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
