"""Flask app answering like LINE's Messaging API (api.line.me and api-data.line.me).

It records every API request in a ``FakeLineState`` and rejects what LINE would
reject: bad or missing access token, bodies breaking LINE's schema or limits
(``fakeline.validation``), reused or expired reply tokens, duplicate retry keys,
pushes beyond the monthly quota, and faults a test asked for.

Paths under ``/__fake__/`` are the fake's own control endpoints, for tests that
run the bot in another process. They need no token and are not recorded.
"""

from __future__ import annotations

import errno
import hashlib
import io
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from PIL import Image, UnidentifiedImageError
from werkzeug.exceptions import HTTPException

from fakeline import validation
from fakeline.server import FakeLineState, ImageOutcome, RecordedRequest, SendOutcome
from fakeline.validation import Problem

CONTROL_PREFIX = "/__fake__/"

AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
FAULT_MESSAGES = {
    429: "The API rate limit has been exceeded. Try again later.",
    500: "An error occurred in the server.",
}
RETRY_KEY = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
RICH_MENU_IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}
RICH_MENU_IMAGE_MAX_BYTES = 1_000_000  # "1 MB", read strictly


def create_fake_line_app(state: FakeLineState, access_token: str | None = None) -> Flask:
    """The fake LINE API over ``state``.

    With ``access_token`` only ``Authorization: Bearer <access_token>`` is
    accepted; without it, any non-empty bearer token is.
    """
    app = Flask("fakeline")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # keep Thai readable
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.before_request
    def authenticate_and_inject_faults() -> ResponseReturnValue | None:
        g.request_id = uuid.uuid4().hex
        # Unknown paths fall through to 404; control endpoints are not LINE's.
        if request.routing_exception is not None or request.path.startswith(CONTROL_PREFIX):
            return None
        if not _authorized(request.headers.get("Authorization", ""), access_token):
            return _error(401, AUTH_FAILED)
        delay, status, drop = state.take_faults(request.path)
        if drop:
            g.dropped = True
            return Response(_drop_connection(request.environ), mimetype="application/json")
        if delay:
            time.sleep(delay)
        if status is not None:
            return _error(status, FAULT_MESSAGES.get(status, HTTPStatus(status).phrase))
        return None

    @app.after_request
    def tag_and_record(response: Response) -> Response:
        response.headers["x-line-request-id"] = g.request_id
        if not request.path.startswith(CONTROL_PREFIX):
            state.record(
                RecordedRequest(
                    time=time.time(),
                    method=request.method,
                    path=request.path,
                    headers={name.lower(): value for name, value in request.headers.items()},
                    json=request.get_json(silent=True),
                    raw_length=len(request.get_data()),
                    status=0 if g.get("dropped") else response.status_code,
                    request_id=g.request_id,
                )
            )
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        return _error(exc.code or 500, "Not found" if exc.code == 404 else exc.name)

    # Messages ------------------------------------------------------------------

    @app.post("/v2/bot/message/reply")
    def reply() -> ResponseReturnValue:
        body = _json_body()
        problems = validation.validate_reply(body)
        if problems:
            return _invalid(problems)
        if not state.use_reply_token(body["replyToken"]):
            return _error(400, "Invalid reply token")
        return {"sentMessages": state.new_sent_messages(len(body["messages"]))}

    def send(
        check: Callable[[Any], list[Problem]], recipients: Callable[[Any], int], *, echo_sent: bool
    ) -> ResponseReturnValue:
        retry_key = request.headers.get("X-Line-Retry-Key")
        if retry_key is not None and not RETRY_KEY.fullmatch(retry_key):
            return _error(400, "The value of the X-Line-Retry-Key header must be a UUID")
        body = _json_body()
        problems = check(body)
        if problems:
            return _invalid(problems)
        result = state.accept_send(g.request_id, retry_key, recipients(body), len(body["messages"]))
        sent = {"sentMessages": result.sent_messages} if echo_sent else {}
        if result.outcome is SendOutcome.DUPLICATE_RETRY_KEY:
            response = _error(409, "The retry key is already accepted", **sent)
            response.headers["x-line-accepted-request-id"] = result.accepted_request_id
            return response
        if result.outcome is SendOutcome.QUOTA_EXCEEDED:
            return _error(429, "You have reached your monthly limit.")
        return sent

    @app.post("/v2/bot/message/push")
    def push() -> ResponseReturnValue:
        # A push to a group or room counts once per member against the quota, as on LINE.
        return send(validation.validate_push, lambda body: state.recipients_of(body["to"]), echo_sent=True)

    @app.post("/v2/bot/message/multicast")
    def multicast() -> ResponseReturnValue:
        # LINE answers a multicast with an empty object, and so its 409 too.
        return send(validation.validate_multicast, lambda body: len(body["to"]), echo_sent=False)

    @app.get("/v2/bot/message/quota")
    def quota() -> ResponseReturnValue:
        return {"type": "limited", "value": state.quota}

    @app.get("/v2/bot/message/quota/consumption")
    def quota_consumption() -> ResponseReturnValue:
        return {"totalUsage": state.consumption()}

    @app.get("/v2/bot/message/<message_id>/content")
    def message_content(message_id: str) -> ResponseReturnValue:
        if message_id in state.missing_content:
            return _not_found()
        data, content_type = state.content(message_id) or (_placeholder_jpeg(), "image/jpeg")
        return Response(data, content_type=content_type)

    # Users and chats -------------------------------------------------------------

    @app.get("/v2/bot/profile/<user_id>")
    def profile(user_id: str) -> ResponseReturnValue:
        return state.profile(user_id) or _not_found()

    @app.get("/v2/bot/group/<group_id>/member/<user_id>")
    def group_member_profile(group_id: str, user_id: str) -> ResponseReturnValue:
        return member_profile(group_id, "C", user_id)

    @app.get("/v2/bot/room/<room_id>/member/<user_id>")
    def room_member_profile(room_id: str, user_id: str) -> ResponseReturnValue:
        return member_profile(room_id, "R", user_id)

    def member_profile(chat_id: str, prefix: str, user_id: str) -> ResponseReturnValue:
        # As LINE: a member's display name (and picture), no language; 404 for ids it does not know.
        if not (validation.is_chat_id(chat_id, prefix) and validation.is_chat_id(user_id, "U")):
            return _not_found()
        found = state.profile(user_id)
        return {"displayName": found["displayName"], "userId": user_id} if found else _not_found()

    @app.get("/v2/bot/group/<group_id>/members/count")
    def group_member_count(group_id: str) -> ResponseReturnValue:
        count = state.member_count(group_id) if validation.is_chat_id(group_id, "C") else None
        return {"count": count} if count is not None else _not_found()

    @app.get("/v2/bot/room/<room_id>/members/count")
    def room_member_count(room_id: str) -> ResponseReturnValue:
        count = state.member_count(room_id) if validation.is_chat_id(room_id, "R") else None
        return {"count": count} if count is not None else _not_found()

    @app.post("/v2/bot/chat/loading/start")
    def loading_animation() -> ResponseReturnValue:
        problems = validation.validate_loading_animation(_json_body())
        if problems:
            return _invalid(problems)
        return {}, 202

    # Rich menus -----------------------------------------------------------------

    @app.post("/v2/bot/richmenu")
    def create_rich_menu() -> ResponseReturnValue:
        body = _json_body()
        problems = validation.validate_rich_menu(body)
        if problems:
            return _invalid(problems)
        rich_menu_id = f"richmenu-{uuid.uuid4().hex}"
        state.add_rich_menu(rich_menu_id, body)
        return {"richMenuId": rich_menu_id}

    @app.get("/v2/bot/richmenu/list")
    def list_rich_menus() -> ResponseReturnValue:
        return {"richmenus": [menu.to_dict() for menu in state.rich_menus()]}

    @app.get("/v2/bot/richmenu/<rich_menu_id>")
    def get_rich_menu(rich_menu_id: str) -> ResponseReturnValue:
        menu = state.rich_menu(rich_menu_id)
        return menu.to_dict() if menu else _not_found()

    @app.delete("/v2/bot/richmenu/<rich_menu_id>")
    def delete_rich_menu(rich_menu_id: str) -> ResponseReturnValue:
        return {} if state.delete_rich_menu(rich_menu_id) else _not_found()

    @app.post("/v2/bot/richmenu/<rich_menu_id>/content")
    def upload_rich_menu_image(rich_menu_id: str) -> ResponseReturnValue:
        menu = state.rich_menu(rich_menu_id)
        if menu is None:
            return _not_found()
        image = request.get_data()
        size = menu.definition["size"]
        problem = _rich_menu_image_problem(request.mimetype, image, (size["width"], size["height"]))
        if problem:
            return _error(400, problem)
        outcome = state.set_rich_menu_image(rich_menu_id, image, request.mimetype)
        if outcome is ImageOutcome.UNKNOWN_MENU:
            return _not_found()
        if outcome is ImageOutcome.ALREADY_UPLOADED:
            return _error(400, "An image has already been uploaded to the richmenu")
        return {}

    @app.get("/v2/bot/richmenu/<rich_menu_id>/content")
    def download_rich_menu_image(rich_menu_id: str) -> ResponseReturnValue:
        menu = state.rich_menu(rich_menu_id)
        if menu is None or menu.image is None:
            return _not_found()
        return Response(menu.image, content_type=menu.image_type)

    @app.post("/v2/bot/user/all/richmenu/<rich_menu_id>")
    def set_default_rich_menu(rich_menu_id: str) -> ResponseReturnValue:
        menu = state.rich_menu(rich_menu_id)
        if menu is None:
            return _not_found()
        if menu.image is None:
            return _error(400, "Must upload richmenu image before applying it to user")
        state.set_default_rich_menu(rich_menu_id)
        return {}

    @app.get("/v2/bot/user/all/richmenu")
    def get_default_rich_menu() -> ResponseReturnValue:
        rich_menu_id = state.default_rich_menu_id
        return {"richMenuId": rich_menu_id} if rich_menu_id else _error(404, "no default richmenu")

    @app.delete("/v2/bot/user/all/richmenu")
    def cancel_default_rich_menu() -> ResponseReturnValue:
        state.set_default_rich_menu(None)
        return {}

    # The bot ---------------------------------------------------------------------

    @app.get("/v2/bot/info")
    def bot_info() -> ResponseReturnValue:
        token = request.headers.get("Authorization", "").partition(" ")[2]
        digest = hashlib.sha256(token.encode()).hexdigest()
        return {"userId": bot_user_id(token), "basicId": "@" + digest[32:40], "displayName": "Fake LINE OA",
                "chatMode": "bot", "markAsReadMode": "auto"}

    # Webhook URL -----------------------------------------------------------------

    @app.get("/v2/bot/channel/webhook/endpoint")
    def get_webhook_endpoint() -> ResponseReturnValue:
        endpoint = state.webhook_endpoint
        return {"endpoint": endpoint or "", "active": endpoint is not None}

    @app.put("/v2/bot/channel/webhook/endpoint")
    def set_webhook_endpoint() -> ResponseReturnValue:
        body = _json_body()
        endpoint = body.get("endpoint") if isinstance(body, dict) else None
        # As LINE: an https URL of at most 500 characters.
        if not isinstance(endpoint, str) or not endpoint.startswith("https://") or len(endpoint) > 500:
            return _invalid([("endpoint", "Invalid webhook endpoint URL")])
        state.set_webhook_endpoint(endpoint)
        return {}

    @app.post("/v2/bot/channel/webhook/test")
    def test_webhook_endpoint() -> ResponseReturnValue:
        body = _json_body()
        endpoint = body.get("endpoint") if isinstance(body, dict) else None
        if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.startswith("https://")):
            return _invalid([("endpoint", "Invalid webhook endpoint URL")])
        return state.webhook_test(endpoint)

    # Control endpoints ------------------------------------------------------------

    fault_commands: dict[str, Callable[[Any], None]] = {
        "fail_next": lambda args: state.fail_next(**args),
        "delay_next": lambda args: state.delay_next(**args),
        "drop_next": lambda args: state.drop_next(**args),
        "expire_reply_tokens": lambda flag: state.expire_reply_tokens() if flag else None,
        "expire_token": state.expire_token,
        "register_reply_token": lambda args: state.register_reply_token(**args),
        "set_members": lambda args: state.set_members(**args),
        "fail_webhook_test": lambda args: state.fail_webhook_test(**args),
    }

    @app.get(CONTROL_PREFIX + "requests")
    def control_requests() -> ResponseReturnValue:
        since = request.args.get("since", default=0, type=int)
        recorded = state.requests
        return {"requests": [r.to_dict() for r in recorded[since:]], "next": len(recorded)}

    @app.get(CONTROL_PREFIX + "deliveries")
    def control_deliveries() -> ResponseReturnValue:
        return {"deliveries": [r.to_dict() for r in state.deliveries()]}

    @app.get(CONTROL_PREFIX + "messages/<chat_id>")
    def control_messages(chat_id: str) -> ResponseReturnValue:
        return {"messages": state.messages_to(chat_id)}

    @app.post(CONTROL_PREFIX + "faults")
    def control_faults() -> ResponseReturnValue:
        commands = request.get_json(silent=True)
        if not isinstance(commands, dict) or not commands:
            return _error(400, f"Send a JSON object with any of: {', '.join(fault_commands)}")
        unknown = set(commands) - set(fault_commands)
        if unknown:
            return _error(400, f"Unknown fault commands: {', '.join(sorted(unknown))}")
        try:
            for name, argument in commands.items():
                fault_commands[name](argument)
        except (TypeError, ValueError) as exc:
            return _error(400, f"Bad arguments: {exc}")
        return {}

    @app.post(CONTROL_PREFIX + "reset")
    def control_reset() -> ResponseReturnValue:
        state.reset()
        return {}

    return app


