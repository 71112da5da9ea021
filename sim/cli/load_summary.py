"""The end of ``slotgrab load``: per-operation statistics and the scenario's load gates.

- :func:`stats_table`: Locust's end-of-run table per operation (count, failures, p50/p90/p99/max
  in ms, req/s), from :func:`sim.drivers.load.stats_export.operation_stats`;
- :func:`evaluate_load_gates` / :func:`gate_lines`: the scenario's ``gates.load`` judged on this
  run's metrics by :mod:`sim.gates.evaluate` (the same verdicts as ``slotgrab check --kind
  load``, implicit generator-lag precondition included), shown k6-style: ``✓``/``✗``/``?``.
  They are shown, not enforced: ``slotgrab check`` is the command whose exit code gates CI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.cli.metric_table import format_value
from sim.drivers.load.stats_export import operation_stats, write_stats
from sim.gates.evaluate import GateResult, evaluate_gates
from sim.gates.expression import Gate, parse_gate_table
from sim.gates.values import MetricValue
from sim.scenario.model import Scenario

__all__ = [
    "LoadGates",
    "LoadOutputs",
    "evaluate_load_gates",
    "gate_lines",
    "gates_json",
    "load_outputs",
    "stats_table",
]

_MARK = {"pass": ("✓", "green"), "fail": ("✗", "red"), "inconclusive": ("?", "yellow")}


def _ms(v: float) -> str:
    return "–" if isinstance(v, float) and math.isnan(v) else f"{v:,.1f}"


def stats_table(rows: list[dict[str, Any]]) -> Table:
    """The per-operation table (rows from ``operation_stats``; the last is ``Aggregated``)."""
    table = Table(title="requests by operation (ms)", title_justify="left")
    table.add_column("operation", style="bold")
    for col in ("count", "failures", "p50", "p90", "p99", "max", "req/s"):
        table.add_column(col, justify="right")
    for i, r in enumerate(rows):
        table.add_row(
            r["Name"],
            f"{r['Request Count']:,}",
            f"{r['Failure Count']:,}",
            *(_ms(r[c]) for c in ("50%", "90%", "99%", "100%")),
            _ms(r["Requests/s"]),
            end_section=i == len(rows) - 2,
        )
    return table


class LoadGates:
    """The verdicts on a run's load gates, and the gates whose metric the run does not report."""

    def __init__(self, results: list[GateResult], unknown: list[Gate]) -> None:
        self.results = results
        self.unknown = unknown

    @property
    def failed(self) -> bool:
        """Whether any gate failed."""
        return any(r.status == "fail" for r in self.results)


def evaluate_load_gates(sc: Scenario, metrics: Mapping[str, float]) -> LoadGates:
    """The scenario's ``gates.load`` on one load run's metrics (single values, no CI)."""
    values = {k: MetricValue.point(float(v)) for k, v in metrics.items()}
    gates = tuple(g for g in parse_gate_table(sc.gates) if g.kind == "load")
    known = tuple(g for g in gates if g.metric in values)
    unknown = [g for g in gates if g.metric not in values]
    return LoadGates(evaluate_gates(known, values, "load"), unknown)


def gate_lines(gates: LoadGates) -> list[Text]:
    """One k6-style line per gate: mark, expression, the value it was decided on, why."""
    lines = []
    for r in gates.results:
        mark, style = _MARK[r.status]
        implicit = " (implicit)" if r.implicit else ""
        line = Text(f"  {mark} ", style=style)
        line.append(f"{r.gate.text}{implicit}", style="bold")
        line.append(f"  {format_value(r.decided_on)}  {r.status}: {r.reason}")
        lines.append(line)
    for g in gates.unknown:
        lines.append(Text(f"  ? {g.text}  not reported by a load run", style="yellow"))
    return lines


def gates_json(gates: LoadGates) -> list[dict[str, Any]]:
    """The verdicts as JSON-safe dicts (for ``--json``)."""
    out: list[dict[str, Any]] = [
        {
            "gate": r.gate.text,
            "status": r.status,
            "value": None if math.isnan(r.decided_on) else r.decided_on,
            "reason": r.reason,
            "implicit": r.implicit,
        }
        for r in gates.results
    ]
    out += [{"gate": g.text, "status": "unknown", "value": None,
             "reason": "metric not reported by a load run", "implicit": False}
            for g in gates.unknown]
    return out


class LoadOutputs:
    """The per-operation rows, the gate verdicts and the files written for one load run."""

    def __init__(self, operations: list[dict[str, Any]], gates: LoadGates,
                 files: dict[str, Path]) -> None:
        self.operations = operations
        self.gates = gates
        self.files = files

    def print(self, console: Console) -> None:
        """The per-operation table and the k6-style gate lines."""
        console.print(stats_table(self.operations))
        lines = gate_lines(self.gates)
        if lines:
            console.print(Text("gates.load", style="bold"))
            for line in lines:
                console.print(line)

    def to_json(self) -> dict[str, Any]:
        """The rows and verdicts for ``--json``."""
        return {"operations": self.operations, "gates": gates_json(self.gates),
                "files": {k: str(v) for k, v in self.files.items()}}


def load_outputs(folder: Path, sc: Scenario, report: Any) -> LoadOutputs:
    """Write the run's stats CSV/JSON into ``folder`` and judge its load gates."""
    from sim.gates.measure_load import violation_counts  # imports locust (the run did already)

    requests = report.records.requests
    files = write_stats(folder, requests, report.result.t0_wall)
    metrics = {**report.metrics, **violation_counts(report.violations)}
    return LoadOutputs(operation_stats(requests), evaluate_load_gates(sc, metrics), files)
