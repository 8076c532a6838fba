"""The handbook search on real villager Thai: typos, emoji, Thai digits, Isan, out-of-scope."""
import pytest

from bot.config import PROJECT_ROOT
from bot.handbook import load_handbook
from bot.handbook.search import HandbookSearch
from bot.handbook.sections import detect
from bot.handbook.thai import fold, normalise


@pytest.fixture(scope="module")
def search():
    return HandbookSearch(load_handbook(PROJECT_ROOT / "content"))


@pytest.mark.parametrize(
    "question, procedure, section",
    [
        ("ขอเบี้ยคนแก่ต้องใช้เอกสารอะไรบ้างคะ", "elderly-allowance", "documents"),
        ("เงินคนพิการเดือนละเท่าไหร่คะ", "disability-allowance", "overview"),
        ("ภาษีบ้านจ่ายที่ไหนครับ", "land-building-tax", "channels"),
        ("ขออนุญาตสร้างบ้านใช้เวลากี่วันคะ", "building-permit", "duration"),
        ("จดทะเบียนพาณิชย์เสียเงินกี่บาท", "commercial-registration", "fees"),
        ("ร้องเรียนเสียงดังตอนกลางคืนทำยังไง", "complaint", "steps"),
        ("ศูนย์เด็กเล็กรับเด็กอายุกี่ขวบคะ", "child-development-center-enrollment", "eligibility"),
    ],
)
def test_plain_questions(search, question, procedure, section):
    result = search.search(question)
    assert (result.outcome, result.procedure.id, result.section) == ("answer", procedure, section)


@pytest.mark.parametrize(
    "question, procedure",
    [
        ("เบียคนแกตองใชเอกสารอะไร", "elderly-allowance"),  # no tone marks at all
        ("เบยยังชีพผู้สูงอายุ", "elderly-allowance"),  # a vowel left out
        ("ขออนุญาติก่อสร้าง", "building-permit"),  # the common misspelling
        ("ทะเบียนพานิช จดที่ไหน", "commercial-registration"),
        ("เบี้ยยังชีพ ผู้ สูง อายุ", "elderly-allowance"),  # odd spacing
        ("ขยะะะะ ไม่มาเก็บบบ", "waste-collection"),  # repeated letters
        ("ประปาไม่ไหลลลล😭😭", "water-supply"),  # emoji
        ("♿ ขอเบี้ย", "disability-allowance"),  # an emoji that means something
        ("พ่อจะอายุครบ๖๐ปี ขอเบี้ยคนเฒ่า", "elderly-allowance"),  # Thai digits, Isan word
        ("ขอน้ำกินจั่งได๋", "drinking-water-delivery"),  # Isan "how"
        ("เฮ็ดเฮือนใหม่ต้องขออนุญาตบ่", "building-permit"),  # Isan "build a house"
        ("ขี้เหยื้อบ่มีคนมาเก็บเลย", "waste-collection"),  # Isan "garbage"
    ],
)
def test_how_villagers_type(search, question, procedure):
    result = search.search(question)
    assert result.outcome == "answer" and result.procedure.id == procedure, [(h.key, h.score) for h in result.hits]


@pytest.mark.parametrize(
    "question, topic",
    [
        ("ทำบัตรประชาชนใหม่ที่ไหนคะ", "id-card"),
        ("ทำพาสปอร์ตที่ขอนแก่นต้องจองคิวไหม", "passport"),
        ("ต่อใบขับขี่มอไซค์ที่ไหนครับ", "driving-licence"),
        ("ออกโฉนดที่ดินต้องทำยังไง", "land-title"),
        ("โดนขโมยควาย แจ้งความที่ไหน", "police"),
        ("พรุ่งนี้ฝนจะตกไหม", "weather"),
    ],
)
def test_what_the_sao_does_not_handle_is_never_answered_with_a_procedure(search, question, topic):
    result = search.search(question)
    assert result.outcome == "outside" and result.topic.id == topic and result.procedure is None


@pytest.mark.parametrize("question", ["ทำไงให้ผิวขาว", "หวยงวดนี้ออกอะไร", "สวัสดีตอนเช้าค่ะ 🌞", "ปลูกมะม่วงยังไงให้ลูกดก", "🙏🙏🙏"])
def test_unknown_questions_are_not_guessed(search, question):
    result = search.search(question)
    assert result.outcome == "unknown" and result.procedure is None and result.alternatives == []


def test_a_close_call_offers_the_candidates(search):
    # Land tax vs the land-title office: "ที่ดิน" alone is not enough to pick one.
    result = search.search("ที่ดิน")
    assert result.outcome in ("choose", "unknown", "outside")
    assert result.procedure is None


def test_normalisation():
    assert normalise("ค่าาาา ๑๒๓ เเม่\u200b 😭") == "ค่า 123 แม่"
    assert fold("เบี้ยคนแก่") == fold("เบียคนแก") == "เบียคนแก"
    assert "ผู้สูงอายุ" in normalise("👵")


@pytest.mark.parametrize(
    "question, pays_out, section",
    [
        ("เบี้ยคนแก่ได้เดือนละเท่าไหร่", True, "overview"),  # what one receives
        ("ภาษีป้ายเท่าไหร่", False, "fees"),  # what one pays
        ("เงินคนพิการกี่บาท", True, "overview"),
        ("ค่าเก็บขยะเดือนละเท่าไหร่", False, "fees"),
        ("ต้องเอาหยังไปแหน่", False, "documents"),  # Isan
        ("ใช้เวลากี่มื้อ", False, "duration"),  # Isan "days"
        ("ยื่นอยู่ไส", False, "channels"),  # Isan "where"
        ("เพิ่งติดป้าย ต้องแจ้งภายในกี่วัน", False, "channels"),  # when to apply, not how long
        ("ใครมีสิทธิ์ได้บ้าง", False, "eligibility"),
        ("ขั้นตอนเป็นยังไง", False, "steps"),
        ("เบี้ยคนแก่", True, "overview"),
    ],
)
def test_section_cues(question, pays_out, section):
    assert detect(question, pays_out=pays_out) == section


def test_the_index_follows_content_reloads(tmp_path):
    import os
    import shutil
    import time

    from bot.handbook import HandbookStore

    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    store = HandbookStore(content, check_seconds=0)
    assert store.current().index.search("ขอยืมเต็นท์จัดงานศพ").outcome == "unknown"
    path = content / "handbook" / "disaster-relief.yaml"
    text = path.read_text(encoding="utf-8").replace("  - ถุงยังชีพ\n", "  - ถุงยังชีพ\n  - ขอยืมเต็นท์\n", 1)
    path.write_text(text, encoding="utf-8")
    stamp = time.time_ns() + 2_000_000_000
    os.utime(path, ns=(stamp, stamp))
    result = store.current().index.search("ขอยืมเต็นท์จัดงานศพ")
    assert result.outcome == "answer" and result.procedure.id == "disaster-relief"
