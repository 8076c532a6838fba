"""The character n-gram models (bot/understanding/model.py CharModel) of the intent, the service
and the section: at run time, with numpy alone, the same probabilities as scikit-learn's tf-idf
and logistic regression it was trained with, and the same after its file is saved and read again;
the reader averages the services with them where it reads a text with its meaning, and the
section model's reading always."""
import pytest

from bot.understanding.model import CharModel
from bot.understanding.train import Example, fit_chars

TEXTS = [("ไฟถนนดับ 3 วันแล้ว", "report_problem"), ("ไฟดับหน้าบ้านค่ะ", "report_problem"),
         ("ถนนเป็นหลุม  ช่วยด้วย", "report_problem"), ("เบี้ยคนแก่ได้เท่าไหร่", "question"),
         ("เบี้ยผู้สูงอายุ ลงทะเบียนที่ไหน", "question"), ("ภาษีป้ายจ่ายที่ไหน", "question"),
         ("ขอบคุณครับ", "smalltalk"), ("ขอบคุณค่ะ 🙏", "smalltalk"), ("สวัสดีครับ", "smalltalk")]


def test_the_run_time_scores_are_scikit_learns(tmp_path):
    sklearn = pytest.importorskip("sklearn")  # noqa: F841 (a development dependency)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    model = fit_chars([Example(t, label) for t, label in TEXTS], 16.0)
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=CharModel.NGRAMS, sublinear_tf=True, min_df=2)
    x = vectorizer.fit_transform([t for t, _ in TEXTS])
    reference = LogisticRegression(C=16.0, max_iter=5000, tol=1e-5, class_weight="balanced").fit(x, [lb for _, lb in TEXTS])
    model.save(tmp_path / "chars.model")
    again = CharModel.load(tmp_path / "chars.model")
    for text in ["ไฟถนนดับค่ะ", "เบี้ย คนแก่  ที่ไหน", "ขอบคุณ", "", "KC-2570-00042"]:
        want = dict(zip(reference.classes_, reference.predict_proba(vectorizer.transform([text]))[0]))
        for m in (model, again):
            got = m.text_probabilities(text)
            assert got == pytest.approx(want, abs=1e-4)
    (tmp_path / "again.model").write_bytes(b"")
    again.save(tmp_path / "again.model")
    assert (tmp_path / "again.model").read_bytes() == (tmp_path / "chars.model").read_bytes()


def test_a_text_read_by_one_character_model_is_read_afresh_by_a_model_that_knows_new_ngrams():
    # The n-grams' lookup is shared between the models of a process (CharModel._looked_up): a
    # model loaded later, with n-grams the vocabulary did not have, must not get the old lookup.
    first = fit_chars([Example(t, label) for t, label in TEXTS], 16.0)
    first.text_probabilities("qzxq")  # none of its n-grams known yet
    later = fit_chars([Example(t, lb) for t, lb in [("qzxq ค่ะ", "a"), ("qzxq ครับ", "a"), ("vwjv ค่ะ", "b"),
                                                     ("vwjv ครับ", "b"), ("ขอบคุณค่ะ", "c"), ("ขอบคุณครับ", "c")]], 16.0)
    assert max(later.text_probabilities("qzxq"), key=later.text_probabilities("qzxq").get) == "a"
    assert max(later.text_probabilities("vwjv"), key=later.text_probabilities("vwjv").get) == "b"


def test_the_reader_averages_the_services_with_the_characters_where_it_reads_the_meaning():
    from types import SimpleNamespace

    from bot.understanding import reader as r
    from bot.understanding.model import LinearModel

    texts = [("เบี้ยคนแก่ได้เท่าไหร่", "elderly"), ("เบี้ยผู้สูงอายุ ลงทะเบียนที่ไหน", "elderly"),
             ("ภาษีป้ายจ่ายที่ไหน", "sign-tax"), ("ภาษีป้าย คิดยังไง", "sign-tax"), ("ขอใบรับรองหน่อย", "-"),
             ("ขอใบรับรอง ทำที่ไหน", "-")]
    chars = fit_chars([Example(t, label) for t, label in texts], 16.0)
    procedure = LinearModel(("-", "elderly", "sign-tax"), (0.0, 0.0, 0.0), {"w:ภาษี": (0.0, 0.0, 0.5)}, {})
    models = SimpleNamespace(procedure=procedure, procedure_chars=chars)
    reader = r.Reader(None, models, featurizer=object())
    features = {"w:ภาษี": 1.0}
    text = "เบี้ยคนแก่ ลงทะเบียนที่ไหน"
    words_only = dict(reader._procedures(SimpleNamespace(text=text, vector=None), features))
    assert words_only == pytest.approx(procedure.probabilities(features))  # a piece read by its words: the model alone
    meant = dict(reader._procedures(SimpleNamespace(text=text, vector=[0.0]), features))
    w, p, q = r.PROCEDURE_CHARS_WEIGHT, procedure.probabilities(features), chars.text_probabilities(text)
    assert 0 < w < 1 and meant == pytest.approx({c: (1 - w) * p[c] + w * q[c] for c in p})
    assert max(meant, key=meant.get) == "elderly" and max(words_only, key=words_only.get) == "sign-tax"


def test_the_shipped_character_model_of_the_services_knows_the_procedure_models_classes():
    from bot.understanding.reader import shipped_models

    models = shipped_models()
    assert set(models.procedure_chars.classes) == set(models.procedure.classes)


def test_the_section_is_the_section_models_reading_averaged_with_the_characters(monkeypatch):
    # Reader.section: the section model's probabilities (words and the rule) averaged with the
    # section character model's, SECTION_CHARS_WEIGHT of it; without that model, the section model's alone.
    from dataclasses import replace

    from bot.config import PROJECT_ROOT
    from bot.handbook import load_handbook
    from bot.handbook.search import HandbookSearch
    from bot.understanding import reader as r
    from bot.understanding.features import Features
    from bot.understanding.model import LinearModel

    search = HandbookSearch(load_handbook(PROJECT_ROOT / "content"))
    shipped = r.shipped_models()
    assert set(shipped.section_chars.classes) == set(shipped.section.classes)
    words = LinearModel(("documents", "fees"), (1.0, 0.0), {"w:zzz": (0.0, 0.0)}, {})  # documents 0.73
    chars = CharModel(("documents", "fees"), (0.0, 0.0), {"t:ค่า": (-2.0, 2.0)}, {}, {"t:ค่า": 1.0})  # fees 0.98
    procedure = search.handbook.procedures[0]

    def section(models):
        reader = r.Reader(search, models)
        return reader.section(reader.featurizer.read("ค่าธรรมเนียม"), Features(), procedure)

    assert chars.text_probabilities("ค่าธรรมเนียม")["fees"] == pytest.approx(0.982, abs=1e-3)
    assert section(replace(shipped, section=words, section_chars=None)) == "documents"
    monkeypatch.setattr(r, "SECTION_CHARS_WEIGHT", 0.5)
    assert section(replace(shipped, section=words, section_chars=chars)) == "fees"
    monkeypatch.setattr(r, "SECTION_CHARS_WEIGHT", 0.2)
    assert section(replace(shipped, section=words, section_chars=chars)) == "documents"
