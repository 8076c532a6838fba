"""Watching the bot run: /metrics for Prometheus, /healthz, the clock's heartbeat, JSON logs.

- /metrics reads the database at scrape time (a custom collector), so every web process,
  the separate worker and the clock agree on what it shows: inbox counts and lag, the outbox,
  pushes this month against LINE's quota, each clock job's last run, errors. It answers
  loopback and private addresses, or any caller with "Authorization: Bearer $METRICS_TOKEN".
- /healthz: 200 when the database can be written, 503 when it cannot; the clock's heartbeat age
  is reported alongside.
- The clock records a heartbeat around every job run (`with_heartbeat`, in build_scheduler);
  the web process's sweeper pushes once per outage to the SAO's admin chats when the reminders
  job (every 5 minutes) has not run for 30 minutes, and the dashboard shows a warning card.
- LOG_FORMAT=json: one JSON object per log line, in one format for web, worker and clock.
"""
from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import logging
import threading
import time
from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request

from bot.common.thaidate import BANGKOK, month_bounds, thai_datetime
from bot.pipeline import effects
from db import heartbeats, inbox, open_for, staff, transaction, write_probe

log = logging.getLogger(__name__)

# The reminders job runs every 5 minutes: six missed runs in a row mean the clock has stopped.
STALE_CLOCK_SECONDS = 30 * 60
QUOTA_CACHE_SECONDS = 5 * 60  # LINE is asked for the quota at most this often per process
CLOCK_CHECK_EVERY_SECONDS = 60  # the sweeper runs every half second; the clock check need not
CLOCK_ALERT_PURPOSE = "clock-stopped"

observability_bp = Blueprint("observability", __name__)
# Who may scrape /metrics without the token: loopback and RFC 1918 / unique-local addresses
# (not ipaddress's is_private, which also counts documentation and reserved ranges).
LOCAL_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7"))


# --- logs ------------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, Asia/Bangkok), level, logger, message, role."""

    def __init__(self, role: str):
        super().__init__()
        self.role = role

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, BANGKOK).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "role": self.role,
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(role: str, log_format: str = "text", level: int = logging.INFO, text_format: str = TEXT_FORMAT) -> None:
    """logging.basicConfig for a process of this role (web, worker, clock, cli): a no-op when
    logging is configured already (gunicorn's hooks, pytest), like basicConfig itself."""
    if (log_format or "").lower() == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter(role))
        logging.basicConfig(level=level, handlers=[handler])
    else:
        logging.basicConfig(level=level, format=text_format)


# --- the clock's heartbeat ------------------------------------------------------------------


def with_heartbeat(job: str, fn):
    """fn(settings, ...) recording in clock_heartbeats when it starts, succeeds or fails (one
    connection per run). A heartbeat that cannot be written is logged and never stops the job."""

    def record(db, write) -> None:
        try:
            if db is not None:
                write(db)
        except Exception:
            log.exception("clock heartbeat of %s not recorded", job)

    @functools.wraps(fn)
    def run(settings, *args, **kwargs):
        try:
            db = open_for(settings)
        except Exception:
            log.exception("clock heartbeat of %s not recorded", job)
            db = None
        try:
            record(db, lambda db: heartbeats.started(db, job))
            try:
                result = fn(settings, *args, **kwargs)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                record(db, lambda db: heartbeats.finished(db, job, error))
                raise
            record(db, lambda db: heartbeats.finished(db, job))
            return result
        finally:
            if db is not None:
                db.close()

    return run


def clock_status(db, now: float | None = None) -> dict | None:
    """The reminders job's heartbeat: None when the clock has never run against this database."""
    last = heartbeats.last_run(db)
    if last is None:
        return None
    age = max(0.0, (time.time() if now is None else now) - last)
    return {"last_run_at": last, "age_seconds": round(age), "stale": age > STALE_CLOCK_SECONDS}


def _alert_messages(last_run_at: float) -> list[dict]:
    when = thai_datetime(last_run_at)
    body = (
        f"⚠️ นาฬิกาของบอทหยุดทำงาน: ทำงานครั้งล่าสุดเมื่อ {when}\n"
        "การแจ้งเตือนกำหนดส่งรายงาน สรุปงานตอนเช้า และงานตามเวลาอื่น ๆ จะไม่ทำงานจนกว่าจะเริ่มโปรเซส clock ใหม่ "
        "(python -m scheduler run) — แจ้งผู้ดูแลเซิร์ฟเวอร์\n"
        f"The bot's clock process has not run since {datetime.fromtimestamp(last_run_at, BANGKOK):%Y-%m-%d %H:%M} "
        "(Bangkok): restart `python -m scheduler run`."
    )
    return [{"type": "text", "text": body[:5000]}]


_warned_no_admins: set[str] = set()


