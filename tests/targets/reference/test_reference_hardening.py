"""Inputs that used to poison the reference service (issue 12): CAPTCHA ids another account
could burn, client-IP headers the audit column could not hold, admin numbers that were NaN,
a configuration half loaded."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from account_kit import register
from fastapi.testclient import TestClient

from targets.reference import runtime as runtime_module
from targets.reference.app import create_app
from targets.reference.settings import Settings

ADMIN = {"Authorization": "Bearer " + "a" * 32}
SCENARIO: dict[str, Any] = {
    "name": "hard",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 5}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


def _client(tmp_path: Any, policies: list[Any] | None = None, **kw: Any) -> TestClient:
    settings = Settings(db=f"sqlite:///{tmp_path}/h.db", token_secret="s" * 32, admin_token="a" * 32,
                        password_iterations=1000, **kw)
    c = TestClient(create_app(settings), raise_server_exceptions=False)
    r = c.post("/v1/admin/load", json={"scenario": SCENARIO, "policies": policies, "t0_in_s": -1}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return c


# ---- CAPTCHA challenges cannot be named, let alone burnt, by another account ---------------------
def test_another_account_cannot_burn_my_captcha_challenge(tmp_path: Any) -> None:
    c = _client(tmp_path, policies=["captcha"])
    alice, mallory = register(c, 1, [11]), register(c, 2, [21])
    mine = c.post("/v1/holds", json={"session": "s1"}, headers=alice).json()["challenge_id"]
    theirs = c.post("/v1/holds", json={"session": "s1"}, headers=mallory).json()["challenge_id"]
    number, _, tag = str(theirs).partition(".")
    guesses = [mine, 1, 2, 3, "1", "2", str(mine).split(".")[0], f"{int(number) - 1}.{tag}"]
    for guess in guesses:  # Mallory answers with Alice's id and with every small number
        r = c.post("/v1/holds", json={"session": "s1", "captcha": {"id": guess, "correct": True}}, headers=mallory)
        assert r.json()["code"] == "captcha_required", (guess, r.text)
    ok = c.post("/v1/holds", json={"session": "s1", "captcha": {"id": mine, "correct": True}}, headers=alice)
    assert ok.json()["code"] == "ok", ok.text  # Alice's challenge survived


def test_captcha_ids_are_unguessable(tmp_path: Any) -> None:
    c = _client(tmp_path, policies=["captcha"])
    alice = register(c, 1, [11])
    ids = [c.post("/v1/holds", json={"session": "s1"}, headers=alice).json()["challenge_id"] for _ in range(3)]
    assert all(isinstance(i, str) and len(i) >= 20 for i in ids), ids
    assert len({i.split(".")[1] for i in ids}) == 3  # no shared, countable part besides the number


# ---- the trusted client-IP header takes IPv6 and any integer an IP can be -------------------------
@pytest.mark.parametrize(("header", "stored"), [
    ("2001:db8::1", 0x20010DB8000000000000000000000001),
    ("9999999999999999999", 9999999999999999999),  # > 2^63: used to overflow the BIGINT column
    (str(2**128 - 1), 2**128 - 1),
    ("::ffff:192.0.2.1", 0xFFFFC0000201),
])
def test_trusted_ip_header_with_ipv6_or_a_huge_integer(tmp_path: Any, header: str, stored: int) -> None:
    c = _client(tmp_path, trusted_ip_header="X-Client-IP")
    alice = register(c, 1, [11])
    r = c.post("/v1/holds", json={"session": "s1"}, headers={**alice, "X-Client-IP": header})
    assert r.status_code == 200, r.text
    audit = c.get("/v1/admin/audit", headers=ADMIN).json()["events"]
    assert audit[-1]["ip"] == stored


@pytest.mark.parametrize("header", [str(2**128), "99999999999999999999999999999999999999999", "1.2.3", "-1", "1e3"])
def test_an_ip_header_that_is_no_ip_is_a_json_400(tmp_path: Any, header: str) -> None:
    c = _client(tmp_path, trusted_ip_header="X-Client-IP")
    alice = register(c, 1, [11])
    r = c.get("/v1/sessions", headers={**alice, "X-Client-IP": header})
    assert (r.status_code, r.json()["code"]) == (400, "bad_request")


# ---- admin numbers are finite; a load is all or nothing -------------------------------------------
@pytest.mark.parametrize("body", [
    b'{"scenario": "release-peak", "t0": NaN}', b'{"scenario": "release-peak", "t0": Infinity}',
    b'{"scenario": "release-peak", "t0_in_s": NaN}', b'{"scenario": "release-peak", "t0": 1e300}',
    b'{"scenario": "release-peak", "t0": true}', b'{"scenario": "release-peak", "replication": 1.5}',
])
def test_non_finite_or_mistyped_admin_numbers_are_refused(tmp_path: Any, body: bytes) -> None:
    c = _client(tmp_path)
    r = c.post("/v1/admin/load", content=body, headers={**ADMIN, "Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    health = c.get("/v1/health")
    t0 = json.loads(health.text)["t0"]  # strict JSON: a NaN T0 made this unparsable
    assert math.isfinite(t0) and health.json()["scenario"] == "hard"


def _nan_offset_file(tmp_path: Path) -> Path:
    path = tmp_path / "nan.yaml"
    path.write_text("name: nan\nsupply:\n  departments:\n  - id: derm\n    sessions:\n"
                    "    - {id: a, capacity: 2}\n    - {id: b, capacity: 2, release_offset_s: .nan}\n"
                    "patients: [{segment: p, count: 1, arrival_s: 0}]\n")
    return path


def test_a_nan_release_offset_is_refused_and_the_previous_configuration_kept(tmp_path: Path) -> None:
    c = _client(tmp_path)
    alice = register(c, 1, [11])
    hid = c.post("/v1/holds", json={"session": "s1"}, headers=alice).json()["hold_id"]
    r = c.post("/v1/admin/load", json={"scenario": str(_nan_offset_file(tmp_path))}, headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (422, "invalid"), r.text
    assert c.get("/v1/health").json()["scenario"] == "hard"
    assert c.post(f"/v1/holds/{hid}/confirm", headers=alice).json()["state"] == "confirmed"


def test_a_load_that_fails_while_building_changes_nothing(tmp_path: Path, monkeypatch: Any) -> None:
    """Whatever makes the supply fail to build, the old configuration stays (one transaction):
    a half-written configuration used to stop the service from starting again on that file."""
    c = _client(tmp_path)
    alice = register(c, 1, [11])
    c.post("/v1/holds", json={"session": "s1"}, headers=alice)
    real = runtime_module.build_service

    def half_then_fail(sc: Any, replication: int, ledger: Any, store: Any) -> Any:
        ledger.add_session("half", "derm", "d", 3, [(0.0, 3)])  # something written, then a failure
        raise ValueError("session b: release batches exceed capacity")

    monkeypatch.setattr(runtime_module, "build_service", half_then_fail)
    other = {**SCENARIO, "name": "other"}
    r = c.post("/v1/admin/load", json={"scenario": other, "t0_in_s": -1}, headers=ADMIN)
    assert (r.status_code, r.json()["code"]) == (422, "invalid"), r.text
    monkeypatch.setattr(runtime_module, "build_service", real)
    assert c.get("/v1/health").json()["scenario"] == "hard"
    assert [s["id"] for s in c.get("/v1/sessions", headers=alice).json()["sessions"]] == ["s1"]
    # a restart on the same database finds the old configuration and its booking
    again = TestClient(create_app(Settings(db=f"sqlite:///{tmp_path}/h.db", token_secret="s" * 32,
                                           admin_token="a" * 32, password_iterations=1000)))
    assert again.get("/v1/health").json()["scenario"] == "hard"
    assert len(again.get("/v1/bookings", headers=alice).json()["holds"]) == 1
