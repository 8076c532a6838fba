"""The one sender: every request to LINE's Messaging API leaves the bot through here.

It delivers outbox rows (see db/outbox.py):
- checks messages against LINE's limits before sending;
- a reply uses the reply token; if LINE rejects the token before anything was delivered,
  a message that must arrive (a ticket number, say) is pushed instead, others are dropped;
- a push carries the row's fixed X-Line-Retry-Key, and 429, 5xx, timeouts and connection
  errors are retried with exponential backoff: LINE answers 409 to a repeat, never
  delivering twice;
- records the status and LINE's request id of every row, and the ids LINE gives a push's
  messages (db/sent_messages.py: a quote-reply to one of them is understood).

Each status change is one UPDATE statement, atomic without an explicit transaction.
"""
from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass

import sqlite_utils
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.config import Settings
from bot.line import limits
from bot.line.transport import JsonPoster, Response, proxy_for
from db import outbox, sent_messages

log = logging.getLogger(__name__)

# A reply token is good for about a minute; past this age a failed reply is not retried.
REPLY_TOKEN_LIFETIME_SECONDS = 50
MAX_BACKOFF_SECONDS = 60.0
# Replies wait at most this long between tries: the token's minute must not pass unused.
MAX_REPLY_BACKOFF_SECONDS = 4.0
# A reply row one of whose attempts may have reached LINE keeps this mark on its error.
AMBIGUOUS = outbox.AMBIGUOUS


@dataclass(frozen=True)
class Content:
    """A message's file as LINE keeps it for a while (a citizen's photo)."""

    data: bytes
    content_type: str


class ContentUnavailable(Exception):
    """LINE no longer has the content (404/410), or it is larger than we accept."""


class ProfileUnavailable(Exception):
    """LINE has no profile of this person for the bot (404): not a friend, not in the group."""


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | retry | failed | expired | uncertain | pushed | busy
    detail: str = ""


