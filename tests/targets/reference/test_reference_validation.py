"""Every operation's arguments are validated once, at the edge, with declared types: hostile
values get a JSON 4xx with a stable code, never a 500 (issue 12, "500 from any logged-in user")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from account_kit import register
from fastapi.testclient import TestClient

from targets.reference.app import create_app
from targets.reference.settings import Settings

ADMIN = {"Authorization": "Bearer " + "a" * 32}
SCENARIO: dict[str, Any] = {
    "name": "val",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 5}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


@pytest.fixture
def client(tmp_path: Any) -> tuple[TestClient, dict[str, str]]:
    settings = Settings(db=f"sqlite:///{tmp_path}/v.db", token_secret="s" * 32, admin_token="a" * 32,
                        password_iterations=1000)
    c = TestClient(create_app(settings), raise_server_exceptions=False)
    assert c.post("/v1/admin/load", json={"scenario": SCENARIO, "t0_in_s": -1}, headers=ADMIN).status_code == 200
    return c, register(c, 1, [11])


def _post(c: TestClient, path: str, raw: bytes, headers: dict[str, str]) -> Any:
    r = c.post(path, content=raw, headers={**headers, "Content-Type": "application/json"})
    assert r.headers["content-type"].startswith("application/json"), (r.status_code, r.text)
    assert r.status_code < 500, r.text
    return r


HOSTILE_HOLD_IDS = ["abc", None, [1], {}, "99999999999999999999", 1e300, 1.9, True, -1, 0, "1.0", " 1", "١"]


@pytest.mark.parametrize("op", ["confirm", "cancel"])
@pytest.mark.parametrize("hold", HOSTILE_HOLD_IDS, ids=repr)
def test_hostile_hold_ids_are_refused_422(client: Any, op: str, hold: Any) -> None:
    c, alice = client
    r = _post(c, f"/v1/ops/{op}", json.dumps({"hold": hold}).encode(), alice)
    assert (r.status_code, r.json()["code"]) == (422, "invalid"), r.text
    assert "hold" in r.json()["message"]


@pytest.mark.parametrize("op", ["confirm", "cancel"])
def test_a_hold_id_as_a_digit_string_is_the_same_hold(client: Any, op: str) -> None:
    c, alice = client
    hid = c.post("/v1/holds", json={"session": "s1"}, headers=alice).json()["hold_id"]
    r = _post(c, f"/v1/ops/{op}", json.dumps({"hold": str(hid)}).encode(), alice)
    assert (r.status_code, r.json()["hold_id"]) == (200, hid)


@pytest.mark.parametrize("dept", [[1], {}, 7, True, "x" * 65, "bad dept"], ids=repr)
def test_hostile_department_is_refused_422(client: Any, dept: Any) -> None:
    c, alice = client
    r = _post(c, "/v1/ops/list_sessions", json.dumps({"department": dept}).encode(), alice)
    assert (r.status_code, r.json()["code"]) == (422, "invalid"), r.text


@pytest.mark.parametrize("path", ["/v1/login", "/v1/accounts", "/v1/holds", "/v1/ops/hold",
                                  "/v1/accounts/me/persons", "/v1/admin/load"])
def test_json_nested_1000_deep_is_a_json_400(client: Any, path: str) -> None:
    c, alice = client
    raw = b'{"x": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    assert len(raw) < 8192
    r = _post(c, path, raw, {**alice, **(ADMIN if "admin" in path else {})})
    assert (r.status_code, r.json()["code"]) == (400, "bad_request"), r.text


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/holds", b'{"session": "\\ud800"}'),
    ("/v1/ops/hold", b'{"session": "s1", "key": "\\udfff"}'),
    ("/v1/login", b'{"account": 1, "password": "\\ud800\\ud800\\ud800\\ud800"}'),
    ("/v1/accounts", b'{"account": 3, "password": "\\ud800abcdefgh", "persons": [31]}'),
    ("/v1/holds", b'{"session": "s1", "person": 11, "referral": "\\ud800"}'),
])
def test_a_lone_surrogate_is_refused_with_json(client: Any, path: str, body: bytes) -> None:
    c, alice = client
    r = _post(c, path, body, alice)
    assert r.status_code in (400, 422), r.text


def test_an_internal_arg_cannot_skip_the_policy_checks(tmp_path: Any) -> None:
    """``deferred`` marks a slow-lane re-entry inside the service; a client sending it skipped
    every policy check (here the CAPTCHA) before undeclared args were refused."""
    settings = Settings(db=f"sqlite:///{tmp_path}/d.db", token_secret="s" * 32, admin_token="a" * 32,
                        password_iterations=1000)
    c = TestClient(create_app(settings))
    c.post("/v1/admin/load", json={"scenario": SCENARIO, "policies": ["captcha"], "t0_in_s": -1}, headers=ADMIN)
    alice = register(c, 1, [11])
    r = c.post("/v1/holds", json={"session": "s1", "deferred": True}, headers=alice)
    assert (r.status_code, r.json()["code"]) == (422, "invalid"), r.text
    assert c.post("/v1/holds", json={"session": "s1"}, headers=alice).json()["code"] == "captcha_required"


def test_wrong_method_is_405_not_400(client: Any) -> None:
    c, alice = client
    r = c.get("/v1/holds", headers=alice)
    assert (r.status_code, r.json()["code"]) == (405, "method_not_allowed")
    assert c.delete("/v1/login").status_code == 405


def test_login_and_register_bodies_are_typed(client: Any) -> None:
    c, _ = client
    for body in ({"account": "1", "password": 12345678}, {"account": True, "password": "x" * 8},
                 {"account": 1.5, "password": "x" * 8}, {"account": 2**63, "password": "x" * 8}):
        r = c.post("/v1/login", json=body)
        assert (r.status_code, r.json()["code"]) == (422, "invalid"), (body, r.text)
    r = c.post("/v1/accounts", json={"account": 4, "password": "x" * 8, "persons": [True]})
    assert r.status_code == 422


def test_a_bug_in_a_route_still_answers_json(client: Any, monkeypatch: Any) -> None:
    """A defect must not leak a text/plain 500 (``/v1/login`` did): JSON ``internal_error``."""
    c, _ = client
    svc = c.app.state.service  # type: ignore[attr-defined]

    def broken(account: int, password: str) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(svc.accounts, "login", broken)
    r = c.post("/v1/login", json={"account": 1, "password": "correct horse"})
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/json")
    assert r.json()["code"] == "internal_error"
