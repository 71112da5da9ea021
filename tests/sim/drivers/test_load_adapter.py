"""The reference adapter maps calls onto the v1 contract and answers back onto stable codes."""

from __future__ import annotations

import pytest

from sim.drivers.adapter import ReferenceAdapter, TargetAdapter, code_of_status
from sim.drivers.adapter_loader import load_adapter


def test_call_goes_to_the_canonical_route_as_its_account_from_its_ip() -> None:
    a = ReferenceAdapter()
    a.bind({"tokens": {"7": "tok7"}})
    req = a.request("hold", {"account": 7, "person": 70, "ip": 3, "session": "d1-am", "key": "k1"})
    assert (req.method, req.path, req.name) == ("POST", "/v1/ops/hold", "hold")
    assert req.headers["Authorization"] == "Bearer tok7"
    assert req.headers["X-Client-IP"] == "3"
    assert req.headers["Idempotency-Key"] == "k1"
    assert req.json == {"person": 70, "session": "d1-am", "key": "k1"}


def test_answer_prefers_the_body_code_and_reads_retry_after() -> None:
    a = ReferenceAdapter()
    ans = a.answer("hold", 429, {"code": "rate_limited", "retry_after": 1.5}, {})
    assert (ans.code, ans.retry_after) == ("rate_limited", 1.5)
    assert a.answer("hold", 409, {}, {"retry-after": "2"}).code == "sold_out"
    assert a.answer("hold", 409, {"code": "nonsense"}, {}).code == "sold_out"
    assert a.answer("hold", 0, {}, {}).code == "network_error"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (200, "ok"),
        (204, "ok"),
        (202, "queued"),
        (503, "overloaded"),
        (500, "overloaded"),
        (418, "bad_request"),
    ],
)
def test_code_of_status(status: int, code: str) -> None:
    assert code_of_status(status) == code


def test_load_adapter_by_import_path() -> None:
    assert isinstance(load_adapter(None), ReferenceAdapter)
    assert isinstance(load_adapter("sim.drivers.adapter:ReferenceAdapter"), TargetAdapter)
    with pytest.raises(ValueError, match="MODULE:CLASS"):
        load_adapter("no-colon")
    with pytest.raises(ValueError, match="cannot import"):
        load_adapter("sim.drivers.adapter:Missing")
    with pytest.raises(ValueError, match="does not implement"):
        load_adapter("sim.drivers.adapter:TargetError")
