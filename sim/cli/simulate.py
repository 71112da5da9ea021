"""``slotgrab simulate``: run replications of a scenario, print the metrics, write a run folder."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import typer
from rich.console import Console

from sim.cli.errors import UsageError, user_errors
from sim.cli.metric_table import is_detail_metric, metric_table
from sim.cli.output import json_option, print_json_file, quiet_option, result_console
from sim.cli.progress_bar import progress_bar
from sim.cli.run_report import report_option, write_run_report
from sim.experiments import Replication, RunDir, aggregate, replicate
from sim.experiments.rundir import run_folder
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import parse_set_options

__all__ = ["register"]


def _out_dir(out: Path | None, scenario: str) -> RunDir:
    path = out if out is not None else run_folder(scenario, "simulate")
    try:
        return RunDir.create(path)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot create the output folder: {exc.strerror}") from None


def _run_replications(sc: Scenario, rep_ids: list[int], run_dir: RunDir,
                      jobs: int, show: bool = True) -> list[dict[str, float]]:
    """Run the replications (in ``jobs`` processes if > 1) with a progress bar on stderr,
    writing each one's records as it finishes."""
    with progress_bar(Console(stderr=True, quiet=not show)) as bar:
        task = bar.add_task(f"{sc.name}: replications", total=len(rep_ids))

        def done(r: Replication) -> None:
            run_dir.write_records(r.rep, r.records)
            bar.advance(task)

        if jobs == 1 or len(rep_ids) == 1:
            return replicate(sc, rep_ids, done)
        with ProcessPoolExecutor(max_workers=min(jobs, len(rep_ids))) as pool:
            return replicate(sc, rep_ids, done, pool)


def simulate(
    scenario: str = typer.Argument(..., help="Scenario file, or the name of a shipped scenario."),
    seed: int | None = typer.Option(None, "--seed", min=0,
                                    help="Base seed (default: the scenario's)."),
    reps: int | None = typer.Option(None, "--reps", min=1, max=10_000,
                                    help="Replications (default: the scenario's)."),
    out: Path | None = typer.Option(None, "--out",
                                    help="Run folder (default: runs/<scenario>-simulate-<time>)."),
    set_: list[str] | None = typer.Option(None, "--set", metavar="PATH=VALUE",
                                          help="Override a field, e.g. service.workers=4."),
    show_all: bool = typer.Option(False, "--all", help="Also print the per-decile metrics."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, max=256,
                             help="Replications run in parallel (processes)."),
    report: bool = report_option(),
    as_json: bool = json_option(),
    quiet: bool = quiet_option(),
) -> None:
    """Simulate a scenario: metrics with 95 % CIs, and a run folder.

    Runs the scenario's replications, prints each metric's mean and Student-t 95 % confidence
    interval, and writes runs/<scenario>-simulate-<time>/ (resolved scenario, Parquet records per
    replication, summary.json, meta.json)."""
    with user_errors():
        overrides = parse_set_options(set_ or [])
        if seed is not None:
            overrides["seed"] = seed
        if reps is not None:
            overrides["replications"] = reps
        source = resolve_path(scenario)
        sc = load_scenario(source, overrides)
        run_dir = _out_dir(out, sc.name)
        run_dir.write_scenario(sc)
        rep_ids = list(range(sc.replications))
        stats = aggregate(_run_replications(sc, rep_ids, run_dir, jobs, not (as_json or quiet)))
        run_dir.write_summary(sc, rep_ids, stats)
        run_dir.write_meta(sc, rep_ids, str(source), {"jobs": jobs})
        console = result_console(as_json, quiet)
        policy = sc.policy_label
        title = f"{sc.name} · policy {policy} · seed {sc.seed} · {len(rep_ids)} replications"
        console.print(metric_table(stats, title, show_all=show_all))
        hidden = sum(is_detail_metric(n) for n in stats)
        if hidden and not show_all:
            console.print(f"({hidden} per-decile metrics in summary.json; --all prints them)")
        console.print(f"run folder: {run_dir.path}")
        if report:
            write_run_report(run_dir.path, console)
        if as_json:
            print_json_file(run_dir.path / "summary.json", run_folder=str(run_dir.path))
        elif quiet:
            typer.echo(run_dir.path)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the CLI."""
    app.command("simulate")(simulate)
