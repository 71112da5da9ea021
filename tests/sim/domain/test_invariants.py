"""Booking invariants: a broken history fails loudly; the ledger's own histories are clean."""

from __future__ import annotations

import heapq
from typing import Any

import pytest

from sim.domain.invariants import InvariantViolation, check_invariants, find_violations
from sim.drivers.simpy_driver import run_simulation
from sim.policies import registry
from sim.policies.base import NoParams, Policy, Request
from sim.policies.spec import PolicySpec
from sim.records import EventLog
from sim.scenario.loader import parse_scenario
from sim.scenario.model import Scenario
from sim.scenario.overrides import apply_overrides


def race(overrides: dict[str, Any] | None = None) -> Scenario:
    """200 patients and a bot device race for 5 slots."""
    data = {
        "name": "inv", "seed": 5, "horizon": {"before_s": 30, "after_s": 200},
        "supply": {"departments": [{"id": "d", "sessions": [{"id": "s1", "capacity": 5}]}]},
        "patients": [{"segment": "p", "count": 200,
                      "arrival_s": {"dist": "normal", "mean": -5, "sd": 5}, "retries": 5}],
        "bots": [{"crew": "c", "devices": 1, "rate_per_s": 50, "lanes": 2, "accounts": 5,
                  "ips": 2, "persons": 10, "give_up_after_sold_out_s": 5}],
    }
    return parse_scenario(apply_overrides(data, overrides or {}), "inv.yaml")


def _history(*rows: tuple[float, str, str, int, int]) -> EventLog:
    log = EventLog()
    for t, event, session, slot, hold_id in rows:
        log.append(t, event, session, slot, hold_id, hold_id, hold_id, 1)
    return log


def test_an_overbooked_history_raises_invariant_violation():
    log = _history((0.0, "release", "s1", -1, 0), (1.0, "hold", "s1", 0, 1),
                   (2.0, "hold", "s1", 1, 2))
    with pytest.raises(InvariantViolation) as err:
        check_invariants(log.to_arrow(), None, {"s1": 1})
    kinds = {v.kind for v in err.value.violations}
    assert "overbooked" in kinds
    assert "overbooked in session s1" in str(err.value)


def test_a_slot_held_twice_and_a_confirm_without_hold_are_caught():
    log = _history((1.0, "hold", "s1", 0, 1), (2.0, "hold", "s1", 0, 2),
                   (3.0, "confirm", "s1", 5, 9))
    kinds = [v.kind for v in find_violations(log.to_arrow(), {"s1": 5})]
    assert kinds == ["double_booked", "bad_transition"]


def test_a_lost_acknowledgement_is_caught():
    log = _history((1.0, "hold", "s1", 0, 1), (2.0, "expire", "s1", 0, 1))
    found = find_violations(log.to_arrow(), {"s1": 1}, acknowledged=[1])
    assert [v.kind for v in found] == ["lost_ack"]


class _LeakyPolicy(Policy):
    """The bug: after every successful hold the slot goes back into the free pool, so the
    ledger hands it out again (written as a policy: the ledger is compiled, so its methods
    cannot be patched; policies see the very ledger object the run uses)."""

    name = "leaky_test"
    Params = NoParams

    def after(self, req: Request, code: str, body: dict[str, Any], now: float) -> None:
        if req.op == "hold" and code == "ok":
            ledger: Any = self.ctx.ledger
            heapq.heappush(ledger.sessions[body["session"]].free, body["slot"])


def test_a_run_whose_ledger_hands_out_a_slot_twice_fails_loudly(monkeypatch):
    monkeypatch.setitem(registry._REGISTRY, _LeakyPolicy.name, _LeakyPolicy)
    leaky = race().with_policies((PolicySpec(name=_LeakyPolicy.name),))
    with pytest.raises(InvariantViolation):
        run_simulation(leaky, 0)
    run_simulation(race(), 0)  # the same race without the leak passes the check


def test_ledger_histories_of_normal_runs_are_clean():
    for overrides in ({}, {"bots.0.devices": 3}, {"supply.departments.0.sessions.0.capacity": 1}):
        rec = run_simulation(race(overrides), 0, check=False)
        assert rec.bookings.num_rows > 0
        assert find_violations(rec.bookings, {"s1": race(overrides).capacity}) == []
