"""State and HTTP server of the fake LINE Messaging API.

``FakeLineState`` remembers everything the fake has seen and decides what it
answers (used reply tokens, accepted retry keys, rich menus, quota, faults that
a test asked for). ``FakeLineServer`` serves the Flask app from ``fakeline.app``
on 127.0.0.1 in a background thread::

    with FakeLineServer() as line:
        configuration = Configuration(host=line.url, access_token="t")
        ...  # run the bot against it
        assert line.state.messages_to(user_id)[0]["text"] == "สวัสดีค่ะ"
"""

from __future__ import annotations

import ipaddress
import itertools
import threading
import time
import zlib
from dataclasses import asdict, dataclass, field
from enum import Enum
from http import HTTPStatus
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"
MULTICAST_PATH = "/v2/bot/message/multicast"
DELIVERY_PATHS = frozenset({REPLY_PATH, PUSH_PATH, MULTICAST_PATH})

DEFAULT_QUOTA = 300  # a free plan's monthly push/multicast allowance
DEFAULT_FAULT_PREFIX = PUSH_PATH  # where faults land unless a test names a path

# Deterministic stand-ins for users the test did not register.
_THAI_NAMES = (
    "สมชาย ใจดี",
    "สมศรี มีสุข",
    "วิไลวรรณ ศรีสุข",
    "บุญมี ทองดี",
    "มาลี แก้วประเสริฐ",
    "ประเสริฐ บุญมา",
    "จันทร์เพ็ญ รุ่งเรือง",
    "สุรชัย พึ่งบุญ",
)


@dataclass(frozen=True)
class RecordedRequest:
    """One API request as the fake saw it and answered it."""

    time: float  # time.time() when it was answered
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    json: Any  # the parsed JSON body, or None
    raw_length: int  # body size in bytes
    status: int  # status code the fake answered with; 0: dropped the connection unanswered
    request_id: str  # the x-line-request-id it answered with

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Fault:
    """A test-requested misbehaviour for the next ``remaining`` matching requests."""

    remaining: int
    path_prefix: str
    status: int | None = None  # answer with this error status instead
    seconds: float = 0.0  # or sleep this long before answering normally
    drop: bool = False  # or close the connection without answering or carrying it out


@dataclass
class RichMenu:
    rich_menu_id: str
    definition: dict[str, Any]
    image: bytes | None = None
    image_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"richMenuId": self.rich_menu_id, **self.definition}


class SendOutcome(Enum):
    ACCEPTED = "accepted"
    DUPLICATE_RETRY_KEY = "duplicate retry key"
    QUOTA_EXCEEDED = "quota exceeded"


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    accepted_request_id: str | None = None  # of the first request, on a duplicate
    sent_messages: list[dict[str, str]] = field(default_factory=list)


class ImageOutcome(Enum):
    STORED = "stored"
    UNKNOWN_MENU = "unknown menu"
    ALREADY_UPLOADED = "already uploaded"


