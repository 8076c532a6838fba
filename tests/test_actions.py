"""Record-action buttons (v1|do|action|record|arg): a tap acts on a stored record through
its registered effect, whatever the conversation is doing, in a 1:1 chat or a group."""
import pytest

from bot.pipeline import effects
from bot.conversation import postback
from bot.conversation.engine import Input, State
from db import transaction
from helpers import base_event, postback_event, user_id, wait_until
from test_conversation import ENGINE, ctx

TAPS: list[tuple[str, str, str | None, str]] = []


@pytest.fixture
def thanks_action():
    """A registered action for the tests: replies naming the record it was given."""

    @effects.action("test-thanks")
    def handle(req: effects.EffectRequest) -> effects.EffectResult:
        # Effects run inside the worker's transaction.
        assert req.db.conn.in_transaction
        TAPS.append((req.args["record_id"], req.args["arg"], req.user_id, req.chat_key))
        return effects.EffectResult(replies=[{"type": "text", "text": f"รับทราบรายการ {req.args['record_id']} แล้วค่ะ"}])

    TAPS.clear()
    yield handle
    effects._HANDLERS.pop("action:test-thanks")


def test_action_data_round_trips_and_ignores_separators():
    data = postback.action("reminder-ack", "42|x", "late")
    pb = postback.decode(data)
    assert pb.is_action and not pb.is_menu
    assert (pb.action, pb.record_id, pb.arg) == ("reminder-ack", "42/x", "late")
    assert postback.decode("v1|do||42|") is None and postback.decode("v1|do|ack||") is None


def test_engine_turns_a_known_action_into_its_effect_and_keeps_the_flow(thanks_action):
    in_flow = State("privacy", "confirm", "s9")
    turn = ENGINE.handle(ctx(), in_flow, Input(kind="postback", data=postback.action("test-thanks", 7, "ok")))
    assert turn.state == in_flow and turn.messages == []
    assert [(e.name, dict(e.args)) for e in turn.effects] == [("action:test-thanks", {"record_id": "7", "arg": "ok"})]


def test_engine_answers_an_unknown_action_as_an_old_button():
    turn = ENGINE.handle(ctx(), None, Input(kind="postback", data=postback.action("gone-feature", 7)))
    assert not turn.effects and "ปุ่มนี้" in turn.messages[0]["text"]


def test_action_tap_in_a_chat_and_in_a_group_runs_its_effect(served, fake_line, thanks_action):
    uid = user_id()
    served.post(postback_event(uid, postback.action("test-thanks", 5)))
    group = {"type": "group", "groupId": "C" + "b" * 32, "userId": uid}
    served.post(base_event("postback", group, postback={"data": postback.action("test-thanks", 6, "g")}))
    replies = wait_until(lambda: len(fake_line.state.deliveries()) >= 2 and fake_line.state.deliveries())
    texts = sorted(r.json["messages"][0]["text"] for r in replies)
    assert texts == ["รับทราบรายการ 5 แล้วค่ะ", "รับทราบรายการ 6 แล้วค่ะ"]
    assert sorted(TAPS) == [("5", "", uid, f"user:{uid}"), ("6", "g", uid, "group:C" + "b" * 32)]