def _is_transient(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def _was_ambiguous(row: outbox.OutboxRow) -> bool:
    return (row.error or "").startswith(AMBIGUOUS)


def _error_text(exc: ApiException) -> str:
    body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
    return f"HTTP {exc.status}: {body[:300]}"


def _sent_message_ids(body) -> list[str]:
    """LINE's ids of the messages a push delivered (its answer's sentMessages), so that a
    quote-reply to one of them can be recognised (db/sent_messages.py); [] if none."""
    try:
        answer = json.loads(body or b"{}")
    except (TypeError, ValueError):
        return []
    sent = answer.get("sentMessages") if isinstance(answer, dict) else None
    return [str(m["id"]) for m in sent or [] if isinstance(m, dict) and m.get("id")] if isinstance(sent, list) else []


def _header(headers, name: str) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if key.lower() == name:
            return value
    return None


class LineSender:
    def __init__(self, settings: Settings, clock=None):
        self.settings = settings
        config = Configuration(host=settings.line_api_base_url, access_token=settings.channel_access_token)
        config.retries = 0  # retries are ours: urllib3 must not repeat a POST behind our back
        config.proxy = proxy_for(settings.line_api_base_url)  # HTTPS_PROXY unless NO_PROXY lists LINE
        self._client = ApiClient(config)
        self.api = MessagingApi(self._client)
        self._poster = JsonPoster(settings.line_api_base_url, self._client.default_headers, settings.line_timeout_seconds)
        data_config = Configuration(host=settings.line_data_api_base_url, access_token=settings.channel_access_token)
        data_config.retries = 0
        data_config.proxy = proxy_for(settings.line_data_api_base_url)
        self.blob_api = MessagingApiBlob(ApiClient(data_config))
        self._clock = clock or time.time
        self._timeout = settings.line_timeout_seconds

    def bot_info(self) -> tuple[str, str]:
        """(the bot's user id, its basic id "@…") for this channel's access token: LINE answers
        401 (ApiException) to a token it does not accept."""
        info = self.api.get_bot_info(_request_timeout=self._timeout)
        return info.user_id, info.basic_id

    def _post(self, path: str, body: dict, retry_key: str | None = None) -> Response:
        """POST a JSON request with the SDK's token and headers (bot/line/transport.py).

        The body is a plain dict already checked against LINE's limits. Rebuilding it as
        the SDK's pydantic models cost about 4 ms of CPU per reply with a Flex card, and
        even the SDK's plain-data path walks the whole body once more and escapes every
        Thai character into six bytes. LINE reads UTF-8 JSON. A status outside 2xx raises
        the SDK's ApiException, as the SDK would; no answer at all raises TransportError.
        """
        response = self._poster.post(
            path,
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
            {"X-Line-Retry-Key": retry_key} if retry_key else None,
        )
        if not 200 <= response.status <= 299:
            exc = ApiException(status=response.status, reason=response.reason)
            exc.body, exc.headers = response.data, response.headers
            raise exc
        return response

    # --- delivering outbox rows -------------------------------------------------------

    @property
    def claim_lease_seconds(self) -> float:
        """How long a claimed row is this sender's before a sweeper may take it over."""
        return self._timeout * 3

    def deliver(self, db: sqlite_utils.Database, outbox_id: int) -> Outcome:
        row = outbox.claim(db, outbox_id, lease_seconds=self.claim_lease_seconds)
        if row is None:
            return Outcome("busy", "not due, taken by another thread, or finished")
        return self.send_claimed(db, row)

    def send_claimed(self, db: sqlite_utils.Database, row: outbox.OutboxRow, limits_checked: bool = False) -> Outcome:
        """Send a row this thread has claimed: by deliver(), or queued already claimed
        (outbox.enqueue_claimed) by a caller that has also checked its messages."""
        found = None if limits_checked else limits.problems(row.messages)
        if found:
            error = str(limits.MessageLimitError(found))
            log.error("outbox %s refused before sending: %s", row.id, error)
            outbox.mark_final(db, row.id, "failed", f"over LINE limits: {error}")
            return Outcome("failed", error)
        if row.kind == "reply":
            return self._deliver_reply(db, row)
        return self._deliver_push(db, row)

    def _deliver_reply(self, db, row: outbox.OutboxRow) -> Outcome:
        try:
            response = self._post("/v2/bot/message/reply", {"replyToken": row.reply_token, "messages": row.messages})
        except ApiException as exc:
            error = _error_text(exc)
            if exc.status == 400 and "reply token" in error.lower():
                return self._reply_token_gone(db, row, error, "reply token refused")
            return self._after_failure(db, row, exc.status, error)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            # The request may or may not have reached LINE (a reset or a timeout after it
            # was written). Repeating a reply is safe: LINE accepts a reply
            # token once, so a repeat after a delivered attempt is refused, not delivered.
            return self._after_reply_failure(db, row, None, f"{AMBIGUOUS}{type(exc).__name__}: {exc}")
        request_id = _header(response.headers, "x-line-request-id")
        outbox.mark_sent(db, row.id, request_id)
        return Outcome("sent", request_id or "")

    def _deliver_push(self, db, row: outbox.OutboxRow) -> Outcome:
        try:
            if row.kind == "multicast":
                body = {"to": row.to_ids, "messages": row.messages}
                response = self._post("/v2/bot/message/multicast", body, retry_key=row.retry_key)
            else:
                body = {"to": row.to_ids[0], "messages": row.messages}
                response = self._post("/v2/bot/message/push", body, retry_key=row.retry_key)
        except ApiException as exc:
            if exc.status == 409:
                # LINE already accepted this retry key: the earlier attempt was delivered
                # (the answer repeats its sentMessages).
                accepted = _header(exc.headers, "x-line-accepted-request-id")
                sent_messages.record(db, row.id, row.purpose, _sent_message_ids(exc.body))
                outbox.mark_sent(db, row.id, accepted)
                return Outcome("sent", accepted or "")
            return self._after_failure(db, row, exc.status, _error_text(exc))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            # Safe to repeat: the retry key makes LINE deliver at most once.
            return self._after_failure(db, row, None, f"{type(exc).__name__}: {exc}")
        request_id = _header(response.headers, "x-line-request-id")
        # Before marking it sent: a crash in between repeats the push, answered 409 with the same ids.
        sent_messages.record(db, row.id, row.purpose, _sent_message_ids(response.data))
        outbox.mark_sent(db, row.id, request_id)
        return Outcome("sent", request_id or "")

    def _after_failure(self, db, row: outbox.OutboxRow, status: int | None, error: str) -> Outcome:
        if row.kind == "reply":
            return self._after_reply_failure(db, row, status, error)
        if _is_transient(status) and row.attempts < self.settings.line_max_attempts:
            delay = min(MAX_BACKOFF_SECONDS, self.settings.line_backoff_base_seconds * 2 ** (row.attempts - 1))
            return self._retry(db, row, delay, error)
        outbox.mark_final(db, row.id, "failed", error)
        log.error("outbox %s failed for good: %s", row.id, error)
        return Outcome("failed", error)

    def _after_reply_failure(self, db, row: outbox.OutboxRow, status: int | None, error: str) -> Outcome:
        """A reply that failed: refused by LINE, or lost on the way with no answer.

        Transient errors (429, 5xx, a broken connection) are retried for as long as the
        reply token lives, not a fixed number of times: a minute of LINE trouble must not
        cost the citizen the answer. When the token is about to expire, a message that must
        arrive is pushed instead, unless an attempt may have reached LINE: then it ends
        uncertain, as a push might say it twice.
        """
        age = self._clock() - row.created_at
        if _was_ambiguous(row) and not error.startswith(AMBIGUOUS):
            error = AMBIGUOUS + error  # the mark stays for the rest of the row's life
        if _is_transient(status):
            delay = min(MAX_REPLY_BACKOFF_SECONDS, self.settings.line_backoff_base_seconds * 2 ** (row.attempts - 1))
            if age + delay < REPLY_TOKEN_LIFETIME_SECONDS:
                return self._retry(db, row, delay, error)
            return self._reply_token_gone(db, row, error, "reply token about to expire during LINE trouble")
        outbox.mark_final(db, row.id, "failed", error)
        log.error("outbox %s failed for good: %s", row.id, error)
        return Outcome("failed", error)

    def _reply_token_gone(self, db, row: outbox.OutboxRow, error: str, why: str) -> Outcome:
        """The reply token can no longer be used: push what must arrive, drop the rest.

        Unless an earlier attempt may have reached LINE and used the token: delivered or
        not, nobody knows, and a push could say it twice. The row then ends as uncertain.
        """
        if _was_ambiguous(row) or error.startswith(AMBIGUOUS):
            error = error if error.startswith(AMBIGUOUS) else f"{AMBIGUOUS}then {error}"
            outbox.mark_final(db, row.id, "uncertain", error)
            log.warning("outbox %s: %s, and the reply may have been delivered: %s", row.id, why, error)
            return Outcome("uncertain", error)
        if row.must_arrive and row.to_ids:
            outbox.switch_to_push(db, row.id, error)
            log.info("outbox %s: %s, pushing instead", row.id, why)
            self.deliver(db, row.id)
            return Outcome("pushed", error)
        outbox.mark_final(db, row.id, "expired", error)
        log.warning("outbox %s: %s: %s", row.id, why, error)
        return Outcome("expired", error)

    def _retry(self, db, row: outbox.OutboxRow, delay: float, error: str) -> Outcome:
        delay *= random.uniform(0.8, 1.2)  # spread retries of many rows after an outage
        outbox.mark_retry(db, row.id, delay, error)
        log.warning("outbox %s: %s, retry in %.1fs", row.id, error, delay)
        return Outcome("retry", error)

    # --- calls that are not messages ----------------------------------------------------

    def show_loading(self, user_id: str, seconds: int = 20) -> bool:
        """LINE's typing animation in a 1:1 chat; best effort, never retried."""
        try:
            # Plain JSON like the messages (see _post): the SDK's model and argument checks
            # cost more than the request itself, and a backlog asks for many animations.
            self._post("/v2/bot/chat/loading/start", {"chatId": user_id, "loadingSeconds": seconds})
            return True
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            log.info("loading animation not shown for %s: %s", user_id, exc)
            return False

    def member_count(self, chat_kind: str, chat_id: str) -> int | None:
        """Members of a group or room (a push there costs one message per member); None if unknown."""
        try:
            if chat_kind == "group":
                return int(self.api.get_group_member_count(chat_id, _request_timeout=self._timeout).count)
            if chat_kind == "room":
                return int(self.api.get_room_member_count(chat_id, _request_timeout=self._timeout).count)
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            log.info("member count of %s %s unknown: %s", chat_kind, chat_id, exc)
        return None


    def download_content(self, message_id: str, max_bytes: int) -> Content:
        """GET a message's content from LINE's data API (api-data.line.me).

        Raises ContentUnavailable when LINE answers 404/410 or the file is over max_bytes
        (not worth retrying); ApiException or a network error for what may pass.
        """
        try:
            response = self.blob_api.get_message_content_with_http_info(
                message_id, _preload_content=False, _request_timeout=self._timeout
            )
        except ApiException as exc:
            if exc.status in (404, 410):
                raise ContentUnavailable(_error_text(exc)) from None
            raise
        raw = response.raw_data
        content_type = _header(response.headers, "content-type") or "application/octet-stream"
        data = raw if isinstance(raw, (bytes, bytearray)) else raw.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ContentUnavailable(f"content larger than {max_bytes} bytes")
        return Content(bytes(data), content_type.split(";")[0].strip())

    def display_name(self, user_id: str, chat_kind: str = "user", chat_id: str | None = None) -> str:
        """A person's LINE display name: their profile, or in a group or room their member
        profile (LINE gives that also for members who never added the bot as a friend).

        Raises ProfileUnavailable when LINE answers 404; ApiException or a network error for
        what may pass.
        """
        try:
            if chat_kind == "group" and chat_id:
                found = self.api.get_group_member_profile(chat_id, user_id, _request_timeout=self._timeout)
            elif chat_kind == "room" and chat_id:
                found = self.api.get_room_member_profile(chat_id, user_id, _request_timeout=self._timeout)
            else:
                found = self.api.get_profile(user_id, _request_timeout=self._timeout)
        except ApiException as exc:
            if exc.status in (400, 404):
                raise ProfileUnavailable(_error_text(exc)) from None
            raise
        return found.display_name

    def quota(self) -> dict:
        """This month's push quota and how much of it is used."""
        quota = self.api.get_message_quota(_request_timeout=self._timeout)
        used = self.api.get_message_quota_consumption(_request_timeout=self._timeout)
        return {"type": quota.type, "limit": quota.value, "used": used.total_usage}


    # --- the webhook URL (python -m bot setup-line, python -m bot doctor) ----------------

    def webhook_endpoint(self) -> tuple[str, bool]:
        """The webhook URL LINE has for the channel, and whether LINE sends events to it."""
        found = self.api.get_webhook_endpoint(_request_timeout=self._timeout)
        return found.endpoint or "", bool(found.active)

    def set_webhook_endpoint(self, url: str) -> None:
        """Tell LINE where to send events (PUT /v2/bot/channel/webhook/endpoint)."""
        from linebot.v3.messaging import SetWebhookEndpointRequest

        self.api.set_webhook_endpoint(SetWebhookEndpointRequest(endpoint=url), _request_timeout=self._timeout)

    def test_webhook(self, url: str) -> dict:
        """LINE's test call to the webhook URL: {success, status_code, reason, detail}."""
        from linebot.v3.messaging import TestWebhookEndpointRequest

        # LINE waits for the bot's answer before it answers us: allow it a little longer.
        found = self.api.test_webhook_endpoint(TestWebhookEndpointRequest(endpoint=url),
                                               _request_timeout=max(self._timeout, 30))
        return {"success": bool(found.success), "status_code": found.status_code,
                "reason": found.reason or "", "detail": found.detail or ""}
