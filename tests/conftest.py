import itertools
import logging
import os
import shutil
from pathlib import Path

import pytest

from bot import create_app
from bot.config import PROJECT_ROOT, Settings
from fakeline.server import FakeLineServer
from helpers import ACCESS_TOKEN, CHANNEL_SECRET, ServedApp
from postgres_server import PostgresServer, binaries

pytest_plugins = ("admin_support",)

# The tiers (pytest.ini lists the markers). `make test` runs them all; `make test-fast` leaves
# out the slow ones for inner loops. Marked here, from what a test uses, so no test can forget.
FAULT_FILES = {"test_load_faults.py"}  # load and kill -9 runs
# Real processes (gunicorn, the clock, kill -9 of a reminders pass).
PROCESS_FILES = {"test_processes.py", "test_console_processes.py", "test_reminders_e2e.py", "test_reminders_exactly_once.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
        if item.path.name in FAULT_FILES:
            item.add_marker(pytest.mark.faults)
        elif item.path.name in PROCESS_FILES or "served" in item.fixturenames:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def fake_line():
    with FakeLineServer(access_token=ACCESS_TOKEN) as server:
        yield server


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """One database migrated per test process; each test starts from a copy (13 ms → 1 ms)."""
    from db import open_database

    path = tmp_path_factory.mktemp("template") / "bot.sqlite3"
    open_database(path).close()  # closing the last connection folds the WAL into the file
    return path


@pytest.fixture
def settings(tmp_path: Path, fake_line, migrated_template) -> Settings:
    shutil.copyfile(migrated_template, tmp_path / "bot.sqlite3")
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


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Argon2id at a test cost (64 KiB, one pass): the same code path, a thousandth of the work.

    Production keeps argon2-cffi's RFC 9106 profile; processes the tests start keep it too.
    """
    from argon2 import PasswordHasher

    from bot.console import passwords

    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    passwords._dummy_hash.cache_clear()
    yield
    passwords._hasher = real
    passwords._dummy_hash.cache_clear()


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    caplog.set_level(logging.INFO)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for this test process (Debian's package), with a database "sao"
    for the SAOs the tests create. CI installs the package and requires it (REQUIRE_POSTGRES)."""
    if binaries() is None:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is not installed (apt-get install postgresql) and REQUIRE_POSTGRES is set")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with PostgresServer() as server:
        server.create_database("sao")
        yield server


_tenants = itertools.count(1)


@pytest.fixture
def postgres_sao(postgres) -> tuple[str, str]:
    """A new SAO on the test PostgreSQL server, its schema up to date: (DATABASE_URL, its slug)."""
    from db import postgres as pg

    tenant = f"t{next(_tenants)}"
    pg.create_tenant(postgres.url("sao", user="postgres"), postgres.url("sao"), tenant)
    return postgres.url("sao"), tenant


@pytest.fixture(params=["sqlite", "postgresql"])
def connect_storage(request, tmp_path):
    """Opens connections to one new, migrated database, on each engine: a SQLite file, or a
    new SAO's schema on the test PostgreSQL server. The storage modules take either."""
    from db import connect, open_database, postgres

    opened = []
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        opened.append(open_database(path))

        def open_one():
            opened.append(connect(path))
            return opened[-1]
    else:
        url, tenant = request.getfixturevalue("postgres_sao")

        def open_one():
            opened.append(postgres.connect(url, tenant))
            return opened[-1]

    yield open_one
    for db in opened:
        db.close()
