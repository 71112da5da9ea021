"""Global sensitivity analysis over a scenario's ``uncertain:`` ranges, with SALib.

Each sample point is the scenario with the uncertain fields set to the sampled values (integer
fields rounded) and one replication run at it. Points are grouped as SALib's designs group them
(a Morris trajectory of k + 1 points; the k + 2 Saltelli rows of one base sample) and a group
shares one replication number, so an elementary effect or a Sobol difference compares runs
under common random numbers: an input that does nothing gets an index of exactly 0, while the
groups' different seeds put the seed-to-seed noise into the spread (Morris σ, the CIs). A point
is a module-level pure function of (scenario, replication), so a process pool gives the same
indices as a sequential run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.experiments.matrix import run_cell
from sim.scenario.model import Scenario
from sim.scenario.overrides import value_at
from sim.scenario.uncertain import uncertain_problems

__all__ = [
    "DEFAULT_N",
    "OUTPUTS",
    "Design",
    "SensitivityError",
    "SensitivityResult",
    "UncertainInput",
    "analyze",
    "design",
    "point_scenario",
    "run_design",
    "uncertain_inputs",
]

Method = Literal["morris", "sobol"]
OUTPUTS = ("bot_share", "patient_success")
# default sizes: Morris r = 10 trajectories → 10·(k+1) runs; Sobol N = 16 base samples →
# 16·(k+2) runs (first-order and total indices only). Chosen so release-peak with 5 inputs
# (60 / 112 runs at ≈ 1.5 CPU-s each) ends within minutes on 2 cores.
DEFAULT_N: dict[str, int] = {"morris": 10, "sobol": 16}
MORRIS_LEVELS = 4


class SensitivityError(ValueError):
    """The scenario cannot be analysed as asked (no ranges, a range the model rejects)."""


@dataclass(frozen=True, slots=True)
class UncertainInput:
    """One uncertain field: its dotted path, range, and whether the field holds an integer."""

    path: str
    low: float
    high: float
    integer: bool

    def value(self, x: float) -> float | int:
        """The field value for a sampled ``x`` (integers rounded, kept inside the range)."""
        if self.integer:
            return int(min(max(round(x), math.ceil(self.low)), math.floor(self.high)))
        return float(x)


def uncertain_inputs(sc: Scenario) -> list[UncertainInput]:
    """The scenario's ``uncertain:`` ranges as inputs; SensitivityError if there are none or a
    range end is a value the scenario rejects (e.g. ``service.workers: [0, 4]``)."""
    if not sc.uncertain:
        raise SensitivityError(f"{sc.name}: no 'uncertain:' ranges; add e.g. "
                               "uncertain: {bots.0.rate_per_s: [50, 200]}")
    problems = uncertain_problems(sc)
    if problems:
        raise SensitivityError("; ".join(problems))
    data = sc.model_dump(mode="python", by_alias=True)
    out = []
    for path, (low, high) in sc.uncertain.items():
        is_int = isinstance(value_at(data, path), int)
        inp = UncertainInput(path, float(low), float(high), is_int)
        for end in (low, high):
            try:
                sc.with_overrides({path: inp.value(end)})
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]["msg"]
                raise SensitivityError(f"uncertain.{path}: {end} is not allowed: {first}") from None
        out.append(inp)
    return out


@dataclass(frozen=True)
class Design:
    """The sampled points (rows of ``x``, one column per input) and each point's replication."""

    method: Method
    inputs: tuple[UncertainInput, ...]
    x: np.ndarray
    reps: np.ndarray
    seed: int

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem definition."""
        return {"num_vars": len(self.inputs), "names": [i.path for i in self.inputs],
                "bounds": [[i.low, i.high] for i in self.inputs]}


def design(inputs: Sequence[UncertainInput], method: Method, n: int, seed: int) -> Design:
    """SALib's sample for ``method`` with ``n`` trajectories (Morris) or base samples (Sobol,
    a power of 2), and one replication number per group of points."""
    problem = {"num_vars": len(inputs), "names": [i.path for i in inputs],
               "bounds": [[i.low, i.high] for i in inputs]}
    k = len(inputs)
    if method == "morris":
        x = morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)
        group = k + 1
    else:
        if n < 2 or n & (n - 1):
            raise SensitivityError(f"--n {n}: Sobol needs a power of 2; allowed: 2, 4, 8, 16, ...")
        x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
        group = k + 2
    reps = np.arange(len(x)) // group
    return Design(method, tuple(inputs), x, reps, seed)


def point_scenario(sc: Scenario, inputs: Sequence[UncertainInput], row: np.ndarray) -> Scenario:
    """The scenario at one sample point."""
    return sc.with_overrides({i.path: i.value(v) for i, v in zip(inputs, row, strict=True)})


def run_design(sc: Scenario, d: Design, executor: Executor | None = None,
               on_done: Callable[[int], None] | None = None) -> list[dict[str, float]]:
    """Every point's summary, in point order (the same on a pool as here)."""
    scenarios = [point_scenario(sc, d.inputs, row) for row in d.x]
    done: dict[int, dict[str, float]] = {}
    if executor is None:
        for j, point in enumerate(scenarios):
            done[j] = run_cell(point, int(d.reps[j]))
            if on_done is not None:
                on_done(j)
    else:
        futures: dict[Future[dict[str, float]], int] = {
            executor.submit(run_cell, point, int(d.reps[j])): j for j, point in enumerate(scenarios)}
        for fut in as_completed(futures):
            j = futures[fut]
            done[j] = fut.result()
            if on_done is not None:
                on_done(j)
    return [done[j] for j in range(len(scenarios))]


