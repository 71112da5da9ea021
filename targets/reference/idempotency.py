"""Idempotency keys are kept for a bounded time: ``idempotency_ttl_s`` after their hold.

``BookingService`` (the simulator's code) records a hold's key in the policy store as
``idem:<account>:<key>`` → hold id and never removes it: harmless in a simulated run, but in a
long-running service every keyed hold left ≈ 300 B behind for good. A retry only needs the key
while the client may still be retrying, so :class:`KeyExpiry` deletes a key once its hold was
made more than ``ttl_s`` ago (clock relative to T0, like ``holds.t_held``). It sweeps at most
every ``ttl_s / 10``, so at any moment the keys are those of the holds of the last 1.1 TTL.
A retry after that is a new attempt.
"""

from __future__ import annotations

import math
from typing import Any

from targets.reference.runtime import Runtime

__all__ = ["PREFIX", "KeyExpiry"]

PREFIX = "idem:"


class KeyExpiry:
    """Deletes idempotency keys whose hold is older than ``ttl_s``."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self.every_s = ttl_s / 10
        self._next = -math.inf
        self._generation = -1

    def due(self, runtime: Runtime, now: float) -> bool:
        """Whether :meth:`sweep_due` at ``now`` would sweep (no side effect)."""
        loaded = runtime.loaded
        if loaded is None:
            return False
        return loaded.generation != self._generation or now >= self._next

    def sweep_due(self, runtime: Runtime, now: float) -> int:
        """Sweep if one is due at clock ``now``; the number of keys deleted."""
        loaded = runtime.loaded
        if loaded is None:
            return 0
        if loaded.generation != self._generation:  # a new load wiped the store and restarts the clock
            self._generation, self._next = loaded.generation, -math.inf
        if now < self._next:
            return 0
        self._next = now + self.every_s
        with runtime.db.transaction():
            return self._sweep(runtime, loaded.store, now - self.ttl_s)

    @staticmethod
    def _sweep(runtime: Runtime, store: Any, cutoff: float) -> int:
        keys = {int(v): k for k, v in runtime.db.all("SELECT key, value FROM kv WHERE key LIKE ?", (PREFIX + "%",))
                if v.isdigit()}
        if not keys:
            return 0
        old = runtime.db.all("SELECT hold_id FROM holds WHERE t_held < ?", (cutoff,))
        gone = [keys[h] for (h,) in old if h in keys]
        for key in gone:
            store.delete(key)
        return len(gone)
