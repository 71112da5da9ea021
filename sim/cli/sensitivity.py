"""``slotgrab sensitivity``: which uncertain inputs move bot share and patient success most.

Runs SALib's Morris screening (default) or Sobol indices over the scenario's ``uncertain:``
ranges (:mod:`sim.experiments.sensitivity`), on a local process pool, with a progress bar;
writes ``sensitivity.json``, ``indices.csv``, ``samples.csv`` and ``scenario.yaml`` into the run
folder, and a report with a tornado chart (:mod:`reports.sensitivity`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from sim.cli.errors import UsageError, user_errors
from sim.cli.progress_bar import progress_bar
from sim.cli.run_report import report_option
from sim.experiments.rundir import run_folder
from sim.experiments.sensitivity import (
    DEFAULT_N,
    OUTPUTS,
    Design,
    SensitivityError,
    SensitivityResult,
    analyze,
    design,
    run_design,
    uncertain_inputs,
)
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import parse_set_options

__all__ = ["register", "sensitivity"]


@contextlib.contextmanager
def _pool(jobs: int) -> Iterator[Executor | None]:
    if jobs == 1:
        yield None
        return
    # forkserver: workers start from a clean process, not from this one (progress thread)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.experiments.sensitivity"])
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        yield pool


def _document(sc: Scenario, d: Design, result: SensitivityResult, n: int,
              summaries: list[dict[str, float]], elapsed: float, jobs: int) -> dict[str, Any]:
    ranges = {}
    for out in OUTPUTS:
        values = [v for s in summaries if (v := s.get(out, math.nan)) == v]  # drop NaN
        ranges[out] = [min(values), max(values)] if values else [None, None]
    return {"scenario": sc.name, "policy": sc.policy_label, "method": d.method, "n": n,
            "seed": d.seed, "runs": result.runs, "jobs": jobs, "elapsed_s": elapsed,
            "inputs": [{"path": i.path, "low": i.low, "high": i.high, "integer": i.integer}
                       for i in d.inputs],
            "indices": result.indices, "undefined": result.undefined, "output_range": ranges,
            "ranking": {out: result.ranking(out) for out in OUTPUTS}}


def _write(folder: Path, sc: Scenario, d: Design, doc: dict[str, Any],
           result: SensitivityResult, summaries: list[dict[str, float]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sensitivity.json").write_text(json.dumps(doc, indent=2, allow_nan=False,
                                                        default=str), encoding="utf-8")
    (folder / "scenario.yaml").write_text(
        yaml.safe_dump(sc.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
    rows = result.rows()
    with (folder / "indices.csv").open("w", newline="", encoding="utf-8") as fh:
        indices = csv.DictWriter(fh, fieldnames=list(rows[0]))
        indices.writeheader()
        indices.writerows(rows)
    with (folder / "samples.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["rep", *(i.path for i in d.inputs), *OUTPUTS])
        for rep, x, s in zip(d.reps, d.x, summaries, strict=True):
            writer.writerow([int(rep), *x.tolist(), *(s.get(o) for o in OUTPUTS)])


def _table(result: SensitivityResult) -> Table:
    key = "mu_star" if result.method == "morris" else "ST"
    table = Table(title=f"{result.method}: {key} per input (95 % CI half-width)")
    table.add_column("input")
    for out in OUTPUTS:
        table.add_column(out, justify="right")
    for name in result.ranking(OUTPUTS[0]):
        cells = [f"{result.indices[o][name][key]:.4f} ± {result.indices[o][name][key + '_conf']:.4f}"
                 for o in OUTPUTS]
        table.add_row(name, *cells)
    return table


def _clean_nan(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _clean_nan(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_clean_nan(v) for v in doc]
    return None if isinstance(doc, float) and doc != doc else doc


def sensitivity(
    scenario: str = typer.Argument(..., help="Scenario file, or the name of a shipped scenario."),
    method: str = typer.Option("morris", "--method", help="morris (screening) or sobol (indices)."),
    n: int | None = typer.Option(
        None, "--n", min=2, max=4096,
        help="Morris trajectories (default 10) or Sobol base samples, a power of 2 (default 16)."),
    jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", min=1, max=1024,
                             help="Local worker processes (1: run here, sequentially)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the sample design and bootstrap."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: runs/<scenario>-sensitivity-<time>)."),
    set_: list[str] | None = typer.Option(None, "--set", metavar="PATH=VALUE",
                                          help="Override a field of the scenario."),
    report: bool = report_option(),
) -> None:
    """Global sensitivity (SALib) of bot share and patient success to the scenario's uncertain: ranges."""
    with user_errors():
        if method not in ("morris", "sobol"):
            raise UsageError(f"--method {method!r}: allowed: morris, sobol")
        sc = load_scenario(resolve_path(scenario), parse_set_options(set_ or []))
        size = n if n is not None else DEFAULT_N[method]
        try:
            d = design(uncertain_inputs(sc), method, size, seed)  # type: ignore[arg-type]
        except SensitivityError as exc:
            raise UsageError(f"{scenario}: {exc}") from None
        err, console = Console(stderr=True), Console()
        t0 = time.perf_counter()
        with _pool(jobs) as pool, progress_bar(err, remaining=True) as bar:
            task = bar.add_task(f"{sc.name}: {method} points on {jobs} process(es)", total=len(d.x))
            summaries = run_design(sc, d, pool, lambda _j: bar.advance(task))
        result = analyze(d, summaries)
        elapsed = time.perf_counter() - t0
        folder = out if out is not None else run_folder(sc.name, "sensitivity")
        doc = _clean_nan(_document(sc, d, result, size, summaries, elapsed, jobs))
        try:
            _write(folder, sc, d, doc, result, summaries)
        except OSError as exc:
            raise UsageError(f"{folder}: cannot write the results: {exc.strerror}") from None
        console.print(_table(result))
        console.print(f"{len(d.x)} runs in {elapsed:.1f} s on {jobs} process(es); results: {folder}")
        if report:
            from reports.sensitivity import write_sensitivity_report  # defers matplotlib

            console.print(f"report: {write_sensitivity_report(folder)}")


def register(app: typer.Typer) -> None:
    """Add ``sensitivity`` to the CLI."""
    app.command("sensitivity")(sensitivity)
