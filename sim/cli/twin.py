"""``slotgrab twin``: the simulator's prediction beside a real load run of the same scenario.

Steps: start the target (or use ``--target``); calibrate the scenario's service model on it
(``slotgrab calibrate``, or ``--calibration FILE``); simulate ``--reps`` replications of the
calibrated scenario; play replication 0's plan against the target; print each metric's
simulated mean and 95 % CI, the simulated replication 0 (the very same plan), the load value,
the difference, and whether the load value lies inside the CI of the mean and inside the 95 %
prediction interval of one replication (mean ± t·sd·√(1 + 1/n): the right yardstick for a
single load run, which is one replication, not a mean).

The analysis lives in :mod:`sim.experiments.twin`; this module parses, calls
:func:`~sim.experiments.twin.run_twin` and prints.
The folder gets ``twin.json`` and, unless ``--no-report``, ``report.html``/``report.md``.
"""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sim.cli.adapter_options import adapter_opt_option, adapter_option, resolve_adapter
from sim.cli.console import wide_console
from sim.cli.errors import UsageError, user_errors
from sim.cli.metric_table import format_value
from sim.cli.run_options import admin_token, resolve_scenario, timing_table
from sim.cli.run_report import report_option, write_run_report
from sim.domain.invariants import InvariantViolation
from sim.drivers.load.target import Target, started_target
from sim.experiments.rundir import RunDir, run_folder
from sim.experiments.twin import (
    TWIN_METRICS,
    CalibrationFileError,
    TwinResult,
    TwinRow,
    compare,
    run_twin,
    twin_document,
)

__all__ = ["TWIN_METRICS", "TwinRow", "compare", "register"]

def _mark(flag: bool | None) -> str:
    return "—" if flag is None else ("yes" if flag else "[bold red]no[/bold red]")


def _table(rows: list[TwinRow], title: str) -> Table:
    t = Table(title=title, title_justify="left")
    for col in (
        "metric",
        "sim mean",
        "95 % CI",
        "sim rep 0",
        "load",
        "load − sim",
        "in CI",
        "in PI",
    ):
        t.add_column(col, justify="left" if col == "metric" else "right")
    for r in rows:
        ci = (
            "—"
            if not math.isfinite(r.ci_low)
            else f"{format_value(r.ci_low)} … {format_value(r.ci_high)}"
        )
        t.add_row(
            r.metric,
            format_value(r.sim_mean),
            ci,
            format_value(r.sim_rep0),
            format_value(r.load),
            format_value(r.diff),
            _mark(r.in_ci),
            _mark(r.in_pi),
        )
    return t


def twin(
    scenario: str = typer.Argument(..., help="Scenario file, or the name of a shipped scenario."),
    reps: int = typer.Option(10, "--reps", min=2, max=1000, help="Simulated replications."),
    target: str | None = typer.Option(
        None, "--target", help="Target URL (default: start the reference)."
    ),
    calibration: Path | None = typer.Option(
        None,
        "--calibration",
        help="service: block from `slotgrab calibrate --out` (default: calibrate now).",
    ),
    samples: int = typer.Option(
        100, "--samples", min=10, help="Calibration samples per operation."
    ),
    processes: int = typer.Option(1, "--processes", min=1, max=64, help="Locust processes."),
    policy: list[str] | None = typer.Option(
        None, "--policy", help="Policy stack replacing the scenario's."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: runs/<scenario>-twin-<time>)."
    ),
    set_: list[str] | None = typer.Option(
        None, "--set", metavar="PATH=VALUE", help="Override a scenario field."
    ),
    adapter: str | None = adapter_option(),
    adapter_opt: list[str] = adapter_opt_option(),
    with_report: bool = report_option(),
) -> None:
    """Simulate a scenario (calibrated on the target) and load-test it; print both side by side."""
    with user_errors():
        sc, _ = resolve_scenario(scenario, set_, policy)
        spec, options = resolve_adapter(adapter, adapter_opt)
        folder = out if out is not None else run_folder(sc.name, "twin")
        if folder.exists() and any(folder.iterdir()):
            raise UsageError(
                f"{folder}: output folder exists and is not empty; choose another --out"
            )
        folder.mkdir(parents=True, exist_ok=True)
        err = Console(stderr=True)
        try:
            ctx: contextlib.AbstractContextManager[Target]
            if target is None:
                ctx = started_target("reference")
            elif target.startswith(("http://", "https://")):
                ctx = contextlib.nullcontext(Target(target.rstrip("/"), admin_token(None)))
            else:
                raise UsageError(f"--target {target!r}: expected a URL (http://…)")
            with ctx as tgt:
                result = run_twin(sc, tgt, reps=reps, calibration=calibration, samples=samples,
                                  processes=processes, adapter=spec, adapter_options=options,
                                  echo=err.print)
        except CalibrationFileError as exc:
            raise UsageError(str(exc)) from None
        except (RuntimeError, OSError, ValueError) as exc:
            raise UsageError(f"twin of {sc.name!r} could not be carried out: {exc}") from None
        _print(result, sc.name, reps)
        (folder / "twin.json").write_text(
            json.dumps(twin_document(sc, reps, result), indent=2) + "\n", encoding="utf-8"
        )
        RunDir(folder).write_scenario(result.calibrated)  # what was simulated and load-tested
        console = wide_console()
        console.print(f"twin folder: {folder}")
        if with_report:
            write_run_report(folder, console)
        if result.report.violations:
            raise InvariantViolation(result.report.violations)


def _print(result: TwinResult, name: str, reps: int) -> None:
    console = wide_console()
    console.print(_table(result.rows, f"{name} · simulated ({reps} reps, calibrated) vs load run (rep 0)"))
    console.print(timing_table(result.report.timing, "load run timing (ms)"))
    console.print(
        "in CI: inside the 95 % CI of the simulated mean; in PI: inside the 95 % "
        "prediction interval of one replication (the fair test for one load run)"
    )


def register(app: typer.Typer) -> None:
    """Add ``slotgrab twin``."""
    app.command("twin")(twin)
