"""The booking ledger: sessions, slots, holds and confirmed bookings, in memory.

Lifecycle of a slot: unreleased → available → **held** (TTL, pending payment) → **confirmed**,
or **expired** / **cancelled** (the slot returns, when the return policy says). Time is lazy:
an operation at clock ``now`` first applies every release, expiry and return due by ``now``
and stamps each with its own due time, so the ledger needs no background timer and gives the
same history whether the clock is simulated or the wall clock.

Every change is appended to :attr:`Ledger.events` (the booking-events records).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from sim.domain.port import Hold, ReturnRule
from sim.records import EventLog

__all__ = ["Hold", "Ledger", "ReturnRule", "SessionState"]

HELD, CONFIRMED, EXPIRED, CANCELLED = "held", "confirmed", "expired", "cancelled"
_EVENT_OF = {EXPIRED: "expire", CANCELLED: "cancel"}


@dataclass(slots=True)
class SessionState:
    """One session's slots: what is still to be released, what is free, what is due back."""

    session: str
    department: str
    date: str
    capacity: int
    release_at: float
    batches: list[tuple[float, int]]  # (time, slots) still to release, ascending
    free: list[int] = field(default_factory=list)  # min-heap of free slot numbers
    returns: list[tuple[float, int, int]] = field(default_factory=list)  # (due, seq, slot)
    next_slot: int = 0
    held: int = 0
    confirmed: int = 0

    @property
    def remaining(self) -> int:
        """Free slots right now (after :meth:`Ledger.advance`)."""
        return len(self.free)

    @property
    def released(self) -> int:
        """Slots released so far."""
        return self.next_slot


def _due_at(st: SessionState) -> float:
    """When the session's next release or return is due (inf: nothing pending)."""
    return min(st.batches[0][0] if st.batches else math.inf,
               st.returns[0][0] if st.returns else math.inf)


def _immediately(session: str, slot: int, now: float) -> float | None:
    return now


class Ledger:
    """In-memory ledger used by the simulator: a :class:`~sim.domain.port.LedgerPort` (the reference
    service keeps the same model in SQL)."""

    def __init__(self, events: EventLog | None = None, return_rule: ReturnRule = _immediately) -> None:
        self.sessions: dict[str, SessionState] = {}
        self.holds: dict[int, Hold] = {}
        self.events = events if events is not None else EventLog()
        self.return_rule = return_rule
        self._expiry: list[tuple[float, int]] = []  # (expires_at, hold_id)
        self._next_hold = 1
        self._seq = 0
        self._by_person: dict[int, list[int]] = {}
        # no session has a release or return due before this (a lower bound: advance runs on
        # every operation, and most find nothing due)
        self._next_due = math.inf

    # ---- set-up -------------------------------------------------------------------------
    def add_session(
        self, session: str, department: str, date: str, capacity: int, batches: Iterable[tuple[float, int]]
    ) -> None:
        """Register a session whose slots are released in ``batches`` of (time, count)."""
        plan = sorted((float(t), int(n)) for t, n in batches if n > 0)
        if sum(n for _, n in plan) > capacity:
            raise ValueError(f"session {session}: release batches exceed capacity {capacity}")
        release_at = plan[0][0] if plan else float("inf")
        self.sessions[session] = SessionState(session, department, date, capacity, release_at, plan)
        self._next_due = min(self._next_due, release_at)

    # ---- lazy time ----------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Apply every expiry, release and return due by ``now`` (each stamped at its due time)."""
        while self._expiry and self._expiry[0][0] <= now:
            due, hid = heapq.heappop(self._expiry)
            h = self.holds[hid]
            if h.state == HELD and h.expires_at == due:
                self._free(h, EXPIRED, due)
        if now >= self._next_due:
            next_due = math.inf
            for st in self.sessions.values():
                self._release_due(st, now)
                next_due = min(next_due, _due_at(st))
            self._next_due = next_due

    def _release_due(self, st: SessionState, now: float) -> None:
        while st.batches and st.batches[0][0] <= now:
            t, n = st.batches.pop(0)
            for _ in range(n):
                heapq.heappush(st.free, st.next_slot)
                st.next_slot += 1
            self._log(t, "release", st.session, -1, 0, -1, -1, n)
        while st.returns and st.returns[0][0] <= now:
            t, _, slot = heapq.heappop(st.returns)
            heapq.heappush(st.free, slot)
            self._log(t, "return", st.session, slot, 0, -1, -1, 1)

    def _free(self, h: Hold, new_state: str, t: float) -> None:
        st = self.sessions[h.session]
        if h.state == HELD:
            st.held -= 1
        else:
            st.confirmed -= 1
        h.state = new_state
        self._log(t, _EVENT_OF[new_state], h.session, h.slot, h.hold_id, h.person, h.account, 1)
        due = self.return_rule(h.session, h.slot, t)
        if due is not None:
            self._seq += 1
            heapq.heappush(st.returns, (max(due, t), self._seq, h.slot))
            self._next_due = min(self._next_due, due)
            self._release_due(st, t)
        else:
            self._log(t, "withdraw", h.session, h.slot, 0, -1, -1, 1)

    def _log(self, t: float, event: str, session: str, slot: int, hold_id: int, person: int,
             account: int, count: int) -> None:
        self.events.append(t, event, session, slot, hold_id, person, account, count)

    # ---- operations ---------------------------------------------------------------------
    def session_view(self, session: str, now: float) -> SessionState | None:
        """The session's state at ``now`` (None if unknown)."""
        self.advance(now)
        return self.sessions.get(session)

    def hold(self, session: str, person: int, account: int, now: float, ttl: float) -> Hold | str:
        """Take the lowest free slot for ``person``; a :class:`Hold`, or a code saying why not."""
        st = self.session_view(session, now)
        if st is None:
            return "not_found"
        if not st.free:
            return "not_released" if now < st.release_at else "sold_out"
        slot = heapq.heappop(st.free)
        hid = self._next_hold
        self._next_hold += 1
        h = Hold(hid, session, slot, person, account, now, now + ttl)
        self.holds[hid] = h
        st.held += 1
        heapq.heappush(self._expiry, (h.expires_at, hid))
        self._by_person.setdefault(person, []).append(hid)
        self._log(now, "hold", session, slot, hid, person, account, 1)
        return h

    def confirm(self, hold_id: int, account: int, now: float) -> Hold | str:
        """Pay for a hold: it becomes a confirmed booking (idempotent for the owner)."""
        self.advance(now)
        h = self.holds.get(hold_id)
        if h is None or h.account != account:
            return "not_found"  # another account's hold is indistinguishable from none
        if h.state == CONFIRMED:
            return h
        if h.state != HELD:
            return "expired"
        st = self.sessions[h.session]
        st.held -= 1
        st.confirmed += 1
        h.state = CONFIRMED
        h.t_confirmed = now
        self._log(now, "confirm", h.session, h.slot, h.hold_id, h.person, h.account, 1)
        return h

    def cancel(self, hold_id: int, account: int, now: float) -> Hold | str:
        """Cancel a held or confirmed slot of one's own; the slot returns per the return rule."""
        self.advance(now)
        h = self.holds.get(hold_id)
        if h is None or h.account != account:
            return "not_found"
        if h.state not in (HELD, CONFIRMED):
            return "expired"
        self._free(h, CANCELLED, now)
        return h

    def holds_of_person(self, person: int) -> list[Hold]:
        """All holds ever made for ``person`` (any state)."""
        return [self.holds[i] for i in self._by_person.get(person, ())]

    def finish(self, now: float) -> None:
        """Close the books at the end of the horizon: apply everything due by ``now``."""
        self.advance(now)
