"""Metric values as the gate engine sees them: a number, or a mean with its 95 % CI.

The engine is independent of whoever measured the metrics. It accepts a plain mapping, either
``{metric: value}`` (one run) or ``{metric: {"mean": m, "ci_low": lo, "ci_high": hi, "n": k}}``
(replications), and ignores entries that are not numeric (strings, nested tables).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["MetricValue", "from_samples", "metric_values"]


@dataclass(frozen=True, slots=True)
class MetricValue:
    """A metric's estimate. Without a CI, ``ci_low == ci_high == mean`` and ``n`` is 1."""

    mean: float
    ci_low: float
    ci_high: float
    n: int = 1

    @classmethod
    def point(cls, value: float) -> MetricValue:
        """A single measurement, no interval."""
        return cls(value, value, value, 1)

    @property
    def has_ci(self) -> bool:
        """Whether the value carries an interval (replications), not a single number."""
        return self.n > 1 or self.ci_low != self.ci_high

    @property
    def is_nan(self) -> bool:
        """Whether any part of the value is undefined (e.g. a latency with no requests)."""
        return any(math.isnan(x) for x in (self.mean, self.ci_low, self.ci_high))

    def scaled(self, factor: float) -> MetricValue:
        """The value divided by ``factor`` (used to express latencies relative to a reference)."""
        return MetricValue(self.mean / factor, self.ci_low / factor, self.ci_high / factor, self.n)

    def to_dict(self) -> dict[str, float | int]:
        """JSON form (NaN kept as NaN; :mod:`json` writes it as ``NaN``)."""
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n}


def _number(x: Any) -> float | None:
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, int | float | np.integer | np.floating):
        return float(x)
    return None


def _one(entry: Any) -> MetricValue | None:
    value = _number(entry)
    if value is not None:
        return MetricValue.point(value)
    if isinstance(entry, Mapping) and "mean" in entry:
        mean = _number(entry["mean"])
        if mean is None:
            return None
        low = _number(entry.get("ci_low", mean))
        high = _number(entry.get("ci_high", mean))
        n = entry.get("n", 1)
        return MetricValue(
            mean,
            mean if low is None else low,
            mean if high is None else high,
            int(n) if isinstance(n, int | float) else 1,
        )
    return None


def metric_values(summary: Mapping[str, Any]) -> dict[str, MetricValue]:
    """Normalise a metrics mapping (plain numbers or mean/CI dicts) to :class:`MetricValue` s.

    Entries that are neither (labels, per-segment tables) are skipped.
    """
    out: dict[str, MetricValue] = {}
    for name, entry in summary.items():
        value = _one(entry)
        if value is not None:
            out[str(name)] = value
    return out


def from_samples(samples: Sequence[float], confidence: float = 0.95) -> MetricValue:
    """Mean and Student-t confidence interval of per-replication values (NaNs dropped)."""
    xs = np.asarray([x for x in samples if not math.isnan(x)], dtype=float)
    if xs.size == 0:
        return MetricValue(math.nan, math.nan, math.nan, 0)
    mean = float(xs.mean())
    if xs.size == 1:
        return MetricValue(mean, mean, mean, 1)
    sem = float(xs.std(ddof=1)) / math.sqrt(xs.size)
    half = float(stats.t.ppf(0.5 + confidence / 2, xs.size - 1)) * sem
    return MetricValue(mean, mean - half, mean + half, int(xs.size))
