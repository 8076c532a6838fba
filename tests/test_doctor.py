"""python -m bot doctor and python -m bot setup-line against the fake LINE API, and the web
process refusing to start on what would lose or leak data (issue 21, parts 4 and 5)."""
from __future__ import annotations

import re
import shutil
import sqlite3

import pytest
import requests
import sqlite_utils

from bot import create_app
from bot.config import ConfigError, PROJECT_ROOT
from bot.operations.doctor import cmd_doctor
from bot.operations.setup_line import cmd_setup_line
from db.migrations import MIGRATIONS

PUBLIC = "https://bot.example.test"
CALLBACK = PUBLIC + "/callback"
LATEST = MIGRATIONS[-1][0]


@pytest.fixture
def content(tmp_path):
    """A copy of the content whose profile has every contact field filled in."""
    folder = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", folder)
    profile = folder / "profile.yaml"
    text = profile.read_text(encoding="utf-8")
    text = text.replace('phone: ""', 'phone: "043-000000"').replace('email: ""', 'email: "saraban@example.test"')
    profile.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def good(settings, content, fake_line):
    """A complete installation: doctor finds nothing wrong with it (its clock ran a minute ago)."""
    fake_line.state.set_webhook_endpoint(CALLBACK)
    clock_ran(settings, minutes_ago=1)
    return settings.with_(secret_key="k" * 40, public_base_url=PUBLIC, content_dir=content)


def clock_ran(settings, minutes_ago: float) -> None:
    import time

    from db import connect, heartbeats

    db = connect(settings.database_path)
    heartbeats.started(db, heartbeats.REMINDERS_JOB, now=time.time() - minutes_ago * 60)
    db.close()


def doctor(settings, capsys) -> tuple[int, str]:
    code = cmd_doctor(None, settings)
    return code, capsys.readouterr().out


def set_version(path, version: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_a_good_installation_exits_0(good, capsys):
    code, out = doctor(good, capsys)
    assert code == 0, out
    assert "[ERROR]" not in out and "[warning]" not in out
    assert "LINE's test call reached the webhook" in out
    assert "summary: 0 errors, 0 warnings" in out


def test_the_command_is_registered(good, monkeypatch, capsys):
    from bot.__main__ import main

    env = {"LINE_CHANNEL_SECRET": good.channel_secret, "LINE_CHANNEL_ACCESS_TOKEN": good.channel_access_token,
           "LINE_API_BASE_URL": good.line_api_base_url, "DATABASE_PATH": str(good.database_path),
           "CONTENT_DIR": str(good.content_dir), "SECRET_KEY": good.secret_key, "PUBLIC_BASE_URL": PUBLIC}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["doctor"]) == 0
    assert "summary: 0 errors" in capsys.readouterr().out


# --- configuration -------------------------------------------------------------------------

def test_a_secret_without_a_token_is_an_error(good, capsys):
    code, out = doctor(good.with_(channel_access_token=""), capsys)
    assert code == 2
    assert "LINE_CHANNEL_ACCESS_TOKEN is missing" in out


def test_a_token_without_a_secret_is_an_error(good, capsys):
    code, out = doctor(good.with_(channel_secret="", line_api_base_url="https://api.line.me"), capsys)
    assert code == 2
    assert "LINE_CHANNEL_SECRET is missing" in out


def test_an_empty_public_url_with_a_channel_is_an_error(good, capsys):
    code, out = doctor(good.with_(public_base_url=""), capsys)
    assert code == 2
    assert "[ERROR]   ยังไม่ได้ตั้ง PUBLIC_BASE_URL" in out
    assert "would point at 127.0.0.1" in out


def test_an_http_public_url_is_an_error(good, capsys):
    code, out = doctor(good.with_(public_base_url="http://bot.example.test"), capsys)
    assert code == 2
    assert "is not https: LINE shows images" in out


def test_no_public_url_and_no_channel_is_fine(good, capsys):
    code, out = doctor(good.with_(channel_secret="", channel_access_token="", public_base_url=""), capsys)
    assert code == 0, out


def test_an_empty_secret_key_with_a_channel_is_a_warning(good, capsys):
    code, out = doctor(good.with_(secret_key=""), capsys)
    assert code == 1
    assert "SECRET_KEY is empty while a LINE channel is set" in out and "must persist" in out


