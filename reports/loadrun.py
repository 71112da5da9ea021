"""Load-run timing: honest latency, generator lag and the outcome mix over the run.

A load run records for every request its planned send time (the plan's intent), its actual send
time and its completion (:class:`sim.records.RequestLog`). Latency measured from the actual send
hides the time a request spent waiting to be sent when the generator or the target stalled
(coordinated omission); latency from the planned send includes it. Both are drawn, with the
generator lag (actual − planned send) that separates them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from matplotlib.axes import Axes

from reports.figure import ReportFigure, new_figure, no_data
from reports.tables import column
from reports.timeline import Window, choose_window

__all__ = ["CODE_COLOURS", "load_timing_figure", "percentile_by_bin"]

CORRECTED, UNCORRECTED, LAG = "#d62728", "#1f77b4", "#9467bd"
CODE_COLOURS = {
    "ok": "#2ca02c",
    "sold_out": "#8c8c8c",
    "not_released": "#c7c7c7",
    "overloaded": "#ff7f0e",
    "timeout": "#9467bd",
    "network_error": "#8c564b",
    "rate_limited": "#e377c2",
    "captcha_required": "#17becf",
    "queued": "#bcbd22",
    "blocked": "#d62728",
}
_MAX_CODES = 7
_BINS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
_SPARE = ("#1f77b4", "#8c6d31", "#393b79", "#e7ba52", "#637939", "#7b4173", "#843c39")


def percentile_by_bin(t: np.ndarray, values: np.ndarray, edges: np.ndarray, q: float) -> np.ndarray:
    """The ``q``-th percentile of ``values`` in each time bin (NaN for an empty bin)."""
    idx = np.digitize(t, edges) - 1
    out = np.full(len(edges) - 1, np.nan)
    order = np.argsort(idx, kind="stable")
    idx_sorted, val_sorted = idx[order], values[order]
    bounds = np.searchsorted(idx_sorted, np.arange(len(edges)))
    for b in range(len(edges) - 1):
        chunk = val_sorted[bounds[b] : bounds[b + 1]]
        if len(chunk):
            out[b] = np.percentile(chunk, q)
    return out


def load_timing_figure(
    requests: pa.Table,
    *,
    title: str = "Load run: latency, generator lag, outcomes",
    window: Window | None = None,
) -> ReportFigure:
    """Latency over time (corrected vs uncorrected, p50 and p99), generator lag over time, and
    requests per second by outcome code."""
    win = window or _window(requests)
    fig = new_figure(title, 8.5)
    axes = fig.subplots(3, 1, sharex=True)
    planned = column(requests, "t_planned", float)
    sent = column(requests, "t_sent", float)
    done = column(requests, "t_done", float)
    _latency_panel(axes[0], planned, sent, done, win)
    _lag_panel(axes[1], planned, sent, win)
    _mix_panel(axes[2], planned, column(requests, "code"), win)
    for ax in axes:
        ax.axvline(0.0, color="black", linestyle="--", linewidth=1.0, label="T0 (release)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        ax.set_xlim(win.start, win.end)
    axes[-1].set_xlabel("planned send time relative to release T0 (s)")
    caption = (
        f"Per {win.bin_s:g} s bin of planned send time: latency from the planned send "
        "(corrected) vs from the actual send, the generator's lag, and the outcome mix."
    )
    return ReportFigure("load_timing", title, caption, fig)


def _window(requests: pa.Table) -> Window:
    """The whole plan: a load run is short, and its end is part of the story."""
    win = choose_window(requests, bins=80)
    planned = column(requests, "t_planned", float)
    if not len(planned):
        return win
    start = min(win.start, float(np.floor(planned.min())))
    end = float(planned.max()) + win.bin_s
    bin_s = next((b for b in _BINS if (end - start) / b <= 80), _BINS[-1])
    return Window(np.floor(start / bin_s) * bin_s, end, bin_s)


def _latency_panel(ax: Axes, planned: np.ndarray, sent: np.ndarray, done: np.ndarray, win: Window) -> None:
    ax.set_title("Latency (ms, log scale)", fontsize=10, loc="left")
    if not len(planned):
        no_data(ax, "no requests")
        return
    edges = win.edges
    x = edges[:-1] + win.bin_s / 2
    for values, name, colour in (
        ((done - planned) * 1000, "corrected (from planned send)", CORRECTED),
        ((done - sent) * 1000, "uncorrected (from actual send)", UNCORRECTED),
    ):
        for q, style in ((99, "-"), (50, ":")):
            ax.plot(
                x,
                percentile_by_bin(planned, values, edges, q),
                style,
                color=colour,
                label=f"p{q} {name}",
                marker="." if style == "-" else None,
            )
    ax.set_yscale("log")
    ax.set_ylabel("latency (ms)")


def _lag_panel(ax: Axes, planned: np.ndarray, sent: np.ndarray, win: Window) -> None:
    ax.set_title("Generator lag: actual − planned send (ms)", fontsize=10, loc="left")
    if not len(planned):
        no_data(ax, "no requests")
        return
    lag = (sent - planned) * 1000
    edges = win.edges
    x = edges[:-1] + win.bin_s / 2
    for q, style in ((100, "--"), (99, "-"), (50, ":")):
        label = "max" if q == 100 else f"p{q}"
        ax.plot(x, percentile_by_bin(planned, lag, edges, q), style, color=LAG, label=f"{label} lag")
    ax.set_ylabel("lag (ms)")
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(lag))))


def _mix_panel(ax: Axes, planned: np.ndarray, code: np.ndarray, win: Window) -> None:
    ax.set_title("Outcome mix (requests/s by response code)", fontsize=10, loc="left")
    if not len(planned):
        no_data(ax, "no requests")
        return
    names, counts = np.unique(code, return_counts=True)
    top = [str(n) for n in names[np.argsort(-counts)][:_MAX_CODES]]
    rest = ~np.isin(code, top)
    series = [(c, code == c) for c in top] + ([("other", rest)] if rest.any() else [])
    edges = win.edges
    rates = [np.histogram(planned[m], bins=edges)[0] / win.bin_s for _, m in series]
    spare = iter(_SPARE)
    colours = [CODE_COLOURS.get(n) or next(spare, "#aaaaaa") for n, _ in series]
    ax.stackplot(
        edges[:-1],
        *rates,
        step="post",
        labels=[n for n, _ in series],
        colors=colours,
        alpha=0.85,
    )
    ax.set_ylabel("requests/s")
