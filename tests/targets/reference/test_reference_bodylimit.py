"""The 8 KiB body limit holds while the body streams in, on every route: a chunked body without
Content-Length used to be read whole before it was refused (4 × 300 MB → 1.68 GB RSS)."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from targets.reference.bodylimit import BodyLimit

CHUNK = 64 * 1024


def _run(app: Any, path: str = "/v1/login", headers: list[tuple[bytes, bytes]] | None = None,
         chunks: int = 10_000) -> tuple[int, int, list[dict[str, Any]]]:
    """Feed ``app`` an endless chunked body; (bytes it pulled, status, sent messages)."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += CHUNK
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": pulled < chunks * CHUNK}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers or []}
    asyncio.run(app(scope, receive, send))
    return pulled, sent[0]["status"], sent


async def _never_called(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("the app must not see an oversized body")


@pytest.mark.parametrize("path", ["/v1/login", "/v1/accounts", "/v1/holds", "/v1/ops/hold", "/v1/admin/load",
                                  "/nowhere"])
def test_an_endless_chunked_body_is_refused_after_the_limit(path: str) -> None:
    pulled, status, sent = _run(BodyLimit(_never_called, 8192, "a" * 32), path)
    assert status == 400 and pulled <= 8192 + CHUNK  # stopped at the first chunk over the limit
    assert json.loads(sent[1]["body"])["code"] == "bad_request"
    assert (b"connection", b"close") in sent[0]["headers"]  # uvicorn stops reading the rest


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    pulled, status, _ = _run(BodyLimit(_never_called, 8192, "a" * 32),
                             headers=[(b"content-length", b"9000")])
    assert (pulled, status) == (0, 400)


def test_only_the_admin_token_raises_the_limit() -> None:
    seen: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    limit = BodyLimit(app, 8192, "a" * 32, admin_limit=CHUNK * 4)
    admin = [(b"authorization", b"Bearer " + b"a" * 32)]
    assert _run(limit, "/v1/admin/load", admin, chunks=3)[1] == 200 and len(seen[0]) == 3 * CHUNK
    assert _run(limit, "/v1/admin/load", [(b"authorization", b"Bearer " + b"b" * 32)], chunks=3)[1] == 400
    assert _run(limit, "/v1/login", admin, chunks=3)[1] == 400


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # peak RSS: a body held only while it is read still counts
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _send_chunked(url: str, path: str, total: int) -> tuple[int, bytes]:
    """Stream ``total`` bytes chunked to ``path``; (bytes sent before the server stopped us, answer)."""
    host, port = url.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Transfer-Encoding: chunked\r\n\r\n".encode())
    sent, piece = 0, b"%x\r\n%s\r\n" % (CHUNK * 4, b" " * CHUNK * 4)
    try:
        while sent < total:
            s.sendall(piece)
            sent += CHUNK * 4
        s.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    try:
        while chunk := s.recv(65536):
            answer += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    s.close()
    return sent, answer


@pytest.mark.slow
def test_server_memory_stays_flat_under_oversized_chunked_bodies(tmp_path: Any, kit: Any) -> None:
    server = kit.serve(tmp_path)
    try:
        before = _rss_kib(server.proc.pid)
        for path in ("/v1/login", "/v1/accounts"):
            sent, answer = _send_chunked(server.url, path, 48 * 1024 * 1024)
            assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
            assert b'"code":"bad_request"' in answer
            assert sent < 48 * 1024 * 1024  # the server closed the connection instead of reading on
        grown_mib = (_rss_kib(server.proc.pid) - before) / 1024
        assert grown_mib < 24, f"server peak RSS grew {grown_mib:.0f} MiB"
    finally:
        server.stop()
