"""Evaluating gates on a run's metrics: pass, fail or inconclusive.

Semantics (documented for users in ``docs/ci.md``):

* **Single value** (one run, no CI): the comparison is applied to the number.
* **Mean with a 95 % CI** (replications): the gate *passes* only if the whole interval satisfies
  it, *fails* only if the whole interval violates it, and is **inconclusive** when the interval
  straddles the threshold — the data cannot tell, so noise never flips a verdict between pass and
  fail. For ``<``/``<=`` that means: pass if ``ci_high`` is below, fail if ``ci_low`` is not;
  mirrored for ``>``/``>=``. Inconclusive exits 3; add replications to resolve it.
* ``==`` is exact: it passes only if mean and both bounds equal the threshold (e.g.
  ``overbooked == 0`` passes only if every replication had none) and fails otherwise. ``!=``
  passes if the threshold lies outside the interval, fails if the interval is that single value.
* A metric that is NaN (e.g. a latency with no requests) is inconclusive.
* **Generator validity.** Gates on ``generator_*`` metrics (the load generator's own lag) are
  preconditions. When one does not pass, the load generator could not send on time, so the run's
  timing cannot be trusted: that gate and every gate on a timing metric (latencies, rates) become
  inconclusive — a lagging run is never green, and never a latency failure either. Outcome gates
  (overbooking, bot share) keep their verdict: an overbooking is a bug however late it was sent.
  A load run that reports ``generator_lag_p99_ms`` but has no gate on it gets the implicit gate
  ``generator_lag_p99_ms < 50``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from sim.gates.expression import Gate
from sim.gates.values import MetricValue

__all__ = [
    "DEFAULT_MAX_LAG_MS",
    "GateConfigError",
    "GateResult",
    "Status",
    "evaluate_gate",
    "evaluate_gates",
    "is_timing_metric",
    "timing_trusted",
    "worst",
]

Status = Literal["pass", "fail", "inconclusive"]

#: The implicit generator-lag precondition of a load run (DESIGN §8, issue 5's goal).
DEFAULT_MAX_LAG_MS = 50.0
_LAG_METRIC = "generator_lag_p99_ms"
_SEVERITY: dict[str, int] = {"pass": 0, "inconclusive": 1, "fail": 2}


class GateConfigError(ValueError):
    """A gate that cannot be evaluated because the run does not report its metric."""


@dataclass(frozen=True, slots=True)
class GateResult:
    """The verdict on one gate, with the number it was decided on and why."""

    gate: Gate
    status: Status
    value: MetricValue | None
    decided_on: float
    reason: str
    implicit: bool = False


def worst(statuses: Iterable[str]) -> Status:
    """The overall status: fail beats inconclusive beats pass (pass if empty)."""
    top: Status = "pass"
    for s in statuses:
        if _SEVERITY[s] > _SEVERITY[top]:
            top = s  # type: ignore[assignment]
    return top


def is_timing_metric(name: str) -> bool:
    """Whether a metric measures time or rate (and so depends on the generator being on time)."""
    return (not name.startswith("generator_")) and (
        "latency" in name or name.endswith(("_ms", "_s", "per_s", "rps")) or "throughput" in name
    )


def _interval_verdict(gate: Gate, v: MetricValue) -> tuple[Status, float, str]:
    op, t = gate.comparator, gate.threshold
    if op == "==":
        ok = all(gate.holds(x) for x in (v.mean, v.ci_low, v.ci_high))
        return (
            ("pass" if ok else "fail"),
            v.mean,
            "every replication equals it" if ok else "not every replication equals it",
        )
    if op == "!=":
        if gate.holds(v.ci_low) and gate.holds(v.ci_high) and not (v.ci_low <= t <= v.ci_high):
            return "pass", v.mean, "threshold lies outside the CI"
        if not gate.holds(v.ci_low) and not gate.holds(v.ci_high):
            return "fail", v.mean, "the whole CI equals the threshold"
        return "inconclusive", v.mean, "the CI contains the threshold"
    # For an upper limit the bound that must hold is the CI's top, for a lower limit its bottom.
    must, other = (v.ci_high, v.ci_low) if op in ("<", "<=") else (v.ci_low, v.ci_high)
    side = "upper" if op in ("<", "<=") else "lower"
    if gate.holds(must):
        return "pass", must, f"CI {side} bound {must:.4g} {op} {t:g}"
    if not gate.holds(other):
        return "fail", other, f"whole CI [{v.ci_low:.4g}, {v.ci_high:.4g}] violates {op} {t:g}"
    return (
        "inconclusive",
        must,
        f"CI [{v.ci_low:.4g}, {v.ci_high:.4g}] straddles {t:g}; add replications",
    )


def evaluate_gate(gate: Gate, value: MetricValue) -> GateResult:
    """The verdict on one gate for one metric value (semantics in the module docstring)."""
    if value.is_nan:
        return GateResult(
            gate, "inconclusive", value, math.nan, "metric is undefined (NaN) in this run"
        )
    if not value.has_ci:
        ok = gate.holds(value.mean)
        status: Status = "pass" if ok else "fail"
        return GateResult(gate, status, value, value.mean, f"value {value.mean:.4g}")
    status, decided_on, reason = _interval_verdict(gate, value)
    return GateResult(gate, status, value, decided_on, reason)


def _with_implicit_lag_gate(
    gates: tuple[Gate, ...], metrics: Mapping[str, MetricValue], kind: str
) -> tuple[tuple[Gate, ...], set[Gate]]:
    has_lag_gate = any(g.metric.startswith("generator_lag") for g in gates if g.kind == kind)
    if kind != "load" or has_lag_gate or _LAG_METRIC not in metrics:
        return gates, set()
    implicit = Gate(_LAG_METRIC, "<", DEFAULT_MAX_LAG_MS, "load")
    return (*gates, implicit), {implicit}


def _missing(gates: Iterable[Gate], metrics: Mapping[str, MetricValue]) -> None:
    missing = sorted({g.metric for g in gates if g.metric not in metrics})
    if missing:
        known = ", ".join(sorted(metrics)) or "(none)"
        raise GateConfigError(
            f"gate metric(s) {', '.join(missing)} not reported by this run; known metrics: {known}"
        )


def timing_trusted(results: Iterable[GateResult]) -> bool:
    """Whether every generator precondition passed (so timing verdicts stand)."""
    return all(r.status == "pass" for r in results if r.gate.metric.startswith("generator_"))


def evaluate_gates(
    gates: Iterable[Gate], metrics: Mapping[str, MetricValue], kind: str
) -> list[GateResult]:
    """Evaluate the gates of one run kind, applying the generator-validity rule.

    Raises :class:`GateConfigError` when a gate names a metric the run does not report.
    """
    selected = tuple(g for g in gates if g.kind == kind)
    selected, implicit = _with_implicit_lag_gate(selected, metrics, kind)
    _missing(selected, metrics)
    results = [
        replace(evaluate_gate(g, metrics[g.metric]), implicit=g in implicit) for g in selected
    ]
    lagged = [r for r in results if r.gate.metric.startswith("generator_") and r.status != "pass"]
    if not lagged:
        return results
    why = f"load generator lagged ({lagged[0].gate.text} did not pass): timing cannot be trusted"
    return [
        replace(r, status="inconclusive", reason=f"{why}; {r.reason}")
        if r in lagged or is_timing_metric(r.gate.metric)
        else r
        for r in results
    ]
