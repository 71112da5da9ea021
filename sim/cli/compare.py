"""``slotgrab compare``: policy stacks × parameter sweeps × seeds, ranked, with 95 % CIs.

Stacks come from ``--policy`` (repeatable) or the scenario's ``compare:``; sweeps from
``--sweep PATH=v1,v2`` (repeatable) or the scenario's ``sweep:``. Cells run on local cores
(``--workers``, a process pool) or on a Dask cluster (``--dask ADDRESS``, through the client's
own executor). The table ranks variants by bot share (direct + resale), then patient success,
and marks with ``≈`` a value whose difference from the best variant is not significant (Welch
t-test, p ≥ 0.05). ``--out`` gets ``compare.csv``, ``compare.json`` and ``cells.csv`` (every
cell's summary), and ``report.html``/``report.md`` unless ``--no-report``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console

from sim.attack.adaptive import adaptive_compare, adaptive_settings
from sim.attack.output import write_adaptive
from sim.attack.search import cells_per_search
from sim.attack.verdict import adaptive_conclusions
from sim.cli.errors import UsageError, user_errors
from sim.cli.output import json_option, print_json_file, quiet_option, result_console
from sim.cli.progress_bar import progress_bar
from sim.cli.run_report import report_option, write_run_report
from sim.experiments.executors import ExecutorError, cell_executor
from sim.experiments.matrix import MatrixResult, Stack, plan_variants, run_matrix
from sim.experiments.matrix_output import matrix_table, write_matrix
from sim.experiments.ranking import rank_variants
from sim.experiments.rundir import RunDir, run_folder
from sim.scenario.loader import format_validation_error, load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import OverrideError, parse_set_options

__all__ = ["parse_policy", "parse_sweep", "register"]


def parse_policy(base: Scenario, text: str) -> Stack:
    """``fcfs``, ``real_name+captcha`` or YAML (``[real_name, {rate_limit: {key: ip}}]``) → a
    validated stack."""
    try:
        value: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"--policy {text!r}: not valid YAML ({exc})") from None
    if isinstance(value, str) and "+" in value:
        value = [v.strip() for v in value.split("+")]
    if value is None or value == "" or value == []:
        raise UsageError(f"--policy {text!r}: empty stack; give a policy name, e.g. fcfs")
    try:
        return base.with_overrides({"policies": value}).policies
    except ValidationError as exc:
        raise UsageError(format_validation_error(f"--policy {text!r}", exc)) from None


def parse_sweep(options: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """``PATH=v1,v2,...`` options → ``{path: values}`` (each value read as YAML)."""
    out: dict[str, tuple[Any, ...]] = {}
    for opt in options:
        path, sep, raw = opt.partition("=")
        values = [v for v in raw.split(",") if v.strip()]
        if not sep or not path.strip() or not values:
            raise UsageError(f"--sweep {opt!r}: expected PATH=v1,v2,..., e.g. bots.0.markup=5,20")
        try:
            out[path.strip()] = tuple(yaml.safe_load(v) for v in values)
        except yaml.YAMLError as exc:
            raise UsageError(f"--sweep {opt!r}: a value is not valid YAML ({exc})") from None
    return out


@contextlib.contextmanager
def _executor(workers: int, dask: str | None) -> Iterator[tuple[Executor | None, str]]:
    """The executor cells run on, and a description of it (a usage error if unreachable)."""
    try:
        with cell_executor(workers, dask) as pair:
            yield pair
    except ExecutorError as exc:
        raise UsageError(str(exc)) from None


def _variants_or_error(
    base: Scenario, stacks: Sequence[Stack], sweeps: Mapping[str, Any]
) -> list[Any]:
    variants = plan_variants(stacks, sweeps)
    for v in variants:  # fail before any cell runs
        try:
            v.scenario(base)
        except ValidationError as exc:
            raise UsageError(format_validation_error(f"--sweep {v.label}", exc)) from None
        except OverrideError as exc:
            raise UsageError(f"--sweep: {exc}") from None
    return variants


def compare(
    scenario: str = typer.Argument(..., help="Scenario file, or the name of a shipped scenario."),
    policy: list[str] | None = typer.Option(
        None,
        "--policy",
        metavar="STACK",
        help="A policy stack to compare (repeatable): fcfs, real_name+captcha, or YAML. "
        "Default: the scenario's compare list.",
    ),
    sweep: list[str] | None = typer.Option(
        None,
        "--sweep",
        metavar="PATH=v1,v2,...",
        help="Sweep a field over values (repeatable; combinations multiply), "
        "e.g. bots.0.markup=5,20. Default: the scenario's sweep.",
    ),
    seeds: int | None = typer.Option(
        None,
        "--seeds",
        min=1,
        max=10_000,
        help="Replications per variant (default: the scenario's).",
    ),
    workers: int = typer.Option(
        os.cpu_count() or 1,
        "--workers",
        min=1,
        max=1024,
        help="Local worker processes (1: run here, sequentially).",
    ),
    dask: str | None = typer.Option(
        None,
        "--dask",
        metavar="ADDRESS",
        help="Run on this Dask scheduler, e.g. tcp://10.0.0.5:8786.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: runs/<scenario>-compare-<time>)."
    ),
    set_: list[str] | None = typer.Option(
        None, "--set", metavar="PATH=VALUE", help="Override a field of the base scenario."
    ),
    report: bool = report_option(),
    adaptive: bool = typer.Option(
        False, "--adaptive",
        help="Also search the strongest attack against each stack (slotgrab attack) and rank by worst case."),
    attack_trials: int | None = typer.Option(
        None, "--attack-trials", min=1, max=10_000,
        help="Trials of each stack's attack search (default: the scenario's attack.trials, else 16)."),
    as_json: bool = json_option(),
    quiet: bool = quiet_option(),
) -> None:
    """Compare policy stacks (× sweeps × seeds): ranked table with 95 % CIs, CSV and JSON."""
    with user_errors():
        base = load_scenario(resolve_path(scenario), parse_set_options(set_ or []))
        stacks = (
            [parse_policy(base, p) for p in policy]
            if policy
            else list(base.compare) or [base.policies]
        )
        sweeps: dict[str, Any] = parse_sweep(sweep) if sweep else dict(base.sweep)
        variants = _variants_or_error(base, stacks, sweeps)
        reps = list(range(seeds if seeds is not None else base.replications))
        folder = out if out is not None else run_folder(base.name, "compare")
        err, console = Console(stderr=True), Console(width=max(Console().width, 140))
        if as_json or quiet:  # tables and progress off: one JSON document, or the folder
            err, console = Console(stderr=True, quiet=True), result_console(as_json, quiet)
        t0 = time.perf_counter()
        with _executor(workers, dask) as (executor, where):
            result = _run(base, variants, reps, executor, where, err)
            elapsed = time.perf_counter() - t0
            docs = _adaptive(base, stacks, attack_trials, executor, where, err) if adaptive else None
        ranking = rank_variants(result.stats)
        console.print(
            matrix_table(
                result, ranking, f"{base.name} · {len(variants)} variants × {len(reps)} seeds"
            )
        )
        console.print(
            "≈: not significantly different from the best (Welch t-test, p ≥ 0.05); "
            "± is the 95 % CI half-width"
        )
        console.print(f"{len(variants) * len(reps)} cells in {elapsed:.1f} s on {where}")
        try:
            write_matrix(folder, base, result, ranking, {"elapsed_s": elapsed, "executor": where})
            RunDir(folder).write_scenario(base)  # the report shows it and reads the crews' markup
        except OSError as exc:
            raise UsageError(f"{folder}: cannot write the results: {exc.strerror}") from None
        console.print(f"results: {folder}")
        if report:
            write_run_report(folder, console)
        if docs is not None:
            _show_adaptive(folder, docs, report, console)
        if as_json:
            print_json_file(folder / "compare.json", run_folder=str(folder))
        elif quiet:
            typer.echo(folder)


def _run(
    base: Scenario,
    variants: list[Any],
    reps: list[int],
    executor: Executor | None,
    where: str,
    err: Console,
) -> MatrixResult:
    with progress_bar(err, remaining=True) as bar:
        task = bar.add_task(f"{base.name}: cells on {where}", total=len(variants) * len(reps))
        return run_matrix(base, variants, reps, executor, lambda _cell: bar.advance(task))


def _adaptive(base: Scenario, stacks: Sequence[Stack], trials: int | None, executor: Executor | None,
              where: str, err: Console) -> list[dict[str, Any]]:
    settings = adaptive_settings(base, trials)
    with progress_bar(err, remaining=True) as bar:
        task = bar.add_task(f"{base.name}: attack searches on {where}",
                            total=len(stacks) * cells_per_search(settings))
        return adaptive_compare(base, stacks, settings, 0, executor, lambda: bar.advance(task))


def _show_adaptive(folder: Path, docs: list[dict[str, Any]], report: bool, console: Console) -> None:
    write_adaptive(folder, docs)
    for line in adaptive_conclusions(docs):
        console.print(f"• {line}")
    console.print(f"attacks: {folder / 'adaptive.json'} (attack-<n>.yaml per stack)")
    if report:
        from reports.attack import write_adaptive_report  # matplotlib only when a report is wanted

        console.print(f"adaptive report: {write_adaptive_report(folder)}")


def register(app: typer.Typer) -> None:
    """Add ``compare`` to the CLI."""
    app.command("compare")(compare)
