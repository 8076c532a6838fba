"""POSTs of JSON to LINE's Messaging API through urllib3's connection pool.

The sender's replies and pushes are plain JSON built and checked by us (bot/line/sender.py)
and posted here; everything else (profiles, content, quota, rich menus) goes through the
SDK, which uses the same library.

What this guarantees:
- no request is repeated behind the sender's back (`retries=False`): the outbox decides,
  with LINE's retry key, so a message is never delivered twice;
- a connection LINE closed while idle is noticed before reuse (urllib3 checks), so a request
  is never written onto a dead socket and left with an unknown fate;
- TLS with the system's certificate authorities, verified, and the host name checked;
- one timeout for the whole request;
- the proxy named by `HTTPS_PROXY` / `HTTP_PROXY` (government networks often require one),
  except for hosts in `NO_PROXY`: see `proxy_for`.
"""
from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment

import urllib3

POOL_SIZE = 16  # kept-alive connections per host: one per sending thread is plenty


class TransportError(ConnectionError):
    """The request failed on the way: no HTTP answer came back (it may have reached LINE)."""


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]  # names in lower case
    data: bytes


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for this URL (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY,
    upper or lower case), or None when there is none or NO_PROXY lists the host."""
    parts = urlsplit(url)
    proxies = getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or proxy_bypass_environment(parts.hostname or "", proxies):
        return None
    return proxy


class JsonPoster:
    def __init__(self, base_url: str, headers: dict[str, str], timeout: float, ssl_context: ssl.SSLContext | None = None):
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"LINE API base URL must be http(s)://host[:port]: {base_url!r}")
        self._base = f"{url.scheme}://{url.netloc}{url.path.rstrip('/')}"
        self._headers = {**headers, "Content-Type": "application/json", "Accept": "application/json"}
        self._timeout = urllib3.Timeout(total=timeout)
        # Built once: loading the system's certificate authorities takes milliseconds.
        self._ssl_context = (ssl_context or ssl.create_default_context()) if url.scheme == "https" else None
        options = dict(maxsize=POOL_SIZE, retries=False, timeout=self._timeout)
        if self._ssl_context is not None:
            options["ssl_context"] = self._ssl_context
        self.proxy = proxy_for(base_url)
        self._pool = urllib3.ProxyManager(self.proxy, **options) if self.proxy else urllib3.PoolManager(**options)

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> Response:
        """POST body; return LINE's answer, whatever its status. Raises TransportError
        (an OSError) when no answer came: refused, reset, timed out, or garbled."""
        try:
            answer = self._pool.request(
                "POST", self._base + path, body=body, headers={**self._headers, **(headers or {})},
                retries=False, timeout=self._timeout, redirect=False,
            )
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            # urllib3 drops a connection that failed; it is never reused in an unknown state.
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return Response(answer.status, answer.reason or "", {k.lower(): v for k, v in answer.headers.items()}, answer.data)

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.clear()
