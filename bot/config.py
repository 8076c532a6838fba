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


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    channel_secret: str = ""
    channel_access_token: str = ""
    line_api_base_url: str = LINE_API_DEFAULT
    line_data_api_base_url: str = LINE_DATA_API_DEFAULT
    database_path: Path = PROJECT_ROOT / "var" / "sao-bot.sqlite3"
    content_dir: Path = PROJECT_ROOT / "content"
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
    # Show LINE's loading animation when an event waited longer than this before handling.
    loading_threshold_seconds: float = 1.0
    # Conversations idle this long go back to the main menu.
    conversation_timeout_minutes: int = 30
    # Where people reach this app (links to the console and the privacy notice in LINE
    # messages), e.g. https://bot.konchim.go.th; empty means http://127.0.0.1:<port>.
    public_base_url: str = ""
    # Personal data (who filed it, what they wrote, photos, location) is removed from
    # closed tickets and answered questions this many days after they closed.
    feedback_retention_days: int = 365

    @property
    def public_url(self) -> str:
        return (self.public_base_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @property
    def has_channel(self) -> bool:
        return bool(self.channel_secret and self.channel_access_token)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from environment variables (os.environ by default)."""
    env = dict(os.environ if env is None else env)
    base = env.get("LINE_API_BASE_URL", "").rstrip("/") or LINE_API_DEFAULT
    # Tests and local runs point both hosts at one fake server; production uses LINE's two hosts.
    data_base = env.get("LINE_DATA_API_BASE_URL", "").rstrip("/") or (
        LINE_DATA_API_DEFAULT if base == LINE_API_DEFAULT else base
    )
    secret = env.get("LINE_CHANNEL_SECRET", "")
    settings = Settings(
        channel_secret=secret,
        channel_access_token=env.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
        line_api_base_url=base,
        line_data_api_base_url=data_base,
        database_path=Path(env.get("DATABASE_PATH") or Settings.database_path),
        content_dir=Path(env.get("CONTENT_DIR") or Settings.content_dir),
        port=int(env.get("PORT") or 8000),
        simulator_enabled=_bool(env.get("SIMULATOR_ENABLED"), default=not secret),
        worker_threads=int(env.get("WORKER_THREADS") or 4),
        start_worker=_bool(env.get("START_WORKER"), default=True),
        inbox_lease_seconds=float(env.get("INBOX_LEASE_SECONDS") or 30),
        public_base_url=env.get("PUBLIC_BASE_URL", "").strip().rstrip("/"),
        feedback_retention_days=int(env.get("FEEDBACK_RETENTION_DAYS") or 365),
    )
    if env.get("SECRET_KEY"):
        settings = settings.with_(secret_key=env["SECRET_KEY"])
    return settings
