"""``slotgrab bench attack``: trials per minute of the attack search, and the default search's
wall time, beside the cost of one plain replication measured in the same run.

Each run does one whole search with the scenario's default attack settings on ``--workers``
processes (wall time, trials per minute, cells run) and, as the reference, replays the nominal
crew's replications sequentially (CPU seconds per cell). The ratio ``cell_cost_ratio`` —
search CPU-equivalent per cell over a plain cell — shows the optimiser's own overhead.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from sim.attack.search import search_attack
from sim.bench.measure import machine, spread, write_json
from sim.cli.compare import parse_policy
from sim.experiments.executors import cell_executor
from sim.experiments.matrix import run_cell
from sim.scenario.attack import AttackSettings
from sim.scenario.loader import load_scenario, resolve_path

__all__ = ["register"]


def bench_attack(
    scenario: str = typer.Argument("release-peak", help="Scenario file or shipped name."),
    policy: str = typer.Option("{rate_limit: {key: ip}}", "--policy", help="Stack attacked."),
    workers: int = typer.Option(2, "--workers", min=1, help="Processes running the cells."),
    runs: int = typer.Option(3, "--runs", min=1, help="Searches (medians are reported)."),
    trials: int | None = typer.Option(None, "--trials", min=1, help="Trials per search (default: the scenario's)."),
    out: Path | None = typer.Option(None, "--out", help="Write the results as JSON here."),
) -> None:
    """Trials per minute of ``slotgrab attack`` and its default search's wall time (medians)."""
    base = load_scenario(resolve_path(scenario))
    base = base.with_policies(parse_policy(base, policy))
    settings = base.attack or AttackSettings()
    if trials is not None:
        settings = settings.model_copy(update={"trials": trials})
    console = Console()
    walls, per_min, cells, cell_cpu = [], [], [], []
    for k in range(runs):
        t0 = time.perf_counter()
        with cell_executor(workers) as (executor, _where):
            result = search_attack(base, settings, k, executor)
        n_cells = sum(t.seeds_run for t in result.trials) + 2 * settings.confirm_seeds
        wall = time.perf_counter() - t0
        c0 = time.process_time()
        run_cell(base, 100 + k)  # the reference: one plain replication of the nominal crew
        cell_cpu.append(time.process_time() - c0)
        walls.append(wall)
        per_min.append(settings.trials / wall * 60)
        cells.append(n_cells)
        console.print(f"run {k + 1}/{runs}: {settings.trials} trials, {n_cells} cells in {wall:.1f} s "
                      f"({per_min[-1]:.1f} trials/min); plain cell {cell_cpu[-1]:.2f} s CPU")
    wall_med = spread(walls)["median"]
    cells_med = spread(cells)["median"]
    doc = {
        "benchmark": "attack", "scenario": base.name, "policy": base.policy_label, "workers": workers,
        "settings": settings.summary(), "machine": machine(), "search_wall_s": spread(walls),
        "trials_per_minute": spread(per_min), "cells": spread(cells), "plain_cell_cpu_s": spread(cell_cpu),
        # > 1: the search spends more per cell than a plain replication (optimiser, pool, bigger crews)
        "cell_cost_ratio": wall_med * workers / cells_med / spread(cell_cpu)["median"],
        "default_under_10_min": wall_med < 600,
    }
    console.print(f"median: {wall_med:.1f} s per search, {doc['trials_per_minute']['median']:.1f} trials/min "
                  f"on {workers} processes; cell cost ratio {doc['cell_cost_ratio']:.2f}")
    write_json(doc, out)


def register(bench_app: typer.Typer) -> None:
    """Add ``bench attack``."""
    bench_app.command("attack")(bench_attack)
