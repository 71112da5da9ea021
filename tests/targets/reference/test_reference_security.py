"""Each security rule of the reference service, tried as an attack and refused.

In process (Starlette's TestClient); the client address is set per client, so the IP rules
are tested against a known TCP peer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from account_kit import register
from fastapi.testclient import TestClient

from targets.reference.app import create_app
from targets.reference.auth import TokenSigner
from targets.reference.settings import Settings

SECRET = "s" * 32
ADMIN = "a" * 32
SCENARIO: dict[str, Any] = {
    "name": "sec",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 5}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


def _client(tmp_path: Any, policies: list[Any] | None = None, peer: str = "10.0.0.1", **kw: Any) -> TestClient:
    settings = Settings(db=f"sqlite:///{tmp_path}/sec.db", token_secret=SECRET, admin_token=ADMIN,
                        password_iterations=1000, **kw)
    c = TestClient(create_app(settings), client=(peer, 5000))
    r = c.post("/v1/admin/load", json={"scenario": SCENARIO, "policies": policies, "t0_in_s": -1},
               headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200, r.text
    return c


@pytest.fixture
def two(tmp_path: Any) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    c = _client(tmp_path)
    yield c, register(c, 1, [11, 12]), register(c, 2, [21])


# ---- a person can only see, confirm and cancel their own bookings ---------------------------
def test_another_account_cannot_see_confirm_or_cancel_my_hold(two: Any) -> None:
    c, alice, mallory = two
    hid = c.post("/v1/holds", json={"session": "s1", "person": 11}, headers=alice).json()["hold_id"]
    assert c.get(f"/v1/holds/{hid}", headers=mallory).status_code == 404
    assert c.post(f"/v1/holds/{hid}/confirm", headers=mallory).json()["code"] == "not_found"
    assert c.post(f"/v1/holds/{hid}/cancel", headers=mallory).json()["code"] == "not_found"
    assert c.post("/v1/ops/cancel", json={"hold": hid}, headers=mallory).status_code == 404
    assert c.get("/v1/bookings", headers=mallory).json()["holds"] == []
    assert c.get(f"/v1/holds/{hid}", headers=alice).json()["state"] == "held"  # untouched


def test_cannot_book_for_a_person_of_another_account(two: Any) -> None:
    c, _alice, mallory = two
    r = c.post("/v1/holds", json={"session": "s1", "person": 11}, headers=mallory)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = c.post("/v1/holds", json={"session": "s1"}, headers={**mallory, "X-Account": "1"})
    assert r.status_code == 403


# ---- tokens are signed and expire ------------------------------------------------------------
def test_forged_tampered_expired_and_missing_tokens_are_refused(two: Any) -> None:
    c, alice, _ = two
    token = alice["Authorization"].removeprefix("Bearer ")
    _, _account, exp, sig = token.split(".")
    tampered = f"v1.2.{exp}.{sig}"  # claim account 2 with account 1's signature
    forged = TokenSigner("not-the-secret-xxxxxx", 3600).issue(1, time.time())[0]
    expired = TokenSigner(SECRET, 10).issue(1, time.time() - 60)[0]
    for bad in (tampered, forged, expired, "garbage", ""):
        r = c.post("/v1/holds", json={"session": "s1"}, headers={"Authorization": f"Bearer {bad}"})
        assert (r.status_code, r.json()["code"]) == (401, "unauthorized"), bad
    assert c.post("/v1/holds", json={"session": "s1"}).status_code == 401


def test_wrong_password_and_admin_provisioned_accounts_cannot_log_in(two: Any) -> None:
    c, _, _ = two
    assert c.post("/v1/login", json={"account": 1, "password": "wrong one"}).status_code == 401
    assert c.post("/v1/login", json={"account": 1, "password": "correct horse"}).status_code == 200
    c.post("/v1/admin/accounts", json={"accounts": [{"account": 9, "persons": [91]}]},
           headers={"Authorization": f"Bearer {ADMIN}"})
    assert c.post("/v1/login", json={"account": 9, "password": "!"}).status_code == 401


# ---- admin endpoints need the admin token ------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [
    ("post", "/v1/admin/load"), ("post", "/v1/admin/reset"), ("post", "/v1/admin/accounts"),
    ("get", "/v1/admin/bookings"), ("get", "/v1/admin/audit"),
])
def test_admin_routes_refuse_users_and_strangers(two: Any, method: str, path: str) -> None:
    c, alice, _ = two
    for headers in ({}, alice, {"Authorization": "Bearer " + "a" * 31 + "b"}):
        r = getattr(c, method)(path, headers=headers, **({"json": {}} if method == "post" else {}))
        assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
    assert c.get("/v1/sessions", headers=alice).json()["sessions"][0]["remaining"] == 5  # not reset


# ---- CAPTCHA answers are single-use and bound to the account -----------------------------------
def test_captcha_answer_is_single_use_and_bound_to_the_account(tmp_path: Any) -> None:
    c = _client(tmp_path, policies=["captcha"])
    alice, mallory = register(c, 1, [11]), register(c, 2, [21])
    r = c.post("/v1/holds", json={"session": "s1"}, headers=alice)
    assert (r.status_code, r.json()["code"]) == (428, "captcha_required")
    answer = {"id": r.json()["challenge_id"], "correct": True}
    stolen = c.post("/v1/holds", json={"session": "s1", "captcha": answer}, headers=mallory)
    assert stolen.json()["code"] == "captcha_required"  # another account's challenge
    mine = c.post("/v1/holds", json={"session": "s1"}, headers=alice).json()["challenge_id"]
    ok = c.post("/v1/holds", json={"session": "s1", "captcha": {"id": mine, "correct": True}}, headers=alice)
    assert ok.json()["code"] == "ok"
    again = c.post("/v1/holds", json={"session": "s1", "captcha": {"id": mine, "correct": True}}, headers=alice)
    assert again.json()["code"] == "captcha_required"  # replay


# ---- rate-limit keys do not trust X-Forwarded-For unless configured -----------------------------
def _audit_ips(c: TestClient) -> list[int]:
    rows = c.get("/v1/admin/audit", headers={"Authorization": f"Bearer {ADMIN}"}).json()["events"]
    return [r["ip"] for r in rows]


def test_x_forwarded_for_is_not_trusted_by_default(tmp_path: Any) -> None:
    c = _client(tmp_path, policies=[{"name": "rate_limit", "params": {"key": "ip", "burst": 2, "rate_per_s": 0.1}}])
    alice = register(c, 1, [11])
    codes = [c.get("/v1/sessions", headers={**alice, "X-Forwarded-For": f"192.0.2.{i}"}).json()["code"]
             for i in range(5)]
    assert codes.count("rate_limited") == 3  # one key: the TCP peer, whatever the header says
    assert set(_audit_ips(c)) == {int.from_bytes(bytes([10, 0, 0, 1]), "big")}


def test_configured_header_is_trusted_and_x_forwarded_for_still_is_not(tmp_path: Any) -> None:
    c = _client(tmp_path, trusted_ip_header="X-Client-IP")
    alice = register(c, 1, [11])
    c.get("/v1/sessions", headers={**alice, "X-Client-IP": "42", "X-Forwarded-For": "7"})
    c.get("/v1/sessions", headers={**alice, "X-Client-IP": "192.0.2.1"})
    assert _audit_ips(c) == [42, int.from_bytes(bytes([192, 0, 2, 1]), "big")]
    r = c.get("/v1/sessions", headers={**alice, "X-Client-IP": "not-an-ip"})
    assert r.status_code == 400


# ---- request bodies are validated ------------------------------------------------------------------
@pytest.mark.parametrize(("body", "status"), [
    (b"{not json", 400),
    (b"[1, 2]", 422),
    (b'{"session": "s1", "person": "11; DROP TABLE holds"}', 422),  # not an id: refused at the edge
    (b'{"session": "' + b"x" * 300 + b'"}', 422),
    (b'{"session": "s1", "x": 1e999}', 422),
    (b'{"session": "s1", "person": 99999999999999999999999}', 422),
    (b'{"session": "s1", "key": "has spaces"}', 422),
    (b'{"session": "s1", "Bad-Name": 1}', 422),
    (b'{"session": "s1", "captcha": {"nested": {"deep": 1}}}', 422),
    (b'{"session": "' + b"x" * 9000 + b'"}', 400),
])
def test_bad_bodies_are_refused_with_a_json_error(two: Any, body: bytes, status: int) -> None:
    c, alice, _ = two
    r = c.post("/v1/holds", content=body, headers={**alice, "Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert set(r.json()) >= {"code", "message"}


def test_bad_ids_and_op_names_are_refused(two: Any) -> None:
    c, alice, _ = two
    assert c.post("/v1/holds/0/confirm", headers=alice).status_code == 422
    assert c.post("/v1/holds/abc/confirm", headers=alice).status_code == 422
    assert c.post("/v1/ops/DROP%20TABLE", json={}, headers=alice).status_code == 400
    assert c.post("/v1/ops/" + "a" * 40, json={}, headers=alice).status_code == 422
    assert c.post("/v1/ops/no_such_op", json={}, headers=alice).json()["code"] == "not_found"
    bad = c.post("/v1/accounts", json={"account": -1, "password": "x" * 8, "persons": [1]})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid")
    assert c.post("/v1/accounts", json={"account": 5, "password": "short", "persons": [1]}).status_code == 422
    too_many = c.post("/v1/accounts", json={"account": 5, "password": "x" * 8, "persons": list(range(1, 10))})
    assert too_many.status_code == 422


def test_waiting_room_token_is_bound_to_the_account(tmp_path: Any) -> None:
    c = _client(tmp_path, policies=[{"name": "waiting_room", "params": {"open_s": -100, "rate_per_s": 1000}}])
    alice, mallory = register(c, 1, [11]), register(c, 2, [21])
    r = c.post("/v1/ops/enter_queue", json={}, headers=alice)
    if r.json()["code"] == "queued":  # admitted a few ms later
        time.sleep(float(r.json().get("retry_after", 0.01)) + 0.01)
        r = c.post("/v1/ops/enter_queue", json={}, headers=alice)
    token = r.json()["token"]
    stolen = c.post("/v1/holds", json={"session": "s1", "token": token}, headers=mallory)
    assert (stolen.status_code, stolen.json()["code"]) == (428, "waiting_room")
    assert c.post("/v1/holds", json={"session": "s1", "token": token}, headers=alice).json()["code"] == "ok"
