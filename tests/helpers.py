"""Builders for LINE webhook events and signed requests, shared by the tests."""
from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Callable

import requests
from werkzeug.serving import make_server

from bot.line.signature import sign

CHANNEL_SECRET = "test-channel-secret"
ACCESS_TOKEN = "test-access-token"


def user_id() -> str:
    return "U" + secrets.token_hex(16)


def event_id() -> str:
    return "01" + secrets.token_hex(12).upper()


def base_event(kind: str, source: dict, reply: bool = True, **extra) -> dict:
    event = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": source,
        "webhookEventId": event_id(),
        "deliveryContext": {"isRedelivery": False},
    }
    if reply:
        event["replyToken"] = secrets.token_hex(16)
    event.update(extra)
    return event


def text_message(text: str, quoted_message_id: str | None = None) -> dict:
    """A text message as LINE sends it; with quoted_message_id, a quote-reply to that message."""
    message = {"id": str(secrets.randbelow(10**17)), "type": "text", "text": text, "quoteToken": "q"}
    if quoted_message_id:
        message["quotedMessageId"] = quoted_message_id
    return message


def text_event(uid: str, text: str, quoted_message_id: str | None = None, **extra) -> dict:
    message = text_message(text, quoted_message_id)
    return base_event("message", {"type": "user", "userId": uid}, message=message, **extra)


def postback_event(uid: str, data: str) -> dict:
    return base_event("postback", {"type": "user", "userId": uid}, postback={"data": data})


def follow_event(uid: str) -> dict:
    return base_event("follow", {"type": "user", "userId": uid}, follow={"isUnblocked": False})


def body_of(*events: dict) -> bytes:
    return json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode("utf-8")


def post_signed(url: str, body: bytes, secret: str = CHANNEL_SECRET, **headers) -> requests.Response:
    head = {"Content-Type": "application/json", "X-Line-Signature": sign(secret, body)}
    head.update(headers)
    return requests.post(url + "/callback", data=body, headers=head, timeout=10)


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.02):
    """Poll until predicate() is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


class ServedApp:
    """A Flask app served over real HTTP on 127.0.0.1 in a background thread."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "ServedApp":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        worker = self.app.extensions.get("inbox_worker")
        if worker is not None:
            worker.stop()

    @property
    def db(self):
        return self.app.extensions["db_pool"].get()

    def post(self, *events: dict, secret: str = CHANNEL_SECRET) -> requests.Response:
        return post_signed(self.url, body_of(*events), secret)
