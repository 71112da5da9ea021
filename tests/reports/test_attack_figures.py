"""Figures of the attack reports: what they plot, from hand-built documents."""

from __future__ import annotations

from typing import Any

from reports.attack import adaptive_figure, search_curve_figure


def _stats(mean: float) -> dict[str, Any]:
    return {"mean": mean, "ci_low": mean - 0.05, "ci_high": mean + 0.05, "half_width": 0.05}


def _doc(policy: str, nominal: float, best: float) -> dict[str, Any]:
    return {"policy": policy, "crew": "c", "metric": "bot_share_total", "settings": {"seeds": 2},
            "trials": [{"number": 0, "state": "complete", "value": nominal},
                       {"number": 1, "state": "pruned", "value": 0.1},
                       {"number": 2, "state": "over_budget", "value": 0.0},
                       {"number": 3, "state": "complete", "value": best}],
            "best_so_far": [nominal, nominal, nominal, max(nominal, best)],
            "nominal": {"stats": {"bot_share_total": _stats(nominal)}},
            "best": {"stats": {"bot_share_total": _stats(best)}},
            "worst_is": "best" if best >= nominal else "nominal", "found_stronger": best > nominal}


def test_search_curve_shows_trials_by_state_best_so_far_and_nominal_band() -> None:
    fig = search_curve_figure(_doc("captcha", 0.6, 0.9))
    ax = fig.figure.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["complete (2)", "pruned (1)", "over budget (1)"]
    assert "best so far" in labels and "nominal crew (fresh seeds)" in labels
    step = next(line for line in ax.get_lines() if line.get_label() == "best so far")
    assert list(step.get_ydata()) == [0.6, 0.6, 0.6, 0.9]


def test_adaptive_figure_orders_by_worst_case_and_keeps_shares_in_0_1() -> None:
    fig = adaptive_figure([_doc("waiting_room", 0.02, 0.7), _doc("lottery", 0.1, 0.15)])
    ax = fig.figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["lottery", "waiting_room"]
    assert ax.get_xlim() == (0.0, 1.0)
    widths = sorted(round(p.get_width(), 2) for p in ax.patches)
    assert widths == [0.02, 0.1, 0.15, 0.7]
