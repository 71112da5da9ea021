"""The invariants no booking system may break, checked on a run's booking history.

- held + confirmed ≤ capacity for every session, at every instant;
- no slot is held or booked twice at the same time;
- every hold id is used once, and is confirmed/cancelled/expired only after it was held;
- nothing acknowledged is lost: a confirmation the client was told succeeded is still
  confirmed at the end unless its owner cancelled it.

Works on the ``bookings`` table of any run (simulated, or exported from a real target).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    out.extend(_lost_acknowledgements(state, acknowledged))
    return out


def _lost_acknowledgements(state: dict[int, str], acknowledged: Iterable[int] | Mapping[int, int]) -> list[Violation]:
    """A confirmation the client was told succeeded must still be confirmed (or cancelled by
    its owner) in the target's history. ``acknowledged``: hold ids, or hold → person."""
    persons = acknowledged if isinstance(acknowledged, Mapping) else dict.fromkeys(acknowledged, -1)
    out = []
    for hid, person in persons.items():
        now = state.get(hid)
        if now in ("confirmed", "cancel"):
            continue
        whom = f"person {person}" if person is not None and int(person) >= 0 else "a client"
        where = "not in the target's export" if now is None else f"but the target's export has it {now}"
        out.append(Violation("lost_ack", "?", float("nan"),
                             f"confirmation of hold {hid} acknowledged to {whom}, {where}"))
    return out


def check_invariants(bookings: pa.Table, requests: pa.Table | None, capacities: dict[str, int],
                     acknowledged: Iterable[int] = ()) -> None:
    """Raise :class:`InvariantViolation` if anything is broken."""
    violations = find_violations(bookings, capacities, acknowledged)
    if violations:
        raise InvariantViolation(violations)
