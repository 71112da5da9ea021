"""Answers on the wire: JSON ``{code, message, …}`` with the HTTP status of the stable code.

Shared by the reference and the naive service, so both speak exactly the same error language
(``sim.domain.contract.STATUS_OF``).
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from sim.domain.contract import STATUS_OF

__all__ = ["HTTP_ONLY_STATUS", "ApiError", "answer", "encode_answer", "install_error_handlers"]

_CODE_OF_HTTP = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "bad_request", 422: "invalid", 429: "rate_limited"}
# Codes of the HTTP layer only (no operation answers them, so not in STATUS_OF).
HTTP_ONLY_STATUS = {"method_not_allowed": 405, "internal_error": 500}
_log = logging.getLogger("slotgrab.reference")


class ApiError(Exception):
    """Refuse a request with a stable ``code`` and a message."""

    def __init__(self, code: str, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.body = body or {}


def encode_answer(code: str, body: dict[str, Any] | None = None, retry_after: float | None = None,
                  message: str | None = None) -> tuple[int, bytes, str | None]:
    """The answer for ``code`` on the wire: (status ``STATUS_OF[code]``, JSON body
    ``{"code": …, **body}``, the ``Retry-After`` header value or None)."""
    out: dict[str, Any] = {"code": code}
    if body:
        out.update(body)
    if message is not None:
        out["message"] = message
    elif code not in ("ok", "queued") and "message" not in out:
        out["message"] = str(out.get("error") or code.replace("_", " "))
    retry_header = None
    if retry_after is not None and math.isfinite(retry_after):
        out["retry_after"] = retry_after
        retry_header = str(max(0, math.ceil(retry_after)))
    status = STATUS_OF.get(code) or HTTP_ONLY_STATUS.get(code, 500)
    return status, json.dumps(out, separators=(",", ":"), default=str).encode(), retry_header


def answer(code: str, body: dict[str, Any] | None = None, retry_after: float | None = None,
           message: str | None = None) -> Response:
    """The response for ``code``: status ``STATUS_OF[code]``, body ``{"code": …, **body}``."""
    status, content, retry_header = encode_answer(code, body, retry_after, message)
    headers = None if retry_header is None else {"Retry-After": retry_header}
    return Response(content, status, headers, media_type="application/json")


def install_error_handlers(app: FastAPI) -> None:
    """Every error, including FastAPI's own, becomes ``{code, message}``."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return answer(exc.code, exc.body, message=exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        return answer("invalid", message=problems or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _CODE_OF_HTTP.get(exc.status_code, "bad_request")
        return answer(code, message=str(exc.detail))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:  # a bug: still JSON, logged
        _log.error("error answering %s %s", request.method, request.url.path, exc_info=exc)
        return answer("internal_error", message="internal error")
