"""The load driver's JSON bodies: request bodies encoded, answers decoded, per request.

orjson does it in ~0.5 µs a body where the json module takes ~2.5 (decoding) and ~1.2
(encoding): about 8 % of the driver's CPU per request. The json module stays for what orjson
refuses (NaN and Infinity, keys that are not strings) and for answers with a run of 19 or more
digits: orjson reads an integer beyond 64 bits as a float, which would lose digits of, say, a
hold id. Either way the result is what the json module gives (``tests/sim/drivers/test_load_json.py``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["decode_body", "encode_body"]

_ENCODE = json.JSONEncoder(separators=(",", ":")).encode  # built once: dumps() builds one per call
_LONG_DIGITS = re.compile(rb"\d{19}")  # a number orjson may not read exactly


def encode_body(payload: Any) -> bytes:
    """A request body: compact JSON."""
    try:
        return orjson.dumps(payload)
    except TypeError:
        return _ENCODE(payload).encode()


def decode_body(body: bytes) -> Any:
    """An answer's JSON body, as ``json.loads`` reads it (``ValueError`` if it is not JSON)."""
    if _LONG_DIGITS.search(body) is None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # NaN, Infinity, or not JSON at all: the json module decides
    return json.loads(body)
