"""The effect registry: steps name effects, modules register handlers and erasers."""
import pytest

from bot.pipeline import effects
from db import chats, conversations, open_database, transaction


def test_unknown_effect_is_an_error_not_a_silent_skip():
    with pytest.raises(ValueError):
        effects.run("no-such-effect", None)


def test_erase_person_runs_every_registered_eraser(tmp_path):
    db = open_database(tmp_path / "e.sqlite3")
    calls = []

    def feature_eraser(db_, chat_key, user_id):
        calls.append((chat_key, user_id))

    effects.eraser(feature_eraser)
    try:
        with transaction(db):
            chats.set_status(db, "user:U1", "user", "following")
            conversations.save(db, "user:U1", "main", "idle", "-", {})
            effects.erase_person(db, "user:U1", "U1")
        assert calls == [("user:U1", "U1")]
        assert chats.status(db, "user:U1") is None and conversations.load(db, "user:U1") is None
    finally:
        effects._ERASERS.remove(feature_eraser)
