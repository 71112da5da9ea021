"""``slotgrab bench all``: every benchmark in one JSON document, with ratios comparable across runs.

Each benchmark (``bench sim``, ``bench service``, ``bench load``, ``bench compare``) already
measures its subject beside a reference in the same run (a bare SimPy loop, a trivial endpoint,
``wrk``, the same matrix in one process) and reports ratios. This runs each one in its own
process (so one benchmark's imports, pinning or gevent patching never touch another's), then
writes::

    {"format": "slotgrab-bench/1", "created_utc": …, "git": …, "machine": …,
     "benchmarks": {"sim": {…}, "service": {…}, "load": {…}, "compare": {…}},  # full JSONs
     "figures": [{"figure": "holds/s, PostgreSQL, 2 workers", "value": …, "reference": …,
                  "ratio": …, "goals": ["ratio >= 0.5"], "met": true}, …],   # sim/bench/figures.py
     "ratios": {"sim.ratio.req_per_s_over_timeouts_per_s": 0.21, …},  # flat, stable keys
     "failed": {"service": "why"}}

``ratios`` collects every number whose key names a ratio (``ratio``, ``_vs_``, ``_over_``),
keyed by its dotted path: the figures to compare across machines and commits. With
``--compare OLD.json`` each ratio is printed beside the old one.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from sim.bench.figures import figure_rows, figures_table
from sim.bench.measure import machine, write_json

__all__ = ["BENCHES", "QUICK", "bench_all", "collect_ratios", "compare_ratios", "register"]

#: Benchmark subcommands run by ``bench all``, in order.
BENCHES: tuple[str, ...] = ("sim", "service", "load", "compare")
#: Smaller settings per benchmark for ``--quick`` (minutes → about a minute in all).
QUICK: dict[str, tuple[str, ...]] = {
    "sim": ("--runs", "3", "--agents", "0"),
    "service": ("--runs", "2", "--duration", "2", "--no-postgres"),
    "load": ("--repeats", "1", "--wrk-seconds", "2"),
    "compare": ("--seeds", "2", "--runs", "1"),
}
_RATIO_INFIXES = ("_vs_", "_over_")


def _names_ratio(key: str) -> bool:
    """``ratio``, ``ratios``, ``ratio_x``, ``x_ratio``, ``a_vs_b``, ``a_over_b`` (not ``duration``)."""
    return key in ("ratio", "ratios") or key.startswith("ratio_") or key.endswith("_ratio") or \
        any(infix in key for infix in _RATIO_INFIXES)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def collect_ratios(doc: Any, prefix: str = "") -> dict[str, float]:
    """Every numeric leaf under a key naming a ratio, by dotted path (``sim.ratio.x``)."""
    out: dict[str, float] = {}
    if isinstance(doc, Mapping):
        for key, value in doc.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, Mapping | list):
                out.update(collect_ratios(value, path))
            elif _is_number(value) and any(_names_ratio(k) for k in path.split(".")):
                out[path] = float(value)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            if isinstance(value, Mapping | list):
                out.update(collect_ratios(value, f"{prefix}.{i}"))
    return out


Row = tuple[str, float | None, float, float | None]


def compare_ratios(current: Mapping[str, float], previous: Mapping[str, float]) -> list[Row]:
    """(key, previous, current, relative change) for every current ratio."""
    rows = []
    for key in sorted(current):
        old = previous.get(key)
        change = (current[key] - old) / abs(old) if old else None
        rows.append((key, old, current[key], change))
    return rows


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _run_one(name: str, args: Iterable[str],
             folder: Path) -> tuple[dict[str, Any] | None, str | None]:
    """Run ``slotgrab bench NAME … --out FILE`` in a child; (its JSON, None) or (None, why)."""
    out = folder / f"{name}.json"
    cmd = [sys.executable, "-m", "sim.cli.app", "bench", name, *args, "--out", str(out)]
    # the child's progress bars go to the terminal (stderr); its JSON stdout is read from --out
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
    if proc.returncode != 0 or not out.exists():
        return None, f"`{shlex.join(cmd[2:])}` exited with code {proc.returncode}"
    return json.loads(out.read_text(encoding="utf-8")), None


def bench_all(names: Iterable[str], extra: Mapping[str, tuple[str, ...]],
              console: Console | None = None) -> dict[str, Any]:
    """Run the named benchmarks one after another; the combined document."""
    results: dict[str, Any] = {}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="slotgrab-bench-") as tmp:
        for name in names:
            if console is not None:
                console.print(f"[bold]bench {name}[/] {shlex.join(extra.get(name, ()))}")
            doc, why = _run_one(name, extra.get(name, ()), Path(tmp))
            if doc is None:
                failed[name] = why or "failed"
            else:
                results[name] = doc
    return {
        "format": "slotgrab-bench/1",
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": _git_commit(),
        "machine": machine(),
        "benchmarks": results,
        "figures": figure_rows(results, failed),
        "ratios": collect_ratios(results),
        "failed": failed,
    }


def _parse_with(items: Iterable[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        name, sep, args = item.partition("=")
        if not sep or name not in BENCHES:
            raise typer.BadParameter(
                f"{item!r}: expected NAME=ARGS with NAME one of {', '.join(BENCHES)}",
                param_hint="--with")
        out[name] = tuple(shlex.split(args))
    return out


def _print_comparison(console: Console, doc: Mapping[str, Any], previous: Path) -> None:
    try:
        old = json.loads(previous.read_text(encoding="utf-8")).get("ratios", {})
    except (OSError, json.JSONDecodeError, AttributeError) as exc:
        console.print(f"[yellow]cannot read {previous} for comparison: {exc}[/]")
        return
    table = Table(title=f"ratios vs {previous}")
    for col in ("ratio", "before", "now", "change"):
        table.add_column(col)
    for key, before, now, change in compare_ratios(doc["ratios"], old):
        table.add_row(key, "—" if before is None else f"{before:.4g}", f"{now:.4g}",
                      "—" if change is None else f"{change:+.1%}")
    console.print(table)


def register(bench_app: typer.Typer) -> None:
    """Add ``bench all`` to the ``bench`` sub-app."""

    @bench_app.command("all")
    def all_cmd(
        only: list[str] = typer.Option([], "--only",
                                       help=f"Run only these ({', '.join(BENCHES)})."),
        quick: bool = typer.Option(False, "--quick",
                                   help="Smaller settings (see sim/bench/suite.py)."),
        with_: list[str] = typer.Option([], "--with", metavar="NAME=ARGS",
                                        help="Extra arguments of one benchmark: sim='--runs 3'."),
        compare: Path | None = typer.Option(None, "--compare",
                                            help="Print ratios beside an older result."),
        out: Path | None = typer.Option(None, "--out", help="Also write the JSON result here."),
    ) -> None:
        """Run every benchmark; one JSON document with all results and their ratios."""
        unknown = sorted(set(only) - set(BENCHES))
        if unknown:
            raise typer.BadParameter(f"{unknown}: allowed {', '.join(BENCHES)}",
                                     param_hint="--only")
        names = [n for n in BENCHES if not only or n in only]
        extra = {n: QUICK[n] for n in names} if quick else {}
        extra.update(_parse_with(with_))
        err = Console(stderr=True)
        doc = bench_all(names, extra, err)
        typer.echo(write_json(doc, out))
        err.print(figures_table(doc["figures"]))
        if compare is not None:
            _print_comparison(err, doc, compare)
        if doc["failed"]:
            err.print(f"[red]failed:[/] {doc['failed']}")
            raise typer.Exit(1)
