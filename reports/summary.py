"""The summary table of a report: headline metrics (rows) per policy or run (columns).

Cells show the mean over replications and, with two or more, the 95 % CI half-width
(``12.3 ± 1.4 %``); shares show their interval inside [0, 1] (``12.3 % (10.1–14.8)``, Wilson or
bootstrap). An undefined value (Jain's index when nobody got a slot) is ``—``.
The same table is rendered into the HTML report, the Markdown summary and
the terminal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reports.proportions import is_proportion
from reports.stats import Estimate, estimate_metric

__all__ = ["ROWS", "TABLE_NOTE", "UNDEFINED_NOTE", "Row", "SummaryTable", "format_estimate", "summary_table"]

TABLE_NOTE = (
    "Mean over replications ± half-width of the 95 % confidence interval; shares (%) show their "
    "95 % interval in brackets (Wilson on pooled counts, or bootstrap), which stays inside 0–100 %. "
    "A value without ± came out the same in every replication (deterministic in the model here) "
    "or comes from a single run."
)
UNDEFINED_NOTE = (
    "— : undefined, e.g. Jain's index when no patient segment got a slot (0/0: equal nothing "
    "is not fairness), or a metric this run does not measure."
)


@dataclass(frozen=True)
class Row:
    """A metric shown in the summary: name in the summaries, label, unit, scale, decimals."""

    metric: str
    label: str
    unit: str = ""
    scale: float = 1.0
    digits: int = 1


ROWS = (
    Row("bot_share", "Bot share of slots", "%", 100.0),
    Row("patient_success", "Patient success (all patients)", "%", 100.0, 2),
    Row("success_among_tried", "Success among patients who tried", "%", 100.0, 2),
    Row("false_positive_rate", "False positives (patients)", "%", 100.0),
    Row("burden_s_mean", "Patient burden", "s", 1.0),
    Row("time_to_book_p50_s", "Time to book, median", "s", 1.0),
    Row("jain_index", "Jain's index across segments", "", 1.0, 3),
    Row("scalper_profit", "Scalper profit", "¥", 1.0, 0),
    Row("break_even_markup", "Break-even markup (× face price)", "×", 1.0, 1),
    Row("peak_rps", "Peak requests/s", "", 1.0, 0),
    Row("overloaded_rate", "Requests rejected (503)", "%", 100.0, 2),
    Row("timeout_rate", "Requests timed out", "%", 100.0, 2),
    Row("latency_p99_ms", "Latency p99", "ms", 1.0, 1),
    Row("latency_corrected_p99_ms", "Latency p99, corrected", "ms", 1.0, 1),
    Row("generator_lag_p99_ms", "Generator lag p99", "ms", 1.0, 1),
    Row("invariant_violations", "Invariant violations", "", 1.0, 0),
)


def format_estimate(e: Estimate, row: Row) -> str:
    """``mean ± half-width unit`` (no ± with one replication); ``–`` when undefined."""
    if not e.n or math.isnan(e.mean):
        return "—"
    unit = f" {row.unit}" if row.unit else ""
    mean = f"{e.mean * row.scale:,.{row.digits}f}"
    if is_proportion(row.metric) and e.hi > e.lo:  # Wilson/bootstrap: asymmetric, inside [0, 1]
        return f"{mean}{unit} ({e.lo * row.scale:,.{row.digits}f}–{e.hi * row.scale:,.{row.digits}f})"
    if e.n > 1 and e.half_width > 0:
        return f"{mean} ± {e.half_width * row.scale:,.{row.digits}f}{unit}"
    return f"{mean}{unit}"


@dataclass(frozen=True)
class SummaryTable:
    """Column headers and rows of formatted cells (first cell: the metric's label)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def summary_table(columns: Mapping[str, Sequence[Mapping[str, float]]], rows: Sequence[Row] = ROWS) -> SummaryTable:
    """One column per entry of ``columns`` (header → per-replication metric dicts); rows whose
    metric no column has are left out."""
    body = []
    for row in rows:
        cells = [format_estimate(estimate_metric(reps, row.metric), row) for reps in columns.values()]
        if any(c != "—" for c in cells):
            body.append((row.label, *cells))
    return SummaryTable(("metric", *columns), tuple(body))
