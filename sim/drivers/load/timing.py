"""Honest timing of a load run, in HdrHistogram precision (3 significant digits, µs units).

From the ``requests`` table (planned send, actual send, answer), three distributions:

- ``lag``: actual − planned send — how late the generator was (coordinated omission, made
  visible instead of hidden);
- ``latency``: answer − actual send — what a plain load tool reports;
- ``latency_corrected``: answer − planned send — what the patient experienced, stalls of the
  generator or of the server included.

Locust's own statistics round response times to ~2 significant digits (1 ms below 100 ms);
these histograms keep every value to 0.1 % and merge across workers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from hdrh.histogram import HdrHistogram

__all__ = ["PERCENTILES", "histogram_of", "summarize_histogram", "timing_summary"]

PERCENTILES = (50.0, 90.0, 99.0, 99.9)
_LOWEST_US, _HIGHEST_US, _DIGITS = 1, 3_600_000_000, 3  # 1 µs .. 1 h


def histogram_of(seconds: np.ndarray) -> HdrHistogram:
    """An HdrHistogram of durations in seconds (recorded in µs; negatives clipped to 0)."""
    h = HdrHistogram(_LOWEST_US, _HIGHEST_US, _DIGITS)
    values = np.clip(np.nan_to_num(np.asarray(seconds, dtype=float) * 1e6, nan=0.0), 0, _HIGHEST_US)
    record = h.record_value
    for v in np.rint(values).astype(np.int64).tolist():
        record(v)
    return h


def summarize_histogram(h: HdrHistogram) -> dict[str, float]:
    """count, mean, p50/p90/p99/p99.9 and max, in milliseconds."""
    n = h.get_total_count()
    out: dict[str, float] = {"count": float(n)}
    if n == 0:
        return out
    out["mean_ms"] = h.get_mean_value() / 1000.0
    for p in PERCENTILES:
        out[f"p{p:g}_ms".replace(".", "_")] = h.get_value_at_percentile(p) / 1000.0
    out["max_ms"] = h.get_max_value() / 1000.0
    return out


def timing_summary(requests: pa.Table) -> dict[str, Any]:
    """Lag, plain and corrected latency of every request of a load run (answered or not)."""
    cols = requests.select(["t_planned", "t_sent", "t_done"]).to_pydict()
    planned = np.asarray(cols["t_planned"], dtype=float)
    sent = np.asarray(cols["t_sent"], dtype=float)
    done = np.asarray(cols["t_done"], dtype=float)
    lag = sent - planned
    out: dict[str, Any] = {
        "lag": summarize_histogram(histogram_of(lag)),
        "latency": summarize_histogram(histogram_of(done - sent)),
        "latency_corrected": summarize_histogram(histogram_of(done - planned)),
    }
    out["lag"]["late_over_10ms"] = float(np.sum(lag > 0.010))
    out["lag"]["min_ms"] = float(lag.min() * 1000.0) if lag.size else 0.0
    return out
