"""P(best for patients) across the uncertainty: probabilities, ties, Wilson CIs, pool = here."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

from sim.experiments.matrix import plan_variants
from sim.experiments.sensitivity import uncertain_inputs
from sim.experiments.uncertain_best import best_probability, draw_points, wilson_interval
from sim.policies.spec import PolicySpec


def _uncertain(tiny):
    return tiny.model_copy(update={"uncertain": {"bots.c.devices": (1.0, 3.0)}})


def test_wilson_interval_matches_the_textbook_values():
    # Wilson (1927) score interval for 5/10 and 0/20 at 95 % (z = 1.96)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    low, high = wilson_interval(0, 20)
    assert low == 0.0 and high == pytest.approx(0.1611, abs=1e-4)


def test_draws_stay_in_range_and_are_reproducible(tiny):
    inputs = uncertain_inputs(_uncertain(tiny))
    draws = draw_points(inputs, 20, seed=3)
    assert draws == draw_points(inputs, 20, seed=3)
    assert all(1 <= d["bots.c.devices"] <= 3 and isinstance(d["bots.c.devices"], int) for d in draws)


def test_identical_stacks_share_every_win(tiny):
    sc = _uncertain(tiny)
    fcfs = (PolicySpec(name="fcfs"),)
    variants = plan_variants([fcfs, fcfs], {})
    result = best_probability(sc, variants, 3, seed=1)
    assert result.probability(0) == result.probability(1) == pytest.approx(0.5)  # always tied
    assert sum(r["p_best"] for r in result.rows()) == pytest.approx(1.0)


def test_pool_equals_sequential(tiny):
    sc = _uncertain(tiny)
    variants = plan_variants([(PolicySpec(name="fcfs"),), (PolicySpec(name="lottery"),)], {})
    here = best_probability(sc, variants, 2, seed=4)
    with ProcessPoolExecutor(max_workers=2) as pool:
        there = best_probability(sc, variants, 2, seed=4, executor=pool)
    assert here.wins == there.wins and here.draws == there.draws
