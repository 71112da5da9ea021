"""Reading a request off the wire: JSON bodies, client IP, bearer token.

The reference service's bodies are declared models (:mod:`targets.reference.bodies`); the
hand-written :func:`op_args` and :func:`require_int` remain for the naive target only.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request

from targets.reference.bodies import parse_object
from targets.reference.errors import ApiError

__all__ = ["OP_NAME", "bearer", "check_length", "client_ip", "op_args", "parse_json", "read_json", "require_int"]

OP_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_ARG_NAME = OP_NAME
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_MAX_ARGS = 16
_MAX_STR = 256
_MAX_ALTCHA = 2048  # arg ``altcha``: a base64 ALTCHA payload (~700 chars), see pow.py
_INT64 = 2**63


def check_length(declared: str | None, limit: int) -> None:
    """400 if a declared ``Content-Length`` is not a number or exceeds ``limit``."""
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise ApiError("bad_request", f"request body larger than {limit} bytes")


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object (``{}`` when empty); 400 if too large or not JSON."""
    check_length(request.headers.get("content-length"), limit)
    return parse_json(await request.body(), limit)


def parse_json(raw: bytes, limit: int) -> dict[str, Any]:
    """A raw body as a JSON object (``{}`` when empty); 400 if too large or not JSON (pydantic's
    parser: nesting, lone surrogates and ``NaN`` are refused, never a RecursionError)."""
    if len(raw) > limit:
        raise ApiError("bad_request", f"request body larger than {limit} bytes")
    return parse_object(raw)


def _scalar_ok(v: Any) -> bool:
    if v is None or isinstance(v, bool):
        return True
    if isinstance(v, int):
        return -_INT64 <= v < _INT64
    if isinstance(v, float):
        return math.isfinite(v)
    return isinstance(v, str) and len(v) <= _MAX_STR


def op_args(data: dict[str, Any]) -> dict[str, Any]:
    """Validated operation args: scalars, short lists of scalars, or one-level objects of them."""
    if len(data) > _MAX_ARGS:
        raise ApiError("invalid", f"too many args ({len(data)} > {_MAX_ARGS})")
    for k, v in data.items():
        if not _ARG_NAME.match(k):
            raise ApiError("invalid", f"arg name {k[:40]!r} must match {_ARG_NAME.pattern}")
        if isinstance(v, dict):  # e.g. a CAPTCHA answer {id, correct}: one level of scalars
            if len(v) > _MAX_ARGS or not all(isinstance(a, str) and _ARG_NAME.match(a) and _scalar_ok(b)
                                             for a, b in v.items()):
                raise ApiError("invalid", f"arg {k!r}: objects hold at most {_MAX_ARGS} named scalars")
        elif isinstance(v, list):
            if len(v) > _MAX_ARGS or not all(_scalar_ok(x) and not isinstance(x, list) for x in v):
                raise ApiError("invalid", f"arg {k!r}: lists hold at most {_MAX_ARGS} scalars")
        elif k == "altcha" and isinstance(v, str) and len(v) <= _MAX_ALTCHA:
            continue
        elif not _scalar_ok(v):
            raise ApiError("invalid", f"arg {k!r}: expected null, bool, 64-bit int, finite number "
                                      f"or string of at most {_MAX_STR} chars")
    key = data.get("key")
    if key is not None and not (isinstance(key, str) and _KEY.match(key)):
        raise ApiError("invalid", f"idempotency key must match {_KEY.pattern}")
    return data


def require_int(value: Any, name: str, low: int = 0, high: int = _INT64 - 1) -> int:
    """``value`` as an int in [low, high] (bools and strings are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError("invalid", f"{name} must be an integer in [{low}, {high}], got {str(value)[:40]!r}")
    return value


IP_LIMIT = 2**128  # an IPv6 address as an integer; audit stores it as text


@functools.lru_cache(maxsize=4096)
def _ip_int(text: str) -> int:
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 39:
        value = int(text)
        if value >= IP_LIMIT:
            raise ValueError(text)
        return value
    return int(ipaddress.ip_address(text))


def client_ip(headers: Mapping[str, str], peer: str | None, trusted_header: str | None) -> int:
    """The client IP as an int in [0, 2^128): the TCP peer, or the trusted header when one is
    configured (``headers`` has lower-case names): an integer or an IPv4/IPv6 address."""
    if trusted_header:
        value = headers.get(trusted_header.lower())
        if value is not None:
            try:
                return _ip_int(value)
            except ValueError:
                raise ApiError("bad_request", f"{trusted_header}: not an IP address or an integer "
                                              f"below 2^128") from None
    try:
        return _ip_int(peer or "0.0.0.0")
    except ValueError:
        return 0


def bearer(headers: Mapping[str, str]) -> str:
    """The bearer token of the request; 401 if there is none."""
    header = headers.get("authorization", "")
    if not header.startswith("Bearer ") or len(header) > 256:
        raise ApiError("unauthorized", "Authorization: Bearer <token> required")
    return header[7:].strip()
