"""Slow and idle clients meet deliberate deadlines (real uvicorn server): headers dribbled in
are cut off after ``header_timeout_s``; an idle connection — fresh or kept alive — lives
``keep_alive_s``, longer than uvicorn's 5 s that dropped load clients waiting for T0."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=15)


def _health(s: socket.socket) -> bytes:
    """One ``GET /v1/health`` on ``s``; the whole response (headers and Content-Length body)."""
    s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += s.recv(4096)
    return data


def _closed_within(s: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed ``s`` (None if still open after ``seconds``)."""
    start = time.monotonic()
    s.settimeout(seconds)
    try:
        while s.recv(4096):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def test_headers_sent_slowly_are_cut_off(tmp_path: Any, kit: Any) -> None:
    server = kit.serve(tmp_path, header_timeout_s=1.0, keep_alive_s=30)
    try:
        partial = _connect(server.url)
        partial.sendall(b"POST /v1/login HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        dribble = _connect(server.url)
        start = time.monotonic()
        closed = False
        for byte in b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 60:
            try:
                dribble.sendall(bytes([byte]))  # one byte every 0.1 s: never idle, never done
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.1)
        assert closed or _closed_within(dribble, 3) is not None
        assert time.monotonic() - start < 5
        waited = _closed_within(partial, 10)
        assert waited is not None and waited < 5
    finally:
        server.stop()


def test_idle_connections_live_keep_alive_s(tmp_path: Any, kit: Any) -> None:
    server = kit.serve(tmp_path, keep_alive_s=9)
    try:
        fresh = _connect(server.url)  # connected before T0, says nothing yet
        kept = _connect(server.url)
        assert _health(kept).startswith(b"HTTP/1.1 200")
        time.sleep(6)  # longer than uvicorn's default keep-alive of 5 s
        assert _health(kept).startswith(b"HTTP/1.1 200")  # still open, reused
        assert _health(fresh).startswith(b"HTTP/1.1 200")
        waited = _closed_within(fresh, 15)  # and then idle: closed after keep_alive_s
        assert waited is not None and 6 < waited < 14
    finally:
        server.stop()
