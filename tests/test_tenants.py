"""Many SAOs from one install (bot/hosting): each answers on its own LINE channel, from its own
content, into its own database, with its own console; the commands that add, list, export and
remove them; the clock that runs every tenant's timetable."""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import zipfile
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from bot.__main__ import main as bot_main
from bot.config import PROJECT_ROOT, Settings
from bot.hosting.app import HostedApp
from bot.hosting.registry import Tenant, TenantError, TenantRegistry, settings_for
from fakeline.app import bot_user_id
from fakeline.server import FakeLineServer
from tests.admin_support import csrf_from
from tests.helpers import text_event, user_id, wait_until
from bot.line.signature import sign

PASSWORD = "hosted-admin-password-1"


@pytest.fixture
def any_token_line():
    """The fake LINE API taking any bearer token: each reply is checked by the token it carries."""
    with FakeLineServer() as server:
        yield server


@pytest.fixture
def host(tmp_path: Path, any_token_line) -> Settings:
    return Settings(
        line_api_base_url=any_token_line.url, line_data_api_base_url=any_token_line.url,
        database_path=tmp_path / "host" / "sao-bot.sqlite3", data_dir=tmp_path / "host",
        content_dir=PROJECT_ROOT / "content", worker_threads=1, inbox_lease_seconds=2.0,
        line_backoff_base_seconds=0.05, line_timeout_seconds=2.0, public_base_url="https://saos.example.go.th",
    )


def run_cli(monkeypatch, host: Settings, *argv: str) -> int:
    """python -m bot … with the host's settings in the environment, as an operator runs it."""
    monkeypatch.setenv("DATA_DIR", str(host.data_path))
    monkeypatch.setenv("LINE_API_BASE_URL", host.line_api_base_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", host.public_base_url)
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "DATABASE_PATH", "CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    return bot_main(list(argv))


@pytest.fixture
def two_saos(monkeypatch, host, tmp_path):
    """Khon Chim on the shipped content; Non Sa-at with a profile of its own."""
    own = tmp_path / "nonsaat-content"
    own.mkdir()
    profile = (PROJECT_ROOT / "content" / "profile.yaml").read_text(encoding="utf-8")
    (own / "profile.yaml").write_text(profile.replace("คอนฉิม", "โนนสะอาด"), encoding="utf-8")
    assert run_cli(monkeypatch, host, "tenant", "add", "khonchim", "--name", "อบต.คอนฉิม", "--district", "แวงใหญ่", "--province", "ขอนแก่น", 
                   "--channel-secret", "secret-khonchim", "--channel-token", "token-khonchim") == 0
    assert run_cli(monkeypatch, host, "tenant", "add", "nonsaat", "--name", "อบต.โนนสะอาด",
                   "--channel-secret", "secret-nonsaat", "--channel-token", "token-nonsaat",
                   "--content-from", str(own)) == 0
    return TenantRegistry.for_settings(host)


class Served:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self):
        self._server.shutdown()
        self.app.close()


@pytest.fixture
def hosted(host, two_saos):
    served = Served(HostedApp(host, two_saos))
    yield served
    served.close()


def post(url: str, slug: str, secret: str, *events) -> requests.Response:
    """A webhook as LINE sends it for the channel of this secret (the tests' channels pair
    secret-X with token-X), to the SAO's address."""
    body = json.dumps({"destination": bot_user_id(secret.replace("secret-", "token-")), "events": list(events)},
                      ensure_ascii=False).encode()
    return requests.post(f"{url}/callback/{slug}", data=body, timeout=10,
                         headers={"Content-Type": "application/json", "X-Line-Signature": sign(secret, body)})


