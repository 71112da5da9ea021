"""Assembling a report from run directories: which figures for which runs, and writing it.

Runs of any kinds can be combined: simulator runs (``simulate``, ``compare``) give the metric
samples per policy; with two or more policies the comparison figures appear; each load run adds
its timing figure, and a twin figure when a simulator run measured the same policy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reports.comparison import best_policy, comparison_figure
from reports.conclusion import conclusions, twin_conclusions
from reports.economics import scalper_figure
from reports.fairness import fairness_figure
from reports.figure import FIGURES_DIR, ReportFigure
from reports.html import render_html
from reports.loadrun import load_timing_figure
from reports.markdown import render_markdown
from reports.palette import PolicyColours
from reports.report import Report
from reports.runs import Run, load_run, runs_by_kind
from reports.slot_shares import has_slot_groups, slot_share_figure
from reports.stats import Estimate, estimates_of
from reports.summary import summary_table
from reports.tables import Tables
from reports.time_to_book import time_to_book_figure
from reports.timeline import timeline_figure
from reports.twin import twin_figure

__all__ = ["FIGURES_DIR", "Report", "add_figure_section", "build_report", "count_figures", "report_conclusions",
           "write_report"]



def build_report(
    paths: Sequence[Path],
    *,
    title: str | None = None,
    problems: Sequence[str] = (),
    on_figure: Callable[[str], None] | None = None,
) -> Report:
    """Load the run directories and build every figure that fits them.

    ``on_figure`` is called with each figure's key as it is built (for a progress bar)."""
    plan = _Plan([load_run(Path(p)) for p in paths])
    runs, samples, load_runs, best, steps = plan.runs, plan.samples, plan.load_runs, plan.best, plan.steps
    figures = []
    for key, make in steps:
        fig = make()
        if fig is not None:
            figures.append(fig)
        if on_figure is not None:
            on_figure(key)
    columns = {p: reps for p, reps in sorted(samples.items(), key=lambda kv: not _is_baseline(kv[0]))}
    columns.update({f"{p} · load run": reps for r in load_runs for p, reps in r.samples.items()})
    for twin in runs_by_kind(runs, "twin"):  # twin.json keeps means only: no ± in these columns
        rows = twin.twin_rows
        columns[f"twin {twin.path.name}: simulated mean"] = [{r["metric"]: _num(r.get("sim_mean")) for r in rows}]
        columns[f"twin {twin.path.name}: load run"] = [{r["metric"]: _num(r.get("load")) for r in rows}]
    name = _scenario_of(runs).get("name", "slotgrab")
    return Report(
        title or f"slotgrab report — {name}",
        runs,
        summary_table(columns),
        figures,
        _all_conclusions(plan),
        list(problems),
        best,
    )


def report_conclusions(paths: Sequence[Path]) -> list[str]:
    """The conclusion sentences of the report of these run directories, without building its
    figures (for a terminal summary)."""
    return _all_conclusions(_Plan([load_run(Path(p)) for p in paths]))


def count_figures(paths: Sequence[Path]) -> int:
    """How many figure steps :func:`build_report` will run (for sizing a progress bar)."""
    return len(_Plan([load_run(Path(p)) for p in paths]).steps)


