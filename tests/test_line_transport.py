"""The sender's HTTP transport (bot/line/transport.py) against small servers that misbehave
in ways the fake LINE API does not: closing idle connections, never answering, answering
garbage, speaking only TLS; and the proxy a government network requires."""
import socket
import ssl
import threading
import time

import pytest

from bot.line.transport import JsonPoster, TransportError

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Line-Request-Id: req-%d\r\nContent-Length: 2\r\n\r\n{}"


class RawServer:
    """One TCP listener on 127.0.0.1; `answer(conn, n)` serves the n-th connection."""

    def __init__(self, answer):
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    def _serve(self, conn, n):
        try:
            self.answer(self, conn, n)
        except OSError:  # the client (or the test's end) closed the connection: nothing to serve
            pass

    def read_request(self, conn) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        while len(body) < length:
            body += conn.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + body)
        return head

    def close(self):
        self.sock.close()
        for conn in self._open:
            conn.close()


@pytest.fixture
def serve():
    servers = []

    def start(answer):
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def poster(url, timeout=2.0):
    return JsonPoster(url, {"Authorization": "Bearer t"}, timeout)


def test_a_connection_the_server_closed_while_idle_is_not_reused(serve):
    def answer_once_then_close(server, conn, n):
        server.read_request(conn)
        conn.sendall(OK % n)  # keep-alive answer …
        time.sleep(0.05)
        conn.close()  # … then the server closes the idle connection, as LINE's do

    server = serve(answer_once_then_close)
    client = poster(server.url)
    assert client.post("/v2/bot/message/reply", b'{"n":1}').headers["x-line-request-id"] == "req-1"
    time.sleep(0.3)
    # Written on the closed connection, this request would fail after leaving: unknown
    # whether it arrived. It goes on a new connection instead, and arrives once.
    assert client.post("/v2/bot/message/reply", b'{"n":2}').headers["x-line-request-id"] == "req-2"
    assert server.connections == 2
    assert [r.endswith(b'{"n":1}') or r.endswith(b'{"n":2}') for r in server.requests] == [True, True]


def test_one_connection_carries_many_requests_and_the_headers(serve):
    def keep_alive(server, conn, n):
        while server.read_request(conn) is not None:
            conn.sendall(OK % len(server.requests))

    server = serve(keep_alive)
    client = poster(server.url + "/line/")  # a base URL with a path prefix keeps it
    for i in range(5):
        client.post("/v2/bot/message/push", f'{{"i":{i}}}'.encode(), {"X-Line-Retry-Key": f"key-{i}"})
    assert server.connections == 1
    first = server.requests[0].decode()
    assert first.startswith("POST /line/v2/bot/message/push HTTP/1.1\r\n")
    assert "Authorization: Bearer t\r\n" in first and "X-Line-Retry-Key: key-0\r\n" in first
    assert "Content-Type: application/json\r\n" in first


def test_a_server_that_never_answers_times_out_as_a_transport_error(serve):
    def silent(server, conn, n):
        server.read_request(conn)
        time.sleep(5)

    server = serve(silent)
    client = poster(server.url, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(TransportError) as raised:
        client.post("/v2/bot/message/reply", b"{}")
    assert isinstance(raised.value, OSError)  # the sender treats it as "may have reached LINE"
    assert time.monotonic() - started < 3


def test_a_garbled_answer_is_a_transport_error_and_its_connection_is_dropped(serve):
    def garbage_first(server, conn, n):
        while server.read_request(conn) is not None:
            conn.sendall(b"\x00\x01 not http at all\r\n\r\n" if n == 1 else OK % n)

    server = serve(garbage_first)
    client = poster(server.url)
    with pytest.raises(TransportError):
        client.post("/v2/bot/message/reply", b"{}")
    assert client.post("/v2/bot/message/reply", b"{}").status == 200
    assert server.connections == 2


def test_an_error_status_is_returned_with_its_body_for_the_sender_to_judge(serve):
    def refuse(server, conn, n):
        server.read_request(conn)
        body = '{"message":"Invalid reply token"}'.encode()
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    server = serve(refuse)
    response = poster(server.url).post("/v2/bot/message/reply", b"{}")
    assert (response.status, response.data) == (400, b'{"message":"Invalid reply token"}')


def test_https_speaks_tls_to_the_host_it_names(serve):
    hello = []

    def record_client_hello(server, conn, n):
        hello.append(conn.recv(4096))
        conn.close()

    server = serve(record_client_hello)
    client = poster(f"https://localhost:{server.port}")
    context = client._ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname  # LINE's certificate is checked
    with pytest.raises(TransportError):
        client.post("/v2/bot/message/reply", b"{}")
    assert hello and hello[0][:1] == b"\x16"  # a TLS handshake record, not plain HTTP
    assert b"localhost" in hello[0]  # SNI: the certificate is checked against this name


def test_a_base_url_that_is_not_http_is_refused_at_start():
    with pytest.raises(ValueError):
        poster("ftp://api.line.me")


def test_the_proxy_the_environment_names_carries_the_request(serve, monkeypatch):
    def proxy(server, conn, n):
        try:
            while server.read_request(conn) is not None:
                conn.sendall(OK % n)
        except OSError:  # the test closed the kept-alive connection
            pass

    server = serve(proxy)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = poster("http://api.line.example")
    assert client.proxy == server.url
    assert client.post("/v2/bot/message/push", b"{}").status == 200
    # Through a proxy the request line names the whole address.
    assert server.requests[0].startswith(b"POST http://api.line.example/v2/bot/message/push HTTP/1.1")


def test_no_proxy_and_no_environment_mean_a_direct_connection(monkeypatch):
    from bot.line.transport import proxy_for

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert proxy_for("https://api.line.me") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.sao.local:3128")
    assert proxy_for("https://api.line.me") == "http://proxy.sao.local:3128"
    assert proxy_for("http://127.0.0.1:9000") is None  # no proxy for plain http unless HTTP_PROXY
    monkeypatch.setenv("NO_PROXY", "localhost,.line.me")
    assert proxy_for("https://api.line.me") is None and proxy_for("https://example.org") is not None
