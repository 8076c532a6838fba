"""`make run` listens where the app and the clock will look: PORT from the environment, else .env."""
import os
import shutil
import subprocess

import pytest

from bot.config import PROJECT_ROOT


@pytest.fixture
def project(tmp_path):
    """The Makefile beside an installed-looking venv, so `make -n run` prints its commands only."""
    shutil.copy(PROJECT_ROOT / "Makefile", tmp_path)
    for name in ("requirements.txt", "requirements-dev.txt"):
        (tmp_path / name).touch()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").touch()
    (tmp_path / ".venv" / ".installed").touch()
    return tmp_path


def bind_of_make_run(folder, **env) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "PORT"} | env
    out = subprocess.run(["make", "-n", "run"], cwd=folder, env=environ, capture_output=True, text=True, check=True).stdout
    [bind] = [word for word in out.split() if word.startswith("BIND=")]
    return bind


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_takes_the_port_from_the_environment_then_dotenv_then_8000(project):
    assert bind_of_make_run(project) == "BIND=127.0.0.1:8000"
    (project / ".env").write_text("LINE_CHANNEL_SECRET=\n PORT = 8111  # the port of this machine\n", encoding="utf-8")
    assert bind_of_make_run(project) == "BIND=127.0.0.1:8111"
    assert bind_of_make_run(project, PORT="9000") == "BIND=127.0.0.1:9000"
