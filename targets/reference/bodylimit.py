"""The request-body limit, enforced while the body streams in, in front of every route.

A chunked body has no ``Content-Length``: reading it whole and measuring afterwards let one
unauthenticated client make the server hold 300 MB per request. :class:`BodyLimit` counts
bytes as the ASGI ``http.request`` messages arrive and answers 400 ``bad_request`` (with
``Connection: close``, so uvicorn stops reading the rest) as soon as the count passes the
limit; the app behind it gets the whole body, at most ``limit`` bytes, replayed. Admin routes
with the admin token may send more (a scenario, a provisioning batch).
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from targets.reference.errors import encode_answer

__all__ = ["ADMIN_BODY_BYTES", "BodyLimit"]

ADMIN_BODY_BYTES = 4 * 1024 * 1024  # a scenario or a provisioning batch of 20,000 accounts


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: at most ``limit`` body bytes per request (``admin_limit`` for admin
    routes that carry the admin token)."""

    def __init__(self, app: ASGIApp, limit: int, admin_token: str, admin_limit: int = ADMIN_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit
        self.admin_limit = admin_limit
        self._admin = f"Bearer {admin_token}".encode("latin-1")

    def limit_of(self, scope: Scope) -> int:
        """The limit for this request."""
        if not scope.get("path", "").startswith("/v1/admin/"):
            return self.limit
        auth = next((v for k, v in scope["headers"] if k.lower() == b"authorization"), b"")
        return self.admin_limit if hmac.compare_digest(auth, self._admin) else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
        try:
            body = await self._read(scope, receive, limit)
        except _TooLarge:
            await self._refuse(send, limit)
            return
        if body is None:  # the client went away
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _read(scope: Scope, receive: Receive, limit: int) -> bytes | None:
        declared = next((v for k, v in scope["headers"] if k.lower() == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        status, payload, _ = encode_answer("bad_request", message=f"request body larger than {limit} bytes")
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                   (b"connection", b"close")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
