"""The load driver's wire client against canned answers from a gevent TCP server: what it sends
(one write: request line, Host, headers, Content-Length, body), the body framings it reads
(Content-Length, chunked, to the close), interim 1xx, keep-alive reuse, a connection the target
closed while idle (opened again), https, a timeout (an OSError, never a hang) and header injection."""

from __future__ import annotations

import gzip
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import gevent
import gevent.ssl
import pytest
from gevent.server import StreamServer

from sim.drivers.load.connection import HttpConnection

Handler = Callable[[bytes], tuple[bytes, bool]]  # request bytes → (answer bytes, close after?)


class _Canned:
    """A TCP server answering each request with ``handler``'s bytes; counts connections and
    keeps what it received."""

    def __init__(self, handler: Handler, tls: dict[str, object] | None = None) -> None:
        self.handler = handler
        self.accepted = 0
        self.received: list[bytes] = []
        self.server = StreamServer(("127.0.0.1", 0), self._serve, **(tls or {}))
        self.server.start()
        self.port = self.server.server_port

    def _serve(self, sock: object, _addr: object) -> None:
        self.accepted += 1
        buf = b""
        while True:
            data = sock.recv(65536)  # type: ignore[attr-defined]
            if not data:
                return
            buf += data
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if not sep:
                continue
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if len(rest) < length:
                continue
            request, buf = head + sep + rest[:length], rest[length:]
            self.received.append(request)
            answer, close = self.handler(request)
            sock.sendall(answer)  # type: ignore[attr-defined]
            if close:
                sock.close()  # type: ignore[attr-defined]
                return


@pytest.fixture
def canned() -> Iterator[Callable[..., _Canned]]:
    servers: list[_Canned] = []

    def start(handler: Handler, tls: dict[str, object] | None = None) -> _Canned:
        servers.append(_Canned(handler, tls))
        return servers[-1]

    yield start
    for s in servers:
        s.server.stop()


def _ok(body: bytes = b'{"code":"ok"}', extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body), extra, body)


def _conn(server: _Canned, timeout_s: float = 5.0) -> HttpConnection:
    return HttpConnection("127.0.0.1", server.port, timeout_s, timeout_s)