def rows(host: Settings, slug: str, sql: str) -> list:
    with sqlite3.connect(host.data_path / "tenants" / slug / "sao-bot.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def replies_with(line, token: str) -> list:
    return [r for r in line.state.deliveries() if r.headers.get("authorization") == f"Bearer {token}"]


def test_two_saos_answer_on_their_own_channels_into_their_own_databases(hosted, host, any_token_line):
    khonchim_citizen, nonsaat_citizen = user_id(), user_id()
    assert post(hosted.url, "khonchim", "secret-khonchim", text_event(khonchim_citizen, "ขอบคุณค่ะ 🙏")).status_code == 200
    assert post(hosted.url, "nonsaat", "secret-nonsaat", text_event(nonsaat_citizen, "สวัสดีครับ")).status_code == 200
    wait_until(lambda: replies_with(any_token_line, "token-khonchim") and replies_with(any_token_line, "token-nonsaat"))
    # Each SAO replied with its own channel's token, and only once.
    assert len(replies_with(any_token_line, "token-khonchim")) == 1
    assert len(replies_with(any_token_line, "token-nonsaat")) == 1
    # Each SAO's events are in its own database and nowhere else.
    assert rows(host, "khonchim", "SELECT count(*) FROM inbox")[0][0] == 1
    assert rows(host, "nonsaat", "SELECT count(*) FROM inbox")[0][0] == 1
    assert khonchim_citizen in json.dumps(rows(host, "khonchim", "SELECT * FROM inbox"))
    assert khonchim_citizen not in json.dumps(rows(host, "nonsaat", "SELECT * FROM inbox"))


def test_a_webhook_signed_with_another_saos_secret_is_refused_and_stored_nowhere(hosted, host, any_token_line):
    forged = post(hosted.url, "khonchim", "secret-nonsaat", text_event(user_id(), "แจ้งไฟดับค่ะ"))
    assert forged.status_code == 400
    unknown = post(hosted.url, "nobody", "secret-khonchim", text_event(user_id(), "สวัสดี"))
    assert unknown.status_code == 404
    for slug in ("khonchim", "nonsaat"):
        assert rows(host, slug, "SELECT count(*) FROM inbox")[0][0] == 0
    assert [r.path for r in any_token_line.state.requests] == ["/v2/bot/info"] * 2  # only tenant add's, below


def test_each_sao_shows_its_own_content_and_keeps_its_own_console(hosted, host, monkeypatch):
    khonchim = requests.get(f"{hosted.url}/t/khonchim/handbook", timeout=10).text
    nonsaat = requests.get(f"{hosted.url}/t/nonsaat/handbook", timeout=10).text
    assert "คอนฉิม" in khonchim and "โนนสะอาด" not in khonchim
    assert "โนนสะอาด" in nonsaat and "คอนฉิม" not in nonsaat
    assert 'href="/t/nonsaat/static/base.css"' in nonsaat  # the page's own files come from under its prefix
    assert requests.get(f"{hosted.url}/t/nonsaat/static/base.css", timeout=10).status_code == 200
    for page in ("transparency", "privacy", "handbook"):  # no link leads out of the SAO's own pages
        html = requests.get(f"{hosted.url}/t/nonsaat/{page}", timeout=10)
        assert html.status_code == 200
        assert not re.search(r'(?:href|src|action)="/(?!t/nonsaat/)', html.text), page

    assert run_cli(monkeypatch, host, "--tenant", "khonchim", "create-admin", "--username", "somsri") == 0
    browser = requests.Session()

    def sign_in(slug: str) -> requests.Response:
        page = browser.get(f"{hosted.url}/t/{slug}/admin/login", timeout=10)
        return browser.post(f"{hosted.url}/t/{slug}/admin/login", timeout=10, allow_redirects=False,
                            data={"username": "somsri", "password": PASSWORD, "csrf_token": csrf_from(page.text)})

    signed_in = sign_in("khonchim")
    assert signed_in.status_code == 302 and signed_in.headers["Location"].startswith("/t/khonchim/admin")
    assert "Path=/t/khonchim/" in signed_in.headers["Set-Cookie"]
    assert browser.get(f"{hosted.url}/t/khonchim/admin/", timeout=10, allow_redirects=False).status_code == 200
    # The other SAO's console is not opened by the first's session, and has no accounts yet: it
    # says how to make its first one.
    assert browser.get(f"{hosted.url}/t/nonsaat/admin/", timeout=10, allow_redirects=False).status_code == 302
    assert "python -m bot --tenant nonsaat create-admin" in browser.get(f"{hosted.url}/t/nonsaat/admin/login", timeout=10).text
    # Once it has its own admin, the first SAO's name and password still mean nothing there.
    monkeypatch.setenv("ADMIN_PASSWORD", "another-password-22")
    assert bot_main(["--tenant", "nonsaat", "create-admin", "--username", "somchai"]) == 0
    assert sign_in("nonsaat").status_code == 401


def test_export_holds_one_saos_data_import_moves_it_and_remove_asks_before_deleting(hosted, host, monkeypatch, tmp_path, any_token_line):
    citizen = user_id()
    assert post(hosted.url, "khonchim", "secret-khonchim", text_event(citizen, "ขอบคุณครับ")).status_code == 200
    wait_until(lambda: replies_with(any_token_line, "token-khonchim"))
    target = tmp_path / "khonchim.zip"
    assert run_cli(monkeypatch, host, "tenant", "export", "khonchim", "--to", str(target)) == 0
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
        assert json.loads(z.read("tenant.json"))["slug"] == "khonchim"
        assert "secret-khonchim" not in z.read("tenant.json").decode() and "files/secret-key" not in names
        z.extract("sao-bot.sqlite3", tmp_path / "unzipped")
    with sqlite3.connect(tmp_path / "unzipped" / "sao-bot.sqlite3") as copy:
        assert citizen in json.dumps(copy.execute("SELECT * FROM inbox").fetchall())
    assert run_cli(monkeypatch, host, "tenant", "export", "khonchim", "--to", str(target)) == 2  # never overwritten

    # Moved to another host (here: the same one under a new slug), with the channel given again.
    assert run_cli(monkeypatch, host, "tenant", "import", str(target), "--slug", "khonchim-moved",
                   "--channel-secret", "secret-moved", "--channel-token", "token-moved") == 0
    assert citizen in json.dumps(rows(host, "khonchim-moved", "SELECT * FROM inbox"))
    # Its own profile came with it, in place of the link to the shipped one the new folder started with.
    moved_profile = host.data_path / "tenants" / "khonchim-moved" / "content" / "profile.yaml"
    assert not moved_profile.is_symlink() and "district: แวงใหญ่" in moved_profile.read_text(encoding="utf-8")
    assert post(hosted.url, "khonchim-moved", "secret-moved", text_event(citizen, "สวัสดีค่ะ")).status_code == 200
    wait_until(lambda: replies_with(any_token_line, "token-moved"))
    # An archive whose files would land outside the SAO's folder is refused, and leaves nothing.
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(target) as z, zipfile.ZipFile(evil, "w") as out:
        for name in ("tenant.json", "sao-bot.sqlite3"):
            out.writestr(name, z.read(name))
        out.writestr("files/../../escaped.txt", "x")
    assert run_cli(monkeypatch, host, "tenant", "import", str(evil), "--slug", "evil") == 2
    assert TenantRegistry.for_settings(host).get("evil") is None
    assert not (host.data_path / "tenants" / "evil").exists() and not (host.data_path / "escaped.txt").exists()

    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # not a terminal: nothing is asked, nothing removed
    assert run_cli(monkeypatch, host, "tenant", "remove", "khonchim") == 2
    assert (host.data_path / "tenants" / "khonchim").exists()
    assert run_cli(monkeypatch, host, "tenant", "remove", "khonchim", "--yes") == 0
    assert not (host.data_path / "tenants" / "khonchim").exists()
    assert [t.slug for t in TenantRegistry.for_settings(host).all()] == ["khonchim-moved", "nonsaat"]
    # The running web app stops serving it at once; the other SAO is untouched.
    assert post(hosted.url, "khonchim", "secret-khonchim", text_event(user_id(), "สวัสดี")).status_code == 404
    assert post(hosted.url, "nonsaat", "secret-nonsaat", text_event(user_id(), "สวัสดี")).status_code == 200


def test_a_tenant_added_while_serving_is_served_and_bad_additions_are_refused(hosted, host, monkeypatch, any_token_line):
    # Without content of its own, an SAO must say where it is: the example SAO's details are not its own.
    assert run_cli(monkeypatch, host, "tenant", "add", "nonmueang", "--name", "อบต.โนนเมือง",
                   "--channel-secret", "secret-nonmueang", "--channel-token", "token-nonmueang") == 2
    assert TenantRegistry.for_settings(host).get("nonmueang") is None
    assert run_cli(monkeypatch, host, "tenant", "add", "nonmueang", "--name", "อบต.โนนเมือง", "--district", "เมืองขอนแก่น",
                   "--province", "ขอนแก่น", "--channel-secret", "secret-nonmueang", "--channel-token", "token-nonmueang") == 0
    page = requests.get(f"{hosted.url}/t/nonmueang/handbook", timeout=10).text
    assert "องค์การบริหารส่วนตำบลโนนเมือง" in page and "คอนฉิม" not in page and "konchim.go.th" not in page
    assert post(hosted.url, "nonmueang", "secret-nonmueang", text_event(user_id(), "สวัสดีค่ะ")).status_code == 200
    wait_until(lambda: replies_with(any_token_line, "token-nonmueang"))

    registry = TenantRegistry.for_settings(host)
    for bad in (Tenant("Khon_Chim", "x", "a", "b"), Tenant("nonsaat", "x", "c", "d"),
                Tenant("another", "x", "secret-khonchim", "t"), Tenant("half", "x", "secret-only", "")):
        with pytest.raises(TenantError):
            registry.add(bad)
    assert run_cli(monkeypatch, host, "tenant", "add", "broken", "--name", "x", "--content-from", str(host.data_path)) == 2
    assert registry.get("broken") is None and not (host.data_path / "tenants" / "broken").exists()
    assert run_cli(monkeypatch, host, "--tenant", "nobody", "doctor") == 2


def test_setup_line_and_doctor_for_one_sao_use_its_own_webhook_address(host, two_saos, monkeypatch, capsys, any_token_line):
    assert run_cli(monkeypatch, host, "--tenant", "khonchim", "setup-line") == 0
    assert any_token_line.state.webhook_endpoint == "https://saos.example.go.th/callback/khonchim"
    capsys.readouterr()
    run_cli(monkeypatch, host, "--tenant", "khonchim", "doctor")
    report = capsys.readouterr().out
    assert "[ok]      URL ของ webhook ตรงกัน: https://saos.example.go.th/callback/khonchim" in report


def test_the_hosted_clock_runs_every_saos_timetable_on_its_own_database(host, two_saos, monkeypatch):
    from scheduler.clock import build_hosted_scheduler, sync_tenant_jobs

    scheduler = build_hosted_scheduler(host)
    ids = {job.id for job in scheduler.get_jobs()}
    assert {"khonchim:reminders", "nonsaat:reminders", "khonchim:backup", "nonsaat:purge-old-data", "tenants"} <= ids

    # One SAO's job writes its heartbeat into that SAO's database only.
    job = scheduler.get_job("nonsaat:flag-overdue-questions")
    job.func(*job.args)
    assert rows(host, "nonsaat", "SELECT job FROM clock_heartbeats") == [("flag-overdue-questions",)]
    assert rows(host, "khonchim", "SELECT count(*) FROM clock_heartbeats") == [(0,)]

    assert run_cli(monkeypatch, host, "tenant", "remove", "khonchim", "--yes") == 0
    assert sync_tenant_jobs(scheduler, host, two_saos) == {"added": [], "removed": ["khonchim"]}
    assert not any(job.id.startswith("khonchim:") for job in scheduler.get_jobs())

    # The host's own databases are backed up too: the registry holds every channel, which no SAO's backup does.
    assert run_cli(monkeypatch, host, "province", "add", "prov.kk", "--tenants", "nonsaat") == 0
    job = scheduler.get_job("host-backup")
    done = job.func(*job.args)
    assert set(done) == {"_registry", "_province"} and not any("error" in d for d in done.values())
    with sqlite3.connect(done["_registry"]["file"]) as copy:
        assert copy.execute("SELECT slug, channel_secret FROM tenants").fetchall() == [("nonsaat", "secret-nonsaat")]
        assert copy.execute("SELECT username, slug FROM province_grants").fetchall() == [("prov.kk", "nonsaat")]
    assert Path(done["_province"]["file"]).parent == host.data_path / "backups" / "_province"
    # Backing it up left the registry as it was: not in WAL mode, whose writes would not touch the
    # file's time that tells the web of a new tenant.
    with sqlite3.connect(two_saos.path) as registry_file:
        assert registry_file.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_serve_hosted_runs_the_hosted_app_and_every_tenants_clock():
    from bot.operations.serve import HOSTED_APP, commands

    hosted = commands("bot:create_app()", hosted=True)
    assert hosted["web"][-1] == HOSTED_APP == "bot.hosting.app:create_hosted_app()"
    assert hosted["clock"][-2:] == ["run", "--tenants"]
    single = commands("bot:create_app()")
    assert single["web"][-1] == "bot:create_app()" and single["clock"][-1] == "run"


def test_one_pool_of_threads_handles_every_saos_events_in_turn_and_all_wait_for_any_webhook():
    """A hosted install runs each process's SAOs on one pool of threads: an SAO's webhook wakes
    it; a busy SAO gets BATCH events before the next SAO's turn; and all handling holds back
    while any SAO's webhook is being answered."""
    import time

    from bot.hosting.workers import BATCH, SharedWorkers
    from bot.pipeline import worker as w

    order: list[str] = []

    class Stub(w.InboxWorker):
        def __init__(self, name: str, events: int):
            self.name, self.events, self.listeners = name, events, []
            self._wake, self._pending_signal = threading.Condition(), 0

        def process_next(self) -> bool:
            if not self.events:
                return False
            self.events -= 1
            order.append(self.name)
            time.sleep(0.005)
            return True

        def sweep(self) -> None:
            pass

    busy, quiet = Stub("busy", 3 * BATCH), Stub("quiet", 0)
    pool = SharedWorkers(threads=1)
    pool.add("busy", busy)
    pool.add("quiet", quiet)
    pool.start()
    try:
        wait_until(lambda: order)
        quiet.events = 1
        quiet.notify()  # the webhook stored the quiet SAO's event while the busy one's are handled
        wait_until(lambda: len(order) == 3 * BATCH + 1)
    finally:
        pool.stop()
    assert order.index("quiet") <= BATCH  # its turn came after at most one batch of the busy SAO's
    assert order.count("busy") == 3 * BATCH

    with busy.answering():  # one SAO's webhook is being answered: another SAO's handling holds back
        started = time.monotonic()
        quiet._yield_to_webhook()
        assert time.monotonic() - started >= w.MAX_YIELD_SECONDS * 0.9
    started = time.monotonic()
    quiet._yield_to_webhook()
    assert time.monotonic() - started < w.MAX_YIELD_SECONDS


def test_gunicorn_releases_every_saos_claims_left_by_the_previous_run(host, two_saos, monkeypatch):
    """Before its workers fork, gunicorn's master releases the claims a killed run left, in
    each SAO's database too: the SAO's events are answered at once, not after their lease."""
    import gc
    import runpy
    import types

    path = host.data_path / "tenants" / "nonsaat" / "sao-bot.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO inbox (webhook_event_id, event_key, event_type, source_key, payload, status, "
                     "locked_until, received_at) VALUES ('E1', 'E1', 'message', 'user:U1', '{}', 'processing', 9999999999, 0)")
    for name, value in (("DATA_DIR", str(host.data_path)), ("LINE_API_BASE_URL", host.line_api_base_url)):
        monkeypatch.setenv(name, value)
    for name in ("DATABASE_PATH", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    said = []
    config = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    try:
        config["on_starting"](types.SimpleNamespace(log=types.SimpleNamespace(info=lambda *a: said.append(a))))
    finally:
        gc.unfreeze()  # on_starting freezes what the master holds for the workers to share; not this test process's
    assert rows(host, "nonsaat", "SELECT status, locked_until FROM inbox") == [("pending", None)]
    assert any("nonsaat" in str(line) for line in said)


def rate(host: Settings, slug: str, person: int, score: int) -> None:
    """A citizen's satisfaction rating of one service, in FY 2570, straight into the SAO's database
    (its file, or its schema on PostgreSQL: tests/test_tenants_postgres.py)."""
    from db import open_for, ratings

    db = open_for(settings_for(host, TenantRegistry.for_settings(host).get(slug)))
    try:
        ratings.save(db, chat_key=f"user:U{person:032d}", service_id="elderly-allowance", division_id="welfare",
                     rated_on="2026-11-10", fiscal_year=2570, scores=dict.fromkeys(ratings.ASPECTS, score),
                     comment=None, source="menu")
    finally:
        db.close()


def test_the_province_summary_puts_every_saos_own_figures_side_by_side(host, two_saos, monkeypatch, capsys):
    rate(host, "khonchim", 1, 5)
    rate(host, "khonchim", 2, 3)
    rate(host, "nonsaat", 3, 2)
    capsys.readouterr()
    assert run_cli(monkeypatch, host, "tenant", "summary", "--fy", "2570", "--round", "12", "--json") == 0
    saos = {row["slug"]: row for row in json.loads(capsys.readouterr().out)["saos"]}
    assert (saos["khonchim"]["ratings"], saos["khonchim"]["satisfaction"]) == (2, 4.0)
    assert (saos["nonsaat"]["ratings"], saos["nonsaat"]["satisfaction"]) == (1, 2.0)
    assert (saos["*"]["ratings"], saos["*"]["satisfaction"]) == (3, 3.33)  # pooled over every answer, not a mean of means
    assert run_cli(monkeypatch, host, "tenant", "summary", "--fy", "2570") == 0
    table = capsys.readouterr().out
    assert "อบต.โนนสะอาด" in table and "รวมทุก อบต." in table and "ความพึงพอใจเฉลี่ย" in table


def test_a_province_account_sees_the_figures_and_reports_of_the_saos_it_is_given_and_no_others(hosted, host, monkeypatch):
    rate(host, "khonchim", 1, 5)
    rate(host, "khonchim", 2, 3)
    rate(host, "nonsaat", 3, 2)
    url = f"{hosted.url}/province"
    browser = requests.Session()
    # No account yet: the sign-in page says how to make one.
    assert "python -m bot province add" in browser.get(f"{url}/login", timeout=10).text
    assert run_cli(monkeypatch, host, "province", "add", "prov.kk", "--tenants", "khonchim", "--display-name", "สมศักดิ์ จังหวัด") == 0

    first = browser.get(f"{url}/?fy=2570&round=12", timeout=10, allow_redirects=False)
    assert first.status_code == 302 and "/province/login?next=" in first.headers["Location"]
    page = browser.get(f"{url}/login", timeout=10)
    wrong = browser.post(f"{url}/login", timeout=10, data={"username": "prov.kk", "password": "not-the-password",
                                                             "csrf_token": csrf_from(page.text)})
    assert wrong.status_code == 401 and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in wrong.text
    signed_in = browser.post(f"{url}/login", timeout=10, allow_redirects=False,
                             data={"username": "prov.kk", "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/province/"
    assert "Path=/province/" in signed_in.headers["Set-Cookie"]

    overview = browser.get(f"{url}/?fy=2570&round=12", timeout=10)
    assert overview.status_code == 200 and "ปีงบประมาณ พ.ศ. 2570" in overview.text
    assert "อบต.คอนฉิม" in overview.text and "โนนสะอาด" not in overview.text
    assert "<td>2</td>" in overview.text and "<td>4.0</td>" in overview.text  # Khon Chim's raters and mean
    assert not re.search(r'(?:href|src|action)="/(?!province/)', overview.text)  # every link stays in the province's pages
    # An SAO not given is "not found", the same as one that does not exist; so is the auditors' report.
    assert browser.get(f"{url}/sao/nonsaat", timeout=10).status_code == 404
    assert browser.get(f"{url}/sao/nosuchsao", timeout=10).status_code == 404
    assert browser.get(f"{url}/sao/nonsaat/report/satisfaction.pdf?fy=2570&round=12", timeout=10).status_code == 404
    assert browser.get(f"{url}/sao/khonchim/report/corruption-reports.pdf?fy=2570&round=12", timeout=10).status_code == 404
    sao = browser.get(f"{url}/sao/khonchim?fy=2570&round=12", timeout=10)
    assert sao.status_code == 200 and "ผลการประเมินความพึงพอใจ" in sao.text
    pdf = browser.get(f"{url}/sao/khonchim/report/satisfaction.pdf?fy=2570&round=12", timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "khonchim_" in pdf.headers["Content-Disposition"]

    # Given the second SAO, the total is pooled over every answer: (5 + 3 + 2) / 3.
    assert run_cli(monkeypatch, host, "province", "grant", "prov.kk", "nonsaat") == 0
    table = browser.get(f"{url}/?fy=2570&round=12&format=csv", timeout=10)
    assert table.status_code == 200 and table.headers["Content-Type"].startswith("text/csv")
    lines = table.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["อบต.คอนฉิม", "อบต.โนนสะอาด", "รวม อบต. ที่ได้รับมอบหมาย"]
    assert lines[-1].split(",")[6:8] == ["3", "3.33"]

    # The province's password opens no SAO's console, and an SAO's session does not open the province's.
    monkeypatch.setenv("ADMIN_PASSWORD", "another-password-22")
    assert bot_main(["--tenant", "nonsaat", "create-admin", "--username", "clerk"]) == 0
    other = requests.Session()
    page = other.get(f"{hosted.url}/t/nonsaat/admin/login", timeout=10)
    assert other.post(f"{hosted.url}/t/nonsaat/admin/login", timeout=10, allow_redirects=False,
                      data={"username": "clerk", "password": "another-password-22", "csrf_token": csrf_from(page.text)}).status_code == 302
    assert other.get(f"{url}/", timeout=10, allow_redirects=False).status_code == 302
    # A report the province takes is in the SAO's own audit log, with who took it; not in another SAO's.
    assert browser.get(f"{url}/sao/nonsaat/report/service-statistics.xlsx?fy=2570&round=12", timeout=10).status_code == 200
    log = other.get(f"{hosted.url}/t/nonsaat/admin/audit", timeout=10).text
    assert "จังหวัด: prov.kk" in log and "หน่วยงานระดับจังหวัดดาวน์โหลดรายงาน" in log and "report:service-statistics" in log
    assert "report:satisfaction" not in log  # Khon Chim's report, taken earlier, is in Khon Chim's log only
    stranger = requests.Session()
    page = stranger.get(f"{hosted.url}/t/nonsaat/admin/login", timeout=10)
    assert stranger.post(f"{hosted.url}/t/nonsaat/admin/login", timeout=10, data={
        "username": "prov.kk", "password": PASSWORD, "csrf_token": csrf_from(page.text)}).status_code == 401

    # A form without its token is refused; taking an SAO away closes it at once; removing the
    # account ends its session.
    assert browser.post(f"{url}/logout", timeout=10).status_code == 400
    signed_out = browser.post(f"{url}/logout", timeout=10, data={"csrf_token": csrf_from(browser.get(f"{url}/", timeout=10).text)})
    assert signed_out.url.endswith("/province/login") and "ออกจากระบบแล้ว" in signed_out.text
    assert browser.get(f"{url}/", timeout=10, allow_redirects=False).status_code == 302
    page = browser.get(f"{url}/login", timeout=10)
    browser.post(f"{url}/login", timeout=10, data={"username": "prov.kk", "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert browser.get(f"{url}/sao/khonchim", timeout=10).status_code == 200

    # The account changes its own password; the old one no longer signs in.
    new = "ภูพาน-2570-สกลนคร"
    form = {"new": new, "confirm": new, "csrf_token": csrf_from(browser.get(f"{url}/account/password", timeout=10).text)}
    wrong = browser.post(f"{url}/account/password", timeout=10, data={**form, "current": "not-the-password"})
    assert wrong.status_code == 400 and "รหัสผ่านปัจจุบันไม่ถูกต้อง" in wrong.text
    changed = browser.post(f"{url}/account/password", timeout=10, data={**form, "current": PASSWORD})
    assert changed.url.endswith("/province/") and "เปลี่ยนรหัสผ่านเรียบร้อยแล้ว" in changed.text
    page = stranger.get(f"{url}/login", timeout=10)
    assert stranger.post(f"{url}/login", timeout=10, data={"username": "prov.kk", "password": PASSWORD,
                                                           "csrf_token": csrf_from(page.text)}).status_code == 401
    assert run_cli(monkeypatch, host, "province", "revoke", "prov.kk", "khonchim") == 0
    assert browser.get(f"{url}/sao/khonchim", timeout=10).status_code == 404
    assert run_cli(monkeypatch, host, "province", "remove", "prov.kk") == 0
    assert browser.get(f"{url}/", timeout=10, allow_redirects=False).status_code == 302
    assert TenantRegistry.for_settings(host).granted("prov.kk") == []


def test_province_grants_follow_the_tenants(host, two_saos, monkeypatch):
    registry = two_saos
    with pytest.raises(TenantError):
        registry.grant("prov.kk", ["khonchim", "nosuchsao"])
    assert registry.granted("prov.kk") == []
    registry.grant("prov.kk", ["khonchim", "nonsaat"])
    registry.grant("prov.kk", ["khonchim"])  # given twice: once
    assert [t.slug for t in registry.granted("prov.kk")] == ["khonchim", "nonsaat"]
    assert run_cli(monkeypatch, host, "tenant", "remove", "nonsaat", "--yes") == 0
    assert [t.slug for t in registry.granted("prov.kk")] == ["khonchim"]
    # A tenant added again under the same slug is not given to anyone by an old grant.
    assert run_cli(monkeypatch, host, "tenant", "add", "nonsaat", "--name", "อบต.โนนสะอาด", "--district", "แวงใหญ่", "--province", "ขอนแก่น") == 0
    assert [t.slug for t in registry.granted("prov.kk")] == ["khonchim"]


def test_each_saos_bot_is_asked_of_line_when_added_and_a_token_line_refuses_is_refused(tmp_path, monkeypatch, caplog):
    with FakeLineServer(access_token="token-khonchim") as line:  # LINE accepts this channel's token only
        host = Settings(line_api_base_url=line.url, line_data_api_base_url=line.url, data_dir=tmp_path / "host",
                        database_path=tmp_path / "host" / "sao-bot.sqlite3", content_dir=PROJECT_ROOT / "content",
                        public_base_url="https://saos.example.go.th")
        registry = TenantRegistry.for_settings(host)
        assert run_cli(monkeypatch, host, "tenant", "add", "nonsaat", "--name", "อบต.โนนสะอาด", "--district", "แวงใหญ่", "--province", "ขอนแก่น", 
                       "--channel-secret", "secret-nonsaat", "--channel-token", "a-token-with-a-typo") == 2
        assert registry.get("nonsaat") is None and not (tmp_path / "host" / "tenants" / "nonsaat").exists()
        assert run_cli(monkeypatch, host, "tenant", "add", "khonchim", "--name", "อบต.คอนฉิม", "--district", "แวงใหญ่", "--province", "ขอนแก่น", 
                       "--channel-secret", "secret-khonchim", "--channel-token", "token-khonchim") == 0
        khonchim = registry.get("khonchim")
        assert khonchim.bot_user_id == bot_user_id("token-khonchim") and khonchim.bot_basic_id.startswith("@")
        # The same LINE account again, under another slug and another (wrong) secret: refused.
        assert run_cli(monkeypatch, host, "tenant", "add", "khonchim2", "--name", "อบต.คอนฉิม", "--district", "แวงใหญ่", "--province", "ขอนแก่น", 
                       "--channel-secret", "secret-other", "--channel-token", "token-khonchim") == 2
        assert registry.get("khonchim2") is None

        # A webhook for another bot, signed with this channel's secret: its secret and token are of
        # two channels. The events are kept, and the operator is told once.
        served = Served(HostedApp(host.with_(start_worker=False), registry))
        try:
            for _ in range(2):
                body = json.dumps({"destination": bot_user_id("token-other"), "events": [text_event(user_id(), "สวัสดี")]}).encode()
                assert requests.post(f"{served.url}/callback/khonchim", data=body, timeout=10, headers={
                    "Content-Type": "application/json", "X-Line-Signature": sign("secret-khonchim", body)}).status_code == 200
        finally:
            served.close()
        assert rows(host, "khonchim", "SELECT count(*) FROM inbox")[0][0] == 2
        assert len([r for r in caplog.records if "different LINE channels" in r.getMessage()]) == 1
