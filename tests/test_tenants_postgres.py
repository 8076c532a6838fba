"""Many SAOs from one install on PostgreSQL (DATABASE_URL): each SAO added by `tenant add` gets
its own role and schema, answers on its own LINE channel into them, keeps its own console, and
is dropped whole by `tenant remove`. Nothing of an SAO's data is a file any more.

Reuses tests/test_tenants.py's helpers; each test has a new database of its own on the suite's
PostgreSQL server, as each of those tests has a folder of its own.
"""
from __future__ import annotations

import json
import sqlite3
import zipfile

import pytest
import requests

from bot.config import PROJECT_ROOT, Settings
from bot.hosting.app import HostedApp
from bot.hosting.registry import TenantRegistry, settings_for
from db import postgres as pg
from helpers import text_event, user_id, wait_until
from test_tenants import PASSWORD, Served, any_token_line, post, replies_with  # noqa: F401  (a fixture)
from test_tenants import run_cli as run_cli_with_files
# The province's console and summary, run again here on PostgreSQL (this module's host and hosted).
from test_tenants import test_a_province_account_sees_the_figures_and_reports_of_the_saos_it_is_given_and_no_others  # noqa: F401
from test_tenants import test_province_grants_follow_the_tenants  # noqa: F401
from test_tenants import test_the_province_summary_puts_every_saos_own_figures_side_by_side  # noqa: F401
from tests.admin_support import csrf_from


@pytest.fixture
def host(tmp_path, any_token_line, postgres) -> Settings:  # noqa: F811
    url = postgres.create_database()
    return Settings(
        line_api_base_url=any_token_line.url, line_data_api_base_url=any_token_line.url,
        database_path=tmp_path / "host" / "sao-bot.sqlite3", data_dir=tmp_path / "host",
        content_dir=PROJECT_ROOT / "content", worker_threads=1, inbox_lease_seconds=2.0,
        line_backoff_base_seconds=0.05, line_timeout_seconds=2.0, public_base_url="https://saos.example.go.th",
        database_url=url, database_admin_url=postgres.url(url.rsplit("/", 1)[1], user="postgres"),
    )


