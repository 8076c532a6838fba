"""gunicorn settings for the web process (`python -m bot serve`, deploy/'s web unit), read by
`gunicorn -c gunicorn.conf.py`.

Threads, not processes, give the concurrency: the webhook spends its time waiting on
SQLite and the network, and each worker process also runs the inbox worker threads.
"""
import os

bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG") or None  # "-" for stdout; off by default (volume)
errorlog = "-"
# Each worker builds its own app after the fork: SQLite connections and threads must not cross forks.
preload_app = False
# gunicorn's control socket (gunicorn 23+) would be created in $HOME, which a hardened service has not.
control_socket_disable = True

if (os.environ.get("LOG_FORMAT") or "").strip().lower() == "json":
    # gunicorn's own lines (start, workers, errors, access log) in the app's one JSON format; the
    # app's configure_logging then finds the root logger configured and leaves it.
    _json = {"()": "bot.observability.JsonFormatter", "role": "web"}
    _stderr = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": _json},
        "handlers": {"stderr": _stderr},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {name: {"level": "INFO", "handlers": ["stderr"], "propagate": False}
                    for name in ("gunicorn.error", "gunicorn.access")},
    }


def on_starting(server):
    """Before any worker exists, no event can be in the hands of a live worker: release all claims.

    Also import the heavy modules once, here in the master: the workers fork with them
    loaded (LINE's SDK alone takes a second or two to import), so a worker that starts or
    restarts after a crash answers sooner. The same for what reading free text only ever
    reads (bot.understanding.load_shared: word list, models, sentence encoder): the workers
    share one copy of it instead of each building its own. None of this creates threads or
    connections; each worker still builds its own app after the fork.
    """
    import gc

    from bot import wiring
    from bot.understanding import load_shared

    wiring.load_features()
    wiring.load_console_pages()
    import bot.conversation.flows  # noqa: F401
    import bot.handbook.search  # noqa: F401
    import bot.line.sender  # noqa: F401
    from bot.config import load_settings
    from db import inbox, open_database, outbox

    from bot.hosting.registry import TenantRegistry, settings_for

    settings = load_settings()
    load_shared(settings.cache_path)
    # A hosted install's SAOs (bot/hosting) each have a database of their own: theirs too.
    databases = [settings.database_path] + [settings_for(settings, tenant).database_path
                                            for tenant in TenantRegistry.for_settings(settings).all()]
    for path in databases:
        db = open_database(path)
        released = inbox.recover_stale(db, everything=True) + outbox.recover_stale(db, everything=True)
        if released:
            server.log.info("released %s events and messages left by the previous run in %s", released, path)
        db.close()
    # Out of the collector's sight: a collection in a worker would otherwise write to every
    # inherited object and so copy the pages the workers share.
    gc.freeze()


def post_fork(server, worker):
    # Hand the GIL over more often than every 5 ms, so a webhook answer waiting behind
    # event handling in the same process gets its turn sooner.
    import sys

    sys.setswitchinterval(0.001)
