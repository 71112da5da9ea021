"""``slotgrab load``: run a scenario's agents against a real target through Locust.

With no ``--target`` it starts the reference service itself (SQLite, 127.0.0.1, a free port)
and stops it after. Writes a run folder like ``simulate``'s (records Parquet, ``summary.json``,
``meta.json``, plus ``timing.json``; ``report.html``/``report.md`` unless ``--no-report``) and
exits 1 if the target broke a booking invariant.
Locust is imported only when the command runs (it monkey-patches the standard library).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from sim.cli.adapter_options import adapter_opt_option, adapter_option, resolve_adapter
from sim.cli.console import wide_console
from sim.cli.errors import UsageError, user_errors
from sim.cli.metric_table import format_value
from sim.cli.run_report import report_option, write_run_report
from sim.drivers.load.target import ADMIN_TOKEN_ENV, env_admin_token
from sim.experiments.rundir import RunDir, default_run_dir
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import OverrideError, parse_set_options

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


def resolve_scenario(
    scenario: str, set_: list[str] | None, policy: list[str] | None, seed: int | None = None
) -> tuple[Scenario, Path]:
    """The scenario with ``--set`` overrides, ``--seed`` and a ``--policy`` stack applied."""
    overrides = parse_set_options(set_ or [])
    if seed is not None:
        overrides["seed"] = seed
    if policy:
        try:
            overrides["policies"] = [yaml.safe_load(p) for p in policy]
        except yaml.YAMLError as exc:
            raise OverrideError(f"--policy: not a policy name or YAML mapping ({exc})") from None
    source = resolve_path(scenario)
    return load_scenario(source, overrides), source


def timing_table(timing: dict[str, Any], title: str = "timing (ms, HdrHistogram)") -> Table:
    """Lag, latency and corrected latency side by side."""
    table = Table(title=title, title_justify="left")
    table.add_column("ms", style="bold")
    rows = (
        ("lag", "lag: sent − planned"),
        ("latency", "latency: done − sent"),
        ("latency_corrected", "corrected: done − planned"),
    )
    for label in ("p50", "p90", "p99", "p99_9", "max"):
        table.add_column(label.replace("_", "."), justify="right")
    for key, name in rows:
        h = timing.get(key, {})
        table.add_row(
            name,
            *(
                format_value(h.get(f"{p}_ms", math.nan))
                for p in ("p50", "p90", "p99", "p99_9", "max")
            ),
        )
    return table


def _metrics_table(metrics: dict[str, float], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    for name in KEY_METRICS:
        if name in metrics:
            table.add_row(name, format_value(metrics[name]))
    return table


def admin_token_file_option() -> Path | None:
    """The ``--admin-token-file`` option (read by ``_admin_token``), the same in every command
    that drives a target URL."""
    value: Path | None = typer.Option(
        None, "--admin-token-file", help=f"Admin token of --target URL (else ${ADMIN_TOKEN_ENV})."
    )
    return value


def _admin_token(path: Path | None) -> str | None:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--admin-token-file {path}: {exc.strerror}") from None
    return env_admin_token()


def _run_dir(out: Path | None, sc: Scenario) -> RunDir:
    path = out if out is not None else default_run_dir(f"{sc.name}-load")
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
) -> None:
    """Play a scenario's agents against a real target; report outcomes, timing and invariants."""
    with user_errors():
        sc, source = resolve_scenario(scenario, set_, policy, seed)
        if processes == 0 and expect_workers == 0:
            raise UsageError("--processes 0 needs --expect-workers N (workers started elsewhere)")
        adapter, adapter_options = resolve_adapter(adapter, adapter_opt)
        run_dir = _run_dir(out, sc)
        report = _run(
            sc,
            target,
            _admin_token(admin_token_file),
            adapter=adapter,
            adapter_options=adapter_options,
            processes=processes,
            expect_workers=expect_workers,
            users=users,
            replication=rep,
            master_bind=master_bind,
            master_port=master_port,
            emulate_rtt=not no_rtt,
        )
        _write(run_dir, sc, report, str(source))
        console = wide_console()
        console.print(
            _metrics_table(
                report.metrics,
                f"{sc.name} · load · policy {'+'.join(p.label for p in sc.policies)} · rep {rep}",
            )
        )
        console.print(timing_table(report.timing))
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
        if report.violations:
            from sim.domain.invariants import InvariantViolation

            raise InvariantViolation(report.violations)


def _run(sc: Scenario, target: str | None, admin_token: str | None, **opts: Any) -> Any:
    """The load run with a progress bar, against a started or given target."""
    from sim.drivers.load.harness import load_run  # imports locust: gevent patching first

    # isort: split
    from rich.progress import TextColumn

    from sim.cli.progress_bar import progress_bar
    from sim.drivers.adapter import TargetError
    from sim.drivers.load.run import LoadError
    from sim.drivers.load.target import TargetSpecError, target_for

    bar = progress_bar(Console(stderr=True), TextColumn("{task.fields[requests]} requests"))
    try:
        with bar:
            task = bar.add_task(f"{sc.name}: agents", total=None, requests=0)

            def progress(p: dict[str, int]) -> None:
                bar.update(task, total=p["agents"], completed=p["finished"], requests=p["requests"])

            with target_for(target, admin_token=lambda: admin_token) as tgt:
                return load_run(sc, tgt, progress=progress, **opts)
    except TargetSpecError as exc:
        raise UsageError(str(exc)) from None
    except (LoadError, TargetError, RuntimeError, OSError, ValueError) as exc:
        raise UsageError(f"load run of {sc.name!r} could not be carried out: {exc}") from None


def _write(run_dir: RunDir, sc: Scenario, report: Any, source: str) -> None:
    from sim.experiments import aggregate

    run_dir.write_scenario(sc)
    folder = run_dir.write_records(0, report.records)
    import pyarrow.parquet as pq

    for name, table in report.records.extra.items():  # starts, hold_ids (originals of UUIDs)
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    run_dir.write_summary(sc, [0], aggregate([report.metrics]))
    (run_dir.path / "timing.json").write_text(
        json.dumps(report.timing, indent=2) + "\n", encoding="utf-8"
    )
    meta = {k: v for k, v in report.records.meta.items() if k not in ("scenario", "seed", "rep")}
    run_dir.write_meta(
        sc,
        [0],
        source,
        {
            **meta,
            "kind": "load",
            "timing": report.timing,
            "violations": [v.kind for v in report.violations][:1000],
        },
    )


def register(app: typer.Typer) -> None:
    """Add ``slotgrab load``."""
    app.command("load")(load)
