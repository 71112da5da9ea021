"""The metric table the CLI prints: one row per metric with mean, 95 % CI and n."""

from __future__ import annotations

import math
from collections.abc import Mapping

from rich.table import Table

from sim.experiments.aggregate import MetricStats

__all__ = ["format_value", "is_detail_metric", "metric_table"]

# Per-decile rows are many and noisy; they stay in summary.json and are shown with --all.
_DETAIL_MARKERS = ("_decile.d",)


def is_detail_metric(name: str) -> bool:
    """Whether a metric is a fine-grained breakdown left out of the default table."""
    return any(m in name for m in _DETAIL_MARKERS)


def format_value(v: float) -> str:
    """A number at a precision that suits its size; ``—`` for undefined."""
    if not math.isfinite(v):
        return "—"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.3f}"


def metric_table(stats: Mapping[str, MetricStats], title: str, *, show_all: bool = False,
                 confidence: float = 0.95) -> Table:
    """A rich table of ``stats`` (metric → statistics), in the order given."""
    table = Table(title=title, title_justify="left")
    table.add_column("metric", style="bold")
    table.add_column("mean", justify="right")
    table.add_column(f"{confidence:.0%} CI", justify="right")
    table.add_column("n", justify="right")
    for name, s in stats.items():
        if is_detail_metric(name) and not show_all:
            continue
        ci = "—" if not math.isfinite(s.half_width) else \
            f"{format_value(s.ci_low)} … {format_value(s.ci_high)}"
        table.add_row(name, format_value(s.mean), ci, str(s.n))
    return table
