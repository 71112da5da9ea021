"""Measuring a scenario under real load for a check: one load run, plus the in-run reference.

The load driver (:mod:`sim.drivers.load`) plays the scenario against a target and computes the
simulator's metrics on the target's truth (``latency_corrected_p99_ms``, ``generator_lag_p99_ms``,
``invariant_violations`` …). This module adds what a check needs beside them:

- ``overbooked``, ``double_booked``, ``bad_transition``, ``lost_ack``: the target's invariant
  violations counted by kind (0 when none), so a gate can name the one it means;
- ``reference_latency_ms``: the median latency of a trivial endpoint of the same target
  (``GET /v1/health`` by default), probed sequentially just before and just after the run on
  the same machine. Baselines compare latencies as ratios to it, so a uniformly slower CI
  machine does not look like a slower service.

Importing this module imports Locust (through the load driver), so the CLI imports it only for
``--kind load``.
"""

from __future__ import annotations

from sim.drivers.load.harness import LoadReport, Progress, load_run  # first: gevent patching

# isort: split

import statistics
import time
from pathlib import Path

import httpx

from sim.domain.invariants import Violation
from sim.drivers.load.stopping import mark_incomplete
from sim.drivers.load.target import env_admin_token, target_for
from sim.experiments import RunDir, aggregate
from sim.gates.measure_simulate import Measured
from sim.gates.values import MetricValue
from sim.scenario.model import Scenario

__all__ = ["VIOLATION_KINDS", "measure_load", "probe_latency_ms", "target_for"]

VIOLATION_KINDS = ("overbooked", "double_booked", "bad_transition", "lost_ack")
_PROBES = 25


def probe_latency_ms(base_url: str, path: str = "/v1/health", n: int = _PROBES) -> list[float]:
    """Latencies (ms) of ``n`` sequential GETs of ``path`` after a short warm-up."""
    out = []
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        for i in range(n + 3):
            t0 = time.perf_counter()
            try:
                client.get(path).raise_for_status()
            except httpx.HTTPError as exc:
                raise ValueError(f"reference endpoint {base_url}{path} does not answer 2xx: {exc}; "
                                 "choose another --reference-path") from None
            if i >= 3:  # the first requests open the connection and warm caches
                out.append((time.perf_counter() - t0) * 1000.0)
    return out


def violation_counts(violations: list[Violation]) -> dict[str, float]:
    """How many violations of each kind (every kind present, 0 when none)."""
    counts = dict.fromkeys(VIOLATION_KINDS, 0.0)
    for v in violations:
        counts[v.kind] = counts.get(v.kind, 0.0) + 1.0
    return counts


def _write(run_dir: RunDir, sc: Scenario, report: LoadReport, source: str | None) -> None:
    run_dir.write_scenario(sc)
    run_dir.write_records(0, report.records)
    run_dir.write_summary(sc, [0], aggregate([report.metrics]))
    run_dir.write_meta(sc, [0], source, {"kind": "load", "check": True, "timing": report.timing})


def measure_load(
    sc: Scenario,
    run_dir: RunDir,
    *,
    target: str | None = None,
    processes: int = 1,
    reference_path: str = "/v1/health",
    command: list[str] | None = None,
    source: str | None = None,
    admin_token: str | None = None,
    progress: Progress | None = None,
    adapter: str | None = None,
    adapter_options: dict[str, str] | None = None,
) -> Measured:
    """One load run of ``sc`` against ``target`` with the reference probed around it."""
    with target_for(target, command, lambda: admin_token or env_admin_token()) as tgt:
        before = probe_latency_ms(tgt.base_url, reference_path)
        report = load_run(
            sc, tgt, processes=processes, progress=progress, adapter=adapter,
            adapter_options=adapter_options,
        )
        after = probe_latency_ms(tgt.base_url, reference_path) if not report.incomplete else []
    _write(run_dir, sc, report, source)
    if report.incomplete:  # a run cut short neither passes nor fails a gate
        mark_incomplete(run_dir.path, report.incomplete)
        raise RuntimeError(f"stopped early: {report.incomplete}; the records gathered are in {run_dir.path}")
    values = {**report.metrics, **violation_counts(report.violations)}
    metrics = {name: MetricValue.point(v) for name, v in values.items()}
    refs = {"reference_latency_ms": statistics.median(before + after)}
    meta = {
        "target": tgt.base_url,
        "started": tgt.started,
        "processes": processes,
        "wall_s": report.result.wall_s,
        "agent_errors": len(report.result.errors),
        "reference_path": reference_path,
    }
    return Measured("load", metrics, refs, Path(run_dir.path), meta)
