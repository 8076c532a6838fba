"""The handbook search on real villager Thai: typos, emoji, Thai digits, Isan, out-of-scope."""
import pytest

from bot.config import PROJECT_ROOT
from bot.handbook import load_handbook
from bot.handbook.search import HandbookSearch
from bot.handbook.sections import detect
from bot.handbook.thai import Segmenter, fold, loaded_dictionaries, normalise, sound


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
        ("เงินคนพิกานเดือนละเท่าไร", "disability-allowance"),  # พิการ spelt as it sounds
        ("ขออนุญาดสร้างบ้านใช้อะไรบ้าง", "building-permit"),  # อนุญาต with the wrong final letter
        ("ค่าน้ำปะปาเดือนนี้แพงมาก", "water-supply"),  # ประปา without its ร
        ("เบี้ยผู้สูงอายูยื่นที่ใหน", "elderly-allowance"),  # long/short vowel, ใ for ไ
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


@pytest.mark.parametrize("question", ["ทำไงให้ผิวขาว", "ร้านตัดผมไหนตัดสวย", "สวัสดีตอนเช้าค่ะ 🌞", "ปลูกมะม่วงยังไงให้ลูกดก", "🙏🙏🙏"])
def test_unknown_questions_are_not_guessed(search, question):
    result = search.search(question)
    assert result.outcome == "unknown" and result.procedure is None and result.alternatives == []


@pytest.mark.parametrize(
    "question",
    [
        "ร้านส้มตำเจ้าไหนแซ่บที่สุดในตำบลคะ",  # shares ส้มตำ with the food-shop permit
        "ก๋วยเตี๋ยวต้มยำร้านไหนอร่อย",
        "ร้านกาแฟแถวนี้เปิดกี่โมง",  # shares "เปิดกี่โมง" with the SAO office
        "สมัครสอบครูผู้ช่วยได้ที่ไหน",  # shares "สมัคร" with the child development centre
        "ขอทุนเรียนต่อมหาวิทยาลัย",
        "บ้านเพิ่งสร้างเสร็จ ขอเลขที่บ้านยังไง",  # the district registrar, not the building permit
    ],
)
def test_a_shared_word_is_not_evidence_of_a_service(search, question):
    result = search.search(question)
    assert result.outcome in ("outside", "unknown") and result.procedure is None, [(h.key, h.score) for h in result.hits]


def test_a_new_house_number_is_sent_to_the_district_registrar(search):
    result = search.search("บ้านยังไม่มีเลขที่บ้าน ต้องไปขอที่ไหนคะ")
    assert result.outcome == "outside" and result.topic.id == "house-number"
    assert "อำเภอ" in result.topic.where


