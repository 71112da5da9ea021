"""``slotgrab load``: run a scenario's agents against a real target through Locust.

With no ``--target`` it starts the reference service itself (SQLite, 127.0.0.1, a free port)
and stops it after. Writes a run folder like ``simulate``'s (records Parquet, ``summary.json``,
``meta.json``, plus ``timing.json``; ``report.html``/``report.md`` unless ``--no-report``) and
exits 1 if the target broke a booking invariant.
Locust is imported only when the command runs (it monkey-patches the standard library); the
run folder is written by :func:`sim.experiments.load_folder.write_load_run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from sim.cli.adapter_options import adapter_opt_option, adapter_option, resolve_adapter
from sim.cli.console import wide_console
from sim.cli.errors import UsageError, user_errors
from sim.cli.load_summary import load_outputs
from sim.cli.load_watch import (
    WatchOptions,
    prometheus_option,
    watching,
    web_ui_option,
    web_ui_port_option,
)
from sim.cli.metric_table import format_value
from sim.cli.output import json_option, print_json, quiet_option
from sim.cli.run_options import (
    ADMIN_TOKEN_ENV,
    admin_token,
    admin_token_file_option,
    resolve_scenario,
    timing_table,
)
from sim.cli.run_report import report_option, write_run_report
from sim.domain.invariants import InvariantViolation
from sim.drivers.adapter import TargetError
from sim.drivers.load.stopping import INTERRUPTED, discard_if_empty, mark_incomplete
from sim.drivers.load.target import TargetSpecError, target_for
from sim.experiments.load_folder import write_load_run
from sim.experiments.rundir import RunDir, run_folder
from sim.scenario.model import Scenario

__all__ = [
    "ADMIN_TOKEN_ENV",
    "KEY_METRICS",
    "adapter_option",
    "admin_token_file_option",
    "register",
    "resolve_scenario",
    "timing_table",
    "wide_console",
]

KEY_METRICS = (
    "bot_share",
    "patient_success",
    "slots_confirmed",
    "unused_slots",
    "time_to_book_p50_s",
    "attempts_per_success",
    "requests",
    "peak_rps",
    "overloaded_rate",
    "timeout_rate",
    "invariant_violations",
)


def _metrics_table(metrics: dict[str, float], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    for name in KEY_METRICS:
        if name in metrics:
            table.add_row(name, format_value(metrics[name]))
    return table


def _run_dir(out: Path | None, sc: Scenario) -> RunDir:
    path = out if out is not None else run_folder(sc.name, "load")
    try:
        return RunDir.create(path)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None


def load(
    scenario: str = typer.Argument(..., help="Scenario file, or the name of a shipped scenario."),
    target: str | None = typer.Option(
        None,
        "--target",
        help="Target base URL (default: start the reference service); "
        "'reference' or 'naive' start that service.",
    ),
    policy: list[str] | None = typer.Option(
        None,
        "--policy",
        help="Policy stack replacing the scenario's (repeatable; a name or a YAML "
        "mapping like '{rate_limit: {key: ip}}').",
    ),
    processes: int = typer.Option(
        1,
        "--processes",
        min=0,
        max=64,
        help="Locust processes on this machine (2+: master/worker mode; "
        "0: only a master, waiting for --expect-workers).",
    ),
    expect_workers: int = typer.Option(
        0, "--expect-workers", min=0, help="With --processes 0: workers started elsewhere."
    ),
    master_bind: str = typer.Option(
        "127.0.0.1", "--master-bind", help="Interface the Locust master listens on."
    ),
    master_port: int = typer.Option(
        0,
        "--master-port",
        min=0,
        max=65535,
        help="Port of the Locust master (default: a free one).",
    ),
    users: int | None = typer.Option(
        None, "--users", min=1, help="Locust users in all (default: one per agent)."
    ),
    rep: int = typer.Option(0, "--rep", min=0, help="Which replication's plan to play."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Seed (default: the scenario's)."),
    adapter: str | None = adapter_option(),
    adapter_opt: list[str] = adapter_opt_option(),
    admin_token_file: Path | None = admin_token_file_option(),
    out: Path | None = typer.Option(
        None, "--out", help="Run folder (default: runs/<scenario>-load-<time>)."
    ),
    no_rtt: bool = typer.Option(
        False, "--no-rtt", help="Do not emulate the agents' network round trips (loopback only)."
    ),
    set_: list[str] | None = typer.Option(
        None,
        "--set",
        metavar="PATH=VALUE",
        help="Override a scenario field, e.g. horizon.after_s=20.",
    ),
    with_report: bool = report_option(),
    web_ui: bool = web_ui_option(),
    web_ui_port: int = web_ui_port_option(),
    prometheus: int | None = prometheus_option(),
    as_json: bool = json_option(),
    quiet: bool = quiet_option(),
) -> None:
    """Play a scenario's agents against a real target; report outcomes, timing and invariants.

    On a terminal a live view shows the countdown to T0, requests/s, latency, generator lag,
    answers, slots left and the bot share; at the end a table per operation, the timing and
    the scenario's gates.load (shown, not enforced: slotgrab check enforces them)."""
    with user_errors():
        sc, source = resolve_scenario(scenario, set_, policy, seed)
        if processes == 0 and expect_workers == 0:
            raise UsageError("--processes 0 needs --expect-workers N (workers started elsewhere)")
        adapter, adapter_options = resolve_adapter(adapter, adapter_opt)
        run_dir = _run_dir(out, sc)
        report = _run_into(
            run_dir,
            sc,
            target,
            admin_token(admin_token_file),
            adapter=adapter,
            adapter_options=adapter_options,
            processes=processes,
            expect_workers=expect_workers,
            users=users,
            replication=rep,
            master_bind=master_bind,
            master_port=master_port,
            emulate_rtt=not no_rtt,
            watch_opts=WatchOptions(web_ui, web_ui_port, prometheus, not (quiet or as_json)),
        )
        write_load_run(run_dir, sc, report, str(source))
        outputs = load_outputs(run_dir.path, sc, report)
        console = Console(quiet=True) if quiet or as_json else wide_console()
        console.print(
            _metrics_table(
                report.metrics,
                f"{sc.name} · load · policy {'+'.join(p.label for p in sc.policies)} · rep {rep}",
            )
        )
        console.print(timing_table(report.timing))
        outputs.print(console)
        console.print(
            f"{len(report.records.requests)} requests · {report.result.processes} process(es) "
            f"· {report.result.users} users · {report.result.wall_s:.1f} s"
        )
        if report.result.errors:
            console.print(
                f"[yellow]{len(report.result.errors)} agent(s) failed in the driver, e.g. "
                f"{report.result.errors[0]}[/yellow]"
            )
        console.print(f"run folder: {run_dir.path}")
        if with_report:  # also when the target broke an invariant: the report shows how
            write_run_report(run_dir.path, console)
        if as_json:
            print_json({"scenario": sc.name, "run_folder": str(run_dir.path),
                        "metrics": report.metrics, "timing": report.timing, **outputs.to_json()})
        elif quiet:
            typer.echo(run_dir.path)
        if report.incomplete:  # before the invariants: a cut-off run's truth is partial
            _stopped_early(run_dir, report)
        if report.violations:
            raise InvariantViolation(report.violations)


