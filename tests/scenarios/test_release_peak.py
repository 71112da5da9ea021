"""The headline scenario reproduces what its sources report: under FCFS the crew takes ≈ 95 %."""

from __future__ import annotations

from sim.experiments import run_replication
from sim.scenario import load_scenario


def test_crew_takes_nearly_all_slots_under_fcfs_and_none_without_bots():
    sc = load_scenario("release-peak")
    assert sc.capacity == 30 and 2000 <= sc.patient_count <= 5000
    with_bots = [run_replication(sc, rep)[0] for rep in (0, 1)]
    assert all(s["bot_share"] >= 0.8 for s in with_bots)
    assert all(s["invariant_violations"] == 0 for s in with_bots)
    without, _ = run_replication(sc.with_overrides({"bots": []}), 0)
    assert without["bot_share"] == 0.0
    assert without["slots_confirmed"] == 30
    assert without["patient_success"] > max(s["patient_success"] for s in with_bots)
