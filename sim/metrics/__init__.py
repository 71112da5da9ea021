"""Metrics: pure functions of a run's records (DESIGN §6), the same for simulated and load runs.

One module per concept (``slots``, ``fairness``, ``timing``, ``burden``, ``service``,
``invariants``, …), each registering a metric group; :func:`summarize` applies them all.
"""

from sim.metrics.summary import summarize
from sim.metrics.view import RunView

__all__ = ["RunView", "summarize"]
