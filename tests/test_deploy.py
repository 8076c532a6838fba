"""deploy/ (issue 21, part 1): the server install recipe, as far as this machine can run it.

install.sh runs into a temporary root (--root, --skip-system: no apt-get, useradd, chown or
systemctl; --venv-from: the project's venv instead of a download). The tests check the layout it
leaves, that a second run changes nothing, the units through `systemd-analyze verify` and
`security`, the Caddyfile through `caddy validate`, then start the installed code the way the units
say (their ExecStart, WorkingDirectory and env file) and see it answer, and run upgrade.sh and its
rollback against that install with data in it.
"""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from bot.config import PROJECT_ROOT
from helpers import wait_until
from test_processes import free_port, stop_group

DEPLOY = PROJECT_ROOT / "deploy"
VENV = Path(sys.prefix)  # the project's venv, linked by --venv-from
DOMAIN = "bot.example.go.th"
EMAIL = "ops@example.go.th"
SERVICES = ("sao-bot-web.service", "sao-bot-clock.service", "sao-bot-backup.service")
UNITS = SERVICES + ("sao-bot-backup.timer",)
# What the env file lets an operator set (deploy/sao-bot.env.example).
ENV_NAMES = {
    "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "PUBLIC_BASE_URL", "SECRET_KEY", "DATA_DIR",
    "DATABASE_PATH", "BIND", "TRUSTED_PROXY_HOPS", "LOG_FORMAT", "BACKUP_COPY_TO", "METRICS_TOKEN",
}
# Every service runs with these (values as written in the units).
HARDENING = {
    "User": "sao-bot", "EnvironmentFile": "/etc/sao-bot/sao-bot.env", "WorkingDirectory": "/opt/sao-bot/app",
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes",
    "PrivateDevices": "yes", "CapabilityBoundingSet": "", "SystemCallFilter": "@system-service",
}


def _tool(name: str) -> str:
    """The path of a command the deploy checks need; skipped without it, failed with REQUIRE_DEPLOY_TOOLS=1 (CI)."""
    path = shutil.which(name) or next((p for p in (f"/usr/bin/{name}", f"/usr/sbin/{name}") if os.path.exists(p)), None)
    if path is None:
        if os.environ.get("REQUIRE_DEPLOY_TOOLS"):
            pytest.fail(f"{name} is not installed and REQUIRE_DEPLOY_TOOLS is set (CI: .ci/run installs it)")
        pytest.skip(f"{name} is not installed (apt-get install {'systemd' if name == 'systemd-analyze' else name})")
    return path


def _clean_env(home: Path) -> dict[str, str]:
    # Nothing of the test's own environment (DATABASE_PATH, LINE_*) reaches the scripts or the app.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}


def run_script(script: str, root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(DEPLOY / script), "--root", str(root), "--skip-system", "--venv-from", str(VENV), *args],
        capture_output=True, text=True, timeout=180, env=_clean_env(root),
    )
    if check:
        assert done.returncode == 0, f"{script} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def install(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run_script("install.sh", root, *args, check=check)


