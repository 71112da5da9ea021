"""The invariants no booking system may break, checked on a run's booking history.

- held + confirmed ≤ capacity for every session, at every instant;
- no slot is held or booked twice at the same time;
- every hold id is used once, and is confirmed/cancelled/expired only after it was held;
- nothing acknowledged is lost: a confirmation the client was told succeeded is still
  confirmed at the end unless its owner cancelled it.

Works on the ``bookings`` table of any run (simulated, or exported from a real target).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

__all__ = ["InvariantViolation", "Violation", "check_invariants", "find_violations"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken invariant: which, where, when."""

    kind: str  # overbooked | double_booked | bad_transition | lost_ack
    session: str
    t: float
    detail: str


class InvariantViolation(AssertionError):
    """A run broke a booking invariant: the model or the target has a bug."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = [f"{v.kind} in session {v.session} at t={v.t:.3f}: {v.detail}" for v in violations[:10]]
        more = f" (and {len(violations) - 10} more)" if len(violations) > 10 else ""
        super().__init__(f"{len(violations)} invariant violation(s){more}:\n  " + "\n  ".join(lines))


_TAKE = {"hold"}
_END = {"expire", "cancel"}


def find_violations(bookings: pa.Table, capacities: dict[str, int],
                    acknowledged: Iterable[int] = ()) -> list[Violation]:
    """Replay the history in time order and list every broken invariant."""
    cols = bookings.select(["t", "event", "session", "slot", "hold_id"]).to_pydict()
    order = np.argsort(np.asarray(cols["t"], dtype=float), kind="stable")
    active: dict[str, int] = {}
    slot_owner: dict[tuple[str, int], int] = {}
    state: dict[int, str] = {}
    out: list[Violation] = []
    for i in order.tolist():
        t, ev, sess, slot, hid = (cols[k][i] for k in ("t", "event", "session", "slot", "hold_id"))
        if ev in _TAKE:
            if hid in state:
                out.append(Violation("bad_transition", sess, t, f"hold id {hid} issued twice"))
            state[hid] = "held"
            active[sess] = active.get(sess, 0) + 1
            if active[sess] > capacities.get(sess, 0):
                out.append(Violation("overbooked", sess, t,
                                     f"{active[sess]} held+confirmed > capacity {capacities.get(sess, 0)}"))
            owner = slot_owner.get((sess, slot))
            if owner is not None:
                out.append(Violation("double_booked", sess, t, f"slot {slot} held by {owner} and {hid}"))
            slot_owner[(sess, slot)] = hid
        elif ev == "confirm":
            if state.get(hid) not in ("held", "confirmed"):
                out.append(Violation("bad_transition", sess, t, f"confirm of hold {hid} in state {state.get(hid)}"))
            state[hid] = "confirmed"
        elif ev in _END:
            if state.get(hid) not in ("held", "confirmed"):
                out.append(Violation("bad_transition", sess, t, f"{ev} of hold {hid} in state {state.get(hid)}"))
                continue
            state[hid] = ev
            active[sess] -= 1
            if slot_owner.get((sess, slot)) == hid:
                del slot_owner[(sess, slot)]
    for hid in acknowledged:
        if state.get(hid) not in ("confirmed", "cancel"):
            out.append(Violation("lost_ack", "?", float("nan"),
                                 f"confirmation of hold {hid} was acknowledged but it is {state.get(hid)}"))
    return out


def check_invariants(bookings: pa.Table, requests: pa.Table | None, capacities: dict[str, int],
                     acknowledged: Iterable[int] = ()) -> None:
    """Raise :class:`InvariantViolation` if anything is broken."""
    violations = find_violations(bookings, capacities, acknowledged)
    if violations:
        raise InvariantViolation(violations)
