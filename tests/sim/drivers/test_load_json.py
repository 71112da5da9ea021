"""The load driver's JSON bodies (orjson, the json module where orjson would differ): every
answer reads as the json module reads it, every request body means what json.dumps says."""

from __future__ import annotations

import json
import math

import pytest

from sim.drivers.load.json_body import decode_body, encode_body

ANSWERS = [
    b'{"code":"ok","sessions":[{"id":"s1","remaining":30,"opens_at":0.0}]}',
    b'{"code": "ok", "hold_id": 18446744073709551615}',  # the largest uint64: orjson is exact
    b'{"code": "ok", "hold_id": 18446744073709551616}',  # one more: orjson would give a float
    b'{"hold_id": -9223372036854775809}',
    b'{"hold_id": 123456789012345678901234567890, "t": 1e300}',
    '{"name": "\u6302\u53f7", "esc": "\\u00e9"}'.encode(),
    b'[1, 2, 3]',
]


@pytest.mark.parametrize("body", ANSWERS)
def test_an_answer_decodes_exactly_as_the_json_module_decodes_it(body: bytes) -> None:
    got, want = decode_body(body), json.loads(body)
    assert got == want
    assert [type(v) for v in _leaves(got)] == [type(v) for v in _leaves(want)]


def test_nan_and_infinity_are_read_as_the_json_module_reads_them() -> None:
    got = decode_body(b'{"a": NaN, "b": Infinity}')
    assert math.isnan(got["a"]) and got["b"] == math.inf


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b'{"a": 1', b""])
def test_what_is_not_json_raises_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        decode_body(body)


@pytest.mark.parametrize("payload", [
    {"department": "derm", "person": 5},
    {"session": "s1", "key": "k-1", "captcha": {"id": 3, "correct": True}},
    {1: "an int key"},  # orjson refuses it; the json module makes it "1"
    {"big": 2**70, "t": 0.1},
])
def test_a_request_body_means_what_json_dumps_says(payload: dict[object, object]) -> None:
    body = encode_body(payload)
    assert isinstance(body, bytes)
    assert json.loads(body) == json.loads(json.dumps(payload))


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]
