"""Turning user errors into one clear line on stderr and exit code 2."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer

from sim.domain.invariants import InvariantViolation
from sim.scenario.loader import ScenarioError
from sim.scenario.overrides import OverrideError

__all__ = ["UsageError", "user_errors"]

USAGE_EXIT = 2


class UsageError(Exception):
    """Something the user can fix: wrong flag value, missing file, target down."""


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print fixable errors without a traceback and exit 2; invariant violations exit 1."""
    try:
        yield
    except (ScenarioError, OverrideError, UsageError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(USAGE_EXIT) from None
    except InvariantViolation as exc:
        typer.echo(f"INVARIANT VIOLATION: {exc}", err=True)
        raise typer.Exit(1) from None
