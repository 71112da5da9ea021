"""The release peak, second by second: how busy and backed up the service was when it mattered.

The horizon-averaged ``utilisation`` hides the peak (release-peak: 0.006 over 32 minutes while
the release second is saturated). These metrics bin the requests table by whole seconds from T0
(``floor(t_sent)``) and report the worst second and the release second ``[0, 1)``:

- busy fraction (per 100 ms bin) needs the modelled workers' busy time, which only the simulator knows
  (``meta["busy_by_bin"]``, filled by :class:`sim.service.queueing.ServerQueue`);
- backlog needs ``t_arrive`` and ``t_start`` (NaN in load runs, which then omit it);
- the rest (503/timeout rates, p99 latency, recovery) are read from any run's requests.
"""

from __future__ import annotations

import math

import numpy as np

from sim.metrics.registry import metric_group
from sim.metrics.view import RunView, column

__all__ = ["peak_backlog", "peak_busy_fraction", "recovery_s", "release_second", "service_peak_metrics"]

FAILED = ("overloaded", "timeout")
# a second counts as failing when at least this share of its requests got 503 or timed out
# (a chosen threshold: one stray timeout among thousands of answers is not an outage)
FAILING_SHARE = 0.01


def peak_busy_fraction(meta: dict[str, object]) -> dict[str, float]:
    """``peak_busy_fraction``: the largest busy worker-seconds ÷ (workers × bin width) over the
    simulator's busy-time bins (100 ms), and ``busy_fraction_release_s`` over ``[0, 1)``
    (simulated runs; empty otherwise)."""
    bins, workers, width = meta.get("busy_by_bin"), meta.get("workers"), meta.get("busy_bin_s")
    if not isinstance(bins, dict) or not isinstance(workers, int | float) or not workers \
            or not isinstance(width, int | float) or not width:
        return {}
    busy = {int(k): float(v) for k, v in bins.items()}
    per_s = round(1.0 / float(width))
    release = sum(busy.get(k, 0.0) for k in range(per_s))
    return {"peak_busy_fraction": max(busy.values(), default=0.0) / (float(workers) * width),
            "busy_fraction_release_s": release / float(workers)}


def peak_backlog(arrive: np.ndarray, start: np.ndarray) -> float:
    """Most requests waiting at once (arrived, not yet in service); NaN without arrival times.

    Requests turned away (no start) never wait; at equal times a start is counted before an
    arrival, so a request served on arrival never adds to the backlog."""
    known = ~np.isnan(arrive)
    if not known.any():
        return math.nan
    waited = known & ~np.isnan(start) & (start > arrive)
    times = np.concatenate([arrive[waited], start[waited]])
    steps = np.concatenate([np.ones(waited.sum()), -np.ones(waited.sum())])
    order = np.lexsort((steps, times))  # by time, then -1 before +1
    return float(np.cumsum(steps[order]).max()) if len(times) else 0.0


def release_second(sent: np.ndarray, done: np.ndarray, codes: np.ndarray) -> dict[str, float]:
    """Requests sent in ``[0, 1)``: how many, the share answered 503 / timed out, p99 latency."""
    mask = (sent >= 0.0) & (sent < 1.0)
    n = int(mask.sum())
    if not n:
        return {"release_s_requests": 0.0, "release_s_overloaded_rate": math.nan,
                "release_s_timeout_rate": math.nan, "release_s_latency_p99_ms": math.nan}
    c = codes[mask]
    return {
        "release_s_requests": float(n),
        "release_s_overloaded_rate": float((c == "overloaded").sum() / n),
        "release_s_timeout_rate": float((c == "timeout").sum() / n),
        "release_s_latency_p99_ms": float(np.percentile((done[mask] - sent[mask]) * 1000.0, 99)),
    }


def recovery_s(sent: np.ndarray, codes: np.ndarray) -> float:
    """Seconds from T0 to the end of the last whole second (at or after T0) in which at least
    :data:`FAILING_SHARE` of the requests sent got 503 or timed out; 0 if no such second."""
    after = sent >= 0.0
    seconds = np.floor(sent[after]).astype(np.int64)
    if not len(seconds):
        return 0.0
    failed = np.isin(codes[after], FAILED)
    total = np.bincount(seconds)
    bad = np.bincount(seconds, weights=failed.astype(np.float64), minlength=len(total))
    failing = np.flatnonzero((total > 0) & (bad >= FAILING_SHARE * np.maximum(total, 1)) & (bad > 0))
    return float(failing[-1] + 1) if len(failing) else 0.0


def _peak_rates(sent: np.ndarray, codes: np.ndarray) -> dict[str, float]:
    """``peak_timeout_rate``: the worst whole second's timeout share (seconds with ≥ 10 requests,
    so a lone late request does not make a 100 % second)."""
    if not len(sent):
        return {"peak_timeout_rate": math.nan}
    seconds = np.floor(sent - sent.min()).astype(np.int64)
    total = np.bincount(seconds)
    timeouts = np.bincount(seconds, weights=(codes == "timeout").astype(np.float64),
                           minlength=len(total))
    busy = total >= 10
    return {"peak_timeout_rate": float((timeouts[busy] / total[busy]).max()) if busy.any() else 0.0}


def _stalled_payments(ops: np.ndarray, codes: np.ndarray) -> dict[str, float]:
    """``stalled_payments``: ``confirm`` (payment) requests that timed out or got 503 — the
    seed reports' "the page keeps loading" at the payment step."""
    return {"stalled_payments": float(((ops == "confirm") & np.isin(codes, FAILED)).sum())}


@metric_group("service_peak", order=61)
def service_peak_metrics(run: RunView) -> dict[str, float]:
    """``peak_busy_fraction``, ``busy_fraction_release_s`` (simulated runs), ``peak_backlog``
    (requests waiting; simulated runs), ``release_s_requests``, ``release_s_overloaded_rate``,
    ``release_s_timeout_rate``, ``release_s_latency_p99_ms`` (requests sent in the release
    second), ``peak_timeout_rate``, ``stalled_payments`` and ``recovery_s``."""
    req = run.table("requests")
    sent = column(req, "t_sent", np.float64)
    done = column(req, "t_done", np.float64)
    codes = run.request_codes
    out = {
        **peak_busy_fraction(run.meta),
        **release_second(sent, done, codes),
        **_peak_rates(sent, codes),
        **_stalled_payments(column(req, "op"), codes),
        "recovery_s": recovery_s(sent, codes),
    }
    backlog = peak_backlog(column(req, "t_arrive", np.float64), column(req, "t_start", np.float64))
    if not math.isnan(backlog):
        out["peak_backlog"] = backlog
    return out