def test_one_write_with_host_length_and_body_and_the_connection_is_kept(canned) -> None:
    server = canned(lambda req: (_ok(extra=b"Retry-After: 3\r\nX-A: 1\r\nX-A: 2\r\n"), False))
    conn = _conn(server)
    first = conn.request("POST", "/v1/ops/hold", {"Authorization": "Bearer t"}, b'{"a":1}')
    second = conn.request("GET", "/v1/health", {}, None)
    assert (first.status, first.body) == (200, b'{"code":"ok"}')
    assert first.headers["retry-after"] == "3" and first.headers["x-a"] == "1, 2"
    assert second.status == 200 and server.accepted == 1  # kept alive
    head = server.received[0].decode()
    assert head.startswith("POST /v1/ops/hold HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{server.port}\r\n" in head and "Authorization: Bearer t\r\n" in head
    assert head.endswith('Content-Length: 7\r\n\r\n{"a":1}')
    assert "Content-Length" not in server.received[1].decode()  # a GET without a body


def test_chunked_and_interim_answers_are_read_whole(canned) -> None:
    chunked = (b"HTTP/1.1 100 Continue\r\n\r\n"
               b"HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\n{\"cod\r\n9\r\ne\":\"sold\"\r\n2\r\n}\n\r\n0\r\nX-Trailer: 1\r\n\r\n")
    server = canned(lambda req: (chunked, False))
    conn = _conn(server)
    for _ in range(2):  # the trailer was consumed: the second answer parses as cleanly
        a = conn.request("POST", "/x", {}, b"{}")
        assert (a.status, a.body) == (409, b'{"code":"sold"}\n')
    assert server.accepted == 1


def test_a_body_to_the_close_and_connection_close_open_a_new_connection(canned) -> None:
    answers = iter([(b"HTTP/1.0 200 OK\r\n\r\nto the end", True),
                    (_ok(extra=b"Connection: close\r\n"), True), (_ok(), False)])
    server = canned(lambda req: next(answers))
    conn = _conn(server)
    assert conn.request("GET", "/a", {}, None).body == b"to the end"
    assert conn.request("GET", "/b", {}, None).status == 200
    assert conn.request("GET", "/c", {}, None).status == 200
    assert server.accepted == 3


def test_a_connection_the_target_closed_while_idle_is_opened_again(canned) -> None:
    server = canned(lambda req: (_ok(), True))  # answers with keep-alive, then closes anyway
    conn = _conn(server)
    assert conn.request("GET", "/a", {}, None).status == 200
    gevent.sleep(0.05)  # the close reaches us while the connection is idle
    assert conn.request("GET", "/b", {}, None).status == 200
    assert server.accepted == 2


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl for a test certificate")
def test_https_keeps_its_connection_across_requests(canned, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    ctx = gevent.ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    server = canned(lambda req: (_ok(), False), {"ssl_context": ctx})
    conn = HttpConnection("127.0.0.1", server.port, 5.0, 5.0, tls=True)  # self-signed: not verified
    for _ in range(3):
        assert conn.request("POST", "/v1/ops/hold", {}, b"{}").body == b'{"code":"ok"}'
        gevent.sleep(0.02)  # TLS 1.3 session tickets arrive meanwhile: not taken for a close
    assert server.accepted == 1
    assert server.received[0].startswith(b"POST /v1/ops/hold HTTP/1.1\r\n")


def test_gzip_bodies_are_decoded(canned) -> None:
    body = gzip.compress(b'{"code":"ok"}')
    server = canned(lambda req: (_ok(body, b"Content-Encoding: gzip\r\n"), False))
    assert _conn(server).request("GET", "/", {}, None).body == b'{"code":"ok"}'


def test_no_answer_in_time_is_an_oserror_and_the_next_request_reconnects(canned) -> None:
    calls = []

    def slow_first(req: bytes) -> tuple[bytes, bool]:
        calls.append(req)
        if len(calls) == 1:
            gevent.sleep(0.5)
        return _ok(), False

    server = canned(slow_first)
    conn = _conn(server, timeout_s=0.1)
    with pytest.raises(OSError):
        conn.request("GET", "/slow", {}, None)
    assert conn.request("GET", "/fast", {}, None).status == 200
    assert server.accepted == 2


def test_nothing_listening_is_an_oserror() -> None:
    from sim.drivers.load.target import free_port

    with pytest.raises(OSError):
        HttpConnection("127.0.0.1", free_port(), 1.0, 1.0).request("GET", "/", {}, None)


@pytest.mark.parametrize("headers", [{"X-A": "1\r\nX-Injected: 1"}, {"X\r\nB": "1"}])
def test_cr_lf_in_a_header_is_refused_before_anything_is_sent(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        HttpConnection("127.0.0.1", 9, 1.0, 1.0).request("GET", "/", headers, None)


_LOCUST_STATS_SCRIPT = """
import sys
from sim.drivers.load.locustfile import AgentUser, attach_shard, locust
from locust.env import Environment
from sim.drivers.adapter import HttpRequest
from sim.drivers.load.engine import ShardRun
from sim.drivers.load.plan import LoadPlan
from sim.scenario.model import Scenario

sc = Scenario.model_validate({"name": "s", "seed": 1, "horizon": {"before_s": 1, "after_s": 1},
    "supply": {"departments": [{"id": "d", "sessions": [{"id": "s1", "capacity": 1}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": {"dist": "const", "value": 0},
                  "reaction_s": {"dist": "const", "value": 1}}]})
plan = LoadPlan(sc, 0, sys.argv[1])
counts = []
for feed in (False, True):
    env = Environment(user_classes=[AgentUser], events=locust.events)
    attach_shard(env, plan, ShardRun(plan, []), locust_stats=feed)
    env.create_local_runner()
    user = AgentUser(env)
    status, body, headers = user._exchange(HttpRequest("GET", "/v1/health", {}, None, "health"))
    assert status == 200 and isinstance(body, dict), (status, body)
    counts.append(env.stats.get("health", "GET").num_requests)
print(counts)
"""


def test_locusts_request_statistics_are_fed_only_for_its_web_ui(stub_target) -> None:  # type: ignore[no-untyped-def]
    import sys

    url = stub_target()
    out = subprocess.run([sys.executable, "-c", _LOCUST_STATS_SCRIPT, url], capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[0, 1]"
