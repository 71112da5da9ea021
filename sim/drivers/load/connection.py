"""One kept-alive HTTP/1.1 connection per Locust user: the load driver's wire client.

Locust's ``FastHttpSession`` (geventhttpclient under a ``requests``-like layer) cost ≈ 0.1 ms
of CPU per request here: URL parsing, a cookie jar, header objects, a liveness ``select``,
regular expressions over every header, Locust's request event and statistics — none of which
the plan needs, since the engine records every request itself. :class:`HttpConnection` sends
what the adapter built as one write (request line, headers, body) on a gevent socket and parses
the answer with plain byte operations: ≈ 20 µs of CPU per request on loopback.

What it speaks: HTTP/1.1 over TCP or TLS (``https://``: certificates are not verified, as
Locust's ``FastHttpUser`` does not by default — load targets are often staging hosts with
self-signed ones), keep-alive; answers with a
``Content-Length``, ``Transfer-Encoding: chunked`` or a body delimited by the connection's
close; interim 1xx answers skipped; no body for ``HEAD``, 204 and 304; ``gzip``/``deflate``
bodies decoded (it never asks for them: no ``Accept-Encoding`` is sent, as ``wrk`` sends none).
No retries and no redirects: an answer is the target's first answer, and no answer at all is an
``OSError`` for the caller to count (status 0). No cookies: one user plays many agents in turn,
and an agent's identity is in the headers its adapter builds.

A connection the target closed while idle (its keep-alive timeout, between two calls of a slow
patient) is noticed before the next request with a non-blocking peek and opened again, the
way a browser does; the reconnection counts in that request's latency.
"""

from __future__ import annotations

import socket as _stdsocket
import ssl as _stdssl
import zlib
from typing import NamedTuple

from gevent import socket, ssl

__all__ = ["HttpConnection", "RawAnswer"]

_HEAD_END = b"\r\n\r\n"
_NO_BODY_STATUS = frozenset({204, 304})
_PEEK = _stdsocket.MSG_PEEK | _stdsocket.MSG_DONTWAIT
_RECV = 65536


