"""``slotgrab check``: run a scenario, evaluate its gates, compare with a baseline; CI exit codes.

Exit codes: 0 pass · 1 a gate or regression check failed · 2 usage or configuration error ·
3 inconclusive (a CI straddles a threshold, or the load generator lagged). Writes
``result.json``, ``junit.xml`` and ``summary.md`` into ``--out`` (the run itself under ``run/``).
Semantics: ``docs/ci.md``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.cli.errors import UsageError, user_errors
from sim.experiments import RunDir
from sim.gates.baseline import Baseline, BaselineError, compare, parse_tolerances
from sim.gates.evaluate import GateConfigError, evaluate_gates, timing_trusted
from sim.gates.expression import KINDS, Gate, parse_gate_table
from sim.gates.junit import write_junit
from sim.gates.markdown import write_markdown
from sim.gates.measure_simulate import Measured, measure_simulate
from sim.gates.result import CheckResult
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import parse_set_options

__all__ = ["register"]

_STYLE = {"pass": "green", "fail": "bold red", "inconclusive": "yellow"}


def _out_dir(out: Path | None, sc: Scenario, kind: str) -> Path:
    if out is not None:
        return out
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("runs") / f"check-{sc.name}-{kind}-{stamp}"


def _run_dir(out: Path) -> RunDir:
    try:
        return RunDir.create(out / "run")
    except FileExistsError:
        raise UsageError(
            f"{out}: output folder already holds a run; choose another --out"
        ) from None
    except OSError as exc:
        raise UsageError(f"{out}: cannot create the output folder: {exc.strerror}") from None


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _measure(
    sc: Scenario, kind: str, out: Path, source: str, load_opts: dict[str, Any]
) -> Measured:
    run_dir = _run_dir(out)
    if kind == "simulate":
        with _progress(Console(stderr=True)) as bar:
            task = bar.add_task(f"{sc.name}: replications", total=sc.replications)
            return measure_simulate(sc, run_dir, source, on_done=lambda _r: bar.advance(task))
    from sim.gates.measure_load import measure_load  # imports the load driver only when needed

    try:
        return measure_load(sc, run_dir, source=source, **load_opts)
    except (RuntimeError, ValueError, OSError) as exc:  # target down, workers lost, bad URL
        raise UsageError(f"load run of {sc.name!r} could not be carried out: {exc}") from None


def _compared_metrics(
    gates: tuple[Gate, ...], kind: str, tolerances: dict[str, float], measured: Measured
) -> list[str]:
    unknown = sorted(set(tolerances) - set(measured.metrics))
    if unknown:
        raise UsageError(
            f"--tolerance names metric(s) {', '.join(unknown)} that this run does not "
            f"report; known metrics: {', '.join(sorted(measured.metrics))}"
        )
    # generator_* gates judge the load generator, not the change under test: no regression check
    gated = {g.metric for g in gates if g.kind == kind and not g.metric.startswith("generator_")}
    return sorted(gated | set(tolerances))


def _load_baseline(path: Path | None, sc: Scenario, kind: str) -> Baseline | None:
    if path is None:
        return None
    baseline = Baseline.load(path)
    if baseline.kind != kind:
        raise UsageError(
            f"{path}: baseline is of a {baseline.kind!r} run; this check is --kind {kind}"
        )
    return baseline


def _print(console: Console, result: CheckResult, files: dict[str, Path]) -> None:
    table = Table(title=f"slotgrab check · {result.scenario} · {result.kind}")
    for col in ("check", "status", "value", "why"):
        table.add_column(col, overflow="fold")
    for g in result.gates:
        v = g.value
        shown = (
            "n/a"
            if v is None
            else (
                f"{v.mean:.4g}"
                if not v.has_ci
                else f"{v.mean:.4g} [{v.ci_low:.4g}, {v.ci_high:.4g}]"
            )
        )
        table.add_row(g.gate.text, f"[{_STYLE[g.status]}]{g.status}[/]", shown, g.reason)
    for r in result.regressions:
        table.add_row(
            f"regression {r.metric}",
            f"[{_STYLE[r.status]}]{r.status}[/]",
            f"{r.baseline:.4g} → {r.current:.4g}",
            r.reason,
        )
    console.print(table)
    console.print(
        f"[{_STYLE[result.status]}]{result.status.upper()}[/] (exit {result.exit_code}) · "
        + " · ".join(f"{k}: {v}" for k, v in files.items())
    )


def run_check(
    scenario: str,
    kind: str,
    baseline_path: Path | None,
    save_baseline: Path | None,
    tolerance: list[str],
    set_: list[str],
    out: Path | None,
    load_opts: dict[str, Any],
) -> CheckResult:
    """The whole check; raises UsageError (exit 2) for anything a user must fix first."""
    if kind not in KINDS:
        raise UsageError(f"--kind {kind!r} is not a run kind; allowed: {', '.join(KINDS)}")
    source = resolve_path(scenario)
    sc = load_scenario(source, parse_set_options(set_))
    gates = parse_gate_table(sc.gates)
    tolerances = parse_tolerances(tolerance)
    baseline = _load_baseline(baseline_path, sc, kind)
    if not any(g.kind == kind for g in gates) and baseline is None and save_baseline is None:
        raise UsageError(
            f"{source}: scenario {sc.name!r} declares no gates for {kind!r} runs and no "
            f"--baseline was given: nothing to check (add gates: {{{kind}: [...]}})"
        )
    folder = _out_dir(out, sc, kind)
    measured = _measure(sc, kind, folder, str(source), load_opts)
    results = evaluate_gates(gates, measured.metrics, kind)
    regressions = []
    if baseline is not None:
        names = _compared_metrics(gates, kind, tolerances, measured)
        regressions = compare(
            measured.metrics,
            measured.references,
            baseline,
            names,
            tolerances,
            gates,
            timing_trusted=timing_trusted(results),
        )
    meta = {
        "source": str(source),
        "run_dir": str(measured.run_dir),
        **measured.meta,
        "baseline": str(baseline_path) if baseline_path else None,
    }
    result = CheckResult(
        sc.name, kind, results, regressions, measured.metrics, measured.references, meta
    )
    files = {
        "result": folder / "result.json",
        "junit": folder / "junit.xml",
        "summary": folder / "summary.md",
    }
    result.write_json(files["result"])
    write_junit(result, files["junit"])
    write_markdown(result, files["summary"])
    if save_baseline is not None:
        Baseline(
            sc.name, kind, measured.metrics, measured.references, {"source": str(source)}
        ).save(save_baseline)
        files["baseline"] = save_baseline
    _print(Console(), result, files)
    return result


def check(
    scenario: str = typer.Argument(..., help="Scenario file, or the name of a shipped scenario."),
    kind: str = typer.Option(
        "simulate", "--kind", help="Run kind whose gates to check: simulate or load."
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="Compare with this saved baseline (JSON)."
    ),
    save_baseline: Path | None = typer.Option(
        None, "--save-baseline", help="Save this run as a baseline."
    ),
    tolerance: list[str] = typer.Option(
        [],
        "--tolerance",
        metavar="METRIC=REL",
        help="Relative regression tolerance of one metric (repeatable).",
    ),
    set_: list[str] = typer.Option(
        [], "--set", metavar="PATH=VALUE", help="Override a scenario field."
    ),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: runs/check-…)."),
    target: str | None = typer.Option(
        None, "--target", help="load: target URL (default: start the reference)."
    ),
    processes: int = typer.Option(1, "--processes", min=1, help="load: Locust processes."),
    reference_path: str = typer.Option(
        "/v1/health",
        "--reference-path",
        help="load: trivial endpoint whose latency is the in-run reference.",
    ),
) -> None:
    """Run a scenario, evaluate its gates (and regressions vs a baseline); exit 0/1/2/3."""
    with user_errors():
        try:
            result = run_check(
                scenario,
                kind,
                baseline,
                save_baseline,
                tolerance,
                set_,
                out,
                {"target": target, "processes": processes, "reference_path": reference_path},
            )
        except (GateConfigError, BaselineError) as exc:
            raise UsageError(str(exc)) from None
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    """Add ``check`` to the CLI."""
    app.command("check")(check)
