"""How the booking service fared: traffic, answers, latency, overload, amplification.

Latency is ``t_done - t_sent`` (what the client saw, network included). Load runs also record
``t_planned`` (when the model wanted the request sent); where it differs from ``t_sent`` the
generator fell behind, and latency measured from ``t_planned`` is the coordinated-omission
corrected latency. Percentiles are exact (numpy), at least as precise as an HdrHistogram.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc

from sim.metrics.registry import metric_group
from sim.metrics.view import RunView, column

__all__ = ["latency_percentiles", "peak_rps", "requests_by_code", "service_metrics"]

PERCENTILES = (50, 90, 99)


def requests_by_code(run: RunView) -> dict[str, float]:
    """Number of requests per outcome code, as ``requests.<code>`` (codes that occurred)."""
    counts = pc.value_counts(run.table("requests").column("code")).to_pylist()
    return {f"requests.{row['values']}": float(row["counts"]) for row in sorted(
        counts, key=lambda row: str(row["values"]))}


def peak_rps(run: RunView) -> float:
    """Most requests sent within one 1-second bin (bins aligned on whole seconds from T0)."""
    t = column(run.table("requests"), "t_sent", np.float64)
    if len(t) == 0:
        return 0.0
    _, counts = np.unique(np.floor(t), return_counts=True)
    return float(counts.max())


def latency_percentiles(start: np.ndarray, done: np.ndarray, prefix: str) -> dict[str, float]:
    """``<prefix>_p50_ms``, ``_p90_ms``, ``_p99_ms`` and ``_max_ms`` of ``done - start``."""
    ms = (done - start) * 1000.0
    ms = ms[~np.isnan(ms)]
    if len(ms) == 0:
        return {f"{prefix}_{k}_ms": math.nan for k in (*(f"p{q}" for q in PERCENTILES), "max")}
    values = np.percentile(ms, PERCENTILES)
    out = {f"{prefix}_p{q}_ms": float(v) for q, v in zip(PERCENTILES, values, strict=True)}
    out[f"{prefix}_max_ms"] = float(ms.max())
    return out


def _load_timing(planned: np.ndarray, sent: np.ndarray, done: np.ndarray) -> dict[str, float]:
    """Generator lag and corrected latency, only when the run recorded planned ≠ sent times."""
    if not np.any(np.abs(sent - planned) > 0):
        return {}
    return {**latency_percentiles(planned, sent, "generator_lag"),
            **latency_percentiles(planned, done, "latency_corrected")}


def _utilisation(run: RunView) -> dict[str, float]:
    """Mean busy fraction of the modelled workers (simulated runs, from ``meta``)."""
    m = run.meta
    if not all(k in m for k in ("busy_s", "workers", "window_s")) or not m["window_s"]:
        return {}
    return {"utilisation": float(m["busy_s"]) / (float(m["workers"]) * float(m["window_s"]))}


@metric_group("service", order=60, zero_prefixes=("requests.",))
def service_metrics(run: RunView) -> dict[str, float]:
    """``requests`` (total), ``requests.<code>``, ``peak_rps`` (requests/s), ``overloaded_rate`` and
    ``timeout_rate`` (fractions 0–1 of requests answered 503-overloaded / timed out),
    ``latency_{p50,p90,p99,max}_ms``, ``amplification`` (requests per booking confirmed at the
    end; NaN if none), ``utilisation`` (simulated runs), and for load runs
    ``generator_lag_*_ms`` and ``latency_corrected_*_ms``."""
    req = run.table("requests")
    n = req.num_rows
    codes = run.request_codes
    sent = column(req, "t_sent", np.float64)
    done = column(req, "t_done", np.float64)
    booked = len(run.final_bookings)
    out = {
        "requests": float(n),
        "peak_rps": peak_rps(run),
        "overloaded_rate": float((codes == "overloaded").sum() / n) if n else math.nan,
        "timeout_rate": float((codes == "timeout").sum() / n) if n else math.nan,
        "amplification": n / booked if booked else math.nan,
        **latency_percentiles(sent, done, "latency"),
        **_utilisation(run),
        **_load_timing(column(req, "t_planned", np.float64), sent, done),
    }
    out.update(requests_by_code(run))
    return out
