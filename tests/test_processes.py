"""The app as it runs in production: gunicorn with gunicorn.conf.py, killed and restarted."""
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from bot.config import PROJECT_ROOT
from helpers import ACCESS_TOKEN, CHANNEL_SECRET, body_of, post_signed, text_event, user_id, wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM to a process started in its own session and all it started; SIGKILL to them if
    it has not exited within `grace` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py "bot:create_app()"` (the Procfile's web line) in its own process group."""

    def __init__(self, env: dict, port: int, app: str = "bot:create_app()"):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        full_env = {**os.environ, **env, "BIND": f"127.0.0.1:{port}", "PORT": str(port), "WEB_CONCURRENCY": "2"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", app],
            cwd=PROJECT_ROOT,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def wait_healthy(self, timeout: float = 30.0) -> float:
        started = time.monotonic()

        def healthy():
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                return requests.get(self.url + "/healthz", timeout=1).status_code == 200
            except requests.RequestException:  # not listening yet, or workers still booting
                return False

        wait_until(healthy, timeout=timeout, interval=0.05)
        return time.monotonic() - started

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # master and workers, no chance to clean up
        self.proc.wait(5)

    def stop(self) -> None:
        stop_group(self.proc, grace=10)


@pytest.fixture
def line_env(tmp_path, fake_line):
    return {
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_API_BASE_URL": fake_line.url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "SECRET_KEY": "test",
        "INBOX_LEASE_SECONDS": "30",
    }


def replies_to(fake_line, token):
    return [r for r in fake_line.state.requests if r.path == "/v2/bot/message/reply" and r.json["replyToken"] == token]


def test_event_acknowledged_before_a_kill_is_processed_after_restart(line_env, fake_line):
    port = free_port()
    # First run: no worker threads, so the event is acknowledged but not yet handled when killed.
    first = Gunicorn({**line_env, "WORKER_THREADS": "0"}, port)
    try:
        first.wait_healthy()
        event = text_event(user_id(), "ติดต่อ อบต. ค่ะ")
        assert post_signed(first.url, body_of(event)).status_code == 200
        first.kill9()
    finally:
        first.stop()
    assert replies_to(fake_line, event["replyToken"]) == []
    second = Gunicorn(line_env, port)
    try:
        second.wait_healthy()
        wait_until(lambda: replies_to(fake_line, event["replyToken"]), timeout=10)
        time.sleep(0.5)
        assert len(replies_to(fake_line, event["replyToken"])) == 1
    finally:
        second.stop()


def test_kill_during_the_reply_sends_nothing_twice_and_the_chat_goes_on(line_env, fake_line):
    port = free_port()
    fake_line.state.delay_next(1, 2.0, path_prefix="/v2/bot/message/reply")
    uid = user_id()
    first = Gunicorn(line_env, port)
    try:
        first.wait_healthy()
        event = text_event(uid, "ข้อมูลส่วนบุคคล")
        assert post_signed(first.url, body_of(event)).status_code == 200
        # Killed once the reply request has reached the (slow) fake and waits there.
        wait_until(lambda: fake_line.state.faults_pending() == 0, timeout=10)
        first.kill9()
    finally:
        first.stop()
    second = Gunicorn(line_env, port)
    try:
        second.wait_healthy()
        wait_until(lambda: replies_to(fake_line, event["replyToken"]), timeout=10)
        later = text_event(uid, "ติดต่อ")
        assert post_signed(second.url, body_of(later)).status_code == 200
        wait_until(lambda: replies_to(fake_line, later["replyToken"]), timeout=10)
        # The restarted process sent the reply again (LINE takes a reply token once, so a
        # repeat cannot deliver twice): the slow first attempt delivered it, the repeat was refused.
        wait_until(lambda: len(replies_to(fake_line, event["replyToken"])) == 2, timeout=10)
        assert sorted(r.status for r in replies_to(fake_line, event["replyToken"])) == [200, 400]
    finally:
        second.stop()


def test_run_configuration_without_a_channel_serves_health_simulator_and_replies(tmp_path):
    """What `make run` starts on a fresh machine: no LINE channel, the built-in fake LINE API
    (the Makefile's WEB_APP)."""
    port = free_port()
    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": "", "LINE_API_BASE_URL": ""}
    app = Gunicorn(env, port, app=re.search(r"WEB_APP='([^']+)'", (PROJECT_ROOT / "Makefile").read_text()).group(1))
    try:
        startup = app.wait_healthy(timeout=10)
        assert startup < 10
        page = requests.get(app.url + "/simulator", timeout=5)
        assert page.status_code == 200 and "คอนฉิม" in page.text
        uid = user_id()
        sent = requests.post(app.url + "/simulator/api/send", json={"userId": uid, "type": "text", "text": "ติดต่อ"}, timeout=5)
        assert sent.json()["ok"] is True

        def delivered():
            data = requests.get(app.url + "/simulator/api/messages", params={"userId": uid, "after": 0}, timeout=5).json()
            return [m for m in data["messages"] if m["status"] == "sent"]

        messages = wait_until(delivered, timeout=10)
        assert messages[0]["message"]["type"] == "flex"
    finally:
        app.stop()


def test_local_secret_is_never_seen_half_written(tmp_path):
    """Both gunicorn workers create the local secret at start; each must read the same full value."""
    import threading

    from bot import _local_secret

    path = tmp_path / "var" / "simulator-channel-secret"
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(_local_secret(path))) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1 and len(seen[0]) == 64
