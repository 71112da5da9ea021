"""What metrics need from the scenario beyond the records (both drivers' runs pass it on)."""

from __future__ import annotations

from typing import Any

from sim.metrics.economics import crew_terms
from sim.scenario.model import Scenario

__all__ = ["scenario_meta"]


def scenario_meta(sc: Scenario) -> dict[str, Any]:
    """Session capacities, and each crew's prices and costs (:mod:`sim.metrics.economics`)."""
    return {"capacities": sc.capacities,
            "crews": crew_terms(sc.bots)}
