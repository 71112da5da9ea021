"""Which policy is best for patients across the uncertainty: ``slotgrab compare --uncertain N``.

Draws N points from the scenario's ``uncertain:`` ranges (uniform, independent), each with its
own replication number (the uncertainty is sampled jointly with the seeds), runs every variant
at every draw, and counts per variant how often it gives the highest patient success (ties
shared equally). Every variant sees the same draws and seeds (common random numbers), so the
count compares policies, not luck. Cells are pure functions: a pool gives the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass

import numpy as np

from sim.experiments.matrix import Variant, run_cell
from sim.experiments.sensitivity import UncertainInput, uncertain_inputs
from sim.scenario.model import Scenario

__all__ = ["BestResult", "best_probability", "draw_points", "wilson_interval"]

OUTCOME = "patient_success"


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default)."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def draw_points(inputs: Sequence[UncertainInput], n: int, seed: int) -> list[dict[str, float | int]]:
    """``n`` independent uniform draws from the ranges, as dotted-path overrides."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x0B5E]))
    u = rng.random((n, len(inputs)))
    return [{i.path: i.value(i.low + x * (i.high - i.low)) for i, x in zip(inputs, row, strict=True)}
            for row in u]


@dataclass
class BestResult:
    """Per variant label: how often it was best (shared ties count fractionally), out of ``n``."""

    labels: list[str]
    wins: list[float]
    n: int
    draws: list[dict[str, float | int]]

    def probability(self, i: int) -> float:
        """P(variant ``i`` is the best for patients) over the draws."""
        return self.wins[i] / self.n if self.n else math.nan

    def rows(self) -> list[dict[str, object]]:
        """One row per variant: label, probability and its Wilson 95 % CI."""
        out: list[dict[str, object]] = []
        for i, label in enumerate(self.labels):
            low, high = wilson_interval(self.wins[i], self.n)
            out.append({"variant": label, "p_best": self.probability(i), "ci_low": low,
                        "ci_high": high, "draws": self.n})
        return out


def _winners(values: Sequence[float]) -> list[int]:
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return []
    top = max(finite)
    return [i for i, v in enumerate(values) if v == top]


def best_probability(base: Scenario, variants: Sequence[Variant], n: int, seed: int,
                     executor: Executor | None = None,
                     on_done: Callable[[], None] | None = None) -> BestResult:
    """Run every variant at ``n`` uncertain draws and count who gives patients the most."""
    scenarios = [v.scenario(base) for v in variants]
    for sc in scenarios:
        uncertain_inputs(sc)  # SensitivityError naming a range a variant cannot take
    draws = draw_points(uncertain_inputs(base), n, seed)
    cells = [(j, i) for j in range(n) for i in range(len(variants))]
    points = {(j, i): scenarios[i].with_overrides(draws[j]) for j, i in cells}
    done: dict[tuple[int, int], float] = {}
    if executor is None:
        for j, i in cells:
            done[(j, i)] = run_cell(points[(j, i)], j).get(OUTCOME, math.nan)
            if on_done is not None:
                on_done()
    else:
        futures: dict[Future[dict[str, float]], tuple[int, int]] = {
            executor.submit(run_cell, points[c], c[0]): c for c in cells}
        for fut in as_completed(futures):
            done[futures[fut]] = fut.result().get(OUTCOME, math.nan)
            if on_done is not None:
                on_done()
    wins = [0.0] * len(variants)
    for j in range(n):
        top = _winners([done[(j, i)] for i in range(len(variants))])
        for i in top:
            wins[i] += 1.0 / len(top)
    return BestResult([v.label for v in variants], wins, n, draws)
