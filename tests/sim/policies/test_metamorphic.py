"""Metamorphic relations over paired seeds, for every registered policy.

For each policy (default parameters) on the small policy-test race, the same seeds are run on
a base and on a changed scenario, and the mean paired difference in patient success must go
the right way: more bot devices never raise it, more slots never lower it, faster patients
never lose. Seeds pair the runs but do not couple them draw for draw (a bigger crew shifts the
tie-breaking order of everyone), so each relation is a one-sided test on the mean paired
difference: it may not go the wrong way by more than one patient in 200 plus two standard
errors of that mean (a relation that holds can fail by chance at about 2.5 %; most cells here
have a zero-width difference, where the test is exact).

Named exceptions, each with its reason, checked in its own test below:

- ``blacklist`` and ``rate_limit`` count per IP/account/person. A crew that doubles its
  devices on the *same* identity pool trips the limit sooner (its own pre-release firing bans or
  throttles its IPs before T0), so patients gain from the bigger crew. With the pools scaled with
  the devices the relation holds; that is the variant asserted for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from policy_kit import SEEDS, patient_success, runs, scenario, with_policies

from sim.policies.registry import all_policies
from sim.scenario.model import Scenario

TOLERANCE = 1 / 200  # one patient of the 200
PAIRED = SEEDS[:5]
FAST = ("fcfs", "lottery", "waiting_room", "reserved_share")
POOL_BOUND = ("blacklist", "rate_limit")
MORE_DEVICES = {"bots.0.devices": 4}
MORE_DEVICES_AND_POOLS = {"bots.0.devices": 4, "bots.0.ips": 8, "bots.0.accounts": 40,
                          "bots.0.persons": 120}
MORE_SLOTS = {"supply.departments.0.sessions.0.capacity": 30}
FASTER = {"patients.0.reaction_s.median": 0.15, "patients.0.reaction_s.p95": 0.35,
          "patients.1.reaction_s.median": 0.75, "patients.1.reaction_s.p95": 2.0}


def _base(policy: str) -> Scenario:
    return with_policies(scenario(patients=200), policy)


def _paired_gain(sc: Scenario, change: dict[str, Any]) -> tuple[float, float]:
    """Mean over paired seeds of patient success (changed − base), and its standard error."""
    base = np.array([patient_success(v) for v in runs(sc, PAIRED)])
    changed = np.array([patient_success(v) for v in runs(sc.with_overrides(change), PAIRED)])
    diff = changed - base
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))


def _marks(name: str) -> Any:
    return pytest.param(name, marks=() if name in FAST else pytest.mark.slow)


POLICIES = [_marks(n) for n in sorted(all_policies())]


@pytest.mark.parametrize("policy", POLICIES)
def test_more_bot_devices_never_raise_patient_success(policy: str) -> None:
    change = MORE_DEVICES_AND_POOLS if policy in POOL_BOUND else MORE_DEVICES
    gain, se = _paired_gain(_base(policy), change)
    assert gain - 2 * se <= TOLERANCE


@pytest.mark.parametrize("policy", POLICIES)
def test_more_slots_never_lower_patient_success(policy: str) -> None:
    gain, se = _paired_gain(_base(policy), MORE_SLOTS)
    assert gain + 2 * se >= -TOLERANCE


@pytest.mark.parametrize("policy", POLICIES)
def test_faster_patients_never_lose(policy: str) -> None:
    gain, se = _paired_gain(_base(policy), FASTER)
    assert gain + 2 * se >= -TOLERANCE


@pytest.mark.slow
def test_a_bigger_crew_on_the_same_pool_burns_it_under_a_blacklist() -> None:
    # the named exception: same 4 IPs, twice the devices → banned sooner, patients gain
    sc = _base("blacklist")
    pairs = SEEDS[:6]
    base = np.array([patient_success(v) for v in runs(sc, pairs)])
    more = np.array([patient_success(v) for v in runs(sc.with_overrides(MORE_DEVICES), pairs)])
    assert (more - base).mean() > 0