def read_env(path: Path) -> dict[str, str]:
    """KEY=value lines, as systemd's EnvironmentFile= reads them (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"not KEY=value: {line!r}"
            values[key] = value
    return values


def unit_settings(path: Path) -> dict[str, list[str]]:
    """A unit file's directives (each may repeat), section names left out."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under root: its kind, mode, and content or link target."""
    seen = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                seen[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                seen[rel] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                seen[rel] = ("file", stat.S_IMODE(info.st_mode), hashlib.sha256(path.read_bytes()).hexdigest())
    return seen


def tracked_files() -> set[str] | None:
    """The repository's tracked files that exist in the working tree (None outside a git checkout)."""
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        return None
    out = subprocess.run(["git", "-c", f"safe.directory={PROJECT_ROOT}", "-C", str(PROJECT_ROOT), "ls-files", "-z"],
                         capture_output=True, text=True, check=True).stdout
    return {f for f in out.split("\0") if f and os.path.lexists(PROJECT_ROOT / f)}


@pytest.fixture
def root(tmp_path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def installed(root) -> Path:
    install(root, "--domain", DOMAIN, "--email", EMAIL)
    return root


# --- install.sh --------------------------------------------------------------------------------------


def test_install_lays_out_code_data_settings_units_and_caddy(root):
    done = install(root, "--domain", DOMAIN, "--email", EMAIL)
    for script in ("install.sh", "upgrade.sh", "sao-bot"):
        assert os.access(DEPLOY / script, os.X_OK), f"deploy/{script} is not executable"

    # The code: /opt/sao-bot/app links to a release folder holding the repository's files, compiled.
    app = root / "opt/sao-bot/app"
    assert app.is_symlink() and os.readlink(app).startswith("releases/")
    release = app.resolve()
    assert release.parent == root / "opt/sao-bot/releases"
    files = {str(p.relative_to(release)) for p in release.rglob("*")
             if not p.is_dir() and "__pycache__" not in p.parts}
    tracked = tracked_files()
    if tracked is not None:
        assert files == tracked
    assert {"bot/__init__.py", "gunicorn.conf.py", "requirements.txt", "content/profile.yaml"} <= files
    assert list((release / "bot/__pycache__").glob("__init__.cpython-*.pyc")), "the code was not compiled"
    assert not [p for p in release.rglob("*") if not p.is_symlink() and p.stat().st_mode & 0o022], "the code must be writable by root only"
    assert os.readlink(root / "opt/sao-bot/venv") == str(VENV)

    # The data folder and the settings folder are closed to others.
    for folder, mode in (("var/lib/sao-bot", 0o750), ("var/lib/sao-bot/backups", 0o750), ("etc/sao-bot", 0o750)):
        assert stat.S_IMODE((root / folder).stat().st_mode) == mode, folder

    # The env file: mode 0640, the settings an operator sets, a random SECRET_KEY, each one read by the app.
    env_file = root / "etc/sao-bot/sao-bot.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    env = read_env(env_file)
    assert set(env) == ENV_NAMES
    assert re.fullmatch(r"[0-9a-f]{64}", env["SECRET_KEY"])
    assert read_env(DEPLOY / "sao-bot.env.example")["SECRET_KEY"] == ""
    assert env["PUBLIC_BASE_URL"] == f"https://{DOMAIN}"
    assert env["DATA_DIR"] == "/var/lib/sao-bot"
    assert env["DATABASE_PATH"] == "/var/lib/sao-bot/sao-bot.sqlite3"
    assert (env["TRUSTED_PROXY_HOPS"], env["BIND"], env["LOG_FORMAT"]) == ("1", "127.0.0.1:8000", "json")
    assert env["LINE_CHANNEL_SECRET"] == env["LINE_CHANNEL_ACCESS_TOKEN"] == ""
    app_source = (PROJECT_ROOT / "bot/config.py").read_text() + (PROJECT_ROOT / "gunicorn.conf.py").read_text()
    assert not [name for name in env if f'"{name}"' not in app_source], "a setting the app does not read"

    # The units, as shipped in deploy/systemd; the `sao-bot` command.
    for unit in UNITS:
        installed_unit = root / "etc/systemd/system" / unit
        assert installed_unit.read_bytes() == (DEPLOY / "systemd" / unit).read_bytes()
        assert stat.S_IMODE(installed_unit.stat().st_mode) == 0o644
    assert os.access(root / "usr/local/bin/sao-bot", os.X_OK)

    # Caddy: the domain, the ACME email, the proxy to BIND; no placeholder left.
    caddyfile = (root / "etc/caddy/Caddyfile").read_text()
    assert f"\n{DOMAIN} {{\n" in caddyfile and f"email {EMAIL}" in caddyfile
    assert "reverse_proxy 127.0.0.1:8000" in caddyfile and "Strict-Transport-Security" in caddyfile
    assert not re.search(r"@[A-Z_]+@", caddyfile)

    # What it did and what is left, in Thai and English.
    for step in ("sao-bot.env", "sudo sao-bot create-admin", "sudo sao-bot setup-line", "sudo sao-bot doctor"):
        assert step in done.stdout
    assert "สร้างผู้ดูแลคนแรก" in done.stdout and "first admin" in done.stdout


def test_install_twice_changes_nothing_and_keeps_the_operators_settings(installed):
    root = installed
    env_file = root / "etc/sao-bot/sao-bot.env"
    # The operator fills in the channel; a second run (with or without --domain) must keep it.
    env_file.write_text(env_file.read_text().replace("LINE_CHANNEL_SECRET=\n", "LINE_CHANNEL_SECRET=operator-secret\n"))
    before = snapshot(root)
    again = install(root, "--domain", DOMAIN, "--email", EMAIL)
    assert snapshot(root) == before
    assert "kept /etc/sao-bot/sao-bot.env" in again.stdout and "left as it is" in again.stdout
    install(root)  # the domain is known from the Caddyfile
    assert snapshot(root) == before
    assert read_env(env_file)["LINE_CHANNEL_SECRET"] == "operator-secret"

    # Another domain: a new Caddyfile, the old one kept aside, the env file still untouched (a warning).
    moved = install(root, "--domain", "line.example.go.th")
    assert "\nline.example.go.th {\n" in (root / "etc/caddy/Caddyfile").read_text()
    kept = list((root / "etc/caddy").glob("Caddyfile.before-sao-bot-*"))
    assert len(kept) == 1 and f"\n{DOMAIN} {{\n" in kept[0].read_text()
    assert snapshot(root)["etc/sao-bot/sao-bot.env"] == before["etc/sao-bot/sao-bot.env"]
    assert "PUBLIC_BASE_URL" in moved.stderr

    # Each install has its own secret.
    other = root.parent / "other"
    other.mkdir()
    install(other, "--domain", DOMAIN)
    assert read_env(other / "etc/sao-bot/sao-bot.env")["SECRET_KEY"] != read_env(env_file)["SECRET_KEY"]


def test_install_from_an_unpacked_folder_leaves_out_local_files(tmp_path):
    """A release archive unpacked (no .git): everything but the venv, data, caches and secrets."""
    source = tmp_path / "sao-bot-1.0"
    tracked = tracked_files()
    if tracked is None:
        pytest.skip("not a git checkout: the unpacked folder is made from git ls-files")
    for name in tracked | {str(p.relative_to(PROJECT_ROOT)) for p in DEPLOY.rglob("*") if p.is_file()}:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, source / name)
    for local in (".env", "var/sao-bot.sqlite3", "bot/__pycache__/stale.cpython-311.pyc", ".venv/bin/python"):
        (source / local).parent.mkdir(parents=True, exist_ok=True)
        (source / local).write_text("local, not shipped")
    root = tmp_path / "root"
    root.mkdir()
    done = subprocess.run([str(source / "deploy/install.sh"), "--root", str(root), "--skip-system", "--venv-from", str(VENV),
                           "--domain", DOMAIN], capture_output=True, text=True, timeout=180, env=_clean_env(root))
    assert done.returncode == 0, done.stdout + done.stderr
    release = (root / "opt/sao-bot/app").resolve()
    assert (release / "bot/__init__.py").read_bytes() == (PROJECT_ROOT / "bot/__init__.py").read_bytes()
    assert (release / "deploy/install.sh").is_file() and not re.search(r"-[0-9a-f]{10}", release.name)  # no commit
    for local in (".env", "var", "bot/__pycache__/stale.cpython-311.pyc", ".venv"):
        assert not (release / local).exists(), local


def test_install_refuses_what_it_cannot_do_right(root, tmp_path):
    first = install(root, check=False)  # no domain on a first install: Caddy would have nothing to serve
    assert first.returncode != 0 and "--domain" in first.stderr
    bad = install(root, "--domain", "bot.example.go.th;rm -rf /", check=False)
    assert bad.returncode != 0 and "not a domain name" in bad.stderr
    assert not (root / "opt/sao-bot/app").exists() and not (root / "etc/sao-bot/sao-bot.env").exists()
    real_root = subprocess.run([str(DEPLOY / "install.sh"), "--root", str(root), "--domain", DOMAIN],
                               capture_output=True, text=True, timeout=60, env=_clean_env(root))
    assert real_root.returncode != 0 and "--skip-system" in real_root.stderr  # --root is for tests only

    # Not root and no temporary root: refused before anything is done.
    scripts = Path(tempfile.mkdtemp(prefix="sao-deploy-"))
    try:
        shutil.copytree(DEPLOY, scripts / "deploy")
        for path in [scripts, *scripts.rglob("*")]:
            path.chmod(0o755)
        command = [str(scripts / "deploy/install.sh"), "--domain", DOMAIN]
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                pytest.skip("runuser is not installed")
            command = ["runuser", "-u", "nobody", "--", *command]
        refused = subprocess.run(command, capture_output=True, text=True, timeout=60, env=_clean_env(tmp_path))
    finally:
        shutil.rmtree(scripts)
    assert refused.returncode != 0 and "run as root" in refused.stderr


def test_scripts_are_valid_shell():
    scripts = [DEPLOY / name for name in ("install.sh", "upgrade.sh", "lib.sh")]
    for script in scripts:
        syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30)
        assert syntax.returncode == 0, syntax.stderr
    assert subprocess.run(["sh", "-n", str(DEPLOY / "sao-bot")], timeout=30).returncode == 0
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck): only bash -n was checked")
    lint = subprocess.run(["shellcheck", "-x", *map(str, scripts), str(DEPLOY / "sao-bot")],
                          capture_output=True, text=True, timeout=60, cwd=DEPLOY)
    assert lint.returncode == 0, lint.stdout


