"""``slotgrab demo`` as one library call: compare the headline policies, load-test FCFS and the
best one, write one report (:func:`run_demo`; the command in :mod:`sim.cli.demo` prints it)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from sim.demo.compare_step import compare_policies
from sim.demo.load_step import LoadStepError, run_load_step
from sim.scenario.loader import load_scenario
from sim.scenario.model import PolicySpec, Scenario, stack_label

__all__ = ["DEFAULT_POLICIES", "DemoResult", "run_demo"]


def _quiet_bar(console: Console) -> Progress:
    return Progress(console=console, transient=True)


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


def run_demo(
    out: Path,
    *,
    scenario: str = "release-peak",
    reps: int = 4,
    policies: int | None = None,
    load: bool = True,
    load_share: float = 0.1,
    load_seconds: float = 10.0,
    workers: int = 2,
    console: Console | None = None,
    progress: Callable[[Console], Progress] = _quiet_bar,
) -> DemoResult:
    """Run the demo into the folder ``out`` (created); see :mod:`sim.cli.demo`. ``progress``
    makes the bar shown on ``console`` (the command passes its own)."""
    from reports import write_report  # matplotlib
    from reports.build import count_figures  # matplotlib
    from reports.comparison import best_policy  # matplotlib

    err = console or Console(stderr=True)
    sc = load_scenario(scenario)
    stacks = _headline(sc)[: policies or None]
    t0 = time.perf_counter()
    with progress(err) as bar:
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
        for label in dict.fromkeys(["fcfs", compared.best]):
            folder = out / "load" / _folder(label)
            t1 = time.perf_counter()
            try:
                run_load_step(scenario, by_label[label], _short(sc, load_share, load_seconds), folder)
                err.print(f"load run under {label} in {time.perf_counter() - t1:.0f} s")
            except LoadStepError as exc:
                problems.append(f"load run under {label}: {exc}")
                err.print(f"[bold red]load run under {label} did not complete:[/] {exc}")
            if (folder / "meta.json").exists():
                run_dirs.append(folder)
    t2 = time.perf_counter()
    with progress(err) as bar:
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
    return DemoResult(report, run_dirs, compared.best, problems)


def _headline(sc: Scenario) -> list[tuple[PolicySpec, ...]]:
    return list(sc.compare) if len(sc.compare) >= 2 else list(DEFAULT_POLICIES)


def _short(sc: Scenario, share: float, seconds: float) -> dict[str, Any]:
    """Overrides for the load run: the same race, fewer patients, the seconds around T0."""
    overrides: dict[str, Any] = {"horizon.before_s": 5, "horizon.after_s": seconds}
    for seg in sc.patients:
        overrides[f"patients.{seg.segment}.count"] = max(1, math.ceil(seg.count * share))
    return overrides


def _folder(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label)
