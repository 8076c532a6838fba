"""POST /callback: LINE's webhook.

The signature is checked over the raw bytes before anything is parsed; a request that
fails it stores nothing. A signed request's events are written to the durable inbox
in one transaction and only then answered 200, so an acknowledged event is never lost;
the worker does the rest.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, jsonify, request

from bot.line import signature
from bot.line.events import MalformedEvent, check_event, loads_body, parse
from db import is_storage_error

log = logging.getLogger(__name__)
webhook_bp = Blueprint("webhook", __name__)

MAX_BODY_BYTES = 1024 * 1024
WEBHOOK_PATH = "/callback"


def _error(status: int, message: str):
    return jsonify({"error": message}), status


def inbox_rows(events: list) -> list[dict]:
    rows = []
    for raw in events:
        try:
            raw = check_event(raw)
            event = parse(raw)
        except MalformedEvent as exc:
            log.warning("webhook event skipped: %s", exc)
            continue
        rows.append(
            {
                "webhook_event_id": event.webhook_event_id,
                "event_key": event.key,
                "event_type": event.type,
                "mode": event.mode,
                "source_key": event.source.key,
                "user_id": event.source.user_id,
                "message_id": event.message_id,
                "is_redelivery": event.is_redelivery,
                "event_time": event.timestamp,
                "payload": json.dumps(raw, ensure_ascii=False),
            }
        )
    return rows


@webhook_bp.post(WEBHOOK_PATH)
def callback():
    worker = current_app.extensions.get("inbox_worker")
    if worker is None:
        return _answer()
    with worker.answering():
        return _answer()


def _answer():
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        return _error(413, "request body too large")
    body = request.get_data(cache=False)  # bounded by MAX_CONTENT_LENGTH
    if not signature.is_valid(current_app.config["WEBHOOK_SECRET"], body, request.headers.get("X-Line-Signature")):
        log.warning("webhook rejected: missing or wrong signature from %s", request.remote_addr)
        return _error(400, "invalid signature")
    try:
        payload = loads_body(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return _error(400, "body is not valid JSON")
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        return _error(400, "body has no events list")
    _check_destination(payload.get("destination"))
    rows = inbox_rows(events)
    if rows:
        try:
            current_app.extensions["inbox_writer"].store(rows)
        except Exception as exc:
            if not (isinstance(exc, TimeoutError) or is_storage_error(exc)):
                raise
            # Not stored means not acknowledged: LINE redelivers what got no 200.
            log.exception("webhook could not store %s events", len(rows))
            return _error(503, "storage unavailable, try again")
        worker = current_app.extensions.get("inbox_worker")
        if worker is not None:
            worker.notify()
    return current_app.response_class(b"{}", mimetype="application/json")


def _check_destination(destination) -> None:
    """A signed webhook for another bot than the channel's: the secret is of one channel and
    the token of another, so replies will fail. The events are still kept (nothing a citizen
    sent is lost); the operator is told, once per process."""
    expected = current_app.config["SETTINGS"].line_bot_user_id
    if expected and destination != expected and not current_app.config.get("DESTINATION_WARNED"):
        current_app.config["DESTINATION_WARNED"] = True
        log.error("webhook for bot %s, but this channel's access token is of bot %s: the channel secret and the "
                  "access token are of different LINE channels (python -m bot tenant list)", destination, expected)
