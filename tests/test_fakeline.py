"""The fake LINE server answers like LINE: over real HTTP, through line-bot-sdk v3,
at every limit's boundary, and under injected faults."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import regex
import requests
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    FlexMessage,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from PIL import Image

from fakeline import FakeLineServer, FakeLineState
from fakeline.__main__ import main as fakeline_main
from fakeline.validation import grapheme_len, utf16_len

TOKEN = "test-token"
USER = "U" + "a" * 32
OTHER_USER = "U" + "b" * 32
GROUP = "C" + "c" * 32
ROOM = "R" + "d" * 32

# 20 grapheme clusters although len() is 33: Thai vowels and tone marks join their letter.
THAI_LABEL_20 = "ผู้สูงอายุ" * 3 + "ค่ะ"
THAI_LABEL_21 = THAI_LABEL_20 + "ก"


@pytest.fixture(scope="module")
def line_server() -> Iterator[FakeLineServer]:
    with FakeLineServer() as server:
        yield server


@pytest.fixture
def server(line_server: FakeLineServer) -> FakeLineServer:
    line_server.state.reset()
    return line_server


@pytest.fixture
def state(server: FakeLineServer) -> FakeLineState:
    return server.state


@pytest.fixture
def api_client(server: FakeLineServer) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=server.url, access_token=TOKEN)) as client:
        yield client


@pytest.fixture
def messaging(api_client: ApiClient) -> MessagingApi:
    return MessagingApi(api_client)


@pytest.fixture
def blob(api_client: ApiClient) -> MessagingApiBlob:
    return MessagingApiBlob(api_client)


# Helpers ----------------------------------------------------------------------


def call(
    server: FakeLineServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    token: str | None = TOKEN,
    timeout: float = 5,
) -> requests.Response:
    all_headers = {"Authorization": f"Bearer {token}"} if token else {}
    all_headers.update(headers or {})
    return requests.request(method, server.url + path, json=body, headers=all_headers, timeout=timeout)


def push(
    server: FakeLineServer, *messages: dict[str, Any], to: str = USER, retry_key: str | None = None
) -> requests.Response:
    headers = {"X-Line-Retry-Key": retry_key} if retry_key else None
    return call(server, "POST", "/v2/bot/message/push", {"to": to, "messages": list(messages)}, headers=headers)


def reply(server: FakeLineServer, token: str, *messages: dict[str, Any]) -> requests.Response:
    return call(server, "POST", "/v2/bot/message/reply", {"replyToken": token, "messages": list(messages)})


def multicast(
    server: FakeLineServer, to: list[str], *messages: dict[str, Any], retry_key: str | None = None
) -> requests.Response:
    headers = {"X-Line-Retry-Key": retry_key} if retry_key else None
    return call(server, "POST", "/v2/bot/message/multicast", {"to": to, "messages": list(messages)}, headers=headers)


def text(value: str = "สวัสดีค่ะ", **extra: Any) -> dict[str, Any]:
    return {"type": "text", "text": value, **extra}


def message_action(label: str = "ตกลง", text_value: str = "ตกลง") -> dict[str, Any]:
    return {"type": "message", "label": label, "text": text_value}


def with_quick_reply(*actions: dict[str, Any]) -> dict[str, Any]:
    return text(quickReply={"items": [{"type": "action", "action": action} for action in actions]})


def buttons(actions: list[dict[str, Any]], body: str = "เลือกบริการ", **extra: Any) -> dict[str, Any]:
    template = {"type": "buttons", "text": body, "actions": actions, **extra}
    return {"type": "template", "altText": "เลือกบริการ", "template": template}


def bubble(filler: str = "ข้อความ", button_label: str = "ตกลง") -> dict[str, Any]:
    return {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {"type": "text", "text": filler},
                {"type": "button", "action": {"type": "message", "label": button_label, "text": "ok"}},
            ],
        },
    }


def flex(contents: dict[str, Any], alt_text: str = "ข่าวประชาสัมพันธ์") -> dict[str, Any]:
    return {"type": "flex", "altText": alt_text, "contents": contents}


def json_bytes(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


def bubble_of_size(size: int) -> dict[str, Any]:
    """A bubble whose compact JSON is exactly ``size`` bytes."""
    return bubble(filler="a" * (size - json_bytes(bubble(filler=""))))


def assert_rejected(response: requests.Response, prop: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"].startswith("The request body has")
    assert prop in [detail.get("property") for detail in body["details"]], body


def assert_schema_rejected(response: requests.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["details"][0]["message"]


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def area(x: int, width: int, *, height: int = 843, label: str = "ติดต่อ") -> dict[str, Any]:
    return {"bounds": {"x": x, "y": 0, "width": width, "height": height}, "action": message_action(label)}


def rich_menu(**overrides: Any) -> dict[str, Any]:
    menu = {
        "size": {"width": 2500, "height": 843},
        "selected": True,
        "name": "เมนูหลัก",
        "chatBarText": "เมนู",
        "areas": [
            {"bounds": {"x": 0, "y": 0, "width": 1250, "height": 843}, "action": {"type": "postback", "data": "a=1"}},
            area(1250, 1250),
        ],
    }
    menu.update(overrides)
    return menu


# Counting ---------------------------------------------------------------------


def test_counting_matches_line() -> None:
    assert utf16_len("🍎") == 2
    assert utf16_len("สวัสดี") == 6
    assert len(THAI_LABEL_20) > 20
    assert grapheme_len(THAI_LABEL_20) == len(regex.findall(r"\X", THAI_LABEL_20)) == 20
    assert grapheme_len("🍎" * 3) == 3


# Valid messages, over HTTP and through the SDK -------------------------------------


def test_reply_with_thai_text_through_sdk(messaging: MessagingApi, state: FakeLineState) -> None:
    state.register_reply_token("token-1", USER)
    response = messaging.reply_message(
        ReplyMessageRequest(reply_token="token-1", messages=[TextMessage(text="สวัสดีค่ะ ยินดีต้อนรับ")])
    )
    assert len(response.sent_messages) == 1
    assert state.messages_to(USER) == [{"type": "text", "text": "สวัสดีค่ะ ยินดีต้อนรับ"}]


def test_reply_without_registered_chat_is_keyed_by_token(server: FakeLineServer, state: FakeLineState) -> None:
    assert reply(server, "token-2", text("ก"), text("ข")).status_code == 200
    assert [m["text"] for m in state.messages_to("token-2")] == ["ก", "ข"]
    assert state.messages_to(USER) == []


def test_push_through_sdk_to_user_group_and_room(messaging: MessagingApi, state: FakeLineState) -> None:
    for target in (USER, GROUP, ROOM):
        response = messaging.push_message(PushMessageRequest(to=target, messages=[TextMessage(text="ประกาศ")]))
        assert response.sent_messages[0].id.isdigit()
    assert [d.json["to"] for d in state.deliveries()] == [USER, GROUP, ROOM]


def test_push_with_quick_reply_and_thai_labels(server: FakeLineServer, state: FakeLineState) -> None:
    message = with_quick_reply(
        message_action(THAI_LABEL_20),
        {"type": "postback", "label": "ยื่นคำร้อง", "data": "action=request", "displayText": "ยื่นคำร้อง"},
        {"type": "uri", "label": "เว็บไซต์", "uri": "https://example.go.th"},
        {"type": "uri", "label": "โทร", "uri": "tel:021234567"},
        {"type": "location", "label": "ส่งตำแหน่ง"},
    )
    response = push(server, message)
    assert response.status_code == 200, response.text
    assert state.messages_to(USER) == [message]


def test_flex_message_through_sdk(messaging: MessagingApi, state: FakeLineState) -> None:
    carousel = {"type": "carousel", "contents": [bubble(), bubble(button_label="รายละเอียด")]}
    message = FlexMessage.from_dict(flex(carousel))
    messaging.push_message(PushMessageRequest(to=USER, messages=[message]))
    delivered = state.messages_to(USER)[0]
    assert delivered["contents"]["contents"][1]["body"]["contents"][1]["action"]["label"] == "รายละเอียด"


def test_every_response_has_a_fresh_request_id(server: FakeLineServer) -> None:
    ids = {push(server, text()).headers["x-line-request-id"] for _ in range(3)}
    ids.add(call(server, "GET", "/nowhere").headers["x-line-request-id"])
    assert len(ids) == 4
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_requests_are_recorded(server: FakeLineServer, state: FakeLineState) -> None:
    push(server, text("บันทึก"))
    [recorded] = state.requests
    assert (recorded.method, recorded.path, recorded.status) == ("POST", "/v2/bot/message/push", 200)
    assert recorded.headers["authorization"] == f"Bearer {TOKEN}"
    assert recorded.json == {"to": USER, "messages": [text("บันทึก")]}
    assert recorded.raw_length > 0
    assert len(recorded.request_id) == 32


# Authentication and unknown paths -----------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "", "Bearer ", "Basic abc", "t"])
def test_missing_or_malformed_token_is_401(server: FakeLineServer, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = requests.get(server.url + "/v2/bot/message/quota", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["message"].startswith("Authentication failed")
    assert response.headers["x-line-request-id"]


def test_configured_token_must_match() -> None:
    with FakeLineServer(access_token="secret") as server:
        assert call(server, "GET", "/v2/bot/message/quota", token="other").status_code == 401
        assert call(server, "GET", "/v2/bot/message/quota", token="secret").status_code == 200
        assert [r.status for r in server.state.requests] == [401, 200]


def test_sdk_sees_401(server: FakeLineServer) -> None:
    with ApiClient(Configuration(host=server.url, access_token="")) as client:
        with pytest.raises(ApiException) as raised:
            MessagingApi(client).get_message_quota()
    assert raised.value.status == 401


def test_unknown_path_and_method(server: FakeLineServer) -> None:
    response = call(server, "GET", "/v2/bot/unknown")
    assert (response.status_code, response.json()) == (404, {"message": "Not found"})
    assert call(server, "GET", "/v2/bot/message/push").status_code == 405


def test_body_must_be_json(server: FakeLineServer) -> None:
    response = requests.post(
        server.url + "/v2/bot/message/push",
        data=json.dumps({"to": USER, "messages": [text()]}),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"},
        timeout=5,
    )
    assert response.status_code == 400


# Reply tokens ------------------------------------------------------------------------


def test_reply_token_works_once(server: FakeLineServer, state: FakeLineState) -> None:
    assert reply(server, "once", text()).status_code == 200
    second = reply(server, "once", text())
    assert (second.status_code, second.json()) == (400, {"message": "Invalid reply token"})
    assert len(state.deliveries()) == 1


def test_reply_token_reuse_through_sdk(messaging: MessagingApi) -> None:
    request = ReplyMessageRequest(reply_token="sdk-token", messages=[TextMessage(text="ครั้งเดียว")])
    messaging.reply_message(request)
    with pytest.raises(ApiException) as raised:
        messaging.reply_message(request)
    assert raised.value.status == 400
    assert json.loads(raised.value.body)["message"] == "Invalid reply token"


def test_expired_reply_tokens(server: FakeLineServer, state: FakeLineState) -> None:
    state.expire_token("late")
    assert reply(server, "late", text()).json() == {"message": "Invalid reply token"}
    assert reply(server, "fine", text()).status_code == 200
    state.expire_reply_tokens()
    assert reply(server, "new-token", text()).status_code == 400
    assert reply(server, "", text()).status_code == 400
    assert len(state.deliveries()) == 1


def test_invalid_body_does_not_spend_the_reply_token(server: FakeLineServer) -> None:
    assert reply(server, "keep", text("")).status_code == 400
    assert reply(server, "keep", text()).status_code == 200


def test_a_repeated_body_is_judged_the_same_every_time(server: FakeLineServer, state: FakeLineState) -> None:
    # The fake remembers its verdict on a reply body (all but the token): the same answer
    # sent again must still be refused or accepted exactly as the first time.
    too_long = text("ก" * 5001)
    first, again = reply(server, "t1", too_long), reply(server, "t2", too_long)
    assert first.status_code == again.status_code == 400
    assert first.json()["details"] == again.json()["details"]
    assert reply(server, "t1", text()).status_code == reply(server, "t2", text()).status_code == 200
    refused = call(server, "POST", "/v2/bot/message/reply", {"replyToken": 7, "messages": [text()]})
    assert refused.status_code == 400
    assert len(state.deliveries()) == 2


# Limits, each at its boundary ------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "ok"),
    [
        (text("ก" * 5000), True),
        (text("ก" * 5001), False),
        (text("🍎" * 2500), True),  # 5,000 UTF-16 units
        (text("🍎" * 2500 + "a"), False),
        (text(""), False),
    ],
)
def test_text_length(server: FakeLineServer, message: dict[str, Any], ok: bool) -> None:
    response = push(server, message)
    if ok:
        assert response.status_code == 200, response.text
    else:
        assert_rejected(response, "messages[0].text")


@pytest.mark.parametrize(("count", "ok"), [(1, True), (5, True), (0, False), (6, False)])
def test_messages_per_request(server: FakeLineServer, count: int, ok: bool) -> None:
    response = push(server, *[text()] * count)
    if ok:
        assert response.status_code == 200
    else:
        assert_schema_rejected(response)


@pytest.mark.parametrize(
    ("label", "ok"),
    [(THAI_LABEL_20, True), (THAI_LABEL_21, False), ("🍎" * 20, True), ("🍎" * 21, False), ("a" * 20, True)],
)
def test_quick_reply_label_counts_grapheme_clusters(server: FakeLineServer, label: str, ok: bool) -> None:
    response = push(server, with_quick_reply(message_action(label)))
    if ok:
        assert response.status_code == 200, response.text
    else:
        assert_rejected(response, "messages[0].quickReply.items[0].action.label")


def test_quick_reply_needs_a_label(server: FakeLineServer) -> None:
    assert_rejected(push(server, with_quick_reply({"type": "camera"})), "messages[0].quickReply.items[0].action.label")


def test_quick_reply_items(server: FakeLineServer) -> None:
    assert push(server, with_quick_reply(*[message_action(f"ข้อ {i}") for i in range(13)])).status_code == 200
    assert_schema_rejected(push(server, with_quick_reply(*[message_action(f"ข้อ {i}") for i in range(14)])))


def test_quick_reply_icon_must_be_https(server: FakeLineServer) -> None:
    item = {"type": "action", "imageUrl": "http://x.th/i.png", "action": message_action()}
    message = text(quickReply={"items": [item]})
    assert_rejected(push(server, message), "messages[0].quickReply.items[0].imageUrl")


@pytest.mark.parametrize(
    ("action", "prop", "ok"),
    [
        (message_action(text_value="ส" * 300), "text", True),
        (message_action(text_value="ส" * 301), "text", False),
        ({"type": "message", "label": "ไม่มีข้อความ"}, "text", False),
        ({"type": "postback", "label": "ก", "data": "🍎" * 150}, "data", True),  # 300 UTF-16 units
        ({"type": "postback", "label": "ก", "data": "🍎" * 150 + "a"}, "data", False),
        ({"type": "postback", "label": "ก", "data": "x", "displayText": "ผู้" * 300}, "displayText", True),
        ({"type": "postback", "label": "ก", "data": "x", "displayText": "ผู้" * 301}, "displayText", False),
        ({"type": "postback", "label": "ก", "data": "x", "displayText": "ก", "text": "ก"}, "text", False),
        ({"type": "uri", "label": "ก", "uri": "https://a.th/" + "x" * 987}, "uri", True),  # 1,000
        ({"type": "uri", "label": "ก", "uri": "https://a.th/" + "x" * 988}, "uri", False),
        ({"type": "uri", "label": "ก", "uri": "line://nv/location"}, "uri", True),
        ({"type": "uri", "label": "ก", "uri": "ftp://a.th/file"}, "uri", False),
        ({"type": "uri", "label": "ก", "uri": "javascript:alert(1)"}, "uri", False),
    ],
)
def test_action_fields(server: FakeLineServer, action: dict[str, Any], prop: str, ok: bool) -> None:
    response = push(server, with_quick_reply(action))
    if ok:
        assert response.status_code == 200, response.text
    else:
        assert_rejected(response, f"messages[0].quickReply.items[0].action.{prop}")


def test_buttons_template(server: FakeLineServer) -> None:
    four = [message_action(f"ข้อ {i}") for i in range(4)]
    assert push(server, buttons(four)).status_code == 200
    assert_rejected(push(server, buttons([*four, message_action()])), "messages[0].template.actions")
    assert_rejected(push(server, buttons([message_action(THAI_LABEL_21)])), "messages[0].template.actions[0].label")
    assert_rejected(push(server, buttons([{"type": "message", "text": "x"}])), "messages[0].template.actions[0].label")
    assert push(server, buttons(four, body="ก" * 160)).status_code == 200
    assert_rejected(push(server, buttons(four, body="ก" * 161)), "messages[0].template.text")
    assert push(server, buttons(four, body="ก" * 60, title="ก" * 40)).status_code == 200
    assert_rejected(push(server, buttons(four, body="ก" * 61, title="หัวข้อ")), "messages[0].template.text")
    assert_rejected(push(server, buttons(four, title="ก" * 41)), "messages[0].template.title")
    image = "https://example.go.th/a.jpg"
    assert_rejected(push(server, buttons(four, body="ก" * 61, thumbnailImageUrl=image)), "messages[0].template.text")
    alt_too_long = buttons(four) | {"altText": "ก" * 401}
    assert_rejected(push(server, alt_too_long), "messages[0].altText")


@pytest.mark.parametrize(("count", "ok"), [(2, True), (1, False), (3, False)])
def test_confirm_template_has_exactly_two_actions(server: FakeLineServer, count: int, ok: bool) -> None:
    template = {"type": "confirm", "text": "ยืนยัน?", "actions": [message_action("ใช่", "ใช่")] * count}
    response = push(server, {"type": "template", "altText": "ยืนยัน", "template": template})
    if ok:
        assert response.status_code == 200, response.text
    else:
        assert_rejected(response, "messages[0].template.actions")


def test_confirm_template_text(server: FakeLineServer) -> None:
    def confirm(body: str) -> dict[str, Any]:
        template = {"type": "confirm", "text": body, "actions": [message_action("ใช่"), message_action("ไม่")]}
        return {"type": "template", "altText": "ยืนยัน", "template": template}

    assert push(server, confirm("ก" * 240)).status_code == 200
    assert_rejected(push(server, confirm("ก" * 241)), "messages[0].template.text")


def test_carousel_templates(server: FakeLineServer) -> None:
    def carousel(columns: list[dict[str, Any]]) -> dict[str, Any]:
        return {"type": "template", "altText": "บริการ", "template": {"type": "carousel", "columns": columns}}

    column = {"text": "บริการ", "actions": [message_action()]}
    assert push(server, carousel([column] * 10)).status_code == 200
    assert_rejected(push(server, carousel([column] * 11)), "messages[0].template.columns")
    uneven = [column, {"text": "บริการ", "actions": [message_action(), message_action()]}]
    assert_rejected(push(server, carousel(uneven)), "messages[0].template.columns")

    def image_carousel(label: str) -> dict[str, Any]:
        columns = [{"imageUrl": "https://example.go.th/a.jpg", "action": message_action(label)}]
        return {"type": "template", "altText": "ภาพ", "template": {"type": "image_carousel", "columns": columns}}

    assert push(server, image_carousel("ก" * 12)).status_code == 200
    assert_rejected(push(server, image_carousel("ก" * 13)), "messages[0].template.columns[0].action.label")


def test_flex_alt_text(server: FakeLineServer) -> None:
    assert push(server, flex(bubble(), alt_text="ก" * 1500)).status_code == 200
    assert_rejected(push(server, flex(bubble(), alt_text="ก" * 1501)), "messages[0].altText")
    assert_rejected(push(server, flex(bubble(), alt_text="")), "messages[0].altText")
    assert_schema_rejected(push(server, {"type": "flex", "contents": bubble()}))


def test_flex_carousel_bubbles(server: FakeLineServer) -> None:
    assert push(server, flex({"type": "carousel", "contents": [bubble()] * 12})).status_code == 200
    too_many = flex({"type": "carousel", "contents": [bubble()] * 13})
    assert_rejected(push(server, too_many), "messages[0].contents.contents")


def test_flex_sizes(server: FakeLineServer) -> None:
    assert push(server, flex(bubble_of_size(30_000))).status_code == 200
    assert_rejected(push(server, flex(bubble_of_size(30_001))), "messages[0].contents")
    in_carousel = {"type": "carousel", "contents": [bubble_of_size(30_001)]}
    assert_rejected(push(server, flex(in_carousel)), "messages[0].contents.contents[0]")
    two = {"type": "carousel", "contents": [bubble(filler=""), bubble(filler="")]}
    filler = "a" * (50_000 - json_bytes(two))
    exactly_50k = {"type": "carousel", "contents": [bubble(filler=filler[:20_000]), bubble(filler=filler[20_000:])]}
    assert json_bytes(exactly_50k) == 50_000
    assert push(server, flex(exactly_50k)).status_code == 200
    exactly_50k["contents"][0]["body"]["contents"][0]["text"] += "a"
    assert_rejected(push(server, flex(exactly_50k)), "messages[0].contents")


def test_flex_actions_are_walked(server: FakeLineServer) -> None:
    path = "messages[0].contents.body.contents[1].action.label"
    assert push(server, flex(bubble(button_label="ก" * 40))).status_code == 200
    assert_rejected(push(server, flex(bubble(button_label="ก" * 41))), path)
    assert_rejected(push(server, flex(bubble(button_label=""))), path)
    nested = bubble()
    nested["footer"] = {
        "type": "box",
        "layout": "vertical",
        "contents": [{"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "ลิงก์", "action": {"type": "uri", "uri": "ftp://bad"}},
        ]}],
    }
    assert_rejected(push(server, flex(nested)), "messages[0].contents.footer.contents[0].contents[0].action.uri")


def test_media_urls_must_be_https(server: FakeLineServer) -> None:
    def image(url: str) -> dict[str, Any]:
        return {"type": "image", "originalContentUrl": url, "previewImageUrl": "https://example.go.th/p.jpg"}

    long_url = "https://example.go.th/" + "x" * (2000 - len("https://example.go.th/"))
    assert push(server, image(long_url)).status_code == 200
    assert_rejected(push(server, image(long_url + "x")), "messages[0].originalContentUrl")
    assert_rejected(push(server, image("http://example.go.th/a.jpg")), "messages[0].originalContentUrl")
    video = {"type": "video", "originalContentUrl": "https://a.th/v.mp4", "previewImageUrl": "http://a.th/p.jpg"}
    assert_rejected(push(server, video), "messages[0].previewImageUrl")
    hero = bubble() | {"hero": {"type": "image", "url": "http://example.go.th/hero.jpg"}}
    assert_rejected(push(server, flex(hero)), "messages[0].contents.hero.url")


def test_push_target_must_be_user_group_or_room(server: FakeLineServer) -> None:
    assert_rejected(push(server, text(), to="X" + "a" * 32), "to")
    assert_schema_rejected(call(server, "POST", "/v2/bot/message/push", {"to": [USER], "messages": [text()]}))


def test_multicast_targets(server: FakeLineServer, state: FakeLineState) -> None:
    state.quota = 10_000
    users = [f"U{i:032x}" for i in range(501)]
    assert multicast(server, users[:500], text()).status_code == 200
    assert_schema_rejected(multicast(server, users, text()))
    assert_schema_rejected(multicast(server, [], text()))
    assert_rejected(multicast(server, [USER, GROUP], text()), "to[1]")


def test_error_details_list_every_problem(server: FakeLineServer) -> None:
    response = push(server, text(""), text("ก" * 5001))
    assert response.json() == {
        "message": "The request body has 2 error(s)",
        "details": [
            {"message": "May not be empty", "property": "messages[0].text"},
            {"message": "Length must be between 0 and 5000", "property": "messages[1].text"},
        ],
    }


# Retry keys --------------------------------------------------------------------------


def test_retry_key_is_accepted_once(server: FakeLineServer, state: FakeLineState) -> None:
    key = str(uuid.uuid4())
    first = push(server, text("แจ้งเตือน"), retry_key=key)
    assert first.status_code == 200
    second = push(server, text("แจ้งเตือน"), retry_key=key)
    assert second.status_code == 409
    assert second.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert second.headers["x-line-request-id"] != first.headers["x-line-request-id"]
    assert second.json() == {
        "message": "The retry key is already accepted",
        "sentMessages": first.json()["sentMessages"],
    }
    assert len(state.deliveries()) == 1
    assert len(state.messages_to(USER)) == 1
    assert state.consumption() == 1
    assert push(server, text(), retry_key=str(uuid.uuid4())).status_code == 200


def test_retry_key_through_sdk(messaging: MessagingApi) -> None:
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=USER, messages=[TextMessage(text="นัดหมาย")])
    first = messaging.push_message_with_http_info(request, x_line_retry_key=key)
    with pytest.raises(ApiException) as raised:
        messaging.push_message(request, x_line_retry_key=key)
    assert raised.value.status == 409
    assert raised.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]


def test_multicast_retry_key(server: FakeLineServer, state: FakeLineState) -> None:
    key = str(uuid.uuid4())
    first = multicast(server, [USER, OTHER_USER], text(), retry_key=key)
    assert (first.status_code, first.json()) == (200, {})
    second = multicast(server, [USER, OTHER_USER], text(), retry_key=key)
    assert second.status_code == 409
    assert second.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert state.consumption() == 2


@pytest.mark.parametrize("key", ["not-a-uuid", "123e4567e89b12d3a456426614174000", ""])
def test_retry_key_must_be_a_uuid(server: FakeLineServer, state: FakeLineState, key: str) -> None:
    response = call(
        server, "POST", "/v2/bot/message/push", {"to": USER, "messages": [text()]}, headers={"X-Line-Retry-Key": key}
    )
    assert response.status_code == 400
    assert state.deliveries() == []


def test_concurrent_retries_deliver_once(server: FakeLineServer, state: FakeLineState) -> None:
    key = str(uuid.uuid4())
    statuses: list[int] = []

    def send() -> None:
        statuses.append(push(server, text(), retry_key=key).status_code)

    threads = [threading.Thread(target=send) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 11
    assert len(state.deliveries()) == 1


# Faults --------------------------------------------------------------------------------


def test_fail_next_500_then_recovers(server: FakeLineServer, state: FakeLineState) -> None:
    state.fail_next(2, status=500)
    assert [push(server, text()).status_code for _ in range(3)] == [500, 500, 200]
    assert [r.status for r in state.requests] == [500, 500, 200]
    assert len(state.deliveries()) == 1
    assert state.consumption() == 1


def test_fail_next_429_looks_like_lines_rate_limit(server: FakeLineServer, state: FakeLineState) -> None:
    state.fail_next(1, status=429, path_prefix="/v2/bot/message")
    response = reply(server, "rate-limited", text())
    assert (response.status_code, response.json()) == (
        429,
        {"message": "The API rate limit has been exceeded. Try again later."},
    )
    assert "Retry-After" not in response.headers
    assert reply(server, "rate-limited", text()).status_code == 200  # the token was not spent


def test_faults_only_hit_their_path_prefix(server: FakeLineServer, state: FakeLineState) -> None:
    state.fail_next(1, status=500, path_prefix="/v2/bot/message/push")
    assert reply(server, "r", text()).status_code == 200
    assert call(server, "GET", "/v2/bot/message/quota").status_code == 200
    assert state.faults_pending() == 1  # still waiting for its push
    assert push(server, text()).status_code == 500
    assert state.faults_pending() == 0
    assert push(server, text()).status_code == 200


def test_failed_request_does_not_burn_the_retry_key(server: FakeLineServer, state: FakeLineState) -> None:
    key = str(uuid.uuid4())
    state.fail_next(1)
    assert push(server, text(), retry_key=key).status_code == 500
    assert push(server, text(), retry_key=key).status_code == 200
    assert push(server, text(), retry_key=key).status_code == 409
    assert len(state.deliveries()) == 1


def test_delay_makes_clients_time_out_but_still_delivers(server: FakeLineServer, state: FakeLineState) -> None:
    key = str(uuid.uuid4())
    state.delay_next(1, 0.4)
    body = {"to": USER, "messages": [text("ช้า")]}
    with pytest.raises(requests.Timeout):
        call(server, "POST", "/v2/bot/message/push", body, headers={"X-Line-Retry-Key": key}, timeout=0.1)
    retry = call(server, "POST", "/v2/bot/message/push", body, headers={"X-Line-Retry-Key": key})
    # The retry may arrive while the slow request still sleeps: it then goes through first.
    assert retry.status_code in (200, 409)
    for _ in range(50):
        if len(state.requests) == 2:
            break
        time.sleep(0.02)
    assert len(state.deliveries()) == 1
    assert state.messages_to(USER) == [text("ช้า")]


def test_drop_closes_the_connection_unanswered_and_does_not_carry_out_the_request(
    server: FakeLineServer, state: FakeLineState
) -> None:
    state.drop_next(1, path_prefix="/v2/bot/message/reply")
    with pytest.raises(requests.ConnectionError):
        reply(server, "dropped", text())
    assert state.deliveries() == []
    assert reply(server, "dropped", text()).status_code == 200  # the token was not spent
    assert len(state.deliveries()) == 1


def test_fail_next_rejects_non_error_status(state: FakeLineState) -> None:
    with pytest.raises(ValueError):
        state.fail_next(1, status=200)
    with pytest.raises(ValueError):
        state.fail_next(0)


# Quota -------------------------------------------------------------------------------


def test_quota_and_consumption(server: FakeLineServer, state: FakeLineState, messaging: MessagingApi) -> None:
    assert messaging.get_message_quota().value == 300
    assert call(server, "GET", "/v2/bot/message/quota").json() == {"type": "limited", "value": 300}
    push(server, text(), text())  # one recipient, whatever the number of messages
    multicast(server, [USER, OTHER_USER, "U" + "e" * 32], text())
    reply(server, "free", text())  # replies are free
    assert messaging.get_message_quota_consumption().total_usage == 4
    assert call(server, "GET", "/v2/bot/message/quota/consumption").json() == {"totalUsage": 4}


def test_quota_exceeded_is_429(server: FakeLineServer, state: FakeLineState) -> None:
    state.quota = 2
    assert push(server, text()).status_code == 200
    over = multicast(server, [USER, OTHER_USER], text())
    assert (over.status_code, over.json()) == (429, {"message": "You have reached your monthly limit."})
    assert push(server, text()).status_code == 200
    assert push(server, text()).status_code == 429
    assert state.consumption() == 2


# Profiles, loading animation, message content -------------------------------------


def test_profile_is_generated_in_thai(messaging: MessagingApi) -> None:
    profile = messaging.get_profile(USER)
    assert profile.user_id == USER
    assert profile.language == "th"
    assert regex.search(r"\p{Thai}", profile.display_name)
    assert messaging.get_profile(USER).display_name == profile.display_name


def test_registered_users_make_others_unknown(server: FakeLineServer, state: FakeLineState) -> None:
    state.add_user(USER, "นางสาวมาลี ใจงาม")
    assert call(server, "GET", f"/v2/bot/profile/{USER}").json() == {
        "userId": USER,
        "displayName": "นางสาวมาลี ใจงาม",
        "language": "th",
    }
    assert call(server, "GET", f"/v2/bot/profile/{OTHER_USER}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"chatId": USER}, 202),
        ({"chatId": USER, "loadingSeconds": 5}, 202),
        ({"chatId": USER, "loadingSeconds": 60}, 202),
        ({"chatId": USER, "loadingSeconds": 7}, 400),
        ({"chatId": USER, "loadingSeconds": 65}, 400),
        ({"chatId": USER, "loadingSeconds": 0}, 400),
        ({"chatId": GROUP}, 400),
        ({"chatId": "U123"}, 400),
        ({}, 400),
    ],
)
def test_loading_animation(server: FakeLineServer, body: dict[str, Any], status: int) -> None:
    response = call(server, "POST", "/v2/bot/chat/loading/start", body)
    assert response.status_code == status
    if status == 202:
        assert response.json() == {}


def test_loading_animation_through_sdk(messaging: MessagingApi, state: FakeLineState) -> None:
    messaging.show_loading_animation(ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=20))
    assert state.requests[-1].status == 202


def test_message_content(blob: MessagingApiBlob, server: FakeLineServer, state: FakeLineState) -> None:
    state.add_content("111", b"voice-bytes", "audio/m4a")
    assert bytes(blob.get_message_content("111")) == b"voice-bytes"
    assert call(server, "GET", "/v2/bot/message/111/content").headers["Content-Type"] == "audio/m4a"
    generated = bytes(blob.get_message_content("222"))
    assert Image.open(io.BytesIO(generated)).format == "JPEG"
    state.missing_content.add("333")
    assert call(server, "GET", "/v2/bot/message/333/content").status_code == 404


# Rich menus --------------------------------------------------------------------------


def test_rich_menu_flow_through_sdk(messaging: MessagingApi, blob: MessagingApiBlob, state: FakeLineState) -> None:
    menu_id = messaging.create_rich_menu(RichMenuRequest.from_dict(rich_menu())).rich_menu_id
    assert regex.fullmatch(r"richmenu-[0-9a-f]{32}", menu_id)
    with pytest.raises(ApiException) as no_image:
        messaging.set_default_rich_menu(menu_id)
    assert no_image.value.status == 400

    image = png(2500, 843)
    blob.set_rich_menu_image(menu_id, body=image, _headers={"Content-Type": "image/png"})
    with pytest.raises(ApiException) as twice:
        blob.set_rich_menu_image(menu_id, body=image, _headers={"Content-Type": "image/png"})
    assert twice.value.status == 400
    assert bytes(blob.get_rich_menu_image(menu_id)) == image

    messaging.set_default_rich_menu(menu_id)
    assert messaging.get_default_rich_menu_id().rich_menu_id == menu_id
    [listed] = messaging.get_rich_menu_list().richmenus
    assert (listed.rich_menu_id, listed.chat_bar_text) == (menu_id, "เมนู")

    messaging.delete_rich_menu(menu_id)
    assert state.default_rich_menu_id is None
    with pytest.raises(ApiException) as gone:
        messaging.get_default_rich_menu_id()
    assert gone.value.status == 404


def test_rich_menu_image_checks(server: FakeLineServer) -> None:
    menu_id = call(server, "POST", "/v2/bot/richmenu", rich_menu()).json()["richMenuId"]

    def upload(data: bytes, content_type: str, target: str = menu_id) -> requests.Response:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type}
        return requests.post(f"{server.url}/v2/bot/richmenu/{target}/content", data=data, headers=headers, timeout=5)

    assert upload(png(2500, 1686), "image/png").status_code == 400  # wrong size
    assert upload(png(2500, 843), "image/jpeg").status_code == 400  # not what it claims
    assert upload(png(2500, 843), "image/gif").status_code == 400
    assert upload(b"not an image", "image/png").status_code == 400
    assert upload(png(2500, 843), "image/png", target="richmenu-" + "0" * 32).status_code == 404
    jpeg = io.BytesIO()
    Image.new("RGB", (2500, 843)).save(jpeg, format="JPEG")
    assert upload(jpeg.getvalue(), "image/jpeg").status_code == 200


def test_rich_menu_unknown_ids(server: FakeLineServer) -> None:
    unknown = "richmenu-" + "f" * 32
    assert call(server, "POST", f"/v2/bot/user/all/richmenu/{unknown}").status_code == 404
    assert call(server, "DELETE", f"/v2/bot/richmenu/{unknown}").status_code == 404
    assert call(server, "GET", f"/v2/bot/richmenu/{unknown}/content").status_code == 404
    assert call(server, "GET", "/v2/bot/user/all/richmenu").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "prop"),
    [
        ({"size": {"width": 2501, "height": 1686}}, "size.width"),
        ({"size": {"width": 799, "height": 250}}, "size.width"),
        ({"size": {"width": 800, "height": 249}}, "size.height"),
        ({"size": {"width": 2500, "height": 1800}}, "size"),  # wider than tall by less than 1.45
        # line-bot-sdk's schema already caps these in code points, before LINE's grapheme rule.
        ({"chatBarText": "ก" * 15}, None),
        ({"name": "ก" * 301}, None),
        ({"chatBarText": ""}, "chatBarText"),
        ({"selected": None}, "selected"),
        ({"areas": []}, "areas"),
        ({"areas": [area(0, 100)] * 21}, "areas"),
        ({"areas": [area(2000, 501)]}, "areas[0].bounds"),  # ends at x=2501
        ({"areas": [area(0, 10, label=THAI_LABEL_21)]}, "areas[0].action.label"),
        ({"areas": [{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10}}]}, "areas[0].action"),
    ],
)
def test_rich_menu_limits(server: FakeLineServer, overrides: dict[str, Any], prop: str | None) -> None:
    response = call(server, "POST", "/v2/bot/richmenu", rich_menu(**overrides))
    if prop is None:
        assert_schema_rejected(response)
    else:
        assert_rejected(response, prop)


def test_rich_menu_boundaries_pass(server: FakeLineServer) -> None:
    twenty = [area(x, 125, label=THAI_LABEL_20) for x in range(0, 2500, 125)]
    longest = rich_menu(chatBarText="ก" * 14, name="ก" * 300, areas=twenty)
    assert call(server, "POST", "/v2/bot/richmenu", longest).status_code == 200
    large = rich_menu(size={"width": 2500, "height": 1686}, areas=[area(0, 2500, height=1686)])
    assert call(server, "POST", "/v2/bot/richmenu", large).status_code == 200


# Control endpoints ----------------------------------------------------------------------


def control(server: FakeLineServer, method: str, path: str, body: Any = None) -> requests.Response:
    return call(server, method, "/__fake__/" + path, body, token=None)


def test_control_requests_and_deliveries(server: FakeLineServer) -> None:
    push(server, text("หนึ่ง"))
    call(server, "GET", "/v2/bot/message/quota")
    everything = control(server, "GET", "requests").json()
    assert [r["path"] for r in everything["requests"]] == ["/v2/bot/message/push", "/v2/bot/message/quota"]
    assert everything["next"] == 2
    later = control(server, "GET", "requests?since=1").json()["requests"]
    assert [r["path"] for r in later] == ["/v2/bot/message/quota"]
    [delivery] = control(server, "GET", "deliveries").json()["deliveries"]
    assert delivery["json"]["messages"] == [text("หนึ่ง")]
    assert control(server, "GET", f"messages/{USER}").json() == {"messages": [text("หนึ่ง")]}
    assert control(server, "GET", "requests").json()["next"] == 2  # control calls are not recorded


def test_control_faults(server: FakeLineServer) -> None:
    commands = {
        "fail_next": {"n": 1, "status": 500, "path_prefix": "/v2/bot/message"},
        "delay_next": {"n": 1, "seconds": 0.01, "path_prefix": "/v2/bot/message"},
        "register_reply_token": {"token": "tok", "chat_id": USER},
        "expire_token": "old",
    }
    assert control(server, "POST", "faults", commands).status_code == 200
    assert reply(server, "tok", text()).status_code == 500
    assert reply(server, "tok", text("ถึงแล้ว")).status_code == 200
    assert reply(server, "old", text()).status_code == 400
    assert control(server, "GET", f"messages/{USER}").json() == {"messages": [text("ถึงแล้ว")]}
    assert control(server, "POST", "faults", {"expire_reply_tokens": True}).status_code == 200
    assert reply(server, "fresh", text()).status_code == 400


@pytest.mark.parametrize(
    "commands",
    [{}, [], {"explode": True}, {"fail_next": {"n": 1, "colour": "red"}}, {"fail_next": {"n": 1, "status": 302}}],
)
def test_control_faults_rejects_bad_commands(server: FakeLineServer, commands: Any) -> None:
    assert control(server, "POST", "faults", commands).status_code == 400


def test_control_reset(server: FakeLineServer, state: FakeLineState) -> None:
    state.quota = 1
    push(server, text())
    reply(server, "used", text())
    state.fail_next(5)
    assert control(server, "POST", "reset").status_code == 200
    assert state.requests == [] and state.consumption() == 0 and state.quota == 300
    assert reply(server, "used", text()).status_code == 200
    assert push(server, text()).status_code == 200


# Running it ---------------------------------------------------------------------------


def test_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError):
        FakeLineServer(host="0.0.0.0")
    with pytest.raises(SystemExit):
        fakeline_main(["--host", "192.168.1.10"])
    assert FakeLineServer(host="localhost").state.quota == 300