class _Plan:
    """The runs of a report sorted by role, the best policy, and the figures to build."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs
        self.load_runs = runs_by_kind(runs, "load")
        sim_runs = runs_by_kind(runs, "simulate") + runs_by_kind(runs, "compare")
        self.samples, owner = self.samples_owner = _merge_samples(sim_runs)
        colours = PolicyColours([*self.samples, *(p for r in self.load_runs for p in r.policies)])
        self.best = best_policy(self.samples) if len(self.samples) > 1 else None
        twins = [r for r in runs_by_kind(runs, "twin") if r.twin_rows]
        self.twins = twins
        self.steps = _figure_steps(self.samples, owner, self.load_runs, twins, colours, self.best, _scenario_of(runs))
        self.steps += [step for section in _SECTIONS for step in section(runs)]


def write_report(
    paths: Sequence[Path] | Path,
    out: Path | None = None,
    *,
    title: str | None = None,
    problems: Sequence[str] = (),
    echo: Callable[[str], None] | None = print,
    on_figure: Callable[[str], None] | None = None,
) -> Path:
    """Write the HTML report of the given run directories, and a Markdown summary beside it.

    This is the call ``simulate``, ``compare``, ``load`` and ``twin`` make after writing their
    run directory: ``write_report(run_dir)``.

    ``out`` defaults to ``<first run dir>/report.html``; the Markdown goes to the same path with
    ``.md``. ``problems`` are shown in an "Incomplete" box (e.g. a step that could not run).
    ``echo`` (default ``print``; None to stay quiet) gets one line, ``report: <path>``.
    ``on_figure`` is called with each figure's key as it is built (progress bars).
    Returns the HTML file's path. Raises :class:`reports.runs.RunDirError` when a folder is not
    a readable run directory."""
    dirs = [paths] if isinstance(paths, Path) else [Path(p) for p in paths]
    report = build_report(dirs, title=title, problems=problems, on_figure=on_figure)
    target = out or dirs[0] / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    for fig in report.figures:
        fig.save_files(target.parent / FIGURES_DIR)
    target.write_text(render_html(report, figures_dir=FIGURES_DIR), encoding="utf-8")
    markdown = render_markdown(report, html_path=target)
    target.with_suffix(".md").write_text(markdown, encoding="utf-8")
    if echo is not None:
        echo(f"report: {target}")
    return target


Step = tuple[str, Callable[[], ReportFigure | None]]
SectionSteps = Callable[[list[Run]], list[Step]]
_SECTIONS: list[SectionSteps] = []


def add_figure_section(steps: SectionSteps) -> SectionSteps:
    """Register a report section: ``steps(runs)`` returns (key, build) pairs for the runs of a
    report (none when the section does not apply); its figures come after the built-in ones.
    Usable as a decorator by a figure module (e.g. a sensitivity or attack section)."""
    if steps not in _SECTIONS:
        _SECTIONS.append(steps)
    return steps


def _figure_steps(
    samples: dict[str, list[dict[str, float]]],
    owner: dict[str, Run],
    load_runs: list[Run],
    twin_runs: list[Run],
    colours: PolicyColours,
    best: str | None,
    scenario: dict[str, Any],
) -> list[Step]:
    steps: list[Step] = []
    name = scenario.get("name", "")
    if len(samples) > 1:
        steps.append(
            (
                "comparison",
                lambda: comparison_figure(samples, colours, title=f"Policy comparison — {name}"),
            )
        )
    if samples:
        steps.append(("fairness", lambda: fairness_figure(samples, colours)))
    if has_slot_groups(samples):
        steps.append(("slot_shares", lambda: slot_share_figure(samples, colours)))
    if estimates_of(samples, "scalper_profit"):
        steps.append(("scalpers", lambda: scalper_figure(samples, colours, markup=_markup(scenario))))
    if any(owner[p].record_dirs.get(p) for p in samples):
        steps.append(("time_to_book", lambda: _ttb(samples, owner, colours)))
    for policy in _timeline_policies(samples, best):
        if owner[policy].record_dirs.get(policy):
            steps.append((f"timeline:{policy}", _timeline_step(owner[policy], policy, scenario, "simulator")))
    for twin in twin_runs:
        steps.append((f"twin:{twin.path.name}", _twin_json_step(twin)))
    for run in load_runs:
        for policy in run.policies:
            steps.append((f"load:{policy}", _load_step(run, policy)))
            steps.append((f"timeline-load:{policy}", _timeline_step(run, policy, scenario, "load run")))
            if policy in samples and _same_race(owner[policy].scenario, run.scenario):
                steps.append((f"twin:{policy}", _twin_step(samples[policy], owner[policy], run, policy)))
    return steps


def _merge_samples(runs: list[Run]) -> tuple[dict[str, list[dict[str, float]]], dict[str, Run]]:
    """Policy → samples across simulator runs; a policy met twice is labelled with its folder."""
    samples: dict[str, list[dict[str, float]]] = {}
    owner: dict[str, Run] = {}
    for run in runs:
        for policy, reps in run.samples.items():
            label = policy if policy not in samples else f"{policy} @ {run.path.name}"
            samples[label] = reps
            owner[label] = run
            if label != policy:
                run.record_dirs[label] = run.record_dirs.get(policy, [])
    return samples, owner


def _timeline_policies(samples: dict[str, list[dict[str, float]]], best: str | None) -> list[str]:
    """The baseline and the best policy (or the only one)."""
    if len(samples) == 1:
        return list(samples)
    wanted = [p for p in samples if p.split("(")[0] == "fcfs"][:1]
    if best is not None and best not in wanted:
        wanted.append(best)
    return wanted


def _ttb(samples: dict[str, list[dict[str, float]]], owner: dict[str, Run], colours: PolicyColours) -> ReportFigure:
    runs: dict[str, Tables] = {}
    for policy in samples:
        tables = owner[policy].pooled(policy)
        if tables is not None:
            runs[policy] = tables
    return time_to_book_figure(runs, colours)


def _timeline_step(run: Run, policy: str, scenario: dict[str, Any], where: str) -> Callable[[], ReportFigure | None]:
    def make() -> ReportFigure | None:
        tables = run.tables(policy)
        if tables is None:
            return None
        fig = timeline_figure(
            tables,
            title=f"Release timeline — {policy} ({where}, replication 0)",
            release_clock=str(scenario.get("release", {}).get("clock", "07:00")),
            backlog_limit=_backlog(scenario) if where == "simulator" else None,
        )
        fig.key = f"timeline-{where.replace(' ', '-')}-{policy}"
        return fig

    return make


def _load_step(run: Run, policy: str) -> Callable[[], ReportFigure | None]:
    def make() -> ReportFigure | None:
        tables = run.tables(policy)
        if tables is None:
            return None
        fig = load_timing_figure(tables["requests"], title=f"Load run — {policy}: latency, generator lag, outcomes")
        fig.key = f"load-{policy}"
        return fig

    return make


def _twin_step(sim: list[dict[str, float]], sim_run: Run, load: Run, policy: str) -> Callable[[], ReportFigure]:
    def make() -> ReportFigure:
        fig = twin_figure(
            sim,
            load.samples[policy],
            sim_tables=sim_run.tables(policy),
            load_tables=load.tables(policy),
            title=f"Simulator vs load run — {policy}",
        )
        fig.key = f"twin-{policy}"
        return fig

    return make


_NOT_THE_RACE = ("policies", "compare", "gates", "replications", "seed", "sweep")


def _same_race(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two resolved scenarios describe the same race (policies and run settings aside):
    only then does a simulator-vs-load comparison mean anything."""
    if not a or not b:
        return False
    strip = lambda d: {k: v for k, v in d.items() if k not in _NOT_THE_RACE}  # noqa: E731
    return strip(a) == strip(b)


