"""One draw at a time from a scenario distribution, for the simulator's hot path.

Agents draw one value per think time, jitter, payment … — about one per request. Through the
pydantic models of :mod:`sim.scenario.distributions` each draw reads several model attributes
and runs two interpreted methods; a :class:`Sampler` holds the parameters as plain floats and
is compiled by mypyc with the hot path (:mod:`sim.compiled`), and gives the same number from
the same stream as the model's ``sample(rng, 1)[0]``, clipped alike.

It calls numpy's standard variate (``standard_normal()``, ``standard_exponential()``,
``random()``) and scales it as numpy's C code does (``numpy/random/src/distributions``:
``lognormal`` is ``exp(mu + sigma * z)``, ``normal`` ``loc + scale * z``, ``exponential``
``scale * e``, ``uniform`` ``low + (high - low) * u``): the parameterised calls check and convert
their arguments on every call, a third of what a draw costs. The same variates, in the same
order, in the same double arithmetic: the same numbers (``tests/sim/scenario/
test_distributions.py`` compares them with numpy's vectorised calls). Every distribution model
builds its sampler once (``dist.sampler``).
"""

from __future__ import annotations

import math
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
        self.span = b - a  # uniform: numpy's ``range``
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
        """One draw before clipping (one variate of the stream, as numpy scales it)."""
        kind = self.kind
        if kind == LOGNORMAL:
            return math.exp(self.a + self.b * float(rng.standard_normal()))
        if kind == CONST:
            return self.a
        if kind == NORMAL:
            return self.a + self.b * float(rng.standard_normal())
        if kind == UNIFORM:
            return self.a + self.span * float(rng.random())
        return self.a * float(rng.standard_exponential())

    def draw(self, rng: np.random.Generator) -> float:
        """One draw, clipped to [floor, cap]."""
        x = self.raw(rng)
        if self.has_floor and x < self.low:
            x = self.low
        if self.has_cap and x > self.high:
            x = self.high
        return x
