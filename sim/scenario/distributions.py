"""Distributions that scenario files declare, e.g. ``{dist: lognormal, median: 0.27, p95: 0.6}``.

Each is a frozen pydantic model with ``sample(rng, n)`` (vectorised) and ``draw(rng)`` (one value);
``sampler`` is its compiled one-draw-at-a-time twin (:mod:`sim.scenario.sampler`), built once
per model, that the agents' hot path calls.
A bare number in YAML means a constant. ``floor``/``cap`` clip draws, e.g. the 0.1 s floor of
human reaction time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario import sampler as _sampling
from sim.scenario.sampler import Sampler

__all__ = ["Const", "Dist", "Exponential", "LogNormal", "Normal", "Uniform", "as_dist"]

_Z95 = 1.6448536269514722  # standard normal quantile at 0.95


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    floor: float | None = Field(None, description="draws below this are raised to it")
    cap: float | None = Field(None, description="draws above this are lowered to it")

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws as a float64 array, clipped to [floor, cap]."""
        x = np.asarray(self._raw(rng, n), dtype=np.float64)
        if self.floor is not None or self.cap is not None:
            x = np.clip(x, self.floor, self.cap)
        return x

    def _params(self) -> tuple[int, float, float]:  # pragma: no cover
        """The sampler's kind and parameters (see :class:`~sim.scenario.sampler.Sampler`)."""
        raise NotImplementedError

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, as pydantic makes it, without the cached sampler (it would keep the old
        parameters after ``update``)."""
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("sampler", None)
        return copied

    @cached_property
    def sampler(self) -> Sampler:
        """One draw at a time, compiled: numpy's scalar call, which consumes the stream exactly
        as ``_raw(rng, 1)`` does at a fraction of the cost (agents draw one at a time)."""
        kind, a, b = self._params()
        return Sampler(kind, a, b, self.floor, self.cap)

    def draw(self, rng: np.random.Generator) -> float:
        """One draw: the same value ``sample(rng, 1)[0]`` would give."""
        return self.sampler.draw(rng)

    def mean(self) -> float:
        """Mean before clipping (used for pacing and for analytic checks)."""
        raise NotImplementedError


class Const(_Base):
    """Always ``value``."""

    dist: Literal["const"] = "const"
    value: float

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)

    def _params(self) -> tuple[int, float, float]:
        return _sampling.CONST, self.value, 0.0

    def mean(self) -> float:
        return self.value


class Normal(_Base):
    """Normal with ``mean`` and standard deviation ``sd``."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mean_, self.sd, n)

    def _params(self) -> tuple[int, float, float]:
        return _sampling.NORMAL, self.mean_, self.sd

    def mean(self) -> float:
        return self.mean_


class Uniform(_Base):
    """Uniform on [low, high)."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be >= low ({self.low})")
        return self

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def _params(self) -> tuple[int, float, float]:
        return _sampling.UNIFORM, self.low, self.high

    def mean(self) -> float:
        return (self.low + self.high) / 2


class Exponential(_Base):
    """Exponential with the given ``mean`` (so Poisson arrivals have exponential gaps)."""

    dist: Literal["exponential"]
    mean_: float = Field(alias="mean", gt=0)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)

    def _params(self) -> tuple[int, float, float]:
        return _sampling.EXPONENTIAL, self.mean_, 0.0

    def mean(self) -> float:
        return self.mean_


class LogNormal(_Base):
    """Log-normal given by its ``median`` and 95th percentile ``p95`` (how papers report times)."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    p95: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> LogNormal:
        if self.p95 < self.median:
            raise ValueError(f"p95 ({self.p95}) must be >= median ({self.median})")
        return self

    @cached_property
    def sigma(self) -> float:
        return math.log(self.p95 / self.median) / _Z95

    @cached_property
    def _mu(self) -> float:
        return math.log(self.median)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.lognormal(self._mu, self.sigma, n)

    def _params(self) -> tuple[int, float, float]:
        return _sampling.LOGNORMAL, self._mu, self.sigma

    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


def _tag(value: Any) -> Any:
    """Let YAML say ``3.7`` for a constant."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "const", "value": value}
    if isinstance(value, dict) and "dist" not in value and "value" in value:
        return {"dist": "const", **value}
    return value


Dist = Annotated[
    Const | Normal | Uniform | Exponential | LogNormal,
    Field(discriminator="dist"),
]


def as_dist(value: Any) -> Any:
    """Pre-validator used by scenario models: numbers become constants."""
    return _tag(value)
