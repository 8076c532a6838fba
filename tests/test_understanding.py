"""Reading free text (bot/understanding): the parts that need no LINE and no database."""
from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.conversation import texts
from bot.handbook import SECTIONS, load_handbook
from bot.handbook.search import HandbookSearch
from bot.understanding import clauses, dataset, reader_for, similar, train
from bot.understanding.features import ticket_numbers
from bot.understanding.intents import INTENTS, WITH_PROCEDURE
from bot.understanding.model import LinearModel
from bot.understanding.reader import HERE, MODEL_FILES, shipped_models


@pytest.fixture(scope="module")
def search() -> HandbookSearch:
    return HandbookSearch(load_handbook(PROJECT_ROOT / "content"))


@pytest.fixture(scope="module")
def reader(search):
    return reader_for(search)


# --- the shipped models ------------------------------------------------------------------------


def test_the_shipped_models_were_trained_on_the_labelled_messages_as_they_are_now():
    # Editing bench/understanding/messages.tsv without `python -m bot.understanding.train`
    # would leave the bot on a model of other data.
    digest = train.digest([train.MESSAGES, train.HANDBOOK_QUESTIONS])
    models = shipped_models()
    for name in MODEL_FILES:
        assert getattr(models, name).info["data"] == digest, f"retrain: python -m bot.understanding.train ({name})"
    assert set(models.intent.classes) == set(INTENTS)


def test_the_model_file_round_trips(tmp_path):
    model = LinearModel(("a", "b"), (0.5, -0.5), {"w:x": (1.0, -1.0)}, {"data": "x"})
    model.save(tmp_path / "m.model")
    again = LinearModel.load(tmp_path / "m.model")
    assert again == model
    assert again.ranked({"w:x": 1.0})[0][0] == "a" and again.ranked({"w:x": -3.0})[0][0] == "b"
    first = (tmp_path / "m.model").read_bytes()
    model.save(tmp_path / "m.model")
    assert (tmp_path / "m.model").read_bytes() == first  # same model, same bytes (no timestamp)
    assert {p.name for p in HERE.glob("*.model")} == set(MODEL_FILES.values())


def test_the_nearest_labelled_messages_vote_and_a_message_is_not_its_own_neighbour():
    import numpy as np

    from bot.understanding.embedding import Neighbours

    vectors = np.eye(3, dtype=np.float32)
    near = Neighbours(vectors, np.array([0, 1, 1]), ("question", "smalltalk"), ("a", "b", "c"))
    assert near.votes(np.array([0.0, 1.0, 0.0], dtype=np.float32)) == {"n:smalltalk": 1.0, "n:nearest": 1.0}
    left_out = near.votes(np.array([0.0, 1.0, 0.0], dtype=np.float32), exclude="b")
    assert left_out == {"n:nearest": 0.0}  # "b" does not vote for itself; nothing else is near


def test_the_nearest_labelled_messages_vote_for_their_services_too(tmp_path, monkeypatch):
    import numpy as np

    from bot.understanding import embedding
    from bot.understanding.embedding import Neighbours

    monkeypatch.setattr(embedding, "PROCEDURE_VOTES", 3.0)
    vectors = np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1]], dtype=np.float32)
    near = Neighbours(vectors, np.array([0, 0, 1]), ("question", "smalltalk"), ("a", "b", "c"),
                      procedures=np.array([0, -1, -1]), services=("land-building-tax",))
    votes = near.votes(np.array([1.0, 0.0, 0.0], dtype=np.float32))
    share = 1.0 / (1.0 + 0.8 ** embedding.SHARPEN)  # "a" among the two near ones; "b" has no service
    assert votes["np:land-building-tax"] == pytest.approx(3.0 * share)
    assert votes["n:question"] == pytest.approx(1.0)
    left_out = near.votes(np.array([1.0, 0.0, 0.0], dtype=np.float32), exclude="a")
    assert not any(name.startswith("np:") for name in left_out)  # "a" does not vote for its own service
    near.save(tmp_path / "n.npz")
    again = Neighbours.load(tmp_path / "n.npz")
    assert again.services == near.services and list(again.procedures) == [0, -1, -1]
    # A file written before the services were kept still loads, and its neighbours vote their intents.
    np.savez_compressed(tmp_path / "old.npz", vectors=vectors.astype(np.float16), labels=np.array([0, 0, 1], dtype=np.int8),
                        intents=np.array(near.intents))
    old = Neighbours.load(tmp_path / "old.npz")
    assert old.procedures is None and set(old.votes(np.array([1.0, 0.0, 0.0], dtype=np.float32))) == {"n:question", "n:nearest"}


