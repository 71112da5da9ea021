"""Hold TTL: a short TTL limits seat spinning; slow payers lose their holds."""

from __future__ import annotations

import numpy as np
from policy_kit import SEEDS, mean, patient_bookings, runs, scenario, with_policies

from sim.metrics.view import RunView


def _events(v: RunView, event: str, patients_only: bool = False) -> int:
    b = v.table("bookings")
    hit = np.asarray(b.column("event").to_pylist()) == event
    if patients_only:
        hit &= np.isin(np.asarray(b.column("person").to_numpy()), v.patient_persons)
    return int(hit.sum())


def test_short_ttl_limits_seat_spinning() -> None:
    """Spun holds must be renewed every TTL; with a cap on cancellations the spinner runs out
    of renewals within minutes under a short TTL, but not under a long one."""
    spin = scenario(overrides={"bots.0.tactics": ["snipe", "seat_spin"]})
    cap = {"cancel_penalty": {"freeze": False, "max_cancels": 3}}
    long_ttl = runs(with_policies(spin, {"hold_ttl": {"ttl_s": 900}}, cap), SEEDS[:4])
    short_ttl = runs(with_policies(spin, {"hold_ttl": {"ttl_s": 60}}, cap), SEEDS[:4])
    plain = runs(with_policies(spin, {"hold_ttl": {"ttl_s": 60}}), SEEDS[:2])
    assert mean(_events(v, "cancel") for v in plain) > 5 * mean(
        _events(v, "cancel") for v in long_ttl
    )
    assert (
        mean(patient_bookings(v) for v in short_ttl)
        > mean(patient_bookings(v) for v in long_ttl) + 4
    )


def test_slow_payers_lose_holds_under_a_short_ttl() -> None:
    sc = scenario(bots=False)
    default = runs(sc, SEEDS[:4])
    short = runs(with_policies(sc, {"hold_ttl": {"ttl_s": 20}}), SEEDS[:4])
    assert sum(_events(v, "expire", patients_only=True) for v in default) == 0
    assert sum(_events(v, "expire", patients_only=True) for v in short) > 4  # the cost


def test_pay_at_booking_leaves_no_unpaid_holds() -> None:
    spin = scenario(overrides={"bots.0.tactics": ["snipe", "seat_spin"]})
    for v in runs(with_policies(spin, {"hold_ttl": {"pay_at_booking": True}}), SEEDS[:2]):
        assert _events(v, "hold") == _events(v, "confirm")  # every hold is paid at once