def _run_into(run_dir: RunDir, *args: Any, **opts: Any) -> Any:
    """``_run``; a run that gathered nothing leaves no empty run folder behind."""
    with discard_if_empty(run_dir.path):
        return _run(*args, **opts)


def _stopped_early(run_dir: RunDir, report: Any) -> None:
    """Mark the run folder incomplete; one line and exit 130 (Ctrl-C) or 2 (target gone)."""
    mark_incomplete(run_dir.path, report.incomplete)
    typer.echo(f"error: load run stopped early: {report.incomplete}; the {len(report.records.requests)} "
               f"requests gathered are in {run_dir.path} (marked incomplete)", err=True)
    raise typer.Exit(130 if report.incomplete.startswith(INTERRUPTED) else 2)


def _run(
    sc: Scenario, target: str | None, admin_token: str | None, watch_opts: WatchOptions,
    **opts: Any,
) -> Any:
    """The load run with its live view and pages, against a started or given target."""
    from sim.drivers.load.harness import load_run  # imports locust: gevent patching first
    from sim.drivers.load.run import LoadError, LoadStopped  # locust, with the harness

    try:
        with (
            target_for(target, admin_token=lambda: admin_token) as tgt,
            watching(sc, watch_opts) as (progress, watch),
        ):
            return load_run(sc, tgt, progress=progress, watch=watch, **opts)
    except TargetSpecError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:  # outside the run itself (which stops cleanly and keeps records)
        typer.echo("error: load run interrupted (Ctrl-C) before it started; nothing was gathered", err=True)
        raise typer.Exit(130) from None
    except LoadStopped as exc:
        typer.echo(f"error: load run of {sc.name!r} {exc}", err=True)
        raise typer.Exit(130 if exc.reason == INTERRUPTED else 2) from None
    except (LoadError, TargetError, RuntimeError, OSError, ValueError) as exc:
        raise UsageError(f"load run of {sc.name!r} could not be carried out: {exc}") from None


def register(app: typer.Typer) -> None:
    """Add ``slotgrab load``."""
    app.command("load")(load)
