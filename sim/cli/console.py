"""The console result tables are printed on (shared by the commands that print tables)."""

from __future__ import annotations

from rich.console import Console

__all__ = ["wide_console"]


def wide_console() -> Console:
    """A console for result tables: 120 columns when output is not a terminal (logs, CI), so
    metric names are not cut."""
    console = Console()
    return console if console.is_terminal else Console(width=120)
