"""Confidence intervals for shares (0–1) that stay inside [0, 1].

A Student-t interval over a handful of replications of a share can reach below 0 (a "−0.27 %
bot share") or above 1. For a share whose denominator each replication records (patients,
slots confirmed, patients who tried) the interval is Wilson's score interval on the pooled
counts (statsmodels); without a denominator it is a percentile bootstrap of the mean over
replications, which cannot leave the range of the values either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from statsmodels.stats.proportion import proportion_confint

__all__ = ["PROPORTIONS", "denominators", "is_proportion", "proportion_interval", "wilson"]

# share metric → the per-replication metric holding its denominator (None: not recorded)
PROPORTIONS: dict[str, str | None] = {
    "bot_share": "slots_confirmed",
    "bot_share_total": "slots_confirmed",
    "bot_share_resale": "slots_confirmed",
    "patient_success": "patients.*",
    "success_among_tried": "patients_tried",
    "false_positive_rate": "patients.*",
    "overloaded_rate": None,
    "timeout_rate": None,
}
_PREFIXES = {
    "patient_success.": "patients.",
    "success_among_tried.": "patients_tried.",
    "success_by_reaction_decile.": None,
    "success_by_arrival_decile.": None,
}
_BOOTSTRAP = 2000


def is_proportion(metric: str) -> bool:
    """Whether ``metric`` is a share in [0, 1]."""
    return metric in PROPORTIONS or any(metric.startswith(p) for p in _PREFIXES)


def denominators(reps: Sequence[Mapping[str, float]], metric: str) -> list[float] | None:
    """Each replication's denominator of the share ``metric``, or None when not recorded."""
    name = PROPORTIONS.get(metric)
    for prefix, target in _PREFIXES.items():
        if metric.startswith(prefix):
            name = None if target is None else target + metric[len(prefix) :]
    if name is None:
        return None
    if name == "patients.*":
        out = [sum(v for k, v in r.items() if k.startswith("patients.") and k.count(".") == 1) for r in reps]
    else:
        out = [float(r.get(name, math.nan)) for r in reps]
    return out if all(math.isfinite(v) and v > 0 for v in out) else None


def wilson(successes: float, trials: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson's score interval for ``successes`` out of ``trials``."""
    lo, hi = proportion_confint(round(successes), round(trials), alpha=alpha, method="wilson")
    return float(lo), float(hi)


def proportion_interval(values: Sequence[float], trials: Sequence[float] | None = None) -> tuple[float, float, float]:
    """(mean share, low, high) of a 95 % interval inside [0, 1]: Wilson on the pooled counts
    when ``trials`` (per replication) are known, else a percentile bootstrap over replications;
    NaNs when no value is finite. The mean is the pooled share (successes / trials)."""
    pairs = [(v, t) for v, t in zip(values, trials or [math.nan] * len(values), strict=True) if math.isfinite(v)]
    if not pairs:
        return math.nan, math.nan, math.nan
    x = np.array([v for v, _ in pairs])
    n = np.array([t for _, t in pairs])
    if trials is not None and np.isfinite(n).all():
        share = float((x * n).sum() / n.sum())
        lo, hi = wilson(float((x * n).sum()), float(n.sum()))
        return share, min(lo, share), max(hi, share)  # 0/n, n/n: rounding must not cut off the mean
    mean = float(x.mean())
    if len(x) < 2:
        return mean, mean, mean
    rng = np.random.default_rng(0)  # a fixed stream: the same report for the same runs
    means = rng.choice(x, size=(_BOOTSTRAP, len(x)), replace=True).mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return mean, min(float(lo), mean), max(float(hi), mean)
