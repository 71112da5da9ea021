"""Output conventions every table-printing command shares: ``--json`` and ``--quiet``.

``--json`` prints one JSON document on stdout instead of the tables (NaN and infinities as
``null``, so any JSON parser reads it) and draws no progress; ``--quiet`` prints nothing but
what a script needs (the run folder, or nothing) and errors. Errors stay one line on stderr.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

__all__ = [
    "json_option",
    "json_safe",
    "print_json",
    "print_json_file",
    "quiet_option",
    "result_console",
]


def json_option() -> bool:
    """The ``--json`` flag."""
    value: bool = typer.Option(
        False, "--json", help="Print one JSON document on stdout instead of tables."
    )
    return value


def quiet_option() -> bool:
    """The ``--quiet``/``-q`` flag."""
    value: bool = typer.Option(
        False, "--quiet", "-q", help="Print no tables or progress, only errors and the run folder."
    )
    return value


def json_safe(value: Any) -> Any:
    """``value`` with NaN/±inf replaced by None and tuples/sets by lists, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    return value


def print_json(doc: Any) -> None:
    """Print ``doc`` as indented JSON on stdout (strict: no NaN)."""
    typer.echo(json.dumps(json_safe(doc), indent=2, allow_nan=False, default=str))


def print_json_file(path: Path, **extra: Any) -> None:
    """Print the JSON document a command wrote to ``path`` (NaN → null), with ``extra`` keys."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    print_json({**extra, **doc} if isinstance(doc, dict) else {**extra, "data": doc})


def result_console(as_json: bool, quiet: bool) -> Console:
    """The console a command prints its tables on: silent under ``--json`` or ``--quiet``."""
    return Console(quiet=True) if as_json or quiet else Console()
