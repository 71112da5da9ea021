"""Policy comparison: the headline metrics per policy, with 95 % CIs, best first.

Inputs are per-replication metric dicts per policy (:data:`reports.stats.PolicySamples`), as
``slotgrab compare`` produces them. In each panel the best policy is on top; a hatched bar is
not significantly different from the best one (Welch's t-test, Holm-corrected over the
comparisons with the best: :mod:`reports.significance`), so a ranking that noise could flip is
visible as such. Shares have intervals inside [0, 1] (:mod:`reports.proportions`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from reports.figure import ReportFigure, new_figure, no_data
from reports.palette import PolicyColours
from reports.proportions import is_proportion
from reports.significance import differs_from_best
from reports.stats import Estimate, PolicySamples, estimates_of

__all__ = ["HEADLINE", "MetricSpec", "best_policy", "comparison_figure", "metric_bars", "ranked", "wrap_label"]


@dataclass(frozen=True)
class MetricSpec:
    """How to show one metric: its name in the summaries, a label with unit, a scale factor
    (shares are shown in %), and which direction is better."""

    metric: str
    title: str
    axis: str
    scale: float = 1.0
    higher_is_better: bool = False


WRAP = 28

HEADLINE = (
    MetricSpec("bot_share", "Bot share of slots", "slots held by bots at the end (%)", 100.0),
    MetricSpec(
        "patient_success",
        "Patient success",
        "patients holding a confirmed slot (%)",
        100.0,
        higher_is_better=True,
    ),
    MetricSpec(
        "false_positive_rate",
        "False positives",
        "patients wrongly blocked or failed (%)",
        100.0,
    ),
    MetricSpec("burden_s_mean", "Patient burden", "s per patient (CAPTCHAs, queues)"),
)


def wrap_label(label: str, width: int = WRAP) -> str:
    """A policy label broken after ``(``, ``,`` or ``+`` into lines of at most ~``width``
    characters, so long stacks and swept parameters do not squeeze the bars."""
    if len(label) <= width:
        return label
    parts = re.split(r"(?<=[(,+])", label)
    lines, line = [], ""
    for part in parts:
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = part
        else:
            line += part
    lines.append(line)
    return "\n".join(lines)


def ranked(est: dict[str, Estimate], higher_is_better: bool) -> list[str]:
    """Policies best first (ties broken by name, so the order is stable)."""
    sign = -1.0 if higher_is_better else 1.0
    return sorted(est, key=lambda p: (math.inf if math.isnan(est[p].mean) else sign * est[p].mean, p))


def metric_bars(ax: Axes, samples: PolicySamples, spec: MetricSpec, colours: PolicyColours) -> None:
    """One horizontal bar per policy, best on top, 95 % CI whiskers, hatched when not
    significantly different from the best."""
    est = estimates_of(samples, spec.metric)
    better = "higher" if spec.higher_is_better else "lower"
    ax.set_title(f"{spec.title} ({better} is better)", fontsize=10, loc="left")
    if not est:
        no_data(ax, f"metric {spec.metric!r} not in these runs")
        return
    order = ranked(est, spec.higher_is_better)
    best = est[order[0]]
    significant = differs_from_best(est, order[0])
    for row, policy in enumerate(order):
        e = est[policy]
        y = len(order) - 1 - row
        tie = e.mean == best.mean  # e.g. every policy at 0: a tie for best, nothing to flag
        same = row > 0 and not tie and not significant[policy]
        ax.barh(
            y,
            e.mean * spec.scale,
            color=colours[policy],
            alpha=0.55 if same else 0.9,
            hatch="//" if same else None,
            edgecolor="black",
            linewidth=0.6,
        )
        if e.hi > e.lo:
            ax.errorbar(
                e.mean * spec.scale,
                y,
                xerr=[[(e.mean - e.lo) * spec.scale], [(e.hi - e.mean) * spec.scale]],
                fmt="none",
                ecolor="black",
                capsize=3,
                linewidth=1,
            )
        ax.annotate(
            _fmt(e.mean * spec.scale) + ("  n.s." if same else ""),
            (max(e.hi, e.mean) * spec.scale, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(order)), [wrap_label(p) for p in reversed(order)], fontsize=9)
    ax.set_xlabel(spec.axis)
    _fit_xlim(ax, est, spec.scale, spec.scale if is_proportion(spec.metric) else None)
    ax.grid(axis="x", alpha=0.3)


def _fit_xlim(ax: Axes, est: dict[str, Estimate], scale: float, cap: float | None = None) -> None:
    """From min(0, lowest) to max(0, highest), with room for the value labels on the right."""
    finite = [e for e in est.values() if not math.isnan(e.mean)]
    lo = min([0.0, *(e.mean * scale for e in finite)])  # a CI below 0 is no reason to show < 0
    hi = max([0.0, *(max(e.hi, e.mean) * scale for e in finite)])
    span = hi - lo
    if cap is not None:  # a share: no axis beyond 100 %
        ax.set_xlim(0.0, min(hi + 0.3 * span, cap) if span > 0 else cap)
        return
    ax.set_xlim(lo - 0.05 * span if lo < 0 else 0.0, hi + 0.3 * span if span > 0 else 1.0)
    if lo < 0:
        ax.axvline(0.0, color="black", linewidth=0.8)


def comparison_figure(
    samples: PolicySamples,
    colours: PolicyColours | None = None,
    *,
    specs: Sequence[MetricSpec] = HEADLINE,
    title: str = "Policy comparison",
) -> ReportFigure:
    """The headline metrics (bot share, patient success, false positives, burden) per policy."""
    colours = colours or PolicyColours(samples)
    n_pol = max(len(samples), 1)
    lines = max((wrap_label(p).count("\n") + 1 for p in samples), default=1)
    cols = 2  # labels are wrapped to ~WRAP characters, so two panels fit side by side
    rows = (len(specs) + cols - 1) // cols
    fig = new_figure(title, 1.6 + rows * (0.8 + 0.42 * n_pol * (1 + 0.35 * (lines - 1))))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, spec in zip(axes, specs, strict=False):
        metric_bars(ax, samples, spec, colours)
    for ax in axes[len(specs) :]:
        ax.set_visible(False)
    reps = sorted({len(v) for v in samples.values()})
    fig.legend(handles=_legend_handles(), loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    caption = (
        f"Mean over {_reps_text(reps)} replications per policy with 95 % CI; best on top, "
        "hatched (n.s.) = not significantly different from the best (Welch t-test, Holm-corrected, α = 0.05)."
    )
    return ReportFigure("comparison", title, caption, fig)


def _legend_handles() -> list[Artist]:
    return [
        Patch(facecolor="#999999", edgecolor="black", label="mean (bar colour = policy)"),
        Line2D([], [], color="black", marker="|", markersize=8, label="95 % confidence interval"),
        Patch(
            facecolor="#dddddd",
            edgecolor="black",
            hatch="//",
            label="n.s.: not significantly different from the best",
        ),
    ]


def _reps_text(reps: list[int]) -> str:
    if not reps:
        return "0"
    return str(reps[0]) if len(reps) == 1 else f"{reps[0]}–{reps[-1]}"


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def best_policy(samples: PolicySamples) -> str | None:
    """The policy that gives patients the most slots: highest mean patient success, ties broken
    by lower bot share, then by name. None without patient-success metrics."""
    success = estimates_of(samples, "patient_success")
    if not success:
        return None
    bots = estimates_of(samples, "bot_share")

    def key(p: str) -> tuple[float, float, str]:
        b = bots[p].mean if p in bots and not math.isnan(bots[p].mean) else math.inf
        return (-success[p].mean, b, p)

    return min(success, key=key)
