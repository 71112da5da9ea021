"""Lag and latency, plain and coordinated-omission corrected, in HdrHistogram precision."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.drivers.load.timing import histogram_of, summarize_histogram, timing_summary


def test_histogram_keeps_three_significant_digits_below_a_millisecond() -> None:
    s = summarize_histogram(histogram_of(np.array([0.000437, 0.000437, 0.0021])))
    assert abs(s["p50_ms"] - 0.437) < 0.001  # Locust would report 0
    assert abs(s["max_ms"] - 2.1) < 0.003


def test_corrected_latency_adds_the_lag() -> None:
    planned = np.zeros(100)
    sent = np.r_[np.zeros(90), np.full(10, 1.0)]  # 10 requests went out a second late
    done = sent + 0.002
    t = pa.table({"t_planned": planned, "t_sent": sent, "t_done": done})
    s = timing_summary(t)
    assert s["latency"]["max_ms"] < 3
    assert 1000 <= s["latency_corrected"]["max_ms"] < 1005
    assert s["latency_corrected"]["p99_ms"] > 900 > s["latency"]["p99_ms"]
    assert s["lag"]["late_over_10ms"] == 10
    assert s["lag"]["p50_ms"] == 0
