"""What SQLAlchemy Core would cost the storage layer, against the raw DB-API it uses, in one run.

    .venv/bin/python bench/sqlalchemy_bench.py [--rounds 5] [--statements 2000]

Issue 22 names SQLAlchemy Core with Alembic as the expected data layer for two engines; the
storage modules (db/) instead keep raw SQL on the DB-API, with a thin adapter for psycopg
(db/postgres.py). This measures the price of each on the statements the webhook and the
conversation engine run most, on both engines, the same statements the same way:

- `dbapi`: what db/ runs today (sqlite3 through sqlite_utils' connection; psycopg through
  db.postgres.PostgresDatabase, which turns `?` into `%s`);
- `core`: SQLAlchemy Core's expressions on the reflected tables (`insert(inbox)`,
  `select(conversations).where(…)`), as a port to Core would write them;
- `text`: SQLAlchemy's text() with named parameters, the least a port could change.

Each: one long-lived connection in autocommit, as the app's; rounds interleave the ways so a
busy machine slows all alike; the figure is each way's median µs a statement, and its ratio to
`dbapi`. Also SQLAlchemy's import: seconds and resident memory a process pays to load it.
Needs SQLAlchemy (requirements-dev.txt) and Debian's postgresql package.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

EVENT_COLUMNS = ("webhook_event_id", "event_key", "event_type", "mode", "source_key", "user_id", "message_id",
                 "is_redelivery", "event_time", "payload", "received_at", "status")
READ_CONVERSATION = "SELECT * FROM conversations WHERE chat_key = ?"


def event(run: str, n: int) -> dict:
    return {"webhook_event_id": f"{run}-{n}", "event_key": f"{run}-{n}", "event_type": "message", "mode": "active",
            "source_key": f"user:U{n % 97:032d}", "user_id": f"U{n % 97:032d}", "message_id": str(n),
            "is_redelivery": 0, "event_time": 1_760_000_000_000 + n,
            "payload": '{"type": "message", "message": {"type": "text", "text": "ไฟถนนหน้าบ้านดับค่ะ 🙏"}}',
            "received_at": time.time(), "status": "pending"}


def import_cost() -> dict:
    """SQLAlchemy's import in a fresh process: seconds and resident memory it adds."""
    code = ("import time, resource\n"
            "def rss():\n"
            "    return int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]) / 1024\n"
            "before = rss(); t = time.perf_counter()\n"
            "import sqlalchemy, sqlalchemy.dialects.sqlite, sqlalchemy.dialects.postgresql.psycopg\n"
            "print(round(time.perf_counter() - t, 3), round(rss() - before, 1))")
    seconds, mib = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return {"import_s": float(seconds), "import_rss_mib": float(mib)}


class Ways:
    """The three ways over one engine's database, each with its own long-lived connection."""

    def __init__(self, ours, engine, prepare=()):
        import sqlalchemy as sa

        self.ours = ours
        self.conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        for statement in prepare:  # the settings db/ gives its own connections, so both pay the same
            self.conn.exec_driver_sql(statement)
        meta = sa.MetaData()
        self.inbox = sa.Table("inbox", meta, autoload_with=self.conn)
        self.conversations = sa.Table("conversations", meta, autoload_with=self.conn)
        self.insert_core = sa.insert(self.inbox)
        self.insert_text = sa.text(f"INSERT INTO inbox ({', '.join(EVENT_COLUMNS)}) VALUES "
                                   f"({', '.join(':' + c for c in EVENT_COLUMNS)}) ON CONFLICT DO NOTHING")
        self.read_text = sa.text("SELECT * FROM conversations WHERE chat_key = :key")
        self.sa = sa
        placeholders = ", ".join("?" * len(EVENT_COLUMNS))
        self.insert_dbapi = f"INSERT INTO inbox ({', '.join(EVENT_COLUMNS)}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"

    def write(self, way: str, row: dict) -> None:
        if way == "dbapi":
            self.ours.execute(self.insert_dbapi, tuple(row[c] for c in EVENT_COLUMNS))
        elif way == "core":
            self.conn.execute(self.insert_core, row)
        else:
            self.conn.execute(self.insert_text, row)

    def read(self, way: str, key: str) -> None:
        if way == "dbapi":
            self.ours.execute(READ_CONVERSATION, (key,)).fetchall()
        elif way == "core":
            self.conn.execute(self.sa.select(self.conversations).where(self.conversations.c.chat_key == key)).fetchall()
        else:
            self.conn.execute(self.read_text, {"key": key}).fetchall()

    def close(self) -> None:
        self.conn.close()
        self.ours.close()


def measure(ways: Ways, rounds: int, statements: int, tag: str) -> dict:
    timings: dict[str, dict[str, list[float]]] = {w: {"write": [], "read": []} for w in ("dbapi", "core", "text")}
    for r in range(rounds):
        for way in ("dbapi", "core", "text") if r % 2 == 0 else ("text", "core", "dbapi"):
            started = time.perf_counter()
            for n in range(statements):
                ways.write(way, event(f"{tag}-{way}-{r}", n))
            timings[way]["write"].append((time.perf_counter() - started) / statements * 1e6)
            started = time.perf_counter()
            for n in range(statements):
                ways.read(way, f"user:U{n % 97:032d}")
            timings[way]["read"].append((time.perf_counter() - started) / statements * 1e6)
    out: dict = {}
    for kind in ("write", "read"):
        base = statistics.median(timings["dbapi"][kind])
        for way in ("dbapi", "core", "text"):
            value = statistics.median(timings[way][kind])
            out[f"{kind}_{way}_us"] = round(value, 1)
            if way != "dbapi":
                out[f"{kind}_{way}_vs_dbapi"] = round(value / base, 2)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of each way")
    parser.add_argument("--statements", type=int, default=2000, help="statements of each kind a round")
    args = parser.parse_args(argv)

    import sqlalchemy as sa

    import db as storage
    from db import conversations, postgres
    from postgres_server import PostgresServer

    results: dict = {"sqlalchemy": sa.__version__, **import_cost()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sao.sqlite3"
        storage.open_database(path).close()
        ours = storage.connect(path)
        for n in range(97):
            conversations.save(ours, f"user:U{n:032d}", "complaint", "describe", "s", {"text": "ไฟดับ"})
        engine = sa.create_engine(f"sqlite:///{path}")
        ways = Ways(ours, engine, prepare=("PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL",
                                           "PRAGMA foreign_keys = ON", "PRAGMA secure_delete = ON"))
        results["sqlite"] = measure(ways, args.rounds, args.statements, "sqlite")
        ways.close()
        engine.dispose()

    with PostgresServer() as server:
        url, admin = server.create_database("sao"), server.url("sao", user="postgres")
        postgres.create_tenant(admin, url, "bench")
        ours = postgres.connect(url, "bench")
        for n in range(97):
            conversations.save(ours, f"user:U{n:032d}", "complaint", "describe", "s", {"text": "ไฟดับ"})
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        role = postgres.role_name("sao", "bench")
        ways = Ways(ours, engine, prepare=(f'SET ROLE "{role}"', "SET search_path TO sao_bench"))
        results["postgresql"] = measure(ways, args.rounds, args.statements, "postgresql")
        ways.close()
        engine.dispose()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
