"""A candidate attack: a point of the crew's search space as scenario overrides, and its cost.

Paths of the space are relative to the crew (``devices``, ``captcha.solver``); here they
become dotted scenario paths (``bots.plugin.devices``). Two choices expand: a tactic mix
``snipe+scan`` becomes a list, a solver name becomes the whole ``captcha`` block from its
preset. Prices in the settings override the crew's cost fields, so that the economics metrics
charge what the budget charged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.attack import AttackSettings, Dimension
from sim.scenario.model import BotCrew, Scenario

__all__ = ["Candidate", "check_space", "crew_of", "fixed_cost", "make_candidate", "nominal_params"]

_PRICE_FIELDS = (("device", "device_cost"), ("ip", "proxy_cost_per_ip"),
                 ("account", "account_cost"), ("person", "id_cost_per_person"))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A crew to try: the sampled ``params`` (space paths → values), the scenario it gives,
    the crew's fixed cost per release day, and whether that fits the budget."""

    params: dict[str, Any]
    overrides: dict[str, Any]
    scenario: Scenario
    cost: float
    affordable: bool


def crew_of(sc: Scenario, name: str | None) -> BotCrew:
    """The crew called ``name`` (default: the first); a ValueError naming the crews otherwise."""
    if not sc.bots:
        raise ValueError("the scenario has no bot crew to optimise; add one under bots:")
    if name is None:
        return sc.bots[0]
    for crew in sc.bots:
        if crew.crew == name:
            return crew
    raise ValueError(f"attack.crew: no crew named {name!r}; allowed: {[c.crew for c in sc.bots]}")


def fixed_cost(crew: BotCrew) -> float:
    """Yuan per release day for the crew's devices, proxy IPs, accounts and person IDs."""
    return (crew.devices * crew.device_cost + crew.ips * crew.proxy_cost_per_ip
            + crew.accounts * crew.account_cost + crew.persons * crew.id_cost_per_person)


def _path_value(settings: AttackSettings, path: str, value: Any) -> tuple[str, Any]:
    if path == "tactics":
        return "tactics", str(value).split("+")
    if value in ("true", "false"):  # a yes/no choice (choices are strings)
        return path, value == "true"
    if path == "captcha.solver":
        preset = settings.solvers[str(value)]
        return "captcha", {"solver": value, **preset.model_dump(mode="python")}
    return path, value


def price_overrides(settings: AttackSettings, crew: str) -> dict[str, Any]:
    """The crew's cost fields set from the attack's prices (only those the settings give)."""
    prices = settings.prices.model_dump()
    return {f"bots.{crew}.{field}": prices[key] for key, field in _PRICE_FIELDS if prices[key] is not None}


def make_candidate(base: Scenario, settings: AttackSettings, params: Mapping[str, Any]) -> Candidate:
    """The scenario with the crew changed as ``params`` say (a pydantic ValidationError if the
    combination is not a valid crew)."""
    crew = crew_of(base, settings.crew).crew
    overrides = price_overrides(settings, crew)
    for path, value in params.items():
        field, v = _path_value(settings, path, value)
        overrides[f"bots.{crew}.{field}"] = v
    sc = base.with_overrides(overrides) if overrides else base
    cost = fixed_cost(crew_of(sc, crew))
    return Candidate(dict(params), overrides, sc, cost, cost <= settings.budget)


def check_space(base: Scenario, settings: AttackSettings) -> None:
    """A ValueError naming the first dimension whose path is not a field of the crew."""
    crew = crew_of(base, settings.crew)
    for i, dim in enumerate(settings.space):
        node: Any = crew
        for step in dim.path.split("."):
            fields = sorted(type(node).model_fields) if hasattr(type(node), "model_fields") else []
            if step not in fields:
                raise ValueError(f"attack.space.{i}.path: {dim.path!r} is not a field of crew "
                                 f"{crew.crew!r}; allowed at {step!r}: {fields}")
            node = getattr(node, step)


def _nominal_value(crew: BotCrew, dim: Dimension) -> Any:
    if dim.path == "tactics":
        return "+".join(crew.tactics)
    node: Any = crew
    for step in dim.path.split("."):
        node = getattr(node, step)
    return str(node).lower() if isinstance(node, bool) else node


def nominal_params(base: Scenario, settings: AttackSettings) -> dict[str, Any]:
    """The space's coordinates of the crew as the scenario has it, where they lie inside the
    space (clipped to numeric ranges; a choice the space lacks is left out)."""
    crew = crew_of(base, settings.crew)
    out: dict[str, Any] = {}
    for dim in settings.space:
        value = _nominal_value(crew, dim)
        if dim.choices is not None:
            if value in dim.choices:
                out[dim.path] = value
            continue
        assert dim.low is not None and dim.high is not None  # validated: numeric dimension
        clipped = min(max(float(value), dim.low), dim.high)
        out[dim.path] = round(clipped) if dim.integer else clipped
    return out


def neighbour_params(base: Scenario, settings: AttackSettings) -> list[dict[str, Any]]:
    """The nominal crew with one choice changed, for each other choice of each categorical
    dimension: the counter-moves the seed reports describe (rotate IPs after per-IP limits,
    a CAPTCHA farm, cancel-and-rebook) are tried first, then the optimiser explores."""
    nominal = nominal_params(base, settings)
    out = []
    for dim in settings.space:
        for choice in dim.choices or ():
            if dim.path in nominal and nominal[dim.path] != choice:
                out.append({**nominal, dim.path: choice})
    return out