class FakeLineState:
    """Everything the fake LINE server remembers. Safe to use from several threads."""

    def __init__(self, quota: int = DEFAULT_QUOTA) -> None:
        self._lock = threading.Lock()
        self._initial_quota = quota
        self._message_ids = itertools.count(100_000_000_000_000_001)
        self.missing_content: set[str] = set()  # message ids whose content 404s
        self._clear()

    def _clear(self) -> None:
        self.quota = self._initial_quota  # monthly push/multicast allowance; tests may change it
        self.missing_content.clear()
        self._requests: list[RecordedRequest] = []
        self._used_reply_tokens: set[str] = set()
        self._expired_reply_tokens: set[str] = set()
        self._all_reply_tokens_expired = False
        self._reply_token_chats: dict[str, str] = {}
        self._retry_keys: dict[str, tuple[str, list[dict[str, str]]]] = {}
        self._usage = 0
        self._faults: list[Fault] = []
        self._rich_menus: dict[str, RichMenu] = {}
        self._default_rich_menu_id: str | None = None
        self._content: dict[str, tuple[bytes, str]] = {}
        self._users: dict[str, dict[str, str]] = {}
        self._members: dict[str, int] = {}
        self._webhook_endpoint: str | None = None
        self._webhook_test_failure: dict[str, Any] | None = None

    def reset(self) -> None:
        """Forget everything, as if the server had just started."""
        with self._lock:
            self._clear()

    # Recorded requests -------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request so far (control endpoints excluded), oldest first."""
        with self._lock:
            return list(self._requests)

    def deliveries(self) -> list[RecordedRequest]:
        """Reply, push and multicast requests that LINE would have delivered."""
        return [r for r in self.requests if r.status == 200 and r.path in DELIVERY_PATHS]

    def messages_to(self, chat_id: str) -> list[dict[str, Any]]:
        """Message objects delivered to a user, group or room, oldest first.

        A reply reaches ``chat_id`` only if the test registered its token with
        ``register_reply_token``; unregistered replies are keyed by the token.
        """
        with self._lock:
            token_chats = dict(self._reply_token_chats)
        messages: list[dict[str, Any]] = []
        for delivery in self.deliveries():
            body = delivery.json
            if delivery.path == REPLY_PATH:
                token = body["replyToken"]
                recipients = [token_chats.get(token, token)]
            elif delivery.path == PUSH_PATH:
                recipients = [body["to"]]
            else:
                recipients = body["to"]
            if chat_id in recipients:
                messages.extend(body["messages"])
        return messages

    # Reply tokens ------------------------------------------------------------

    def register_reply_token(self, token: str, chat_id: str) -> None:
        """Say which chat a reply token belongs to, for ``messages_to``."""
        with self._lock:
            self._reply_token_chats[token] = chat_id

    def expire_reply_tokens(self) -> None:
        """Make every reply token invalid from now on (a bot that answered too late)."""
        with self._lock:
            self._all_reply_tokens_expired = True

    def expire_token(self, token: str) -> None:
        with self._lock:
            self._expired_reply_tokens.add(token)

    def use_reply_token(self, token: str) -> bool:
        """Spend a reply token; False if it is empty, expired or already used."""
        with self._lock:
            if (
                not token
                or self._all_reply_tokens_expired
                or token in self._expired_reply_tokens
                or token in self._used_reply_tokens
            ):
                return False
            self._used_reply_tokens.add(token)
            return True

    # Push and multicast ------------------------------------------------------

    def accept_send(self, request_id: str, retry_key: str | None, recipients: int, message_count: int) -> SendResult:
        """Decide a push or multicast atomically: duplicate retry key, over quota, or delivered."""
        with self._lock:
            if retry_key is not None and retry_key in self._retry_keys:
                first_id, first_sent = self._retry_keys[retry_key]
                return SendResult(SendOutcome.DUPLICATE_RETRY_KEY, first_id, first_sent)
            if self._usage + recipients > self.quota:
                return SendResult(SendOutcome.QUOTA_EXCEEDED)
            self._usage += recipients
            sent = self._new_sent_messages(message_count)
            if retry_key is not None:
                self._retry_keys[retry_key] = (request_id, sent)
            return SendResult(SendOutcome.ACCEPTED, sent_messages=sent)

    def new_sent_messages(self, count: int) -> list[dict[str, str]]:
        """``sentMessages`` entries with fresh message IDs, as a reply answers."""
        with self._lock:
            return self._new_sent_messages(count)

    def _new_sent_messages(self, count: int) -> list[dict[str, str]]:
        return [{"id": str(next(self._message_ids))} for _ in range(count)]

    def consumption(self) -> int:
        """Messages counted against the quota: recipients of accepted push/multicast."""
        with self._lock:
            return self._usage

    # Faults ------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 500, path_prefix: str = DEFAULT_FAULT_PREFIX) -> None:
        """Answer the next ``n`` requests under ``path_prefix`` with ``status`` (e.g. 500, 429)."""
        if status < 400 or status not in list(HTTPStatus):
            raise ValueError(f"status must be an HTTP error status, not {status}")
        self._add_fault(Fault(n, path_prefix, status=status))

    def delay_next(self, n: int, seconds: float, path_prefix: str = DEFAULT_FAULT_PREFIX) -> None:
        """Sleep before answering the next ``n`` requests under ``path_prefix``.

        The request is still carried out after the sleep, as on a slow real server,
        so a client that timed out and retried with the same retry key gets exactly
        one delivery: whichever of the two arrives second is answered 409.
        """
        if seconds <= 0:
            raise ValueError("seconds must be positive")
        self._add_fault(Fault(n, path_prefix, seconds=seconds))

    def drop_next(self, n: int, path_prefix: str = DEFAULT_FAULT_PREFIX) -> None:
        """Close the connection without an answer for the next ``n`` requests under
        ``path_prefix``, without carrying them out: what a client sees when it reuses a
        pooled connection that the server closed a moment before."""
        self._add_fault(Fault(n, path_prefix, drop=True))

    def _add_fault(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("n must be at least 1")
        with self._lock:
            self._faults.append(fault)

    def faults_pending(self) -> int:
        """How many injected faults have not met their request yet (0: each request arrived)."""
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def take_faults(self, path: str) -> tuple[float, int | None, bool]:
        """Consume the faults for a request: (seconds to sleep, error status or None, drop)."""
        delay: float = 0.0
        status: int | None = None
        drop = False
        with self._lock:
            if not self._faults:
                return delay, status, drop
            # A dropped request gets nothing else: other faults wait for the next request.
            dropping = next((f for f in self._faults if f.drop and path.startswith(f.path_prefix)), None)
            for fault in [dropping] if dropping else self._faults:
                if not path.startswith(fault.path_prefix):
                    continue
                if fault.drop:
                    drop = True
                    fault.remaining -= 1
                elif fault.status is not None and status is None:
                    status = fault.status
                    fault.remaining -= 1
                elif fault.status is None and not delay:
                    delay = fault.seconds
                    fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining > 0]
        return delay, status, drop

    # Groups and rooms --------------------------------------------------------

    def set_members(self, chat_id: str, count: int) -> None:
        """How many people are in a group or room the bot is in (what members/count answers)."""
        if count < 1:
            raise ValueError("a group has at least one member")
        with self._lock:
            self._members[chat_id] = count

    def member_count(self, chat_id: str) -> int | None:
        """Members of a group or room: set_members' number, else a deterministic 2 to 9."""
        with self._lock:
            if chat_id in self._members:
                return self._members[chat_id]
        return 2 + zlib.crc32(chat_id.encode()) % 8

    def recipients_of(self, to: str) -> int:
        """What a push to one chat counts against the quota: 1, or the members of a group or room."""
        if to.startswith(("C", "R")):
            return self.member_count(to) or 1
        return 1

    # Profiles and message content -------------------------------------------

    def add_user(self, user_id: str, display_name: str, language: str = "th") -> None:
        """Register a user; once any user is registered, unknown users get 404."""
        with self._lock:
            self._users[user_id] = {"userId": user_id, "displayName": display_name, "language": language}

    def profile(self, user_id: str) -> dict[str, str] | None:
        with self._lock:
            if self._users:
                known = self._users.get(user_id)
                return dict(known) if known else None
        name = _THAI_NAMES[zlib.crc32(user_id.encode()) % len(_THAI_NAMES)]
        return {"userId": user_id, "displayName": name, "language": "th"}

    def add_content(self, message_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        """What ``GET /v2/bot/message/<message_id>/content`` returns."""
        with self._lock:
            self._content[message_id] = (data, content_type)

    def content(self, message_id: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self._content.get(message_id)

    # Rich menus --------------------------------------------------------------

    def add_rich_menu(self, rich_menu_id: str, definition: dict[str, Any]) -> None:
        with self._lock:
            self._rich_menus[rich_menu_id] = RichMenu(rich_menu_id, definition)

    def rich_menu(self, rich_menu_id: str) -> RichMenu | None:
        with self._lock:
            return self._rich_menus.get(rich_menu_id)

    def rich_menus(self) -> list[RichMenu]:
        with self._lock:
            return list(self._rich_menus.values())

    def set_rich_menu_image(self, rich_menu_id: str, image: bytes, image_type: str) -> ImageOutcome:
        with self._lock:
            menu = self._rich_menus.get(rich_menu_id)
            if menu is None:
                return ImageOutcome.UNKNOWN_MENU
            if menu.image is not None:
                return ImageOutcome.ALREADY_UPLOADED
            menu.image, menu.image_type = image, image_type
            return ImageOutcome.STORED

    def delete_rich_menu(self, rich_menu_id: str) -> bool:
        with self._lock:
            if self._rich_menus.pop(rich_menu_id, None) is None:
                return False
            if self._default_rich_menu_id == rich_menu_id:
                self._default_rich_menu_id = None
            return True

    @property
    def default_rich_menu_id(self) -> str | None:
        with self._lock:
            return self._default_rich_menu_id

    def set_default_rich_menu(self, rich_menu_id: str | None) -> None:
        with self._lock:
            self._default_rich_menu_id = rich_menu_id

    # Webhook URL -------------------------------------------------------------

    def set_webhook_endpoint(self, url: str) -> None:
        with self._lock:
            self._webhook_endpoint = url

    @property
    def webhook_endpoint(self) -> str | None:
        """The URL set by ``PUT /v2/bot/channel/webhook/endpoint`` (None: never set)."""
        with self._lock:
            return self._webhook_endpoint

    def fail_webhook_test(self, reason: str = "COULD_NOT_CONNECT", status_code: int = 0, detail: str = "") -> None:
        """Make every later webhook test call fail, as when LINE cannot reach the bot."""
        with self._lock:
            self._webhook_test_failure = {"statusCode": status_code, "reason": reason, "detail": detail or reason}

    def webhook_test(self, url: str | None) -> dict[str, Any]:
        """What ``POST /v2/bot/channel/webhook/test`` answers: success when an endpoint is set."""
        with self._lock:
            failure = self._webhook_test_failure
            endpoint = url or self._webhook_endpoint
        if failure is None and not endpoint:
            failure = {"statusCode": 0, "reason": "COULD_NOT_CONNECT", "detail": "no webhook URL is set"}
        answer = failure or {"statusCode": 200, "reason": "OK", "detail": "200"}
        timestamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        return {"success": failure is None, "timestamp": timestamp, **answer}


class _QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request: the fake serves hundreds a second."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FakeLineServer:
    """The fake LINE API on a loopback port, served from a daemon thread."""

    def __init__(
        self,
        access_token: str | None = None,
        *,
        quota: int = DEFAULT_QUOTA,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not _is_loopback(host):
            raise ValueError(f"the fake LINE server only listens on loopback, not {host!r}")
        # Imported here: fakeline.app needs this module's state types at import time.
        from fakeline.app import create_fake_line_app

        self.state = FakeLineState(quota=quota)
        self._app = create_fake_line_app(self.state, access_token)
        self._host = host
        self._port = port  # 0 picks a free port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``, for both api.line.me and api-data.line.me."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        host = f"[{self._host}]" if ":" in self._host else self._host  # IPv6 literal
        return f"http://{host}:{self._server.server_port}"

    def start(self) -> FakeLineServer:
        """Listen and serve in a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        self._server = make_server(
            self._host, self._port, self._app, threaded=True, request_handler=_QuietRequestHandler
        )
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fakeline", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeLineServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
