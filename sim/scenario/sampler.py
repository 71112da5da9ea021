"""One draw at a time from a scenario distribution, for the simulator's hot path.

Agents draw one value per think time, jitter, payment … — about one per request. Through the
pydantic models of :mod:`sim.scenario.distributions` each draw reads several model attributes
and runs two interpreted methods; a :class:`Sampler` holds the parameters as plain floats and
is compiled by mypyc with the hot path (:mod:`sim.compiled`). It makes the same numpy scalar
call the model makes, then clips alike, so it gives the same number from the same stream.
Every distribution model builds its sampler once (``dist.sampler``).
"""

from __future__ import annotations

from typing import Final

import numpy as np

__all__ = ["CONST", "EXPONENTIAL", "LOGNORMAL", "NORMAL", "UNIFORM", "Sampler"]

CONST: Final = 0
NORMAL: Final = 1
UNIFORM: Final = 2
EXPONENTIAL: Final = 3
LOGNORMAL: Final = 4


class Sampler:
    """Draws of one distribution: ``kind`` (a constant above) with parameters ``a``, ``b``
    (const: value; normal: mean, sd; uniform: low, high; exponential: mean; lognormal: mu,
    sigma), clipped to [``floor``, ``cap``] when those are given."""

    def __init__(self, kind: int, a: float, b: float, floor: float | None,
                 cap: float | None) -> None:
        self.kind = kind
        self.a = a
        self.b = b
        self.floor = floor
        self.cap = cap
        self.has_floor = floor is not None
        self.has_cap = cap is not None
        self.low = floor if floor is not None else 0.0
        self.high = cap if cap is not None else 0.0

    def __reduce__(self) -> tuple[type[Sampler], tuple[int, float, float, float | None, float | None]]:
        # pickled with the scenario it is cached on (process pools), in either build
        return Sampler, (self.kind, self.a, self.b, self.floor, self.cap)

    def raw(self, rng: np.random.Generator) -> float:
        """One draw before clipping (numpy's scalar call: one value of the stream)."""
        kind = self.kind
        if kind == LOGNORMAL:
            return float(rng.lognormal(self.a, self.b))
        if kind == CONST:
            return self.a
        if kind == NORMAL:
            return float(rng.normal(self.a, self.b))
        if kind == UNIFORM:
            return float(rng.uniform(self.a, self.b))
        return float(rng.exponential(self.a))

    def draw(self, rng: np.random.Generator) -> float:
        """One draw, clipped to [floor, cap]."""
        x = self.raw(rng)
        if self.has_floor and x < self.low:
            x = self.low
        if self.has_cap and x > self.high:
            x = self.high
        return x
