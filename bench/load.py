"""Load and fault runs: signed webhooks at a set rate and mix against the web app as production
runs it, with LINE's own behaviour (redelivery of what was not acknowledged), faults injected
mid-run, and a reconciliation at the end.

    python bench/load.py --rate 300 --seconds 60                    # sustained load, no fault
    python bench/load.py --fault kill-web-worker --rate 100 --seconds 20
    python bench/load.py --fault all --rate 50 --seconds 10         # every fault, one after another

Virtual citizens talk to the bot like people do, one step after the reply to the last:
  question  — a handbook question as villagers type it (one event);
  survey    — a QR poster's "ประเมินบริการ [service]", five taps on the rating scale, a comment;
  complaint — "แจ้งเรื่อง", category and topic taps, a description, no photo, no location, confirm.
A new conversation starts at the rate that gives about --rate events per second in all.

Like LINE, the client redelivers an event that got no 200 (connection refused during a crash,
503 while the database is locked) with deliveryContext.isRedelivery = true, backing off
from 0.5 s to 8 s, for up to --redeliver-seconds.

Faults (--fault, at the middle of the run):
  kill-web-worker  kill -9 one gunicorn worker; the master starts another
  kill-web         kill -9 gunicorn (master and workers), start it again 2 s later
  kill-clock       a reminders pass for --staff registered groups on a busy day, kill -9 while it
                   sends, then run it again: every group gets its digest exactly once
  line-500         the fake LINE API answers three bursts of 25 sends with 500
  line-429         … with 429 (rate limited)
  line-timeout     the next 30 sends take longer than the sender's timeout (LINE still delivers)
  line-drop        the next 30 sends lose their connection unanswered (LINE never got them)
  db-locked        another process holds SQLite's write lock for 12 s (> the 10 s busy timeout)

The reconciliation: events sent = acknowledged = stored = processed; every acknowledged event
that should be answered got exactly one reply at the fake LINE API (missing, doubled);
ratings and tickets stored = conversations completed; for kill-clock, digests per group.
Prints a table and one JSON line; exit status 1 when anything is lost or doubled.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.webhook_bench import Process, children, free_port, percentile, start_fake_line  # noqa: E402
from bot.line.signature import sign  # noqa: E402

SECRET = "load-channel-secret"
TOKEN = "load-access-token"
FAULTS = ("kill-web-worker", "kill-web", "kill-clock", "line-500", "line-429", "line-timeout", "line-drop", "db-locked")
QUESTIONS = [
    "ขอเบี้ยคนแก่ต้องใช้เอกสารอะไรบ้างคะ", "เบียคนแกได้เดือนละกี่บาท", "เงินคนพิการยื่นที่ไหนครับ",
    "ภาษีบ้านจ่ายที่ไหน", "ขออนุญาตสร้างบ้านใช้เวลากี่วัน", "รถขยะมาวันไหนคะะะ 🙏", "ขอน้ำประปาเข้าบ้านทำไง",
    "น้ำท่วมบ้าน ขอความช่วยเหลือได้บ่", "เบอร์โทร อบต", "ลูก๒ขวบ เข้าศูนย์เด็กเล็กได้ไหม", "ทำบัตรประชาชนที่ไหน",
    "ติดป้ายร้านต้องเสียภาษีไหม", "จดทะเบียนพาณิชย์ค่าธรรมเนียมเท่าไหร่", "พรุ่งนี้ฝนตกไหม",
]
SERVICES = ["elderly-allowance", "disability-allowance", "waste-collection", "building-permit", "water-supply"]
COMPLAINTS = ["ไฟถนนหน้าบ้านดับมาสามวันแล้วค่ะ หมู่ 4", "ถนนเข้าหมู่บ้านเป็นหลุมใหญ่ รถล้มบ่อยครับ", "ขยะไม่มีคนมาเก็บสองอาทิตย์แล้ว"]
TICKET_NUMBER = re.compile(r"[A-Z]{1,5}-\d{4}-\d{5}")
REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"


# --- the processes of the Procfile ---------------------------------------------------------------


class Web:
    """`gunicorn -c gunicorn.conf.py "bot:create_app()"` (the web half of python -m bot serve), killable and restartable."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}", "PORT": str(self.port)}
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: Process | None = None
        self.start(settle=True)  # the run starts with every worker up (see Process.wait_until_settled)

    def start(self, settle: bool = False) -> float:
        """Start gunicorn; return the seconds until it answered (a restart's recovery time)."""
        started = time.monotonic()
        self.proc = Process(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bot:create_app()"], self.env, self.url, "/healthz",
            settle=settle,
        )
        return time.monotonic() - started

    def worker_pids(self) -> list[int]:
        return [int(pid) for pid in children(self.proc.proc.pid)]

    def kill_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        os.killpg(self.proc.proc.pid, signal.SIGKILL)
        self.proc.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


