"""Outcome metrics from the target's truth, not from what the clients believe.

After a load run the target's booking events (its admin export) become the run's ``bookings``
table; joined with the plan's ``agents`` and ``identities`` (which persons belong to bot crews)
and the generator's ``requests`` and ``outcomes``, they give exactly the records a simulated run
has — so :func:`sim.metrics.summarize` computes the same metrics, and
:mod:`sim.domain.invariants` checks the target's state: overbooking, double booking, bad
transitions, and confirmations the clients were told succeeded but that the target lost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sim.domain.invariants import Violation, find_violations
from sim.metrics import summarize
from sim.metrics.scenario_meta import scenario_meta
from sim.records import EventLog, RunRecords
from sim.scenario.model import Scenario

__all__ = ["capacities_of", "event_log_of", "judge", "metrics_of"]


def event_log_of(events: Iterable[dict[str, Any]]) -> EventLog:
    """The target's exported events as the ``bookings`` table (missing fields → -1/"")."""
    log = EventLog()
    for e in events:
        log.append(
            float(e.get("t", math.nan)),
            str(e.get("event", "")),
            str(e.get("session", "")),
            int(e.get("slot", -1)),
            int(e.get("hold_id", -1)),
            int(e.get("person", -1)),
            int(e.get("account", -1)),
            int(e.get("count", 0)),
        )
    return log


def capacities_of(sc: Scenario) -> dict[str, int]:
    """Session id → slots."""
    return {s.id: s.capacity for d in sc.supply.departments for s in d.sessions}


def judge(records: RunRecords, sc: Scenario, acknowledged: Iterable[int]) -> list[Violation]:
    """Every invariant the target's final state breaks (empty list: none)."""
    return find_violations(records.bookings, capacities_of(sc), acknowledged)


def metrics_of(
    records: RunRecords, sc: Scenario, extra_meta: dict[str, Any] | None = None
) -> dict[str, float]:
    """The simulator's metrics, computed on the load run's records."""
    meta = {**records.meta, **scenario_meta(sc), **(extra_meta or {})}
    return summarize(records.tables(), meta)
