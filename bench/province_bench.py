"""The province's console (bot/hosting/province.py) over many SAOs: how long its pages take.

    python bench/province_bench.py [--tenants 200] [--ratings 50] [--repeat 5]

One hosted install in this process (its apps built as the web builds them, no LINE traffic),
N SAOs with `ratings` satisfaction ratings and as many handbook questions each, one province
account given every SAO. Measured, through the WSGI app with a signed-in browser's cookie:
  - the overview (every SAO's figures and the total) for a round: first request, then p50/max of
    `repeat` more;
  - one SAO's page, and one of its published reports as PDF;
  - the same figures from the command line's path (`tenant summary`: each SAO's content read
    from its files), in the same run, as the ratio the running apps' snapshots save.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "kalasin-2570-overview"


def fill(host, slugs: list[str], n: int) -> None:
    """n ratings and n handbook questions in each SAO's database, in FY 2570."""
    from db import open_database, questions, ratings

    for s, slug in enumerate(slugs):
        db = open_database(host.data_path / "tenants" / slug / "sao-bot.sqlite3")
        try:
            for i in range(n):
                ratings.save(db, chat_key=f"user:U{s:016x}{i:016x}", service_id="elderly-allowance",
                             division_id="welfare", rated_on="2026-11-10", fiscal_year=2570,
                             scores=dict.fromkeys(ratings.ASPECTS, 1 + (i + s) % 5), comment=None, source="menu")
                answered = i % 4 != 0
                questions.record(db, ref=f"bench-{s}-{i}", chat_key=f"user:U{s:016x}{i:016x}", user_id=None,
                                 question="เบี้ยผู้สูงอายุได้เดือนละเท่าไหร่", outcome="answered" if answered else "unanswered",
                                 procedure_id="elderly-allowance" if answered else None, intent="question",
                                 now=1_794_000_000 + i)  # 7 Nov 2026 (Bangkok), in FY 2570
        finally:
            db.close()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run(args) -> dict:
    os.environ.update(DATA_DIR=tempfile.mkdtemp(prefix="bench-province-"), ADMIN_PASSWORD=PASSWORD, SECRET_KEY="bench")
    from bot.__main__ import main as bot_main
    from bot.config import load_settings
    from bot.hosting import summary
    from bot.hosting.app import HostedApp
    from bot.hosting.cli import add_tenant
    from bot.hosting.registry import Tenant, TenantRegistry
    from bot.reports import ReportPeriod
    from bot.common.thaidate import now
    from werkzeug.test import Client

    host = load_settings()
    registry = TenantRegistry.for_settings(host)
    slugs = [f"sao-{i:03d}" for i in range(args.tenants)]
    for slug in slugs:
        add_tenant(host, registry, Tenant(slug, f"อบต.ทดสอบ {slug}"), district="แวงใหญ่", province="ขอนแก่น")
    fill(host, slugs, args.ratings)
    assert bot_main(["province", "add", "prov", "--all-tenants"]) == 0

    started = time.perf_counter()
    app = HostedApp(host.with_(start_worker=False), registry)
    built = time.perf_counter() - started
    client = Client(app)  # the whole hosted app, as the browser reaches /province
    page = client.get("/province/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/province/login", data={"username": "prov", "password": PASSWORD, "csrf_token": token}).status_code == 302

    def timed(path: str) -> float:
        t = time.perf_counter()
        response = client.get("/province" + path)
        assert response.status_code == 200, (path, response.status_code)
        return time.perf_counter() - t

    overview = "/?fy=2570&round=12"
    first = timed(overview)
    again = [timed(overview) for _ in range(args.repeat)]
    sao_page = [timed(f"/sao/{slugs[0]}?fy=2570&round=12") for _ in range(args.repeat)]
    pdf = [timed(f"/sao/{slugs[0]}/report/satisfaction.pdf?fy=2570&round=12") for _ in range(args.repeat)]
    t = time.perf_counter()
    rows = summary.province(host, registry, ReportPeriod.of_round(2570, 12), now())
    from_files = time.perf_counter() - t
    assert rows[-1].ratings == args.tenants * args.ratings
    app.close()
    return {
        "tenants": args.tenants, "ratings_per_sao": args.ratings, "apps_built_s": round(built, 1),
        "overview_first_ms": ms(first), "overview_p50_ms": ms(statistics.median(again)), "overview_max_ms": ms(max(again)),
        "overview_per_sao_ms": ms(statistics.median(again) / args.tenants),
        "sao_page_p50_ms": ms(statistics.median(sao_page)), "report_pdf_p50_ms": ms(statistics.median(pdf)),
        "summary_from_files_ms": ms(from_files),
        "files_vs_snapshots": round(from_files / statistics.median(again), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--ratings", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    print(json.dumps(run(parser.parse_args()), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
