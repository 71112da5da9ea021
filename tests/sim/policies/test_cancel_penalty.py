"""Cancellation penalties: freezing stops a transfer crew with few accounts, and freezes every
patient who cancels for a real reason."""

from __future__ import annotations

from policy_kit import (
    SEEDS,
    mean,
    outcome_statuses,
    patient_bookings,
    policy_context,
    runs,
    scenario,
    with_policies,
)

from sim.metrics.economics import resale_mask
from sim.policies.base import Request
from sim.policies.cancel_penalty import CancelPenalty, CancelPenaltyParams
from sim.scenario.model import Scenario


def test_freeze_on_cancel_stops_hold_and_transfer_from_few_accounts() -> None:
    crew = scenario(
        overrides={
            "bots.0.tactics": ["snipe", "hold_and_transfer"],
            "bots.0.accounts": 2,
            "patients.0.resale_willing": 1.0,
            "patients.1.resale_willing": 1.0,
        }
    )
    fcfs = runs(crew, SEEDS[:4])
    frozen = runs(with_policies(crew, "cancel_penalty"), SEEDS[:4])
    assert mean(int(resale_mask(v).sum()) for v in fcfs) >= 3  # transfers go through
    assert mean(int(resale_mask(v).sum()) for v in frozen) <= 1  # each cancel burns an account


def test_patients_who_cancel_for_real_are_frozen_too() -> None:
    cancelling = scenario(
        bots=False, overrides={"patients.0.cancel_p": 0.3, "patients.1.cancel_p": 0.3}
    )
    fcfs = runs(cancelling, SEEDS[:6])
    frozen = runs(with_policies(cancelling, "cancel_penalty"), SEEDS[:6])
    assert sum(outcome_statuses(v).get("frozen", 0) for v in fcfs) == 0
    assert sum(outcome_statuses(v).get("frozen", 0) for v in frozen) > 10  # the cost
    assert mean(patient_bookings(v) for v in frozen) <= mean(patient_bookings(v) for v in fcfs)


def _penalty(**params: object) -> CancelPenalty:
    ctx = policy_context()
    return CancelPenalty(CancelPenaltyParams.model_validate(params), ctx)


def test_reverification_unfreezes_after_its_delay() -> None:
    pen = _penalty(reverify_s=600)
    hold = Request("hold", 1, 1, 1, {"session": "s"})
    pen.after(Request("cancel", 1, 1, 1, {"hold": 5}), "ok", {}, 10.0)
    frozen = pen.before(hold, 20.0)
    assert frozen is not None and frozen.code == "frozen"
    asked = pen.before(Request("reverify", 1, 1, 1), 30.0)
    assert asked is not None and asked.code == "queued" and asked.retry_after == 600.0
    assert pen.before(hold, 500.0).code == "frozen"
    assert pen.before(hold, 630.0) is None


def test_cancellation_cap_refuses_the_next_cancel() -> None:
    pen = _penalty(freeze=False, max_cancels=2)
    cancel = Request("cancel", 1, 1, 1, {"hold": 5})
    for t in (1.0, 2.0):
        assert pen.before(cancel, t) is None
        pen.after(cancel, "ok", {}, t)
    refused = pen.before(cancel, 3.0)
    assert refused is not None and refused.code == "rule_violation"
    assert pen.before(Request("cancel", 2, 2, 2, {"hold": 6}), 3.0) is None  # per account


def test_patients_who_re_verify_book_again() -> None:
    def cancelling(reverify_p: float) -> Scenario:
        return with_policies(
            scenario(bots=False, overrides={"patients.0.cancel_p": 0.3, "patients.1.cancel_p": 0.3,
                                            "patients.0.reverify_p": reverify_p,
                                            "patients.1.reverify_p": reverify_p}),
            {"cancel_penalty": {"reverify_s": 30}})

    willing = runs(cancelling(1.0), SEEDS[:4])
    unwilling = runs(cancelling(0.0), SEEDS[:4])
    assert sum(outcome_statuses(v).get("frozen", 0) for v in willing) == 0
    assert sum(outcome_statuses(v).get("frozen", 0) for v in unwilling) > 10
    assert mean(patient_bookings(v) for v in willing) > mean(patient_bookings(v) for v in unwilling)
