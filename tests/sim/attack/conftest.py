"""release-peak scaled down (a tenth of the patients, a 5-minute horizon): the crew, service
and policies of the headline scenario, at a fraction of a second per replication."""

from __future__ import annotations

import pytest

from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario

SMALL = {"patients.mobile.count": 300, "patients.elderly.count": 60, "patients.slow-network.count": 40,
         "horizon.after_s": 300}


@pytest.fixture(scope="session")
def small_peak() -> Scenario:
    return load_scenario(resolve_path("release-peak"), SMALL)
