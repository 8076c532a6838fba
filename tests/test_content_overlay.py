"""Edited content outside the code (issue 21, parts 2 and 3): DATA_DIR, the content overlay
over the shipped defaults, and refusing data inside the code folder with a real channel."""
from __future__ import annotations

import multiprocessing
import os
import shutil

import pytest

from bot.config import PROJECT_ROOT, load_settings
from bot.content import overlay
from db.backup import edited_paths
from bot.operations.doctor import check_data_location, startup_problems
from bot.handbook import HandbookStore
from bot.handbook.editing import ContentEditor
from bot.handbook.loader import load_handbook

CHANNEL = {"LINE_CHANNEL_SECRET": "s" * 32, "LINE_CHANNEL_ACCESS_TOKEN": "t" * 40}


@pytest.fixture
def shipped(tmp_path):
    """This version's defaults, as an install puts them under /opt/sao-bot/app/content."""
    folder = tmp_path / "app" / "content"
    shutil.copytree(PROJECT_ROOT / "content", folder)
    return folder


@pytest.fixture
def data(tmp_path):
    return tmp_path / "data" / "content"


def test_the_overlay_shows_every_default_as_a_link(shipped, data):
    done = overlay.sync(shipped, data)
    files = sorted(str(p.relative_to(shipped)) for p in shipped.rglob("*.yaml"))
    assert sorted(done.linked) == files
    assert all((data / f).is_symlink() and (data / f).read_bytes() == (shipped / f).read_bytes() for f in files)
    assert edited_paths(data) == []
    assert not overlay.sync(shipped, data)  # a second sync changes nothing
    assert len(load_handbook(data)) == len(load_handbook(shipped))


def test_a_console_edit_lands_in_the_data_folder_and_an_upgrade_never_overwrites_it(shipped, data, tmp_path):
    overlay.sync(shipped, data)
    default_text = (shipped / "handbook" / "disaster-relief.yaml").read_text(encoding="utf-8")
    editor = ContentEditor(data, tmp_path / "data" / "content-history")
    editor.add_alias("disaster-relief", "เงินช่วยคนตกงานหน้าฝน", "somchai", load_handbook(data))

    edited = data / "handbook" / "disaster-relief.yaml"
    assert not edited.is_symlink() and "เงินช่วยคนตกงานหน้าฝน" in edited.read_text(encoding="utf-8")
    assert (shipped / "handbook" / "disaster-relief.yaml").read_text(encoding="utf-8") == default_text  # code untouched
    assert edited_paths(data) == ["handbook/disaster-relief.yaml"]

    # An upgrade: a new version of that default, a new procedure, a default removed.
    (shipped / "handbook" / "disaster-relief.yaml").write_text(default_text.replace("ภัยพิบัติ", "สาธารณภัย"), encoding="utf-8")
    shutil.copy(shipped / "handbook" / "water-supply.yaml", shipped / "handbook" / "water-supply-copy.yaml")
    (shipped / "handbook" / "hiv-patient-support.yaml").unlink()
    done = overlay.sync(shipped, data)

    assert done.linked == ["handbook/water-supply-copy.yaml"]
    assert done.removed == ["handbook/hiv-patient-support.yaml"]
    assert "เงินช่วยคนตกงานหน้าฝน" in edited.read_text(encoding="utf-8")  # the SAO's edit wins
    assert not (data / "handbook" / "hiv-patient-support.yaml").exists()

    # Deleting the edit brings the default back.
    edited.unlink()
    assert overlay.sync(shipped, data).linked == ["handbook/disaster-relief.yaml"]
    assert edited.is_symlink() and "สาธารณภัย" in edited.read_text(encoding="utf-8")


def test_an_edit_whose_default_an_upgrade_removed_is_kept(shipped, data):
    overlay.sync(shipped, data)
    mine = data / "handbook" / "hiv-patient-support.yaml"
    text = mine.read_text(encoding="utf-8")
    mine.unlink()
    mine.write_text(text, encoding="utf-8")  # edited: a real file now
    (shipped / "handbook" / "hiv-patient-support.yaml").unlink()
    assert overlay.sync(shipped, data).removed == []
    assert mine.read_text(encoding="utf-8") == text


def test_links_follow_the_code_to_a_new_folder(shipped, data, tmp_path):
    overlay.sync(shipped, data)
    moved = tmp_path / "app-2" / "content"
    shutil.copytree(shipped, moved)
    shutil.rmtree(shipped.parent)
    done = overlay.sync(moved, data)
    assert len(done.relinked) == len(list(moved.rglob("*.yaml"))) and not done.linked
    assert os.readlink(data / "profile.yaml") == str(moved / "profile.yaml")
    assert len(load_handbook(data)) > 0


def _sync_many(shipped, data, times):
    for _ in range(times):
        overlay.sync(shipped, data)


