"""Shares keep their intervals inside [0, 1] (Wilson, bootstrap), Holm's correction matches a
hand computation, and Jain's index of nothing is undefined in the summary."""

from __future__ import annotations

import math

import pytest

from reports.proportions import proportion_interval, wilson
from reports.significance import differs_from_best, holm
from reports.stats import estimate, estimate_metric
from reports.summary import summary_table
from sim.metrics.fairness import jain_index


def test_wilson_matches_the_closed_form() -> None:
    k, n, z = 3, 40, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson(k, n) == pytest.approx((centre - half, centre + half))
    lo, hi = wilson(0, 30)
    assert lo == pytest.approx(0.0, abs=1e-12) and 0 < hi < 0.12


def test_share_intervals_never_leave_zero_to_one() -> None:
    tiny = [0.0, 0.0, 0.02]  # the t-interval reaches below 0 here
    assert estimate(tiny).lo < 0
    for trials in (None, [30.0, 30.0, 30.0]):
        mean, lo, hi = proportion_interval(tiny, trials)
        assert 0.0 <= lo <= mean <= hi <= 1.0
    reps = [{"bot_share": v, "slots_confirmed": 30.0} for v in (1.0, 1.0, 29 / 30)]
    e = estimate_metric(reps, "bot_share")
    assert 0.9 < e.lo < e.hi <= 1.0
    assert e.mean == pytest.approx(89 / 90)  # pooled: 89 of 90 slots


def test_holm_matches_a_hand_computation() -> None:
    # sorted p: 0.01 × 3 = 0.03; 0.03 × 2 = 0.06; 0.04 × 1 = 0.04 → max(0.06, 0.04) = 0.06
    reject, adjusted = holm([0.01, 0.04, 0.03])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06])
    assert reject == [True, False, False]  # 0.04 and 0.03 pass alone at 0.05, not after correction


def test_the_ns_marks_follow_the_correction() -> None:
    best = estimate([0.50, 0.51, 0.49, 0.50, 0.52])
    borderline = estimate([0.47, 0.49, 0.48, 0.46, 0.50])  # Welch p ≈ 0.027 alone
    others = {f"o{i}": estimate([0.50, 0.51, 0.49, 0.50 - 0.001 * i, 0.52]) for i in range(1, 9)}  # p ≫ 0.05
    alone = differs_from_best({"best": best, "b": borderline}, "best")
    many = differs_from_best({"best": best, "b": borderline, **others}, "best")
    # nine comparisons: Holm multiplies the smallest p by 9 (0.027 × 9 > 0.05), so no longer significant
    assert alone["b"] and not many["b"]
    assert not any(many[p] for p in others)


def test_jain_of_nothing_is_undefined_and_shown_as_a_dash() -> None:
    assert math.isnan(jain_index([0.0, 0.0, 0.0]))
    table = summary_table({"fcfs": [{"jain_index": math.nan, "bot_share": 1.0}], "lottery": [{"jain_index": 0.8}]})
    row = next(r for r in table.rows if r[0].startswith("Jain"))
    assert row[1:] == ("—", "0.800")


@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0], [1.0], [0.0, 0.0, 0.05]])
def test_the_mean_is_always_inside_its_interval(values: list[float]) -> None:
    for trials in (None, [3000.0] * len(values), [7.0] * len(values)):
        mean, lo, hi = proportion_interval(values, trials)
        assert lo <= mean <= hi  # else matplotlib refuses the whisker (negative yerr)
