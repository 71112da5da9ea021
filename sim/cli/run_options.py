"""What the commands that run a scenario against a target share: their options, declared once
(``--admin-token-file``), the scenario with ``--set``/``--policy``/``--seed`` applied, and the
timing table they print."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table

from sim.cli.errors import UsageError
from sim.cli.metric_table import format_value
from sim.drivers.load.target import ADMIN_TOKEN_ENV, env_admin_token
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import OverrideError, parse_set_options

__all__ = ["ADMIN_TOKEN_ENV", "admin_token", "admin_token_file_option", "resolve_scenario", "timing_table"]


def admin_token_file_option() -> Path | None:
    """The ``--admin-token-file`` option (read by :func:`admin_token`), the same in every
    command that drives a target URL."""
    value: Path | None = typer.Option(
        None, "--admin-token-file", help=f"Admin token of --target URL (else ${ADMIN_TOKEN_ENV})."
    )
    return value


def admin_token(path: Path | None) -> str | None:
    """The admin token from ``--admin-token-file``, else ``$SLOTGRAB_ADMIN_TOKEN``."""
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--admin-token-file {path}: {exc.strerror}") from None
    return env_admin_token()


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
