"""Many SAOs from one install (bot/hosting) against one SAO alone: memory, start-up, latency.

    python bench/tenants_bench.py [--tenants 20] [--rate 50] [--seconds 20] [--postgres]

Three installs run side by side under gunicorn with the Procfile's config (gunicorn.conf.py),
against one fake LINE API (python -m fakeline, any token) in its own process:
  - a hosted install with one tenant, and one with N tenants (`bot.hosting.app:create_hosted_app()`);
  - a single-SAO install (`bot:create_app()`), as every SAO runs today.
Measured:
  1. start-up: the time until every worker answers, and the time to add a tenant (its content
     checked, its database made);
  2. memory: the resident memory of the web workers once every tenant has answered a message
     (its content, search index and reader loaded), the N-tenant install against the one-tenant
     install: the memory one more SAO costs;
  3. idle CPU: what the workers spend in 10 s with no traffic, once every SAO has been quiet for a minute;
  4. latency: an open loop at `rate` events/s for `seconds`, spread over the tenants, then the
     same load on the single-SAO install: the webhook's answer p50/p99 and the reply's arrival
     at the fake LINE p50/p99, as ratios in the same run; then every event is reconciled (sent =
     stored = processed = replies, none doubled) in each tenant's own database.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.hosting.workers import ACTIVE_SECONDS  # noqa: E402
from bench.webhook_bench import (  # noqa: E402
    SECRET, Load, children, cpu_seconds, gunicorn, open_loop, reconcile, start_fake_line, summary, wait_until_handled,
)


def rss_mib(pid: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers_rss(process) -> float:
    return sum(rss_mib(pid) for pid in children(process.proc.pid))


def workers_cpu(process) -> float:
    return sum(cpu_seconds(pid) for pid in children(process.proc.pid))


def make_host(folder: Path, n: int, fake_url: str, postgres=None) -> tuple[dict, list[str], float]:
    """A hosted install's data folder with n tenants; its environment, slugs and seconds per tenant added.
    With `postgres` (a tests/postgres_server.PostgresServer), the SAOs' data is in a database of
    its own there, a schema each (DATABASE_URL), instead of a file each."""
    from bot.config import load_settings
    from bot.hosting.cli import add_tenant
    from bot.hosting.registry import Tenant, TenantRegistry

    env = {"DATA_DIR": str(folder), "LINE_API_BASE_URL": fake_url, "SECRET_KEY": "bench"}
    if postgres is not None:
        url = postgres.create_database(f"bench_{folder.name}")
        env.update(DATABASE_URL=url, DATABASE_ADMIN_URL=postgres.url(f"bench_{folder.name}", user="postgres"))
    host = load_settings(env)
    registry = TenantRegistry.for_settings(host)
    slugs = [f"sao-{i:03d}" for i in range(n)]
    started = time.perf_counter()
    for slug in slugs:
        add_tenant(host, registry, Tenant(slug, f"อบต.ทดสอบ {slug}", f"secret-{slug}", f"token-{slug}"),
                   district="แวงใหญ่", province="ขอนแก่น")
    return env, slugs, (time.perf_counter() - started) / n


class TenantLoad(Load):
    """Signed events spread over the tenants in turn, each with its own secret and webhook."""

    def __init__(self, users: int, slugs: list[str], tag: str):
        super().__init__(users, tag)
        self.slugs = slugs
        self.tenant_of: dict[str, str] = {}

    def next_body(self) -> tuple[str, bytes]:
        """As LINE sends it: for the bot of the tenant's channel (its "destination")."""
        from fakeline.app import bot_user_id

        token, body = super().next_body()
        slug = self.slugs[self.n % len(self.slugs)]
        return token, body.replace(b'"Ubench"', f'"{bot_user_id(f"token-{slug}")}"'.encode(), 1)

    def route(self, token: str) -> tuple[str, str]:
        slug = self.slugs[self.n % len(self.slugs)]
        self.tenant_of[token] = slug
        return f"/callback/{slug}", f"secret-{slug}"


def warm(url: str, slugs: list[str], tag: str) -> None:
    """One message to each tenant, so that each has read its content, index and reader."""
    load = TenantLoad(len(slugs), slugs, tag=tag)
    asyncio.run(open_loop(url, load, seconds=len(slugs) / 20, rate=20))


def database_of(env: dict, folder: Path, slug: str):
    """Where one SAO's events are: its SQLite file, or a function opening its PostgreSQL schema."""
    if "DATABASE_URL" in env:
        from db import postgres

        return lambda: postgres.connect(env["DATABASE_URL"], slug)
    return folder / "tenants" / slug / "sao-bot.sqlite3"


