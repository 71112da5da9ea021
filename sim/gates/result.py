"""The outcome of ``slotgrab check``: gate and regression verdicts, overall status, exit code.

Exit codes (k6 and Gatling use their own; these are the ones a CI step sees):
0 pass · 1 a gate or regression check failed · 2 usage or configuration error · 3 inconclusive.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.gates.baseline import RegressionResult
from sim.gates.evaluate import GateResult, Status, worst
from sim.gates.values import MetricValue

__all__ = ["EXIT_CODES", "CheckResult"]

EXIT_CODES: dict[str, int] = {"pass": 0, "fail": 1, "usage": 2, "inconclusive": 3}


def _finite(x: float) -> float | None:
    """JSON has no NaN: undefined numbers are written as null."""
    return x if math.isfinite(x) else None


def _value_dict(v: MetricValue | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "mean": _finite(v.mean),
        "ci_low": _finite(v.ci_low),
        "ci_high": _finite(v.ci_high),
        "n": v.n,
    }


@dataclass(frozen=True)
class CheckResult:
    """Everything one check decided, plus the metrics and references it decided on."""

    scenario: str
    kind: str
    gates: list[GateResult]
    regressions: list[RegressionResult]
    metrics: dict[str, MetricValue]
    references: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        """Overall verdict: any fail → fail, else any inconclusive → inconclusive, else pass."""
        return worst([*(g.status for g in self.gates), *(r.status for r in self.regressions)])

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 3 inconclusive."""
        return EXIT_CODES[self.status]

    def counts(self) -> dict[str, int]:
        """How many checks ended in each status."""
        out = {"pass": 0, "fail": 0, "inconclusive": 0}
        for s in [*(g.status for g in self.gates), *(r.status for r in self.regressions)]:
            out[s] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON result document (``result.json``)."""
        return {
            "format": "slotgrab-check/1",
            "scenario": self.scenario,
            "kind": self.kind,
            "status": self.status,
            "exit_code": self.exit_code,
            "counts": self.counts(),
            "gates": [
                {
                    "gate": g.gate.text,
                    "metric": g.gate.metric,
                    "comparator": g.gate.comparator,
                    "threshold": g.gate.threshold,
                    "status": g.status,
                    "value": _value_dict(g.value),
                    "decided_on": _finite(g.decided_on),
                    "reason": g.reason,
                    "implicit": g.implicit,
                }
                for g in self.gates
            ],
            "regressions": [
                {
                    "metric": r.metric,
                    "status": r.status,
                    "baseline": _finite(r.baseline),
                    "current": _finite(r.current),
                    "change": _finite(r.change),
                    "tolerance": r.tolerance,
                    "direction": r.direction,
                    "normalised_by": r.normalised_by,
                    "reason": r.reason,
                }
                for r in self.regressions
            ],
            "metrics": {k: _value_dict(v) for k, v in sorted(self.metrics.items())},
            "references": {k: _finite(v) for k, v in sorted(self.references.items())},
            "meta": self.meta,
        }

    def write_json(self, path: Path) -> None:
        """Write ``to_dict()`` as indented JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
