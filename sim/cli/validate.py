"""``slotgrab validate FILE``: check a scenario file; one ok line, or the clear error (exit 2)."""

from __future__ import annotations

import typer

from sim.cli.errors import user_errors
from sim.cli.output import json_option, print_json
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario
from sim.scenario.overrides import parse_set_options

__all__ = ["describe", "register"]


def describe(sc: Scenario) -> str:
    """A one-line summary of what a scenario contains."""
    devices = sum(c.devices for c in sc.bots)
    policy = sc.policy_label
    return (f"scenario {sc.name!r}: {sc.capacity} slots, {sc.patient_count} patients in "
            f"{len(sc.patients)} segment(s), {len(sc.bots)} bot crew(s) with {devices} device(s), "
            f"policy {policy}, {sc.replications} replication(s)")


def validate(
    file: str = typer.Argument(..., help="Scenario file, a shipped scenario's name, or - (stdin)."),
    set_: list[str] | None = typer.Option(None, "--set", metavar="PATH=VALUE",
                                          help="Check with this override applied."),
    as_json: bool = json_option(),
) -> None:
    """Check a scenario file: one ok line, or the problem (exit 2)."""
    with user_errors():
        path = resolve_path(file)
        sc = load_scenario(path, parse_set_options(set_ or []))
        if as_json:
            print_json({"ok": True, "path": str(path), "scenario": sc.name, "slots": sc.capacity,
                        "patients": sc.patient_count, "policy": sc.policy_label,
                        "replications": sc.replications})
            return
        typer.echo(f"ok: {path}: {describe(sc)}")


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the CLI."""
    app.command("validate")(validate)
