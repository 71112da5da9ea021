"""Mean and Student-t confidence interval of each metric across replications.

Replications are independent (separate random streams per replication, :mod:`sim.rng`), so the
CI of a metric's mean is ``mean ± t(1-α/2, n-1) · sd / √n``. A replication where a metric is
undefined (NaN, e.g. time to book when nobody booked) is left out of that metric's ``n``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim.metrics.registry import zero_when_absent

__all__ = ["MetricStats", "aggregate", "metric_names"]


@dataclass(frozen=True, slots=True)
class MetricStats:
    """One metric over replications. ``values`` are per replication (rep order; NaN where
    undefined); ``n`` counts the defined ones; the CI is NaN when ``n < 2``."""

    mean: float
    sd: float
    ci_low: float
    ci_high: float
    half_width: float
    n: int
    values: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; NaN becomes ``None`` (JSON has no NaN)."""
        return {k: _json_number(v) for k, v in asdict(self).items()}


def _json_number(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_json_number(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def stats_of(values: Sequence[float], confidence: float = 0.95) -> MetricStats:
    """Mean, sample sd and two-sided Student-t CI of the defined (non-NaN) values."""
    x = np.asarray(values, dtype=np.float64)
    ok = x[~np.isnan(x)]
    n = len(ok)
    mean = float(ok.mean()) if n else math.nan
    sd = float(ok.std(ddof=1)) if n >= 2 else math.nan
    half = math.nan
    if n >= 2:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n))
    return MetricStats(mean, sd, mean - half, mean + half, half, n, tuple(float(v) for v in x))


def metric_names(summaries: Sequence[dict[str, float]]) -> list[str]:
    """Union of metric names over replications, in first-seen order."""
    names: dict[str, None] = {}
    for s in summaries:
        names.update(dict.fromkeys(s))
    return list(names)


def aggregate(summaries: Sequence[dict[str, float]],
              confidence: float = 0.95) -> dict[str, MetricStats]:
    """Per metric, its :class:`MetricStats` over the replications' summaries. A metric missing
    from a replication counts as 0 if it is a count that may be omitted (``requests.<code>``),
    else as undefined (NaN)."""
    out: dict[str, MetricStats] = {}
    for name in metric_names(summaries):
        absent = 0.0 if zero_when_absent(name) else math.nan
        out[name] = stats_of([s.get(name, absent) for s in summaries], confidence)
    return out
