"""Sensitivity analysis: a known answer (an input the model never reads gets exactly 0, the
crew's size dominates bot share), reproducible for a seed, and a process pool = sequential."""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor

import pytest

from sim.experiments.sensitivity import (
    SensitivityError,
    analyze,
    design,
    run_design,
    uncertain_inputs,
)

# face_price only enters the scalper economics metrics: no agent or policy reads it, so it
# provably moves neither bot share nor patient success
RANGES = {"bots.c.devices": [1, 6], "bots.c.face_price": [10, 100]}


def _tiny_uncertain(tiny):
    return tiny.model_copy(update={"uncertain": {k: tuple(v) for k, v in RANGES.items()}})


def _nan_safe(summary):
    return {k: ("nan" if math.isnan(v) else v) for k, v in summary.items()}


def test_inputs_keep_integer_fields_integer(tiny):
    devices, price = uncertain_inputs(_tiny_uncertain(tiny))
    assert devices.integer and not price.integer
    assert devices.value(3.6) == 4 and price.value(12.5) == 12.5


def test_a_range_end_the_model_rejects_is_named(tiny):
    sc = tiny.model_copy(update={"uncertain": {"bots.c.devices": (0.0, 3.0)}})
    with pytest.raises(SensitivityError, match=r"uncertain.bots.c.devices: 0"):
        uncertain_inputs(sc)


def test_no_ranges_is_an_error(tiny):
    with pytest.raises(SensitivityError, match="no 'uncertain:' ranges"):
        uncertain_inputs(tiny)


def test_morris_null_input_gets_zero_and_crew_size_ranks_first(tiny):
    sc = _tiny_uncertain(tiny)
    d = design(uncertain_inputs(sc), "morris", 4, seed=11)
    result = analyze(d, run_design(sc, d))
    bots = result.indices["bot_share"]
    assert bots["bots.c.face_price"]["mu_star"] == 0.0  # common random numbers: exactly 0
    assert bots["bots.c.devices"]["mu_star"] > 0.05
    assert bots["bots.c.devices"]["mu"] > 0  # more devices, more bot slots
    assert result.ranking("bot_share")[0] == "bots.c.devices"


def test_sobol_null_input_has_no_total_effect(tiny):
    # 1–3 devices: below saturation, where the crew's size still changes its share
    sc = tiny.model_copy(update={"uncertain": {"bots.c.devices": (1.0, 3.0),
                                               "bots.c.face_price": (10.0, 100.0)}})
    d = design(uncertain_inputs(sc), "sobol", 8, seed=3)
    result = analyze(d, run_design(sc, d))
    bots = result.indices["bot_share"]
    assert bots["bots.c.face_price"]["ST"] == pytest.approx(0.0, abs=1e-12)
    assert bots["bots.c.devices"]["ST"] > 0.1
    assert result.ranking("bot_share")[0] == "bots.c.devices"


def test_sobol_needs_a_power_of_two(tiny):
    with pytest.raises(SensitivityError, match="power of 2"):
        design(uncertain_inputs(_tiny_uncertain(tiny)), "sobol", 6, seed=1)


def test_reproducible_and_parallel_equals_sequential(tiny):
    sc = _tiny_uncertain(tiny)
    d = design(uncertain_inputs(sc), "morris", 2, seed=5)
    again = design(uncertain_inputs(sc), "morris", 2, seed=5)
    assert (d.x == again.x).all() and (d.reps == again.reps).all()
    sequential = run_design(sc, d)
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = run_design(sc, d, pool)
    assert [_nan_safe(p) for p in parallel] == [_nan_safe(p) for p in sequential]
    assert analyze(d, parallel).indices == analyze(again, sequential).indices
