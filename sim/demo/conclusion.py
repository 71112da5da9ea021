"""The demo's conclusion table: one row per run and policy, simulator rows best first; and the
report's conclusion sentences beneath it, so the terminal says what the report decides."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from reports.build import report_conclusions
from reports.runs import load_run
from reports.stats import estimate, metric_values

__all__ = ["CAPTION", "COLUMNS", "conclusion_lines", "conclusion_table"]

# (header, metric, scale, format)
COLUMNS = (
    ("bots", "bot_share", 100.0, "{:.0f} %"),
    ("patients", "patient_success", 100.0, "{:.2f} %"),
    ("false +", "false_positive_rate", 100.0, "{:.1f} %"),
    ("burden", "burden_s_mean", 1.0, "{:.0f} s"),
    ("p99*", "latency_corrected_p99_ms", 1.0, "{:.0f} ms"),
    ("broken", "invariant_violations", 1.0, "{:.0f}"),
)
CAPTION = (
    "bots: share of slots held by bots · patients: share of patients with a slot · "
    "false +: patients wrongly blocked · burden: s per patient in CAPTCHAs/queues · "
    "p99*: latency from the planned send · broken: invariant violations"
)


def _cell(reps: Sequence[dict[str, float]], metric: str, scale: float, fmt: str) -> str:
    e = estimate(metric_values(reps, metric))
    return "–" if not e.n or math.isnan(e.mean) else fmt.format(e.mean * scale)


def conclusion_table(run_dirs: Sequence[Path], best: str | None = None) -> Table:
    """Simulator rows ranked by patient success (best first), then the load runs."""
    table = Table(
        title="slotgrab demo: who gets the slots", title_justify="left", caption=CAPTION, caption_justify="left"
    )
    table.add_column("run", no_wrap=True)
    table.add_column("policy", overflow="fold")
    for header, *_ in COLUMNS:
        table.add_column(header, justify="right", no_wrap=True)
    rows = []
    for d in run_dirs:
        run = load_run(d)
        for policy, reps in run.samples.items():
            success = estimate(metric_values(reps, "patient_success")).mean
            where = "load" if run.kind == "load" else f"sim ×{len(reps)}"
            name = f"{policy} (best)" if policy == best and run.kind != "load" else policy
            cells = [_cell(reps, metric, scale, fmt) for _, metric, scale, fmt in COLUMNS]
            rank = (run.kind == "load", -success if not math.isnan(success) else math.inf)
            rows.append((rank, [where, name, *cells]))
    for _, cells in sorted(rows, key=lambda r: r[0]):
        table.add_row(*cells)
    return table


def conclusion_lines(run_dirs: Sequence[Path]) -> list[str]:
    """The report's conclusion sentences (verdict first) for the demo's runs."""
    return report_conclusions(list(run_dirs))