# --- the units and the Caddyfile ----------------------------------------------------------------------


def _units_at(root: Path, folder: Path, edit=lambda text: text) -> list[Path]:
    """The installed units with /opt/sao-bot pointing into the test root, so their commands exist here."""
    folder.mkdir(exist_ok=True)
    out = []
    for unit in UNITS:
        text = (root / "etc/systemd/system" / unit).read_text().replace("/opt/sao-bot/", f"{root}/opt/sao-bot/")
        (folder / unit).write_text(edit(text))
        out.append(folder / unit)
    return out


def _verify(tool: str, units: list[Path]) -> tuple[int, str]:
    done = subprocess.run([tool, "verify", "--man=no", "--generators=no", *map(str, units)],
                          capture_output=True, text=True, timeout=60, cwd=units[0].parent)
    return done.returncode, (done.stdout + done.stderr).strip()


def test_units_pass_systemd_analyze_verify_and_a_typo_does_not(installed, tmp_path):
    tool = _tool("systemd-analyze")
    code, output = _verify(tool, _units_at(installed, tmp_path / "units"))
    # Unknown directives are only logged (exit 0): any output at all is a finding.
    assert (code, output) == (0, "")

    typo = _units_at(installed, tmp_path / "typo", lambda t: t.replace("ProtectSystem=strict", "ProtectSystm=strict"))
    code, output = _verify(tool, typo)
    assert "Unknown key" in output and "ProtectSystm" in output
    missing = _units_at(installed, tmp_path / "missing", lambda t: t.replace("venv/bin/python", "venv/bin/pyhton"))
    code, output = _verify(tool, missing)
    assert code != 0 and "pyhton" in output


