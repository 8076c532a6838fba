"""Changing the handbook's files safely (bot/handbook/editing.py) and ready answers (content/faq.yaml):
checked like the files, written atomically with a backup, and seen by another process within seconds."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from datetime import date

import pytest

from bot.__main__ import ask_result
from bot.config import PROJECT_ROOT
from bot.handbook import load_handbook
from bot.handbook.editing import ContentEditor, EditError, StaleEdit, atomic_write
from bot.handbook.loader import HandbookContentError
from bot.handbook.search import HandbookSearch
from bot.content.profile import load_profile
from helpers import wait_until

UNEMPLOYED = "เงินช่วยคนตกงานหน้าฝน"  # nothing in the handbook says this


@pytest.fixture
def content_dir(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    return target


@pytest.fixture
def editor(content_dir, tmp_path):
    return ContentEditor(content_dir, tmp_path / "history")


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


# --- the FAQ file ---------------------------------------------------------------------------------


def test_the_default_faq_file_is_valid_and_empty():
    book = load_handbook(PROJECT_ROOT / "content")
    assert book.faq == ()


def test_faq_mistakes_are_reported_with_line_and_thai_text(content_dir):
    (content_dir / "faq.yaml").write_text(textwrap.dedent("""\
        entries:
          - id: Parking Lot
            question: อบต. มีที่จอดรถไหม
            answer: มีค่ะ
            division: nowhere
            updated: 2026-11-27
          - id: wifi
            question: มีไวไฟไหม
            answer: ""
            updated: 27/11/2569
        """), encoding="utf-8")
    with pytest.raises(HandbookContentError) as caught:
        load_handbook(content_dir)
    text = str(caught.value)
    assert "faq.yaml:2: field 'entries[1].id' must be lower-case" in text
    assert "faq.yaml:5:" in text and "divisions.yaml" in text
    assert "faq.yaml:9: field 'entries[2].answer' must not be empty" in text
    assert "faq.yaml:10:" in text and "YYYY-MM-DD" in text
    thai = [p.thai for p in caught.value.problems]
    assert "รหัสใช้ได้เฉพาะอักษรอังกฤษตัวเล็ก ตัวเลข และ -" in thai and "ไม่มีกองนี้ในไฟล์ divisions.yaml" in thai


def test_the_bot_answers_from_a_ready_answer(content_dir):
    (content_dir / "faq.yaml").write_text(textwrap.dedent("""\
        entries:
          - id: parking
            question: อบต. มีที่จอดรถไหม
            aliases: [จอดรถตรงไหน]
            answer: มีลานจอดรถหน้าสำนักงานค่ะ จอดได้ในเวลาทำการ {{office_hours}}
            updated: 2026-11-27
        """), encoding="utf-8")
    book = load_handbook(content_dir)
    search = HandbookSearch(book)
    result = search.search("จะไปติดต่อ อบต. จอดรถตรงไหนได้คะ 🚗")
    assert result.outcome == "faq" and result.faq.id == "parking"
    out = ask_result(search, load_profile(content_dir / "profile.yaml"), "อบต มีที่จอดรถมั้ย")
    assert out["outcome"] == "faq" and out["faq"] == "parking" and out["procedure"] is None
    assert out["answer"].startswith("มีลานจอดรถหน้าสำนักงานค่ะ") and "{{" not in out["answer"] and "08.30" in out["answer"]
    # Questions about real procedures still go to them.
    assert search.search("เบี้ยคนแก่ใช้เอกสารอะไร").procedure.id == "elderly-allowance"


# --- the editor: checked, atomic, backed up --------------------------------------------------------


def test_an_invalid_edit_writes_nothing(editor, content_dir, tmp_path):
    path = content_dir / "handbook" / "building-permit.yaml"
    before = path.read_bytes()
    listing = _files(path.parent)
    with pytest.raises(EditError) as caught:
        editor.save_procedure("building-permit", {"short_title": "ขออนุญาตก่อสร้างอาคารบ้านเรือนทุกประเภท", "documents": [],
                                                  "division": "nowhere"}, "", "somchai")
    errors = caught.value.by_field()
    assert errors["short_title"][0].startswith("ยาวได้ไม่เกิน 20 ตัวอักษร")
    assert errors["documents"] == ["ต้องมีอย่างน้อยหนึ่งข้อ"] and errors["division"] == ["ไม่มีกองนี้ในไฟล์ divisions.yaml"]
    assert path.read_bytes() == before and _files(path.parent) == listing
    assert not (tmp_path / "history" / "handbook").exists()  # nothing to back up: nothing was written


def test_a_valid_edit_keeps_the_files_layout_and_a_backup(editor, content_dir, tmp_path):
    path = content_dir / "handbook" / "building-permit.yaml"
    original = path.read_text(encoding="utf-8")
    raw, version = editor.raw_procedure("building-permit")
    raw["fees"] = [{"item": "ค่าธรรมเนียมใบอนุญาตก่อสร้าง", "amount": "20 บาท"}] + raw["fees"][1:]
    raw["updated"] = date(2026, 11, 27)
    result = editor.save_procedure("building-permit", raw, version, "somchai")
    new = path.read_text(encoding="utf-8")
    assert result.backup.read_text(encoding="utf-8") == original and result.backup.name.endswith(".somchai")
    changed = [line for line in new.splitlines() if line not in original.splitlines()]
    assert changed == ["    amount: 20 บาท", "updated: 2026-11-27"] or set(changed) <= {
        "  - item: ค่าธรรมเนียมใบอนุญาตก่อสร้าง", "    amount: 20 บาท", "updated: 2026-11-27"}
    assert new.startswith("# ") and "{{" in new  # comments and placeholders are kept
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left
    assert result.handbook.get("building-permit").fees[0].amount == "20 บาท"


def test_an_edit_of_a_changed_file_is_refused(editor):
    raw, version = editor.raw_procedure("water-supply")
    other = dict(raw, overview=raw["overview"] + " (แก้โดยอีกคน)")
    editor.save_procedure("water-supply", other, version, "malee")
    mine = dict(raw, overview=raw["overview"] + " (แก้โดยฉัน)")
    with pytest.raises(StaleEdit):
        editor.save_procedure("water-supply", mine, version, "somchai")
    assert "(แก้โดยอีกคน)" in load_handbook(editor.content_dir).get("water-supply").overview


def test_a_crash_while_writing_leaves_the_old_file_whole(content_dir, monkeypatch):
    path = content_dir / "handbook" / "water-supply.yaml"
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write(path, "id: water-supply\n")
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_an_alias_changes_the_bots_answer(editor, content_dir):
    book = load_handbook(content_dir)
    assert HandbookSearch(book).search(UNEMPLOYED).outcome == "unknown"
    result = editor.add_alias("disaster-relief", f"  {UNEMPLOYED} ", "somchai", book)
    after = HandbookSearch(result.handbook).search(f"อยากได้{UNEMPLOYED}ค่ะ")
    assert after.outcome == "answer" and after.procedure.id == "disaster-relief"
    assert load_handbook(content_dir).get("disaster-relief").aliases[-1] == UNEMPLOYED
    with pytest.raises(EditError, match="อยู่แล้ว"):
        editor.add_alias("disaster-relief", UNEMPLOYED, "somchai", result.handbook)
    with pytest.raises(EditError, match="ใช้ซ้ำกับอีกเรื่องไม่ได้"):
        editor.add_alias("water-supply", "เบี้ยคนแก่", "somchai", result.handbook)
    with pytest.raises(EditError, match="ไม่เกิน 100"):
        editor.add_alias("water-supply", "น้ำ" * 60, "somchai", result.handbook)


def test_another_process_answers_with_the_edit_within_seconds(editor, content_dir):
    """A second process (as another gunicorn worker or `python -m bot work`) notices the new file."""
    script = textwrap.dedent("""\
        import sys
        from bot.handbook import HandbookStore
        store = HandbookStore(sys.argv[1], check_seconds=0.2)
        for line in sys.stdin:
            result = store.current().index.search(line.strip())
            print(result.outcome, result.procedure.id if result.procedure else "-", flush=True)
        """)
    proc = subprocess.Popen([sys.executable, "-c", script, str(content_dir)], cwd=PROJECT_ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        def ask() -> str:
            proc.stdin.write(UNEMPLOYED + "\n")
            proc.stdin.flush()
            return proc.stdout.readline().strip()

        assert ask() == "unknown -"
        editor.add_alias("disaster-relief", UNEMPLOYED, "somchai", load_handbook(content_dir))
        assert wait_until(lambda: ask() == "answer disaster-relief", timeout=15, interval=0.3)
    finally:
        proc.stdin.close()
        proc.wait(10)
