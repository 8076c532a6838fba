"""The linear models' shared vocabulary: the same scores as a model of its own, with numpy or
without, and a file saved again is the same file."""
import sys

import pytest

from bot.understanding.model import LinearModel
from bot.understanding.reader import HERE, MODEL_FILES

FEATURES = [
    {"w:ไฟ": 1.0, "w:ถนน": 1.0, "w:ดับ": 1.0, "c:ไฟถ": 0.5, "a word no model has": 3.0},
    {"w:เบี้ย": 1.0, "w:คนแก่": 1.0, "w:เดือน": 1.0, "w:เท่าไหร่": 1.0},
    {},
]


@pytest.mark.parametrize("name", sorted(MODEL_FILES))
def test_scores_are_the_same_with_the_shared_vocabulary_and_without_numpy(name, monkeypatch):
    path = HERE / MODEL_FILES[name]
    shared = LinearModel.load(path)
    with monkeypatch.context() as blocked:
        blocked.setitem(sys.modules, "numpy", None)  # import numpy fails: the plain-Python tables
        plain = LinearModel.load(path)
    assert plain._matrix is None and shared._matrix is not None
    some = dict(list(plain.weights.items())[:40:3])  # features this model has, with other values
    for features in FEATURES + [{k: 0.7 for k in some}]:
        assert shared.scores(features) == pytest.approx(plain.scores(features), abs=1e-4)


def test_a_word_another_model_added_later_is_not_this_models(tmp_path):
    first = LinearModel(["a", "b"], [0.0, 0.0], {"w:หนึ่ง": (1.0, -1.0)}, {})
    later = LinearModel(["a", "b"], [0.0, 0.0], {"w:สองเฉพาะรุ่นหลัง": (5.0, 0.0)}, {})
    features = {"w:หนึ่ง": 1.0, "w:สองเฉพาะรุ่นหลัง": 1.0}
    assert first.scores(features) == pytest.approx([1.0, -1.0])
    assert later.scores(features) == pytest.approx([5.0, 0.0])


def test_saving_a_loaded_model_gives_the_same_file(tmp_path):
    path = HERE / MODEL_FILES["section"]
    again = tmp_path / "section.model"
    LinearModel.load(path).save(again)
    assert again.read_bytes() == path.read_bytes()
