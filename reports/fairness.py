"""Fairness among patients, per policy: who gets a slot by reaction time, arrival and segment.

Reads the per-replication metrics ``success_by_reaction_decile.dNN``,
``success_by_arrival_decile.dNN`` (d01 = fastest reaction / earliest arrival) and
``patient_success.<segment>`` that :mod:`sim.metrics.fairness` and :mod:`sim.metrics.slots`
compute. A fair policy draws flat lines in the decile panels.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from reports.comparison import wrap_label
from reports.figure import ReportFigure, new_figure, no_data
from reports.palette import PolicyColours
from reports.stats import PolicySamples, estimates_of

__all__ = ["fairness_figure", "segments_of"]

DECILES = 10
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")  # overlapping policies stay tellable


def segments_of(samples: PolicySamples) -> list[str]:
    """Patient segments named in the metrics (``patient_success.<segment>``), sorted."""
    names: set[str] = set()
    for reps in samples.values():
        for rep in reps:
            names.update(k.split(".", 1)[1] for k in rep if k.startswith("patient_success."))
    return sorted(names)


def fairness_figure(
    samples: PolicySamples,
    colours: PolicyColours | None = None,
    *,
    title: str = "Fairness among patients",
) -> ReportFigure:
    """Success by reaction-time decile, by arrival decile and by segment, one colour per policy."""
    colours = colours or PolicyColours(samples)
    fig = new_figure(title, 7.5)
    grid = fig.add_gridspec(2, 2)
    ax_react = fig.add_subplot(grid[0, 0])
    ax_arr = fig.add_subplot(grid[0, 1], sharey=ax_react)
    ax_seg = fig.add_subplot(grid[1, :])
    _decile_panel(ax_react, samples, colours, "reaction", "reaction-time decile (1 = fastest 10 %)")
    _decile_panel(ax_arr, samples, colours, "arrival", "arrival-time decile (1 = earliest 10 %)")
    ax_arr.tick_params(labelleft=True)
    _segment_panel(ax_seg, samples, colours)
    handles, labels = ax_react.get_legend_handles_labels()
    if not handles:
        handles, labels = ax_seg.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(len(handles), 4),
            fontsize=8,
            title="policy (band or whisker: 95 % CI)",
            title_fontsize=8,
            frameon=False,
        )
    caption = (
        "Share of patients who end with a confirmed slot, by how fast they react, when they "
        "arrive and their segment (mean over replications, 95 % CI); flat lines = fair."
    )
    return ReportFigure("fairness", title, caption, fig)


def _decile_panel(ax: Axes, samples: PolicySamples, colours: PolicyColours, trait: str, xlabel: str) -> None:
    ax.set_title(f"Success by {trait} decile", fontsize=10, loc="left")
    drawn = 0
    for k, policy in enumerate(samples):
        est = [
            estimates_of({policy: samples[policy]}, f"success_by_{trait}_decile.d{d:02d}").get(policy)
            for d in range(1, DECILES + 1)
        ]
        if not any(e is not None for e in est):
            continue
        x = np.arange(1, DECILES + 1)
        mean = np.array([e.mean if e else np.nan for e in est]) * 100
        lo = np.array([e.lo if e else np.nan for e in est]) * 100
        hi = np.array([e.hi if e else np.nan for e in est]) * 100
        ax.plot(
            x,
            mean,
            marker=MARKERS[k % len(MARKERS)],
            markersize=5,
            markerfacecolor="none" if k % 2 else colours[policy],
            color=colours[policy],
            label=wrap_label(policy),
        )
        ax.fill_between(x, lo, hi, color=colours[policy], alpha=0.15, linewidth=0)
        drawn += 1
    if not drawn:
        no_data(ax, f"no success_by_{trait}_decile metrics in these runs")
        return
    ax.set_xticks(range(1, DECILES + 1))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("patients with a slot (%)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)


def _segment_panel(ax: Axes, samples: PolicySamples, colours: PolicyColours) -> None:
    ax.set_title("Success by patient segment", fontsize=10, loc="left")
    segments = segments_of(samples)
    policies = list(samples)
    if not segments:
        no_data(ax, "no per-segment success metrics in these runs")
        return
    width = 0.8 / max(len(policies), 1)
    for i, policy in enumerate(policies):
        for j, seg in enumerate(segments):
            e = estimates_of({policy: samples[policy]}, f"patient_success.{seg}").get(policy)
            if e is None:
                continue
            x = j + (i - (len(policies) - 1) / 2) * width
            ax.bar(
                x,
                e.mean * 100,
                width=width,
                color=colours[policy],
                edgecolor="black",
                linewidth=0.5,
                label=wrap_label(policy) if j == 0 else None,
            )
            if e.n > 1:
                ax.errorbar(
                    x,
                    e.mean * 100,
                    yerr=[[(e.mean - e.lo) * 100], [(e.hi - e.mean) * 100]],
                    fmt="none",
                    ecolor="black",
                    capsize=2,
                    linewidth=0.8,
                )
    ax.set_xticks(range(len(segments)), segments)
    ax.set_xlabel("patient segment")
    ax.set_ylabel("patients with a slot (%)")
    ax.grid(axis="y", alpha=0.3)
