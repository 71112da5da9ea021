import math

import pytest
from scipy import stats

from sim.experiments.aggregate import aggregate, stats_of


def test_ci_is_student_t_around_the_mean():
    s = stats_of([1.0, 2.0, 3.0, 4.0])
    half = stats.t.ppf(0.975, 3) * s.sd / 2
    assert s.mean == 2.5 and s.n == 4
    assert s.half_width == pytest.approx(half)
    assert (s.ci_low, s.ci_high) == pytest.approx((2.5 - half, 2.5 + half))


def test_undefined_replications_are_left_out():
    s = stats_of([1.0, math.nan, 3.0])
    assert s.n == 2 and s.mean == 2.0
    assert math.isnan(s.values[1])


def test_one_replication_has_no_ci():
    s = stats_of([5.0])
    assert s.mean == 5.0 and math.isnan(s.half_width)
    assert s.to_json()["half_width"] is None  # JSON has no NaN


def test_missing_counts_are_zero_and_missing_rates_undefined():
    agg = aggregate([{"requests.timeout": 4.0, "patient_success.x": 0.5}, {}])
    assert agg["requests.timeout"].values == (4.0, 0.0)
    assert agg["patient_success.x"].n == 1