# --- what the fake LINE API received ---------------------------------------------------------------


class Inbox:
    """Follows /__fake__/requests and wakes whoever waits for a reply to a token."""

    def __init__(self, fake_url: str):
        self.fake_url = fake_url
        self.next = 0
        self.replies: dict[str, list[dict]] = {}  # reply token → successful reply requests
        self.pushes: dict[str, list[dict]] = {}  # recipient → successful pushes
        self.failed_sends = 0
        self.waiters: dict[str, asyncio.Future] = {}

    async def follow(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.poll(session)
            await asyncio.sleep(0.02)
        await self.poll(session)

    def catch_up(self) -> None:
        """Take what the fake received since the last look (after the run, without a session)."""
        import urllib.request

        with urllib.request.urlopen(f"{self.fake_url}/__fake__/requests?since={self.next}", timeout=30) as r:
            self.take_page(json.load(r))

    async def poll(self, session: aiohttp.ClientSession) -> None:
        async with session.get(f"{self.fake_url}/__fake__/requests", params={"since": self.next}) as r:
            self.take_page(await r.json())

    def take_page(self, data: dict) -> None:
        self.next = data["next"]
        for request in data["requests"]:
            self.take(request)

    def take(self, request: dict) -> None:
        if request["path"] not in (REPLY_PATH, PUSH_PATH):
            return
        if request["status"] != 200:
            self.failed_sends += 1
            return
        body = request["json"]
        if request["path"] == REPLY_PATH:
            token = body["replyToken"]
            self.replies.setdefault(token, []).append(request)
            waiter = self.waiters.pop(token, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(body["messages"])
        else:
            self.pushes.setdefault(body["to"], []).append(request)

    def wait_for(self, token: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        if token in self.replies:
            future.set_result(self.replies[token][0]["json"]["messages"])
        else:
            self.waiters[token] = future
        return future


# --- citizens ---------------------------------------------------------------------------------------


@dataclass
class Stats:
    http_ms: list[float] = field(default_factory=list)  # each POST that answered 200
    reply_ms: list[float] = field(default_factory=list)  # event first sent → its reply at the fake
    events: dict[str, dict] = field(default_factory=dict)  # webhookEventId → what happened
    redeliveries: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # status or error → count
    conversations: dict[str, int] = field(default_factory=dict)
    completed: dict[str, int] = field(default_factory=dict)
    stuck: dict[str, int] = field(default_factory=dict)
    rated: set[tuple[str, str]] = field(default_factory=set)  # (citizen, service) of completed surveys


class Citizens:
    def __init__(self, url: str, inbox: Inbox, session: aiohttp.ClientSession, stats: Stats, redeliver_seconds: float):
        self.url = url
        self.inbox = inbox
        self.session = session
        self.stats = stats
        self.redeliver_seconds = redeliver_seconds
        self.n = 0

    def _event(self, user: str, **content) -> dict:
        self.n += 1
        return {
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": user},
            "webhookEventId": f"LOAD{os.getpid():06d}{self.n:016d}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": f"{self.n:08d}{random.getrandbits(96):024x}",
            **content,
        }

    def text(self, user: str, text: str) -> dict:
        return self._event(user, type="message", message={"id": str(10**15 + self.n), "type": "text", "text": text, "quoteToken": "q"})

    def tap(self, user: str, data: str) -> dict:
        return self._event(user, type="postback", postback={"data": data})

    async def send(self, event: dict) -> list[dict] | None:
        """Deliver one event as LINE does (redelivering until acknowledged); return the bot's reply."""
        record = self.stats.events[event["webhookEventId"]] = {"token": event["replyToken"], "acked": False, "at": time.monotonic()}
        first = time.time()
        deadline = time.monotonic() + self.redeliver_seconds
        delay = 0.5
        while True:
            body = json.dumps({"destination": "Uload", "events": [event]}, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json", "X-Line-Signature": sign(SECRET, body)}
            started = time.perf_counter()
            try:
                async with self.session.post(self.url + "/callback", data=body, headers=headers) as r:
                    await r.read()
                    status = r.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                status = type(exc).__name__
            if status == 200:
                self.stats.http_ms.append((time.perf_counter() - started) * 1000)
                record["acked"] = True
                break
            self.stats.refused[str(status)] = self.stats.refused.get(str(status), 0) + 1
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
            event["deliveryContext"] = {"isRedelivery": True}
            self.stats.redeliveries += 1
        try:
            messages = await asyncio.wait_for(self.inbox.wait_for(event["replyToken"]), timeout=60)
        except asyncio.TimeoutError:
            return None
        self.stats.reply_ms.append((time.time() - first) * 1000)
        return messages

    async def converse(self, kind: str, user: str) -> None:
        self.stats.conversations[kind] = self.stats.conversations.get(kind, 0) + 1
        done = await getattr(self, "_" + kind)(user)
        bucket = self.stats.completed if done else self.stats.stuck
        bucket[kind] = bucket.get(kind, 0) + 1

    async def _question(self, user: str) -> bool:
        return await self.send(self.text(user, random.choice(QUESTIONS))) is not None

    async def _survey(self, user: str) -> bool:
        service = random.choice(SERVICES)
        reply = await self.send(self.text(user, f"ประเมินบริการ [{service}]"))
        done = await self._follow(user, reply, "ขอบคุณที่ประเมินบริการ", typed="บริการรวดเร็ว เจ้าหน้าที่ใจดีค่ะ 👍")
        if done:
            self.stats.rated.add((user, service))
        return done

    async def _complaint(self, user: str) -> bool:
        reply = await self.send(self.text(user, "แจ้งเรื่อง"))
        return await self._follow(user, reply, TICKET_NUMBER, typed=random.choice(COMPLAINTS))

    async def _follow(self, user: str, reply: list[dict] | None, done, typed: str, steps: int = 12) -> bool:
        """Answer the bot's questions: tap the first option it offers, or type when it asks for text."""
        for _ in range(steps):
            if reply is None:
                return False
            said = json.dumps(reply, ensure_ascii=False)
            if (done.search(said) if isinstance(done, re.Pattern) else done in said):
                return True
            option = _first_option(reply)
            if option is not None:
                reply = await self.send(self.tap(user, option))
            elif typed:
                reply, typed = await self.send(self.text(user, typed)), ""
            else:
                return False
        return False


def _first_option(messages: list[dict]) -> str | None:
    """The first step-forward button of the last message that offers buttons (menus excluded)."""
    for message in reversed(messages):
        actions = [i["action"] for i in (message.get("quickReply") or {}).get("items", [])]
        actions += (message.get("template") or {}).get("actions", [])
        postbacks = [a["data"] for a in actions if a.get("type") == "postback" and not a["data"].startswith("v1|menu|")]
        if postbacks:
            return postbacks[0]
        if actions:
            return None
    return None


async def drive(citizens: Citizens, rate: float, seconds: float, mix: dict[str, float], users: int, stop: asyncio.Event) -> None:
    """Start conversations at the rate that gives about `rate` events per second."""
    events_per = {"question": 1, "survey": 7, "complaint": 7}
    mean = sum(mix[k] * events_per[k] for k in mix) / sum(mix.values())
    interval = mean / rate
    kinds, weights = zip(*mix.items())
    pool = [f"U{n:032x}" for n in range(1, users + 1)]
    busy: set[str] = set()
    tasks = []
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < seconds:
        target = started + n * interval
        now = time.monotonic()
        if now < target:
            await asyncio.sleep(target - now)
        free = [u for u in random.sample(pool, min(len(pool), 20)) if u not in busy]
        if free:
            user = free[0]
            busy.add(user)  # one conversation per person at a time, as people do
            task = asyncio.create_task(citizens.converse(random.choices(kinds, weights)[0], user))
            task.add_done_callback(lambda _t, u=user: busy.discard(u))
            tasks.append(task)
        n += 1
    await asyncio.gather(*tasks)
    stop.set()


# --- faults ------------------------------------------------------------------------------------------


def hold_write_lock(db_path: Path, seconds: float) -> subprocess.Popen:
    code = (
        "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None);"
        "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(float(sys.argv[2])); c.execute('ROLLBACK')"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(db_path), str(seconds)], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    return proc


def fake_faults(fake_url: str, commands: dict) -> None:
    import urllib.request

    request = urllib.request.Request(
        fake_url + "/__fake__/faults", data=json.dumps(commands).encode(), headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=10).read()


class ClockRun:
    """kill-clock: a reminders pass on a busy day for many registered groups, killed mid-send."""

    BUSY_DAY = "2027-04-12T09:00+07:00"

    def __init__(self, db_path: Path, env: dict, groups: int):
        self.env = env
        self.groups = [f"C{n:032x}" for n in range(1, groups + 1)]
        from db import open_database, staff, transaction

        db = open_database(db_path)
        divisions = ["palad", "finance", "engineering", "education", "welfare", "health", "audit"]
        with transaction(db):
            for i, group in enumerate(self.groups):
                staff.register(db, chat_key=f"group:{group}", kind="group", line_id=group,
                               division_id=divisions[i % len(divisions)], role="staff", registered_by=None)
        db.close()

    def tick(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "scheduler", "tick", "--now", self.BUSY_DAY], cwd=ROOT, env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )


def inject(fault: str, web: Web, fake: Process, db_path: Path, clock: ClockRun | None, log: dict) -> None:
    """Runs in a thread at the middle of the run."""
    at = time.monotonic()
    log["fault_at"] = round(at, 3)
    if fault == "kill-web-worker":
        log["killed_pid"] = web.kill_worker()
    elif fault == "kill-web":
        web.kill_all()
        time.sleep(2)
        log["restart_seconds"] = round(web.start(), 2)
    elif fault in ("line-500", "line-429"):
        # Three bursts of refusals, a second apart: every send in them fails.
        for _ in range(3):
            fake_faults(fake.url, {"fail_next": {"n": 25, "status": int(fault[-3:]), "path_prefix": "/v2/bot/message/"}})
            time.sleep(1)
    elif fault == "line-timeout":
        fake_faults(fake.url, {"delay_next": {"n": 30, "seconds": 12, "path_prefix": "/v2/bot/message/"}})
    elif fault == "line-drop":
        fake_faults(fake.url, {"drop_next": {"n": 30, "path_prefix": "/v2/bot/message/"}})
    elif fault == "db-locked":
        hold_write_lock(db_path, 12).wait()
    elif fault == "kill-clock":
        first = clock.tick()
        # Kill it while it is sending: as soon as the fake has some of its pushes.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _pushes_so_far(fake.url) < max(1, len(clock.groups) // 4):
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        log["clock_pushes_before_kill"] = _pushes_so_far(fake.url)
        again = clock.tick()
        again.wait(120)
        log["clock_second_run_rc"] = again.returncode
    log["fault_seconds"] = round(time.monotonic() - at, 2)


def _pushes_so_far(fake_url: str) -> int:
    import urllib.request

    with urllib.request.urlopen(fake_url + "/__fake__/deliveries", timeout=30) as r:
        return sum(1 for d in json.load(r)["deliveries"] if d["path"] == PUSH_PATH)


# --- one run -----------------------------------------------------------------------------------------


def reconcile(db_path: Path, stats: Stats, inbox: Inbox, clock: ClockRun | None, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    conn = sqlite3.connect(db_path, timeout=30)
    while time.monotonic() < deadline:
        unfinished = conn.execute("SELECT count(*) FROM inbox WHERE status IN ('pending','processing','handled')").fetchone()[0]
        # Messages still to go out: retries backing off, or a push that a killed process had
        # claimed (taken over by the web's sweeper when its lease runs out).
        unsent = conn.execute("SELECT count(*) FROM outbox WHERE status IN ('pending','sending')").fetchone()[0]
        if unfinished == unsent == 0:
            break
        time.sleep(0.5)
    inbox.catch_up()
    ids = [e for e, r in stats.events.items() if r["acked"]]
    conn.execute("CREATE TEMP TABLE sent (id TEXT PRIMARY KEY)")
    conn.executemany("INSERT INTO sent VALUES (?)", [(i,) for i in stats.events])
    stored = conn.execute("SELECT count(DISTINCT webhook_event_id) FROM inbox WHERE webhook_event_id IN (SELECT id FROM sent)").fetchone()[0]
    rows = conn.execute("SELECT count(*) FROM inbox WHERE webhook_event_id IN (SELECT id FROM sent)").fetchone()[0]
    processed = conn.execute(
        "SELECT count(*) FROM inbox WHERE webhook_event_id IN (SELECT id FROM sent) AND status IN ('done','skipped')"
    ).fetchone()[0]
    failed = conn.execute("SELECT count(*) FROM inbox WHERE webhook_event_id IN (SELECT id FROM sent) AND status = 'failed'").fetchone()[0]
    outbox = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    ratings = conn.execute("SELECT count(*) FROM service_ratings").fetchone()[0]
    tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    conn.close()
    tokens = [stats.events[i]["token"] for i in ids]
    out = {
        "sent": len(stats.events),
        "acknowledged": len(ids),
        "stored": stored,
        "stored_rows": rows,
        "processed": processed,
        "failed": failed,
        "replied": sum(1 for t in tokens if t in inbox.replies),
        "missing": sum(1 for t in tokens if t not in inbox.replies),
        "doubled": sum(1 for t in tokens if len(inbox.replies.get(t, [])) > 1),
        "outbox": outbox,
        "ratings": ratings,
        "tickets": tickets,
        # One rating per citizen per service per day: a second one replaces the first.
        "surveys_completed": len(stats.rated),
        "complaints_completed": stats.completed.get("complaint", 0),
    }
    if clock is not None:
        # Digests only (new tickets are also announced to these groups): a digest push carries
        # its outbox row's fixed X-Line-Retry-Key.
        conn = sqlite3.connect(db_path, timeout=30)
        digest_keys = {key for (key,) in conn.execute("SELECT retry_key FROM outbox WHERE purpose = 'reminder-digest'")}
        conn.close()
        per_group = [
            sum(1 for push in inbox.pushes.get(g, []) if push["headers"].get("x-line-retry-key") in digest_keys)
            for g in clock.groups
        ]
        out["clock_groups"] = len(clock.groups)
        out["clock_digests"] = sum(per_group)
        out["clock_missing"] = sum(1 for n in per_group if n == 0)
        out["clock_doubled"] = sum(1 for n in per_group if n > 1)
    return out


def healthy(rec: dict) -> bool:
    ok = (
        rec["sent"] == rec["acknowledged"] == rec["stored"] == rec["stored_rows"] == rec["processed"] == rec["replied"]
        and rec["missing"] == rec["doubled"] == rec["failed"] == 0
        and rec["ratings"] == rec["surveys_completed"]
        and rec["tickets"] == rec["complaints_completed"]
    )
    if "clock_groups" in rec:
        ok = ok and rec["clock_missing"] == rec["clock_doubled"] == 0
    return ok


async def _run_load(web: Web, fake: Process, db_path: Path, args, fault: str | None, clock: ClockRun | None) -> tuple[Stats, Inbox, dict]:
    stats = Stats()
    inbox = Inbox(fake.url)
    log: dict = {}
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512), timeout=timeout) as session:
        await inbox.poll(session)
        inbox.next = inbox.next  # start after whatever came before
        citizens = Citizens(web.url, inbox, session, stats, args.redeliver_seconds)
        follower = asyncio.create_task(inbox.follow(session, stop))
        injector = None
        if fault:
            loop = asyncio.get_running_loop()
            injector = loop.call_later(
                args.seconds / 2,
                lambda: threading.Thread(target=inject, args=(fault, web, fake, db_path, clock, log), daemon=True).start(),
            )
        started = time.monotonic()
        log["started"] = started
        await drive(citizens, args.rate, args.seconds, args.mix, args.users, stop)
        log["elapsed"] = round(time.monotonic() - started, 2)
        await follower
        if injector is not None:
            deadline = time.monotonic() + 180
            while "fault_seconds" not in log and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
        await inbox.poll(session)
    return stats, inbox, log


def run_one(args, fault: str | None) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="load-"))
    db_path = tmp / "bot.sqlite3"
    fake = start_fake_line(token=TOKEN)
    env = {
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_BASE_URL": fake.url,
        "SECRET_KEY": "load",
        "DATABASE_PATH": str(db_path),
        # A crashed worker's claims are taken over after this (production default: 30 s).
        "INBOX_LEASE_SECONDS": "5",
    }
    web = None
    try:
        web = Web(env)
        clock = ClockRun(db_path, env, args.staff) if fault == "kill-clock" else None
        stats, inbox, log = asyncio.run(_run_load(web, fake, db_path, args, fault, clock))
        # Let the sweeper finish retries (429/500 back off up to a minute) before counting.
        time.sleep(1)
        rec = reconcile(db_path, stats, inbox, clock, timeout=args.settle_seconds)
        events = len(stats.events)
        http = stats.http_ms
        result = {
            "fault": fault or "none",
            "rate": args.rate,
            "seconds": args.seconds,
            # While conversations were being started; the rest of the run waits for the last
            # of them to finish, one step per reply, as people do.
            "events_per_second": round(
                sum(1 for e in stats.events.values() if e["at"] < log["started"] + args.seconds) / args.seconds, 1
            ),
            "events_per_second_overall": round(events / max(log.get("elapsed", args.seconds), 1e-9), 1),
            "http_p50_ms": round(percentile(http, 50), 2),
            "http_p95_ms": round(percentile(http, 95), 2),
            "http_p99_ms": round(percentile(http, 99), 2),
            "reply_p50_ms": round(percentile(stats.reply_ms, 50), 1),
            "reply_p99_ms": round(percentile(stats.reply_ms, 99), 1),
            "refused": stats.refused,
            "redeliveries": stats.redeliveries,
            "send_errors_at_line": inbox.failed_sends,
            "conversations": stats.conversations,
            "stuck": stats.stuck,
            **{k: v for k, v in log.items() if k not in ("fault_at", "elapsed", "started")},
            **rec,
        }
        result["ok"] = healthy(rec) and not stats.stuck
        return result
    finally:
        if web is not None:
            web.stop()
        fake.stop()


