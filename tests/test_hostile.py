"""Hostile and random input: the webhook, the event parser, the signature check and the
conversation engine answer cleanly (200 or a 4xx; a Thai reply within LINE's limits) and
never crash, whatever arrives. Property-based (Hypothesis) with bounded example counts."""
import base64
import http.client
import json
from urllib.parse import urlparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import postback
from bot.conversation.engine import Input, State
from bot.conversation.text import normalize_command
from bot.line import limits
from bot.line.events import MalformedEvent, check_event, parse
from bot.line.signature import is_valid, sign
from helpers import CHANNEL_SECRET, body_of, post_signed, text_event, user_id, wait_until
from test_conversation import ENGINE, ctx

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# What LINE never sends but an attacker can: lone UTF-16 surrogates, NaN and infinities,
# integers far beyond int64 (Python's json takes them all; SQLite's JSON and UTF-8 do not).
hostile_text = st.text(st.sampled_from(["\ud83d", "\ude00", "\udfff", "ก", "่", "😀", "a", "\x00"]), max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats() | st.text(max_size=40) | hostile_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
# Events that look like LINE's, with wrong types and unknown fields mixed in.
event_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["message", "postback", "follow", "unsend", "join", "beacon", "somethingNew", ""]) | json_values,
        "mode": st.sampled_from(["active", "standby"]) | json_values,
        "timestamp": st.integers() | json_values,
        "webhookEventId": st.text(max_size=30) | json_values,
        "replyToken": st.text(max_size=40) | json_values,
        "source": st.fixed_dictionaries(
            {}, optional={"type": st.sampled_from(["user", "group", "room", "x"]), "userId": st.text(max_size=40) | json_values,
                          "groupId": st.text(max_size=40) | json_values}
        )
        | json_values,
        "message": st.fixed_dictionaries(
            {}, optional={"type": st.sampled_from(["text", "image", "sticker", "location", "hologram"]) | json_values,
                          "id": st.text(max_size=20) | json_values, "text": st.text(max_size=200) | json_values,
                          "mention": json_values}
        )
        | json_values,
        "postback": st.fixed_dictionaries({}, optional={"data": st.text(max_size=300) | json_values, "params": json_values}),
        "deliveryContext": json_values,
        "unknownField": json_values,
    },
)


@FAST
@given(raw=json_values | event_like)
def test_the_parser_returns_an_event_or_says_malformed(raw):
    try:
        event = parse(check_event(raw))  # as the webhook reads each event
    except MalformedEvent:
        return
    assert isinstance(event.type, str) and event.type
    assert isinstance(event.key, str) and event.source.key


@FAST
@given(body=st.binary(max_size=300), header=st.text(max_size=60))
def test_a_signature_is_valid_only_for_the_exact_body_and_secret(body, header):
    assert is_valid(CHANNEL_SECRET, body, sign(CHANNEL_SECRET, body))
    assert is_valid(CHANNEL_SECRET, body, header) == (header.strip() == sign(CHANNEL_SECRET, body))
    assert not is_valid(CHANNEL_SECRET + "x", body, sign(CHANNEL_SECRET, body))
    assert not is_valid("", body, sign("", body))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda sig: sig.rstrip("="),  # padding removed
        lambda sig: base64.urlsafe_b64encode(base64.b64decode(sig)).decode() + " x",
        lambda sig: sig.lower(),
        lambda sig: base64.b64encode(base64.b64decode(sig)[:-1]).decode(),  # truncated MAC
        lambda sig: "sha256=" + sig,
        lambda sig: sig + "\u200b",
        lambda sig: base64.b64encode(bytes(32)).decode(),
    ],
)
def test_signature_encoding_tricks_are_rejected(served, tamper):
    body = body_of(text_event(user_id(), "สวัสดี"))
    tampered = tamper(sign(CHANNEL_SECRET, body))
    assert tampered != sign(CHANNEL_SECRET, body)
    response = post_signed(served.url, body, **{"X-Line-Signature": tampered.encode("utf-8").decode("latin-1")})
    assert response.status_code == 400
    assert served.db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 0


def _raw_post(url: str, body: bytes, headers: list[tuple[str, str]]) -> int:
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.putrequest("POST", "/callback")
    for name, value in headers + [("Content-Length", str(len(body))), ("Content-Type", "application/json")]:
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(body)
    status = conn.getresponse().status
    conn.close()
    return status


def test_header_case_is_irrelevant_and_a_second_forged_signature_header_does_not_pass(served):
    body = body_of(text_event(user_id(), "ติดต่อ"))
    good = sign(CHANNEL_SECRET, body)
    assert _raw_post(served.url, body, [("x-LINE-signature", good)]) == 200
    forged = body_of(text_event(user_id(), "ติดต่อ"))
    statuses = {
        _raw_post(served.url, forged, [("X-Line-Signature", good), ("X-Line-Signature", sign(CHANNEL_SECRET, forged))]),
        _raw_post(served.url, forged, [("X-Line-Signature", sign("wrong", forged)), ("X-Line-Signature", good)]),
    }
    # Whatever the server makes of repeated headers, the forged body must never be stored.
    assert served.db.execute("SELECT count(*) FROM inbox").fetchone()[0] <= 1 + (200 in statuses)
    assert statuses <= {200, 400}


