"""The comparison matrix: policy stacks × parameter sweeps × seeds, run in parallel.

A *variant* is the scenario under one policy stack with one combination of swept values, made
with :meth:`Scenario.with_policies` and :meth:`Scenario.with_overrides` (never by mutation). A
*cell* is one replication of one variant: :func:`run_cell`, a module-level pure function, so
the same cell gives the same summary in this process, in a process pool or on a Dask worker.
Cells are handed to any ``concurrent.futures``-style executor — a local
``ProcessPoolExecutor``, or ``distributed.Client(...).get_executor()`` for a Dask cluster — and
their summaries are put back in (variant, replication) order, so a parallel run is identical to
a sequential one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from typing import Any

from sim.experiments.aggregate import MetricStats, aggregate
from sim.experiments.replicate import run_replication
from sim.scenario.model import PolicySpec, Scenario, stack_label

__all__ = ["Cell", "MatrixResult", "Variant", "plan_variants", "run_cell", "run_matrix"]

Stack = tuple[PolicySpec, ...]


@dataclass(frozen=True, slots=True)
class Variant:
    """One row of the comparison: a policy stack and the swept values it runs with.

    ``sweep`` names the values for labels (``bots.0.markup=5``, or ``timing=staggered`` for a
    named option); ``overrides`` are the dotted-path values applied to the scenario."""

    stack: Stack
    sweep: tuple[tuple[str, Any], ...] = ()
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def label(self) -> str:
        """``fcfs``, ``real_name+captcha(kind=text)``, ``lottery [bots.0.markup=5]``."""
        policy = stack_label(self.stack)
        if not self.sweep:
            return policy
        return f"{policy} [{', '.join(f'{k}={v}' for k, v in self.sweep)}]"

    def scenario(self, base: Scenario) -> Scenario:
        """The base scenario under this variant's stack and swept values."""
        sc = base.with_policies(self.stack)
        return sc.with_overrides(dict(self.overrides)) if self.overrides else sc


@dataclass(frozen=True, slots=True)
class Cell:
    """One replication of one variant (``index`` is the variant's position)."""

    index: int
    rep: int


def _options(name: str,
             values: Sequence[Any] | Mapping[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """A sweep's options as (label value, overrides): a list of values for the path ``name``,
    or named options ``{option: {path: value, ...}}`` that set several paths together."""
    if isinstance(values, Mapping):
        return [(option, dict(sets or {})) for option, sets in values.items()]
    return [(v, {name: v}) for v in values]


def plan_variants(stacks: Sequence[Stack],
                  sweeps: Mapping[str, Sequence[Any] | Mapping[str, Any]]) -> list[Variant]:
    """Every stack × every combination of swept options, stacks outermost."""
    names = list(sweeps)
    combos = list(itertools.product(*(_options(n, sweeps[n]) for n in names)))
    out = []
    for stack in stacks:
        for combo in combos:
            label = tuple((n, value) for n, (value, _) in zip(names, combo, strict=True))
            sets = tuple((path, v) for _, overrides in combo for path, v in overrides.items())
            out.append(Variant(stack, label, sets))
    return out


def run_cell(sc: Scenario, rep: int) -> dict[str, float]:
    """Simulate and summarise one cell; only the summary travels back to the caller."""
    summary, _records = run_replication(sc, rep)
    return summary


@dataclass
class MatrixResult:
    """Summaries per variant (in replication order) and their statistics."""

    variants: list[Variant]
    reps: list[int]
    summaries: list[list[dict[str, float]]]
    stats: list[dict[str, MetricStats]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.stats:
            self.stats = [aggregate(s) for s in self.summaries]


def run_matrix(
    base: Scenario,
    variants: Sequence[Variant],
    reps: Iterable[int],
    executor: Executor | None = None,
    on_done: Callable[[Cell], None] | None = None,
) -> MatrixResult:
    """Run every (variant, rep) cell — on ``executor`` if given, else here, one by one — and
    collect the summaries in (variant, rep) order. ``on_done`` sees each finished cell."""
    reps = list(reps)
    scenarios = [v.scenario(base) for v in variants]
    # replication-major: an expensive variant's cells spread over the run, not all at its end
    cells = [Cell(i, r) for r in reps for i in range(len(variants))]
    done: dict[Cell, dict[str, float]] = {}
    if executor is None:
        for cell in cells:
            done[cell] = run_cell(scenarios[cell.index], cell.rep)
            if on_done is not None:
                on_done(cell)
    else:
        futures: dict[Future[dict[str, float]], Cell] = {
            executor.submit(run_cell, scenarios[c.index], c.rep): c for c in cells
        }
        for fut in as_completed(futures):
            cell = futures[fut]
            done[cell] = fut.result()
            if on_done is not None:
                on_done(cell)
    summaries = [[done[Cell(i, r)] for r in reps] for i in range(len(variants))]
    return MatrixResult(list(variants), reps, summaries)
