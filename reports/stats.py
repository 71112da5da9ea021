"""Means, 95 % confidence intervals and a significance test over replications."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from reports.proportions import denominators, is_proportion, proportion_interval

__all__ = ["Estimate", "PolicySamples", "differs", "estimate", "estimate_metric", "estimates_of", "metric_values"]

# policy label → one flat metric dict per replication (what ``sim.metrics.summarize`` returns)
PolicySamples = Mapping[str, Sequence[Mapping[str, float]]]


@dataclass(frozen=True)
class Estimate:
    """Mean of ``values`` with a two-sided 95 % Student-t confidence interval [lo, hi]."""

    mean: float
    lo: float
    hi: float
    values: tuple[float, ...]

    @property
    def n(self) -> int:
        """Number of (non-NaN) replications."""
        return len(self.values)

    @property
    def deterministic(self) -> bool:
        """Two or more replications, all with the same value: no spread across seeds (the
        model decides this outcome; its t-interval would have zero width)."""
        return self.n > 1 and min(self.values) == max(self.values)

    @property
    def half_width(self) -> float:
        """Half the CI's width (0 with fewer than two replications)."""
        return (self.hi - self.lo) / 2 if self.n > 1 else 0.0


def estimate(values: Iterable[float]) -> Estimate:
    """The mean and 95 % CI of the finite values (NaN mean if there are none)."""
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=np.float64)
    if len(x) == 0:
        return Estimate(math.nan, math.nan, math.nan, ())
    mean = float(x.mean())
    if len(x) < 2:
        return Estimate(mean, mean, mean, tuple(x.tolist()))
    half = float(sps.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return Estimate(mean, mean - half, mean + half, tuple(x.tolist()))


def metric_values(reps: Sequence[Mapping[str, float]], metric: str) -> list[float]:
    """One metric's value in each replication (NaN where a replication lacks it)."""
    return [float(r.get(metric, math.nan)) for r in reps]


def estimate_metric(reps: Sequence[Mapping[str, float]], metric: str) -> Estimate:
    """The estimate of one metric over replications: a share gets an interval inside [0, 1]
    (:mod:`reports.proportions`), any other metric the Student-t interval."""
    values = metric_values(reps, metric)
    if not is_proportion(metric):
        return estimate(values)
    finite = tuple(v for v in values if math.isfinite(v))
    trials = denominators(reps, metric)
    mean, lo, hi = proportion_interval(values, trials)
    if len(finite) < 2 and trials is None:
        return Estimate(mean, mean, mean, finite)
    return Estimate(mean, lo, hi, finite)


def estimates_of(samples: PolicySamples, metric: str) -> dict[str, Estimate]:
    """Policy → estimate of one metric; policies lacking the metric everywhere are left out."""
    out = {p: estimate_metric(reps, metric) for p, reps in samples.items()}
    return {p: e for p, e in out.items() if e.n}


def differs(a: Estimate, b: Estimate, alpha: float = 0.05) -> bool:
    """Whether two policies' means differ significantly (Welch's t-test, two-sided).

    With a single replication on either side nothing can be called significant; two constant
    samples differ exactly when their values do."""
    if a.n < 2 or b.n < 2:
        return False
    va, vb = np.var(a.values, ddof=1), np.var(b.values, ddof=1)
    if va == 0 and vb == 0:
        return a.mean != b.mean
    with warnings.catch_warnings():  # nearly constant samples: scipy warns, the p-value stands
        warnings.simplefilter("ignore", RuntimeWarning)
        p = sps.ttest_ind(a.values, b.values, equal_var=False).pvalue
    return bool(p < alpha)
