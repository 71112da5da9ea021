"""Fairness among patients: Jain's index across segments, success by reaction and arrival decile.

Jain's index of x₁…xₙ is (Σx)² / (n·Σx²): 1 when every segment succeeds equally often,
1/n when one segment gets everything; undefined (NaN) when nobody got anything — equal
nothing is not fairness. Deciles rank patients by a trait (decile 1 = fastest
reaction / earliest arrival) into ten groups of (nearly) equal size.
"""

from __future__ import annotations

import math

import numpy as np

from sim.metrics.registry import metric_group
from sim.metrics.slots import success_by_segment
from sim.metrics.view import RunView

__all__ = ["fairness_metrics", "jain_index", "success_by_decile"]

DECILES = 10


def jain_index(values: np.ndarray | list[float]) -> float:
    """Jain's fairness index of non-negative values, in [1/n, 1]; NaN if there are none or all
    are zero (0/0: a release where no segment got a slot says nothing about fairness)."""
    x = np.asarray(values, dtype=np.float64)
    if len(x) == 0:
        return math.nan
    sq = float((x * x).sum())
    return math.nan if sq == 0 else float(x.sum() ** 2 / (len(x) * sq))


def success_by_decile(run: RunView, trait: str) -> np.ndarray:
    """Patient success (0–1) in each decile of ``trait`` (an ``agents`` column such as
    ``reaction`` or ``arrival``), decile 1 = smallest values; NaN for an empty decile. Equal
    values are ranked in plan order (deterministic, so replications stay comparable)."""
    values = run.patient_trait(trait).astype(np.float64)
    n = len(values)
    out = np.full(DECILES, np.nan)
    if n == 0:
        return out
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(values, kind="stable")] = np.arange(n)
    decile = rank * DECILES // n
    ok = run.patient_success
    for d in range(DECILES):
        members = decile == d
        if members.any():
            out[d] = ok[members].mean()
    return out


@metric_group("fairness", order=20)
def fairness_metrics(run: RunView) -> dict[str, float]:
    """``jain_index`` (across segments' success rates), ``success_by_reaction_decile.dNN`` and
    ``success_by_arrival_decile.dNN`` (d01 = fastest / earliest), and the gaps
    ``reaction_decile_gap`` / ``arrival_decile_gap`` = success of d01 minus d10."""
    out = {"jain_index": jain_index(list(success_by_segment(run).values()))}
    for trait in ("reaction", "arrival"):
        per = success_by_decile(run, trait)
        out.update({f"success_by_{trait}_decile.d{d + 1:02d}": float(v) for d, v in enumerate(per)})
        out[f"{trait}_decile_gap"] = float(per[0] - per[-1])
    return out
