"""``slotgrab bench compare``: the comparison matrix on local cores vs one process.

Runs the same matrix (policies × seeds of a scenario) alternately with ``--workers 1`` (the
reference, in this process) and with a process pool of ``--workers`` processes, ``--runs``
times each; reports the median wall time of each, their ratio (the speed-up), the CPU seconds
per cell of the sequential runs (what the cores must supply), and whether the parallel
summaries were identical to the sequential ones in every run. Goal (issue 15): the default
matrix — six policies × 20 seeds of release-peak — in under 45 s on 2 cores.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import typer
from rich.console import Console

from sim.bench.measure import machine, spread, write_json
from sim.cli.compare import parse_policy
from sim.experiments.executors import cell_executor
from sim.experiments.matrix import MatrixResult, Variant, run_matrix
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario

__all__ = ["register"]

GOAL_PARALLEL_WALL_S = 45.0
DEFAULT_POLICIES = ("fcfs", "randomized_release", "lottery", "waiting_room", "captcha",
                    "{rate_limit: {key: ip}}")


def _same(a: MatrixResult, b: MatrixResult) -> bool:
    def eq(x: float, y: float) -> bool:
        return x == y or (math.isnan(x) and math.isnan(y))

    return all(sa.keys() == sb.keys() and all(eq(sa[k], sb[k]) for k in sa)
               for ra, rb in zip(a.summaries, b.summaries, strict=True)
               for sa, sb in zip(ra, rb, strict=True))


def _timed(base: Scenario, variants: list[Variant], reps: list[int],
           workers: int) -> tuple[MatrixResult, float, float]:
    """(result, wall seconds, CPU seconds of this process) of one matrix run."""
    wall, cpu = time.perf_counter(), time.process_time()
    with cell_executor(workers) as (executor, _where):  # the same pool `compare` runs on
        result = run_matrix(base, variants, reps, executor)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_compare(
    scenario: str = typer.Argument("release-peak", help="Scenario file or shipped name."),
    policy: list[str] | None = typer.Option(None, "--policy", help="Stacks (default: six)."),
    seeds: int = typer.Option(20, "--seeds", min=1, help="Replications per policy."),
    workers: int = typer.Option(2, "--workers", min=2, help="Processes of the parallel run."),
    runs: int = typer.Option(3, "--runs", min=1, help="Runs of each (medians are reported)."),
    out: Path | None = typer.Option(None, "--out", help="Write the results as JSON here."),
) -> None:
    """Speed-up of ``slotgrab compare`` on local cores vs one process (medians)."""
    base = load_scenario(resolve_path(scenario))
    variants = [Variant(parse_policy(base, p)) for p in (policy or DEFAULT_POLICIES)]
    reps = list(range(seeds))
    console = Console()
    seq_wall, par_wall, cpu_per_cell, identical = [], [], [], True
    cells = len(variants) * len(reps)
    for k in range(runs):
        seq, t_seq, cpu = _timed(base, variants, reps, 1)
        par, t_par, _ = _timed(base, variants, reps, workers)
        identical &= _same(seq, par)
        seq_wall.append(t_seq)
        par_wall.append(t_par)
        cpu_per_cell.append(cpu / cells)
        console.print(f"run {k + 1}/{runs}: {cells} cells, 1 process {t_seq:.1f} s, "
                      f"{workers} processes {t_par:.1f} s (×{t_seq / t_par:.2f})")
    # the goal is for the default matrix on 2 processes; a smaller one (--quick) proves nothing
    goal_applies = cells == len(DEFAULT_POLICIES) * 20 and workers == 2
    doc = {
        "benchmark": "compare", "scenario": base.name, "variants": [v.label for v in variants],
        "seeds": seeds, "cells": cells, "workers": workers, "machine": machine(),
        "sequential_wall_s": spread(seq_wall), "parallel_wall_s": spread(par_wall),
        "speedup_median": spread(seq_wall)["median"] / spread(par_wall)["median"],
        # each pair ran back to back: its ratio is robust to load that drifts between pairs
        "speedup_per_run": spread([a / b for a, b in zip(seq_wall, par_wall, strict=True)]),
        "parallel_over_sequential": spread(par_wall)["median"] / spread(seq_wall)["median"],
        "cpu_s_per_cell": spread(cpu_per_cell), "parallel_identical": identical,
        "goal_parallel_wall_s": GOAL_PARALLEL_WALL_S,
        "goal_applies": goal_applies,
        "goal_met": spread(par_wall)["median"] < GOAL_PARALLEL_WALL_S if goal_applies else None,
    }
    console.print(f"median: 1 process {doc['sequential_wall_s']['median']:.1f} s, {workers} "
                  f"processes {doc['parallel_wall_s']['median']:.1f} s, speed-up "
                  f"×{doc['speedup_median']:.2f} (median of per-run ratios "
                  f"×{doc['speedup_per_run']['median']:.2f}); CPU per cell "
                  f"{doc['cpu_s_per_cell']['median']:.2f} s; identical results: {identical}")
    write_json(doc, out)


def register(bench_app: typer.Typer) -> None:
    """Add ``bench compare``."""
    bench_app.command("compare")(bench_compare)
