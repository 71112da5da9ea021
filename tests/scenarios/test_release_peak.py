"""The headline scenario reproduces what its sources report: under FCFS the crew takes ≈ 95 %."""

from __future__ import annotations

import numpy as np

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


def test_fcfs_bot_share_varies_by_seed_and_stays_in_the_reported_range():
    # Shenyang police: gangs took ≈ 95 % (CCTV-Shenyang). The result comes out of the race
    # between the crew's hold rate and the first human clicks, so it differs from seed to seed.
    sc = load_scenario("release-peak")
    shares = np.array([run_replication(sc, rep)[0]["bot_share"] for rep in range(8)])
    assert shares.std() > 0.005  # not a constant: timing is drawn, not fixed
    assert 0.8 <= shares.mean() <= 1.0  # ≈ 95 % reported; the scenario file states what moves it
    assert shares.min() >= 0.6


def _winning_deciles(summary: dict[str, float]) -> frozenset[str]:
    return frozenset(k.rsplit(".", 1)[1] for k, v in summary.items()
                     if k.startswith("success_by_reaction_decile.") and v == v and v > 0)


def test_fcfs_winners_are_not_always_the_same_decile():
    # At full scale the few patients who beat the crew are the fastest 0.1 % of 2,600 clicks:
    # the fastest decile in every seed, as extreme values are. Scaled so that one patient in ten
    # wins (300 patients, one device), the winners' deciles change from seed to seed.
    sc = load_scenario("release-peak").with_overrides(
        {"patients.0.count": 200, "patients.1.count": 60, "patients.2.count": 40,
         "bots.0.devices": 1})
    deciles = [_winning_deciles(run_replication(sc, rep)[0]) for rep in range(5)]
    assert len(set(deciles)) > 1
    assert any(d - {"d01"} for d in deciles)
