"""The attacker's side of a scenario: what a scalper crew can buy and change (``attack:``).

``slotgrab attack`` searches this space for the crew that does best against a policy stack
(:mod:`sim.attack`). Dimensions are paths *relative to the crew* (``devices``,
``captcha.solver``, ``tactics``); a candidate is the crew with those fields set, validated like
any scenario. Fixed costs (devices, proxy IPs, accounts, person IDs) must fit the budget.

Prices without an independent source are assumptions, marked as such: the search reports how
much the worst case moves when they change only through a rerun with other prices.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.scenario.distributions import Dist, LogNormal, as_dist

__all__ = ["AttackPrices", "AttackSettings", "Dimension", "SolverPreset", "default_space"]


DistField = Annotated[Dist, BeforeValidator(as_dist)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Dimension(_Frozen):
    """One axis of the search: a numeric range (``low``/``high``, optionally ``log`` and
    ``integer``) or a list of ``choices`` (strings; a tactic mix is written ``snipe+scan``)."""

    path: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    choices: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _range_or_choices(self) -> Dimension:
        if self.choices is not None:
            if len(self.choices) < 1 or self.low is not None or self.high is not None:
                raise ValueError(f"{self.path}: give either choices (at least one) or low/high, not both")
            return self
        if self.low is None or self.high is None or not self.low < self.high:
            raise ValueError(f"{self.path}: a numeric dimension needs low < high (got {self.low}, {self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"{self.path}: a log-scaled dimension needs low > 0 (got {self.low})")
        return self


class SolverPreset(_Frozen):
    """What choosing a CAPTCHA solver means for the crew's ``captcha`` block."""

    latency_s: DistField
    accuracy: float = Field(ge=0, le=1)
    price_per_1000: float = Field(ge=0)


class AttackPrices(_Frozen):
    """Yuan per release day for each fixed resource; ``None`` takes the crew's own field
    (``device_cost``, ``proxy_cost_per_ip``, ``id_cost_per_person``, ``account_cost``)."""

    device: float | None = Field(None, ge=0)
    ip: float | None = Field(None, ge=0)
    account: float | None = Field(None, ge=0)
    person: float | None = Field(None, ge=0)


def _solver_presets() -> dict[str, SolverPreset]:
    """Calibration note A3: ML solvers ≈ 100 % on reCAPTCHA v2 (Plesner24) at ≈ $0.8 / 1,000
    (TheGP) → ≈ ¥6; human farms: median 14 s, ≈ 90 % (Motoyama10), $1–3 / 1,000 → ¥14
    (2Captcha, TheGP). The ML latency spread is an assumption (a solver call over the network)."""
    return {
        "ml": SolverPreset(latency_s=LogNormal(dist="lognormal", median=0.5, p95=1.5, floor=0.2),
                           accuracy=0.99, price_per_1000=6.0),
        "farm": SolverPreset(latency_s=LogNormal(dist="lognormal", median=14.0, p95=30.0, floor=5.0),
                             accuracy=0.9, price_per_1000=14.0),
    }


def default_space() -> tuple[Dimension, ...]:
    """The crew's choices the search explores unless a scenario says otherwise. Upper bounds
    keep one trial within what two cores simulate in seconds."""
    def num(path: str, low: float, high: float, *, log: bool = False, integer: bool = False) -> Dimension:
        return Dimension(path=path, low=low, high=high, log=log, integer=integer)

    return (
        num("devices", 1, 16, integer=True),
        num("lanes", 1, 12, integer=True),
        num("rate_per_s", 10, 300, log=True),
        num("start_s", -10, 1),
        num("ips", 1, 500, log=True, integer=True),
        num("accounts", 1, 500, log=True, integer=True),
        num("persons", 10, 2000, log=True, integer=True),
        Dimension(path="on_rate_limit", choices=("backoff", "rotate")),
        Dimension(path="pays_after_rush", choices=("false", "true")),
        Dimension(path="captcha.solver", choices=("ml", "farm")),
        Dimension(path="tactics", choices=("snipe", "snipe+scan", "snipe+hold_and_transfer",
                                           "snipe+hold_and_transfer+scan")),
    )


class AttackSettings(_Frozen):
    """The attack search of a scenario: crew, budget, objective, prices, search size, space."""

    crew: str | None = Field(None, description="the crew to optimise (default: the first)")
    budget: float = Field(1000.0, gt=0, le=1e9, description="yuan per release day for fixed costs")
    objective: Literal["bot_share", "profit"] = "bot_share"
    trials: int = Field(40, ge=1, le=10_000)
    seeds: int = Field(3, ge=1, le=1000, description="replications per trial (common to all trials)")
    confirm_seeds: int = Field(10, ge=2, le=1000, description="replications of the best and nominal crews")
    batch: int = Field(4, ge=1, le=256, description="trials proposed at once (fixed: results do not depend on cores)")
    prices: AttackPrices = Field(default_factory=AttackPrices)
    solvers: dict[str, SolverPreset] = Field(default_factory=_solver_presets)
    space: tuple[Dimension, ...] = Field(default_factory=default_space)

    @model_validator(mode="after")
    def _solver_choices_known(self) -> AttackSettings:
        for dim in self.space:
            if dim.path == "captcha.solver" and dim.choices is not None:
                unknown = sorted(set(dim.choices) - set(self.solvers))
                if unknown:
                    raise ValueError(f"space captcha.solver: {unknown} have no solver preset; "
                                     f"allowed: {sorted(self.solvers)}")
        return self

    def dimension(self, path: str) -> Dimension | None:
        """The dimension at ``path``, if the space has one."""
        return next((d for d in self.space if d.path == path), None)

    def summary(self) -> dict[str, Any]:
        """The settings as plain data (for run folders)."""
        return self.model_dump(mode="json")
