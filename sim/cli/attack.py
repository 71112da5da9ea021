"""``slotgrab attack``: search the scalper crew's choices for the best attack on a policy stack.

Optuna (TPE, median pruning over seeds) proposes crews — tactics, start time, devices, lanes,
request rate, solver, identity pools, rotation — within a money budget; each trial is a
multi-seed simulation. Prints the best attack found beside the nominal crew, both replayed on
fresh seeds with 95 % CIs, and writes a run folder with ``attack.yaml``: rerun it with
``slotgrab simulate SCENARIO --set @attack.yaml`` or replay it as real load with
``slotgrab load SCENARIO --set @attack.yaml``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from sim.attack.candidate import check_space
from sim.attack.output import write_attack
from sim.attack.search import cells_per_search, search_attack
from sim.attack.verdict import attack_conclusions, attack_doc
from sim.cli.compare import parse_policy
from sim.cli.errors import UsageError, user_errors
from sim.cli.progress_bar import progress_bar
from sim.cli.run_report import report_option
from sim.experiments.executors import ExecutorError, cell_executor
from sim.experiments.rundir import run_folder
from sim.scenario.attack import AttackSettings
from sim.scenario.loader import format_validation_error, load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import parse_set_options

__all__ = ["register", "settings_for"]


def settings_for(base: Scenario, **given: Any) -> AttackSettings:
    """The scenario's ``attack:`` settings (or the defaults) with the flags given on top."""
    settings = base.attack or AttackSettings()
    update = {k: v for k, v in given.items() if v is not None}
    try:
        return AttackSettings.model_validate({**settings.model_dump(), **update})
    except ValidationError as exc:
        raise UsageError(format_validation_error("attack settings", exc)) from None


def _table(doc: dict[str, Any]) -> Table:
    table = Table(title=f"{doc['scenario']} · {doc['policy']} · crew {doc['crew']} · objective {doc['objective']}")
    for col in ("crew", "bot share", "patient success", "profit ¥/day", "fixed cost ¥"):
        table.add_column(col, justify="right" if col != "crew" else "left")
    for name in ("nominal", "best"):
        side = doc[name]
        stats = side["stats"]

        def cell(metric: str, scale: float, digits: int, stats: dict[str, Any] = stats) -> str:
            s = stats.get(metric) or {}
            if s.get("mean") is None:
                return "–"
            hw = s.get("half_width") or 0.0
            return f"{s['mean'] * scale:,.{digits}f} ± {hw * scale:,.{digits}f}"

        table.add_row(side["label"], cell("bot_share_total", 100, 1) + " %", cell("patient_success", 100, 2) + " %",
                      cell(f"scalper_profit.{doc['crew']}", 1, 0), f"{side['cost']:,.0f}")
    return table


def attack(
    scenario: str = typer.Argument(..., help="Scenario file, or the name of a shipped scenario."),
    policy: str | None = typer.Option(None, "--policy", metavar="STACK",
                                      help="Policy stack to attack (default: the scenario's policies)."),
    budget: float | None = typer.Option(None, "--budget", min=0.01,
                                        help="Yuan per release day for devices, IPs, accounts and IDs."),
    objective: str | None = typer.Option(None, "--objective", help="What the crew maximises: bot_share or profit."),
    trials: int | None = typer.Option(None, "--trials", min=1, max=10_000, help="Trials of the search."),
    seeds: int | None = typer.Option(None, "--seeds", min=1, max=1000, help="Replications per trial."),
    confirm_seeds: int | None = typer.Option(None, "--confirm-seeds", min=2, max=1000,
                                             help="Fresh replications of the best and nominal crews."),
    crew: str | None = typer.Option(None, "--crew", help="The crew to optimise (default: the first)."),
    search_seed: int = typer.Option(0, "--search-seed", min=0, help="Seed of the optimiser (reproducible)."),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", min=1, max=1024,
                                help="Local worker processes (1: run here)."),
    dask: str | None = typer.Option(None, "--dask", metavar="ADDRESS", help="Run the cells on this Dask scheduler."),
    out: Path | None = typer.Option(None, "--out", help="Run folder (default: runs/<scenario>-attack-<time>)."),
    set_: list[str] | None = typer.Option(None, "--set", metavar="PATH=VALUE",
                                          help="Override a field of the scenario (or @FILE of overrides)."),
    report: bool = report_option(),
) -> None:
    """Search for the strongest attack on a policy stack (Optuna), and save it to rerun."""
    with user_errors():
        base = load_scenario(resolve_path(scenario), parse_set_options(set_ or []))
        if policy is not None:
            base = base.with_policies(parse_policy(base, policy))
        if objective is not None and objective not in ("bot_share", "profit"):
            raise UsageError(f"--objective {objective!r}: allowed: bot_share, profit")
        settings = settings_for(base, budget=budget, objective=objective, trials=trials, seeds=seeds,
                                confirm_seeds=confirm_seeds, crew=crew)
        try:
            check_space(base, settings)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        folder = out if out is not None else run_folder(base.name, "attack")
        doc = _search(base, settings, search_seed, workers, dask)
        console = Console(width=max(Console().width, 120))
        console.print(_table(doc))
        for line in attack_conclusions(doc):
            console.print(f"• {line}")
        _write(folder, base, doc, report, console)


def _search(base: Scenario, settings: AttackSettings, seed: int, workers: int, dask: str | None) -> dict[str, Any]:
    err = Console(stderr=True)
    try:
        with cell_executor(workers, dask) as (executor, where), progress_bar(err, remaining=True) as bar:
            task = bar.add_task(f"{base.name}: attack cells on {where}", total=cells_per_search(settings))
            result = search_attack(base, settings, seed, executor, lambda: bar.advance(task))
    except ExecutorError as exc:
        raise UsageError(str(exc)) from None
    return attack_doc(result)


def _write(folder: Path, base: Scenario, doc: dict[str, Any], report: bool, console: Console) -> None:
    try:
        write_attack(folder, base, doc)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{folder}: cannot write the results: {exc.strerror}") from None
    fragment = folder / "attack.yaml"
    console.print(f"attack: {fragment} (rerun: slotgrab simulate {base.name} --set @{fragment})")
    if report:
        from reports.attack import write_attack_report  # matplotlib only when a report is wanted

        console.print(f"report: {write_attack_report(folder)}")


def register(app: typer.Typer) -> None:
    """Add ``attack`` to the CLI."""
    app.command("attack")(attack)
