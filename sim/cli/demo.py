"""``slotgrab demo`` (``make demo``): the whole story of slotgrab in about two minutes.

1. compares the headline policies on ``release-peak`` in the simulator (the scenario's
   ``compare:`` list × 4 seeds, with the compare runner on both cores);
2. runs a short load run of the same scenario (a tenth of the patients, slots and crew devices,
   from 5 s before T0 until the simulator's bookings under that policy are 90 % confirmed,
   at least ``--load-seconds``, at most ``--load-max-seconds``) against the reference service
   on SQLite, with ``slotgrab load``, under FCFS and under the best policy of step 1 (the most
   slots to patients: highest patient success); each load-run row outside the simulator's CI
   is flagged with its measured cause (``sim/demo/agreement.py``, ``agreement.json``);
3. writes one HTML report of everything, prints a conclusion table and the report's path.

A part that is missing or fails (e.g. the load driver cannot start the service) is named on
the terminal and in the report's "Incomplete" box, the report is still written with what did
run, and the exit code is 1.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from sim.cli.errors import UsageError, user_errors
from sim.cli.progress_bar import progress_bar
from sim.experiments.rundir import run_folder
from sim.scenario.loader import load_scenario
from sim.scenario.model import PolicySpec, Scenario, stack_label

if TYPE_CHECKING:
    from sim.demo.agreement import Agreement

__all__ = ["DEFAULT_POLICIES", "DemoResult", "register", "run_demo"]

# The headline policies, when the scenario lists fewer than two under ``compare``.
DEFAULT_POLICIES: tuple[tuple[PolicySpec, ...], ...] = (
    (PolicySpec(name="fcfs"),),
    (PolicySpec(name="randomized_release"),),
    (PolicySpec(name="lottery"),),
    (PolicySpec(name="waiting_room"),),
    (PolicySpec(name="captcha"),),
    (PolicySpec(name="rate_limit", params={"key": "ip"}),),
)


@dataclass
class DemoResult:
    """Where the report is, the run directories it was made from, and what did not run."""

    report: Path
    run_dirs: list[Path]
    best: str | None
    problems: list[str] = field(default_factory=list)
    agreement: list[Agreement] = field(default_factory=list)


def run_demo(
    out: Path,
    *,
    scenario: str = "release-peak",
    reps: int = 4,
    policies: int | None = None,
    load: bool = True,
    load_share: float = 0.1,
    load_seconds: float = 10.0,
    load_max_seconds: float = 300.0,
    workers: int = 2,
    console: Console | None = None,
) -> DemoResult:
    """Run the demo into the folder ``out`` (created); see the module docstring."""
    from reports import write_report
    from reports.build import count_figures
    from reports.comparison import best_policy
    from reports.runs import load_run  # the reports package loads matplotlib
    from sim.demo.agreement import check_agreement, needed_after_s, write_agreement  # matplotlib
    from sim.demo.compare_step import compare_policies
    from sim.demo.load_step import LoadStepError, run_load_step

    err = console or Console(stderr=True)
    sc = load_scenario(scenario)
    stacks = _headline(sc)[: policies or None]
    t0 = time.perf_counter()
    with progress_bar(err) as bar:
        what = f"simulator: {len(stacks)} policies × {reps} seeds"
        task = bar.add_task(what, total=len(stacks) * reps + 2)
        compared = compare_policies(
            sc,
            stacks,
            reps,
            out / "compare",
            workers,
            on_done=lambda: bar.advance(task),
            choose=best_policy,
        )
    err.print(f"{what} in {time.perf_counter() - t0:.0f} s; most slots to patients: {compared.best}")
    run_dirs, problems = [compared.folder], []
    if load:
        by_label = {stack_label(st): st for st in stacks}
        by_label.setdefault("fcfs", (PolicySpec(name="fcfs"),))
        sim_run = load_run(compared.folder)
        for label in dict.fromkeys(["fcfs", compared.best]):
            folder = out / "load" / _folder(label)
            t1 = time.perf_counter()
            # long enough for this policy's allocation to settle (a waiting room takes minutes)
            seconds = min(load_max_seconds, needed_after_s(sim_run, label, load_seconds))
            try:
                run_load_step(scenario, by_label[label], _short(sc, load_share, seconds), folder)
                err.print(f"load run under {label} in {time.perf_counter() - t1:.0f} s")
            except LoadStepError as exc:
                problems.append(f"load run under {label}: {exc}")
                err.print(f"[bold red]load run under {label} did not complete:[/] {exc}")
            if (folder / "meta.json").exists():
                run_dirs.append(folder)
    t2 = time.perf_counter()
    with progress_bar(err) as bar:
        task = bar.add_task("report: figures", total=count_figures(run_dirs))
        report = write_report(
            run_dirs,
            out / "report.html",
            title=f"slotgrab demo — {sc.name}",
            problems=problems,
            echo=None,
            on_figure=lambda _key: bar.advance(task),
        )
    err.print(f"report in {time.perf_counter() - t2:.0f} s; demo in {time.perf_counter() - t0:.0f} s")
    agreement = check_agreement(compared.folder, run_dirs[1:])
    write_agreement(out / "agreement.json", agreement)
    return DemoResult(report, run_dirs, compared.best, problems, agreement)


def _headline(sc: Scenario) -> list[tuple[PolicySpec, ...]]:
    return list(sc.compare) if len(sc.compare) >= 2 else list(DEFAULT_POLICIES)


def _short(sc: Scenario, share: float, seconds: float) -> dict[str, Any]:
    """Overrides for the load run: the same race at ``share`` of its scale — patients, slots and
    crew devices scaled together, so patients per slot stay the simulator's (patient success
    stays comparable) — over the seconds around T0."""
    overrides: dict[str, Any] = {"horizon.before_s": 5, "horizon.after_s": seconds}
    for seg in sc.patients:
        overrides[f"patients.{seg.segment}.count"] = max(1, math.ceil(seg.count * share))
    for d, dept in enumerate(sc.supply.departments):
        for s, session in enumerate(dept.sessions):
            capacity = max(1, round(session.capacity * share))
            overrides[f"supply.departments.{d}.sessions.{s}.capacity"] = capacity
    for b, crew in enumerate(sc.bots):
        overrides[f"bots.{b}.devices"] = max(1, round(crew.devices * share))
    return overrides


def _folder(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label)


def demo(
    out: Path | None = typer.Option(None, "--out", help="Folder for the runs and the report."),
    reps: int = typer.Option(4, "--reps", min=2, max=100, help="Seeds per policy in the simulator."),
    policies: int | None = typer.Option(None, "--policies", min=2, help="Only the first N headline policies."),
    load: bool = typer.Option(True, "--load/--no-load", help="Run the short load runs."),
    load_seconds: float = typer.Option(
        10.0, "--load-seconds", min=5, max=120,
        help="Least seconds after T0 a load run covers (more when the policy's bookings settle later).",
    ),
    load_max_seconds: float = typer.Option(
        300.0, "--load-max-seconds", min=5, max=3600,
        help="Most seconds after T0 a load run covers (a shorter run is flagged if it differs).",
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
    from sim.demo.conclusion import conclusion_table

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
            load_max_seconds=load_max_seconds,
            console=Console(stderr=True),
        )
        # a log (CI, a file) is read wide; a terminal keeps its own width
        console = Console(width=None if sys.stdout.isatty() else 120)
        console.print(conclusion_table(result.run_dirs, result.best))
        for row in result.agreement:
            if not row.agrees:
                console.print(f"[bold yellow]simulator and load run differ[/] under {row.policy} on "
                              f"{row.metric}: simulator {row.sim_mean:.3f} [{row.sim_low:.3f}, "
                              f"{row.sim_high:.3f}], load run {row.load:.3f} — {row.cause}")
        for problem in result.problems:
            console.print(f"[bold red]incomplete:[/] {problem}")
        console.print(f"report: {result.report}")
        if result.problems:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the CLI."""
    app.command("demo")(demo)
