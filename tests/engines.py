"""Run a test module on both engines: `from engines import settings  # noqa: F401` in it replaces
conftest's `settings` with one parametrised over SQLite and a new SAO's PostgreSQL schema
(DATABASE_URL and SAO_TENANT), so everything the module starts (the app, the clock's passes)
stores there. `open_db(settings)` opens the same database for the test's own checks."""
from __future__ import annotations

import pytest

from db import open_for


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, settings):
    if request.param == "sqlite":
        return settings
    url, tenant = request.getfixturevalue("postgres_sao")
    return settings.with_(database_url=url, tenant=tenant)


def open_db(settings):
    """The database the settings name, on its engine, up to date."""
    return open_for(settings)
