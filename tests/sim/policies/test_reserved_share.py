"""Reserved share: slots kept for in-clinic follow-ups cannot be grabbed online — and online
patients lose them too."""

from __future__ import annotations

import numpy as np
from policy_kit import SEEDS, mean, patient_bookings, runs, scenario, with_policies

from sim.metrics.view import RunView


def _released(v: RunView) -> int:
    b = v.table("bookings")
    released = np.asarray(b.column("event").to_pylist()) == "release"
    return int(np.asarray(b.column("count").to_numpy())[released].sum())


def _bot_slots(v: RunView) -> int:
    return int(v.is_bot_person(v.final_bookings.person).sum())


def test_reserved_slots_are_out_of_bots_reach_and_of_online_patients_reach() -> None:
    strong = scenario(overrides={"bots.0.devices": 6})  # a crew that takes nearly everything
    fcfs = runs(strong, SEEDS[:4])
    kept = runs(with_policies(strong, {"reserved_share": {"share": 0.3}}), SEEDS[:4])
    assert mean(_bot_slots(v) for v in fcfs) > 14
    assert all(_released(v) == 14 for v in kept)  # 6 of 20 never go online
    assert max(_bot_slots(v) for v in kept) <= 14  # effect: the reserve is protected
    patients = scenario(bots=False)
    assert mean(
        patient_bookings(v) for v in runs(with_policies(patients, "reserved_share"), SEEDS[:2])
    ) < mean(patient_bookings(v) for v in runs(patients, SEEDS[:2]))  # cost: fewer online


def test_unused_reserve_goes_online_later() -> None:
    sc = with_policies(scenario(), {"reserved_share": {"share": 0.3, "release_unused_at_s": 120}})
    for v in runs(sc, SEEDS[:2]):
        b = v.table("bookings")
        released = np.asarray(b.column("event").to_pylist()) == "release"
        times = np.asarray(b.column("t").to_numpy())[released]
        assert _released(v) == 20 and sorted(set(times.tolist())) == [0.0, 120.0]
