"""The divisions content file: the default loads, mistakes are named by file and line."""
import pytest

from bot.config import PROJECT_ROOT
from bot.content.divisions import load_divisions
from bot.content.profile import ContentError


def test_default_divisions_are_the_seven_of_an_sao():
    divisions = load_divisions(PROJECT_ROOT / "content" / "divisions.yaml")
    assert [d.id for d in divisions] == ["palad", "finance", "engineering", "education", "welfare", "health", "audit"]
    assert divisions[0].name == "สำนักปลัด"
    assert divisions[-1].name == "หน่วยตรวจสอบภายใน"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("divisions:\n  - id: palad\n    name: สำนักปลัด\n  - id: palad\n    name: ซ้ำ\n", ":4: id 'palad' appears twice"),
        ("divisions:\n  - id: Palad Office\n    name: สำนักปลัด\n", ":2: field 'id' must be"),
        ("divisions:\n  - id: palad\n", ":2: field 'name' is required"),
        ("divisions:\n  - id: palad\n    name: สำนักปลัด\n    boss: x\n", ":2: unknown field 'boss'"),
        ("divisions: []\n", "non-empty"),
        ("divisions: [\n", "not valid YAML"),
    ],
)
def test_mistakes_name_file_and_line(tmp_path, body, expected):
    path = tmp_path / "divisions.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_divisions(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_a_division_is_named_the_same_way_everywhere():
    from bot.content.divisions import Division, division_name

    divisions = (Division("engineering", "กองช่าง"), Division("finance", "กองคลัง"))
    assert division_name(divisions, "finance") == "กองคลัง"
    assert division_name(divisions, "gone") == "gone"  # a record older than an edit of the content
    assert division_name(divisions, None) == "" and division_name(divisions, "") == ""
