"""Invariant violations in the booking history (must be zero; see :mod:`sim.domain.invariants`).

Session capacities come from ``meta["capacities"]`` when the run knows them (simulated runs);
otherwise the slots each session released are taken as its capacity.
"""

from __future__ import annotations

import numpy as np

from sim.domain.invariants import find_violations
from sim.metrics.registry import metric_group
from sim.metrics.view import RunView, column

__all__ = ["capacities_of", "invariant_metrics"]


def capacities_of(run: RunView) -> dict[str, int]:
    """Session → capacity, from ``meta`` or else from the ``release`` events."""
    if "capacities" in run.meta:
        return {str(k): int(v) for k, v in run.meta["capacities"].items()}
    b = run.table("bookings")
    released = column(b, "event") == "release"
    caps: dict[str, int] = {}
    sessions, counts = column(b, "session")[released], column(b, "count", np.int64)[released]
    for s, n in zip(sessions, counts, strict=True):
        caps[str(s)] = caps.get(str(s), 0) + int(n)
    return caps


@metric_group("invariants", order=90)
def invariant_metrics(run: RunView) -> dict[str, float]:
    """``invariant_violations``: count of broken booking invariants (overbooking, double
    booking, bad transitions) found by replaying the ``bookings`` table, and of lost
    acknowledgements: holds whose confirmation a client was told succeeded (``meta
    ["acknowledged"]``, hold → person, in load runs) that the target's export does not keep."""
    acknowledged = run.meta.get("acknowledged", {})
    violations = find_violations(run.table("bookings"), capacities_of(run), acknowledged)
    return {"invariant_violations": float(len(violations))}
