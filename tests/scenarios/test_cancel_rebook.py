"""Hakimov, Heller, Kübler and Kurino (AER 2021): scalpers profit under first come, first
served and stop profiting under batch-then-random allocation. The direction, on cancel-rebook
with its shipped service and crew."""

from __future__ import annotations

import pytest

from sim.experiments import run_replication
from sim.scenario import load_scenario


@pytest.mark.slow
def test_scalping_stops_paying_under_batch_then_random_allocation():
    sc = load_scenario("cancel-rebook")
    lottery = next(stack for stack in sc.compare if any(p.name == "lottery" for p in stack))
    fcfs = [run_replication(sc, rep)[0] for rep in (0, 1)]
    drawn = [run_replication(sc.with_policies(lottery), rep)[0] for rep in (0, 1)]
    assert all(s["scalper_profit"] > 1000 for s in fcfs)  # FCFS: scalping pays
    assert all(s["scalper_profit"] <= 0 for s in drawn)  # a draw: it no longer covers its costs
    assert all(s["bot_share_total"] < 0.2 for s in drawn)