def test_absurdly_deep_json_gets_400_not_a_crash(served):
    body = b"[" * 100_000 + b"]" * 100_000
    assert post_signed(served.url, body).status_code == 400
    # Moderate nesting parses; the nested list is not an event: logged and skipped, the request is fine.
    assert post_signed(served.url, b'{"events": [' + b"[" * 100 + b"]" * 100 + b"]}").status_code == 200


@FAST
@given(payload=json_values | st.fixed_dictionaries({"events": st.lists(event_like | json_values, max_size=4)}))
def test_any_signed_body_gets_200_or_400_and_the_bot_keeps_working(served, payload):
    body = json.dumps(payload).encode()
    assert post_signed(served.url, body).status_code in (200, 400)
    # Whatever was stored is JSON that SQLite's own functions (the privacy cleanup) can read.
    assert served.db.execute("SELECT count(*) FROM inbox WHERE NOT json_valid(payload)").fetchone()[0] == 0


def test_after_random_events_every_stored_event_is_finished_and_nothing_failed(served):
    """Events with wrong types in every field are stored, handled or skipped, and none fails."""
    events = [
        {"type": "message", "source": {"type": "user", "userId": 5}, "message": {"type": "text", "text": None}},
        {"type": "message", "source": {"type": "group", "groupId": ["x"]}, "message": {"type": "text", "text": "@"}},
        {"type": "postback", "source": {"type": "user", "userId": "U1"}, "replyToken": "t", "postback": {"data": "v1|do|x|1|"}},
        {"type": "message", "source": {"type": "user", "userId": "U2"}, "replyToken": "t2",
         "message": {"type": "text", "text": "ติดต่อ", "mention": {"mentionees": [{"index": "x", "isSelf": True}]}}},
        {"type": "unsend", "source": {"type": "user", "userId": "U3"}, "unsend": None},
        {"type": "follow", "source": "nope"},
    ]
    assert served.post(*events).status_code == 200
    db = served.db
    wait_until(lambda: db.execute("SELECT count(*) FROM inbox WHERE status IN ('pending','processing','handled')").fetchone()[0] == 0
               and db.execute("SELECT count(*) FROM inbox").fetchone()[0] == len(events))
    statuses = dict(db.execute("SELECT status, count(*) FROM inbox GROUP BY status").fetchall())
    assert statuses.get("failed", 0) == 0, statuses


texts = st.text(max_size=300) | st.sampled_from(
    ["ยกเลิก", "ติดต่อ", "ข้อมูลส่วนบุคคล", "ลงทะเบียน ABCDEF", "เบี้ยคนแก่ 🙏🙏", "๑๒๓", "\u200b\u200b", "ค่าาาาาา", " " * 50]
)
states = st.builds(
    State,
    flow=st.sampled_from(["main", "contact", "privacy", "gone-flow"]),
    step=st.sampled_from(["idle", "notice", "confirm", "nowhere"]),
    session=st.text(min_size=1, max_size=8),
    data=st.just({}),
    updated_at=st.none() | st.floats(min_value=0, max_value=2e9),
)
inputs = st.one_of(
    st.builds(Input, kind=st.just("text"), text=texts),
    st.builds(Input, kind=st.just("postback"), data=st.text(max_size=80) | st.sampled_from(
        [postback.menu("contact"), postback.menu("nope"), postback.button("privacy", "confirm", "s1", "yes"), "v1|do|x|1|"])),
    st.builds(Input, kind=st.sampled_from(["sticker", "follow", "media", "location"]), media_type=st.sampled_from(["image", "file", "x"])),
)


@FAST
@given(state=st.none() | states, event=inputs)
def test_every_turn_answers_within_lines_limits(state, event):
    turn = ENGINE.handle(ctx(), state, event)
    if turn.effects:
        return  # a record action: its effect answers
    assert turn.messages, "never leave a citizen in silence"
    assert limits.problems(turn.messages) == []


@FAST
@given(text=st.text(max_size=200))
def test_normalising_a_command_never_fails_and_is_stable(text):
    once = normalize_command(text)
    assert normalize_command(once) == once


def test_a_timestamp_beyond_sqlites_integers_is_ignored_not_a_crash(served):
    event = text_event(user_id(), "ติดต่อ", timestamp=2**70)
    assert served.post(event).status_code == 200
    assert served.db.execute("SELECT event_time FROM inbox").fetchone() == (None,)
