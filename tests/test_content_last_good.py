"""One broken content file must not keep the web process (webhook included) from starting
after a restart: it starts from the last good copy beside the database, says what is wrong in
the console, and picks the files up once they are fixed. Only a very first start with broken
content, when no copy exists yet, refuses, naming the file and line."""
from __future__ import annotations

import os
import shutil
import time

import pytest

from admin_support import Console
from bot import create_app
from bot.config import PROJECT_ROOT
from bot.content.profile import ContentError
from bot.handbook import last_good
from bot.line.signature import sign
from helpers import CHANNEL_SECRET, body_of, follow_event, user_id
from scheduler import clock


@pytest.fixture
def content(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    return target


@pytest.fixture
def app_settings(settings, content):
    return settings.with_(start_worker=False, content_dir=content)


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stamp = time.time_ns() + 2_000_000_000  # the modification time moves even on coarse file systems
    os.utime(path, ns=(stamp, stamp))


FAQ_ENTRY = """entries:
  - id: parking
    question: อบต. มีที่จอดรถไหม
    answer: มีลานจอดรถหน้าสำนักงานค่ะ
    division: nowhere
    updated: 2026-11-27
"""

# file, what to replace, with what: each a mistake the loaders name with its line
BREAKS = {
    "handbook": ("handbook/signboard-tax.yaml", "division: finance", "division: nowhere"),
    "profile": ("profile.yaml", "short_name: อบต.คอนฉิม", "short_name: [อบต.คอนฉิม"),
    "divisions": ("divisions.yaml", "    name: กองคลัง\n", "    name: กองคลัง\n    name: กองคลังใหม่\n"),
    "faq": ("faq.yaml", "entries: []\n", FAQ_ENTRY),
    "not-handled": ("not-handled.yaml", "    where: สถานีตำรวจภูธร", "    where: ที่ว่าการอำเภอ\n    where: สถานีตำรวจภูธร"),
}


def _break(content, kind: str) -> str:
    name, old, new = BREAKS[kind]
    _edit(content / name, old, new)
    return name


def _first_start(app_settings) -> Console:
    console = Console(create_app(app_settings))
    console.make_user("somchai", "admin")
    console.db.close()
    return console


def _webhook_answers(app, fake_line) -> list[dict]:
    """A signed follow event is accepted, and the worker answers it from the content it has."""
    citizen = user_id()
    event = follow_event(citizen)
    body = body_of(event)
    response = app.test_client().post(
        "/callback", data=body, headers={"Content-Type": "application/json", "X-Line-Signature": sign(CHANNEL_SECRET, body)})
    assert response.status_code == 200
    fake_line.state.register_reply_token(event["replyToken"], citizen)
    assert app.extensions["inbox_worker"].process_next()
    return fake_line.state.messages_to(citizen)


@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_a_restart_with_a_broken_file_starts_from_the_last_good_copy(app_settings, content, fake_line, kind):
    _first_start(app_settings)
    assert last_good.current(last_good.folder_for(app_settings)) is not None
    name = _break(content, kind)

    console = Console(create_app(app_settings))  # the restart
    app = console.app
    store = app.extensions["handbook_store"]
    assert name in store.last_error
    assert app.test_client().get("/healthz").status_code == 200
    replies = _webhook_answers(app, fake_line)
    assert replies and "อบต.คอนฉิม" in str(replies)  # the good profile, even when profile.yaml is broken
    loaded = store.current()
    assert loaded.handbook.get("signboard-tax").division == "finance"
    assert "finance" in {d.id for d in loaded.divisions} and loaded.profile.short_name == "อบต.คอนฉิม"

    # The console says which file and line, in Thai, first thing after signing in.
    client = console.login("somchai")
    page = client.get("/admin/").get_data(as_text=True)
    assert "ไฟล์เนื้อหา" in page and f"<code>{name}</code> บรรทัดที่ " in page
    assert f"<code>{name}</code> บรรทัดที่ " in client.get("/admin/handbook").get_data(as_text=True)
    assert client.get("/admin/tickets").status_code == 200  # pages listing divisions work too
    console.db.close()


def test_fixed_files_are_picked_up_and_become_the_last_good_copy(app_settings, content, fake_line):
    _first_start(app_settings)
    folder = last_good.folder_for(app_settings)
    first_copy = last_good.current(folder)
    _break(content, "divisions")
    app = create_app(app_settings)
    store = app.extensions["handbook_store"]
    assert "divisions.yaml" in store.last_error
    _edit(content / "divisions.yaml", "    name: กองคลังใหม่\n", "")
    _edit(content / "divisions.yaml", "name: กองช่าง\n", "name: กองช่างและผังเมือง\n")
    store.check_seconds = 0
    assert store.current().divisions and store.last_error is None
    assert dict((d.id, d.name) for d in app.extensions["inbox_worker"].planner.divisions)["engineering"] == "กองช่างและผังเมือง"
    assert last_good.current(folder) != first_copy  # the new version is now the one to start from
    assert "กองช่างและผังเมือง" in (last_good.current(folder) / "divisions.yaml").read_text(encoding="utf-8")
    app.extensions["db_pool"].get().close()


@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_a_first_start_with_broken_content_and_no_copy_refuses_naming_file_and_line(app_settings, content, kind):
    name = _break(content, kind)
    with pytest.raises(ContentError) as err:
        create_app(app_settings)
    assert f"{content / name}:" in str(err.value)
    line = str(err.value).split(f"{content / name}:", 1)[1].split(":", 1)[0]
    assert line.isdigit(), str(err.value)
    assert last_good.current(last_good.folder_for(app_settings)) is None  # nothing broken was kept


def test_the_clock_keeps_working_from_the_last_good_copy(app_settings, content, fake_line):
    _first_start(app_settings)
    _break(content, "divisions")
    assert clock.flag_overdue_questions(app_settings) == {"flagged": 0, "messages": 0}
    assert {d.id for d in clock._content(app_settings).divisions} >= {"palad", "finance", "engineering"}


# --- the copy itself ---------------------------------------------------------------------


def test_the_copy_is_made_only_when_the_content_changed_and_never_from_broken_files(tmp_path, content):
    from bot.handbook import load_handbook

    folder = tmp_path / "var" / last_good.FOLDER
    fingerprint = load_handbook(content).fingerprint
    assert last_good.save(folder, content, fingerprint)
    assert not last_good.save(folder, content, fingerprint)  # same version: nothing copied
    copy = last_good.current(folder)
    assert copy.name == f"v-{fingerprint}" and load_handbook(copy).fingerprint == fingerprint
    (folder / ".tmp-crashed").mkdir()  # what a copy interrupted by a crash leaves
    _break(content, "handbook")
    with pytest.raises(ContentError):
        last_good.save(folder, content, "0" * 16)  # a file broken while copying: the copy is checked
    assert last_good.current(folder) == copy
    _edit(content / "handbook/signboard-tax.yaml", "division: nowhere", "division: finance")
    for n in range(last_good.KEEP + 1):  # new versions: the oldest copies go
        path = content / "profile.yaml"
        path.write_text(path.read_text(encoding="utf-8") + f"# version {n}\n", encoding="utf-8")
        assert last_good.save(folder, content, load_handbook(content).fingerprint)
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("v-")) == [".lock", "current"]
    assert len(list(folder.glob("v-*"))) == last_good.KEEP


