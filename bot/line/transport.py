"""POSTs of JSON to LINE's Messaging API on one kept-alive connection per thread.

The sender's hot path (replies, pushes, the loading animation) runs here rather than
through urllib3's pool manager, which the SDK's ApiClient uses: for one reply with
quick-reply buttons against the fake LINE API that costs about 360 µs of CPU, the
standard library's http.client about 210 µs (bench/transport_bench.py), out of about
1.1–1.4 ms for an event's whole handling (bench/handling_bench.py).
Everything else the SDK offers (profiles, content, quota, rich menus) still goes
through the SDK.

What urllib3 did for us and this keeps: a connection LINE has closed while idle is
noticed before it is used again (a request on it would fail after being written, and
whether a reply reached LINE would be unknown); TLS with the system's certificate
authorities, verified; one timeout for the whole request.
"""
from __future__ import annotations

import http.client
import select
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


class TransportError(ConnectionError):
    """The request failed on the way: no HTTP answer came back (it may have reached LINE)."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]  # names in lower case
    data: bytes


def _closed_by_peer(sock) -> bool:
    """An idle kept-alive socket that is readable has been closed by the server (or
    holds bytes nobody asked for): either way it must not carry another request."""
    poller = select.poll()  # not select.select: a busy process may have descriptors past 1024
    poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


class JsonPoster:
    def __init__(self, base_url: str, headers: dict[str, str], timeout: float, ssl_context: ssl.SSLContext | None = None):
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"LINE API base URL must be http(s)://host[:port]: {base_url!r}")
        self._https = url.scheme == "https"
        self._host = url.hostname
        self._port = url.port
        self._prefix = url.path.rstrip("/")
        self._headers = {**headers, "Content-Type": "application/json", "Accept": "application/json"}
        self._timeout = timeout
        # Built once: loading the system's certificate authorities takes milliseconds.
        self._ssl_context = (ssl_context or ssl.create_default_context()) if self._https else None
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._https:
                conn = http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=self._ssl_context)
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            self._local.conn = conn
        elif conn.sock is not None:
            if _closed_by_peer(conn.sock):
                conn.close()  # the next request opens a new connection
            else:
                conn.sock.settimeout(self._timeout)  # the last answer may have left it shorter
        return conn

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> Response:
        """POST body; return LINE's answer, whatever its status. Raises TransportError
        (an OSError) when no answer came: refused, reset, timed out, or garbled."""
        deadline = time.monotonic() + self._timeout
        conn = self._connection()
        try:
            conn.request("POST", self._prefix + path, body=body, headers={**self._headers, **(headers or {})})
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out sending the request")
            conn.sock.settimeout(remaining)  # the answer gets what is left of the timeout
            answer = conn.getresponse()
            data = answer.read()
            response = Response(answer.status, answer.reason, {k.lower(): v for k, v in answer.getheaders()}, data)
            if answer.will_close:
                conn.close()
            return response
        except (OSError, http.client.HTTPException) as exc:
            conn.close()  # never reuse a connection in an unknown state
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
