"""Gate expressions: ``metric comparator number``, one list per run kind.

A scenario declares gates in the spirit of k6 thresholds and Gatling assertions, but over any
metric a run reports (outcomes as well as latencies)::

    gates:
      simulate: ["bot_share < 0.10", "patient_success >= 0.6"]
      load: ["overbooked == 0", "latency_corrected_p99_ms < 250", "generator_lag_p99_ms < 50"]

This module only parses and validates the text (it lives with the scenario, which checks its
gates when it is loaded); :mod:`sim.gates.evaluate` decides pass/fail.
Metric names are not checked here (the metrics a run produces are known only after the run); a
gate on a metric the run does not report is a configuration error at check time.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "COMPARATORS",
    "KINDS",
    "Gate",
    "GateSyntaxError",
    "parse_gate",
    "parse_gate_table",
]

#: Run kinds a scenario can gate; ``slotgrab check --kind`` takes one of them.
KINDS: tuple[str, ...] = ("simulate", "load")

#: Comparator text → function; longest first so ``<=`` is not read as ``<``.
COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}

_METRIC = r"[A-Za-z_][A-Za-z0-9_.:-]*"
_GATE_RE = re.compile(rf"^\s*(?P<metric>{_METRIC})\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>\S+)\s*$")
_SYNTAX = "a gate is 'METRIC COMPARATOR NUMBER', e.g. 'bot_share < 0.10'"


class GateSyntaxError(ValueError):
    """A gate expression that cannot be parsed; the message says what is allowed."""


@dataclass(frozen=True, slots=True)
class Gate:
    """One parsed gate: ``metric comparator threshold`` for one run kind."""

    metric: str
    comparator: str
    threshold: float
    kind: str = "simulate"

    @property
    def text(self) -> str:
        """The gate as a user writes it (``bot_share < 0.1``)."""
        return f"{self.metric} {self.comparator} {self.threshold:g}"

    @property
    def name(self) -> str:
        """A stable identifier for reports and JUnit (``simulate: bot_share < 0.1``)."""
        return f"{self.kind}: {self.text}"

    def holds(self, value: float) -> bool:
        """Whether a single number satisfies the gate (exact for ``==``/``!=`` up to 1e-12)."""
        if self.comparator == "==":
            return math.isclose(value, self.threshold, rel_tol=1e-12, abs_tol=1e-12)
        if self.comparator == "!=":
            return not math.isclose(value, self.threshold, rel_tol=1e-12, abs_tol=1e-12)
        return COMPARATORS[self.comparator](value, self.threshold)


def _allowed() -> str:
    return f"comparators: {', '.join(sorted(COMPARATORS, key=len))}"


def parse_gate(text: str, kind: str = "simulate") -> Gate:
    """Parse ``"bot_share < 0.10"`` into a :class:`Gate` (GateSyntaxError on bad input)."""
    if kind not in KINDS:
        raise GateSyntaxError(f"run kind {kind!r} is not known; allowed kinds: {', '.join(KINDS)}")
    if not isinstance(text, str):
        raise GateSyntaxError(f"{text!r} is not a string; {_SYNTAX}")
    match = _GATE_RE.match(text)
    if match is None:
        raise GateSyntaxError(f"{text!r} is not a gate; {_SYNTAX}")
    try:
        threshold = float(match["value"])
    except ValueError:
        raise GateSyntaxError(
            f"{text!r}: threshold {match['value']!r} is not a number; {_SYNTAX}"
        ) from None
    if not math.isfinite(threshold):
        raise GateSyntaxError(f"{text!r}: threshold must be a finite number")
    return Gate(metric=match["metric"], comparator=match["op"], threshold=threshold, kind=kind)


def parse_gate_table(table: Mapping[str, Sequence[str]]) -> tuple[Gate, ...]:
    """Parse a scenario's ``gates`` mapping (kind → expressions), naming the bad entry on error.

    The error message reads ``gates.load[1]: 'x <' is not a gate; …; comparators: …`` so the
    loader can prefix it with the file name.
    """
    gates: list[Gate] = []
    for kind, texts in table.items():
        if kind not in KINDS:
            raise GateSyntaxError(
                f"gates.{kind}: {kind!r} is not a run kind; allowed kinds: {', '.join(KINDS)}"
            )
        if isinstance(texts, str):
            raise GateSyntaxError(
                f"gates.{kind}: expected a list of gates, got the string {texts!r}"
            )
        for i, text in enumerate(texts):
            try:
                gates.append(parse_gate(text, kind))
            except GateSyntaxError as exc:
                raise GateSyntaxError(
                    f"gates.{kind}[{i}]: {exc}; {_allowed()}; kinds: {', '.join(KINDS)}"
                ) from None
    return tuple(gates)
