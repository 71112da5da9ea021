"""``slotgrab demo`` (``make demo``): the whole story of slotgrab in about two minutes.

1. compares the headline policies on ``release-peak`` in the simulator (the scenario's
   ``compare:`` list × 4 seeds, with the compare runner on both cores);
2. runs a short load run of the same scenario (a tenth of the patients, from 5 s before T0 to
   10 s after) against the reference service on SQLite, with ``slotgrab load``, under FCFS and
   under the best policy of step 1 (the most slots to patients: highest patient success);
3. writes one HTML report of everything, prints a conclusion table and the report's path.

A part that is missing or fails (e.g. the load driver cannot start the service) is named on
the terminal and in the report's "Incomplete" box, the report is still written with what did
run, and the exit code is 1.

The steps are strung together by :func:`sim.demo.pipeline.run_demo`; this module parses,
calls it and prints the conclusion.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from sim.cli.errors import UsageError, user_errors
from sim.cli.progress_bar import progress_bar
from sim.demo.pipeline import DEFAULT_POLICIES, DemoResult, run_demo
from sim.experiments.rundir import run_folder

__all__ = ["DEFAULT_POLICIES", "DemoResult", "register", "run_demo"]

def demo(
    out: Path | None = typer.Option(None, "--out", help="Folder for the runs and the report."),
    reps: int = typer.Option(4, "--reps", min=2, max=100, help="Seeds per policy in the simulator."),
    policies: int | None = typer.Option(None, "--policies", min=2, help="Only the first N headline policies."),
    load: bool = typer.Option(True, "--load/--no-load", help="Run the short load runs."),
    load_seconds: float = typer.Option(
        10.0, "--load-seconds", min=5, max=120, help="Seconds after T0 that a load run covers."
    ),
    load_share: float = typer.Option(
        0.1,
        "--load-share",
        min=0.01,
        max=1.0,
        help="Share of the scenario's patients in a load run.",
    ),
) -> None:
    """Compare the headline policies on release-peak, load-test FCFS and the best one, report."""
    from sim.demo.conclusion import conclusion_lines, conclusion_table  # matplotlib (it reads runs with reports/)

    with user_errors():
        folder = out or run_folder("release-peak", "demo")
        if folder.exists() and any(folder.iterdir()):
            raise UsageError(f"{folder}: output folder exists and is not empty; choose another --out")
        result = run_demo(
            folder,
            reps=reps,
            policies=policies,
            load=load,
            load_share=load_share,
            load_seconds=load_seconds,
            console=Console(stderr=True),
            progress=progress_bar,
        )
        # a log (CI, a file) is read wide; a terminal keeps its own width
        console = Console(width=None if sys.stdout.isatty() else 120)
        console.print(conclusion_table(result.run_dirs, result.best))
        for line in conclusion_lines(result.run_dirs):
            console.print(f"• {line}", markup=False, highlight=False)
        for problem in result.problems:
            console.print(f"[bold red]incomplete:[/] {problem}")
        console.print(f"report: {result.report}")
        if result.problems:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the CLI."""
    app.command("demo")(demo)
