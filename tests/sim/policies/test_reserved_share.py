"""Reserved share: slots kept for in-clinic follow-ups cannot be grabbed online — and online
patients lose them too."""

from __future__ import annotations

import numpy as np
from policy_kit import SEEDS, mean, patient_bookings, runs, scenario, with_policies

from sim.metrics.view import RunView
from sim.scenario.model import Scenario


def _bot_slots(v: RunView) -> int:
    return int(v.is_bot_person(v.final_bookings.person).sum())


def _clinic_bookings(v: RunView) -> int:
    """Bookings held at the end by the in-clinic segment's persons."""
    agents = v.table("agents")
    segment = np.asarray(agents.column("group").to_pylist(), dtype=object)
    persons = np.asarray(agents.column("person").to_numpy())[segment == "clinic"]
    return int(np.isin(v.final_bookings.person, persons).sum())


def _with_clinic() -> Scenario:
    """A strong crew, and 10 follow-up patients the doctor books in the consulting room
    between 1 and 10 minutes after T0 (when online is long sold out)."""
    data = scenario(overrides={"bots.0.devices": 6}).model_dump(mode="python", by_alias=True)
    clinic = {"segment": "clinic", "count": 10, "channel": "clinic",
              "arrival_s": {"dist": "uniform", "low": 60, "high": 600}, "retries": 3}
    return Scenario.model_validate({**data, "patients": [*data["patients"], clinic]})


def test_reserved_slots_are_out_of_bots_reach_and_go_to_in_clinic_patients() -> None:
    strong = _with_clinic()
    fcfs = runs(strong, SEEDS[:4])
    kept = runs(with_policies(strong, {"reserved_share": {"share": 0.3}}), SEEDS[:4])
    assert mean(_bot_slots(v) for v in fcfs) > 14
    assert max(_bot_slots(v) for v in kept) <= 14  # effect: the 6 reserved are protected
    assert max(_clinic_bookings(v) for v in fcfs) <= 1  # without a reserve: gone by then
    assert all(_clinic_bookings(v) == 6 for v in kept)  # the doctor books exactly the reserve
    patients = scenario(bots=False)
    assert mean(
        patient_bookings(v) for v in runs(with_policies(patients, "reserved_share"), SEEDS[:2])
    ) < mean(patient_bookings(v) for v in runs(patients, SEEDS[:2]))  # cost: fewer online


def test_unused_reserve_goes_online_later() -> None:
    sc = with_policies(scenario(bots=False),
                       {"reserved_share": {"share": 0.3, "release_unused_at_s": 120}})
    for v in runs(sc, SEEDS[:2]):
        b = v.table("bookings")
        event = np.asarray(b.column("event").to_pylist())
        t = np.asarray(b.column("t").to_numpy())
        assert int((event == "hold")[t < 120].sum()) <= 14  # only the online part before 10:00
        assert int((event == "hold")[t >= 120].sum()) >= 1  # the rest is booked after