@dataclass
class SensitivityResult:
    """Indices per output and input: Morris ``mu_star``, ``mu_star_conf``, ``sigma``; Sobol
    ``S1``, ``S1_conf``, ``ST``, ``ST_conf``. ``undefined`` counts points whose output was NaN
    (e.g. bot share with no booking), analysed as 0."""

    method: Method
    inputs: list[str]
    indices: dict[str, dict[str, dict[str, float]]]
    undefined: dict[str, int] = field(default_factory=dict)
    runs: int = 0
    seed: int = 0

    def ranking(self, output: str) -> list[str]:
        """Inputs from most to least influential on ``output`` (μ* or total index)."""
        key = "mu_star" if self.method == "morris" else "ST"
        table = self.indices[output]
        return sorted(self.inputs, key=lambda name: -np.nan_to_num(table[name][key]))

    def rows(self) -> list[dict[str, Any]]:
        """One row per (output, input), for CSV."""
        return [{"output": out, "input": name, **vals}
                for out, table in self.indices.items() for name, vals in table.items()]


def _clean(x: Any) -> float:
    v = float(x)
    return v if math.isfinite(v) else math.nan


def analyze(d: Design, summaries: Sequence[dict[str, float]],
            outputs: Sequence[str] = OUTPUTS) -> SensitivityResult:
    """SALib's indices of each output (bootstrap CIs seeded by the design's seed)."""
    indices: dict[str, dict[str, dict[str, float]]] = {}
    undefined: dict[str, int] = {}
    for out in outputs:
        y = np.array([s.get(out, math.nan) for s in summaries], dtype=np.float64)
        undefined[out] = int(np.isnan(y).sum())
        y = np.nan_to_num(y, nan=0.0)
        indices[out] = _indices(d, y)
    return SensitivityResult(d.method, [i.path for i in d.inputs], indices, undefined,
                             len(summaries), d.seed)


def _indices(d: Design, y: np.ndarray) -> dict[str, dict[str, float]]:
    names = [i.path for i in d.inputs]
    if d.method == "morris":
        res = morris_analyze.analyze(d.problem, d.x, y, num_levels=MORRIS_LEVELS, seed=d.seed)
        keys = ("mu_star", "mu_star_conf", "sigma", "mu")
    else:
        res = sobol_analyze.analyze(d.problem, y, calc_second_order=False, seed=d.seed)
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    return {name: {k: _clean(res[k][i]) for k in keys} for i, name in enumerate(names)}