def run_cli(monkeypatch, host: Settings, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", host.database_url)
    monkeypatch.setenv("DATABASE_ADMIN_URL", host.database_admin_url)
    return run_cli_with_files(monkeypatch, host, *argv)


@pytest.fixture
def two_saos(monkeypatch, host):
    for slug, name, place in (("khonchim", "อบต.คอนฉิม", ("แวงใหญ่", "ขอนแก่น")), ("nonsaat", "อบต.โนนสะอาด", ("ภูเวียง", "ขอนแก่น"))):
        assert run_cli(monkeypatch, host, "tenant", "add", slug, "--name", name, "--district", place[0],
                       "--province", place[1], "--channel-secret", f"secret-{slug}", "--channel-token", f"token-{slug}") == 0
    return TenantRegistry.for_settings(host)


@pytest.fixture
def hosted(host, two_saos):
    served = Served(HostedApp(host, two_saos))
    yield served
    served.close()


def rows(host: Settings, slug: str, sql: str) -> list:
    db = pg.connect(host.database_url, slug)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_two_saos_answer_on_their_own_channels_into_their_own_schemas(hosted, host, any_token_line):  # noqa: F811
    assert pg.tenants(host.database_url) == ["khonchim", "nonsaat"]
    khonchim_citizen, nonsaat_citizen = user_id(), user_id()
    assert post(hosted.url, "khonchim", "secret-khonchim", text_event(khonchim_citizen, "ขอบคุณค่ะ 🙏")).status_code == 200
    assert post(hosted.url, "nonsaat", "secret-nonsaat", text_event(nonsaat_citizen, "ไฟถนนหน้าบ้านดับค่ะ")).status_code == 200
    wait_until(lambda: replies_with(any_token_line, "token-khonchim") and replies_with(any_token_line, "token-nonsaat"))
    assert len(replies_with(any_token_line, "token-khonchim")) == 1
    assert len(replies_with(any_token_line, "token-nonsaat")) == 1
    assert khonchim_citizen in json.dumps(rows(host, "khonchim", "SELECT * FROM inbox"))
    assert khonchim_citizen not in json.dumps(rows(host, "nonsaat", "SELECT * FROM inbox"))
    assert nonsaat_citizen in json.dumps(rows(host, "nonsaat", "SELECT * FROM inbox"))
    # No SAO keeps a database file: its data is its schema.
    for slug in ("khonchim", "nonsaat"):
        assert not list((host.data_path / "tenants" / slug).rglob("*.sqlite3*"))


def test_a_webhook_signed_with_another_saos_secret_is_refused_and_stored_nowhere(hosted, host):
    assert post(hosted.url, "khonchim", "secret-nonsaat", text_event(user_id(), "แจ้งไฟดับค่ะ")).status_code == 400
    for slug in ("khonchim", "nonsaat"):
        assert rows(host, slug, "SELECT count(*) FROM inbox") == [(0,)]


def test_each_sao_keeps_its_own_console_accounts(hosted, host, monkeypatch):
    assert run_cli(monkeypatch, host, "--tenant", "khonchim", "create-admin", "--username", "somsri") == 0
    assert rows(host, "khonchim", "SELECT username FROM admin_users") == [("somsri",)]
    assert rows(host, "nonsaat", "SELECT count(*) FROM admin_users") == [(0,)]
    browser = requests.Session()

    def sign_in(slug: str) -> requests.Response:
        page = browser.get(f"{hosted.url}/t/{slug}/admin/login", timeout=10)
        assert page.status_code == 200 and "csrf_token" in page.text, page.text[-3000:]
        return browser.post(f"{hosted.url}/t/{slug}/admin/login", timeout=10, allow_redirects=False,
                            data={"username": "somsri", "password": PASSWORD, "csrf_token": csrf_from(page.text)})

    assert sign_in("khonchim").status_code == 302
    assert browser.get(f"{hosted.url}/t/khonchim/admin/", timeout=10, allow_redirects=False).status_code == 200
    # The other SAO has no account at all: its console says how to make its first one.
    assert "python -m bot --tenant nonsaat create-admin" in browser.get(f"{hosted.url}/t/nonsaat/admin/login", timeout=10).text


def test_remove_drops_the_saos_schema_and_a_slug_with_a_schema_left_is_refused(hosted, host, monkeypatch):
    assert run_cli(monkeypatch, host, "tenant", "remove", "khonchim", "--yes") == 0
    assert pg.tenants(host.database_url) == ["nonsaat"]
    assert post(hosted.url, "khonchim", "secret-khonchim", text_event(user_id(), "สวัสดี")).status_code == 404
    assert post(hosted.url, "nonsaat", "secret-nonsaat", text_event(user_id(), "สวัสดี")).status_code == 200
    # Added again, it starts empty; a schema left behind by hand would be refused, not reused.
    assert run_cli(monkeypatch, host, "tenant", "add", "khonchim", "--name", "อบต.คอนฉิม", "--district", "แวงใหญ่",
                   "--province", "ขอนแก่น", "--channel-secret", "secret-khonchim", "--channel-token", "token-khonchim") == 0
    assert rows(host, "khonchim", "SELECT count(*) FROM inbox") == [(0,)]
    TenantRegistry.for_settings(host).remove("khonchim")  # the registry forgets it, the schema stays
    assert run_cli(monkeypatch, host, "tenant", "add", "khonchim", "--name", "อบต.คอนฉิม", "--district", "แวงใหญ่",
                   "--province", "ขอนแก่น", "--channel-secret", "secret-khonchim", "--channel-token", "token-khonchim") == 2
    assert "khonchim" in pg.tenants(host.database_url)


def test_the_hosted_clock_writes_each_saos_records_into_its_own_schema(host, two_saos):
    from scheduler.clock import build_hosted_scheduler

    scheduler = build_hosted_scheduler(host)
    job = scheduler.get_job("nonsaat:flag-overdue-questions")
    job.func(*job.args)
    assert rows(host, "nonsaat", "SELECT job FROM clock_heartbeats") == [("flag-overdue-questions",)]
    assert rows(host, "khonchim", "SELECT count(*) FROM clock_heartbeats") == [(0,)]
    # The nightly backup: a SQLite file copied from the SAO's schema, in its own folder.
    backup = scheduler.get_job("khonchim:backup")
    done = backup.func(*backup.args)
    assert done["file"].startswith(str(host.data_path / "tenants" / "khonchim")) and done["schema_version"] == 19
    with sqlite3.connect(done["file"]) as copy:
        # khonchim's own rows (this job's start), not nonsaat's
        assert copy.execute("SELECT job FROM clock_heartbeats").fetchall() == [("backup",)]
    assert settings_for(host, two_saos.get("khonchim")).database_url == host.database_url


def test_an_sao_is_exported_from_postgresql_and_imported_again_with_every_row(hosted, host, monkeypatch, tmp_path,
                                                                             any_token_line):  # noqa: F811
    citizen = user_id()
    assert post(hosted.url, "khonchim", "secret-khonchim", text_event(citizen, "ไฟถนนหน้าบ้านดับ 3 วันแล้วค่ะ 😢")).status_code == 200
    wait_until(lambda: replies_with(any_token_line, "token-khonchim"))
    target = tmp_path / "khonchim.zip"
    assert run_cli(monkeypatch, host, "tenant", "export", "khonchim", "--to", str(target)) == 0
    with zipfile.ZipFile(target) as z:
        assert json.loads(z.read("tenant.json"))["schema_version"] == 19
        z.extract("sao-bot.sqlite3", tmp_path / "unzipped")
    with sqlite3.connect(tmp_path / "unzipped" / "sao-bot.sqlite3") as copy:
        assert citizen in json.dumps(copy.execute("SELECT * FROM inbox").fetchall(), ensure_ascii=False)

    assert run_cli(monkeypatch, host, "tenant", "import", str(target), "--slug", "khonchim-moved",
                   "--channel-secret", "secret-moved", "--channel-token", "token-moved") == 0
    for table in ("inbox", "outbox", "conversations", "chats"):
        assert rows(host, "khonchim-moved", f"SELECT * FROM {table} ORDER BY 1") == \
            rows(host, "khonchim", f"SELECT * FROM {table} ORDER BY 1"), table
    assert post(hosted.url, "khonchim-moved", "secret-moved", text_event(citizen, "ขอบคุณค่ะ")).status_code == 200
    wait_until(lambda: replies_with(any_token_line, "token-moved"))
    # The moved SAO goes on numbering after what it had: no id is given out twice.
    assert rows(host, "khonchim-moved", "SELECT count(DISTINCT id), count(*) FROM inbox") == [(2, 2)]


def test_an_sao_moves_from_a_single_install_on_sqlite_into_a_hosted_postgresql(hosted, host, monkeypatch, tmp_path):
    """Its export from a host on files, imported here: its tickets are in its new schema."""
    from db import open_database, tickets, transaction

    files_host = host.with_(data_dir=tmp_path / "files-host", database_path=tmp_path / "files-host" / "sao-bot.sqlite3",
                            database_url="", database_admin_url="")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_ADMIN_URL", raising=False)
    assert run_cli_with_files(monkeypatch, files_host, "tenant", "add", "bantoom", "--name", "อบต.บ้านทุ่ม",
                              "--district", "เมืองขอนแก่น", "--province", "ขอนแก่น") == 0
    db = open_database(files_host.data_path / "tenants" / "bantoom" / "sao-bot.sqlite3")
    with transaction(db):
        tickets.create(db, prefix="BT", fiscal_year=2570, submission_key="user:U1/s1", category="village", topic="road",
                       service_id=None, division_id="engineering", chat_key="user:U1", line_user_id="U1",
                       description="ถนนหมู่ 5 เป็นหลุมบ่อ รถล้มไปสองคันแล้วจ้า 🛵", location=None, photo_message_ids=[])
    db.close()
    target = tmp_path / "bantoom.zip"
    assert run_cli_with_files(monkeypatch, files_host, "tenant", "export", "bantoom", "--to", str(target)) == 0

    assert run_cli(monkeypatch, host, "tenant", "import", str(target)) == 0
    assert rows(host, "bantoom", "SELECT number, description FROM tickets") == [
        ("BT-2570-00001", "ถนนหมู่ 5 เป็นหลุมบ่อ รถล้มไปสองคันแล้วจ้า 🛵")]
    assert not list((host.data_path / "tenants" / "bantoom").rglob("*.sqlite3*"))  # its data is its schema
    # Imported once; a second import of the same slug is refused and leaves the first whole.
    assert run_cli(monkeypatch, host, "tenant", "import", str(target)) == 2
    assert len(rows(host, "bantoom", "SELECT * FROM tickets")) == 1


def test_a_second_machine_serves_the_same_saos_from_the_registry_in_postgresql(hosted, host, monkeypatch, tmp_path,
                                                                              any_token_line):  # noqa: F811
    """Nothing a machine needs to know of the SAOs is a file of the first one: the registry is the
    schema hosting and each SAO's content edits are in its schema, so a second machine (another
    data folder, the same DATABASE_URL) answers the SAOs the first one added, with their own
    content, and stops when one is removed."""
    assert not (host.data_path / "tenants" / "tenants.sqlite3").exists()
    other = host.with_(data_dir=tmp_path / "machine-b", database_path=tmp_path / "machine-b" / "sao-bot.sqlite3")
    second = Served(HostedApp(other, TenantRegistry.for_settings(other)))
    try:
        citizen = user_id()
        assert post(second.url, "khonchim", "secret-khonchim", text_event(citizen, "สวัสดีค่ะ 🙏")).status_code == 200
        wait_until(lambda: replies_with(any_token_line, "token-khonchim"))
        assert citizen in json.dumps(rows(host, "khonchim", "SELECT user_id FROM inbox"))
        # Added on the first machine while the second serves: the second answers it at its next request.
        assert run_cli(monkeypatch, host, "tenant", "add", "bantoom", "--name", "อบต.บ้านทุ่ม", "--district", "เมืองขอนแก่น",
                       "--province", "ขอนแก่น", "--channel-secret", "secret-bantoom", "--channel-token", "token-bantoom") == 0
        assert post(second.url, "bantoom", "secret-bantoom", text_event(user_id(), "ขอบคุณค่ะ")).status_code == 200
        wait_until(lambda: replies_with(any_token_line, "token-bantoom"))
        # Its own profile, written on the first machine at `tenant add`, is what the second shows:
        # the SAO's content edits are in its schema (bot/content/stored.py), not only in a folder.
        page = requests.get(f"{second.url}/t/bantoom/handbook", timeout=10).text
        assert "องค์การบริหารส่วนตำบลบ้านทุ่ม" in page and "คอนฉิม" not in page
        assert rows(host, "bantoom", "SELECT path FROM content_edits WHERE path = 'profile.yaml'") == [("profile.yaml",)]
        assert run_cli(monkeypatch, host, "tenant", "remove", "bantoom", "--yes") == 0
        assert post(second.url, "bantoom", "secret-bantoom", text_event(user_id(), "สวัสดี")).status_code == 404
    finally:
        second.close()


def test_the_hosts_own_backup_copies_the_registry_and_the_province_from_postgresql(host, two_saos, monkeypatch):
    from scheduler.clock import build_hosted_scheduler

    assert run_cli(monkeypatch, host, "province", "add", "prov.kk", "--tenants", "nonsaat") == 0
    assert "_province" in pg.tenants(host.database_url, every=True) and "_province" not in pg.tenants(host.database_url)
    assert not list((host.data_path / "province").glob("*.sqlite3"))  # its accounts are in PostgreSQL
    job = build_hosted_scheduler(host).get_job("host-backup")
    done = job.func(*job.args)
    assert set(done) == {"_registry", "_province"} and not any("error" in d for d in done.values())
    with sqlite3.connect(done["_registry"]["file"]) as copy:
        assert copy.execute("SELECT slug, channel_secret FROM tenants ORDER BY slug").fetchall() == [
            ("khonchim", "secret-khonchim"), ("nonsaat", "secret-nonsaat")]
        assert copy.execute("SELECT username, slug FROM province_grants").fetchall() == [("prov.kk", "nonsaat")]
    with sqlite3.connect(done["_province"]["file"]) as copy:
        assert copy.execute("SELECT username FROM admin_users").fetchall() == [("prov.kk",)]


def test_a_console_session_signed_in_on_one_machine_goes_on_on_another(host, two_saos, monkeypatch, tmp_path):
    """With the same SECRET_KEY on every machine, each SAO's console key is the same everywhere
    (registry.derived_secret) and its sessions are rows of its schema: a load balancer may send
    a clerk's next page to either machine."""
    keyed = host.with_(secret_key="one-secret-for-every-machine-of-the-install")
    other = keyed.with_(data_dir=tmp_path / "machine-b", database_path=tmp_path / "machine-b" / "sao-bot.sqlite3")
    first = Served(HostedApp(keyed, TenantRegistry.for_settings(keyed)))
    second = Served(HostedApp(other, TenantRegistry.for_settings(other)))
    try:
        assert run_cli(monkeypatch, host, "--tenant", "khonchim", "create-admin", "--username", "somsri") == 0
        browser = requests.Session()
        page = browser.get(f"{first.url}/t/khonchim/admin/login", timeout=10)
        signed_in = browser.post(f"{first.url}/t/khonchim/admin/login", timeout=10, allow_redirects=False,
                                 data={"username": "somsri", "password": PASSWORD, "csrf_token": csrf_from(page.text)})
        assert signed_in.status_code == 302
        assert browser.get(f"{second.url}/t/khonchim/admin/", timeout=10, allow_redirects=False).status_code == 200
    finally:
        first.close()
        second.close()
