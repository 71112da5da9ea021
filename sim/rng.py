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
from typing import Any

import numpy as np

__all__ = ["Streams", "stream_key"]


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32; Python's ``hash`` is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


_WORD = 2**32


def _words(n: int) -> np.ndarray:
    """``n`` as little-endian 32-bit words, the way ``SeedSequence`` reads an int."""
    out = [n % _WORD]
    n //= _WORD
    while n:
        out.append(n % _WORD)
        n //= _WORD
    return np.array(out, dtype=np.uint32)


class Streams:
    """Factory of independent, named ``numpy.random.Generator`` streams for one replication."""

    __slots__ = ("_entropy", "replication", "seed")

    def __init__(self, seed: int, replication: int = 0) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = int(seed)
        self.replication = int(replication)
        self._entropy = _words(self.seed)

    def sequence(self, name: str, *index: int) -> np.random.SeedSequence:
        """The seed sequence of stream ``name`` (optionally indexed, e.g. per agent)."""
        key = (self.replication, stream_key(name), *(int(i) for i in index))
        return np.random.SeedSequence(self.seed, spawn_key=key)

    def generator(self, name: str, *index: int) -> np.random.Generator:
        """A fresh generator for stream ``name``; the same arguments always give the same draws."""
        key = (self.replication, stream_key(name), *(int(i) for i in index))
        if all(0 <= k < _WORD for k in key):
            # The same entropy words as ``sequence()`` handed over as arrays, which SeedSequence
            # takes without converting int by int: identical streams, a third cheaper — and
            # the simulator makes one per agent (tests/sim/test_rng.py checks the identity).
            words: Any = (np.array(key, dtype=np.uint32),)  # typed as ints; arrays are read alike
            seq = np.random.SeedSequence(self._entropy, spawn_key=words)
        else:
            seq = self.sequence(name, *index)
        return np.random.Generator(np.random.PCG64(seq))
