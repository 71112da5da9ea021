"""Named random streams from one scenario seed.

Every stochastic process asks for its own stream by name (``"arrivals"``, ``"service"``,
``"agent", 17`` …). A stream is ``SeedSequence(seed, spawn_key=(replication, *key))``: the
same child ``SeedSequence.spawn`` would give, addressed by a stable key instead of by the
order in which streams happen to be created. So adding a stream never shifts another one, a
replication run alone equals the same replication run inside a batch, and a Locust worker
that runs agents 100..199 draws exactly what the simulator drew for them.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["Streams", "stream_key"]


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32; Python's ``hash`` is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of independent, named ``numpy.random.Generator`` streams for one replication."""

    __slots__ = ("replication", "seed")

    def __init__(self, seed: int, replication: int = 0) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = int(seed)
        self.replication = int(replication)

    def sequence(self, name: str, *index: int) -> np.random.SeedSequence:
        """The seed sequence of stream ``name`` (optionally indexed, e.g. per agent)."""
        key = (self.replication, stream_key(name), *(int(i) for i in index))
        return np.random.SeedSequence(self.seed, spawn_key=key)

    def generator(self, name: str, *index: int) -> np.random.Generator:
        """A fresh generator for stream ``name``; the same arguments always give the same draws."""
        return np.random.Generator(np.random.PCG64(self.sequence(name, *index)))
