"""A small scenario that simulates in a fraction of a second."""

from __future__ import annotations

import pytest

from sim.scenario.loader import parse_scenario
from sim.scenario.model import Scenario

TINY = {
    "name": "tiny",
    "description": "Five slots, 300 patients, one bot device.",
    "seed": 7,
    "replications": 3,
    "horizon": {"before_s": 10, "after_s": 120},
    "supply": {"departments": [{"id": "d", "sessions": [{"id": "s1", "capacity": 5}]}]},
    "patients": [
        {"segment": "fast", "count": 200, "arrival_s": {"dist": "uniform", "low": -5, "high": 5},
         "retries": 3},
        {"segment": "slow", "count": 100, "arrival_s": {"dist": "uniform", "low": 0, "high": 60},
         "reaction_s": {"dist": "lognormal", "median": 1.0, "p95": 3.0}, "retries": 3},
    ],
    "bots": [{"crew": "c", "devices": 1, "rate_per_s": 20, "lanes": 2, "accounts": 4, "ips": 2,
              "persons": 10}],
}


@pytest.fixture
def tiny() -> Scenario:
    return parse_scenario(TINY, "tiny.yaml")
