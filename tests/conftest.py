import logging
from pathlib import Path

import pytest

from bot import create_app
from bot.config import PROJECT_ROOT, Settings
from fakeline.server import FakeLineServer
from helpers import ACCESS_TOKEN, CHANNEL_SECRET, ServedApp

pytest_plugins = ("admin_support",)


@pytest.fixture
def fake_line():
    with FakeLineServer(access_token=ACCESS_TOKEN) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, fake_line) -> Settings:
    return Settings(
        channel_secret=CHANNEL_SECRET,
        channel_access_token=ACCESS_TOKEN,
        line_api_base_url=fake_line.url,
        line_data_api_base_url=fake_line.url,
        database_path=tmp_path / "bot.sqlite3",
        content_dir=PROJECT_ROOT / "content",
        secret_key="test-secret-key",
        simulator_enabled=True,
        worker_threads=2,
        inbox_lease_seconds=2.0,
        line_backoff_base_seconds=0.05,
        line_timeout_seconds=2.0,
    )


@pytest.fixture
def served(settings):
    with ServedApp(create_app(settings)) as app:
        yield app


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    caplog.set_level(logging.INFO)
