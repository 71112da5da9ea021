import math

import pytest

from sim.metrics import RunView
from sim.metrics.fairness import fairness_metrics, jain_index, success_by_decile


@pytest.mark.parametrize(("values", "expected"), [
    ([0.5, 0.5, 0.5], 1.0),
    ([1.0, 0.0, 0.0, 0.0], 0.25),
    ([0.5, 0.0], 0.5),
    ([0.2, 0.4], 0.9),
])
def test_jain_index_known_values(values, expected):
    assert jain_index(values) == pytest.approx(expected)


def test_jain_index_of_nothing_is_undefined():
    assert math.isnan(jain_index([]))
    assert math.isnan(jain_index([0.0, 0.0]))  # nobody got anything: 0/0, not "perfectly fair"


def test_success_by_reaction_decile_puts_fastest_first(toy_tables):
    per = success_by_decile(RunView(toy_tables), "reaction")
    # 4 patients: ranks 0..3 land in deciles 1, 3, 6, 8; only the fastest (agent 0) booked
    assert per[0] == 1.0
    assert per[2] == 0.0 and per[5] == 0.0 and per[7] == 0.0
    assert math.isnan(per[1]) and math.isnan(per[9])


def test_fairness_group_names(toy_tables):
    m = fairness_metrics(RunView(toy_tables))
    assert m["jain_index"] == pytest.approx(0.5)  # segments a: 0.5, b: 0.0
    assert m["success_by_arrival_decile.d01"] == 1.0
    assert len([k for k in m if "_decile.d" in k]) == 20
