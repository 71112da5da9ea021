"""Referral gate: bots without referrals get nothing; patients without one cannot book online,
and slots go unused when referrals are scarce."""

from __future__ import annotations

from policy_kit import SEEDS, outcome_statuses, runs, scenario, with_policies

from sim.domain.ledger import Ledger
from sim.metrics.view import RunView
from sim.policies.base import PolicyContext, Request
from sim.policies.referral_gate import ReferralGate, ReferralGateParams, referral_code
from sim.policies.store import MemoryStore
from sim.rng import Streams


def _bot_slots(v: RunView) -> int:
    return int(v.is_bot_person(v.final_bookings.person).sum())


def test_bots_shut_out_and_patients_without_referral_turned_away() -> None:
    half = scenario(
        overrides={
            "patients.0.referral_p": 0.5,
            "patients.1.referral_p": 0.5,
            "horizon.after_s": 300,
        }
    )
    for v in runs(with_policies(half, "referral_gate"), SEEDS[:3]):
        assert _bot_slots(v) == 0  # effect
        assert outcome_statuses(v).get("no_referral", 0) > 50  # cost: turned away
        assert len(v.final_bookings) == 20


def test_scarce_referrals_leave_slots_unused() -> None:
    scarce = scenario(
        bots=False, overrides={"patients.0.referral_p": 0.02, "patients.1.referral_p": 0.02}
    )
    for v in runs(with_policies(scarce, "referral_gate"), SEEDS[:2]):
        assert len(v.final_bookings) < 20  # wasted expert slots while patients were refused


def test_only_the_issued_code_for_that_person_passes() -> None:
    ctx = PolicyContext(
        MemoryStore(),
        Streams(1, 0).generator("policy"),
        Ledger(),
        900.0,
        {"e1": "expert", "g1": "general"},
        {"e1": "", "g1": ""},
    )
    gate = ReferralGate(ReferralGateParams(departments=("expert",)), ctx)
    own = {"session": "e1", "referral": referral_code(5)}
    assert gate.before(Request("hold", 5, 5, 5, own), 0.0) is None
    stolen = gate.before(Request("hold", 6, 6, 6, own), 0.0)  # someone else's code
    assert stolen is not None and stolen.code == "referral_required"
    assert gate.before(Request("hold", 6, 6, 6, {"session": "g1"}), 0.0) is None  # not gated