def test_processes_syncing_at_once_never_fail_or_clobber_an_edit(shipped, data):
    overlay.sync(shipped, data)
    mine = data / "profile.yaml"
    text = mine.read_text(encoding="utf-8").replace("คอนฉิม", "คอนฉิม (แก้ไข)")
    for path in data.rglob("*.yaml"):  # every link gone: each process races to make them again
        path.unlink()
    mine.write_text(text, encoding="utf-8")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_sync_many, args=(shipped, data, 20)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert mine.read_text(encoding="utf-8") == text
    assert edited_paths(data) == ["profile.yaml"]
    assert len(load_handbook(data)) == len(load_handbook(shipped))


def test_a_running_store_sees_a_default_added_without_a_restart(shipped, data):
    store = HandbookStore(data, defaults_dir=shipped, check_seconds=0, build_index=None)
    before = len(store.current().handbook)
    shutil.copy(shipped / "handbook" / "water-supply.yaml", shipped / "handbook" / "water-supply-copy.yaml")
    text = (shipped / "handbook" / "water-supply-copy.yaml").read_text(encoding="utf-8")
    (shipped / "handbook" / "water-supply-copy.yaml").write_text(
        text.replace("id: water-supply", "id: water-supply-copy", 1), encoding="utf-8")
    assert len(store.current().handbook) == before + 1


# --- settings ----------------------------------------------------------------------------------------


def test_data_dir_holds_the_database_backups_and_edited_content(tmp_path):
    s = load_settings({"DATA_DIR": str(tmp_path / "vol")})
    assert s.database_path == tmp_path / "vol" / "sao-bot.sqlite3"
    assert s.backups_path == tmp_path / "vol" / "backups"
    assert s.content_dir == tmp_path / "vol" / "content"
    assert s.default_content_dir == PROJECT_ROOT / "content"


def test_without_data_dir_the_data_sits_beside_the_database(tmp_path):
    s = load_settings({"DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3"), "CONTENT_DIR": str(tmp_path / "mine")})
    assert s.data_path == tmp_path / "db" and s.content_dir == tmp_path / "db" / "content"
    assert s.default_content_dir == tmp_path / "mine"
    plain = load_settings({})
    assert plain.database_path == PROJECT_ROOT / "var" / "sao-bot.sqlite3" and plain.content_dir == PROJECT_ROOT / "var" / "content"


def test_content_dir_inside_the_data_folder_is_read_as_is(tmp_path):
    s = load_settings({"DATA_DIR": str(tmp_path), "CONTENT_DIR": str(tmp_path / "content")})
    assert s.content_dir == tmp_path / "content" and s.default_content_dir is None


# --- data inside the code folder ----------------------------------------------------------------------


def test_data_inside_the_code_folder_is_a_warning_for_a_trial():
    [finding] = check_data_location(load_settings({}))
    assert finding.level == "warning" and "DATA_DIR" in finding.english


def test_with_a_real_channel_data_inside_the_code_folder_refuses_to_start():
    settings = load_settings({**CHANNEL, "SECRET_KEY": "k" * 40})
    [finding] = check_data_location(settings)
    assert finding.level == "error" and finding.refuse_start
    assert any("DATA_DIR" in problem for problem in startup_problems(settings))


def test_with_a_real_channel_data_outside_the_code_folder_is_fine(tmp_path):
    settings = load_settings({**CHANNEL, "SECRET_KEY": "k" * 40, "DATA_DIR": str(tmp_path)})
    assert check_data_location(settings)[0].level == "ok"
    # A fake LINE on this machine is a trial, not production: a warning only.
    trial = load_settings({**CHANNEL, "LINE_API_BASE_URL": "http://127.0.0.1:9"})
    assert check_data_location(trial)[0].level == "warning"


def test_doctor_lists_the_edits_and_warns_when_an_upgrade_changed_a_default_an_edit_hides(shipped, tmp_path):
    from bot.operations.doctor import check_edited_content

    settings = load_settings({"DATA_DIR": str(tmp_path / "data"), "CONTENT_DIR": str(shipped)})
    overlay.prepare(settings)
    [listed] = check_edited_content(settings)
    assert listed.level == "ok" and "0 content files" in listed.english

    editor = ContentEditor(settings.content_dir, tmp_path / "data" / "content-history")
    editor.add_alias("disaster-relief", "เงินช่วยคนตกงานหน้าฝน", "somchai", load_handbook(settings.content_dir))
    editor.add_alias("disaster-relief", "เงินช่วยน้ำท่วมนา", "somchai", load_handbook(settings.content_dir))
    [listed] = check_edited_content(settings)
    assert "handbook/disaster-relief.yaml" in listed.english

    # An upgrade changes that default: the edit still wins, and doctor says so.
    default = shipped / "handbook" / "disaster-relief.yaml"
    default.write_text(default.read_text(encoding="utf-8").replace("ภัยพิบัติ", "สาธารณภัย"), encoding="utf-8")
    listed, behind = check_edited_content(settings)
    assert behind.level == "warning" and "handbook/disaster-relief.yaml" in behind.english and "diff" in behind.english
    # An upgrade that leaves it alone says nothing: another default's change is no concern of this edit.
    default_profile = shipped / "profile.yaml"
    default_profile.write_text(default_profile.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert len(check_edited_content(settings)) == 2
