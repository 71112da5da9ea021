"""Twin: the simulator's prediction beside a load run of the same scenario.

Left, the outcome metrics that both runs measure: the simulator's mean with its 95 % CI across
replications, and the load run's value, marked as inside or outside that CI. Right, slots
confirmed over time by patients and bots in both runs (one replication of the simulator).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from reports.conclusion import agrees
from reports.figure import ReportFigure, new_figure, no_data
from reports.stats import Estimate, estimate, metric_values
from reports.tables import Tables, bot_persons
from reports.timeline import BOT, PATIENT, confirmed_over_time

__all__ = ["TWIN_METRICS", "twin_figure"]

TWIN_METRICS = (
    ("bot_share", "bot share"),
    ("patient_success", "patient success"),
    ("false_positive_rate", "false positives"),
    ("overloaded_rate", "requests rejected (503)"),
    ("timeout_rate", "requests timed out"),
)
SIM, LOAD = "#1f77b4", "#ff7f0e"


def twin_figure(
    sim: Sequence[Mapping[str, float]] | Mapping[str, Estimate],
    load: Sequence[Mapping[str, float]] | Mapping[str, float],
    *,
    sim_tables: Tables | None = None,
    load_tables: Tables | None = None,
    title: str = "Twin: simulator vs load run",
) -> ReportFigure:
    """Shared metrics side by side, and confirmed slots over time in both runs.

    ``sim``: per-replication metric dicts, or metric → :class:`Estimate` (e.g. from
    ``twin.json``); ``load``: the load run's metric dict(s)."""
    fig = new_figure(title, 4.8)
    if sim_tables is None and load_tables is None:  # e.g. twin.json: no records, no empty panel
        _metrics_panel(fig.subplots(1, 1), sim, load)
        caption = (
            "Simulator mean with 95 % CI vs the load run of the same scenario (★ = load value "
            "inside the CI); the twin folder keeps no records, so no slots-over-time panel."
        )
        return ReportFigure("twin", title, caption, fig)
    ax_m, ax_t = fig.subplots(1, 2, width_ratios=(1.2, 1.0))
    _metrics_panel(ax_m, sim, load)
    _slots_panel(ax_t, sim_tables, load_tables)
    caption = (
        "Simulator mean with 95 % CI vs the load run of the same scenario (★ = load value "
        "inside the CI), and slots confirmed over time in each."
    )
    return ReportFigure("twin", title, caption, fig)


def _estimates(sim: Sequence[Mapping[str, float]] | Mapping[str, Estimate]) -> dict[str, Estimate]:
    if isinstance(sim, Mapping):
        return {k: v for k, v in sim.items() if isinstance(v, Estimate)}
    return {m: estimate(metric_values(sim, m)) for m, _ in TWIN_METRICS}


def _load_values(load: Sequence[Mapping[str, float]] | Mapping[str, float]) -> dict[str, float]:
    if isinstance(load, Mapping):
        return {k: float(v) for k, v in load.items()}
    return {m: estimate(metric_values(load, m)).mean for m, _ in TWIN_METRICS}


def _metrics_panel(
    ax: Axes,
    sim_in: Sequence[Mapping[str, float]] | Mapping[str, Estimate],
    load_in: Sequence[Mapping[str, float]] | Mapping[str, float],
) -> None:
    ax.set_title("Outcome metrics (%)", fontsize=10, loc="left")
    sim, load = _estimates(sim_in), _load_values(load_in)
    rows = [
        (m, label)
        for m, label in TWIN_METRICS
        if m in sim and not math.isnan(sim[m].mean) and not math.isnan(load.get(m, math.nan))
    ]
    if not rows:
        no_data(ax, "no metric measured by both runs")
        return
    y = np.arange(len(rows))[::-1]
    for yi, (metric, _label) in zip(y, rows, strict=True):
        s = sim[metric]
        lv = Estimate(load[metric], load[metric], load[metric], (load[metric],))
        ax.barh(yi + 0.18, s.mean * 100, height=0.34, color=SIM)
        ax.errorbar(
            s.mean * 100,
            yi + 0.18,
            xerr=[[(s.mean - s.lo) * 100], [(s.hi - s.mean) * 100]],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
        ax.barh(yi - 0.18, lv.mean * 100, height=0.34, color=LOAD)
        inside = agrees(s, lv.mean)
        ax.annotate(
            f"{lv.mean * 100:.3g}" + (" ★" if inside else " (outside CI)"),
            (lv.mean * 100, yi - 0.18),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, [label for _, label in rows])
    ax.set_xlabel("share (%)")
    top = max(max(sim[m].hi, sim[m].mean, load[m]) for m, _ in rows) * 100
    ax.set_xlim(0.0, min(100.0, top * 1.3) if top > 0 else 1.0)  # shares: never an axis beyond 100 %
    ax.grid(axis="x", alpha=0.3)
    ax.legend(
        handles=[
            Line2D([], [], color=SIM, linewidth=6, label="simulator (mean, 95 % CI)"),
            Line2D([], [], color=LOAD, linewidth=6, label="load run"),
        ],
        fontsize=8,
        loc="lower right",
    )


def _slots_panel(ax: Axes, sim: Tables | None, load: Tables | None) -> None:
    ax.set_title("Slots confirmed over time", fontsize=10, loc="left")
    if sim is None or load is None:
        no_data(ax, "records of both runs are needed")
        return
    for tables, style, run in ((sim, "-", "simulator"), (load, "--", "load")):
        bots = bot_persons(tables["identities"])
        for want_bot, colour, who in ((False, PATIENT, "patients"), (True, BOT, "bots")):
            t, n = confirmed_over_time(tables["bookings"], bots, want_bot=want_bot)
            if len(t):
                ax.step(
                    np.concatenate(([min(0.0, t[0])], t)),
                    np.concatenate(([0], n)),
                    style,
                    where="post",
                    color=colour,
                    label=f"{who}, {run}",
                )
    ax.axvline(0.0, color="black", linestyle=":", linewidth=1.0, label="T0 (release)")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.set_xlabel("time relative to release T0 (s, log beyond ±1 s)")
    ax.set_ylabel("slots confirmed")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
