"""`python -m bot serve`: web and clock as one process on one disk (DATA_DIR), for a PaaS host."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from bot.config import PROJECT_ROOT
from helpers import wait_until
from test_processes import free_port

pytestmark = pytest.mark.e2e


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


def command_of(pid: int) -> str:
    return subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True).stdout


@pytest.fixture
def serve(tmp_path, fake_line):
    """python -m bot serve on a data folder, as a host with one volume would run it."""
    port = free_port()
    data = tmp_path / "volume"
    env = {**os.environ, "DATA_DIR": str(data), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
           "LINE_API_BASE_URL": fake_line.url, "SECRET_KEY": "test"}
    for name in ("DATABASE_PATH", "CONTENT_DIR", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    proc.url = f"http://127.0.0.1:{port}"
    proc.data = data
    yield proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def heartbeat_rows(database) -> int:
    try:
        with sqlite3.connect(database) as db:
            return db.execute("SELECT count(*) FROM clock_heartbeats").fetchone()[0]
    except sqlite3.OperationalError:  # not created or not migrated yet
        return 0


def healthy(proc):
    if proc.poll() is not None:
        raise AssertionError(f"serve exited: {proc.stderr.read().decode()[-3000:]}")
    try:
        return requests.get(proc.url + "/healthz", timeout=1).json()
    except (requests.RequestException, ValueError):
        return None


def test_serve_runs_the_web_and_the_clock_on_the_one_data_folder_and_stops_both(serve):
    health = wait_until(lambda: healthy(serve), timeout=60, interval=0.1)
    assert health["database"] == "ok"
    database = serve.data / "sao-bot.sqlite3"
    # The clock ran its first reminders pass on the same database the web answers from.
    wait_until(lambda: heartbeat_rows(database) > 0, timeout=30)
    assert wait_until(lambda: healthy(serve)["clock"]["status"] == "ok", timeout=10)
    # Everything written lives in the volume: the database, the content overlay, the last good copy.
    assert (serve.data / "content" / "profile.yaml").is_symlink()
    assert (serve.data / "content-last-good").is_dir()
    assert {"web", "clock"} <= {("clock" if "scheduler" in command_of(p) else "web") for p in children_of(serve.pid)}
    kids = children_of(serve.pid)

    os.kill(serve.pid, signal.SIGTERM)  # the host stops the dyno
    assert serve.wait(30) == 0
    assert not [p for p in kids if alive(p)], "serve left a child running"


def test_when_the_clock_dies_serve_stops_the_web_and_fails_so_the_host_restarts_it(serve):
    wait_until(lambda: healthy(serve), timeout=60, interval=0.1)
    [clock] = [p for p in children_of(serve.pid) if "scheduler" in command_of(p)]
    [web] = [p for p in children_of(serve.pid) if "gunicorn" in command_of(p)]
    os.kill(clock, signal.SIGKILL)
    assert serve.wait(30) != 0
    assert not alive(web)
    assert "clock ended by itself" in serve.stderr.read().decode()


def test_with_a_real_channel_serve_refuses_a_database_inside_the_code_folder(tmp_path):
    inside = PROJECT_ROOT / "var" / f"refused-{os.getpid()}" / "sao-bot.sqlite3"
    env = {**os.environ, "LINE_CHANNEL_SECRET": "s" * 32, "LINE_CHANNEL_ACCESS_TOKEN": "t" * 40,
           "DATABASE_PATH": str(inside), "SECRET_KEY": "k" * 40, "PUBLIC_BASE_URL": "https://bot.example.go.th"}
    for name in ("LINE_API_BASE_URL", "DATA_DIR", "CONTENT_DIR"):
        env.pop(name, None)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "DATA_DIR" in done.stderr and "โฟลเดอร์โปรแกรม" in done.stderr
    assert not inside.exists() and not inside.parent.exists()  # refused before creating anything
    assert time.monotonic() - started < 60
