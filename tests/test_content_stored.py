"""An SAO's content edits shared by the machines of an install on PostgreSQL
(bot/content/stored.py): each machine's folder overlays the shipped defaults, and what one
machine edits or removes reaches the others at their next check."""
from __future__ import annotations

import logging

import psycopg

from bot.config import PROJECT_ROOT
from bot.content import overlay
from bot.content.stored import STATE, ContentShare
from bot.handbook.store import HandbookStore
from db import content_edits, postgres

DEFAULTS = PROJECT_ROOT / "content"


def machine(tmp_path, name: str, url: str, tenant: str) -> ContentShare:
    folder = tmp_path / name / "content"
    overlay.sync(DEFAULTS, folder)  # a new machine's folder: links to the defaults only
    return ContentShare(lambda: postgres.thread_database(url, tenant), folder)


def edited_profile(name: str) -> str:
    text = (DEFAULTS / "profile.yaml").read_text(encoding="utf-8")
    return text.replace("องค์การบริหารส่วนตำบลคอนฉิม", name, 1)


def test_what_one_machine_edits_or_removes_reaches_the_other(postgres_sao, tmp_path):
    url, tenant = postgres_sao
    first, second = machine(tmp_path, "a", url, tenant), machine(tmp_path, "b", url, tenant)
    profile = first.folder / "profile.yaml"
    overlay.remember_base(profile, first.folder)  # as the console does before an edit
    profile.unlink()
    profile.write_text(edited_profile("องค์การบริหารส่วนตำบลบ้านทุ่ม 🌾"), encoding="utf-8")
    assert first.sync() is False  # its own edit: stored, nothing to take
    assert content_edits.version(postgres.thread_database(url, tenant)) == 1

    assert second.sync() is True
    taken = second.folder / "profile.yaml"
    assert not taken.is_symlink() and "บ้านทุ่ม 🌾" in taken.read_text(encoding="utf-8")
    assert (second.folder / ".edited-from.json").is_file()  # which default the edit started from, for doctor
    assert second.sync() is False  # nothing new

    # The first machine puts the default back and writes a ready answer; the second follows.
    profile.unlink()
    (first.folder / ".edited-from.json").unlink()
    faq = first.folder / "faq.yaml"
    faq.unlink()
    faq.write_text("entries: []\n", encoding="utf-8")
    overlay.sync(DEFAULTS, first.folder)
    assert first.sync() is False
    assert second.sync() is True
    overlay.sync(DEFAULTS, second.folder)
    assert taken.is_symlink() and "คอนฉิม" in taken.read_text(encoding="utf-8")
    assert (second.folder / "faq.yaml").read_text(encoding="utf-8") == "entries: []\n"


def test_edits_made_on_both_machines_between_checks_are_both_kept(postgres_sao, tmp_path):
    url, tenant = postgres_sao
    first, second = machine(tmp_path, "a", url, tenant), machine(tmp_path, "b", url, tenant)
    first.sync()
    second.sync()
    for share, name, text in ((first, "faq.yaml", "entries: []\n"), (second, "days-off.yaml", "days_off: []\n")):
        (share.folder / name).unlink()
        (share.folder / name).write_text(text, encoding="utf-8")
    assert first.sync() is False
    assert second.sync() is True  # stored its own, then took the first machine's
    assert first.sync() is True
    for share in (first, second):
        assert (share.folder / "faq.yaml").read_text(encoding="utf-8") == "entries: []\n"
        assert (share.folder / "days-off.yaml").read_text(encoding="utf-8") == "days_off: []\n"


