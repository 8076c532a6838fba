"""Fixtures and helpers for the admin console's tests (loaded by conftest.py's pytest_plugins)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from bot import create_app
from bot.console import accounts
from bot.console.audit import COMMAND_LINE
from bot.content.divisions import load_divisions
from db import admin_users

PASSWORD = "ข้าวเหนียว-มะม่วง-2569"  # Thai, long, what a clerk might choose
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@dataclass
class Console:
    """The app (worker off) and ways to make accounts and signed-in test clients."""

    app: object

    @property
    def db(self):
        return self.app.extensions["db_pool"].get()

    @property
    def divisions(self):
        return load_divisions(self.app.config["SETTINGS"].content_dir / "divisions.yaml")

    def make_user(self, username: str, role: str = "admin", division_id: str | None = None, password: str = PASSWORD, display_name: str = ""):
        if role == "staff" and division_id is None:
            division_id = "engineering"
        user_id = accounts.create_user(
            self.db, COMMAND_LINE, username=username, role=role, password=password, divisions=self.divisions,
            division_id=division_id, display_name=display_name, must_change_password=False,
        )
        return admin_users.get(self.db, user_id)

    def client(self, **kwargs):
        return self.app.test_client(**kwargs)

    def login(self, username: str, password: str = PASSWORD, client=None, expect: int = 302):
        client = client or self.client()
        token = csrf_from(client.get("/admin/login").get_data(as_text=True))
        response = client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == expect, response.get_data(as_text=True)[:500]
        return client

    def token(self, client, path: str = "/admin/account/password") -> str:
        return csrf_from(client.get(path).get_data(as_text=True))


@pytest.fixture
def console(settings):
    app = create_app(settings.with_(start_worker=False))
    yield Console(app)
    app.extensions["db_pool"].get().close()


@pytest.fixture
def admin(console):
    return console.make_user("somchai", "admin", display_name="สมชาย ใจดี")


@pytest.fixture
def admin_client(console, admin):
    return console.login("somchai")
