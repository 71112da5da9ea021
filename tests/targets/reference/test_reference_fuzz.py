"""Fuzz every operation's arguments (hypothesis): whatever JSON a logged-in user sends — wrong
types, huge or non-finite numbers, lone surrogates, deep nesting, unknown names — the answer is
a JSON object with a stable code and a status below 500. Every registered policy is loaded
(one stack per policy, so each one's own ops and arg reads are reached)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.agents.actions import OPS
from sim.policies.registry import all_policies
from targets.reference.app import create_app
from targets.reference.bodies import ARG_NAMES
from targets.reference.settings import Settings

pytestmark = pytest.mark.slow

ADMIN = {"Authorization": "Bearer " + "a" * 32}
SCENARIO: dict[str, Any] = {
    "name": "fuzz",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 20},
                                                           {"id": "s2", "capacity": 3}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}
PARAMS: dict[str, dict[str, Any]] = {"slow_queue": {"delay_s": 0.001, "jitter_s": 0.0},
                                     "waiting_room": {"open_s": -100, "rate_per_s": 1000}}

_scalars = (st.none() | st.booleans() | st.integers() | st.integers(-3, 30)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40)
            | st.sampled_from(["s1", "s2", "derm", "1", "11", "2", "99999999999999999999", "\ud800", "a\x00b",
                               "1.0", "-1", "0x1", "k-1", "\u0661"]))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.sampled_from(["id", "correct", "x", "hold"]), inner, max_size=3),
                       max_leaves=8)
_names = st.sampled_from([*ARG_NAMES, "deferred", "account", "ip", "x", "Bad-Name", ""])
_read = st.sampled_from(["hold", "department", "session", "person", "captcha", "key", "token", "referral"])
# half the time one of the args the booking core or a policy reads, with a hostile value
_args = st.dictionaries(_names, _values, max_size=6) | st.builds(
    lambda name, value, rest: {**rest, name: value}, _read, _values, st.dictionaries(_names, _values, max_size=2))


def _body(args: dict[str, Any], deep: int) -> bytes:
    raw = json.dumps(args, allow_nan=True).encode()  # NaN/Infinity literals and \\ud800 escapes included
    if deep:
        raw = raw[:-1] + (b", " if args else b"") + b'"d": ' + b"[" * deep + b"]" * deep + b"}"
    return raw


def _client(tmp_path: Path, policy: str | None) -> tuple[TestClient, dict[str, str], list[str]]:
    settings_ = Settings(db=f"sqlite:///{tmp_path}/{policy or 'none'}.db", token_secret="s" * 32,
                         admin_token="a" * 32, password_iterations=1000, trusted_ip_header="X-Client-IP")
    c = TestClient(create_app(settings_), raise_server_exceptions=False)
    stack = [{"name": policy, "params": PARAMS.get(policy, {})}] if policy else None
    r = c.post("/v1/admin/load", json={"scenario": SCENARIO, "policies": stack, "t0_in_s": -1}, headers=ADMIN)
    assert r.status_code == 200, r.text
    token = c.post("/v1/admin/accounts", json={"accounts": [{"account": 1, "persons": [11, 12]}]},
                   headers=ADMIN).json()["tokens"]["1"]
    ops = [*OPS, *(all_policies()[policy].ops if policy else ())]
    return c, {"Authorization": f"Bearer {token}"}, ops


def _check(r: Any) -> None:
    assert r.status_code < 500, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json"), r.text[:300]
    assert isinstance(r.json().get("code"), str)


@pytest.mark.parametrize("policy", [None, *sorted(all_policies())])
def test_no_args_make_any_operation_fail(tmp_path: Path, policy: str | None) -> None:
    c, auth, ops = _client(tmp_path, policy)

    @given(op=st.sampled_from(ops), args=_args, deep=st.sampled_from([0, 0, 0, 5, 1200]),
           ip=st.sampled_from(["10.0.0.1", "2001:db8::7", "340282366920938463463374607431768211455", "1e9", "::"]),
           key=st.none() | st.text(max_size=70))
    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def fuzz(op: str, args: dict[str, Any], deep: int, ip: str, key: str | None) -> None:
        headers = {**auth, "Content-Type": "application/json", "X-Client-IP": ip}
        if key is not None and key.isascii() and key.isprintable():
            headers["Idempotency-Key"] = key
        _check(c.post(f"/v1/ops/{op}", content=_body(args, deep), headers=headers))

    fuzz()


_url_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=25)


@given(hold=_url_text.map(lambda t: quote(t, safe="")) | st.integers().map(str), dept=_url_text)
@settings(max_examples=80, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_path_or_query_makes_a_named_route_fail(tmp_path_factory: Any, hold: str, dept: str) -> None:
    c, auth, _ = _CACHED.get("c") or _CACHED.setdefault("c", _client(tmp_path_factory.mktemp("named"), "captcha"))
    for path in (f"/v1/holds/{hold}/confirm", f"/v1/holds/{hold}/cancel"):
        _check(c.post(path, headers=auth))
    _check(c.get(f"/v1/holds/{hold}", headers=auth))
    _check(c.get("/v1/sessions", params={"department": dept}, headers=auth))


_CACHED: dict[str, Any] = {}
