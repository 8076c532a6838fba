"""The README's commands work as written (issue 21, part 8): every `python -m bot|scheduler|db …`
it shows (in shell blocks and inline) names commands that exist, and every `make X` is a target.

Each command path (`python -m bot ticket list …` → `bot ticket list`) is run with --help through
the venv's Python (one process runs them all: each module's main(), as `python -m` would), so a
renamed or removed command breaks this test. `python` in the README means `.venv/bin/python`."""
from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
WORD = r"[a-z][a-z0-9-]*"
COMMAND = re.compile(r"python -m (bot|scheduler|db)((?: [^\s`;#]+)*)")


def fenced_shell_lines(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if inside:
            lines.append(line)
    return lines


def inline_code(text: str) -> list[str]:
    outside = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.findall(r"`([^`\n]+)`", outside)


def command_paths(snippets: list[str]) -> set[tuple[str, ...]]:
    """('bot', 'ticket', 'list') for `python -m bot ticket list --open`; `a|b` alternatives expanded."""
    paths = set()
    for snippet in snippets:
        for match in COMMAND.finditer(snippet):
            words = []
            for token in match.group(2).split():
                if not re.fullmatch(rf"{WORD}(\|{WORD})*", token):
                    break
                words.append(token.split("|"))
            for chosen in itertools.product(*words):
                paths.add((match.group(1), *chosen))
    return paths


DRIVER = """
import contextlib, importlib, io, json, sys
codes = {}
for path in json.loads(sys.argv[1]):
    main = importlib.import_module(path[0] + ".__main__").main
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main([*path[1:], "--help"])
    except SystemExit as exc:
        code = exc.code
    codes[" ".join(path)] = [code or 0, out.getvalue()[-300:]]
print(json.dumps(codes))
"""


def test_the_readme_names_the_venv_python():
    text = README.read_text(encoding="utf-8")
    assert "`python` below is `.venv/bin/python`" in text


def test_every_python_m_command_in_the_readme_exists():
    text = README.read_text(encoding="utf-8")
    fenced = command_paths(fenced_shell_lines(text))
    paths = fenced | command_paths(inline_code(text))
    # The shell blocks show the clerks' commands; a README without them would test nothing.
    assert {("bot", "ticket", "list"), ("bot", "report", "satisfaction"), ("bot", "restore"), ("scheduler", "run-now", "backup")} <= paths
    assert len(fenced) >= 15
    python = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
    done = subprocess.run([python, "-c", DRIVER, json.dumps(sorted(paths))], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    codes = json.loads(done.stdout.strip().splitlines()[-1])
    broken = {cmd: output for cmd, (code, output) in codes.items() if code != 0}
    assert not broken, f"README commands that do not run: {broken}"


def test_a_renamed_command_would_fail():
    python = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
    done = subprocess.run([python, "-c", DRIVER, json.dumps([["bot", "no-such-command"]])], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)
    [(code, output)] = json.loads(done.stdout.strip().splitlines()[-1]).values()
    assert code != 0 and "invalid choice" in output


def test_every_make_target_in_the_readme_exists():
    text = README.read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", (PROJECT_ROOT / "Makefile").read_text(), flags=re.M))
    shown = set(re.findall(r"(?:^|`)make ([a-z][a-z0-9-]*)", "\n".join(fenced_shell_lines(text) + inline_code(text)), flags=re.M))
    assert {"run", "test"} <= shown
    assert shown <= targets, f"make targets the README shows but the Makefile lacks: {shown - targets}"
