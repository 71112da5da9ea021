"""Named random streams from one scenario seed.

Every stochastic process asks for its own stream by name (``"arrivals"``, ``"service"``,
``"agent", 17`` …). A stream is ``SeedSequence(seed, spawn_key=(replication, *key))``: the
same child ``SeedSequence.spawn`` would give, addressed by a stable key instead of by the
order in which streams happen to be created. So adding a stream never shifts another one, a
replication run alone equals the same replication run inside a batch, and a Locust worker
that runs agents 100..199 draws exactly what the simulator drew for them.

The simulator makes one generator per agent, and numpy's ``SeedSequence`` costs several
microseconds each time (it mixes every entropy word again, with array operations). So
:meth:`Streams.generator` runs numpy's mixing algorithm itself (:class:`_Mixer`, compiled by
mypyc with the hot path): the words a stream name shares with every index are mixed once,
and only the index is mixed per generator. The bit generator is seeded with the very words
``SeedSequence.generate_state`` would give (``tests/sim/test_rng.py`` checks the identity).
"""

from __future__ import annotations

import zlib
from typing import Any, Final

import numpy as np
from numpy.random.bit_generator import ISeedSequence

__all__ = ["Streams", "stream_key"]


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32; Python's ``hash`` is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


_WORD: Final = 2**32
_MASK32: Final = 0xFFFFFFFF
# numpy's SeedSequence constants (numpy/random/bit_generator.pyx)
_POOL_SIZE: Final = 4
_INIT_A: Final = 0x43B0D7E5
_MULT_A: Final = 0x931E8875
_INIT_B: Final = 0x8B51F9DD
_MULT_B: Final = 0x58F38DED
_MIX_MULT_L: Final = 0xCA01F9DD
_MIX_MULT_R: Final = 0x4973F715
_XSHIFT: Final = 16


def _int_words(n: int) -> list[int]:
    """``n`` as little-endian 32-bit words, the way ``SeedSequence`` reads an int."""
    out = [n % _WORD]
    n //= _WORD
    while n:
        out.append(n % _WORD)
        n //= _WORD
    return out


def _mul32(a: int, b: int) -> int:
    """``a * b`` modulo 2**32 (numpy's uint32 product) for 32-bit ``a`` and ``b``, in 16-bit
    halves: compiled code multiplies small ints natively only while both factors are under
    2**31, and a product past 63 bits would be a slow big int."""
    a_lo, a_hi, b_lo, b_hi = a & 0xFFFF, a >> 16, b & 0xFFFF, b >> 16
    return (a_lo * b_lo + (((a_hi * b_lo + a_lo * b_hi) & 0xFFFF) << 16)) & _MASK32


def _mix(x: int, y: int) -> int:
    result = (_mul32(_MIX_MULT_L, x) - _mul32(_MIX_MULT_R, y)) & _MASK32
    return result ^ (result >> _XSHIFT)


class _Mixer:
    """numpy's ``SeedSequence`` entropy pool, filled word by word (its ``mix_entropy`` and
    ``generate_state``, in integers): a copy taken after the words every index of a stream
    shares goes on with each index's own words."""

    def __init__(self, pool: list[int], hash_const: int) -> None:
        self.pool = pool
        self.hash_const = hash_const

    @staticmethod
    def start(first: list[int]) -> _Mixer:
        """The pool after its first ``_POOL_SIZE`` entropy words (zeros if fewer) and the
        pairwise mixing that follows them."""
        m = _Mixer([0] * _POOL_SIZE, _INIT_A)
        pool = m.pool
        for i in range(_POOL_SIZE):
            pool[i] = m._hashmix(first[i] if i < len(first) else 0)
        for src in range(_POOL_SIZE):
            for dst in range(_POOL_SIZE):
                if src != dst:
                    pool[dst] = _mix(pool[dst], m._hashmix(pool[src]))
        return m

    def _hashmix(self, value: int) -> int:
        value ^= self.hash_const
        self.hash_const = _mul32(self.hash_const, _MULT_A)
        value = _mul32(value, self.hash_const)
        return value ^ (value >> _XSHIFT)

    def copy(self) -> _Mixer:
        """An independent pool in the same state."""
        return _Mixer(list(self.pool), self.hash_const)

    def feed(self, word: int) -> None:
        """Mix one more entropy word (one past the pool's first fill) into every pool word."""
        pool = self.pool
        for dst in range(_POOL_SIZE):
            pool[dst] = _mix(pool[dst], self._hashmix(word))

    def state64(self, n_words: int) -> list[int]:
        """``generate_state(n_words, np.uint64)``: pairs of 32-bit words, low word first."""
        h = _INIT_B
        out: list[int] = []
        low = 0
        for i in range(2 * n_words):
            v = self.pool[i % _POOL_SIZE] ^ h
            h = _mul32(h, _MULT_B)
            v = _mul32(v, h)
            v ^= v >> _XSHIFT
            if i % 2 == 0:
                low = v
            else:
                out.append(low | (v << 32))
        return out


class _SeedWords:
    """What a bit generator reads of its seed sequence: words ``generate_state`` already
    gave (``PCG64`` asks for 4 uint64 words once, when it is built)."""

    def __init__(self, words: np.ndarray) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        """The words handed over (only the request ``PCG64`` makes is answered)."""
        if n_words != len(self.words) or np.dtype(dtype) != np.dtype(np.uint64):
            raise ValueError("these seed words answer generate_state(4, np.uint64) only")
        return self.words


ISeedSequence.register(_SeedWords)


class Streams:
    """Factory of independent, named ``numpy.random.Generator`` streams for one replication."""

    def __init__(self, seed: int, replication: int = 0) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = int(seed)
        self.replication = int(replication)
        self._seed_words = _int_words(self.seed)
        self._prefix: dict[str, _Mixer] = {}  # stream name → pool before the index words

    def sequence(self, name: str, *index: int) -> np.random.SeedSequence:
        """The seed sequence of stream ``name`` (optionally indexed, e.g. per agent)."""
        key = (self.replication, stream_key(name), *(int(i) for i in index))
        return np.random.SeedSequence(self.seed, spawn_key=key)

    def _mixer(self, name: str) -> _Mixer:
        """The pool after the seed, the replication and the name's key (shared by every index
        of stream ``name``); the seed words are padded to the pool's size, as SeedSequence does
        when there is a spawn key."""
        m = self._prefix.get(name)
        if m is None:
            words = self._seed_words + [0] * max(_POOL_SIZE - len(self._seed_words), 0)
            words += [self.replication, stream_key(name)]
            m = _Mixer.start(words[:_POOL_SIZE])
            for w in words[_POOL_SIZE:]:
                m.feed(w)
            self._prefix[name] = m
        return m

    def generator(self, name: str, *index: int) -> np.random.Generator:
        """A fresh generator for stream ``name``; the same arguments always give the same draws."""
        if 0 <= self.replication < _WORD and all(0 <= i < _WORD for i in index):
            m = self._mixer(name).copy()
            for i in index:
                m.feed(i)
            words = np.array(m.state64(4), dtype=np.uint64)
            seed: Any = _SeedWords(words)
            return np.random.Generator(np.random.PCG64(seed))
        return np.random.Generator(np.random.PCG64(self.sequence(name, *index)))
