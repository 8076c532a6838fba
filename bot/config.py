"""Settings read from environment variables (see .env.example and the README).

One frozen object is built at start-up and handed to every part that needs it, so tests
can build their own without touching os.environ.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

LINE_API_DEFAULT = "https://api.line.me"
LINE_DATA_API_DEFAULT = "https://api-data.line.me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def inside_code(path: Path) -> bool:
    """Whether a path lies in the code folder, which an upgrade or a new deploy replaces."""
    return Path(os.path.abspath(path)).is_relative_to(PROJECT_ROOT)


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secure_mode(value: str | None) -> str:
    """SESSION_COOKIE_SECURE: auto (default), or a yes/no value."""
    if value is None or value.strip().lower() in {"", "auto"}:
        return "auto"
    return "true" if _bool(value, default=False) else "false"


class ConfigError(RuntimeError):
    """A setting that cannot work: the message says, in Thai and English, what to set."""


@dataclass(frozen=True)
class Settings:
    channel_secret: str = ""
    channel_access_token: str = ""
    line_api_base_url: str = LINE_API_DEFAULT
    line_data_api_base_url: str = LINE_DATA_API_DEFAULT
    database_path: Path = PROJECT_ROOT / "var" / "sao-bot.sqlite3"
    # A postgresql:// URL (DATABASE_URL) puts the SAO `tenant` (SAO_TENANT) on PostgreSQL
    # (db/postgres.py) instead of the SQLite file; empty: SQLite, the embedded default.
    database_url: str = field(default="", repr=False)
    # A hosted install on PostgreSQL: a role that may create roles (DATABASE_ADMIN_URL), used only
    # when an SAO is added or removed (`tenant add|remove`); empty: DATABASE_URL's role.
    database_admin_url: str = field(default="", repr=False)
    # The folder content is read from and the console edits. With default_content_dir set it is
    # an overlay in the data directory over those shipped defaults (bot/content/overlay.py).
    content_dir: Path = PROJECT_ROOT / "content"
    default_content_dir: Path | None = None
    # Everything the installation writes (DATA_DIR): the database, backups, the last good content,
    # the edited content. None: the database's folder.
    data_dir: Path | None = None
    # Signs web sessions; empty means a key generated once and kept beside the database.
    secret_key: str = field(default="", repr=False)
    port: int = 8000
    # The simulator signs events with the channel secret; without a channel it uses a local one.
    simulator_enabled: bool = False
    # Threads in each web process that turn inbox events into replies.
    worker_threads: int = 4
    # Start the inbox worker with the app (off in tests that drive it step by step).
    start_worker: bool = True
    # A claimed event whose worker died is taken over after this many seconds.
    inbox_lease_seconds: float = 30.0
    # Timeout of one call to LINE's API, and how many times a failed push is tried.
    line_timeout_seconds: float = 10.0
    line_max_attempts: int = 5
    line_backoff_base_seconds: float = 0.5
    # Show LINE's loading animation to a person whose message has waited longer than this.
    loading_threshold_seconds: float = 1.0
    # Conversations idle this long go back to the main menu.
    conversation_timeout_minutes: int = 30
    # Where people reach this app (https://…): links in LINE messages to the public handbook
    # pages, the privacy notice and the console. Empty means http://127.0.0.1:<port>.
    public_base_url: str = ""
    # Personal data (who filed it, what they wrote, photos, location) is removed from
    # closed tickets and answered questions this many days after they closed.
    feedback_retention_days: int = 365
    # Admin console (/admin): a session unused this long signs out; none lasts longer than the maximum.
    admin_idle_minutes: int = 30
    admin_session_max_hours: float = 12.0
    # Session cookie's Secure flag: "auto" sets it when the request came over HTTPS.
    session_cookie_secure: str = "auto"
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    trusted_proxy_hops: int = 0
    # Sign-in rate limit: failures allowed per username and per IP address within the window.
    login_max_failures_per_user: int = 5
    login_max_failures_per_ip: int = 20
    login_failure_window_minutes: int = 15
    # Nightly backups (the clock's `backup` job): the folder (empty: "backups" beside the database), and
    # an optional copy elsewhere: a folder, or rclone:<remote:path>.
    backup_dir: str = ""
    backup_copy_to: str = ""
    # /metrics answers loopback and private addresses; others need "Authorization: Bearer <this>".
    metrics_token: str = field(default="", repr=False)
    # "json": one JSON object per log line (web, worker, clock); anything else: plain text.
    log_format: str = "text"
    # The SAO's slug: a hosted install's SAO (bot/hosting.registry.settings_for), or a single SAO
    # on PostgreSQL (SAO_TENANT: its schema there). Empty for a single SAO on SQLite.
    tenant: str = ""
    # Served by a hosted install (settings_for): its commands need `--tenant <slug>`, its console
    # is under /t/<slug>/.
    hosted: bool = False
    # The channel's bot user id, when known (a hosted SAO's, from LINE's bot info): a webhook
    # for another bot means the channel's secret and token are of different channels.
    line_bot_user_id: str = ""
    # Where LINE sends this SAO's events; empty: <public_url>/callback. A hosted SAO's is the
    # host's /callback/<slug> (hosting.registry.settings_for), as `tenant add` prints it.
    webhook_url: str = ""

    @property
    def public_url(self) -> str:
        return (self.public_base_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @property
    def line_webhook_url(self) -> str:
        return self.webhook_url or f"{self.public_url}/callback"

    @property
    def data_path(self) -> Path:
        return self.data_dir or self.database_path.parent

    @property
    def backups_path(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else self.data_path / "backups"

    @property
    def cache_path(self) -> Path:
        """Files made from the installed packages that every process maps (the sentence encoder's table)."""
        return self.data_path / "cache"

    @property
    def edited_content_dir(self) -> Path | None:
        """The content folder backups carry: the data folder's overlay, or a content folder outside
        the code; never the code's own content/ (the shipped defaults come with the code)."""
        keep = self.default_content_dir is not None or not inside_code(self.content_dir)
        return self.content_dir if keep else None

    @property
    def production(self) -> bool:
        """A real LINE channel on LINE's own API: citizens' data is at stake."""
        return self.has_channel and self.line_api_base_url == LINE_API_DEFAULT

    @property
    def has_channel(self) -> bool:
        return bool(self.channel_secret and self.channel_access_token)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def check_line_channel(self) -> None:
        """A channel is both its secret and its token, or neither (the local simulator).

        Half a channel is refused: a secret alone once sent replies to the local fake LINE
        API, readable by anyone; a token alone would accept webhooks LINE never signed."""
        local_api = self.line_api_base_url.startswith(("http://127.0.0.1", "http://localhost"))
        if self.channel_secret and not self.channel_access_token or (
            self.channel_access_token and not self.channel_secret and not local_api  # a fake LINE on this machine needs no secret
        ):
            missing = "LINE_CHANNEL_ACCESS_TOKEN" if self.channel_secret else "LINE_CHANNEL_SECRET"
            raise ConfigError(
                f"ตั้งค่าช่องทาง LINE ไม่ครบ: ยังไม่มี {missing} ใส่ทั้ง LINE_CHANNEL_SECRET และ LINE_CHANNEL_ACCESS_TOKEN "
                "(จาก LINE Developers Console) หรือเว้นว่างทั้งสองค่าเพื่อทดลองกับตัวจำลอง / "
                f"the LINE channel is half configured: {missing} is missing. Set both LINE_CHANNEL_SECRET and "
                "LINE_CHANNEL_ACCESS_TOKEN, or neither to try the bot with the local simulator."
            )


def _port(env: dict[str, str]) -> int:
    """The web process's port: BIND's when set (gunicorn.conf.py listens there; a process manager such
    as honcho may hand web and clock different PORTs with the same BIND), else PORT. The web app's built-in
    fake LINE (/fake-line) and the clock reaching it both derive their address from this one value."""
    bound = (env.get("BIND") or "").strip().rpartition(":")[2]
    return int(bound) if bound.isdigit() else int(env.get("PORT") or 8000)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from environment variables (os.environ by default)."""
    env = dict(os.environ if env is None else env)
    base = env.get("LINE_API_BASE_URL", "").rstrip("/") or LINE_API_DEFAULT
    # Tests and local runs point both hosts at one fake server; production uses LINE's two hosts.
    data_base = env.get("LINE_DATA_API_BASE_URL", "").rstrip("/") or (
        LINE_DATA_API_DEFAULT if base == LINE_API_DEFAULT else base
    )
    secret = env.get("LINE_CHANNEL_SECRET", "")
    # DATA_DIR holds all the installation writes; without it, the database's folder (var/ by default).
    database = env.get("DATABASE_PATH")
    data_dir = Path(env.get("DATA_DIR") or (Path(database).parent if database else PROJECT_ROOT / "var"))
    shipped_content = Path(env.get("CONTENT_DIR") or PROJECT_ROOT / "content")
    overlay = data_dir / "content"
    if os.path.abspath(overlay) == os.path.abspath(shipped_content):  # CONTENT_DIR is the data folder's: no overlay
        overlay, shipped_content = shipped_content, None
    settings = Settings(
        channel_secret=secret,
        channel_access_token=env.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
        line_api_base_url=base,
        line_data_api_base_url=data_base,
        database_path=Path(database or data_dir / "sao-bot.sqlite3"),
        database_url=env.get("DATABASE_URL", "").strip(),
        database_admin_url=env.get("DATABASE_ADMIN_URL", "").strip(),
        tenant=env.get("SAO_TENANT", "").strip(),
        data_dir=data_dir,
        # Console edits go to the data directory, over the shipped content (bot/content/overlay.py).
        content_dir=overlay,
        default_content_dir=shipped_content,
        port=_port(env),
        simulator_enabled=_bool(env.get("SIMULATOR_ENABLED"), default=not secret),
        worker_threads=int(env.get("WORKER_THREADS") or 4),
        start_worker=_bool(env.get("START_WORKER"), default=True),
        inbox_lease_seconds=float(env.get("INBOX_LEASE_SECONDS") or 30),
        public_base_url=(env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/"),
        feedback_retention_days=int(env.get("FEEDBACK_RETENTION_DAYS") or 365),
        admin_idle_minutes=int(env.get("ADMIN_IDLE_MINUTES") or 30),
        admin_session_max_hours=float(env.get("ADMIN_SESSION_MAX_HOURS") or 12),
        session_cookie_secure=_secure_mode(env.get("SESSION_COOKIE_SECURE")),
        trusted_proxy_hops=int(env.get("TRUSTED_PROXY_HOPS") or 0),
        login_max_failures_per_user=int(env.get("LOGIN_MAX_FAILURES_PER_USER") or 5),
        login_max_failures_per_ip=int(env.get("LOGIN_MAX_FAILURES_PER_IP") or 20),
        login_failure_window_minutes=int(env.get("LOGIN_FAILURE_WINDOW_MINUTES") or 15),
        backup_dir=(env.get("BACKUP_DIR") or "").strip(),
        backup_copy_to=(env.get("BACKUP_COPY_TO") or "").strip(),
        metrics_token=env.get("METRICS_TOKEN", "").strip(),
        log_format=(env.get("LOG_FORMAT") or "text").strip().lower(),
    )
    if env.get("SECRET_KEY"):
        settings = settings.with_(secret_key=env["SECRET_KEY"])
    return settings