@pytest.mark.parametrize(
    "question, procedure",
    [
        ("เพื่อนบ้านเลี้ยงหมูส่งกลิ่นเหม็นทุกวัน ร้องเรียนได้ไหม", "complaint"),  # the action named wins over "หมู"
        ("น้ำท่วมบ้าน ต้องเตรียมเอกสารอะไรไปขอความช่วยเหลือ", "disaster-relief"),  # "เอกสาร" names no service
        ("ขอใบอนุญาตขายของข้างถนนได้ที่ไหน", "street-vending-permit"),
    ],
)
def test_a_generic_word_does_not_pick_the_service(search, question, procedure):
    result = search.search(question)
    assert result.outcome == "answer" and result.procedure.id == procedure, [(h.key, h.score) for h in result.hits]


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
        # yes/no questions of obligation, permission or entitlement ask eligibility
        ("จะสร้างห้องน้ำเพิ่ม ต้องขออนุญาตไหมคะ", False, "eligibility"),
        ("ขอรถน้ำมาส่งได้ไหม", False, "eligibility"),
        ("แม่อายุ 59 ขอเบี้ยได้ยัง", True, "eligibility"),
        ("เฮ็ดเฮือนใหม่ต้องบอก อบต. บ่", False, "eligibility"),
        ("ครอบครัวแบบไหนถึงจะได้เงินเด็ก", True, "eligibility"),
        ("บ้านที่อยู่เองต้องเสียภาษีไหม", False, "eligibility"),  # owing the tax, not the fee
        ("ยังไม่มีบัตรคนพิการ สมัครได้ไหม", True, "eligibility"),  # "ไม่มีบัตร" is a condition here
        # …unless they name something more specific
        ("ขอรถน้ำต้องเสียเงินไหม", False, "fees"),
        ("ต้องใช้สูติบัตรลูกไหม", True, "documents"),
        ("ภาษีบ้านจ่ายออนไลน์ได้ไหม", False, "channels"),
        ("สมัครไปแล้วนานไหมกว่าจะได้", True, "duration"),
        ("ศูนย์เด็กเล็กมีนมให้ไหม", False, "overview"),  # what the service gives
        ("ชื่อคนแจ้งจะถูกเปิดเผยไหม", False, "overview"),  # "จะ … ไหม": about the service itself
        # the question word wins over topic nouns, the first question word over later ones
        ("ค่าธรรมเนียมจ่ายที่ไหนคะ", False, "channels"),
        ("เอกสารยื่นที่ไหน", False, "channels"),
        ("ต้องขออนุญาตไหม ใช้เวลากี่วัน", False, "duration"),
        ("เสียค่าตรวจแบบยังไง", False, "fees"),  # a plain "ยังไง" takes the topic before it
        ("ขอสำเนาสัญญา ต้องเสียเงินไหม", False, "fees"),  # the topic nearest the particle
        # particles read with their tone marks
        ("บ้านไฟไหม้ ขอความช่วยเหลือ", True, "overview"),  # ไหม้ (burn) is not ไหม
        ("ขี้เหยื้อบ่มีคนมาเก็บ", False, "overview"),  # บ่ at the start means "not"
        ("ที่ดินว่างเปล่าเสียภาษีเท่าไร", False, "fees"),  # ว่างเปล่า is not เปล่า
        # when to apply, to whom, through what, as villagers ask it
        ("จะยืมโต๊ะเก้าอี้ ต้องบอกล่วงหน้ากี่วันคะ", False, "channels"),  # a deadline, not how long it takes
        ("ต้องยื่นต่อก่อนใบหมดอายุกี่วัน", False, "channels"),
        ("ช่วงปีใหม่ อบต หยุดกี่วันครับ", False, "channels"),
        ("ขอใบอนุญาตแล้วจะได้ภายในกี่วัน", False, "duration"),  # how soon, not a deadline
        ("ถังขยะใบใหม่ ซื้อไสเด้อ", False, "channels"),
        ("ศูนย์เด็กเล็กอยู่หมู่ไหนคะ", False, "channels"),
        ("ร้องเรียนผู้ใหญ่บ้าน ไปที่อำเภอหรือที่ อบต", False, "channels"),
        ("ภาษีป้ายจ่ายผ่านพร้อมเพย์ได้บ่", False, "channels"),
        ("ค่าขยะสแกนคิวอาร์จ่ายได้ไหมคะ", False, "channels"),
        ("เห็นคนโกงสิแจ้งไผ", False, "channels"),  # Isan "who"
        ("เปิดบัญชีใหม่ต้องแจ้ง อบต ไหม", True, "eligibility"),  # "เปิดบัญชี" is not "เปิดบ่"
        ("ผู้ป่วยติดเตียงขอเบี้ยต้องใช้ใบแพทย์ไหม", True, "documents"),
        ("ขอใบอนุญาติร้านตัดผมใช้เอกสาอะไรบ้าง", False, "documents"),  # "เอกสา": a common typo
        ("ไป อบต ต้องพกอะไรไปบ้าง", False, "documents"),
    ],
)
def test_section_cues(question, pays_out, section):
    assert detect(question, pays_out=pays_out) == section


def test_sound_keys_make_misspellings_meet():
    def key(word):
        return sound(fold(word))

    assert key("พิการ") == key("พิกาน") == key("พีการ")  # final ร said น, long/short vowel
    assert key("อนุญาต") == key("อนุญาด")
    assert key("ประปา") == key("ปะปา")  # the ร of a cluster dropped
    assert key("สร้าง") == key("สาง")
    assert key("ภาษี") == key("พาสี")  # letters of the same sound and class
    assert key("ที่ไหน") == key("ที่ใหน")
    assert key("ขยะ") != key("ขยัน")


def test_keys_are_taken_word_by_word(search):
    # "ค่า|ขยะ": ข starts a word; keyed as one string it would look like a final consonant.
    assert search.segmenter.key_squash("ค่าขยะ") == sound(fold("ค่า")) + sound(fold("ขยะ"))