def _drop_connection(environ: dict[str, Any]) -> Iterator[bytes]:
    """A response body that closes the client's connection before a byte of the answer.

    Werkzeug's and gunicorn's servers send the status line with the first chunk of the
    body; a ConnectionError raised instead is, to both, a dropped connection.
    """
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionResetError(errno.ECONNRESET, "fault: connection dropped without an answer")
    yield b""  # a generator: runs when the server starts sending


def bot_user_id(access_token: str) -> str:
    """The bot behind an access token: each channel (here, each token) is its own bot, with a
    user id of LINE's form (U and 32 hex digits), the webhook's "destination"."""
    return "U" + hashlib.sha256(access_token.encode()).hexdigest()[:32]


def _authorized(header: str, expected: str | None) -> bool:
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token.strip():
        return False
    return expected is None or token == expected


def _json_body() -> Any:
    # LINE requires Content-Type: application/json; without it the body reads as
    # None and validation answers 400.
    return request.get_json(silent=True)


def _error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"message": message, **extra})
    response.status_code = status
    return response


def _invalid(problems: list[Problem]) -> Response:
    details = [{"message": message, "property": path} if path else {"message": message} for path, message in problems]
    return _error(400, f"The request body has {len(problems)} error(s)", details=details)


def _not_found() -> Response:
    return _error(404, "Not found")


