"""Baselines: a saved run's metrics, and regression checks of a new run against them.

A regression check compares one metric of the current run with the baseline's, relative to the
baseline (``(current - baseline) / |baseline|``), in the metric's *worse* direction, and fails
beyond the metric's tolerance. A baseline of exactly 0 makes the tolerance absolute.

Performance metrics are machine-dependent, so they are compared as **ratios to a reference
measured in the same run** on the same machine: a latency (``*_ms``) is divided by
``reference_latency_ms`` (a trivial endpoint's latency), a rate (``*_per_s``) by
``reference_rate_per_s`` (a bare SimPy loop, or a trivial endpoint's rate). A CI machine that is
uniformly 40 % slower slows the reference as much as the service and leaves the ratio alone; a
change that makes only the service 30 % slower moves the ratio by 30 %.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sim.gates.evaluate import Status, is_timing_metric
from sim.gates.expression import Gate
from sim.gates.values import MetricValue, metric_values

__all__ = [
    "BASELINE_FORMAT",
    "DEFAULT_TIMING_TOLERANCE",
    "DEFAULT_TOLERANCE",
    "Baseline",
    "BaselineError",
    "RegressionResult",
    "compare",
    "direction_of",
    "parse_tolerances",
]

BASELINE_FORMAT = "slotgrab-baseline/1"
#: Relative tolerance of an outcome metric (seeded runs repeat exactly; 10 % is a real change).
DEFAULT_TOLERANCE = 0.10
#: Relative tolerance of a timing metric after normalisation (load runs are noisier).
DEFAULT_TIMING_TOLERANCE = 0.20

Direction = Literal["higher_is_worse", "lower_is_worse", "any_change"]
REFERENCE_FOR_SUFFIX = {"_ms": "reference_latency_ms", "_per_s": "reference_rate_per_s"}
_WORSE_WHEN_HIGHER = (
    "latency",
    "error",
    "overbook",
    "violation",
    "bot_",
    "lag",
    "timeout",
    "reject",
    "burden",
    "false_positive",
    "wasted",
    "unused",
    "_ms",
)
_WORSE_WHEN_LOWER = ("success", "per_s", "throughput", "jain", "fairness", "rps")


class BaselineError(ValueError):
    """A baseline file or tolerance that cannot be used; the message says why."""


@dataclass(frozen=True)
class Baseline:
    """The metrics (and in-run references) of one saved run."""

    scenario: str
    kind: str
    metrics: dict[str, MetricValue]
    references: dict[str, float]
    meta: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON form, written by ``--save-baseline``."""
        return {
            "format": BASELINE_FORMAT,
            "scenario": self.scenario,
            "kind": self.kind,
            "metrics": {k: v.to_dict() for k, v in sorted(self.metrics.items())},
            "references": dict(sorted(self.references.items())),
            "meta": self.meta,
        }

    def save(self, path: Path) -> None:
        """Write the baseline as JSON (parents created)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, path: Path) -> Baseline:
        """Read a baseline written by ``--save-baseline`` (BaselineError if unusable)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{path}: baseline file not found") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise BaselineError(f"{path}: not a readable JSON baseline: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
            raise BaselineError(
                f"{path}: format is {data.get('format') if isinstance(data, dict) else None!r}; "
                f"expected {BASELINE_FORMAT!r} (write one with --save-baseline)"
            )
        refs = {str(k): float(v) for k, v in (data.get("references") or {}).items()}
        return cls(
            str(data.get("scenario", "")),
            str(data.get("kind", "")),
            metric_values(data.get("metrics") or {}),
            refs,
            dict(data.get("meta") or {}),
        )


@dataclass(frozen=True, slots=True)
class RegressionResult:
    """The verdict of one metric against the baseline."""

    metric: str
    status: Status
    baseline: float
    current: float
    change: float
    tolerance: float
    direction: Direction
    normalised_by: str | None
    reason: str

    @property
    def name(self) -> str:
        """Identifier for reports and JUnit."""
        return f"regression: {self.metric}"


