"""The web app of a hosted install: one process serves every tenant's own app.

    /callback/<slug>     the SAO's LINE webhook, checked with its own channel secret
    /t/<slug>/…          everything else of that SAO: its console (/t/<slug>/admin), public
                         handbook and transparency pages, privacy notice, photos
    /province/…          the province's console: the figures of the SAOs each account is given
                         (bot/hosting/province.py)
    /healthz             the host's own health (each SAO also has /t/<slug>/healthz)

Each tenant's app is the single-SAO app (bot.create_app) over the tenant's settings
(registry.settings_for): its own database, content, inbox worker, console sessions and keys.
The LINE models, the sentence encoder and the labelled neighbours are loaded once per process
and shared; one more SAO costs a process its content, search index and worker (bench/tenants_bench.py).

Serve it with gunicorn: `python -m bot serve --hosted` (web and the tenants' clock), or
WEB_APP="bot.hosting.app:create_hosted_app()".
"""
from __future__ import annotations

import json
import logging
import threading

from bot.config import Settings, load_settings
from bot.hosting.province import PREFIX as PROVINCE_PREFIX, create_province_app
from bot.hosting.registry import SLUG, TenantRegistry, settings_for
from bot.hosting.workers import SharedWorkers

log = logging.getLogger(__name__)

TENANT_PREFIX = "/t/"
WEBHOOK_PREFIX = "/callback/"
_NOT_FOUND = ("ไม่พบ อบต. นี้ในระบบ / no such SAO on this server").encode("utf-8")


class HostedApp:
    """WSGI: sends each request to its tenant's app, built once and kept. The registry is read
    again when it changes (a tenant added or removed while serving), checked by its file's time."""

    def __init__(self, host: Settings, registry: TenantRegistry, build=None):
        from bot import create_app

        self.host = host
        self.registry = registry
        self._build = build or create_app
        self._apps: dict[str, object] = {}
        self._tenants: dict[str, object] = {}
        self._version = None
        self._lock = threading.Lock()
        # Every SAO's events are handled by one pool of this process's threads, as many as a
        # single install's (WORKER_THREADS), not by threads of each SAO's own (workers.py).
        self.workers = SharedWorkers(host.worker_threads) if host.start_worker else None
        self._refresh()
        self.province = create_province_app(host, registry, self.tenant_app)
        for slug in list(self._tenants):  # every SAO's worker starts now: events left in an inbox are answered
            self.app_for(slug)
        if self.workers is not None:
            self.workers.start()

    def _refresh(self) -> None:
        version = self.registry.version()
        if version == self._version:
            return
        with self._lock:
            if version == self._version:
                return
            tenants = {t.slug: t for t in self.registry.all()}
            for slug in set(self._apps) - set(tenants):
                self._close(slug)
                log.info("tenant %s removed: its app is stopped", slug)
            for slug, tenant in tenants.items():
                if slug in self._apps and self._tenants[slug] != tenant:  # its channel changed
                    self._close(slug)
            self._tenants, self._version = tenants, version

    def app_for(self, slug: str):
        app = self._apps.get(slug)
        if app is not None:
            return app
        with self._lock:
            app = self._apps.get(slug)
            tenant = self._tenants.get(slug)
            if app is None and tenant is not None:
                # Its own worker is never started: the shared pool runs it.
                app = self._build(settings_for(self.host, tenant).with_(start_worker=False))
                # The browser keeps each SAO's console session apart (and sends it only there).
                app.config["SESSION_COOKIE_PATH"] = f"{TENANT_PREFIX}{slug}/"
                self._apps[slug] = app
                if self.workers is not None:
                    self.workers.add(slug, app.extensions["inbox_worker"])
                log.info("tenant %s: app started", slug)
            return app

    def tenant_app(self, slug: str):
        """The SAO's running app, or None if it is not (or no longer) a tenant."""
        self._refresh()
        return self.app_for(slug) if slug in self._tenants else None

    def _close(self, slug: str) -> None:
        self._apps.pop(slug, None)
        if self.workers is not None:
            self.workers.remove(slug)

    def close(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        with self._lock:
            for slug in list(self._apps):
                self._close(slug)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        if path == PROVINCE_PREFIX or path.startswith(PROVINCE_PREFIX + "/"):
            environ = dict(environ)
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + PROVINCE_PREFIX
            environ["PATH_INFO"] = path[len(PROVINCE_PREFIX):] or "/"
            return self.province(environ, start_response)
        slug, rest = _route(path)
        if slug is None:
            if path == "/healthz":
                return _answer(start_response, "200 OK", json.dumps({"ok": True, "tenants": len(self._tenants)}).encode(),
                               "application/json")
            return _answer(start_response, "404 Not Found", _NOT_FOUND)
        self._refresh()
        app = self.app_for(slug) if slug in self._tenants else None
        if app is None:
            return _answer(start_response, "404 Not Found", _NOT_FOUND)
        environ = dict(environ)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + TENANT_PREFIX + slug
        environ["PATH_INFO"] = rest
        return app(environ, start_response)


def _route(path: str) -> tuple[str | None, str]:
    """(slug, the path inside the tenant's app), or (None, path) for the host's own."""
    from bot.pipeline.webhook import WEBHOOK_PATH

    if path.startswith(WEBHOOK_PREFIX):
        slug = path[len(WEBHOOK_PREFIX):].rstrip("/")
        return (slug, WEBHOOK_PATH) if SLUG.match(slug) else (None, path)
    if path.startswith(TENANT_PREFIX):
        slug, _, rest = path[len(TENANT_PREFIX):].partition("/")
        if SLUG.match(slug):
            return slug, "/" + rest
    return None, path


def _answer(start_response, status: str, body: bytes, kind: str = "text/plain; charset=utf-8"):
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def create_hosted_app(host: Settings | None = None) -> HostedApp:
    """gunicorn's app for a hosted install: the tenants in <DATA_DIR>/tenants (python -m bot tenant add)."""
    host = host or load_settings()
    from bot.observability import configure_logging

    configure_logging("web", host.log_format)
    registry = TenantRegistry.for_settings(host)
    if not registry.all():
        log.warning("no tenants yet: add one with python -m bot tenant add <slug> --name … --district … --province … "
                    "--channel-secret … --channel-token …")
    return HostedApp(host, registry)
