"""The handbook content: the default for Khon Chim loads whole; mistakes name file, field and line."""
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.handbook import SECTIONS, ContentError, HandbookStore, load_handbook
from bot.line.limits import grapheme_len

CONTENT = PROJECT_ROOT / "content"
REQUIRED_IDS = {
    "elderly-allowance", "disability-allowance", "hiv-patient-support", "newborn-child-grant",
    "land-building-tax", "signboard-tax", "building-permit", "demolition-permit", "excavation-notice",
    "land-filling-notice", "health-hazard-business-license", "food-premises-permit", "street-vending-permit",
    "commercial-registration", "waste-collection", "water-supply", "drinking-water-delivery",
    "disaster-relief", "official-information-request", "complaint", "corruption-complaint",
    "child-development-center-enrollment", "office-contact", "equipment-loan",
}
DIVISIONS = {"palad", "finance", "engineering", "education", "welfare", "health", "audit"}


@pytest.fixture(scope="module")
def handbook():
    return load_handbook(CONTENT)


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def test_default_handbook_has_exactly_the_procedures_other_tools_rely_on(handbook):
    assert set(handbook.ids) == REQUIRED_IDS and len(handbook.procedures) == 24
    assert handbook.get("elderly-allowance").title.startswith("การลงทะเบียน")
    assert handbook.get("no-such-thing") is None
    assert handbook.procedures[0].id == "elderly-allowance"  # ordered by `order`


def test_every_procedure_is_complete_in_the_official_format(handbook):
    for p in handbook.procedures:
        assert p.division in DIVISIONS and p.division_name
        assert p.legal_basis and p.aliases and p.eligibility and p.documents and p.fees
        assert p.steps and p.channels and p.complaints and p.duration_total
        assert isinstance(p.updated, date) and p.updated.year >= 2025
        assert grapheme_len(p.short_title) <= 20
        for section in SECTIONS:
            text = p.section_text(section)
            assert text.strip(), (p.id, section)
            assert "{{" not in text and "}}" not in text, (p.id, section)
        assert "พ.ร.บ." not in p.title  # official names are written in full


def test_one_field_table_states_the_schema():
    """schema.py fills every Procedure attribute, each from one field; each section shows a field."""
    from dataclasses import fields

    from bot.handbook.model import Procedure
    from bot.handbook.schema import DIVISION, EDITABLE, FIELD, FIELDS, FORM_BOXES, GROUP, SECTION_TABLE
    from bot.line.limits import MAX_LABEL

    filled = ["source_file"]
    for f in FIELDS:
        filled += [p.name for p in f.parts] if f.kind == GROUP else [f.name]
        filled += [f"{f.name}_name"] if f.kind == DIVISION else []
    assert sorted(filled) == sorted(x.name for x in fields(Procedure))  # each once, none missing
    assert all(s.field in FIELD for s in SECTION_TABLE) and len({s.id for s in SECTION_TABLE}) == len(SECTION_TABLE)
    assert list(SECTIONS) == [s.id for s in SECTION_TABLE if s.button]
    assert all(grapheme_len(s.button) <= MAX_LABEL for s in SECTION_TABLE)
    on_form = [f.key for _, box in FORM_BOXES for f in box]
    assert sorted(on_form) == sorted(EDITABLE) == sorted(f.key for f in FIELDS if f.key != "id")  # all but the id, once


def test_profile_values_fill_the_placeholders(handbook):
    contact = handbook.get("office-contact")
    assert "ตำบลคอนฉิม อำเภอแวงใหญ่" in contact.overview and "08.30" in contact.overview
    assert handbook.get("elderly-allowance").channels[0].where.startswith("กองสวัสดิการสังคม องค์การบริหารส่วนตำบลคอนฉิม")


def test_fees_follow_the_law(handbook):
    fees = {f.item: f.amount for f in handbook.get("commercial-registration").fees}
    assert fees["จดทะเบียนตั้งใหม่"] == "50 บาท"
    assert "500 บาท" in handbook.get("excavation-notice").section_text("fees")
    assert "600 บาท" in handbook.get("elderly-allowance").overview and "1,000 บาท" in handbook.get("elderly-allowance").overview


def test_not_handled_topics_load(handbook):
    ids = {t.id for t in handbook.not_handled}
    assert {"id-card", "passport", "driving-licence", "weather", "land-title", "police", "hospital"} <= ids
    id_card = next(t for t in handbook.not_handled if t.id == "id-card")
    assert "อำเภอแวงใหญ่" in id_card.where


def _write(content: Path, name: str, text: str) -> Path:
    path = content / "handbook" / name
    path.write_text(text, encoding="utf-8")
    return path