def _rich_menu_image_problem(content_type: str, image: bytes, size: tuple[int, int]) -> str | None:
    expected_format = RICH_MENU_IMAGE_TYPES.get(content_type)
    if expected_format is None:
        return "Content-Type must be image/png or image/jpeg"
    if len(image) > RICH_MENU_IMAGE_MAX_BYTES:
        return f"The image must be at most {RICH_MENU_IMAGE_MAX_BYTES} bytes"
    try:
        with Image.open(io.BytesIO(image)) as picture:  # reads the header only
            image_format, image_size = picture.format, picture.size
    except UnidentifiedImageError:
        return "The body is not a PNG or JPEG image"
    if image_format != expected_format:
        return f"The body is {image_format}, not {expected_format} as its Content-Type says"
    if image_size != size:
        return f"The image is {image_size[0]}x{image_size[1]} pixels; the rich menu is {size[0]}x{size[1]}"
    return None


@cache
def _placeholder_jpeg() -> bytes:
    """A tiny valid JPEG for message content the test did not register."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 200, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def create_standalone_app() -> Flask:
    """A fake with its own state, for WSGI servers: `gunicorn -w 1 "fakeline.app:create_standalone_app()"`.

    Use exactly one worker process (the state lives in it). Settings from the environment:
    FAKE_LINE_TOKEN (the only access token accepted; any if unset), FAKE_LINE_QUOTA.
    Unlike the threaded werkzeug server of FakeLineServer, gunicorn keeps connections
    alive between requests, as LINE's servers do: the benchmark uses it.
    """
    import os

    from fakeline.server import DEFAULT_QUOTA

    state = FakeLineState(quota=int(os.environ.get("FAKE_LINE_QUOTA") or DEFAULT_QUOTA))
    return create_fake_line_app(state, access_token=os.environ.get("FAKE_LINE_TOKEN") or None)
