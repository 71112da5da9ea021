"""Peak metrics on hand-built request tables, and the busy-per-second accounting of the
modelled queue against the M/M/c closed form (offered load λ/(cμ))."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.metrics import RunView
from sim.metrics.service_peak import (
    peak_backlog,
    peak_busy_fraction,
    recovery_s,
    release_second,
    service_peak_metrics,
)
from sim.records import RequestLog
from sim.service.queueing import BIN_S, ServerQueue

NAN = float("nan")


def test_backlog_counts_requests_waiting_at_once():
    arrive = np.array([0.0, 0.1, 0.2, 0.3, 5.0, NAN])
    start = np.array([0.0, 0.5, 0.6, 0.4, NAN, NAN])  # 3 wait together at 0.3; one turned away
    assert peak_backlog(arrive, start) == 3.0
    assert math.isnan(peak_backlog(np.array([NAN]), np.array([NAN])))  # a load run: unknown


def test_backlog_served_on_arrival_never_waits():
    assert peak_backlog(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0


def test_release_second_rates_and_p99():
    sent = np.array([-0.5, 0.0, 0.2, 0.5, 0.9, 1.0])
    done = sent + np.array([0.1, 0.1, 10.0, 0.1, 0.1, 0.1])
    codes = np.array(["ok", "ok", "timeout", "overloaded", "ok", "ok"], dtype=object)
    m = release_second(sent, done, codes)
    assert m["release_s_requests"] == 4  # [0, 1) only
    assert m["release_s_timeout_rate"] == 0.25 and m["release_s_overloaded_rate"] == 0.25
    assert m["release_s_latency_p99_ms"] == pytest.approx(np.percentile([100, 10_000, 100, 100], 99))


def test_recovery_is_the_end_of_the_last_failing_second():
    sent = np.concatenate([np.linspace(0, 0.9, 10), np.linspace(4, 4.9, 10), [30.0]])
    codes = np.array(["overloaded"] * 3 + ["ok"] * 7 + ["ok"] * 9 + ["timeout"] + ["ok"],
                     dtype=object)
    assert recovery_s(sent, codes) == 5.0
    assert recovery_s(sent, np.array(["ok"] * len(sent), dtype=object)) == 0.0


def test_busy_fraction_from_meta():
    bins = {"-1": 0.05, "0": 0.4, "5": 0.2, "10": 0.4}  # 100 ms bins; "10" is in [1, 1.1)
    m = peak_busy_fraction({"busy_by_bin": bins, "workers": 4, "busy_bin_s": 0.1})
    assert m["peak_busy_fraction"] == pytest.approx(1.0)  # 0.4 worker-s in 0.1 s × 4 workers
    assert m["busy_fraction_release_s"] == pytest.approx(0.15)  # (0.4 + 0.2) / 4 in [0, 1)
    assert peak_busy_fraction({}) == {}  # a load run: unknown, omitted


def test_metric_group_on_a_table_with_stalled_payments():
    req = RequestLog()
    for sent, op, code in [(0.1, "hold", "ok"), (0.2, "confirm", "timeout"),
                           (0.3, "confirm", "overloaded"), (0.4, "confirm", "ok")]:
        req.append(1, op, sent, sent, sent, sent + 0.01 if code == "ok" else NAN, sent + 0.05, code)
    m = service_peak_metrics(RunView({"requests": req.to_arrow()}))
    assert m["stalled_payments"] == 2
    assert m["recovery_s"] == 1.0
    assert m["peak_backlog"] == 1.0  # each of the two served ones waited 0.01 s, one at a time


def test_queue_busy_per_second_matches_mmc_offered_load():
    """Poisson arrivals λ = 300/s, exponential service 10 ms, c = 4: ρ = λ/(cμ) = 0.75 (M/M/c,
    no loss: the backlog is large). The busy-time bins must average ρ, never exceed 1 and sum to
    the busy total."""
    rng = np.random.default_rng(7)
    lam, mean_s, c, horizon = 300.0, 0.010, 4, 200
    q = ServerQueue(c, backlog=10_000)
    t = 0.0
    while True:
        t += rng.exponential(1 / lam)
        if t >= horizon:
            break
        q.admit(t, rng.exponential(mean_s))
    bins = [q.busy_by_bin.get(k, 0.0) / (c * BIN_S) for k in range(int(horizon / BIN_S) - 1)]
    assert sum(q.busy_by_bin.values()) == pytest.approx(q.busy_s)
    assert np.mean(bins) == pytest.approx(lam * mean_s / c, rel=0.03)
    assert max(bins) <= 1.0 + 1e-9  # c workers cannot be more than fully busy