def test_emphasis_is_undone_but_real_triple_letters_stay():
    assert normalise("มากกกกก") == "มาก" and normalise("ไหลลลล") == "ไหล" and normalise("เก็บบบ") == "เก็บ"
    assert normalise("แบบบ้าน") == "แบบบ้าน"  # แบบ + บ้าน


def test_content_reloads_keep_one_segmentation_dictionary(tmp_path):
    import os
    import shutil
    import time

    from bot.handbook import HandbookStore

    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    store = HandbookStore(content, check_seconds=0)
    before = loaded_dictionaries()  # the handbook's one, and any other module's (PDF line breaks)
    path = content / "handbook" / "waste-collection.yaml"
    for n in range(3):  # three different content versions, each with a new domain word
        text = path.read_text(encoding="utf-8").replace("  - ถัง\n", f"  - ถัง\n  - ถังหมักรุ่น{n}\n", 1)
        path.write_text(text, encoding="utf-8")
        stamp = time.time_ns() + (n + 2) * 1_000_000_000
        os.utime(path, ns=(stamp, stamp))
        assert f"ถังหมักรุ่น{n}" in store.current().handbook.get("waste-collection").keywords
    Segmenter(["คำใหม่ที่ไม่เคยมี"])
    assert loaded_dictionaries() == before  # reloads and new segmenters load nothing more


def test_the_index_follows_content_reloads(tmp_path):
    import os
    import shutil
    import time

    from bot.handbook import HandbookStore

    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    store = HandbookStore(content, check_seconds=0)
    assert store.current().index.search("ขอยืมรถกระเช้าตัดกิ่งไม้").outcome == "unknown"
    path = content / "handbook" / "disaster-relief.yaml"
    text = path.read_text(encoding="utf-8").replace("  - ถุงยังชีพ\n", "  - ถุงยังชีพ\n  - ขอยืมรถกระเช้า\n", 1)
    path.write_text(text, encoding="utf-8")
    stamp = time.time_ns() + 2_000_000_000
    os.utime(path, ns=(stamp, stamp))
    result = store.current().index.search("ขอยืมรถกระเช้าตัดกิ่งไม้")
    assert result.outcome == "answer" and result.procedure.id == "disaster-relief"


def test_saos_share_what_their_indexes_have_alike_and_answer_as_if_alone(tmp_path, monkeypatch):
    """A host's SAOs differ in their names ("การติดต่อ{{sao_name}}") and a few words; the rest of
    their indexes is held once (bench/content_per_sao.py). Sharing changes which object holds
    a value, never an answer: an SAO's index built after another's answers exactly as one
    built alone."""
    import shutil
    import weakref

    from bot.handbook import names as names_module, search as search_module

    other = tmp_path / "other"
    shutil.copytree(PROJECT_ROOT / "content", other)
    profile = other / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("คอนฉิม", "หนองแวงนางเบ้า"), encoding="utf-8")
    theirs, ours = load_handbook(other), load_handbook(PROJECT_ROOT / "content")
    assert theirs.get("office-contact").title != ours.get("office-contact").title

    def fresh_process():
        monkeypatch.setattr(names_module, "_NAMES", weakref.WeakValueDictionary())
        monkeypatch.setattr(names_module, "_last_names", names_module.LastBuilt())
        monkeypatch.setattr(search_module, "_last_index", names_module.LastBuilt())

    fresh_process()
    alone = HandbookSearch(theirs)
    fresh_process()
    first = HandbookSearch(ours)
    second = HandbookSearch(theirs)
    assert second._grams is not first._grams  # the two titles with the SAO's name differ…
    shared = [g for g in second._grams if second._grams[g] is first._grams.get(g)]
    assert len(shared) > 0.9 * len(second._grams)  # …the rest is held once
    assert sum(second._postings[t] is first._postings.get(t) for t in second._postings) > 0.9 * len(second._postings)
    assert HandbookSearch(ours)._grams is first._grams  # the same names: one channel for both
    questions = [line.split("\t", 1)[0] for line in
                 (PROJECT_ROOT / "bench" / "understanding" / "messages.tsv").read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")][:600]
    questions += ["ติดต่อ อบต.หนองแวงนางเบ้า ได้ทางไหน", "ขอยืมเต็นท์ อบต หนองแวงนางเบ้า", "อบต.คอนฉิม เปิดกี่โมง"]
    for question in questions:
        assert second.search(question) == alone.search(question), question
        assert second.coverage(question, 0) == alone.coverage(question, 0)
