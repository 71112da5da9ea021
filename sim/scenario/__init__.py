"""Scenarios as data: YAML → frozen, validated pydantic models."""

from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.model import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario"]