def _unverified_tls() -> ssl.SSLContext:
    # gevent's class (its sockets yield to the hub); ssl.create_default_context gives the stdlib's
    ctx = ssl.SSLContext(_stdssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = _stdssl.CERT_NONE
    return ctx


_TLS = _unverified_tls()


class RawAnswer(NamedTuple):
    """One HTTP answer: status, headers (names lower case; repeated ones joined by ``", "``)
    and the decoded body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


class HttpConnection:
    """A keep-alive HTTP/1.1 connection to ``host:port``, opened on first use (or again after
    the target closed it)."""

    def __init__(
        self, host: str, port: int, connect_timeout_s: float, network_timeout_s: float,
        tls: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout_s = connect_timeout_s
        self.network_timeout_s = network_timeout_s
        self.tls = tls
        name = f"[{host}]" if ":" in host else host  # an IPv6 address, as in its URL
        self.host_line = f"Host: {name}\r\n" if port == (443 if tls else 80) else f"Host: {name}:{port}\r\n"
        self._sock: socket.socket | None = None
        self._buf = b""  # read but not yet parsed (left over after an answer: garbage, see _live_socket)

    # ---- the socket ------------------------------------------------------------------------
    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        sock.setsockopt(_stdsocket.IPPROTO_TCP, _stdsocket.TCP_NODELAY, 1)
        if self.tls:
            sock = _TLS.wrap_socket(sock, server_hostname=self.host)  # handshakes within the timeout
        sock.settimeout(self.network_timeout_s)
        self._sock, self._buf = sock, b""
        return sock

    def close(self) -> None:
        """Close the socket (the next request opens a new one)."""
        if self._sock is not None:
            self._sock.close()
        self._sock, self._buf = None, b""

    def _live_socket(self) -> socket.socket:
        """The open socket, or a new one if there is none or the target has closed it: a
        non-blocking read finds the end of the stream (or bytes nobody asked for)."""
        sock = self._sock
        if sock is None:
            return self._open()
        if not self._buf and self._idle(sock):
            return sock
        self.close()  # closed by the target, or garbage waiting: start afresh
        return self._open()

    def _idle(self, sock: socket.socket) -> bool:
        """Whether the kept connection is open with nothing to read, as it should be."""
        try:
            if not self.tls:
                sock._sock.recv(1, _PEEK)  # the OS socket: gevent's recv would wait for data
            else:  # through TLS, which consumes what is not application data (session tickets)
                sock.settimeout(0.0)
                try:
                    sock.recv(1)
                finally:
                    sock.settimeout(self.network_timeout_s)
        except (BlockingIOError, _stdssl.SSLWantReadError):
            return True
        except OSError:
            pass
        return False

    # ---- one exchange ----------------------------------------------------------------------
    def request(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> RawAnswer:
        """Send one request and read its answer; ``OSError`` (a timeout included) if no answer
        came, after which the connection is closed."""
        head = _head(method, path, self.host_line, headers, body)
        try:
            sock = self._live_socket()
            data = head + body if body else head
            if self.tls:
                sock.sendall(data)
            else:
                _send_all(sock, data)
            answer, keep = self._read_answer(sock, method)
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return answer

    def _read_answer(self, sock: socket.socket, method: str) -> tuple[RawAnswer, bool]:
        while True:
            status, version, headers = self._read_head(sock)
            if status >= 200 or status == 101:
                break  # 1xx (100 Continue, 103 Early Hints) come before the real answer
        conn = headers.get("connection", "").lower()
        keep = "close" not in conn and (version != "HTTP/1.0" or "keep-alive" in conn)
        if method == "HEAD" or status in _NO_BODY_STATUS or status < 200:
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked(sock)
        elif "content-length" in headers:
            body = self._read_exactly(sock, int(headers["content-length"]))
        else:  # delimited by the end of the stream
            body, keep = self._read_to_close(sock), False
        encoding = headers.get("content-encoding", "").lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            body = zlib.decompress(body, 47 if encoding != "deflate" else zlib.MAX_WBITS)
        return RawAnswer(status, headers, body), keep

    def _fill(self, sock: socket.socket) -> None:
        data = sock.recv(_RECV)
        if not data:
            raise ConnectionResetError("the target closed the connection before answering")
        self._buf += data

    def _read_head(self, sock: socket.socket) -> tuple[int, str, dict[str, str]]:
        while (end := self._buf.find(_HEAD_END)) < 0:
            self._fill(sock)
        lines = self._buf[:end].decode("latin-1").split("\r\n")
        self._buf = self._buf[end + 4 :]
        version, _, rest = lines[0].partition(" ")
        try:
            status = int(rest[:3])
        except ValueError:
            raise ConnectionError(f"not an HTTP status line: {lines[0][:80]!r}") from None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return status, version, headers

    def _read_exactly(self, sock: socket.socket, n: int) -> bytes:
        while len(self._buf) < n:
            self._fill(sock)
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def _read_line(self, sock: socket.socket) -> bytes:
        while (end := self._buf.find(b"\r\n")) < 0:
            self._fill(sock)
        line, self._buf = self._buf[:end], self._buf[end + 2 :]
        return line

    def _read_chunked(self, sock: socket.socket) -> bytes:
        parts = []
        while size := int(self._read_line(sock).split(b";", 1)[0].strip() or b"0", 16):
            parts.append(self._read_exactly(sock, size))
            self._read_line(sock)  # the CRLF after the chunk
        while self._read_line(sock):  # trailer fields, up to the empty line
            pass
        return b"".join(parts)

    def _read_to_close(self, sock: socket.socket) -> bytes:
        parts = [self._buf]
        while data := sock.recv(_RECV):
            parts.append(data)
        self._buf = b""
        return b"".join(parts)


def _send_all(sock: socket.socket, data: bytes) -> None:
    """``sock.sendall(data)``, trying the OS socket once first: a request fits the socket's
    buffer nearly always, and gevent's ``sendall`` costs a timeout object per call."""
    try:
        sent = sock._sock.send(data)
    except BlockingIOError:
        sent = 0
    if sent < len(data):
        sock.sendall(data[sent:])


def _head(method: str, path: str, host_line: str, headers: dict[str, str], body: bytes | None) -> bytes:
    """The request line and header block, refusing CR/LF inside a header (request smuggling)."""
    lines = [f"{method} {path} HTTP/1.1\r\n", host_line]
    for name, value in headers.items():
        if "\n" in value or "\r" in value or "\n" in name or "\r" in name or ":" in name:
            raise ValueError(f"header {name!r}: CR, LF or ':' where they cannot be")
        lines.append(f"{name}: {value}\r\n")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body) if body else 0}\r\n")
    lines.append("\r\n")
    if " " in path or "\n" in path or "\r" in path:
        raise ValueError(f"request path {path!r}: whitespace where it cannot be")
    return "".join(lines).encode("latin-1")
