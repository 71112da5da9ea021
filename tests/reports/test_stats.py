"""Means, 95 % CIs and the significance test behind the 'n.s.' marks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from reports.stats import differs, estimate, estimates_of


def test_estimate_is_the_student_t_interval() -> None:
    x = [1.0, 2.0, 3.0, 4.0, math.nan]
    e = estimate(x)
    half = sps.t.ppf(0.975, 3) * np.std(x[:4], ddof=1) / 2
    assert e.n == 4 and e.mean == pytest.approx(2.5)
    assert (e.lo, e.hi) == pytest.approx((2.5 - half, 2.5 + half))


def test_single_replication_has_no_interval_and_no_significance() -> None:
    one = estimate([0.3])
    assert one.lo == one.hi == 0.3 and one.half_width == 0
    assert not differs(one, estimate([0.9, 0.91, 0.92]))


def test_differs_direction() -> None:
    rng = np.random.default_rng(3)
    a = estimate(0.2 + rng.normal(0, 0.01, 10))
    assert differs(a, estimate(0.5 + rng.normal(0, 0.01, 10)))
    assert not differs(a, estimate(0.2 + rng.normal(0, 0.01, 10)))
    assert differs(estimate([1.0, 1.0]), estimate([0.0, 0.0]))  # constant but different
    assert not differs(estimate([0.0, 0.0]), estimate([0.0, 0.0]))


def test_estimates_of_skips_policies_without_the_metric() -> None:
    samples = {"a": [{"m": 1.0}, {"m": 2.0}], "b": [{"other": 1.0}]}
    assert list(estimates_of(samples, "m")) == ["a"]