def _twin_json_step(run: Run) -> Callable[[], ReportFigure]:
    def make() -> ReportFigure:
        sim = {
            r["metric"]: Estimate(_num(r.get("sim_mean")), _num(r.get("ci_low")), _num(r.get("ci_high")), ())
            for r in run.twin_rows
        }
        load = {r["metric"]: _num(r.get("load")) for r in run.twin_rows}
        name = run.scenario.get("name", "")
        fig = twin_figure(sim, load, title=f"Simulator (calibrated) vs load run — {name}")
        fig.key = f"twin-{run.path.name}"
        return fig

    return make


def _num(v: Any) -> float:
    return math.nan if v is None else float(v)


def _scenario_of(runs: list[Run]) -> dict[str, Any]:
    return next((r.scenario for r in runs if r.scenario), {})


def _backlog(scenario: dict[str, Any]) -> int | None:
    value = scenario.get("service", {}).get("backlog")
    return int(value) if value is not None else None


def _markup(scenario: dict[str, Any]) -> float | None:
    markups: list[Any] = [b.get("markup") for b in scenario.get("bots", []) if isinstance(b, dict) and b.get("markup")]
    return float(markups[0]) if markups else None


def _is_baseline(policy: str) -> bool:
    return policy.split("(")[0] == "fcfs"


def _all_conclusions(plan: _Plan) -> list[str]:
    """The decision over the simulator runs (checked against the load runs), then each twin's."""
    owner = plan.samples_owner[1]
    load = {  # only a load run of the same race can confirm or contradict a simulator row
        p: reps[0]
        for r in plan.load_runs
        for p, reps in r.samples.items()
        if reps and p in owner and _same_race(owner[p].scenario, r.scenario)
    }
    lines = conclusions(plan.samples, plan.best, load)
    other_race = sorted({p for r in plan.load_runs for p in r.samples if p not in load})
    if plan.samples and other_race:
        lines.append(
            f"The load runs under {', '.join(other_race)} measure a different race than the simulator runs "
            "(their scenarios differ beyond policies and seeds, e.g. scaled down), so their rows are shown "
            "beside the simulator's but neither confirm nor contradict them."
        )
    if not plan.samples:
        lines += _load_conclusions(plan.load_runs)
    for twin in plan.twins:
        lines += twin_conclusions(twin.twin_rows)
    return lines


def _load_conclusions(load_runs: list[Run]) -> list[str]:
    """One line per load run without a simulator run beside it: who got the slots, the honest
    p99 latency, broken invariants."""
    lines = []
    for run in load_runs:
        for policy, reps in run.samples.items():
            m = reps[0] if reps else {}
            parts = [
                f"bot share {m.get('bot_share', math.nan):.1%}",
                f"patient success {m.get('patient_success', math.nan):.2%}",
            ]
            if "latency_corrected_p99_ms" in m:
                parts.append(f"p99 latency from the planned send {m['latency_corrected_p99_ms']:.0f} ms")
            if "invariant_violations" in m:
                parts.append(f"invariant violations {m['invariant_violations']:.0f}")
            lines.append(f"Load run under {policy}: " + ", ".join(parts))
        for named in run.meta.get("violations_named", [])[:5]:  # plainly, e.g. a lost acknowledgement
            lines.append(f"Broken invariant: {named}")
        if run.meta.get("incomplete"):  # stopped early: these numbers cover only part of the run
            lines.append(f"Load run INCOMPLETE (stopped early: {run.meta['incomplete']}); "
                         "its figures cover only what was gathered before the stop.")
    return lines
