"""The service's front door: ``workers`` servers, first come first served, a bounded backlog.

For a FCFS multi-server queue, a request's start time is ``max(arrival, earliest free worker)``
and start times never decrease in arrival order; so each request's start and finish are known
the moment it arrives, with one heap operation, and the operation can be performed in arrival
order with the clock set to its start time. A request that finds ``backlog`` others already
waiting is turned away (503), as a saturated server's accept queue does.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from typing import Final

import numpy as np

from sim.scenario.model import ServiceModel

__all__ = ["BIN_S", "ServerQueue", "ServiceTimes"]

BIN_S: Final = 0.1  # width of the busy-time bins: fine enough to see a sub-second release peak


class ServerQueue:
    """FCFS c-server queue with a bounded number of waiting requests."""

    __slots__ = ("_free_at", "_waiting", "backlog", "busy_by_bin", "busy_s", "rejected", "served")

    def __init__(self, workers: int, backlog: int, t0: float = 0.0) -> None:
        self._free_at = [t0] * workers  # min-heap: when each worker is next free
        self._waiting: deque[float] = deque()  # start times of accepted requests not yet started
        self.backlog = backlog
        self.served = 0
        self.rejected = 0
        self.busy_s = 0.0
        # worker-seconds busy per 100 ms bin (key: floor(t / BIN_S)), so the peak's busy
        # fraction is visible, not only the horizon average (sim/metrics/service_peak.py)
        self.busy_by_bin: dict[int, float] = {}

    def waiting(self, now: float) -> int:
        """Requests accepted but not yet started at ``now``."""
        w = self._waiting
        while w and w[0] <= now:
            w.popleft()
        return len(w)

    def admit(self, now: float, service_s: float) -> float | None:
        """Accept a request arriving at ``now`` needing ``service_s``: its start time, or None
        if the backlog is full."""
        earliest = self._free_at[0]
        if earliest > now and self.waiting(now) >= self.backlog:
            self.rejected += 1
            return None
        start = earliest if earliest > now else now
        heapq.heapreplace(self._free_at, start + service_s)
        if start > now:
            self._waiting.append(start)
        self.served += 1
        self.busy_s += service_s
        self._add_busy(start, start + service_s)
        return start

    def _add_busy(self, start: float, end: float) -> None:
        """Spread one service interval over the :data:`BIN_S` bins it covers."""
        bins = self.busy_by_bin
        k = math.floor(start / BIN_S)
        while start < end:
            edge = min(end, (k + 1) * BIN_S)
            bins[k] = bins.get(k, 0.0) + (edge - start)
            start, k = edge, k + 1


class ServiceTimes:
    """Per-operation service times (seconds), drawn in blocks from one named stream."""

    BLOCK = 4096

    def __init__(self, model: ServiceModel, rng: np.random.Generator) -> None:
        self._model = model
        self._rng = rng
        self._blocks: dict[str, list[float]] = {}

    def draw(self, op: str) -> float:
        """The next service time for ``op``."""
        block = self._blocks.get(op)
        if block:
            return block.pop()
        return self._refill(op).pop()

    def _refill(self, op: str) -> list[float]:
        block: list[float] = (self._model.service_dist(op).sample(self._rng, self.BLOCK) / 1000.0).tolist()
        block.reverse()  # pop() from the end hands them out in drawing order
        self._blocks[op] = block
        return block
