"""``slotgrab calibrate``: measure a target's per-operation service times at low load and write
them as a scenario ``service:`` block (see :mod:`sim.drivers.load.calibration`)."""

from __future__ import annotations

from pathlib import Path

import httpx
import typer
from rich.table import Table

from sim.cli.adapter_options import adapter_opt_option, adapter_option, resolve_adapter
from sim.cli.console import wide_console
from sim.cli.errors import UsageError, user_errors
from sim.cli.metric_table import format_value
from sim.cli.run_options import admin_token, admin_token_file_option
from sim.drivers.adapter import TargetError
from sim.drivers.adapter_loader import load_adapter
from sim.drivers.load.calibration import Calibration, fit_lognormal
from sim.drivers.load.calibration import calibrate as measure
from sim.drivers.load.target import TargetSpecError, target_for

__all__ = ["register"]


def _table(cal: Calibration) -> Table:
    table = Table(
        title=f"service times of {cal.target} (ms, sequential requests)", title_justify="left"
    )
    for col in ("op", "n", "median", "p95", "min", "errors"):
        table.add_column(col, justify="left" if col == "op" else "right")
    for op, xs in cal.samples_ms.items():
        fit = fit_lognormal(xs) if xs else {}
        bad = sum(n for code, n in cal.codes.get(op, {}).items() if code != "ok")
        table.add_row(
            op,
            str(len(xs)),
            *(format_value(fit.get(k, float("nan"))) for k in ("median", "p95", "floor")),
            str(bad),
        )
    return table


def calibrate(
    target: str | None = typer.Option(
        None,
        "--target",
        help="Target base URL (default: start the "
        "reference service; 'naive' starts the naive one).",
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the service: block (YAML) here."),
    samples: int = typer.Option(
        200, "--samples", min=10, max=100_000, help="Samples per operation."
    ),
    adapter: str | None = adapter_option(),
    adapter_opt: list[str] = adapter_opt_option(),
    admin_token_file: Path | None = admin_token_file_option(),
) -> None:
    """Measure per-operation service times of a target; print and write a scenario service block."""
    with user_errors():
        the_adapter = load_adapter(*resolve_adapter(adapter, adapter_opt))
        try:
            with (
                target_for(target, admin_token=lambda: admin_token(admin_token_file)) as tgt,
                httpx.Client(base_url=tgt.base_url, timeout=30.0) as client,
            ):
                cal = measure(client, the_adapter, tgt.admin_token, n=samples)
        except TargetSpecError as exc:
            raise UsageError(str(exc)) from None
        except (TargetError, httpx.HTTPError, RuntimeError) as exc:
            raise UsageError(f"calibration failed: {exc}") from None
        console = wide_console()
        console.print(_table(cal))
        text = cal.to_yaml()
        if out is not None:
            try:
                out.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--out {out}: {exc.strerror}") from None
            console.print(
                f"service block written to {out} (paste it into a scenario, or use it with "
                "`slotgrab twin --calibration FILE`)"
            )
        else:
            typer.echo(text)


def register(app: typer.Typer) -> None:
    """Add ``slotgrab calibrate``."""
    app.command("calibrate")(calibrate)