def test_services_are_hardened_and_the_timer_backs_up_daily(installed, tmp_path):
    tool = _tool("systemd-analyze")
    units = dict(zip(UNITS, _units_at(installed, tmp_path / "units")))
    for name in SERVICES:
        settings = unit_settings(installed / "etc/systemd/system" / name)
        for key, value in HARDENING.items():
            assert value in settings.get(key, []), f"{name}: {key}={value}"
        assert "/var/lib/sao-bot" in settings["ReadWritePaths"][0].split()
        if name != "sao-bot-backup.service":
            assert settings["Restart"] == ["on-failure"]
        assert "MemoryDenyWriteExecute" not in settings  # libffi closures (ctypes, cffi) need it off
        # systemd's own score: 10 is unprotected; these stay at 2 or below ("OK").
        score = subprocess.run([tool, "security", "--offline=true", "--threshold=20", str(units[name])],
                               capture_output=True, text=True, timeout=60)
        assert score.returncode == 0, score.stdout[-800:]
    bare = tmp_path / "bare.service"
    bare.write_text("[Service]\nExecStart=/bin/true\n")
    assert subprocess.run([tool, "security", "--offline=true", "--threshold=20", str(bare)],
                          capture_output=True, timeout=60).returncode != 0

    web = unit_settings(installed / "etc/systemd/system/sao-bot-web.service")
    assert web["ExecStart"] == ['/opt/sao-bot/venv/bin/python -m gunicorn -c gunicorn.conf.py "bot:create_app()"']
    assert "ExecStartPre" not in web  # the web refuses to start on data-losing errors itself (bot/__init__.py)
    clock = unit_settings(installed / "etc/systemd/system/sao-bot-clock.service")
    assert clock["ExecStart"] == ["/opt/sao-bot/venv/bin/python -m scheduler run"]
    backup = unit_settings(installed / "etc/systemd/system/sao-bot-backup.service")
    assert backup["ExecStart"] == ["/opt/sao-bot/venv/bin/python -m db backup --nightly"]
    assert backup["Type"] == ["oneshot"]
    timer = unit_settings(installed / "etc/systemd/system/sao-bot-backup.timer")
    assert timer["Persistent"] == ["true"] and timer["Unit"] == ["sao-bot-backup.service"]
    when = subprocess.run([tool, "calendar", timer["OnCalendar"][0]], capture_output=True, text=True, timeout=30)
    assert when.returncode == 0 and "03:30:00 Asia/Bangkok" in when.stdout


