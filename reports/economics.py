"""Scalper economics per policy: profit, and the markup at which scalping breaks even.

Reads the per-replication metrics ``scalper_profit`` and ``break_even_markup`` (per-slot
markup at which revenue covers the crew's costs). Markups are multipliers of the
face price (``bots[].markup``). A policy whose break-even markup lies above the markup scalpers
can charge makes scalping a losing business.
"""

from __future__ import annotations

from reports.comparison import MetricSpec, metric_bars
from reports.figure import ReportFigure, new_figure, no_data
from reports.palette import PolicyColours
from reports.stats import PolicySamples, estimates_of

__all__ = ["BREAK_EVEN", "PROFIT", "scalper_figure"]

PROFIT = MetricSpec("scalper_profit", "Scalper profit", "profit per release, all crews (¥; < 0 = loss)")
BREAK_EVEN = MetricSpec(
    "break_even_markup",
    "Break-even markup",
    "markup needed to cover costs (× face price)",
    higher_is_better=True,
)


def scalper_figure(
    samples: PolicySamples,
    colours: PolicyColours | None = None,
    *,
    markup: float | None = None,
    title: str = "Scalper economics",
) -> ReportFigure:
    """Profit per policy (lower is better for patients) and break-even markup per policy,
    with the crews' actual markup marked when known."""
    colours = colours or PolicyColours(samples)
    fig = new_figure(title, 2.0 + 0.55 * max(len(samples), 1))
    ax_profit, ax_even = fig.subplots(1, 2)
    metric_bars(ax_profit, samples, PROFIT, colours)
    if estimates_of(samples, BREAK_EVEN.metric):
        metric_bars(ax_even, samples, BREAK_EVEN, colours)
    else:
        ax_even.set_title(f"{BREAK_EVEN.title} (higher is better)", fontsize=10, loc="left")
        no_data(ax_even, "undefined: no resale sales in these runs\n(scalpers sold nothing)")
    if markup is not None and estimates_of(samples, BREAK_EVEN.metric):
        ax_even.axvline(markup, color="#d62728", linestyle="--", label=f"scalpers' markup (×{markup:g})")
        lo, hi = ax_even.get_xlim()
        ax_even.set_xlim(lo, max(hi, markup * 1.2))
        ax_even.legend(loc="lower right", fontsize=8)
    caption = (
        "Mean scalper profit and break-even markup per policy with 95 % CI; scalping stops "
        "paying where the break-even markup exceeds what scalpers charge."
    )
    return ReportFigure("scalpers", title, caption, fig)
