"""The docs' commands work as written (issue 21, parts 8 and 9): the README and every guide in docs/.

- Every `python -m bot|scheduler|db|fakeline …` they show (in shell blocks and inline) names
  commands that exist: each command path (`python -m bot ticket list …` → `bot ticket list`) is run
  with --help through the venv's Python (one process runs them all: each module's main(), as
  `python -m` would), so a renamed or removed command breaks this test.
- Every `python bench/<script>.py` they show exists and answers --help; every `make X` is a target.
- The guides write the venv's Python, `.venv/bin/python`, in their shell blocks; the README says
  once that its `python` means `.venv/bin/python`.
- Every relative link in README.md and docs/*.md points at an existing file (and heading).

The deploy/*.sh scripts the operator's guide names are tested with deploy/, not here."""
from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from bot.config import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOCS_DIR = PROJECT_ROOT / "docs"
GUIDES = [DOCS_DIR / name for name in ("clerk-guide.th.md", "admin-guide.md", "operator-guide.md", "developer-guide.md")]
VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
WORD = r"[a-z][a-z0-9-]*"
# The project's own modules: `python -m pytest …` and the like are not the docs' commands to check.
COMMAND = re.compile(r"python -m ((?:bot|scheduler|db|fakeline)(?:\.[a-z_][a-z0-9_]*)*)((?: [^\s`;#]+)*)")
BENCH = re.compile(r"python (bench/[a-z0-9_/]+\.py)")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def docs() -> list[Path]:
    return [README, *sorted(DOCS_DIR.glob("*.md"))]


def python() -> str:
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def fenced_shell_lines(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if inside:
            lines.append(line)
    return lines


def without_code(text: str) -> str:
    outside = re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]+`", "", outside)


def inline_code(text: str) -> list[str]:
    outside = re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.S | re.M)
    return re.findall(r"`([^`\n]+)`", outside)


def snippets(path: Path) -> tuple[list[str], list[str]]:
    text = path.read_text(encoding="utf-8")
    return fenced_shell_lines(text), inline_code(text)


def command_paths(lines: list[str]) -> set[tuple[str, ...]]:
    """('bot', 'ticket', 'list') for `python -m bot ticket list --open`; `a|b` alternatives expanded."""
    paths = set()
    for snippet in lines:
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
    try:
        module = importlib.import_module(path[0] + ".__main__")
    except ModuleNotFoundError as exc:  # a plain module run with -m (bot.understanding.train)
        if exc.name != path[0] + ".__main__":
            raise
        module = importlib.import_module(path[0])
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = module.main([*path[1:], "--help"])
    except SystemExit as exc:
        code = exc.code
    codes[" ".join(path)] = [code or 0, out.getvalue()[-600:]]
print(json.dumps(codes))
"""


def run_help(paths) -> dict[str, list]:
    done = subprocess.run([python(), "-c", DRIVER, json.dumps(sorted(paths))], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_readme_names_the_venv_python():
    text = README.read_text(encoding="utf-8")
    assert "`python` below is `.venv/bin/python`" in text


def test_the_readme_keeps_the_two_commands():
    fenced = fenced_shell_lines(README.read_text(encoding="utf-8"))
    assert any(line.startswith("make run ") for line in fenced) and any(line.startswith("make test ") for line in fenced)


def test_the_readme_links_every_guide():
    linked = set(LINK.findall(without_code(README.read_text(encoding="utf-8"))))
    assert {f"docs/{guide.name}" for guide in GUIDES} <= linked


def test_every_python_m_command_in_the_docs_exists():
    fenced, paths = set(), set()
    for path in docs():
        lines, inline = snippets(path)
        fenced |= command_paths(lines)
        paths |= command_paths(lines) | command_paths(inline)
    # The guides show the clerks', admins' and operators' commands; docs without them would test nothing.
    assert {("bot", "ticket", "list"), ("bot", "report", "satisfaction"), ("bot", "restore"), ("bot", "doctor"),
            ("bot", "setup-line"), ("scheduler", "run-now", "backup"), ("db", "backup"), ("fakeline",)} <= paths
    assert len(fenced) >= 15
    broken = {cmd: output for cmd, (code, output) in run_help(paths).items() if code != 0}
    assert not broken, f"commands in the docs that do not run: {broken}"


def test_the_guides_write_the_venv_python_in_their_shell_blocks():
    bare = []
    for guide in GUIDES:
        for line in fenced_shell_lines(guide.read_text(encoding="utf-8")):
            if re.match(r"^\w+: ", line):  # a Procfile entry, quoted as the file has it
                continue
            bare += [f"{guide.name}: {line.strip()}" for _ in re.finditer(r"(?<![\w/.-])python3? ", line)]
    assert not bare, f"write .venv/bin/python (or a make target) in a guide's shell block: {bare}"


def test_a_renamed_command_would_fail():
    [(code, output)] = run_help([["bot", "no-such-command"]]).values()
    assert code != 0 and "invalid choice" in output


def test_every_make_target_in_the_docs_exists():
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", (PROJECT_ROOT / "Makefile").read_text(), flags=re.M))
    shown = set()
    for path in docs():
        lines, inline = snippets(path)
        shown |= set(re.findall(r"(?:^|`)make ([a-z][a-z0-9-]*)", "\n".join(lines + inline), flags=re.M))
    assert {"run", "test", "test-fast", "create-admin", "bench"} <= shown
    assert shown <= targets, f"make targets the docs show but the Makefile lacks: {shown - targets}"


def test_every_bench_script_in_the_docs_runs():
    scripts = set()
    for path in docs():
        lines, inline = snippets(path)
        scripts |= set(BENCH.findall("\n".join(lines + inline)))
    assert {"bench/webhook_bench.py", "bench/load.py", "bench/handbook_eval.py"} <= scripts
    broken = {}
    for script in sorted(scripts):
        if not (PROJECT_ROOT / script).is_file():
            broken[script] = "no such file"
            continue
        done = subprocess.run([python(), script, "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            broken[script] = (done.stdout + done.stderr)[-300:]
    assert not broken, f"benchmark scripts in the docs that do not run: {broken}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    heading = re.sub(r"`|\*\*|\*|_(?=\w)|(?<=\w)_", "", heading.strip().lower())
    kept = "".join(c for c in heading if c in " -_" or unicodedata.category(c)[0] in "LMN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def test_every_relative_link_in_the_docs_resolves():
    broken, checked = [], 0
    for path in docs():
        for target in LINK.findall(without_code(path.read_text(encoding="utf-8"))):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            checked += 1
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            if not resolved.exists():
                broken.append(f"{path.name}: {target} (no such file)")
            elif anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved)):
                broken.append(f"{path.name}: {target} (no such heading)")
    assert checked >= 10
    assert not broken, f"broken links: {broken}"


def test_the_link_check_sees_a_missing_file_and_heading(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# การมีส่วนร่วม — participation\n\n## Two commands\n", encoding="utf-8")
    assert anchors(page) == {"การมีส่วนร่วม--participation", "two-commands"}
    assert LINK.findall(without_code("see [a](x.md#y) and `[b](z.md)`")) == ["x.md#y"]
