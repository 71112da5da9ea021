"""CI gates: gate expressions, their evaluation on a run's metrics, baselines and reports.

The engine works on plain metric mappings (``{metric: value}`` or
``{metric: {mean, ci_low, ci_high, n}}``), so it does not depend on how a run was measured;
:mod:`sim.gates.measure_simulate` and :mod:`sim.gates.measure_load` connect it to the simulator
and the load driver.
"""

from sim.gates.evaluate import GateResult, evaluate_gates
from sim.gates.expression import (
    COMPARATORS,
    KINDS,
    Gate,
    GateSyntaxError,
    parse_gate,
    parse_gate_table,
)
from sim.gates.values import MetricValue, metric_values

__all__ = [
    "COMPARATORS",
    "KINDS",
    "Gate",
    "GateResult",
    "GateSyntaxError",
    "MetricValue",
    "evaluate_gates",
    "metric_values",
    "parse_gate",
    "parse_gate_table",
]
