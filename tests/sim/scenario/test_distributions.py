"""Scenario distributions: one draw at a time (the compiled sampler) gives what the vectorised
``sample`` gives from the same stream, clipped alike, and the sampler travels with its model."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.scenario.distributions import Dist, as_dist

_DISTS = (
    3.7,
    {"value": 2.0, "floor": 2.5},
    {"dist": "normal", "mean": 1.0, "sd": 0.5, "floor": 0.8, "cap": 1.3},
    {"dist": "uniform", "low": -1.0, "high": 2.0, "cap": 1.5},
    {"dist": "exponential", "mean": 0.4},
    {"dist": "lognormal", "median": 0.27, "p95": 0.6, "floor": 0.1},
)


@pytest.mark.parametrize("raw", _DISTS)
def test_draws_one_at_a_time_equal_the_vectorised_sample(raw: object) -> None:
    dist = TypeAdapter(Dist).validate_python(as_dist(raw))
    one, many = np.random.default_rng(7), np.random.default_rng(7)
    drawn = [dist.draw(one) for _ in range(200)]
    sampled = [float(dist.sample(many, 1)[0]) for _ in range(200)]
    assert drawn == sampled
    assert all(type(x) is float for x in drawn)
    again = np.random.default_rng(7)
    assert [dist.sampler.draw(again) for _ in range(200)] == drawn


def test_a_model_with_its_sampler_built_pickles_and_draws_alike() -> None:
    dist = TypeAdapter(Dist).validate_python({"dist": "lognormal", "median": 1.0, "p95": 3.0,
                                              "cap": 2.0})
    assert dist.sampler is dist.sampler  # built once and cached on the model (the hot path's)
    copy = pickle.loads(pickle.dumps(dist))
    assert copy == dist
    assert copy.draw(np.random.default_rng(1)) == dist.draw(np.random.default_rng(1))


def test_a_copy_with_new_parameters_draws_with_them_not_with_the_cached_sampler() -> None:
    dist = TypeAdapter(Dist).validate_python(as_dist({"dist": "normal", "mean": 10.0, "sd": 1.0}))
    assert dist.sampler.draw(np.random.default_rng(3)) < 20  # the cache is now built
    moved = dist.model_copy(update={"mean_": 1000.0})
    assert moved.sampler.draw(np.random.default_rng(3)) > 900
