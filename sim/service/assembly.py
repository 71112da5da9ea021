"""One assembly of the booking service for both hosts: policies, their contexts, the service.

The SimPy driver (in-memory ledger and store) and the reference service
(``targets.reference.runtime``: SQL ledger and store) both call :func:`build_service`, so a
policy gets the same context — the same named random stream ``policy:<name>``, index by its
place in the stack — whichever host runs it.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.domain.port import LedgerPort
from sim.policies.base import PolicyContext
from sim.policies.stack import PolicyStack
from sim.policies.store import StateStore
from sim.rng import Streams
from sim.scenario.model import Scenario
from sim.service.booking import BookingService

__all__ = ["build_service", "context_factory"]


def context_factory(sc: Scenario, streams: Streams, ledger: LedgerPort,
                    store: StateStore) -> Callable[[int, str], PolicyContext]:
    """``make_ctx(index, name)`` for :meth:`PolicyStack.build`: the policy at ``index`` of the
    stack gets its own stream and shares the ledger, the store and the supply maps."""
    depts = {s.id: d.id for d in sc.supply.departments for s in d.sessions}
    dates = {s.id: s.date for d in sc.supply.departments for s in d.sessions}

    def make_ctx(index: int, name: str) -> PolicyContext:
        rng = streams.generator(f"policy:{name}", index)
        return PolicyContext(store, rng, ledger, sc.release.hold_ttl_s, depts, dates)

    return make_ctx


def build_service(sc: Scenario, streams: Streams, ledger: LedgerPort, store: StateStore) -> BookingService:
    """``sc``'s policy stack built on ``ledger``/``store``, behind a :class:`BookingService`."""
    stack = PolicyStack.build(sc.policies, context_factory(sc, streams, ledger, store))
    return BookingService(sc, ledger, stack, store)