def test_a_short_secret_key_is_an_error_with_a_channel_and_a_warning_without(good, capsys):
    code, out = doctor(good.with_(secret_key="short"), capsys)
    assert code == 2
    assert "[ERROR]   SECRET_KEY สั้นเกินไป (5 ตัวอักษร" in out
    code, out = doctor(good.with_(secret_key="short", channel_secret="", channel_access_token=""), capsys)
    assert code == 1
    assert "[warning] SECRET_KEY สั้นเกินไป" in out


# --- content and profile -------------------------------------------------------------------

def test_invalid_content_is_reported_with_file_field_and_line(good, content, capsys):
    permit = content / "handbook" / "building-permit.yaml"
    text = permit.read_text(encoding="utf-8")
    permit.write_text(text.replace("division: engineering", "division: nowhere"), encoding="utf-8")
    code, out = doctor(good, capsys)
    assert code == 2
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("division:"))
    assert f"building-permit.yaml:{line}: field 'division' is 'nowhere'" in out, out


def test_content_that_is_not_yaml_is_reported_with_its_line(good, content, capsys):
    permit = content / "handbook" / "building-permit.yaml"
    text = permit.read_text(encoding="utf-8")
    permit.write_text(text.replace("division: engineering", "division: [engineering"), encoding="utf-8")
    code, out = doctor(good, capsys)
    assert code == 2
    assert re.search(r"building-permit\.yaml:\d+: not valid YAML", out), out


def test_empty_contact_fields_of_the_profile_are_warnings(good, content, capsys):
    profile = content / "profile.yaml"
    text = profile.read_text(encoding="utf-8").replace('phone: "043-000000"', 'phone: ""')
    profile.write_text(text, encoding="utf-8")
    code, out = doctor(good, capsys)
    assert code == 1, out
    assert "profile (profile.yaml) has no phone" in out
    assert "email" not in out.split("has no ")[1].split(":")[0]


# --- fonts and system libraries ---------------------------------------------------------

def test_missing_font_files_are_an_error(good, monkeypatch, capsys):
    import bot.common.fonts as fonts

    real = fonts.font_path

    def no_bold(weight="Regular"):
        if weight == "Bold":
            raise ValueError("no Sarabun font with style 'Bold'")
        return real(weight)

    monkeypatch.setattr(fonts, "font_path", no_bold)
    code, out = doctor(good, capsys)
    assert code == 2
    assert "Sarabun font files missing (Bold)" in out


def test_pillow_without_raqm_is_a_warning(good, monkeypatch, capsys):
    from PIL import features

    monkeypatch.setattr(features, "check", lambda name: name not in ("raqm", "fribidi"))
    code, out = doctor(good, capsys)
    assert code == 1
    assert "Pillow lacks raqm, fribidi" in out


# --- the database ------------------------------------------------------------------------

def test_an_older_schema_is_an_error_that_says_how_to_upgrade(good, capsys):
    set_version(good.database_path, LATEST - 1)
    code, out = doctor(good, capsys)
    assert code == 2
    assert f"schema version {LATEST - 1}, not {LATEST}: start the app (or run python -m bot init-db)" in out


def test_a_newer_schema_is_an_error(good, capsys):
    set_version(good.database_path, LATEST + 1)
    code, out = doctor(good, capsys)
    assert code == 2
    assert "newer than this code knows" in out


def test_the_doctor_does_not_migrate_or_change_the_database(good, capsys):
    set_version(good.database_path, LATEST - 1)
    doctor(good, capsys)
    conn = sqlite3.connect(good.database_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST - 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'doctor_write_probe'").fetchone()[0] == 0


def read_only_connect(path, *args, **kwargs):
    """What connect() gives for a file the process may read but not write."""
    return sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None))


def test_a_database_that_cannot_be_written_is_an_error(good, monkeypatch, capsys):
    import db

    monkeypatch.setattr(db, "connect", read_only_connect)
    code, out = doctor(good, capsys)
    assert code == 2
    assert "is not writable; what citizens send would be lost" in out


def test_a_file_that_is_not_a_database_is_an_error(good, capsys):
    good.database_path.write_bytes(b"this is not a database, only text " * 100)
    code, out = doctor(good, capsys)
    assert code == 2
    assert "cannot open the database" in out


# --- LINE ------------------------------------------------------------------------------------

def test_little_push_quota_left_is_a_warning(good, fake_line, capsys):
    fake_line.state.quota = 100
    fake_line.state.accept_send("r1", None, 91, 1)
    code, out = doctor(good, capsys)
    assert code == 1, out
    assert "little push quota left this month: 9 of 100" in out


