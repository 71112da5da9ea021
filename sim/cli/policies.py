"""``slotgrab policies [NAME]``: the registered policies, their parameters and defaults."""

from __future__ import annotations

import inspect
from typing import Any, get_args

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.cli.errors import UsageError, user_errors
from sim.cli.output import json_option, print_json
from sim.policies.base import Policy
from sim.policies.registry import all_policies, get_policy

__all__ = ["param_rows", "policy_detail", "policy_table", "register"]


def _default(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def param_rows(params: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """(name, type, default, description) for each field of a policy's Params model."""
    rows = []
    for name, f in params.model_fields.items():
        plain = isinstance(f.annotation, type) and not get_args(f.annotation)
        kind = f.annotation.__name__ if plain else str(f.annotation)  # type: ignore[union-attr]
        kind = kind.replace("typing.", "")
        rows.append((name, kind, _default(f.default), f.description or ""))
    return rows


def policy_table() -> Table:
    """Every registered policy: name, one-line summary, parameters with defaults, ops and codes."""
    table = Table(title="slotgrab policies", show_lines=True)
    table.add_column("policy", no_wrap=True)
    for col in ("summary", "parameters (default)", "ops / codes"):
        table.add_column(col, overflow="fold")
    for name, cls in all_policies().items():
        params = "\n".join(f"{n} = {d}" for n, _, d, _ in param_rows(cls.Params)) or "—"
        extra = "\n".join(
            filter(
                None,
                (
                    "ops: " + ", ".join(cls.ops) if cls.ops else "",
                    "codes: " + ", ".join(cls.codes) if cls.codes else "",
                ),
            )
        )
        table.add_row(name, escape(cls.summary()), escape(params), escape(extra or "—"))
    return table


def policy_detail(cls: type[Policy]) -> tuple[str, Table]:
    """The policy's full docstring and a table of its parameters."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    table = Table(title=f"{cls.name}: parameters")
    for col in ("name", "type", "default", "meaning"):
        table.add_column(col, overflow="fold")
    for row in param_rows(cls.Params):
        table.add_row(*(escape(cell) for cell in row))
    return doc, table


def policies(
    name: str | None = typer.Argument(None, help="Show this policy's full description."),
    as_json: bool = json_option(),
) -> None:
    """List every policy with its summary, parameters and defaults (or describe one)."""
    console = Console()
    with user_errors():
        if as_json:
            print_json(policy_docs(name))
            return
        if name is None:
            console.print(policy_table())
            console.print(
                "Use in a scenario: policies: [real_name, {rate_limit: {key: ip, rate_per_s: 2}}]"
            )
            return
        try:
            cls = get_policy(name)
        except KeyError as exc:
            raise UsageError(exc.args[0]) from None
        doc, table = policy_detail(cls)
        console.print(f"[bold]{cls.name}[/bold]\n", highlight=False)
        console.print(doc, markup=False, highlight=False)
        if cls.ops or cls.codes:
            console.print(
                f"\nops: {', '.join(cls.ops) or '—'}   codes: {', '.join(cls.codes) or '—'}"
            )
        if cls.Params.model_fields:
            console.print(table)


def policy_docs(name: str | None) -> list[dict[str, Any]]:
    """Every policy (or the one named) as JSON-safe dicts: name, summary, ops, codes, params."""
    if name is None:
        classes = list(all_policies().values())
    else:
        try:
            classes = [get_policy(name)]
        except KeyError as exc:
            raise UsageError(exc.args[0]) from None
    return [
        {
            "name": cls.name,
            "summary": cls.summary(),
            "ops": list(cls.ops),
            "codes": list(cls.codes),
            "params": [dict(zip(("name", "type", "default", "meaning"), row, strict=True))
                       for row in param_rows(cls.Params)],
        }
        for cls in classes
    ]


def register(app: typer.Typer) -> None:
    """Add ``policies`` to the CLI."""
    app.command("policies")(policies)
