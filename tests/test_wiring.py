"""bot/wiring.py is the one list of what the product is made of: nothing that registers an
effect, button, eraser, background job or console page is left out of it, and every table
that keeps a person's LINE identity has an eraser and a retention rule."""
import itertools
import re

import pytest

from bot import wiring
from bot.pipeline import effects
from bot.config import PROJECT_ROOT
from db import open_database, transaction

REGISTERS = re.compile(r"^@(effects\.)?(effect|action|eraser|background)\b", re.M)
PAGE = re.compile(r"^@admin_bp\.(get|post|route)\(|^\s*add_nav_item\(|^@dashboard\.card\(|^@card\(", re.M)
# Columns that hold who a person is on LINE.
IDENTITY = ("chat_key", "source_key", "user_id", "line_user_id")
PERSON = {"chat_key": "user:U" + "a" * 32, "source_key": "user:U" + "a" * 32, "user_id": "U" + "a" * 32,
          "line_user_id": "U" + "a" * 32}


def module_name(path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)


def test_every_module_that_registers_something_is_listed():
    listed = {f.module for f in wiring.FEATURES}
    registering = {module_name(p) for p in (PROJECT_ROOT / "bot").rglob("*.py") if REGISTERS.search(p.read_text("utf-8"))}
    assert registering, "the pattern finds nothing: the decorators were renamed?"
    assert registering - listed == set(), "list these in bot/wiring.py FEATURES"
    assert listed == registering


def test_every_console_page_is_listed():
    pages = {module_name(p) for p in (PROJECT_ROOT / "bot" / "console").rglob("*.py")
             if p.name != "__init__.py" and PAGE.search(p.read_text("utf-8"))}
    assert pages and pages <= set(wiring.CONSOLE_PAGES), "add these to bot/wiring.py CONSOLE_PAGES"
    # The pages apart from what they share: a page lives in bot/console/pages/, support code
    # one folder up never imports a page.
    assert {m for m in pages if not m.startswith("bot.console.pages.")} == set(), "move these to bot/console/pages/"
    in_folder = {module_name(p) for p in (PROJECT_ROOT / "bot" / "console" / "pages").glob("*.py") if p.name != "__init__.py"}
    assert in_folder == set(wiring.CONSOLE_PAGES)
    support = [p for p in (PROJECT_ROOT / "bot" / "console").glob("*.py")]
    assert [p.name for p in support if "bot.console.pages" in p.read_text("utf-8")] == []


def personal_tables(db) -> set[str]:
    return {t for t in db.table_names() if any(c.name in IDENTITY for c in db[t].columns)} - set(wiring.NOT_PERSONAL)


def test_every_table_with_a_persons_identity_is_declared_with_its_rule(tmp_path):
    db = open_database(tmp_path / "w.sqlite3")
    declared = {}
    for feature in wiring.FEATURES:
        for table, rule in feature.personal_tables.items():
            assert table not in declared, f"{table} declared twice"
            declared[table] = rule
    assert set(declared) == personal_tables(db)
    for table, rule in declared.items():
        assert rule.startswith("while ") or callable(wiring.retention_function(rule)), (table, rule)


_PLACEHOLDER = itertools.count(1)
# Rows as they are once finished: a message still waiting to go out is delivered first (the
# reply confirming the erasure is one), then it goes with the rest.
FINISHED = {"outbox": {"status": "sent"}, "inbox": {"status": "done"}}


def _insert_row(db, table: str, values: dict) -> None:
    """A row with the person's identity and placeholder values for whatever else is required,
    parents of foreign keys first."""
    row = {}
    for fk in db[table].foreign_keys:
        if fk.column in values:
            continue
        parent = db.execute(f"SELECT {fk.other_column} FROM {fk.other_table} LIMIT 1").fetchone()
        if parent is None:
            _insert_row(db, fk.other_table, {})
            parent = db.execute(f"SELECT {fk.other_column} FROM {fk.other_table} LIMIT 1").fetchone()
        row[fk.column] = parent[0]
    for column in db[table].columns:
        if column.name in row:
            continue
        if column.name in values:
            row[column.name] = values[column.name]
        elif column.notnull and column.default_value is None and not column.is_pk:
            # 1 passes the rating checks (1–5); distinct text passes unique columns
            row[column.name] = 1 if column.type.upper() in ("INTEGER", "REAL") else f"x{next(_PLACEHOLDER)}"
    db[table].insert(row)


def test_erasing_a_person_leaves_their_identity_in_no_table(tmp_path):
    """Every declared table gets a row naming the person; "ลบข้อมูลของฉัน" (erase_person, with
    every feature's eraser loaded) leaves no column holding who they are."""
    wiring.load_features()
    db = open_database(tmp_path / "w.sqlite3")
    tables = personal_tables(db)
    with transaction(db):
        for table in sorted(tables):
            identity = {c.name: PERSON[c.name] for c in db[table].columns if c.name in PERSON}
            _insert_row(db, table, {**identity, **FINISHED.get(table, {})})
            _insert_row(db, table, {k: v.replace("a", "b") for k, v in identity.items()})  # someone else
    with transaction(db):
        effects.erase_person(db, PERSON["chat_key"], PERSON["user_id"])
    for table in tables:
        for column in (c.name for c in db[table].columns if c.name in PERSON):
            left = db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (PERSON[column],)).fetchone()[0]
            assert left == 0, f"{table}.{column} still names the person after erasure"
        others = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert others >= 1, f"erasing one person emptied {table}"


def test_the_nightly_job_runs_every_retention_rule(tmp_path, monkeypatch, settings):
    import importlib

    from scheduler import clock

    rules = {rule for f in wiring.FEATURES for rule in f.personal_tables.values() if not rule.startswith("while ")}
    called = set()
    for rule in rules:
        module_name_, _, function = rule.partition(":")
        module = importlib.import_module(module_name_)
        real = getattr(module, function)
        # Callers look the function up on its module, so the wrapper sees every call.
        monkeypatch.setattr(module, function, lambda *a, _real=real, _rule=rule, **k: called.add(_rule) or _real(*a, **k))
    clock.purge_old_data(settings)
    assert called == rules


@pytest.mark.parametrize("feature", wiring.FEATURES, ids=lambda f: f.module)
def test_a_feature_with_personal_data_has_an_eraser(feature):
    if not feature.personal_tables:
        pytest.skip("keeps no personal data")
    wiring.load_features()
    import importlib

    module = importlib.import_module(feature.module)
    assert any(getattr(fn, "__module__", None) == module.__name__ for fn in effects._ERASERS), feature.module
