"""The conversation engine as pure functions: no LINE, no database."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import PROJECT_ROOT
from bot.conversation import postback
from bot.conversation.engine import Context, Input, State
from bot.conversation.flows import build_engine, menu_entries
from bot.conversation.text import normalize_command
from bot.line import limits
from bot.content.profile import load_profile

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
PROFILE = load_profile(PROJECT_ROOT / "content" / "profile.yaml")
ENGINE = build_engine(timeout_minutes=30)


def ctx(now=NOW, session="s1", chat_kind="user") -> Context:
    return Context(profile=PROFILE, now=now, new_session=session, chat_kind=chat_kind)


def say(text: str, state=None, **kw):
    return ENGINE.handle(ctx(**kw), state, Input(kind="text", text=text))


def tap(data: str, state=None, **kw):
    return ENGINE.handle(ctx(**kw), state, Input(kind="postback", data=data))


def all_text(turn) -> str:
    import json

    return json.dumps(turn.messages, ensure_ascii=False)


def test_every_reply_is_within_lines_limits():
    turns = [
        ENGINE.handle(ctx(), None, Input(kind="follow")),
        say("ติดต่อ"),
        say("ข้อมูลส่วนบุคคล"),
        say("อะไรก็ไม่รู้"),
        ENGINE.handle(ctx(), None, Input(kind="sticker")),
        ENGINE.handle(ctx(), None, Input(kind="media", media_type="image")),
        ENGINE.handle(ctx(), None, Input(kind="location", location={"latitude": 16.0})),
    ]
    for turn in turns:
        assert turn.messages and limits.problems(turn.messages) == []


@pytest.mark.parametrize("typed", ["ติดต่อ", "ติดต่อ อบต.", "ติดต่ออบต.ค่ะ", "เบอร์โทรครับ", "ติดต่อค่าาาา 🙏", "ติดต่อ\u200b"])
def test_entry_words_match_however_people_type_them(typed):
    turn = say(typed)
    assert turn.messages[0]["type"] == "flex"
    assert "คอนฉิม" in all_text(turn)


@pytest.mark.parametrize("typed", ["ยกเลิก", "ยกเลิกค่ะ", "ยกเลิกกกก 😤", " ยก เลิก ", "cancel"])
def test_cancel_leaves_any_flow(typed):
    in_flow = State("privacy", "confirm", "s1", {}, NOW.timestamp())
    turn = say(typed, in_flow)
    assert turn.state.at_main
    assert "ยกเลิกรายการแล้ว" in all_text(turn)
    assert not turn.effects


def test_privacy_erasure_by_buttons():
    start = say("ข้อมูลส่วนบุคคล", session="abc")
    assert (start.state.flow, start.state.step, start.state.session) == ("privacy", "notice", "abc")
    erase = start.messages[0]["quickReply"]["items"][0]["action"]["data"]
    assert postback.decode(erase) == postback.Postback("privacy", "notice", "abc", "erase")
    confirm = tap(erase, start.state)
    assert confirm.state.step == "confirm" and confirm.messages[0]["template"]["type"] == "confirm"
    yes = confirm.messages[0]["template"]["actions"][0]["data"]
    done = tap(yes, confirm.state)
    assert [e.name for e in done.effects] == ["erase_chat_data"]
    assert done.state.at_main and "ลบข้อมูลของท่านเรียบร้อยแล้ว" in all_text(done)


def test_privacy_erasure_by_typing_and_saying_no():
    start = say("ลบข้อมูล")
    asking = say("ลบข้อมูลของฉัน", start.state)
    assert asking.state.step == "confirm"
    unclear = say("หืม?", asking.state)
    assert (unclear.state.flow, unclear.state.step, unclear.state.session) == ("privacy", "confirm", asking.state.session)
    assert "ยืนยันลบ" in all_text(unclear) and unclear.state.data == {"_misses": 1}
    kept = say("ไม่ค่ะ", asking.state)
    assert kept.state.at_main and not kept.effects and "ไม่ได้ลบ" in all_text(kept)
    confirmed = say("ใช่ค่ะ", asking.state)
    assert [e.name for e in confirmed.effects] == ["erase_chat_data"]


def test_a_tap_on_an_old_button_gets_a_polite_note_and_never_acts():
    old = say("ข้อมูลส่วนบุคคล", session="old")
    confirm_old = tap(old.messages[0]["quickReply"]["items"][0]["action"]["data"], old.state)
    yes_old = confirm_old.messages[0]["template"]["actions"][0]["data"]
    # The person started again since: a new session is current.
    current = say("ข้อมูลส่วนบุคคล", session="new").state
    turn = tap(yes_old, current)
    assert not turn.effects
    assert turn.state == current
    assert "ปุ่มนี้เป็นของรายการก่อนหน้า" in all_text(turn)
    # At the main menu an old flow button is also just a note.
    assert "ปุ่มนี้" in all_text(tap(yes_old, State()))


def test_postback_data_the_bot_never_made_is_not_acted_on():
    for data in ["action=buy&itemid=111", "v1|privacy|confirm", "v9|x|y|z|w", ""]:
        turn = tap(data, State("privacy", "confirm", "s1", {}, NOW.timestamp()))
        assert not turn.effects and "ปุ่มนี้" in all_text(turn)


def test_idle_flow_times_out_back_to_the_main_menu():
    waiting = State("privacy", "confirm", "s1", {}, (NOW - timedelta(minutes=31)).timestamp())
    turn = say("ใช่", waiting)
    assert not turn.effects, "an answer after the timeout must not confirm the old question"
    assert turn.state.at_main
    assert "หมดเวลา" in all_text(turn)


def test_within_the_timeout_the_flow_continues():
    waiting = State("privacy", "confirm", "s1", {}, (NOW - timedelta(minutes=5)).timestamp())
    assert [e.name for e in say("ใช่", waiting).effects] == ["erase_chat_data"]


def test_menu_buttons_start_their_flow_from_anywhere():
    in_flow = State("privacy", "confirm", "s1", {}, NOW.timestamp())
    turn = tap(postback.menu("contact"), in_flow)
    assert turn.state.at_main and turn.messages[0]["type"] == "flex"
    assert tap(postback.menu("main"), in_flow).state.at_main


def test_unknown_question_is_answered_honestly_with_how_to_reach_staff():
    turn = say("ขอเบี้ยคนแก่ต้องใช้เอกสารอะไรบ้างคะ")
    text = all_text(turn)
    assert "ยังตอบคำถามนี้เองไม่ได้" in text and "08.30" in text


def test_groups_cannot_erase_data_through_the_bot():
    turn = say("ข้อมูลส่วนบุคคล", chat_kind="group")
    assert turn.state.at_main and "ลบข้อมูลของฉัน" not in all_text(turn)


def test_a_flow_removed_in_an_upgrade_does_not_crash():
    turn = say("สวัสดี", State("retired-flow", "step", "s", {}, NOW.timestamp()))
    assert turn.state.at_main and turn.messages


def test_normalize_command():
    assert normalize_command("  ติดต่อ อบต. ค่ะ 🙏 ") == "ติดต่ออบต"
    assert normalize_command("๑๒๓") == "123"
    assert normalize_command("เเจ้งเรื่อง") == "แจ้งเรื่อง"


def test_postback_round_trip_and_size():
    data = postback.button("privacy", "confirm", "a1b2c3d4", "yes|no")
    decoded = postback.decode(data)
    assert decoded.arg == "yes/no"  # the separator cannot leak into a field
    assert len(data) <= 300
    assert postback.decode(postback.menu("contact")).is_menu


def test_menu_entries_fit_a_rich_menu():
    entries = menu_entries()
    assert 1 <= len(entries) <= 6
    for entry in entries:
        assert limits.grapheme_len(entry["label"]) <= 20 and len(entry["data"]) <= 300


def test_diagram_in_docs_is_up_to_date():
    from bot.conversation import router

    doc = (PROJECT_ROOT / "docs" / "conversation.md").read_text(encoding="utf-8")
    flows, free_text = [part.split("```", 1)[0] for part in doc.split("```mermaid\n")[1:3]]
    assert flows == ENGINE.diagram(), "run: python -m bot flows, and paste into docs/conversation.md"
    assert free_text == router.diagram(), "run: python -m bot flows, and paste the router's part into docs/conversation.md"