def test_enough_push_quota_is_fine(good, fake_line, capsys):
    fake_line.state.quota = 100
    fake_line.state.accept_send("r1", None, 89, 1)
    code, out = doctor(good, capsys)
    assert code == 0, out
    assert "push quota left: 11 of 100" in out


def test_a_token_line_refuses_is_an_error(good, capsys):
    code, out = doctor(good.with_(channel_access_token="wrong-token"), capsys)
    assert code == 2
    assert "could not ask LINE for the message quota" in out and "HTTP 401" in out


def test_a_webhook_url_not_set_at_line_is_an_error(good, fake_line, capsys):
    fake_line.state.reset()
    code, out = doctor(good, capsys)
    assert code == 2
    assert f"LINE's webhook URL is '', not {CALLBACK}: run python -m bot setup-line" in out


def test_a_webhook_url_pointing_elsewhere_is_an_error(good, fake_line, capsys):
    fake_line.state.set_webhook_endpoint("https://old.example.test/callback")
    code, out = doctor(good, capsys)
    assert code == 2
    assert "is 'https://old.example.test/callback', not" in out


def test_a_failed_webhook_test_call_is_an_error(good, fake_line, capsys):
    fake_line.state.fail_webhook_test(reason="ERROR_STATUS_CODE", status_code=502, detail="502")
    code, out = doctor(good, capsys)
    assert code == 2
    assert "LINE could not reach the bot's webhook: ERROR_STATUS_CODE (502): 502" in out
    tests = [r for r in fake_line.state.requests if r.path == "/v2/bot/channel/webhook/test"]
    assert [r.json for r in tests] == [{"endpoint": CALLBACK}]


# --- the fake's webhook endpoints ------------------------------------------------------

def test_fake_webhook_endpoints_answer_as_line_documents(fake_line):
    headers = {"Authorization": "Bearer test-access-token"}
    url = fake_line.url + "/v2/bot/channel/webhook"
    assert requests.get(url + "/endpoint", headers=headers, timeout=5).json() == {"endpoint": "", "active": False}
    assert requests.put(url + "/endpoint", json={"endpoint": "http://insecure.test/cb"}, headers=headers,
                        timeout=5).status_code == 400
    assert requests.put(url + "/endpoint", json={"endpoint": CALLBACK}, headers=headers, timeout=5).json() == {}
    assert requests.get(url + "/endpoint", headers=headers, timeout=5).json() == {"endpoint": CALLBACK, "active": True}
    answer = requests.post(url + "/test", json={}, headers=headers, timeout=5).json()
    assert {k: answer[k] for k in ("success", "statusCode", "reason", "detail")} == {
        "success": True, "statusCode": 200, "reason": "OK", "detail": "200"}
    assert answer["timestamp"].endswith("Z")
    requests.post(fake_line.url + "/__fake__/faults", json={"fail_webhook_test": {"reason": "REQUEST_TIMEOUT"}},
                  timeout=5).raise_for_status()
    answer = requests.post(url + "/test", json={"endpoint": CALLBACK}, headers=headers, timeout=5).json()
    assert answer["success"] is False and answer["reason"] == "REQUEST_TIMEOUT"
    fake_line.state.reset()
    assert fake_line.state.webhook_endpoint is None


# --- setup-line ------------------------------------------------------------------------------

def test_setup_line_sets_and_tests_the_webhook_and_installs_the_rich_menu(good, fake_line, capsys):
    fake_line.state.reset()
    assert cmd_setup_line(None, good) == 0
    out = capsys.readouterr().out
    assert fake_line.state.webhook_endpoint == CALLBACK
    paths = [(r.method, r.path) for r in fake_line.state.requests]
    assert paths.index(("PUT", "/v2/bot/channel/webhook/endpoint")) < paths.index(("POST", "/v2/bot/channel/webhook/test"))
    test_call = next(r for r in fake_line.state.requests if r.path == "/v2/bot/channel/webhook/test")
    assert test_call.json == {"endpoint": CALLBACK} and test_call.status == 200
    menu_id = fake_line.state.default_rich_menu_id
    assert menu_id and fake_line.state.rich_menu(menu_id).image is not None
    assert f"rich menu installed as the default: {menu_id}" in out
    assert "Auto-reply messages off" in out and "Webhooks on" in out and "Greeting message" in out
    assert "ปิด 'ข้อความตอบกลับอัตโนมัติ'" in out
    # … and the doctor then finds the webhook in order.
    assert cmd_doctor(None, good) == 0


