"""``slotgrab adapter new`` and ``slotgrab adapter check``: start an adapter for your own
service, then prove it against the live service before the first load run.

- ``new`` writes a commented mapping file (``--python``: a Python skeleton), guessed from the
  target's OpenAPI document when given one (:mod:`sim.drivers.adapter_scaffold`);
- ``check`` runs prepare, load, one list/hold/confirm/cancel and the export against
  ``--target`` and checks every field and event (:mod:`sim.drivers.adapter_check`): one line
  per problem, exit 1 if there is any.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from sim.cli.adapter_options import adapter_opt_option, adapter_option, resolve_adapter
from sim.cli.errors import UsageError, user_errors
from sim.cli.run_options import admin_token, admin_token_file_option
from sim.drivers.adapter_check import check_adapter
from sim.drivers.adapter_scaffold import PYTHON_SKELETON, read_openapi, scaffold_mapping
from sim.drivers.load.calibration import CALIBRATION_SCENARIO
from sim.drivers.load.target import TargetSpecError, target_for
from sim.scenario.loader import load_scenario, resolve_path
from sim.scenario.model import Scenario

__all__ = ["register"]

adapter_app = typer.Typer(
    help="Write and check adapters for your own booking service (docs/adapters.md).",
    no_args_is_help=True,
)


@adapter_app.command("new")
def new(
    openapi: str | None = typer.Option(
        None, "--openapi", metavar="URL|FILE", help="The service's OpenAPI document to guess from."
    ),
    python: bool = typer.Option(False, "--python", help="Write a Python adapter skeleton instead."),
    out: Path | None = typer.Option(
        None, "--out", help="File to write (default: my-service.yaml, or my_adapter.py)."
    ),
    name: str = typer.Option("my-service", "--name", help="The service's name in the file."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented mapping file (or a Python skeleton) to start an adapter from."""
    with user_errors():
        path = out or Path("my_adapter.py" if python else f"{name}.yaml")
        if path.exists() and not force:
            raise UsageError(f"{path} exists; choose another --out or pass --force")
        try:
            text = PYTHON_SKELETON if python else scaffold_mapping(
                read_openapi(openapi) if openapi else None, name
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        path.write_text(text, encoding="utf-8")
        use = f"{path.stem}:MyAdapter" if python else str(path)
        typer.echo(f"wrote {path}; next: slotgrab adapter check --target URL --adapter {use}")


def _scenario(spec: str | None) -> Scenario:
    if spec is None:
        return Scenario.model_validate(CALIBRATION_SCENARIO)
    return load_scenario(resolve_path(spec))


@adapter_app.command("check")
def check(
    target: str = typer.Option(..., "--target", help="The live service's base URL."),
    adapter: str | None = adapter_option(),
    adapter_opt: list[str] = adapter_opt_option(),
    scenario: str | None = typer.Option(
        None, "--scenario", help="Scenario whose sessions the service has (default: one "
        "session 'calib-1' of 30 slots)."
    ),
    admin_token_file: Path | None = admin_token_file_option(),
) -> None:
    """Run every adapter hook once against the live target and check each field and event."""
    with user_errors():
        spec, options = resolve_adapter(adapter, adapter_opt)
        sc = _scenario(scenario)
        try:
            with target_for(target, admin_token=lambda: admin_token(admin_token_file)) as tgt:
                rep = check_adapter(tgt.base_url, spec, options, sc, tgt.admin_token)
        except TargetSpecError as exc:
            raise UsageError(str(exc)) from None
    console = Console(highlight=False, soft_wrap=True)  # one line per problem, never wrapped
    for line in rep.passed:
        console.print(f"[green]ok[/]      {line}")
    for line in rep.problems:
        console.print(f"[red]problem[/] {line}")
    verdict = "adapter check passed" if not rep.problems else f"{len(rep.problems)} problem(s)"
    console.print(("[green]" if not rep.problems else "[bold red]") + verdict + "[/]")
    raise typer.Exit(1 if rep.problems else 0)


def register(app: typer.Typer) -> None:
    """Add ``slotgrab adapter new|check``."""
    app.add_typer(adapter_app, name="adapter")
