"""Who holds the slots: share of released slots by group, and success among those who tried.

With far more patients than slots, "% of all patients with a slot" stays near zero under every
policy; what a policy changes is who holds the few slots. Left, each policy's released slots
split into patients by segment (directly), bots (directly), patients who bought from a scalper
(resale) and unused slots; right, success among the patients who sent at least one request, per
segment, with Wilson 95 % intervals (:mod:`reports.proportions`). Reads the
``slots.*``/``patients_tried.*`` metrics of :mod:`sim.metrics.slot_groups`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from reports.comparison import wrap_label
from reports.figure import ReportFigure, new_figure, no_data
from reports.palette import PolicyColours
from reports.stats import PolicySamples, estimate, estimates_of, metric_values

__all__ = ["GROUP_COLOURS", "has_slot_groups", "slot_groups", "slot_share_figure"]

# patients in shades of one blue, bots red: the groups are not policies, so no policy colour
SEGMENT_COLOURS = ("#08306b", "#2171b5", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7")
GROUP_COLOURS = {"bots": "#d62728", "via resale": "#ff9896", "unused": "#c7c7c7"}


def has_slot_groups(samples: PolicySamples) -> bool:
    """Whether the runs recorded slot counts by group."""
    return any("slots.bots" in rep for reps in samples.values() for rep in reps)


def slot_groups(reps: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Group → mean share (0–1) of released slots: ``patients: <segment>``…, bots, via resale,
    unused (the shares add up to 1)."""
    keys = sorted({k for r in reps for k in r if k.startswith("slots.patients.")})
    groups = {f"patients: {k.split('.', 2)[2]}": k for k in keys}
    groups.update({"bots": "slots.bots", "via resale": "slots.resale", "unused": "slots.unused"})
    counts = {g: estimate(metric_values(reps, k)).mean for g, k in groups.items()}
    total = sum(v for v in counts.values() if math.isfinite(v))
    return {g: (v / total if total > 0 and math.isfinite(v) else 0.0) for g, v in counts.items()}


def slot_share_figure(
    samples: PolicySamples, colours: PolicyColours | None = None, *, title: str = "Who holds the slots"
) -> ReportFigure:
    """Share of released slots by group per policy, and success among patients who tried."""
    colours = colours or PolicyColours(samples)
    fig = new_figure(title, 2.2 + 0.5 * max(len(samples), 1))
    ax_share, ax_tried = fig.subplots(1, 2)
    _share_panel(ax_share, samples)
    _tried_panel(ax_tried, samples, colours)
    caption = (
        "Left: each policy's released slots by who holds them at the end (mean over replications). "
        "Right: success among patients who sent a request, with Wilson 95 % intervals."
    )
    return ReportFigure("slot_shares", title, caption, fig)


def _share_panel(ax: Axes, samples: PolicySamples) -> None:
    ax.set_title("Share of released slots by group", fontsize=10, loc="left")
    policies = list(samples)
    shares = {p: slot_groups(samples[p]) for p in policies}
    groups = list(dict.fromkeys(g for s in shares.values() for g in s))
    y = np.arange(len(policies))[::-1]
    left = np.zeros(len(policies))
    seg_colours = iter(SEGMENT_COLOURS)
    for group in groups:
        width = np.array([shares[p].get(group, 0.0) * 100 for p in policies])
        colour = GROUP_COLOURS.get(group) or next(seg_colours, "#aaaaaa")
        ax.barh(y, width, left=left, color=colour, edgecolor="white", linewidth=0.6, label=group)
        left += width
    ax.set_yticks(y, [wrap_label(p) for p in policies], fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of released slots (%)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=3, frameon=False)
    ax.grid(axis="x", alpha=0.3)


def _tried_panel(ax: Axes, samples: PolicySamples, colours: PolicyColours) -> None:
    ax.set_title("Success among patients who tried", fontsize=10, loc="left")
    segments = sorted({k.split(".", 1)[1] for r in samples.values() for rep in r for k in rep
                       if k.startswith("success_among_tried.")})
    if not segments:
        no_data(ax, "no success_among_tried metrics in these runs")
        return
    policies = list(samples)
    width = 0.8 / max(len(policies), 1)
    top = 0.0
    for i, policy in enumerate(policies):
        for j, seg in enumerate(segments):
            e = estimates_of({policy: samples[policy]}, f"success_among_tried.{seg}").get(policy)
            if e is None or math.isnan(e.mean):
                continue
            x = j + (i - (len(policies) - 1) / 2) * width
            top = max(top, e.hi * 100)
            ax.bar(x, e.mean * 100, width=width, color=colours[policy], edgecolor="black", linewidth=0.5,
                   label=wrap_label(policy) if j == 0 else None)
            if e.hi > e.lo:
                ax.errorbar(x, e.mean * 100, yerr=[[(e.mean - e.lo) * 100], [(e.hi - e.mean) * 100]],
                            fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    ax.set_xticks(range(len(segments)), segments)
    ax.set_xlabel("patient segment")
    ax.set_ylabel("patients who tried with a slot (%)")
    ax.set_ylim(0, min(100.0, max(top * 1.25, 1.0)))
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=3, frameon=False,
              title="policy (whisker: Wilson 95 % interval)", title_fontsize=8)
    ax.grid(axis="y", alpha=0.3)