def test_a_new_machine_takes_the_stored_edits_over_what_its_folder_has(postgres_sao, tmp_path):
    url, tenant = postgres_sao
    first = machine(tmp_path, "a", url, tenant)
    (first.folder / "faq.yaml").unlink()
    (first.folder / "faq.yaml").write_text("entries: []\n", encoding="utf-8")
    first.sync()
    late = machine(tmp_path, "c", url, tenant)
    (late.folder / "days-off.yaml").unlink()
    (late.folder / "days-off.yaml").write_text("days_off: []\n", encoding="utf-8")  # never stored
    assert late.sync() is True
    overlay.sync(DEFAULTS, late.folder)
    assert (late.folder / "faq.yaml").read_text(encoding="utf-8") == "entries: []\n"
    assert (late.folder / "days-off.yaml").is_symlink()
    assert (late.folder / STATE).is_file()


def test_without_the_database_the_folder_stays_as_it_is_and_the_bot_answers(tmp_path, caplog):
    def unreachable():
        raise psycopg.OperationalError("connection refused")

    folder = tmp_path / "content"
    overlay.sync(DEFAULTS, folder)
    share = ContentShare(unreachable, folder)
    with caplog.at_level(logging.ERROR, logger="bot.content.stored"):
        assert share.sync() is False
    assert "not brought into step" in caplog.text
    store = HandbookStore(folder, defaults_dir=DEFAULTS, shared=share, build_index=None)
    assert "คอนฉิม" in store.current().profile.name


def test_the_handbook_store_answers_with_an_edit_made_on_another_machine(postgres_sao, tmp_path):
    url, tenant = postgres_sao
    first, second = machine(tmp_path, "a", url, tenant), machine(tmp_path, "b", url, tenant)
    editing = HandbookStore(first.folder, defaults_dir=DEFAULTS, shared=first, build_index=None)
    reading = HandbookStore(second.folder, defaults_dir=DEFAULTS, shared=second, build_index=None, check_seconds=0)
    assert "คอนฉิม" in reading.current().profile.name
    profile = first.folder / "profile.yaml"
    profile.unlink()
    profile.write_text(edited_profile("องค์การบริหารส่วนตำบลโนนสะอาด"), encoding="utf-8")
    editing.reload()  # the console's save: stored at once
    assert reading.current().profile.name == "องค์การบริหารส่วนตำบลโนนสะอาด"


def test_console_edits_on_two_machines_are_one_at_a_time_and_a_stale_form_is_refused(postgres_sao, tmp_path):
    """Machine B saves the SAO's profile; a clerk on machine A, whose form was opened before, saves
    a second later, before A's 2-second check: refused as stale (the folder is brought up to
    date inside the edit), and B's edit stays. And one edit at a time across machines."""
    import threading
    import time

    import pytest

    from bot.handbook.editing import ContentEditor, StaleEdit

    url, tenant = postgres_sao
    first, second = machine(tmp_path, "a", url, tenant), machine(tmp_path, "b", url, tenant)
    first.sync()
    second.sync()
    on_a = ContentEditor(first.folder, tmp_path / "a" / "history", share=first)
    on_b = ContentEditor(second.folder, tmp_path / "b" / "history", share=second)
    fields, opened_on_a = on_a.raw_profile()
    _, opened_on_b = on_b.raw_profile()
    on_b.save_profile({**fields, "phone": "043-111-222"}, opened_on_b, actor="clerk-b")
    with pytest.raises(StaleEdit):
        on_a.save_profile({**fields, "phone": "043-999-999"}, opened_on_a, actor="clerk-a")
    for share in (first, second):
        assert "043-111-222" in (share.folder / "profile.yaml").read_text(encoding="utf-8")
    assert "043-111-222" in content_edits.edits(postgres.thread_database(url, tenant))[1]["profile.yaml"].decode()

    # One at a time: B's edit waits for A's to end, on another machine (its own connection).
    events: list[str] = []
    inside = threading.Event()

    def edit_on_b():
        inside.wait(5)
        with on_b.session():
            events.append("b in")

    other = threading.Thread(target=edit_on_b)
    other.start()
    with on_a.session():
        inside.set()
        time.sleep(0.5)
        events.append("a out")
    other.join(10)
    assert events == ["a out", "b in"]
