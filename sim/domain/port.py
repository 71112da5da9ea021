"""The ledger port: what the booking service and the policies may ask of a ledger.

Two ledgers implement it — :class:`sim.domain.ledger.Ledger` in memory (the simulator) and
``targets.reference.ledger.SqlLedger`` in SQL (the reference service) — and everything above
them (:class:`~sim.service.booking.BookingService`, ``PolicyContext.ledger``, the allocation
helpers of the lottery and the waitlist) is typed to :class:`LedgerPort`, never to either
class. A policy that reaches for a field only the in-memory ledger has therefore fails mypy
instead of failing in the service. ``tests/sim/domain/test_port.py`` checks both conform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["EventSink", "Hold", "LedgerPort", "ReturnRule", "SessionInfo", "hold_body"]

HELD = "held"


@dataclass(slots=True)
class Hold:
    """A held or confirmed slot, owned by an account, booked for a (real-name) person."""

    hold_id: int
    session: str
    slot: int
    person: int
    account: int
    t_held: float
    expires_at: float
    state: str = HELD
    t_confirmed: float | None = None


def hold_body(h: Hold) -> dict[str, Any]:
    """The body of an ``ok`` answer carrying a hold: the same keys from the service, the
    policies that allocate slots themselves, and the reference service's ``GET`` routes."""
    return {"hold_id": h.hold_id, "session": h.session, "slot": h.slot, "state": h.state,
            "expires_at": h.expires_at, "person": h.person}


# A return policy decides, for a slot freed at ``now``, when it is bookable again
# (``now`` for at once, a later time for quarantine, None for never: it leaves the online pool).
ReturnRule = Callable[[str, int, float], float | None]


@runtime_checkable
class SessionInfo(Protocol):
    """One session's state as both ledgers report it (at the ledger's last ``advance``)."""

    @property
    def session(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def date(self) -> str: ...
    @property
    def capacity(self) -> int: ...
    @property
    def release_at(self) -> float: ...
    @property
    def remaining(self) -> int:
        """Free slots bookable now."""
    @property
    def released(self) -> int:
        """Slots released so far."""
    @property
    def held(self) -> int: ...
    @property
    def confirmed(self) -> int: ...


class EventSink(Protocol):
    """Where a ledger appends its booking events (the ``bookings`` records' columns)."""

    def append(self, t: float, event: str, session: str, slot: int, hold_id: int, person: int,
               account: int, count: int) -> None:
        """Record one booking event."""


@runtime_checkable
class LedgerPort(Protocol):
    """Slots, holds, TTL, confirm, cancel and returns, with lazy time (see ``sim.domain.ledger``)."""

    return_rule: ReturnRule

    @property
    def sessions(self) -> Mapping[str, SessionInfo]:
        """Session id → its state (after :meth:`advance`)."""
    @property
    def holds(self) -> Mapping[int, Hold]:
        """Hold id → the hold."""
    @property
    def events(self) -> EventSink:
        """The booking events written so far."""

    def add_session(self, session: str, department: str, date: str, capacity: int,
                    batches: Iterable[tuple[float, int]]) -> None:
        """Register a session whose slots are released in ``batches`` of (time, count)."""
    def advance(self, now: float) -> None:
        """Apply every expiry, release and return due by ``now``."""
    def session_view(self, session: str, now: float) -> SessionInfo | None:
        """The session's state at ``now`` (None if unknown)."""
    def hold(self, session: str, person: int, account: int, now: float, ttl: float) -> Hold | str:
        """Take the lowest free slot for ``person``: a :class:`Hold`, or a code saying why not."""
    def confirm(self, hold_id: int, account: int, now: float) -> Hold | str:
        """Pay for a hold (idempotent for the owner)."""
    def cancel(self, hold_id: int, account: int, now: float) -> Hold | str:
        """Cancel a held or confirmed slot of one's own."""
    def holds_of_person(self, person: int) -> list[Hold]:
        """All holds ever made for ``person`` (any state)."""
    def finish(self, now: float) -> None:
        """Close the books: apply everything due by ``now``."""
