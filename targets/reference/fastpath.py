"""The booking operations' hot path as a plain ASGI layer in front of FastAPI.

At release time nearly every request is a hold, a confirm or a list. FastAPI's routing,
dependency solving and response classes cost more CPU than the booking itself (measured: a
trivial FastAPI endpoint ~75 µs of server CPU, the hold route through FastAPI ~285 µs), so
these routes are answered here directly — same functions (:func:`perform_core`,
``Service.handle``, :func:`answer`'s JSON), same errors — and every other path falls through
to the FastAPI app, which still declares these routes for OpenAPI.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from targets.reference.api import perform_core
from targets.reference.errors import ApiError, encode_answer
from targets.reference.service import Service
from targets.reference.wire import check_length, parse_json

__all__ = ["FastPath"]

_HOLD_ACTION = re.compile(r"^/v1/holds/([1-9][0-9]{0,17})/(confirm|cancel)$")
_log = logging.getLogger("slotgrab.reference")
_JSON = [(b"content-type", b"application/json")]
_HEADERS = {b"authorization", b"content-length", b"x-account", b"x-person", b"idempotency-key"}


def _route(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """(op, extra args) for a hot route, None for everything else."""
    if method == "POST":
        if path == "/v1/holds":
            return "hold", {}
        if path.startswith("/v1/ops/"):
            op = path[8:]
            return (op, {}) if 0 < len(op) <= 32 and "/" not in op else None
        m = _HOLD_ACTION.match(path)
        if m:
            return m.group(2), {"hold": int(m.group(1))}
    return None


def _encode(code: str, body: dict[str, Any] | None, retry_after: float | None,
            message: str | None = None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """:func:`encode_answer` with the ASGI response headers."""
    status, payload, retry_header = encode_answer(code, body, retry_after, message)
    headers = list(_JSON)
    if retry_header is not None:
        headers.append((b"retry-after", retry_header.encode()))
    return status, headers, payload


class FastPath:
    """ASGI middleware answering the booking routes without FastAPI's routing."""

    def __init__(self, app: ASGIApp, svc: Service) -> None:
        self.app = app
        self.svc = svc
        trusted = svc.settings.trusted_ip_header
        self.wanted = _HEADERS | ({trusted.lower().encode("latin-1")} if trusted else set())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _route(scope.get("method", ""), scope.get("path", "")) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        wanted = self.wanted
        headers = {}
        for k, v in scope["headers"]:
            name = k.lower()
            if name in wanted:
                headers[name.decode("latin-1")] = v.decode("latin-1")
        try:
            status, out_headers, payload = await self._answer(scope, receive, headers, *route)
        except ApiError as exc:
            status, out_headers, payload = _encode(exc.code, exc.body, None, exc.message)
        except Exception:  # a bug: log it, answer JSON like every other error
            _log.exception("error answering %s %s", scope.get("method"), scope.get("path"))
            status, out_headers, payload = _encode("internal_error", None, None, "internal error")
        out_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        await send({"type": "http.response.body", "body": payload})

    async def _answer(self, scope: Scope, receive: Receive, headers: dict[str, str], op: str,
                      extra: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        svc = self.svc
        limit = svc.settings.max_body_bytes
        check_length(headers.get("content-length"), limit)
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if len(raw) > limit:
                raise ApiError("bad_request", f"request body larger than {limit} bytes")
            if not message.get("more_body", False):
                break
        data = parse_json(raw, limit)
        client = scope.get("client")
        peer = client[0] if client else None
        if svc.inline:
            _, req = perform_core(svc, headers, data, peer, op, extra)
        elif svc.direct_ready(op):  # PostgreSQL checks the person in the op's one round trip
            _, req = perform_core(svc, headers, data, peer, op, extra, resolve_person=False)
        else:
            _, req = await svc.call(perform_core, svc, headers, data, peer, op, extra)
        reply = await svc.handle(req)
        return _encode(reply.code, reply.body, reply.retry_after)