def _replace(content: Path, name: str, old: str, new: str) -> Path:
    path = content / "handbook" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    "old, new, needle, expected",
    [
        ("division: welfare", "division: welfair", "division: welfair", "field 'division' is 'welfair', not a division id"),
        ("short_title: เบี้ยยังชีพผู้สูงอายุ", "short_title: เบี้ยยังชีพผู้สูงอายุสำหรับทุกคนในตำบลนี้", "short_title:", "at most 20 characters"),
        ("updated: 2026-11-27", "updated: 27/11/2569", "updated:", "field 'updated' must be a date"),
        ("category: สวัสดิการสังคม", "category: สวัสดิการสังคม\ncolour: red", "colour: red", "unknown field 'colour'"),
        ("    amount: ไม่เสียค่าธรรมเนียม", "    amount: ไม่เสียค่าธรรมเนียม\n    price: 0", "price: 0", "unknown field 'fees[1].price'"),
        ("  - ทะเบียนบ้าน พร้อมสำเนา 1 ฉบับ", "  - ทะเบียนบ้าน รับรองโดย {{village_head}}", "{{village_head}}", "unknown placeholder {{village_head}}"),
        ("id: elderly-allowance", "id: elderly-allowances", "id: elderly", "but the file is named elderly-allowance.yaml"),
        ("  - มีสัญชาติไทย", "  - [มีสัญชาติไทย", "[มีสัญชาติไทย", "not valid YAML"),
    ],
)
def test_mistakes_name_file_field_and_line_and_nothing_loads(tmp_path, old, new, needle, expected):
    content = copy_content(tmp_path)
    path = _replace(content, "elderly-allowance.yaml", old, new)
    with pytest.raises(ContentError) as err:
        load_handbook(content)
    message = str(err.value)
    assert expected in message
    line = _line_of(path, needle)
    assert f"{path}:{line}:" in message or (expected == "not valid YAML" and f"{path}:" in message), message


def test_missing_required_field_and_empty_list(tmp_path):
    content = copy_content(tmp_path)
    path = content / "handbook" / "signboard-tax.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("documents:")
    end = text.index("fees:")
    path.write_text(text[:start] + "documents: []\n" + text[end:].replace("complaints:", "old_complaints:"), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_handbook(content)
    message = str(err.value)
    assert f"{path}:{_line_of(path, 'documents: []')}: field 'documents' must list at least one item" in message
    assert "field 'complaints' is required" in message and "unknown field 'old_complaints'" in message


def test_every_mistake_in_every_file_is_reported_at_once(tmp_path):
    content = copy_content(tmp_path)
    _replace(content, "complaint.yaml", "division: palad", "division: police")
    _replace(content, "water-supply.yaml", "updated: 2026-11-27", "updated: soon")
    with pytest.raises(ContentError) as err:
        load_handbook(content)
    assert "complaint.yaml" in str(err.value) and "water-supply.yaml" in str(err.value)


def test_a_file_that_is_not_a_mapping(tmp_path):
    content = copy_content(tmp_path)
    _write(content, "extra-thing.yaml", "- just\n- a list\n")
    with pytest.raises(ContentError, match=r"extra-thing.yaml:1: expected 'field: value' lines"):
        load_handbook(content)


def test_files_starting_with_underscore_are_drafts_and_ignored(tmp_path):
    content = copy_content(tmp_path)
    _write(content, "_draft.yaml", "not: [valid")
    assert len(load_handbook(content)) == 24


def test_store_reloads_changed_content_and_keeps_the_last_good_version(tmp_path):
    content = copy_content(tmp_path)
    store = HandbookStore(content, check_seconds=0, build_index=None)
    first = store.current()
    assert first.handbook.get("signboard-tax").short_title == "ภาษีป้าย"
    path = _replace(content, "signboard-tax.yaml", "short_title: ภาษีป้าย", "short_title: ภาษีป้ายโฆษณา")
    _bump(path)
    assert store.current().handbook.get("signboard-tax").short_title == "ภาษีป้ายโฆษณา"
    assert store.current().handbook.fingerprint != first.handbook.fingerprint
    # A broken edit: the bot keeps the last good content and says what is wrong.
    _replace(content, "signboard-tax.yaml", "division: finance", "division: nowhere")
    _bump(path)
    assert store.current().handbook.get("signboard-tax").short_title == "ภาษีป้ายโฆษณา"
    assert "signboard-tax.yaml" in store.last_error and "nowhere" in store.last_error
    with pytest.raises(ContentError):
        store.reload()
    _replace(content, "signboard-tax.yaml", "division: nowhere", "division: finance")
    assert store.reload().handbook.get("signboard-tax").division == "finance" and store.last_error is None


def _bump(path: Path) -> None:
    # Make sure the modification time moves even on coarse file systems.
    stamp = time.time_ns() + 2_000_000_000
    import os

    os.utime(path, ns=(stamp, stamp))


def test_a_field_written_twice_is_an_error_not_a_silent_replacement(tmp_path):
    # YAML keeps the last of two equal keys without a word: a clerk's second `where:` under
    # a topic would replace the first unseen (the default content once had exactly that).
    content = copy_content(tmp_path)
    text = (content / "not-handled.yaml").read_text(encoding="utf-8")
    anchor = "    where: สถานีตำรวจภูธร"
    assert anchor in text
    (content / "not-handled.yaml").write_text(
        text.replace(anchor, "    where: ที่ว่าการอำเภอ\n" + anchor, 1), encoding="utf-8"
    )
    with pytest.raises(ContentError, match=r"not-handled.yaml:\d+: 'where' is written twice"):
        load_handbook(content)


def test_a_profile_or_divisions_key_written_twice_is_an_error(tmp_path):
    from bot.content.divisions import load_divisions

    content = copy_content(tmp_path)
    text = (content / "divisions.yaml").read_text(encoding="utf-8")
    (content / "divisions.yaml").write_text(text.replace("    name: กองคลัง\n", "    name: กองคลัง\n    name: กองคลังใหม่\n", 1),
                                           encoding="utf-8")
    with pytest.raises(ContentError, match=r"divisions.yaml:\d+: 'name' is written twice"):
        load_divisions(content / "divisions.yaml")
