"""Checking a scenario's ``uncertain:`` ranges: every path must address a numeric field.

Checked when a scenario file is loaded as written (:func:`sim.scenario.loader.parse_scenario`),
not inside the model: a copy made with overrides (``--set bots=[]``, a sweep) may drop the item
a range addresses, and stays a valid scenario; ``slotgrab sensitivity`` re-resolves the paths
and names any that no longer exist.
"""

from __future__ import annotations

from sim.scenario.model import Scenario
from sim.scenario.overrides import OverrideError, value_at

__all__ = ["uncertain_problems"]


def uncertain_problems(sc: Scenario) -> list[str]:
    """One line per bad range: ``uncertain.<path>: what is wrong; allowed: …``."""
    data = sc.model_dump(mode="python", by_alias=True)
    problems = []
    for path, (low, high) in sc.uncertain.items():
        try:
            found = value_at(data, path)
        except OverrideError as exc:
            problems.append(f"uncertain.{exc}")
            continue
        if isinstance(found, bool) or not isinstance(found, int | float):
            problems.append(f"uncertain.{path}: a {type(found).__name__} field; allowed: numeric "
                            "fields (int or float), e.g. bots.0.rate_per_s")
        elif not low < high:
            problems.append(f"uncertain.{path}: [{low}, {high}]; allowed: [low, high] with low < high")
    return problems