def test_the_procedure_model_reads_the_nearest_messages_services_and_the_shipped_neighbours_know_them():
    from bot.understanding import embedding

    models = shipped_models()
    assert embedding.PROCEDURE_VOTES > 0
    voted = {name for name in models.procedure.weights if name.startswith("np:")}
    assert voted, "retrain: python -m bot.understanding.train (the procedure model has no np: features)"
    near = embedding.Neighbours.load()
    assert near.procedures is not None and len(near.procedures) == len(near.vectors)
    assert set(near.services) <= set(models.procedure.classes)
    assert {f"np:{s}" for s in near.services} >= voted
    assert not any(name.startswith("np:") for name in models.intent.weights)  # the services are the procedure model's


def test_the_sieve_finds_the_same_nearest_messages_as_the_full_comparison():
    import numpy as np

    from bot.understanding.embedding import K, Neighbours, Sieve

    rng = np.random.default_rng(7)
    # Vectors that spread mostly along a few directions, as sentence embeddings do.
    vectors = rng.normal(size=(600, 12)) @ rng.normal(size=(12, 64)) + rng.normal(scale=0.3, size=(600, 64))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    labels = rng.integers(0, 3, size=600)
    full = Neighbours(vectors, labels, ("question", "smalltalk", "track"))
    sieved = Neighbours(vectors, labels, full.intents, sieve=Sieve(vectors, Sieve.basis_of(vectors, dims=16)))
    queries = np.vstack([vectors[:50] + rng.normal(scale=0.1, size=(50, 64)), rng.normal(size=(50, 64))])
    compared = []
    for q in (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32):
        rows, sims = sieved.sieve.nearest(q, K)
        exact = vectors @ q
        assert set(rows[np.argsort(-sims)[:K]]) == set(np.argsort(-exact)[:K])  # the same ones as in full…
        assert sieved.votes(q) == pytest.approx(full.votes(q), abs=1e-6)
        compared.append(len(rows))
    assert np.median(compared[:50]) < len(vectors) / 2  # …comparing few in full when a message is near some


def test_a_long_story_is_encoded_by_its_opening_and_what_it_asks_at_the_end():
    from bot.understanding.embedding import HEAD_CHARS, TAIL_CHARS, encoded_part

    assert encoded_part("  ไฟถนนหน้าบ้านดับ 😢 ") == "ไฟถนนหน้าบ้านดับ 😢"
    assert encoded_part("   ") == "."
    story = "สวัสดีค่ะ พอดีว่าบ้านแม่อยู่หมู่ 3 " + "เรื่องเล่ายาวมากค่ะ " * 20 + "อยากถามว่าภาษีป้ายต้องจ่ายที่ไหนคะ"
    part = encoded_part(story)
    assert len(part) == HEAD_CHARS + 1 + TAIL_CHARS
    assert part.startswith("สวัสดีค่ะ พอดีว่าบ้านแม่อยู่หมู่ 3") and part.endswith("อยากถามว่าภาษีป้ายต้องจ่ายที่ไหนคะ")


def test_without_the_embedding_package_the_words_only_model_reads(search, monkeypatch):
    from bot.understanding import embedding
    from bot.understanding.reader import Reader

    monkeypatch.setattr(embedding, "available", lambda: False)
    words_only = Reader.default(search)
    assert not words_only.featurizer.embeds
    u = words_only.understand("ไฟถนนหน้าบ้านดับมาสามคืนแล้ว")
    assert u.intent == "report_problem"


def test_the_labelled_set_is_split_once_and_test_is_never_trained_on():
    messages = dataset.load(train.MESSAGES)
    assert len(messages) >= 800 and {m.split for m in messages} == set(dataset.SPLITS)
    assert len({m.text for m in messages}) == len(messages)
    # Assigning again changes nothing: the split is in the file, not recomputed.
    assert dataset.assign_splits(messages) == messages
    trained_on = {m.text for m in train.training_messages()}
    assert not trained_on & {m.text for m in messages if m.split == "test"}
    counts = {intent: sum(m.intent == intent for m in messages) for intent in INTENTS}
    assert all(counts[i] >= 40 for i in INTENTS), counts


