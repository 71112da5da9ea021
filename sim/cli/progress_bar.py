"""The progress bar every long-running command shows on stderr while it works."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["progress_bar"]


def progress_bar(
    console: Console, *extra: ProgressColumn, remaining: bool = False
) -> Progress:
    """Description, bar, done/total, the ``extra`` columns, time elapsed (and, with
    ``remaining``, time left); transient: it disappears when the work is done."""
    columns: list[ProgressColumn] = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *extra,
        TimeElapsedColumn(),
    ]
    if remaining:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=console, transient=True)
