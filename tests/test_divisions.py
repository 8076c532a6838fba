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


def test_an_edit_of_the_divisions_reaches_the_bot_without_a_restart(tmp_path):
    """One content snapshot: the profile and divisions reload with the handbook (same files'
    version, same rule), so the bot names a renamed division as the console does."""
    import shutil

    from bot.config import PROJECT_ROOT
    from bot.conversation.flows import build_engine
    from bot.handbook import HandbookStore
    from bot.pipeline.handlers import EventPlanner

    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    store = HandbookStore(content, check_seconds=0, build_index=None)
    planner = EventPlanner(build_engine(), store.current().profile, handbook_store=store)
    assert dict((d.id, d.name) for d in planner.context("user").divisions)["engineering"] == "กองช่าง"
    path = content / "divisions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: กองช่าง", "name: กองช่างและผังเมือง"), encoding="utf-8")
    assert dict((d.id, d.name) for d in planner.context("user").divisions)["engineering"] == "กองช่างและผังเมือง"
    assert dict((d.id, d.name) for d in planner.divisions)["engineering"] == "กองช่างและผังเมือง"  # effects see it too
