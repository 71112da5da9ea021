"""Slow queue: suspicious requests are served late, so bots arrive after the slots are gone;
patients who click often share the slow lane."""

from __future__ import annotations

import numpy as np
from policy_kit import SEEDS, bot_share, mean, runs, scenario, with_policies

from sim.metrics.view import RunView


def _patient_latency(v: RunView, op: str) -> float:
    r = v.table("requests")
    mine = v.request_is_patient & (np.asarray(r.column("op").to_pylist()) == op)
    done = np.asarray(r.column("t_done").to_numpy())[mine]
    sent = np.asarray(r.column("t_sent").to_numpy())[mine]
    return float((done - sent).mean())


def test_bots_are_served_too_late_patients_who_refresh_often_wait_too() -> None:
    base = scenario()
    fcfs = runs(base, SEEDS[:4])
    slowed = runs(with_policies(base, "slow_queue"), SEEDS[:4])
    assert mean(bot_share(v) for v in fcfs) > 0.2
    assert mean(bot_share(v) for v in slowed) < 0.5 * mean(bot_share(v) for v in fcfs)
    # the cost: with a strict rule, patients' ordinary refreshes land in the slow lane too
    strict = {"slow_queue": {"threshold": 1, "window_s": 60, "ops": ["list_sessions", "hold"]}}
    patients = scenario(bots=False)
    plain = runs(patients, SEEDS[:2])
    strict_runs = runs(with_policies(patients, strict), SEEDS[:2])
    assert mean(_patient_latency(v, "list_sessions") for v in strict_runs) > 1.0 + mean(
        _patient_latency(v, "list_sessions") for v in plain
    )
