"""The live totals of a load run: what the view, the web page and Prometheus show."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

from sim.drivers.load.live_stats import WINDOW_S, LiveStats, is_failure
from sim.drivers.load.prometheus import exposition


def _stats_at_t(t: float, slots: int = 10) -> LiveStats:
    stats = LiveStats(slots=slots, agents=5)
    stats.t0_wall = time.time() - t
    return stats


def test_failures_are_what_locust_counts_as_failures() -> None:
    assert [is_failure(c) for c in ("ok", "sold_out", "rate_limited")] == [False] * 3
    assert all(is_failure(c) for c in ("overloaded", "timeout", "network_error", "no-such-code"))


def test_snapshot_percentiles_rate_slots_and_bot_share() -> None:
    stats = _stats_at_t(20.0)
    rng = np.random.default_rng(3)
    lat = rng.lognormal(3, 0.5, 200)  # ms
    done = np.linspace(16.0, 19.9, 200)  # all inside the last WINDOW_S seconds
    for i, (d, ms) in enumerate(zip(done, lat, strict=True)):
        stats.record("patient", "hold", d - ms / 1e3 - 0.002, d - ms / 1e3, d, "ok" if i % 10 else "overloaded")
    stats.record("bot", "confirm", 19.0, 19.0, 19.01, "ok")
    stats.record("patient", "confirm", 19.0, 19.0, 19.01, "ok")
    stats.record("patient", "confirm", 19.0, 19.0, 19.01, "ok")
    snap = stats.snapshot()
    assert snap["requests"] == 203
    assert snap["failures"] == 20
    assert snap["codes"] == {"ok": 183, "overloaded": 20}
    assert snap["slots_left"] == 7 and snap["confirmed"] == 3
    assert snap["bot_share"] == pytest.approx(1 / 3)
    # 203 answers over the last WINDOW_S (4 s since the first): 203/4, not 203/5
    assert snap["rps"] == pytest.approx(203 / 4.0, rel=0.05)
    assert snap["latency_p50_ms"] == pytest.approx(np.percentile([*lat, 10, 10, 10], 50), rel=0.02)
    assert snap["lag_p99_ms"] == pytest.approx(2.0, abs=0.1)
    assert 19.9 < snap["t"] < 21.0


def test_old_answers_leave_the_window_but_stay_counted() -> None:
    stats = _stats_at_t(30.0)
    stats.record("patient", "hold", 1.0, 1.0, 1.1, "ok")
    snap = stats.snapshot()
    assert WINDOW_S < 30.0 - 1.1 and snap["rps"] == 0.0 and math.isnan(snap["latency_p50_ms"])
    assert snap["requests"] == 1


def test_before_t0_nothing_is_defined_and_the_clock_is_none() -> None:
    snap = LiveStats(slots=30, agents=100).snapshot()
    assert snap["t"] is None and snap["requests"] == 0 and math.isnan(snap["bot_share"])
    assert snap["slots_left"] == 30


def test_worker_rows_merged_on_the_master_give_the_same_totals() -> None:
    worker, master = _stats_at_t(5.0), _stats_at_t(5.0)
    for k in range(50):
        worker.record("bot" if k % 5 == 0 else "patient", "confirm", 4.0, 4.0, 4.0 + k / 1000, "ok")
    worker.agent_finished(7)
    master.merge(worker.drain())
    assert worker.drain() == {"rows": [], "finished": 0}  # each row is sent once
    a, b = worker.snapshot(), master.snapshot()
    for key in ("requests", "codes", "confirmed", "bot_share", "latency_p99_ms"):
        assert a[key] == b[key]
    assert b["finished"] == 7 and b["bot_share"] == pytest.approx(0.2)


def test_concurrent_writers_lose_nothing() -> None:
    stats = _stats_at_t(1.0)

    def write() -> None:
        for _ in range(2000):
            stats.record("patient", "hold", 0.5, 0.5, 0.6, "ok")
            stats.agent_finished()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = stats.snapshot()
    assert snap["requests"] == 8000 and snap["finished"] == 8000


def test_prometheus_text_is_well_formed() -> None:
    stats = _stats_at_t(2.0)
    stats.record("patient", "hold", 1.0, 1.0, 1.05, "ok")
    stats.record("patient", "hold", 1.0, 1.0, 1.05, "timeout")
    text = exposition(stats.snapshot())
    samples = [ln for ln in text.splitlines() if not ln.startswith("#")]
    names = [ln.split(" ")[0] for ln in samples]
    assert 'slotgrab_responses_total{code="timeout"} 1' in samples
    assert "slotgrab_requests_total 2" in samples
    assert len(names) == len(set(names))
    for ln in samples:  # name{labels} value, the value a float Prometheus parses (NaN allowed)
        float(ln.rsplit(" ", 1)[1])
    for name in {n.split("{")[0] for n in names}:
        assert f"# TYPE {name} " in text and f"# HELP {name} " in text
