"""The attack search: Optuna's TPE over the crew's space, each trial a multi-seed simulation.

Trials are proposed ``batch`` at a time (a fixed number, not the core count) and their cells —
one replication of one candidate — run on any ``concurrent.futures`` executor. Every trial runs
the same replications (common random numbers), seed by seed; after each seed Optuna's median
pruner stops trials that trail the median of finished ones. Proposals, pruning and ties are
decided in this process in a fixed order, so a search with a fixed seed gives the same trials
sequentially, on a process pool or on a Dask cluster.

The best crew found and the scenario's own (nominal) crew are then replayed on fresh
replications (``confirm_seeds``, never used by the search) for an unbiased estimate with a 95 %
CI. The worst case is the stronger of the two there: it is never below the nominal case.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import optuna
from pydantic import ValidationError

from sim.attack.candidate import Candidate, check_space, crew_of, make_candidate, neighbour_params, nominal_params
from sim.experiments.aggregate import MetricStats, stats_of
from sim.experiments.matrix import run_cell
from sim.scenario.attack import AttackSettings, Dimension
from sim.scenario.model import Scenario

__all__ = ["AttackResult", "Confirmed", "TrialRecord", "cells_per_search", "objective_metric", "search_attack"]

REPORTED = ("bot_share_total", "patient_success", "scalper_profit")


def objective_metric(objective: str, crew: str) -> str:
    """The summary metric the search maximises."""
    return "bot_share_total" if objective == "bot_share" else f"scalper_profit.{crew}"


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """One trial: its params, cost, state (complete, pruned, over_budget, invalid), the
    objective's mean over the seeds it ran and the means of the reported metrics."""

    number: int
    params: dict[str, Any]
    cost: float
    state: str
    value: float
    seeds_run: int
    metrics: dict[str, float]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A crew replayed on the confirmation seeds: its overrides and per-metric statistics."""

    label: str
    params: dict[str, Any]
    overrides: dict[str, Any]
    cost: float
    stats: dict[str, MetricStats]
    values: dict[str, list[float]]


@dataclass
class AttackResult:
    """What a search found against one policy stack."""

    scenario: str
    policy: str
    crew: str
    objective: str
    metric: str
    settings: AttackSettings
    seed: int
    trials: list[TrialRecord]
    nominal: Confirmed
    best: Confirmed
    fragment: dict[str, Any] = field(default_factory=dict)

    @property
    def worst(self) -> Confirmed:
        """The stronger of the best-found and the nominal crew on the confirmation seeds."""
        return self.best if self._mean(self.best) >= self._mean(self.nominal) else self.nominal

    @property
    def found_stronger(self) -> bool:
        """Whether the search beat the nominal crew on seeds it never saw."""
        return self.worst is self.best and self._mean(self.best) > self._mean(self.nominal)

    def _mean(self, c: Confirmed) -> float:
        s = c.stats.get(self.metric)
        return s.mean if s is not None and not math.isnan(s.mean) else -math.inf

    def best_so_far(self) -> list[float]:
        """The objective's best complete value after each trial (the search curve)."""
        out, best = [], -math.inf
        for t in self.trials:
            if t.state == "complete" and not math.isnan(t.value):
                best = max(best, t.value)
            out.append(best if best > -math.inf else math.nan)
        return out


def _distribution(dim: Dimension) -> optuna.distributions.BaseDistribution:
    if dim.choices is not None:
        return optuna.distributions.CategoricalDistribution(dim.choices)
    assert dim.low is not None and dim.high is not None  # validated: numeric dimension
    if dim.integer:
        return optuna.distributions.IntDistribution(int(dim.low), int(dim.high), log=dim.log)
    return optuna.distributions.FloatDistribution(dim.low, dim.high, log=dim.log)


def _study(settings: AttackSettings, seed: int) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # the budget is a constraint (Trial.set_constraint): TPE learns where crews are unaffordable
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(2, settings.trials // 4)))
    pruner = optuna.pruners.MedianPruner(n_startup_trials=settings.batch, n_warmup_steps=0)
    return optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)


RunCells = Callable[[list[tuple[Scenario, int]]], list[dict[str, float]]]


def cell_runner(executor: Executor | None, on_cell: Callable[[], None] | None = None) -> RunCells:
    """A function that runs (scenario, rep) cells in order, here or on ``executor``."""
    def run(cells: list[tuple[Scenario, int]]) -> list[dict[str, float]]:
        if executor is None:
            out = []
            for sc, rep in cells:
                out.append(run_cell(sc, rep))
                if on_cell is not None:
                    on_cell()
            return out
        futures = [executor.submit(run_cell, sc, rep) for sc, rep in cells]
        results = []
        for fut in futures:
            results.append(fut.result())
            if on_cell is not None:
                on_cell()
        return results
    return run


@dataclass
class _Live:
    """A trial being evaluated: its Optuna handle, candidate and summaries so far."""

    trial: optuna.trial.Trial
    candidate: Candidate
    summaries: list[dict[str, float]] = field(default_factory=list)


def _mean(summaries: Sequence[dict[str, float]], metric: str) -> float:
    vals = [s.get(metric, math.nan) for s in summaries]
    vals = [v for v in vals if not math.isnan(v)]
    return sum(vals) / len(vals) if vals else math.nan


