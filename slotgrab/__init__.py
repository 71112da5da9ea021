"""slotgrab for notebooks and scripts: load a scenario, simulate it, compare policy stacks,
load-test a service — the same library calls the ``slotgrab`` commands make.

>>> import slotgrab
>>> sc = slotgrab.load_scenario("release-peak", {"patients.mobile.count": 200})
>>> result = slotgrab.simulate(sc, replications=2)
>>> result.metrics().to_pandas()          # doctest: +SKIP

Every result's tables are ``pyarrow.Table`` objects, so ``to_pandas()`` works wherever pandas
is installed (``pip install 'slotgrab[pandas]'``). See docs/python-api.md.
"""

from slotgrab.api import compare, load, load_scenario, simulate
from slotgrab.results import CompareResult, LoadResult, SimulationResult

__all__ = ["CompareResult", "LoadResult", "SimulationResult", "compare", "load", "load_scenario", "simulate"]
