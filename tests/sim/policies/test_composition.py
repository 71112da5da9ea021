"""Every policy composes with the others in one stack; bad stacks fail with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from policy_kit import SEEDS, runs, scenario, with_policies

from sim.policies.registry import all_policies
from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.model import Scenario

_EVERYTHING = [
    {"reserved_share": {"share": 0.2, "release_unused_at_s": 200}},
    {"randomized_release": {"window_s": 30, "batches": 3}},
    {"waiting_room": {"rate_per_s": 20}},
    {"blacklist": {"max_requests": 30}},
    {"rate_limit": {"key": "ip", "rate_per_s": 3, "burst": 10}},
    {"slow_queue": {"threshold": 10}},
    {"captcha": {"kind": "checkbox", "scope": "session"}},
    "real_name",
    "referral_gate",
    {"cancel_penalty": {"reverify_s": 60}},
    {"lottery": {"close_s": 60}},
    {"hold_ttl": {"ttl_s": 300}},
    {"returned_slots": {"min_delay_s": 10, "max_delay_s": 60}},
    "fcfs",
]


def _busy_scenario() -> Scenario:
    return scenario(
        overrides={
            "bots.0.tactics": ["snipe", "hold_and_transfer", "scan"],
            "bots.0.on_rate_limit": "rotate",
            "patients.0.referral_p": 0.8,
            "patients.1.referral_p": 0.8,
            "patients.0.cancel_p": 0.1,
            "patients.0.resale_willing": 0.5,
            "horizon.after_s": 600,
        }
    )


def test_the_stack_names_every_registered_policy() -> None:
    named = {p if isinstance(p, str) else next(iter(p)) for p in _EVERYTHING}
    assert named == set(all_policies())


@pytest.mark.parametrize("stack", [_EVERYTHING, _EVERYTHING[::-1]], ids=["forward", "reversed"])
def test_all_policies_together_keep_the_invariants(stack: list[object]) -> None:
    for v in runs(with_policies(_busy_scenario(), *stack), SEEDS[:2]):  # invariants checked inside
        assert 0 < len(v.final_bookings) <= 20
        assert v.table("outcomes").num_rows == v.table("agents").num_rows


def test_waitlist_mode_composes_too() -> None:
    stack = [
        "real_name",
        {"cancel_penalty": {"freeze": False, "max_cancels": 2}},
        {"returned_slots": {"mode": "waitlist", "offer_ttl_s": 120}},
        {"hold_ttl": {"ttl_s": 60}},
    ]
    sc = scenario(overrides={"bots.0.tactics": ["snipe", "seat_spin"], "patients.0.cancel_p": 0.2})
    for v in runs(with_policies(sc, *stack), SEEDS[:2]):
        assert len(v.final_bookings) > 0


def _write(tmp_path: Path, policies: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\n"
        "supply: {departments: [{id: d, sessions: [{id: s, capacity: 2}]}]}\n"
        "patients: [{segment: a, count: 2, arrival_s: 0}]\n"
        f"policies: {policies}\n"
    )
    return path


@pytest.mark.parametrize(
    ("policies", "expected"),
    [
        ("[ratelimit]", ["unknown policy 'ratelimit'", "rate_limit", "waiting_room", "lottery"]),
        (
            "[{rate_limit: {key: phone}}]",
            ["'ip', 'account' or 'person'", "allowed params", "burst"],
        ),
        ("[{captcha: {kynd: text}}]", ["kynd", "allowed params", "kind (default 'image_grid')"]),
        ("[{lottery: {close_s: -5}}]", ["close_s", "open_s"]),
        ("[{returned_slots: {mode: shred}}]", ["'quarantine', 'waitlist' or 'onsite'"]),
    ],
)
def test_bad_policy_names_and_params_say_what_is_allowed(
    tmp_path: Path, policies: str, expected: list[str]
) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(_write(tmp_path, policies))
    message = str(err.value)
    assert "bad.yaml" in message and "policies" in message
    for part in expected:
        assert part in message
