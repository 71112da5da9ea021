"""``slotgrab bench …``: benchmarks, one subcommand per module of :mod:`sim.bench`.

To add a benchmark, write ``sim/bench/<module>.py`` with ``register(bench_app)`` and add the
module name to ``BENCHMARKS``.
"""

from __future__ import annotations

import importlib

import typer

__all__ = ["BENCHMARKS", "register"]

BENCHMARKS = (
    "simulator",
    "suite",
    "service",
    "load",
    "compare",
    "attack",
)


def register(app: typer.Typer) -> None:
    """Add the ``bench`` sub-app with every benchmark's subcommand."""
    bench_app = typer.Typer(help="Benchmarks with JSON results (medians, ratios vs a reference).",
                            no_args_is_help=True)
    for name in BENCHMARKS:
        importlib.import_module(f"sim.bench.{name}").register(bench_app)
    app.add_typer(bench_app, name="bench")
