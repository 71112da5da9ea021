"""The ``--uncertain N`` part of ``slotgrab compare``: per policy, the probability that it is
the best for patients across the scenario's ``uncertain:`` ranges, beside the seed CIs.

Kept out of :mod:`sim.cli.compare` so that command stays a thin sequence of steps.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sim.cli.errors import UsageError
from sim.cli.progress_bar import progress_bar
from sim.experiments.matrix import Variant
from sim.experiments.sensitivity import SensitivityError, uncertain_inputs
from sim.experiments.uncertain_best import BestResult, best_probability
from sim.scenario.model import Scenario

__all__ = ["check_uncertain", "run_uncertain", "show_uncertain"]


def check_uncertain(base: Scenario, variants: Sequence[Variant]) -> None:
    """Fail before any cell runs if a variant cannot take the uncertain ranges."""
    try:
        for v in variants:
            uncertain_inputs(v.scenario(base))
    except SensitivityError as exc:
        raise UsageError(f"--uncertain: {exc}") from None


def run_uncertain(base: Scenario, variants: Sequence[Variant], n: int, executor: Executor | None,
                  where: str, err: Console) -> BestResult:
    """Every variant at ``n`` draws from the uncertain ranges (seed: the scenario's)."""
    with progress_bar(err, remaining=True) as bar:
        task = bar.add_task(f"{base.name}: uncertain draws on {where}", total=n * len(variants))
        try:
            return best_probability(base, variants, n, base.seed, executor, lambda: bar.advance(task))
        except SensitivityError as exc:
            raise UsageError(f"--uncertain: {exc}") from None


def show_uncertain(folder: Path, result: BestResult, console: Console) -> None:
    """Print the P(best) table and write ``uncertain_best.json``."""
    table = Table(title=f"P(best for patients) over {result.n} draws of the uncertain ranges "
                        "(each with its own seed)")
    table.add_column("variant")
    table.add_column("P(best)", justify="right")
    table.add_column("95 % CI (Wilson)", justify="right")
    for row in result.rows():
        table.add_row(str(row["variant"]), f"{row['p_best']:.2f}",
                      f"{row['ci_low']:.2f}–{row['ci_high']:.2f}")
    console.print(table)
    console.print("best = highest patient success at that draw and seed; ties share the win")
    doc = {"outcome": "patient_success", "draws": result.draws, "rows": result.rows()}
    (folder / "uncertain_best.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
