"""Which slot a hold books, for APIs that book a specific slot (a ticket, a seat).

slotgrab's ``hold`` means "any free slot of this session"; an API that wants a slot id makes
the adapter choose one from the free slots it last saw listed (a worker-local view refreshed by
every ``list_sessions`` answer). The choice changes the verdict, because it decides how often
clients collide on the same slot (on the reserve-only test service, bot share 0.4–0.6 with
``first_free`` against 0.1–0.2 with ``random`` — docs/adapters.md, "Slot choice"):

- ``first_free`` — the first free slot listed: every client races for the same one, as naive
  clients and many bots do; most holds of a burst conflict;
- ``random`` — a uniformly random free slot, from the seeded stream ``slot_pick`` of the
  caller's person (``Streams(seed, rep).generator("slot_pick", person)``): reproducible;
- ``per_lane`` — the slot at the caller's own offset (person id modulo the free count): each
  identity aims at a different slot, as a coordinated crew does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.rng import Streams

__all__ = ["PICKS", "SlotView"]

PICKS = ("first_free", "random", "per_lane")


@dataclass
class SlotView:
    """The free slots of each session as last listed, and the pick over them."""

    strategy: str = "first_free"
    streams: Streams | None = None
    free: dict[str, list[Any]] = field(default_factory=dict)
    seen_at: dict[str, float] = field(default_factory=dict)
    _rngs: dict[int, np.random.Generator] = field(default_factory=dict)

    def update(self, session: str, free: list[Any]) -> None:
        """What a listing said about ``session``."""
        self.free[session] = list(free)
        self.seen_at[session] = time.monotonic()

    def stale(self, session: str, ttl_s: float) -> bool:
        """No view of ``session`` yet, or an empty one older than ``ttl_s``."""
        if session not in self.free:
            return True
        return not self.free[session] and time.monotonic() - self.seen_at[session] > ttl_s

    def taken(self, session: str, slot: Any) -> None:
        """``slot`` is no longer free (held, or the target said it was taken)."""
        with_slot = self.free.get(session)
        if with_slot and slot in with_slot:
            with_slot.remove(slot)

    def pick(self, session: str, person: int) -> Any | None:
        """The slot to book for ``person``, or None if the view has no free slot."""
        free = self.free.get(session) or []
        if not free:
            return None
        if self.strategy == "first_free":
            return free[0]
        if self.strategy == "per_lane":
            return free[int(person) % len(free)]
        rng = self._rngs.get(person)
        if rng is None:
            streams = self.streams or Streams(0, 0)
            rng = self._rngs[person] = streams.generator("slot_pick", int(person))
        return free[int(rng.integers(len(free)))]
