"""``slotgrab scenarios``: the shipped scenarios, one line each."""

from __future__ import annotations

import typer

from sim.scenario.loader import ScenarioError, load_scenario, shipped_scenarios

__all__ = ["register", "scenario_lines"]


def scenario_lines() -> list[str]:
    """``name  first line of description`` per shipped scenario (invalid ones say so)."""
    lines = []
    for path in shipped_scenarios():
        try:
            sc = load_scenario(path)
        except ScenarioError as exc:
            lines.append(f"{path.stem:<24} INVALID: {str(exc).splitlines()[0]}")
            continue
        first = (sc.description.strip().splitlines() or [""])[0]
        lines.append(f"{sc.name:<24} {first}")
    return lines


def scenarios() -> None:
    """List the shipped scenarios, one line each."""
    lines = scenario_lines()
    if not lines:
        typer.echo("no shipped scenarios found")
    for line in lines:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add ``scenarios`` to the CLI."""
    app.command("scenarios")(scenarios)