def run(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-tenants-"))
    fake = start_fake_line(token="")  # any bearer token: the replies are told apart by theirs
    results: dict = {"tenants": args.tenants, "rate": args.rate, "seconds": args.seconds, "cpus": os.cpu_count(),
                     "web_concurrency": os.environ.get("WEB_CONCURRENCY", "2"),
                     "engine": "postgresql" if args.postgres else "sqlite"}
    apps = []
    server = None
    if args.postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        from postgres_server import PostgresServer

        server = PostgresServer().start()
    try:
        one_env, one_slugs, _ = make_host(tmp / "one", 1, fake.url, server)
        many_env, many_slugs, per_tenant_add = make_host(tmp / "many", args.tenants, fake.url, server)
        results["add_tenant_s"] = round(per_tenant_add, 2)
        single_env = {"DATABASE_PATH": str(tmp / "single" / "sao-bot.sqlite3"), "LINE_CHANNEL_SECRET": SECRET,
                      "LINE_CHANNEL_ACCESS_TOKEN": "token-single", "LINE_API_BASE_URL": fake.url, "SECRET_KEY": "bench"}
        started = time.monotonic()
        one = gunicorn("bot.hosting.app:create_hosted_app()", one_env, start_seconds=120)
        results["start_one_s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        many = gunicorn("bot.hosting.app:create_hosted_app()", many_env, start_seconds=60 + 3 * args.tenants)
        results["start_many_s"] = round(time.monotonic() - started, 1)
        single = gunicorn("bot:create_app()", single_env)
        apps = [one, many, single]
        warm(one.url, one_slugs, "w1")
        warm(many.url, many_slugs, "w2")
        wait_until_handled(database_of(many_env, tmp / "many", many_slugs[-1]))
        time.sleep(2)
        rss_one, rss_many, rss_single = workers_rss(one), workers_rss(many), workers_rss(single)
        results.update(rss_one_tenant_mib=round(rss_one), rss_many_mib=round(rss_many), rss_single_mib=round(rss_single),
                       per_added_tenant_mib=round((rss_many - rss_one) / max(1, args.tenants - 1), 2))
        time.sleep(ACTIVE_SECONDS)  # the SAOs the warm-up woke are idle again (bot/hosting/workers.py)
        cpu_before = {p: workers_cpu(p) for p in apps}
        time.sleep(10)
        results["idle_cpu_pct"] = {name: round((workers_cpu(p) - cpu_before[p]) / 10 * 100, 1)
                                   for name, p in (("one", one), ("many", many), ("single", single))}
        # The same open loop: the N tenants, then the single SAO.
        many_load = TenantLoad(args.users, many_slugs, tag="m")
        many_load.n = 10_000  # event ids after the warm-up's
        results["many_eps"] = round(asyncio.run(open_loop(many.url, many_load, args.seconds, args.rate)), 1)
        results["many_webhook"] = summary(many_load)
        results["many_reconcile"] = reconcile(
            fake.url, [database_of(many_env, tmp / "many", s) for s in many_slugs], many_load,
            access_token_of={token: f"token-{slug}" for token, slug in many_load.tenant_of.items()})
        single_load = Load(args.users, tag="s")
        results["single_eps"] = round(asyncio.run(open_loop(single.url, single_load, args.seconds, args.rate)), 1)
        results["single_webhook"] = summary(single_load)
        results["single_reconcile"] = reconcile(fake.url, [tmp / "single" / "sao-bot.sqlite3"], single_load)
        results["webhook_p99_ratio"] = round(results["many_webhook"]["p99_ms"] / results["single_webhook"]["p99_ms"], 2)
        results["reply_p99_ratio"] = round(results["many_reconcile"]["reply_p99_ms"]
                                           / results["single_reconcile"]["reply_p99_ms"], 2)
    finally:
        for app in apps:
            app.stop()
        fake.stop()
        if server is not None:
            server.stop()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--rate", type=float, default=50, help="events per second, spread over the tenants")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--users", type=int, default=200, help="distinct LINE users the events come from")
    parser.add_argument("--postgres", action="store_true",
                        help="the hosted installs keep their SAOs on a PostgreSQL server the bench starts (Debian's "
                             "package); the single SAO stays on SQLite, for comparison")
    args = parser.parse_args(argv)
    r = run(args)
    print(f"machine: {r['cpus']} CPUs, {r['web_concurrency']} web workers an install; {args.tenants} tenants on {r['engine']}; "
          f"open loop {args.rate:g} events/s for {args.seconds:g} s")
    print(f"start-up: one tenant {r['start_one_s']} s, {args.tenants} tenants {r['start_many_s']} s; adding a tenant "
          f"{r['add_tenant_s']} s")
    print(f"memory of the web workers: one tenant {r['rss_one_tenant_mib']} MiB, {args.tenants} tenants "
          f"{r['rss_many_mib']} MiB ({r['per_added_tenant_mib']} MiB per added tenant); single SAO {r['rss_single_mib']} MiB")
    print(f"idle CPU (10 s, % of one core): {r['idle_cpu_pct']}")
    for name in ("many", "single"):
        w, rec = r[f"{name}_webhook"], r[f"{name}_reconcile"]
        print(f"{name}: {r[name + '_eps']} events/s; webhook p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, errors {w['errors']}; "
              f"reply p50 {rec['reply_p50_ms']} ms, p99 {rec['reply_p99_ms']} ms; sent {rec['sent']}, stored {rec['stored']}, "
              f"processed {rec['processed']}, replies {rec['replies']}, doubled {rec['doubled']}, "
              f"on another channel {rec['wrong_channel']}")
    print(f"{args.tenants} tenants / single SAO, same run: webhook p99 {r['webhook_p99_ratio']}x, reply p99 {r['reply_p99_ratio']}x")
    ok = all(r[f"{n}_reconcile"]["sent"] == r[f"{n}_reconcile"]["stored"] == r[f"{n}_reconcile"]["processed"]
             == r[f"{n}_reconcile"]["replies"] and not r[f"{n}_reconcile"]["doubled"]
             and not r[f"{n}_reconcile"]["wrong_channel"] for n in ("many", "single"))
    print("JSON " + json.dumps(r, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