def _record(live: _Live, state: str, metric: str, floor: float, note: str = "") -> TrialRecord:
    value = _mean(live.summaries, metric) if live.summaries else math.nan
    metrics = {m: _mean(live.summaries, m) for m in (*REPORTED, metric)} if live.summaries else {}
    return TrialRecord(live.trial.number, live.candidate.params, live.candidate.cost, state,
                       floor if state == "over_budget" else value, len(live.summaries), metrics, note)


class _Search:
    """The state of one search: study, settings, seeds and the trials recorded so far."""

    def __init__(self, base: Scenario, settings: AttackSettings, seed: int, run: RunCells) -> None:
        self.base, self.settings, self.run = base, settings, run
        self.crew = crew_of(base, settings.crew).crew
        self.metric = objective_metric(settings.objective, self.crew)
        self.floor = 0.0 if settings.objective == "bot_share" else -settings.budget
        self.study = _study(settings, seed)
        self.space = {d.path: _distribution(d) for d in settings.space}
        self.records: list[TrialRecord] = []

    def propose(self, n: int) -> list[_Live]:
        """Ask ``n`` trials; unaffordable or invalid ones are told at once (no simulation)."""
        live = []
        for _ in range(n):
            trial = self.study.ask(self.space)
            try:
                cand = make_candidate(self.base, self.settings, trial.params)
            except ValidationError as exc:
                first = exc.errors()[0]
                note = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
                self._close(_Live(trial, Candidate(trial.params, {}, self.base, math.nan, False)),
                            "invalid", note)
                continue
            trial.set_constraint("budget_excess", cand.cost - self.settings.budget)
            if not cand.affordable:
                self._close(_Live(trial, cand), "over_budget")
                continue
            live.append(_Live(trial, cand))
        return live

    def _close(self, live: _Live, state: str, note: str = "") -> None:
        rec = _record(live, state, self.metric, self.floor, note)
        self.records.append(rec)
        if state == "pruned":
            self.study.tell(live.trial, state=optuna.trial.TrialState.PRUNED)
        elif state == "invalid":
            self.study.tell(live.trial, state=optuna.trial.TrialState.FAIL)
        else:
            value = rec.value if not math.isnan(rec.value) else self.floor
            self.study.tell(live.trial, value)

    def evaluate(self, batch: list[_Live]) -> None:
        """Run the batch seed by seed, pruning after each seed, then tell the survivors."""
        alive = list(batch)
        for step in range(self.settings.seeds):
            for lv, summary in zip(alive, self.run([(lv.candidate.scenario, step) for lv in alive]), strict=True):
                lv.summaries.append(summary)
            survivors = []
            for lv in alive:
                lv.trial.report(_mean(lv.summaries, self.metric), step)
                if step < self.settings.seeds - 1 and lv.trial.should_prune():
                    self._close(lv, "pruned")
                else:
                    survivors.append(lv)
            alive = survivors
        for lv in alive:
            self._close(lv, "complete")

    def best_candidate(self) -> Candidate | None:
        done = [r for r in self.records if r.state == "complete" and not math.isnan(r.value)]
        if not done:
            return None
        top = max(done, key=lambda r: (r.value, -r.cost, -r.number))
        return make_candidate(self.base, self.settings, top.params)


def _confirm(label: str, cand: Candidate, reps: list[int], run: RunCells) -> Confirmed:
    summaries = run([(cand.scenario, rep) for rep in reps])
    names = sorted({k for s in summaries for k in s})
    values = {m: [s.get(m, math.nan) for s in summaries] for m in names}
    stats = {m: stats_of([v for v in vs if not math.isnan(v)]) for m, vs in values.items()}
    return Confirmed(label, cand.params, cand.overrides, cand.cost, stats, values)


def _fragment(base: Scenario, best: Confirmed) -> dict[str, Any]:
    """Overrides that rerun the attack: the policy stack and every changed crew field."""
    policies = [p.model_dump(mode="json") for p in base.policies]
    return {"policies": policies, **best.overrides}


def search_attack(base: Scenario, settings: AttackSettings, seed: int, executor: Executor | None = None,
                  on_cell: Callable[[], None] | None = None) -> AttackResult:
    """Search the crew's space against ``base``'s policy stack; see the module docstring."""
    check_space(base, settings)
    run = cell_runner(executor, on_cell)
    search = _Search(base, settings, seed, run)
    nominal = make_candidate(base, settings, {})
    for params in [nominal_params(base, settings), *neighbour_params(base, settings)][: settings.trials]:
        search.study.enqueue_trial(params)
    while len(search.records) < settings.trials:
        search.evaluate(search.propose(min(settings.batch, settings.trials - len(search.records))))
    confirm_reps = list(range(settings.seeds, settings.seeds + settings.confirm_seeds))
    nominal_c = _confirm("nominal", nominal, confirm_reps, run)
    top = search.best_candidate()
    best_c = _confirm("best found", top, confirm_reps, run) if top is not None else nominal_c
    return AttackResult(base.name, base.policy_label, search.crew, settings.objective, search.metric,
                        settings, seed, search.records, nominal_c, best_c, _fragment(base, best_c))


def cells_per_search(settings: AttackSettings) -> int:
    """The most cells a search runs (no trial pruned or over budget), for progress bars."""
    return settings.trials * settings.seeds + 2 * settings.confirm_seeds
