"""The overload scenario shows the seed reports' "the page keeps loading": under FCFS requests
wait past the client timeout and payments stall; a waiting room flattens the peak."""

from __future__ import annotations

import pytest

from sim.experiments import run_replication
from sim.policies.spec import PolicySpec
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def peaks() -> dict[str, dict[str, float]]:
    sc = load_scenario("overload")
    return {name: run_replication(sc.with_policies((PolicySpec(name=name),)), 0)[0]
            for name in ("fcfs", "waiting_room")}


@pytest.mark.slow
def test_fcfs_overload_is_timeouts_and_stalled_payments_not_only_503(peaks):
    fcfs = peaks["fcfs"]
    assert fcfs["peak_busy_fraction"] == pytest.approx(1.0)  # the workers are saturated
    assert fcfs["release_s_timeout_rate"] > 0.2  # the page keeps loading …
    assert fcfs["release_s_timeout_rate"] > fcfs["release_s_overloaded_rate"]  # … not a quick 503
    assert fcfs["stalled_payments"] > 0
    assert fcfs["recovery_s"] > 30  # lasts well past the release second
    assert fcfs["utilisation"] < 0.5  # what the horizon average would have shown instead


@pytest.mark.slow
def test_a_waiting_room_flattens_the_peak(peaks):
    fcfs, room = peaks["fcfs"], peaks["waiting_room"]
    assert room["peak_backlog"] < 0.5 * fcfs["peak_backlog"]
    assert room["release_s_timeout_rate"] < 0.5 * fcfs["release_s_timeout_rate"]
    assert room["stalled_payments"] < fcfs["stalled_payments"]
    assert room["recovery_s"] < fcfs["recovery_s"]
