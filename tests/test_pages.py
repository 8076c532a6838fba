"""Web pages a person opens: the simulator, its assets (served locally, Thai font included), health."""
import pytest


@pytest.fixture
def client(served):
    return served.app.test_client()


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_simulator_page_is_thai_and_uses_only_local_assets(client):
    page = client.get("/simulator").get_data(as_text=True)
    assert 'lang="th"' in page and "คอนฉิม" in page
    assert "http://" not in page.replace("http://127.0.0.1", "") and "https://" not in page
    assert "/assets/fonts.css" in page


def test_thai_font_is_served_with_long_cache(client):
    css = client.get("/assets/fonts.css").get_data(as_text=True)
    assert "Sarabun" in css and "@font-face" in css
    font = client.get("/assets/fonts/Sarabun-Regular.ttf")
    assert font.status_code == 200 and len(font.data) > 50_000
    assert "immutable" in font.headers["Cache-Control"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "Nope-Regular", "Sarabun-Regular.ttf%00"])
def test_only_the_fonts_that_exist_are_served(client, name):
    assert client.get(f"/assets/fonts/{name}.ttf").status_code == 404


def test_simulator_round_trip_through_the_real_webhook(served, client, fake_line):
    from helpers import user_id, wait_until

    uid = user_id()
    sent = client.post("/simulator/api/send", json={"userId": uid, "type": "text", "text": "ติดต่อ อบต."})
    assert sent.get_json()["ok"] is True
    stored = served.db.execute("SELECT event_type, source_key FROM inbox").fetchall()
    assert stored == [("message", f"user:{uid}")]  # it went through /callback, signature and all

    def shown():
        data = client.get(f"/simulator/api/messages?userId={uid}&after=0").get_json()
        return data["messages"] if not data["loading"] else None

    messages = wait_until(shown)
    assert messages[0]["message"]["type"] == "flex"
    later = client.get(f"/simulator/api/messages?userId={uid}&after={messages[-1]['id']}").get_json()
    assert later["messages"] == []
    assert client.post("/simulator/api/reset", json={"userId": uid}).get_json()["ok"] is True


@pytest.mark.parametrize(
    "body",
    [{"userId": "not-a-user", "type": "text", "text": "x"}, {"userId": "U" + "0" * 32, "type": "text", "text": "  "}, {"userId": "U" + "0" * 32, "type": "video"}],
)
def test_simulator_rejects_bad_input_in_thai(client, body):
    response = client.post("/simulator/api/send", json=body)
    assert response.status_code == 400
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in response.get_json()["error"])


def test_simulator_is_off_when_a_channel_is_configured_and_not_asked_for(settings):
    from bot import create_app

    app = create_app(settings.with_(simulator_enabled=False, start_worker=False))
    assert app.test_client().get("/simulator").status_code == 404


def test_without_a_channel_only_the_local_app_serves_a_fake_line_api(tmp_path):
    """Production (bot:create_app) talks only to the LINE API configured; `make run`'s app
    (bot.pages.simulator:create_local_app) adds the fake one, and a simulator reply goes through it."""
    import socket

    from bot import create_app
    from bot.config import PROJECT_ROOT, Settings
    from bot.pages.simulator import create_local_app
    from helpers import ServedApp, user_id, wait_until

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(database_path=tmp_path / "bot.sqlite3", content_dir=PROJECT_ROOT / "content",
                        secret_key="x", port=port, worker_threads=1)
    production = create_app(settings.with_(start_worker=False))
    assert production.config["SETTINGS"].line_api_base_url == "https://api.line.me"
    assert production.test_client().post("/fake-line/v2/bot/message/reply").status_code == 404
    with ServedApp(create_local_app(settings), port=port) as served:
        uid = user_id()
        client = served.app.test_client()
        assert client.post("/simulator/api/send", json={"userId": uid, "type": "text", "text": "ติดต่อ อบต."}).get_json()["ok"]
        wait_until(lambda: served.db.execute("SELECT status FROM outbox").fetchall() == [("sent",)])


def test_a_profile_edit_reaches_the_console_and_the_public_pages_without_a_restart(tmp_path, fake_line):
    """One content snapshot: the console and the public pages read the profile from it, as the bot does."""
    import shutil

    from bot import create_app
    from bot.config import PROJECT_ROOT, Settings
    from helpers import ACCESS_TOKEN, CHANNEL_SECRET

    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    settings = Settings(channel_secret=CHANNEL_SECRET, channel_access_token=ACCESS_TOKEN, line_api_base_url=fake_line.url,
                        database_path=tmp_path / "bot.sqlite3", content_dir=content, secret_key="k", start_worker=False)
    app = create_app(settings)
    client = app.test_client()
    assert "องค์การบริหารส่วนตำบลคอนฉิม" in client.get("/privacy").get_data(as_text=True)
    profile = content / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("คอนฉิม", "คอนสาร"), encoding="utf-8")
    app.extensions["handbook_store"].reload()
    for path in ("/privacy", "/handbook", "/admin/login"):
        page = client.get(path).get_data(as_text=True)
        assert "คอนสาร" in page, path
