"""CAPTCHA: ML-solver bots are barely slowed; patients pay seconds and some failures."""

from __future__ import annotations

import numpy as np
from policy_kit import SEEDS, bot_share, burden, codes, mean, policy_context, runs, scenario, with_policies

from sim.metrics.view import RunView
from sim.policies.base import Request
from sim.policies.captcha import Captcha, CaptchaParams


def _first_bot_hold(v: RunView) -> float:
    b = v.table("bookings")
    holds = np.asarray(b.column("event").to_pylist()) == "hold"
    persons = np.asarray(b.column("person").to_numpy())
    t = np.asarray(b.column("t").to_numpy())[holds & v.is_bot_person(persons)]
    return float(t.min()) if len(t) else float("inf")


def test_ml_solver_bots_barely_slowed_patients_pay_seconds_and_failures() -> None:
    base = scenario()
    fcfs = runs(base, SEEDS[:6])
    grid = runs(with_policies(base, "captcha"), SEEDS[:6])
    # effect on bots: at most a second later to their first slot, and no smaller a share
    assert mean(_first_bot_hold(v) for v in grid) < mean(_first_bot_hold(v) for v in fcfs) + 1.0
    assert mean(bot_share(v) for v in grid) >= mean(bot_share(v) for v in fcfs)
    # cost to patients: ~20 s per image grid, and about one in five answers wrong
    assert mean(burden(v, "captcha_s") for v in grid) > 5.0
    assert sum(codes(v).get("captcha_failed", 0) for v in grid) > 0
    assert mean(burden(v, "captcha_s") for v in fcfs) == 0.0


def test_proof_of_work_costs_its_seconds_and_never_fails() -> None:
    pow_runs = runs(
        with_policies(scenario(bots=False), {"captcha": {"kind": "pow", "pow_cost_s": 3}}),
        SEEDS[:2],
    )
    assert all(codes(v).get("captcha_failed", 0) == 0 for v in pow_runs)
    solved = sum(codes(v).get("captcha_required", 0) for v in pow_runs)
    paid = sum(burden(v, "captcha_s") * len(v.patient_agents) for v in pow_runs)
    assert solved > 0 and abs(paid - 3.0 * solved) < 1e-6 * paid


def _captcha(**params: object) -> Captcha:
    ctx = policy_context()
    return Captcha(CaptchaParams.model_validate(params), ctx)


def _hold(account: int, captcha: dict[str, object] | None = None) -> Request:
    args: dict[str, object] = (
        {"session": "s"} if captcha is None else {"session": "s", "captcha": captcha}
    )
    return Request("hold", account, account, account, args)


def test_challenges_are_single_use_and_bound_to_the_account() -> None:
    cap = _captcha()
    ch = cap.before(_hold(1), 0.0)
    assert ch is not None and ch.code == "captcha_required"
    answer = {"id": ch.body["challenge_id"], "correct": True}
    assert cap.before(_hold(2, answer), 1.0).code == "captcha_required"  # other account
    ch = cap.before(_hold(1), 2.0)
    answer = {"id": ch.body["challenge_id"], "correct": True}
    assert cap.before(_hold(1, answer), 3.0) is None
    assert cap.before(_hold(1, answer), 4.0).code == "captcha_required"  # reused
    ch = cap.before(_hold(1), 5.0)
    assert (
        cap.before(_hold(1, {"id": ch.body["challenge_id"], "correct": False}), 6.0).code
        == "captcha_failed"
    )


def test_session_scope_asks_once_per_account() -> None:
    cap = _captcha(scope="session", session_ttl_s=60)
    ch = cap.before(_hold(1), 0.0)
    assert cap.before(_hold(1, {"id": ch.body["challenge_id"], "correct": True}), 1.0) is None
    assert cap.before(_hold(1), 30.0) is None  # within the session
    assert cap.before(_hold(1), 90.0).code == "captcha_required"  # session over
