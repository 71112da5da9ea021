"""``slotgrab check``: run a scenario, evaluate its gates, compare with a baseline; CI exit codes.

Exit codes: 0 pass · 1 a gate or regression check failed · 2 usage or configuration error ·
3 inconclusive (a CI straddles a threshold, or the load generator lagged). Writes
``result.json``, ``junit.xml``, ``summary.md`` and ``report.html`` into ``--out`` (the run itself
under ``run/``). Semantics: ``docs/ci.md``; the work: :mod:`sim.gates.check`.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sim.cli.adapter_options import adapter_opt_option, adapter_option, health_path, resolve_adapter
from sim.cli.errors import UsageError, user_errors
from sim.cli.output import json_option, print_json_file, quiet_option, result_console
from sim.cli.progress_bar import progress_bar
from sim.gates.check import CheckError, CheckOptions, CheckOutput, run_check
from sim.gates.values import MetricValue

__all__ = ["register"]

_STYLE = {"pass": "green", "fail": "bold red", "inconclusive": "yellow"}


def _shown(v: MetricValue | None) -> str:
    if v is None:
        return "n/a"
    return f"{v.mean:.4g} [{v.ci_low:.4g}, {v.ci_high:.4g}]" if v.has_ci else f"{v.mean:.4g}"


def _print(console: Console, out: CheckOutput) -> None:
    result = out.result
    table = Table(title=f"slotgrab check · {result.scenario} · {result.kind}")
    for col in ("check", "status", "value", "why"):
        table.add_column(col, overflow="fold")
    for g in result.gates:
        label = g.gate.text + (" (implicit)" if g.implicit else "")
        table.add_row(label, f"[{_STYLE[g.status]}]{g.status}[/]", _shown(g.value), g.reason)
    for r in result.regressions:
        table.add_row(
            f"regression {r.metric}",
            f"[{_STYLE[r.status]}]{r.status}[/]",
            f"{r.baseline:.4g} → {r.current:.4g}",
            r.reason,
        )
    console.print(table)
    files = " · ".join(f"{k}: {v}" for k, v in out.files.items())
    console.print(
        f"[{_STYLE[result.status]}]{result.status.upper()}[/] (exit {result.exit_code}) · {files}"
    )


def _run(opts: CheckOptions) -> CheckOutput:
    if opts.kind == "load":
        # Locust patches threading with gevent on import: do it before the progress bar starts
        # its refresh thread (patching with a live thread deadlocks it).
        import sim.gates.measure_load  # noqa: F401  (locust, gevent)
    progress = progress_bar(Console(stderr=True))
    label = "replications" if opts.kind == "simulate" else "load run: agents finished"
    with progress:
        task = progress.add_task(label, total=None)
        return run_check(opts, lambda done, total: progress.update(task, completed=done, total=total))


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
    out: Path | None = typer.Option(
        None, "--out", help="Output folder (default: runs/<scenario>-check-<kind>-<time>)."
    ),
    report: bool = typer.Option(True, "--report/--no-report", help="Also build the HTML report."),
    target: str | None = typer.Option(
        None, "--target", help="load: URL, or 'reference'/'naive' to start one (default)."
    ),
    processes: int = typer.Option(1, "--processes", min=1, help="load: Locust processes."),
    reference_path: str = typer.Option(
        "/v1/health",
        "--reference-path",
        help="load: trivial endpoint whose latency is the in-run reference.",
    ),
    admin_token_file: Path | None = typer.Option(
        None, "--admin-token-file", help="load: admin token of --target URL (else $SLOTGRAB_ADMIN_TOKEN)."
    ),
    adapter: str | None = adapter_option(),
    adapter_opt: list[str] = adapter_opt_option(),
    as_json: bool = json_option(),
    quiet: bool = quiet_option(),
) -> None:
    """Run a scenario, evaluate its gates (and regressions vs a baseline); exit 0/1/2/3."""
    with user_errors():
        spec, options = resolve_adapter(adapter, adapter_opt)
    reference_path = health_path(spec, reference_path)
    opts = CheckOptions(
        scenario,
        kind,
        baseline,
        save_baseline,
        tuple(tolerance),
        tuple(set_),
        out,
        report,
        target,
        processes,
        reference_path,
        admin_token_file=admin_token_file,
        adapter=spec,
        adapter_options=tuple(options.items()),
    )
    with user_errors():
        try:
            output = _run(opts)
        except CheckError as exc:
            raise UsageError(str(exc)) from None
    _print(result_console(as_json, quiet), output)
    if as_json:
        print_json_file(output.files["result"], files={k: str(v) for k, v in output.files.items()})
    raise typer.Exit(output.result.exit_code)


def register(app: typer.Typer) -> None:
    """Add ``check`` to the CLI."""
    app.command("check")(check)