def test_setup_line_says_when_line_cannot_reach_the_webhook(good, fake_line, capsys):
    fake_line.state.fail_webhook_test(reason="COULD_NOT_CONNECT")
    assert cmd_setup_line(None, good) == 1
    assert "LINE's test call failed: COULD_NOT_CONNECT" in capsys.readouterr().err
    assert fake_line.state.default_rich_menu_id  # the rest is still done


def test_setup_line_needs_an_https_public_url(good, fake_line, capsys):
    fake_line.state.reset()
    assert cmd_setup_line(None, good.with_(public_base_url="http://bot.example.test")) == 2
    assert "PUBLIC_BASE_URL" in capsys.readouterr().err
    assert fake_line.state.requests == []


# --- the web process refuses to start -------------------------------------------------------

def test_the_app_keeps_a_generated_secret_key_when_none_is_set(settings):
    app = create_app(settings.with_(secret_key="", start_worker=False))
    assert (settings.database_path.parent / "secret-key").read_text().strip() == app.config["SECRET_KEY"]


def test_the_app_refuses_a_database_newer_than_the_code(settings):
    set_version(settings.database_path, LATEST + 1)
    with pytest.raises(ConfigError, match="downgrade"):
        create_app(settings.with_(start_worker=False))


def test_the_app_refuses_a_database_it_cannot_write(settings, monkeypatch):
    import db

    monkeypatch.setattr(db, "connect", read_only_connect)
    with pytest.raises(ConfigError, match="not writable"):
        create_app(settings.with_(start_worker=False))


def test_the_app_starts_otherwise(settings, tmp_path):
    # A short key and no public URL are only warnings, and a first start creates the database.
    app = create_app(settings.with_(secret_key="short", start_worker=False))
    assert app.config["SETTINGS"].secret_key == "short"
    create_app(settings.with_(database_path=tmp_path / "new" / "bot.sqlite3", start_worker=False))


# --- the clock -------------------------------------------------------------------------------

def test_a_clock_that_never_ran_is_a_warning_and_a_stopped_one_an_error(good, capsys):
    from db import connect

    db = connect(good.database_path)
    db.execute("DELETE FROM clock_heartbeats")
    db.close()
    code, out = doctor(good, capsys)
    assert code == 1 and "has never run against this database" in out
    clock_ran(good, minutes_ago=45)
    code, out = doctor(good, capsys)
    assert code == 2 and "the clock last ran 45 minutes ago" in out and "scheduler run" in out
    clock_ran(good, minutes_ago=2)
    code, out = doctor(good, capsys)
    assert code == 0 and "the clock last ran 2 minutes ago" in out


def test_an_sao_on_postgresql_is_checked_there(good, capsys, postgres_sao):
    import time

    from db import heartbeats, postgres

    url, tenant = postgres_sao
    on_postgres = good.with_(database_url=url, tenant=tenant)
    db = postgres.connect(url, tenant)
    heartbeats.started(db, heartbeats.REMINDERS_JOB, now=time.time() - 60)  # its clock ran a minute ago
    db.close()
    code, out = doctor(on_postgres, capsys)
    assert f"the database is writable: PostgreSQL ({tenant})" in out and "database schema is current" in out
    assert code == 0, out
    # An SAO without a schema there (never added), or a server that is not there, refuses to start.
    from bot.operations.doctor import startup_problems

    [missing] = startup_problems(good.with_(database_url=url, tenant="never-added"))
    assert "python -m bot tenant add" in missing
    [unreachable] = startup_problems(good.with_(database_url="postgresql://sao_app@127.0.0.1:1/sao", tenant=tenant))
    assert "cannot reach the database" in unreachable
    with pytest.raises(ConfigError, match="ต่อฐานข้อมูล"):
        create_app(good.with_(database_url="postgresql://sao_app@127.0.0.1:1/sao", tenant=tenant))


def test_a_single_sao_on_postgresql_starts_and_its_console_names_no_tenant(good, postgres_sao):
    """SAO_TENANT names its schema; it is not a hosted SAO, whose commands need --tenant."""
    url, tenant = postgres_sao
    app = create_app(good.with_(database_url=url, tenant=tenant, start_worker=False))
    page = app.test_client().get("/admin/login").get_data(as_text=True)
    assert "python -m bot create-admin" in page and "--tenant" not in page
