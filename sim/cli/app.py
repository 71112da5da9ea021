"""The ``slotgrab`` command line: one Typer app, one module per command.

Each command lives in ``sim/cli/<command>.py`` and exposes ``register(app)``; add its module
name to ``COMMANDS`` to make it appear in ``slotgrab --help``. Errors a user can fix (a bad
scenario file, a bad flag, a target that is down) are printed as one clear message with exit
code 2, never as a traceback.
"""

from __future__ import annotations

import importlib

import typer

from sim import __version__
from sim.cli.help_text import tidy_help

__all__ = ["app", "main"]

COMMANDS = (
    "simulate",
    "compare",
    "attack",
    "scenarios",
    "validate",
    "policies",
    "check",
    "bench",
    "serve",
    "report",
    "load",
    "calibrate",
    "twin",
    "demo",
    "adapter",
)

app = typer.Typer(
    name="slotgrab",
    help="Release-time slot-grab simulator and load-test harness.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"slotgrab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Release-time slot-grab simulator and load-test harness."""


def _register_all() -> None:
    for name in COMMANDS:
        importlib.import_module(f"sim.cli.{name}").register(app)
    tidy_help(app)


def main() -> None:
    """Console entry point."""
    _register_all()
    app(prog_name="slotgrab")


if __name__ == "__main__":  # pragma: no cover (python -m sim.cli.app: the demo's load step uses it)
    main()
