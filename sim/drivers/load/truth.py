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
from sim.drivers.hold_ids import hold_key, is_hashed
from sim.metrics import summarize
from sim.metrics.scenario_meta import scenario_meta
from sim.records import EventLog, RunRecords
from sim.scenario.model import Scenario

__all__ = ["capacities_of", "event_log_of", "hold_id_table", "judge", "metrics_of"]


def event_log_of(events: Iterable[dict[str, Any]]) -> EventLog:
    """The target's exported events as the ``bookings`` table (missing fields → -1/"").

    Hold and slot ids may be any scalar (UUIDs too): they are keyed by :func:`hold_key`, the
    same function that keys the generator's acknowledgements and outcomes."""
    log = EventLog()
    for e in events:
        log.append(
            float(e.get("t", math.nan)),
            str(e.get("event", "")),
            str(e.get("session", "")),
            hold_key(e.get("slot")),
            hold_key(e.get("hold_id")),
            _int(e.get("person"), -1),
            _int(e.get("account"), -1),
            _int(e.get("count"), 0),
        )
    return log


def _int(value: Any, default: int) -> int:
    """An integer field of an event (None or empty: ``default``)."""
    return default if value is None or value == "" else int(value)


def hold_id_table(events: Iterable[dict[str, Any]]) -> dict[str, list[Any]]:
    """The original of every hashed hold id in the export (``key`` → ``hold_id`` as sent), so a
    UUID can be shown for the int64 key the records carry."""
    seen: dict[int, str] = {}
    for e in events:
        raw = e.get("hold_id")
        key = hold_key(raw)
        if is_hashed(key):
            seen.setdefault(key, str(raw))
    return {"key": list(seen), "hold_id": list(seen.values())}


def capacities_of(sc: Scenario) -> dict[str, int]:
    """Session id → slots."""
    return sc.capacities


def judge(records: RunRecords, sc: Scenario, acknowledged: Iterable[int]) -> list[Violation]:
    """Every invariant the target's final state breaks (empty list: none)."""
    return find_violations(records.bookings, capacities_of(sc), acknowledged)


def metrics_of(
    records: RunRecords, sc: Scenario, extra_meta: dict[str, Any] | None = None
) -> dict[str, float]:
    """The simulator's metrics, computed on the load run's records."""
    meta = {**records.meta, **scenario_meta(sc), **(extra_meta or {})}
    return summarize(records.tables(), meta)
