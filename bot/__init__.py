"""LINE Official Account bot and web app for a Thai Subdistrict Administrative Organization.

`create_app()` is the application factory gunicorn serves in production (`python -m bot serve`,
or deploy/'s web unit); it talks only to the LINE API configured. `make run` serves `bot.pages.simulator:create_local_app()`,
which adds a fake LINE API when no channel is configured.
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from bot.config import Settings, load_settings

log = logging.getLogger(__name__)


def _local_secret(path: Path) -> str:
    """A secret kept in a file beside the database, shared by every process of one install."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Write a private temp file, then link it into place: the link either appears whole
        # or fails because another process won the race; nobody can read a half-written file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def build_worker(settings: Settings, idle_poll_seconds: float = 0.2):
    """The database, content, conversation engine and sender, wired into an inbox worker."""
    from bot import wiring
    from bot.conversation.flows import build_engine
    from bot.handbook import HandbookStore
    from bot.pipeline.handlers import EventPlanner
    from bot.line.sender import LineSender
    from bot.pipeline.worker import InboxWorker
    from db import open_storage, pool_for

    wiring.load_features()  # every effect, button, eraser and background job (bot/wiring.py)
    # Migrate once, before any thread starts: the SQLite file, or the SAO's PostgreSQL schema.
    open_storage(settings.database_path, settings.database_url, settings.tenant).close()
    from bot.understanding import embedding

    # The sentence encoder's word table: one file in the data folder that every worker maps.
    embedding.shared_embedder().cache_dir = settings.cache_path
    # The handbook and its search index: built once per process, rebuilt when content changes.
    # Its procedures are also the services citizens rate and complain about. The profile and
    # divisions come from the same snapshot: a broken file at start means the last good copy.
    handbook_store = HandbookStore.for_settings(settings, parts=wiring.CONTENT_PARTS)
    loaded = handbook_store.current()
    planner = EventPlanner(
        build_engine(settings.conversation_timeout_minutes),
        loaded.profile,
        loaded.divisions,
        handbook_store=handbook_store,
        public_base_url=settings.public_url,
    )
    # With the worker running, its sweeper checkpoints the WAL, off the request path.
    pool = pool_for(settings.database_path, settings.database_url, settings.tenant,
                    autocheckpoint=not settings.start_worker)
    return InboxWorker(pool, planner, LineSender(settings), settings, idle_poll_seconds)


def create_app(settings: Settings | None = None) -> Flask:
    from bot.console.client import SessionCookie
    from bot.pipeline.webhook import MAX_BODY_BYTES, WEBHOOK_PATH, webhook_bp

    settings = settings or load_settings()
    from bot.observability import configure_logging

    configure_logging("web", settings.log_format)  # LOG_FORMAT=json: one JSON object a line
    settings.check_line_channel()  # half a channel refuses to start (bot.config)
    from bot.config import ConfigError
    from bot.operations.doctor import startup_problems

    refused = startup_problems(settings)  # would lose or leak data: python -m bot doctor says more
    if refused:
        raise ConfigError("\n".join(refused))
    var_dir = settings.data_path
    if not settings.channel_secret:
        # No LINE channel: the simulator signs its events with a local secret.
        settings = settings.with_(simulator_enabled=True)
    if not settings.has_channel:
        log.error("no LINE channel configured (LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN): the bot cannot "
                  "reply on LINE (to try it without a channel: make run, which serves a fake LINE API)")
    if not settings.secret_key:
        settings = settings.with_(secret_key=_local_secret(var_dir / "secret-key"))

    app = Flask(__name__)
    app.session_interface = SessionCookie(skip_paths=frozenset({WEBHOOK_PATH}))
    app.config["SETTINGS"] = settings
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["WEBHOOK_SECRET"] = settings.channel_secret or _local_secret(var_dir / "simulator-channel-secret")
    app.json.ensure_ascii = False

    worker = build_worker(settings)
    pool = worker.pool
    from db import connect, is_postgres_url
    from db.inbox_writer import InboxWriter

    if is_postgres_url(settings.database_url):  # each request thread's own connection (db.pool_for)
        writer = InboxWriter(pool.get, per_thread=True)
    else:  # busy_timeout 0: the writer polls for SQLite's write lock itself (db.transaction).
        writer = InboxWriter(
            lambda: connect(settings.database_path, autocheckpoint=not settings.start_worker, busy_timeout_ms=0)
        )
    app.extensions.update(
        db_pool=pool,
        inbox_worker=worker,
        inbox_writer=writer,
        handbook_store=worker.planner.handbook_store,
    )

    app.register_blueprint(webhook_bp)
    from bot.pages.assets import assets_bp

    app.register_blueprint(assets_bp)
    from bot.handbook.pages import handbook_bp
    from bot.pages.photos import photos_bp
    from bot.pages.privacy import privacy_bp

    app.register_blueprint(handbook_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(photos_bp)
    from bot.transparency import transparency_bp

    app.register_blueprint(transparency_bp)
    from bot.observability import observability_bp

    app.register_blueprint(observability_bp)  # /healthz, /metrics
    if settings.simulator_enabled:
        from bot.pages.simulator import simulator_bp

        app.register_blueprint(simulator_bp)
    from bot.console import init_app as init_admin_console

    init_admin_console(app, settings)
    from bot.common.security_headers import add_security_headers

    # Every page and file of every blueprint, public ones and any added later, sends the security
    # headers; the webhook's blueprint does not (LINE reads no headers; no app-wide hook slows it).
    for name in app.blueprints:
        if name != webhook_bp.name:
            app.after_request_funcs.setdefault(name, []).append(add_security_headers)
    serve_static = app.view_functions["static"]  # the app's own /static files: not in a blueprint
    app.view_functions["static"] = lambda **kwargs: add_security_headers(serve_static(**kwargs))

    # A console request that met a connection stuck read-only: the next one opens it again.
    from flask import got_request_exception

    got_request_exception.connect(lambda sender, exception, **_: pool.discard_after(exception), app, weak=False)

    if settings.start_worker:
        worker.start()
    return app
