"""Proof-of-work in the reference service is a real ALTCHA challenge, verified (``pow_mode``).

In process (Starlette's TestClient). The difficulty is kept tiny (``pow_cost_s`` 0.01 at 100,000
derivations/s: counters below 2,000), so every solve takes milliseconds.
"""

from __future__ import annotations

from typing import Any

import altcha
import numpy as np
import pytest
from account_kit import register
from fastapi.testclient import TestClient

from sim.agents import script_for
from sim.agents.actions import Call, Response, Wait
from sim.agents.population import build_population
from sim.drivers.adapter import ReferenceAdapter, solve_pow
from sim.rng import Streams
from sim.scenario.model import Scenario
from targets.reference.app import create_app
from targets.reference.pow import ProofOfWork
from targets.reference.settings import Settings

SECRET = "s" * 32
ADMIN = "a" * 32
POW = {"name": "captcha", "params": {"kind": "pow", "pow_cost_s": 0.01}}
SCENARIO: dict[str, Any] = {
    "name": "pow",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 5}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
    "policies": [POW],
}
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}


def _client(tmp_path: Any, **kw: Any) -> TestClient:
    settings = Settings(db=f"sqlite:///{tmp_path}/pow.db", token_secret=SECRET, admin_token=ADMIN,
                        password_iterations=1000, pow_hashes_per_s=100_000, **kw)
    c = TestClient(create_app(settings), client=("10.0.0.1", 5000))
    r = c.post("/v1/admin/load", json={"scenario": SCENARIO, "t0_in_s": -1}, headers=ADMIN_HEADERS)
    assert r.status_code == 200, r.text
    return c


def _challenge(c: TestClient, who: dict[str, str]) -> dict[str, Any]:
    r = c.post("/v1/holds", json={"session": "s1"}, headers=who)
    assert (r.status_code, r.json()["code"]) == (428, "captcha_required")
    return dict(r.json())


def _hold(c: TestClient, who: dict[str, str], cid: Any, proof: str | None, correct: bool = True) -> str:
    body: dict[str, Any] = {"session": "s1", "captcha": {"id": cid, "correct": correct}}
    if proof is not None:
        body["altcha"] = proof
    return str(c.post("/v1/holds", json=body, headers=who).json()["code"])


@pytest.fixture
def pow_service(tmp_path: Any) -> tuple[TestClient, dict[str, str], dict[str, str]]:
    c = _client(tmp_path)
    return c, register(c, 1, [11]), register(c, 2, [21])


def test_challenge_is_a_signed_altcha_challenge_bound_to_the_account(pow_service: Any) -> None:
    c, alice, _ = pow_service
    body = _challenge(c, alice)
    assert body["kind"] == "pow" and body["cost_s"] == 0.01
    params = body["altcha"]["parameters"]
    assert params["data"] == {"account": 1, "challenge_id": body["challenge_id"]}
    assert params["algorithm"] == "SHA-256" and body["altcha"]["signature"]
    solution = altcha.solve_challenge(altcha.Challenge.from_dict(body["altcha"]))
    assert solution is not None and solution.counter < 2_000  # max number = 2 · 0.01 s · 100,000/s


def test_a_correct_solution_is_accepted_once(pow_service: Any) -> None:
    c, alice, _ = pow_service
    ch = _challenge(c, alice)
    proof = solve_pow(ch["altcha"])
    assert _hold(c, alice, ch["challenge_id"], proof) == "ok"
    assert _hold(c, alice, ch["challenge_id"], proof) == "captcha_required"  # reused


def test_a_reused_solution_is_refused_for_a_fresh_challenge(pow_service: Any) -> None:
    c, alice, _ = pow_service
    first = _challenge(c, alice)
    proof = solve_pow(first["altcha"])
    assert _hold(c, alice, first["challenge_id"], proof) == "ok"
    second = _challenge(c, alice)
    assert _hold(c, alice, second["challenge_id"], proof) == "captcha_failed"  # proves the old one


def test_a_solution_for_another_account_is_refused(pow_service: Any) -> None:
    c, alice, mallory = pow_service
    alices = _challenge(c, alice)
    proof = solve_pow(alices["altcha"])
    assert _hold(c, mallory, alices["challenge_id"], proof) == "captcha_required"  # her challenge
    mine = _challenge(c, mallory)
    assert _hold(c, mallory, mine["challenge_id"], proof) == "captcha_failed"  # her proof, my id


def test_a_wrong_or_missing_or_forged_solution_is_refused(pow_service: Any) -> None:
    c, alice, _ = pow_service
    ch = _challenge(c, alice)
    assert _hold(c, alice, ch["challenge_id"], solve_pow(ch["altcha"], correct=False)) == "captcha_failed"
    ch = _challenge(c, alice)
    assert _hold(c, alice, ch["challenge_id"], None) == "captcha_failed"  # claims correct, no proof
    ch = _challenge(c, alice)
    forged = altcha.create_challenge("SHA-256", 1, counter=0, hmac_secret="f" * 32,
                                     data={"account": 1, "challenge_id": ch["challenge_id"]})
    proof = solve_pow(forged.to_dict())  # solved, but not signed by this service
    assert _hold(c, alice, ch["challenge_id"], proof) == "captcha_failed"
    ch = _challenge(c, alice)
    assert _hold(c, alice, ch["challenge_id"], "not base64 at all") == "captcha_failed"


def test_claimed_mode_trusts_the_client_like_the_simulator(tmp_path: Any) -> None:
    c = _client(tmp_path, pow_mode="claimed")
    alice = register(c, 1, [11])
    ch = _challenge(c, alice)
    assert "altcha" not in ch
    assert _hold(c, alice, ch["challenge_id"], None) == "ok"


def test_difficulty_follows_the_policy_cost() -> None:
    pw = ProofOfWork("altcha", SECRET, hashes_per_s=400_000)
    assert pw.max_number(2.0) == 1_600_000
    assert pw.max_number(0.0) == 1
    assert pw.max_number(1e9) == 0xFFFFFFFF


def test_a_patient_on_the_load_path_solves_for_real_and_books(tmp_path: Any) -> None:
    """The patient script, played through the load driver's adapter as a Locust user plays it."""
    c = _client(tmp_path)
    sc = Scenario.model_validate(SCENARIO)
    spec = build_population(sc, Streams(sc.seed, 0)).agents[0]
    adapter = ReferenceAdapter()
    adapter.bind({"tokens": {str(spec.account): register(c, spec.account, list(spec.persons))[
        "Authorization"].removeprefix("Bearer ")}})
    script, t, codes = script_for(spec.role)(spec, np.random.default_rng(1)), 0.0, []
    action: Any = next(script)
    try:
        while True:
            if isinstance(action, Wait):
                t += action.seconds
                action = script.send(None)
                continue
            assert isinstance(action, Call)
            req = adapter.request(action.op, action.args)
            r = c.request(req.method, req.path, headers=req.headers, json=req.json)
            ans = adapter.answer(action.op, r.status_code, r.json(), dict(r.headers))
            codes.append((action.op, ans.code, "altcha" in (req.json or {})))
            action = script.send(Response(ans.code, ans.body, t, ans.retry_after))
    except StopIteration as stop:
        outcome = stop.value
    assert outcome.status == "booked", codes
    assert ("hold", "captcha_required", False) in codes
    assert ("hold", "ok", True) in codes  # the hold that got through carried a real proof
    assert adapter.pow_challenges == {}  # every challenge answered was used up