# --- pieces --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, number", [
    ("KC-2570-00042", ("KC", 2570, 42)),
    ("kc 2570 42 ค่ะ", ("KC", 2570, 42)),
    ("เลขที่เรื่อง kc2570-00007 ถึงไหนแล้ว", ("KC", 2570, 7)),
    ("๒๕๗๐-๐๐๐๓๑", ("", 2570, 31)),
])
def test_ticket_numbers_as_people_type_them(typed, number):
    assert ticket_numbers(typed)[0] == number


def test_no_ticket_number_in_ordinary_numbers():
    assert ticket_numbers("ปี 2570 ภาษีที่ดิน 10 ไร่ เสียเท่าไหร่") == []
    assert ticket_numbers("โทร 089-123-4567") == []
    assert ticket_numbers("บ้านเลขที่ 45/1 หมู่ 10") == []


def test_joints_between_two_requests():
    text = "เบี้ยคนแก่ได้เดือนละเท่าไหร่ แล้วภาษีที่ดินจ่ายที่ไหน"
    (at,) = clauses.joints(text)
    assert clauses.cut(text, at) == ("เบี้ยคนแก่ได้เดือนละเท่าไหร่", "แล้วภาษีที่ดินจ่ายที่ไหน")
    glued = "ต่อเติมกันสาดต้องขออนุญาติไหมครับแล้วเสียค่าทำเนียมเท่าไหร่"
    assert [clauses.cut(glued, a)[1] for a in clauses.joints(glued)] == ["แล้วเสียค่าทำเนียมเท่าไหร่"]
    assert clauses.joints("ไฟถนนหน้าบ้านดับ") == []


def test_a_joint_after_a_question_mark_ends_a_question():
    text = "ขุดสระต้องแจ้งไหม? แล้วรถน้ำมาส่งวันไหน"
    (at,) = clauses.joints(text)
    assert clauses.asked(text, at)
    story = "ผมซื้อบ้านมือสองต่อจากป้าครับ แต่บิลค่าน้ำยังเป็นชื่อป้า ต้องทำยังไง"
    assert not any(clauses.asked(story, at) for at in clauses.joints(story))


def test_a_story_told_before_the_question_is_not_a_request_of_its_own(reader):
    # The first clause tells the case and asks nothing: the whole message is the one question.
    u = reader.understand("ผมซื้อบ้านมือสองต่อจากป้าคนนึงในหมู่ 5 โอนโฉนดเรียบร้อยแล้วครับ "
                          "แต่บิลค่าน้ำประปาหมู่บ้านยังเป็นชื่อป้าอยู่ ต้องไปเปลี่ยนชื่อที่ไหนครับ")
    assert (u.intent, u.procedure) == ("question", "water-supply")


def test_a_request_before_a_ticket_number_is_the_answer_and_the_ticket_the_second(reader):
    u = reader.understand("ไฟทางหน้าบ้านดับค่ะ แล้วก็เรื่องถนนที่แจ้งไปเมื่อเดือนก่อนเลข KC-2570-00133 ถึงไหนแล้ว")
    assert u.intent == "report_problem" and u.second.intent == "track" and u.second.ticket == ("KC", 2570, 133)
    # The ticket's own story before its number is one follow-up, not a new report.
    for text in ("ไฟดับหน้าบ้านค่ะ แจ้งไว้ KC-2570-00042 ถึงไหนแล้วคะ", "เรื่อง KC-2570-00042 ค่ะ ยังไม่มีใครมาดูเลย",
                 "KC-2570-00042 ถึงไหนแล้ว แล้วภาษีป้ายจ่ายที่ไหน"):
        u = reader.understand(text)
        assert (u.intent, u.ticket, u.second) == ("track", ("KC", 2570, 42), None), text


