"""Measuring a scenario in the simulator for a check: replications, metrics with CIs, and the
in-run performance reference.

Besides every metric of :func:`sim.metrics.summarize` (mean and 95 % CI over replications,
:mod:`sim.experiments`), a check records the simulator's own speed, ``sim_requests_per_s``
(simulated requests per wall-clock second over all replications), and beside it, measured in
the same process, ``reference_rate_per_s``: a bare SimPy timeout loop. A baseline compares their
ratio, so a slower CI machine does not look like a slower simulator.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.drivers.simpy_reference import timeout_loop
from sim.experiments import Replication, RunDir, aggregate, replicate
from sim.experiments.aggregate import MetricStats
from sim.gates.values import MetricValue
from sim.scenario.model import Scenario

__all__ = ["Measured", "measure_simulate", "reference_rate_per_s", "value_of"]

_REFERENCE_SIZE = {"processes": 2_000, "timeouts": 50}  # ≈ 0.15 s per measurement


@dataclass(frozen=True)
class Measured:
    """A run's metrics as the gate engine takes them, its in-run references and where it wrote."""

    kind: str
    metrics: dict[str, MetricValue]
    references: dict[str, float]
    run_dir: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def value_of(stats: MetricStats) -> MetricValue:
    """A replication statistic as a gate value (a single defined replication has no CI)."""
    if stats.n < 2:
        return MetricValue.point(stats.mean)
    return MetricValue(stats.mean, stats.ci_low, stats.ci_high, stats.n)


def reference_rate_per_s(repeats: int = 2) -> float:
    """Median timeouts per second of a bare SimPy loop on this machine, now."""
    return statistics.median(timeout_loop(**_REFERENCE_SIZE) for _ in range(repeats))


def measure_simulate(
    sc: Scenario,
    run_dir: RunDir,
    source: str | None = None,
    on_done: Callable[[Replication], None] | None = None,
) -> Measured:
    """Run the scenario's replications into ``run_dir`` and measure it for the gates."""
    run_dir.write_scenario(sc)
    reps = list(range(sc.replications))

    def done(r: Replication) -> None:
        run_dir.write_records(r.rep, r.records)
        if on_done is not None:
            on_done(r)

    ref_before = reference_rate_per_s()
    t0 = time.perf_counter()
    summaries = replicate(sc, reps, done)
    wall = time.perf_counter() - t0
    ref_after = reference_rate_per_s()
    stats = aggregate(summaries)
    run_dir.write_summary(sc, reps, stats)
    run_dir.write_meta(sc, reps, source, {"check": True})
    metrics = {name: value_of(s) for name, s in stats.items()}
    requests = sum(s.get("requests", 0.0) for s in summaries)
    # Wall time includes writing the records; the reference brackets the run so drift shows.
    metrics["sim_requests_per_s"] = MetricValue.point(requests / wall if wall > 0 else float("nan"))
    refs = {"reference_rate_per_s": statistics.median([ref_before, ref_after])}
    return Measured(
        "simulate", metrics, refs, run_dir.path, {"replications": len(reps), "wall_s": wall}
    )