def test_the_plans_and_days_off_are_part_of_the_snapshot_and_of_the_last_good_copy(tmp_path):
    """A broken measures plan is a content mistake like any other: the bot keeps the last good
    version of everything (plans included), the copy holds the plan, and a restart starts from it."""
    import shutil

    from bot import wiring
    from bot.config import PROJECT_ROOT
    from bot.handbook import HandbookStore, last_good
    from bot.reminders.passes import Setup

    content, copies = tmp_path / "content", tmp_path / "var" / last_good.FOLDER
    shutil.copytree(PROJECT_ROOT / "content", content)
    store = HandbookStore(content, check_seconds=0, build_index=None, last_good_dir=copies, parts=wiring.CONTENT_PARTS)
    good = store.current()
    setup = Setup.from_snapshot(good)
    assert setup.plans.default.measures and setup.calendar.is_working_day is not None
    assert (last_good.current(copies) / "measures-plan.yaml").exists()

    plan = content / "measures-plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n  - this: [is not, valid\n", encoding="utf-8")
    assert store.current().part("plans") is good.part("plans")  # the last good version stays
    assert store.last_error and "measures-plan.yaml" in store.last_error
    restarted = HandbookStore(content, check_seconds=0, build_index=None, last_good_dir=copies, parts=wiring.CONTENT_PARTS)
    assert restarted.current().part("plans").default.fingerprint == good.part("plans").default.fingerprint