def test_similar_questions_are_grouped_by_what_they_are_about(search):
    texts_ = ["ยืมรถกระเช้า", "ขอยืมรถกระเช้าตัดกิ่งไม้หน่อยค่ะ", "ปีนี้ อบต. จัดงานลอยกระทงที่ไหนคะ",
              "งานลอยกระทงปีนี้จัดที่ไหน", "นายก อบต ชื่ออะไร", "???", "รถกระเช้าตัดกิ่ง อบต มีไหม"]
    assert similar.group(texts_, search.content_words) == [[0, 1, 6], [2, 3], [4], [5]]


def test_a_second_question_typed_by_its_quick_reply_reads_back_as_the_same_section(reader, search):
    # The quick reply of a two-question message types "<service> <question>": the reader must
    # take it for that very service and section, or the button would answer something else.
    wrong = []
    for procedure in search.handbook.procedures:
        for section in SECTIONS:
            typed = f"{procedure.short_title} {texts.SECTION_QUESTIONS[section]}"
            u = reader.understand(typed)
            if u.intent not in WITH_PROCEDURE or (u.procedure, u.section) != (procedure.id, section):
                wrong.append((typed, u.intent, u.procedure, u.section))
    assert not wrong, wrong


# --- what the issue saw go wrong, read right ------------------------------------------------------


@pytest.mark.parametrize("typed, intent, procedure", [
    ("ไฟถนนหน้าบ้านดับ", "report_problem", None),
    ("อยากแจ้งถนนพัง", "report_problem", None),
    ("น้ำปะปาบ่ไหล", "report_problem", None),
    ("ขอบคุณค่ะ", "smalltalk", None),
    ("555555", "smalltalk", None),
    ("บอทโง่จัง ตอบไม่ตรงเลย", "smalltalk", None),
    ("ค่าไฟเดือนนี้แพงผิดปกติ ร้องเรียนที่ไหน", "out_of_scope", None),
    ("จ่ายค่าน้ำประปาส่วนภูมิภาคผ่านแอปได้ไหม", "out_of_scope", None),
    ("กู้ ธอส. ปลูกบ้าน ดอกเบี้ยเท่าไหร่", "out_of_scope", None),
    ("นายกเอารถ อบต ไปใช้ขนของส่วนตัว", "corruption", None),
    ("เบี้ยคนแก่ได้เดือนละเท่าไหร่", "question", "elderly-allowance"),
    ("ผู้ป่วยเอส ขอเงินช่วยเหลือได้ไหม", "question", "hiv-patient-support"),
    ("สูญเด็กเล็กรับเด็กกี่ขวบ", "question", "child-development-center-enrollment"),
    ("สิฮื้อเฮือน", "question", "demolition-permit"),  # Isan ฮ for ร: to pull a house down
    ("สิฮื้อบ้านเก่าออก ต้องขออนุญาตบ่", "question", "demolition-permit"),
])
def test_messages_the_issue_saw_misread(reader, typed, intent, procedure):
    u = reader.understand(typed)
    assert (u.intent, u.procedure) == (intent, procedure), (u.intent, u.procedure, round(u.confidence, 2))


def test_the_day_after_tomorrow_in_isan_is_not_pulling_a_house_down(reader):
    # "มื้อฮือ" keys as "ฮื้อ" without its tone mark: only "ฮื้อ" with what is pulled down is รื้อ.
    funeral = reader.understand("งานศพแม่ใหญ่มื้อฮือนี้เด้อ")
    assert funeral.procedure != "demolition-permit"
    assert "demolition-permit" not in [h.procedure.id for h in funeral.search.hits if h.procedure]


def test_annoyance_and_thanks_are_told_apart(reader):
    assert reader.understand("บอทโง่จัง ตอบไม่ตรงเลย").talk == "annoyed"
    assert reader.understand("ขอบคุณมากค่ะ 🙏").talk == "thanks"


def test_a_report_says_what_kind_of_problem_and_who_would_fix_it(reader):
    light = reader.understand("ไฟถนนหน้าบ้านดับ 3 วันแล้ว")
    assert (light.intent, light.topic) == ("report_problem", "light")
    farm = reader.understand("ฟาร์มหมูข้างบ้านเหม็นมากทั้งวันทั้งคืน แมลงวันเต็มบ้าน")
    assert (farm.intent, farm.topic, farm.division_hint) == ("report_problem", "other", "health")
