"""The comparison matrix: variants, and parallel results identical to sequential ones."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from sim.experiments.matrix import Variant, plan_variants, run_matrix
from sim.experiments.ranking import rank_variants, welch_p
from sim.scenario.model import PolicySpec, Scenario

FCFS = (PolicySpec(name="fcfs"),)
CAPTCHA = (PolicySpec(name="captcha"),)


def _same(a: list[list[dict[str, float]]], b: list[list[dict[str, float]]]) -> bool:
    def eq(x: float, y: float) -> bool:
        return (math.isnan(x) and math.isnan(y)) or x == y

    return all(sa.keys() == sb.keys() and all(eq(sa[k], sb[k]) for k in sa)
               for ra, rb in zip(a, b, strict=True) for sa, sb in zip(ra, rb, strict=True))


def test_variants_multiply_stacks_by_sweep_combinations(tiny: Scenario) -> None:
    variants = plan_variants([FCFS, CAPTCHA], {"bots.0.lanes": [1, 2], "service.workers": [4]})
    assert [v.label for v in variants] == [
        "fcfs [bots.0.lanes=1, service.workers=4]",
        "fcfs [bots.0.lanes=2, service.workers=4]",
        "captcha [bots.0.lanes=1, service.workers=4]",
        "captcha [bots.0.lanes=2, service.workers=4]",
    ]
    sc = variants[3].scenario(tiny)
    assert sc.bots[0].lanes == 2 and sc.policies == CAPTCHA
    assert tiny.bots[0].lanes != 2 or tiny.policies != CAPTCHA  # the base is untouched


def test_named_sweep_options_set_several_paths_together(tiny: Scenario) -> None:
    options = {"slow": {"bots.0.lanes": 1, "bots.0.rate_per_s": 5}, "fast": {}}
    slow, fast = plan_variants([FCFS], {"crew": options})
    assert slow.label == "fcfs [crew=slow]" and fast.label == "fcfs [crew=fast]"
    sc = slow.scenario(tiny)
    assert (sc.bots[0].lanes, sc.bots[0].rate_per_s) == (1, 5)
    assert fast.scenario(tiny).bots == tiny.bots


def test_parallel_results_are_identical_to_sequential(tiny: Scenario) -> None:
    variants = [Variant(FCFS), Variant(CAPTCHA)]
    seq = run_matrix(tiny, variants, range(3))
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        par = run_matrix(tiny, variants, range(3), pool)
    assert _same(seq.summaries, par.summaries)
    assert seq.stats[0]["bot_share"].values == par.stats[0]["bot_share"].values


def test_dask_cluster_matches_the_local_run(tiny: Scenario) -> None:
    distributed = pytest.importorskip("distributed")
    variants = [Variant(FCFS), Variant(CAPTCHA)]
    local = run_matrix(tiny, variants, range(2))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = run_matrix(tiny, variants, range(2), client.get_executor())
    assert _same(local.summaries, on_dask.summaries)


def test_ranking_puts_the_lowest_bot_share_first_and_tests_differences(tiny: Scenario) -> None:
    seen: list[Any] = []
    result = run_matrix(tiny, [Variant(FCFS), Variant(CAPTCHA)], range(4), on_done=seen.append)
    assert len(seen) == 8
    ranking = rank_variants(result.stats)
    first, second = (result.stats[r.index]["bot_share_total"].mean for r in ranking)
    assert first <= second
    assert ranking[0].rank == 1 and math.isnan(ranking[0].p_vs_best["bot_share_total"])
    assert 0.0 <= ranking[1].p_vs_best["bot_share_total"] <= 1.0


def test_welch_p_says_equal_samples_are_not_different() -> None:
    assert welch_p([1, 1, 1], [1, 1, 1]) == 1.0
    assert welch_p([0, 0, 0], [1, 1, 1]) == 0.0
    assert welch_p([0.1, 0.2, 0.3, 0.2], [0.9, 0.8, 1.0, 0.9]) < 0.01
    assert math.isnan(welch_p([1.0], [2.0, 3.0]))