def test_caddyfile_is_valid_for_caddy(installed, tmp_path):
    caddy = _tool("caddy")
    caddyfile = installed / "etc/caddy/Caddyfile"

    def validate(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([caddy, "validate", "--config", str(path), "--adapter", "caddyfile"],
                              capture_output=True, text=True, timeout=60, env={**_clean_env(tmp_path), "XDG_DATA_HOME": str(tmp_path)})

    good = validate(caddyfile)
    assert good.returncode == 0, good.stderr[-1500:]
    assert "not formatted" not in good.stderr  # caddy fmt's layout
    broken = tmp_path / "Caddyfile"
    broken.write_text(caddyfile.read_text().replace("max_size 32MB", "max_sise 32MB"))
    assert validate(broken).returncode != 0

    # Without --email the global block is empty, and still valid.
    other = tmp_path / "other"
    other.mkdir()
    install(other, "--domain", DOMAIN)
    assert "email" not in (other / "etc/caddy/Caddyfile").read_text().split("\n{\n")[1].split("}")[0]
    assert validate(other / "etc/caddy/Caddyfile").returncode == 0


# --- the installed bot, running; upgrade and rollback -------------------------------------------------


class Service:
    """A unit's ExecStart run as systemd would: its WorkingDirectory, Environment= and EnvironmentFile=,
    with /opt/sao-bot and /etc/sao-bot inside the test root."""

    def __init__(self, root: Path, unit: str):
        settings = unit_settings(root / "etc/systemd/system" / unit)
        inside = lambda path: path.replace("/opt/sao-bot/", f"{root}/opt/sao-bot/")  # noqa: E731
        env = {**_clean_env(root / "var/lib/sao-bot"), "WEB_CONCURRENCY": "1"}  # sao-bot's home: its data folder
        for assignment in settings.get("Environment", []):
            env.update(item.split("=", 1) for item in shlex.split(assignment))
        env.update(read_env(root / settings["EnvironmentFile"][0].lstrip("/")))
        self.proc = subprocess.Popen(
            [inside(word) for word in shlex.split(settings["ExecStart"][0])],
            cwd=inside(settings["WorkingDirectory"][0]), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )

    def failed(self) -> str | None:
        if self.proc.poll() is None:
            return None
        return f"exited {self.proc.returncode}: {self.proc.stderr.read().decode(errors='replace')[-3000:]}"

    def stop(self) -> None:
        stop_group(self.proc, grace=15)
        self.proc.stderr.close()


def adapt_env(root: Path, port: int) -> None:
    """The generated env file with the data in the test root and a free port; no LINE channel."""
    env_file = root / "etc/sao-bot/sao-bot.env"
    data = root / "var/lib/sao-bot"
    changes = {"DATA_DIR": str(data), "DATABASE_PATH": str(data / "sao-bot.sqlite3"), "BIND": f"127.0.0.1:{port}"}
    lines = [f"{line.partition('=')[0]}={changes[line.partition('=')[0]]}" if line.partition("=")[0] in changes else line
             for line in env_file.read_text().splitlines()]
    env_file.write_text("\n".join(lines) + "\n")


def wait_answering(url: str, services: list[Service], check=lambda r: True, timeout: float = 40) -> requests.Response:
    answer = {}

    def up():
        for service in services:
            problem = service.failed()
            assert problem is None, problem
        try:
            answer["r"] = requests.get(url, timeout=2)
        except requests.RequestException:
            return False
        return answer["r"].status_code == 200 and check(answer["r"])

    wait_until(up, timeout=timeout, interval=0.1)
    return answer["r"]


EDITED_NAME = "องค์การบริหารส่วนตำบลทดสอบการติดตั้ง"


@pytest.mark.e2e
def test_a_fresh_root_runs_the_bot_and_an_upgrade_keeps_its_data(installed):
    root = installed
    port = free_port()
    adapt_env(root, port)
    env_file = root / "etc/sao-bot/sao-bot.env"
    url = f"http://127.0.0.1:{port}"
    data = root / "var/lib/sao-bot"
    database = data / "sao-bot.sqlite3"

    # web and clock, as their units start them: the web answers, the clock's heartbeat reaches it.
    web, clock = Service(root, "sao-bot-web.service"), Service(root, "sao-bot-clock.service")
    try:
        health = wait_answering(url + "/healthz", [web, clock], check=lambda r: "clock" in r.json())
        assert health.json()["status"] == "ok" and health.json()["clock"]["status"] == "ok"
        assert requests.get(url + "/privacy", timeout=5).status_code == 200
    finally:
        web.stop()
        clock.stop()
    # The installed code ran (not the checkout): the overlay links to the shipped content in its release.
    assert database.is_file() and os.readlink(data / "content/profile.yaml").startswith(str(root / "opt/sao-bot/releases/"))

    # Data: an event in the database, and a console edit of the profile (a real file in the overlay).
    with sqlite3.connect(database) as conn:
        conn.execute("INSERT INTO inbox (webhook_event_id, event_key, event_type, mode, source_key, payload, received_at, status)"
                     " VALUES ('deploy-test', 'deploy-test', 'message', 'active', 'user:U1', '{}', 0, 'done')")
    conn.close()
    profile = data / "content/profile.yaml"
    edited = profile.read_text().replace("name: องค์การบริหารส่วนตำบลคอนฉิม", f"name: {EDITED_NAME}")
    assert EDITED_NAME in edited
    profile.unlink()
    profile.write_text(edited)
    settings_before = env_file.read_bytes()
    first = os.readlink(root / "opt/sao-bot/app")

    # The nightly backup the timer runs, through the installed `sao-bot` command: made once a day.
    command = root / "usr/local/bin/sao-bot"
    as_root = {**_clean_env(data), "SAO_BOT_USER": "root"}
    made = subprocess.run([str(command), "db", "backup", "--nightly"], capture_output=True, text=True, timeout=60, env=as_root)
    assert made.returncode == 0, made.stderr
    today = datetime.now(ZoneInfo("Asia/Bangkok")).date().isoformat()
    nightly = data / "backups" / f"sao-bot-{today}.sqlite3"
    assert nightly.is_file()
    again = subprocess.run([str(command), "db", "backup", "--nightly"], capture_output=True, text=True, timeout=60, env=as_root)
    assert again.returncode == 0 and "already exists" in again.stdout

    # Two older releases: the upgrade keeps the three newest (and always app and previous).
    releases = root / "opt/sao-bot/releases"
    (releases / "20000101-000000-oldest").mkdir()
    (releases / "20000102-000000-older").mkdir()
    upgraded = run_script("upgrade.sh", root)
    assert not (releases / "20000101-000000-oldest").exists() and (releases / "20000102-000000-older").is_dir()
    second = os.readlink(root / "opt/sao-bot/app")
    assert second != first and (root / "opt/sao-bot" / second).is_dir()
    assert os.readlink(root / "opt/sao-bot/previous") == first and (root / "opt/sao-bot" / first).is_dir()
    assert env_file.read_bytes() == settings_before
    assert profile.is_file() and not profile.is_symlink() and EDITED_NAME in profile.read_text()
    before_upgrade = data / "backups" / f"pre-upgrade-{second.split('/')[1]}.sqlite3"
    assert before_upgrade.is_file() and before_upgrade.name in upgraded.stdout
    for copy in (database, before_upgrade):
        with sqlite3.connect(copy) as conn:
            assert conn.execute("SELECT count(*) FROM inbox WHERE event_key = 'deploy-test'").fetchone()[0] == 1
        conn.close()

    # The upgraded code runs on the same data, the edit in place.
    web = Service(root, "sao-bot-web.service")
    try:
        wait_answering(url + "/healthz", [web])
        assert EDITED_NAME in requests.get(url + "/privacy", timeout=5).text
    finally:
        web.stop()

    rolled = run_script("upgrade.sh", root, "--rollback")
    assert os.readlink(root / "opt/sao-bot/app") == first and os.readlink(root / "opt/sao-bot/previous") == second
    assert "rolled back" in rolled.stdout
    assert nightly.is_file() and env_file.read_bytes() == settings_before


@pytest.mark.e2e
def test_caddy_with_the_installed_caddyfile_serves_the_installed_bot(installed, tmp_path):
    """The last hop: Caddy, with the Caddyfile install.sh wrote, in front of the web unit. Only the
    site address becomes plain http on a free port (no certificate can be had here) and the
    access log a test folder; every directive is the installed one."""
    caddy = _tool("caddy")
    port, front = free_port(), free_port()
    adapt_env(installed, port)
    caddyfile = (installed / "etc/caddy/Caddyfile").read_text()
    assert f"\n{DOMAIN} {{" in caddyfile and "reverse_proxy 127.0.0.1:8000" in caddyfile
    local = (caddyfile.replace(f"\n{DOMAIN} {{", f"\nhttp://127.0.0.1:{front} {{")
             .replace("reverse_proxy 127.0.0.1:8000", f"reverse_proxy 127.0.0.1:{port}")
             .replace("/var/log/caddy/sao-bot-access.log", str(tmp_path / "access.log"))
             .replace("{\n\temail", "{\n\tadmin off\n\temail", 1))
    config = tmp_path / "Caddyfile"
    config.write_text(local)
    web = Service(installed, "sao-bot-web.service")
    proxy = subprocess.Popen([caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
                             env={**_clean_env(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_answering(f"http://127.0.0.1:{port}/healthz", [web])
        url = f"http://127.0.0.1:{front}"

        def through_caddy():
            assert proxy.poll() is None, proxy.stderr.read().decode()[-2000:]
            try:
                return requests.get(url + "/privacy", timeout=2)
            except requests.RequestException:
                return None

        page = wait_until(through_caddy, timeout=30, interval=0.1)
        assert page.status_code == 200 and "องค์การบริหารส่วนตำบลคอนฉิม" in page.text
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000" and "Server" not in page.headers
        too_big = requests.post(url + "/callback", data=b"x" * (33 * 1024 * 1024), timeout=30)
        # Over both limits: refused by Caddy from its declared length, before gunicorn could refuse
        # it first and close mid-send (Caddy then answered 502); Caddy and gunicorn stay up.
        assert (too_big.status_code, too_big.text) == (413, "Request body too large")
        assert through_caddy().status_code == 200
        # Caddy writes its access log a moment after it answers: wait for the second request's line.
        def logged() -> int:
            return (tmp_path / "access.log").read_text().count('"uri":"/privacy"')

        wait_until(lambda: logged() >= 2, timeout=5, interval=0.05)
        assert logged() == 2
    finally:
        os.killpg(proxy.pid, signal.SIGTERM)
        proxy.wait(10)
        web.stop()


def test_upgrade_needs_an_install(root):
    done = run_script("upgrade.sh", root, check=False)
    assert done.returncode != 0 and "install.sh" in done.stderr


# --- python -m db backup --nightly (the timer's command) ------------------------------------------------


def test_nightly_backup_command_makes_todays_copy_once_and_fails_loudly(tmp_path, monkeypatch):
    from db import open_database
    from db.__main__ import main

    database = tmp_path / "data" / "sao-bot.sqlite3"
    for name, value in {"DATABASE_PATH": str(database), "DATA_DIR": str(tmp_path / "data"), "BACKUP_DIR": "",
                        "BACKUP_COPY_TO": ""}.items():
        monkeypatch.setenv(name, value)
    assert main(["backup", "--nightly"]) == 1  # no database: failed, not silently skipped
    open_database(database).close()
    assert main(["backup", "--nightly"]) == 0
    copies = list((tmp_path / "data/backups").glob("sao-bot-*.sqlite3"))
    today = datetime.now(ZoneInfo("Asia/Bangkok")).date().isoformat()
    assert [p.name for p in copies] == [f"sao-bot-{today}.sqlite3"]
    made = copies[0].stat().st_mtime_ns
    time.sleep(0.01)
    assert main(["backup", "--nightly"]) == 0  # the clock's (or an earlier) copy is kept as it is
    assert copies[0].stat().st_mtime_ns == made
    monkeypatch.setenv("BACKUP_COPY_TO", str(tmp_path / "not-a-folder.txt"))
    (tmp_path / "not-a-folder.txt").write_text("a file where the copy's folder should be")
    assert main(["backup", "--nightly"]) == 1  # the copy elsewhere failed
    with pytest.raises(SystemExit):
        main(["backup"])  # a file or --nightly
