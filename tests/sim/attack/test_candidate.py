"""Candidates: the space's coordinates as crew overrides, costs and the budget."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.attack.candidate import fixed_cost, make_candidate, neighbour_params, nominal_params
from sim.scenario.attack import AttackPrices, AttackSettings, Dimension
from sim.scenario.model import Scenario


def test_tactic_mix_and_solver_expand(small_peak: Scenario) -> None:
    settings = AttackSettings()
    cand = make_candidate(small_peak, settings, {"tactics": "snipe+scan", "captcha.solver": "farm"})
    crew = cand.scenario.bots[0]
    assert crew.tactics == ("snipe", "scan")
    assert crew.captcha.solver == "farm"
    assert crew.captcha.price_per_1000 == settings.solvers["farm"].price_per_1000
    assert crew.captcha.latency_s.median == 14.0  # the farm preset (Motoyama10), not the ML one


def test_fixed_cost_counts_every_resource_at_the_attack_prices(small_peak: Scenario) -> None:
    settings = AttackSettings(prices=AttackPrices(device=10, ip=1, account=2, person=0.5))
    cand = make_candidate(small_peak, settings, {"devices": 3, "ips": 7, "accounts": 5, "persons": 40})
    assert cand.cost == pytest.approx(3 * 10 + 7 * 1 + 5 * 2 + 40 * 0.5)
    assert fixed_cost(cand.scenario.bots[0]) == cand.cost
    assert cand.affordable
    poor = settings.model_copy(update={"budget": 50.0})
    assert not make_candidate(small_peak, poor, {"devices": 3, "ips": 7, "accounts": 5, "persons": 40}).affordable


def test_nominal_params_are_the_scenario_crew_clipped_into_the_space(small_peak: Scenario) -> None:
    space = (Dimension(path="devices", low=1, high=3, integer=True), Dimension(path="start_s", low=-1, high=1),
             Dimension(path="on_rate_limit", choices=("backoff", "rotate")))
    params = nominal_params(small_peak, AttackSettings(space=space))
    assert params == {"devices": 3, "start_s": -1.0, "on_rate_limit": "backoff"}  # 4 → 3, −2 → −1


def test_neighbours_change_one_choice_each(small_peak: Scenario) -> None:
    nominal = nominal_params(small_peak, AttackSettings())
    neighbours = neighbour_params(small_peak, AttackSettings())
    assert {"on_rate_limit": "rotate"}.items() <= neighbours[0].items()
    for n in neighbours:
        assert sum(n[k] != nominal[k] for k in nominal) == 1


@pytest.mark.parametrize("bad", [
    {"path": "devices", "low": 5, "high": 2},
    {"path": "devices", "low": 0, "high": 5, "log": True},
    {"path": "tactics", "choices": ["snipe"], "low": 1, "high": 2},
])
def test_bad_dimensions_say_what_is_wrong(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match=r"devices|tactics"):
        Dimension.model_validate(bad)


def test_solver_choice_needs_a_preset() -> None:
    with pytest.raises(ValidationError, match="no solver preset"):
        AttackSettings(space=(Dimension(path="captcha.solver", choices=("ml", "gpu-farm")),))


def test_a_space_path_that_is_not_a_crew_field_is_named(small_peak: Scenario) -> None:
    from sim.attack.candidate import check_space

    with pytest.raises(ValueError, match=r"attack.space.0.path: 'nosuch' is not a field of crew 'plugin'"):
        check_space(small_peak, AttackSettings(space=(Dimension(path="nosuch", low=1, high=2),)))
    check_space(small_peak, AttackSettings())  # the default space addresses real fields
