"""``slotgrab scenarios``: the shipped scenarios, one line each."""

from __future__ import annotations

import typer

from sim.cli.output import json_option, print_json
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


def scenario_docs() -> list[dict[str, object]]:
    """Per shipped scenario: name, path, first line of description, slots (or its error)."""
    docs: list[dict[str, object]] = []
    for path in shipped_scenarios():
        try:
            sc = load_scenario(path)
        except ScenarioError as exc:
            docs.append({"name": path.stem, "path": str(path), "error": str(exc).splitlines()[0]})
            continue
        first = (sc.description.strip().splitlines() or [""])[0]
        docs.append({"name": sc.name, "path": str(path), "description": first,
                     "slots": sc.capacity, "patients": sc.patient_count})
    return docs


def scenarios(as_json: bool = json_option()) -> None:
    """List the shipped scenarios, one line each."""
    if as_json:
        print_json(scenario_docs())
        return
    lines = scenario_lines()
    if not lines:
        typer.echo("no shipped scenarios found")
    for line in lines:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add ``scenarios`` to the CLI."""
    app.command("scenarios")(scenarios)