def direction_of(metric: str, gates: Iterable[Gate] = ()) -> Direction:
    """Which way is worse: from a gate on the metric if any, else from its name."""
    for g in gates:
        if g.metric == metric and g.comparator in ("<", "<="):
            return "higher_is_worse"
        if g.metric == metric and g.comparator in (">", ">="):
            return "lower_is_worse"
    if any(w in metric for w in _WORSE_WHEN_LOWER):
        return "lower_is_worse"
    if any(w in metric for w in _WORSE_WHEN_HIGHER):
        return "higher_is_worse"
    return "any_change"


def parse_tolerances(items: Iterable[str]) -> dict[str, float]:
    """``["latency_p99_ms=0.25", ...]`` → ``{"latency_p99_ms": 0.25}`` (BaselineError if bad)."""
    out: dict[str, float] = {}
    for item in items:
        metric, sep, rel = item.partition("=")
        try:
            value = float(rel)
        except ValueError:
            value = math.nan
        if not sep or not metric.strip() or not math.isfinite(value) or value < 0:
            raise BaselineError(
                f"--tolerance {item!r}: expected METRIC=REL with REL a relative "
                f"tolerance >= 0, e.g. latency_corrected_p99_ms=0.25"
            )
        out[metric.strip()] = value
    return out


def reference_for(metric: str) -> str | None:
    """The in-run reference a performance metric is divided by, or None for outcome metrics."""
    if metric.startswith("reference_"):
        return None
    for suffix, ref in REFERENCE_FOR_SUFFIX.items():
        if metric.endswith(suffix):
            return ref
    return None


def _normalised(metric: str, value: float, refs: Mapping[str, float]) -> tuple[float, str | None]:
    ref = reference_for(metric)
    if ref is None or not refs.get(ref):
        return value, None
    return value / refs[ref], ref


def _verdict(
    metric: str, base: float, cur: float, tol: float, direction: Direction, ref: str | None
) -> RegressionResult:
    absolute = base == 0
    change = (cur - base) if absolute else (cur - base) / abs(base)
    worse = {"higher_is_worse": change, "lower_is_worse": -change, "any_change": abs(change)}[
        direction
    ]
    kind = "absolute" if absolute else "relative"
    if math.isnan(change):
        status: Status = "fail"
        reason = "metric is undefined (NaN) in the current run or the baseline"
    elif worse > tol + 1e-12:
        status, reason = (
            "fail",
            f"{kind} change {change:+.1%} is worse than the tolerance {tol:.0%}",
        )
    else:
        status, reason = "pass", f"{kind} change {change:+.1%} within tolerance {tol:.0%}"
    if ref:
        reason += f" (ratio to {ref})"
    return RegressionResult(metric, status, base, cur, change, tol, direction, ref, reason)


def compare(
    current: Mapping[str, MetricValue],
    current_refs: Mapping[str, float],
    baseline: Baseline,
    metrics: Iterable[str],
    tolerances: Mapping[str, float],
    gates: Iterable[Gate] = (),
    timing_trusted: bool = True,
) -> list[RegressionResult]:
    """Regression checks of ``metrics`` (those present in both runs), means compared.

    Each performance metric is normalised by its reference when both runs measured it. When
    the load generator lagged (``timing_trusted=False``) timing checks are inconclusive, as
    timing gates are (:mod:`sim.gates.evaluate`).
    """
    gates = tuple(gates)
    results = []
    for metric in sorted(set(metrics)):
        if metric not in current or metric not in baseline.metrics:
            continue
        default = DEFAULT_TIMING_TOLERANCE if is_timing_metric(metric) else DEFAULT_TOLERANCE
        tol = tolerances.get(metric, default)
        base, ref_b = _normalised(metric, baseline.metrics[metric].mean, baseline.references)
        cur, ref_c = _normalised(metric, current[metric].mean, current_refs)
        if ref_b != ref_c:  # only one side has the reference: ratios would not be comparable
            base, cur, ref_b = baseline.metrics[metric].mean, current[metric].mean, None
        result = _verdict(metric, base, cur, tol, direction_of(metric, gates), ref_b)
        if not timing_trusted and is_timing_metric(metric):
            why = f"load generator lagged: timing cannot be trusted; {result.reason}"
            result = replace(result, status="inconclusive", reason=why)
        results.append(result)
    return results