def parse_mix(text: str) -> dict[str, float]:
    mix = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        if name not in ("question", "survey", "complaint"):
            raise argparse.ArgumentTypeError(f"unknown conversation kind {name!r}")
        mix[name] = float(weight or 1)
    return mix


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=300, help="events per second (default 300)")
    parser.add_argument("--seconds", type=float, default=60, help="how long to start new conversations")
    parser.add_argument("--mix", type=parse_mix, default=parse_mix("question=70,survey=20,complaint=10"))
    parser.add_argument("--users", type=int, default=5000, help="distinct citizens")
    parser.add_argument("--fault", choices=("none", "all", *FAULTS), default="none")
    parser.add_argument("--staff", type=int, default=60, help="registered staff groups for kill-clock")
    parser.add_argument("--redeliver-seconds", type=float, default=120, help="how long the client redelivers an event")
    parser.add_argument("--settle-seconds", type=float, default=180, help="how long to wait for the backlog at the end")
    args = parser.parse_args(argv)
    faults = list(FAULTS) if args.fault == "all" else [None if args.fault == "none" else args.fault]
    results = [run_one(args, fault) for fault in faults]
    print(f"{'fault':16}{'ev/s':>7}{'p50':>7}{'p99':>8}{'sent':>7}{'stored':>7}{'done':>7}{'replied':>8}{'miss':>5}{'dbl':>5}  other")
    for r in results:
        other = f"refused {r['refused']} redelivered {r['redeliveries']}; LINE sends failed {r['send_errors_at_line']}"
        if "clock_groups" in r:
            other += f"; clock: {r['clock_digests']} digests for {r['clock_groups']} groups, missing {r['clock_missing']}, doubled {r['clock_doubled']}"
        if "restart_seconds" in r:
            other += f"; restart {r['restart_seconds']} s"
        print(
            f"{r['fault']:16}{r['events_per_second']:>7.0f}{r['http_p50_ms']:>7.1f}{r['http_p99_ms']:>8.1f}{r['sent']:>7}"
            f"{r['stored']:>7}{r['processed']:>7}{r['replied']:>8}{r['missing']:>5}{r['doubled']:>5}  {other}"
            f"{'' if r['ok'] else '  <-- NOT RECONCILED'}"
        )
    print("JSON " + json.dumps(results, ensure_ascii=False))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