def report_stopped_clock(db, sender, now: float | None = None) -> list[int]:
    """Push once per outage to the SAO's admin chats when the clock's reminders job is older
    than STALE_CLOCK_SECONDS (only a clock that has run at least once). An outage is named by
    its last heartbeat, so the outbox's dedupe key tells every web process it was told already.
    Returns the outbox ids queued now."""
    from bot.feedback.announce import to_recipients

    status = clock_status(db, now)
    if status is None or not status["stale"]:
        return []
    key = f"{CLOCK_ALERT_PURPOSE}:{int(status['last_run_at'])}"
    from db import outbox

    admins = [a for a in staff.admins(db) if not outbox.exists(db, f"{key}:{a.chat_key}")]
    if not admins:
        if not staff.admins(db) and key not in _warned_no_admins:
            _warned_no_admins.add(key)
            log.error("the clock has not run since %s and no admin chat is registered to be told",
                      thai_datetime(status["last_run_at"]))
        return []
    log.error("the clock has not run since %s: telling %s admin chats", thai_datetime(status["last_run_at"]), len(admins))
    with transaction(db):
        queued = to_recipients(db, admins, _alert_messages(status["last_run_at"]), dedupe_key=key,
                               purpose=CLOCK_ALERT_PURPOSE)
    for outbox_id in queued:
        sender.deliver(db, outbox_id)
    return queued


_last_clock_check = [0.0]


@effects.background
def _watch_the_clock(db, sender) -> None:
    """In the web process's sweeper: a stopped clock is told to the admins (once a minute a look)."""
    now = time.time()
    if now - _last_clock_check[0] < CLOCK_CHECK_EVERY_SECONDS:
        return
    _last_clock_check[0] = now
    report_stopped_clock(db, sender, now)


# --- /metrics --------------------------------------------------------------------------------


class QuotaCache:
    """LINE's push quota, asked for at most once per QUOTA_CACHE_SECONDS (a failure too)."""

    def __init__(self, read, ttl: float = QUOTA_CACHE_SECONDS, clock=time.monotonic):
        self._read, self._ttl, self._clock = read, ttl, clock
        self._lock = threading.Lock()
        self._value: dict | None = None
        self._at: float | None = None

    def get(self) -> dict | None:
        with self._lock:
            if self._at is None or self._clock() - self._at >= self._ttl:
                try:
                    self._value = self._read()
                except Exception as exc:  # a scrape must not fail because LINE did
                    log.warning("push quota not read from LINE: %s", exc)
                    self._value = None
                self._at = self._clock()
            return self._value


class DatabaseCollector:
    """Prometheus collector reading the shared database at each scrape."""

    def __init__(self, get_db, quota: QuotaCache | None = None):
        self._get_db = get_db
        self._quota = quota

    def describe(self):
        return []  # collected at scrape time only (never at registration)

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        up = GaugeMetricFamily("sao_database_up", "1 when the database could be read for this scrape")
        try:
            families = list(self._from_database(GaugeMetricFamily, CounterMetricFamily))
        except Exception as exc:
            log.warning("metrics: the database could not be read: %s", exc)
            up.add_metric([], 0)
            yield up
        else:
            up.add_metric([], 1)
            yield up
            yield from families
        if self._quota is not None:
            quota = self._quota.get()
            if quota and quota.get("limit") is not None:
                limit = GaugeMetricFamily("sao_line_push_quota_limit", "LINE's monthly push quota (cached 5 minutes)")
                limit.add_metric([], quota["limit"])
                yield limit
            if quota and quota.get("used") is not None:
                used = GaugeMetricFamily("sao_line_push_quota_used", "pushes LINE counted this month (cached 5 minutes)")
                used.add_metric([], quota["used"])
                yield used

    def _from_database(self, Gauge, Counter):
        db = self._get_db()
        now = time.time()
        yield _by_status(db, "inbox", ("pending", "processing", "handled", "done", "skipped", "failed"),
                         Gauge("sao_inbox_events", "webhook events in the inbox (90 days), by status", labels=["status"]))
        oldest = db.execute(
            f"SELECT min(received_at) FROM inbox WHERE status IN ({', '.join('?' * len(inbox.UNFINISHED))})",
            inbox.UNFINISHED,
        ).fetchone()[0]
        lag = Gauge("sao_inbox_lag_seconds", "age of the oldest event not yet handled (0: none waiting)")
        lag.add_metric([], max(0.0, now - oldest) if oldest is not None else 0.0)
        yield lag

        yield _by_status(db, "outbox", ("pending", "sending", "sent", "failed", "expired", "uncertain"),
                         Gauge("sao_outbox_requests", "LINE requests in the outbox (90 days), by status", labels=["status"]))

        start, end = month_bounds(datetime.now(BANGKOK).date())
        pushes = db.execute(
            "SELECT count(*) FROM outbox WHERE kind IN ('push', 'multicast') AND status = 'sent' AND sent_at >= ? AND sent_at < ?",
            (start, end),
        ).fetchone()[0]
        month = Gauge("sao_line_pushes_sent_this_month", "push and multicast requests sent this month (Bangkok)")
        month.add_metric([], pushes)
        yield month

        errors = Gauge("sao_errors", "work that failed for good: inbox events, outbox requests, clock jobs", labels=["source"])
        errors.add_metric(["inbox"], db.execute("SELECT count(*) FROM inbox WHERE status = 'failed'").fetchone()[0])
        errors.add_metric(["outbox"], db.execute("SELECT count(*) FROM outbox WHERE status = 'failed'").fetchone()[0])
        jobs = heartbeats.all_jobs(db)
        errors.add_metric(["clock"], sum(1 for j in jobs if j["last_error"]))
        yield errors

        last_run = Gauge("sao_clock_job_last_run_timestamp_seconds", "when each clock job last started", labels=["job"])
        last_ok = Gauge("sao_clock_job_last_success_timestamp_seconds", "when each clock job last succeeded", labels=["job"])
        failing = Gauge("sao_clock_job_failing", "1 when the job's last run failed", labels=["job"])
        job_errors = Counter("sao_clock_job_errors", "failed runs of each clock job", labels=["job"])
        for j in jobs:
            last_run.add_metric([j["job"]], j["last_run_at"] or 0)
            last_ok.add_metric([j["job"]], j["last_ok_at"] or 0)
            failing.add_metric([j["job"]], 1 if j["last_error"] else 0)
            job_errors.add_metric([j["job"]], j["errors"])
        yield from (last_run, last_ok, failing, job_errors)
        status = clock_status(db, now)
        if status is not None:
            age = Gauge("sao_clock_heartbeat_age_seconds", "seconds since the clock's reminders job last ran")
            age.add_metric([], status["age_seconds"])
            yield age


def _allowed(settings) -> bool:
    """The bearer token when one is set; else (or without one) a loopback or private address.
    The address is the one the trusted proxies saw (TRUSTED_PROXY_HOPS): behind a proxy on the
    same machine that is not declared, every caller looks local."""
    token = settings.metrics_token
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    from bot.console.client import client_ip

    try:
        address = ipaddress.ip_address(client_ip())
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address in network for network in LOCAL_NETWORKS)


def _registry():
    registry = current_app.extensions.get("metrics_registry")
    if registry is None:
        from prometheus_client import CollectorRegistry

        settings = current_app.config["SETTINGS"]
        pool = current_app.extensions["db_pool"]
        worker = current_app.extensions.get("inbox_worker")
        quota = QuotaCache(worker.sender.quota) if worker is not None and settings.has_channel else None
        registry = CollectorRegistry(auto_describe=False)
        registry.register(DatabaseCollector(pool.get, quota))
        current_app.extensions["metrics_registry"] = registry
    return registry


@observability_bp.get("/metrics")
def metrics():
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    if not _allowed(current_app.config["SETTINGS"]):
        return Response("forbidden\n", status=403, mimetype="text/plain")
    return Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _by_status(db, table: str, known: tuple[str, ...], gauge):
    """The table's rows counted by status: every known status (0 when none), then any other."""
    counts = dict(db.execute(f"SELECT status, count(*) FROM {table} GROUP BY status").fetchall())
    for status in known:
        gauge.add_metric([status], counts.pop(status, 0))
    for status, n in sorted(counts.items()):
        gauge.add_metric([status], n)
    return gauge


# --- /healthz --------------------------------------------------------------------------------


@observability_bp.get("/healthz")
def healthz():
    """200 when the database can be read and written and the webhook's last store (within a
    minute) did not fail: a monitor sees a webhook that cannot store what LINE sends.

    The clock's heartbeat is reported ("stale" past 30 minutes) but never makes this 503: the
    monitor restarts the web process on 503, which cannot mend a stopped clock (a separate
    process) and would interrupt the webhook that still works. A stopped clock is told to the
    admins on LINE and on the dashboard instead, and in /metrics."""
    pool = current_app.extensions["db_pool"]
    writer = current_app.extensions.get("inbox_writer")
    problems, body = {}, {}
    try:
        db = pool.get()
        db.execute("SELECT 1").fetchone()
        write_probe(db)
    except Exception as exc:  # the point of the check is to report any failure
        pool.discard_after(exc)
        problems["database"] = str(exc)
    else:
        try:
            clock = clock_status(db)
        except Exception as exc:  # an older schema or a locked read: the health of writes decides
            clock = None
            log.warning("healthz: the clock's heartbeat not read: %s", exc)
        if clock is not None:  # absent until a clock has run against this database
            body["clock"] = {"status": "stale" if clock["stale"] else "ok", "last_run_age_seconds": clock["age_seconds"]}
    failure = writer.last_failure if writer is not None else None
    if failure and time.time() - failure[0] < 60:
        problems["webhook"] = f"storing events failed: {failure[1]}"
    if problems:
        return jsonify({"status": "error", **problems, **body}), 503
    return jsonify({"status": "ok", "database": "ok", **body})
