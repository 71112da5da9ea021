"""Every figure, built from small real runs, checked for what a reader sees: title, axis labels
with units, the series drawn, the legend, and numbers that must match the records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from reports.comparison import HEADLINE, comparison_figure
from reports.economics import scalper_figure
from reports.fairness import fairness_figure
from reports.figure import ReportFigure
from reports.loadrun import load_timing_figure
from reports.palette import PolicyColours
from reports.runs import load_run
from reports.time_to_book import time_to_book_figure, times_to_book
from reports.timeline import timeline_figure
from reports.twin import twin_figure

POLICIES = ["fcfs", "waiting_room"]


def legend_texts(ax: Axes) -> list[str]:
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()] if leg else []


def labelled_lines(ax: Axes) -> dict[str, object]:
    return {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}


def bars(ax: Axes) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() != 0]


def check_frame(fig: ReportFigure) -> None:
    """What every figure has: a title (the suptitle), a one-line caption, labelled axes."""
    assert fig.title and fig.figure.get_suptitle() == fig.title
    assert fig.caption and "\n" not in fig.caption and len(fig.caption) < 260
    for ax in fig.figure.axes:
        if ax.get_visible() and ax.get_xticks().size:  # panels sharing x: the bottom one says it
            group = ax.get_shared_x_axes().get_siblings(ax)
            assert any(a.get_xlabel() for a in group), f"{fig.key}: no x label ({ax.get_title()})"
    assert fig.png()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def samples(runs: dict[str, Path]) -> dict[str, list[dict[str, float]]]:
    return {p: load_run(runs[p]).samples[p] for p in POLICIES}


def test_timeline_of_a_simulated_run(runs: dict[str, Path]) -> None:
    run = load_run(runs["fcfs"])
    tables = run.tables("fcfs")
    fig = timeline_figure(tables, title="Release timeline", backlog_limit=64)
    check_frame(fig)
    axes = fig.figure.axes
    assert len(axes) == 4
    assert [ax.get_ylabel() for ax in axes] == ["slots", "requests/s", "requests/s", "requests waiting"]
    assert axes[-1].get_xlabel() == "time relative to release T0 (s)"
    for ax in axes:  # T0 marked in every panel, and in its legend
        t0 = [ln for ln in ax.get_lines() if ln.get_label().startswith("T0")]
        assert len(t0) == 1 and list(t0[0].get_xdata()) == [0.0, 0.0]
        assert any(t.startswith("T0") for t in legend_texts(ax))
    slots = labelled_lines(axes[0])
    assert set(slots) == {"slots free", "slots confirmed by patients", "slots confirmed by bots", "T0 (release, 07:00)"}
    confirmed = slots["slots confirmed by patients"].get_ydata()[-1] + slots["slots confirmed by bots"].get_ydata()[-1]
    assert confirmed == run.samples["fcfs"][0]["slots_confirmed"]
    assert set(labelled_lines(axes[1])) >= {"requests from patients", "requests from bots"}
    assert set(labelled_lines(axes[2])) >= {"answered", "rejected (503 overloaded)", "timed out (client gave up)"}
    backlog = labelled_lines(axes[3])
    assert "backlog limit (64); beyond it: 503" in backlog
    peak = backlog["requests waiting for a worker (peak per bin)"].get_ydata()
    assert 0 < max(peak) <= 64  # the release instant queues requests, never beyond the limit


def test_timeline_of_a_load_run_says_the_backlog_is_not_observable(runs: dict[str, Path]) -> None:
    fig = timeline_figure(load_run(runs["load"]).tables("fcfs"))
    texts = [t.get_text() for t in fig.figure.axes[3].texts]
    assert any("not observable in a load run" in t for t in texts)
    assert fig.figure.axes[3].get_xticks().size > 0  # the shared time axis keeps its ticks


def test_load_timing_figure_shows_the_injected_lag(runs: dict[str, Path]) -> None:
    tables = load_run(runs["load"]).tables("fcfs")
    fig = load_timing_figure(tables["requests"])
    check_frame(fig)
    lat, lag, mix = fig.figure.axes
    lines = labelled_lines(lat)
    assert set(lines) == {
        "p99 corrected (from planned send)",
        "p50 corrected (from planned send)",
        "p99 uncorrected (from actual send)",
        "p50 uncorrected (from actual send)",
        "T0 (release)",
    }
    assert lat.get_yscale() == "log" and "ms" in lat.get_ylabel()
    corrected = np.asarray(lines["p99 corrected (from planned send)"].get_ydata(), float)
    plain = np.asarray(lines["p99 uncorrected (from actual send)"].get_ydata(), float)
    assert np.nanmax(corrected - plain) == pytest.approx(250.0, abs=1.0)  # the injected stall
    max_lag = np.asarray(labelled_lines(lag)["max lag"].get_ydata(), float)
    assert np.nanmax(max_lag) == pytest.approx(250.0, abs=0.5)
    assert lag.get_ylabel() == "lag (ms)"
    assert mix.get_ylabel() == "requests/s" and "ok" in legend_texts(mix)
    assert mix.get_xlabel() == "planned send time relative to release T0 (s)"


def test_comparison_figure_sorted_with_cis_and_not_significant_marked() -> None:
    rng = np.random.default_rng(1)
    samples = {  # A best; B indistinguishable from A; C clearly worse
        "A": [{"bot_share": v} for v in 0.10 + rng.normal(0, 0.02, 10)],
        "B": [{"bot_share": v} for v in 0.11 + rng.normal(0, 0.02, 10)],
        "C": [{"bot_share": v} for v in 0.60 + rng.normal(0, 0.02, 10)],
    }
    colours = PolicyColours(samples)
    fig = comparison_figure(samples, colours)
    check_frame(fig)
    ax = fig.figure.axes[0]
    assert ax.get_title(loc="left") == "Bot share of slots (lower is better)"
    assert ax.get_xlabel() == "slots held by bots at the end (%)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C", "B", "A"]  # best on top
    drawn = {to_hex(b.get_facecolor(), keep_alpha=False): b for b in bars(ax)}
    assert set(drawn) == {colours[p] for p in samples}
    assert drawn[colours["B"]].get_hatch() == "//" and not drawn[colours["C"]].get_hatch()
    assert any("n.s." in t.get_text() for t in ax.texts)
    assert len(ax.collections) == 3  # one CI whisker per policy
    legend = [t.get_text() for t in fig.figure.legends[0].get_texts()]
    assert "95 % confidence interval" in legend
    # metrics the samples lack get a visible note, not an empty panel
    assert any("not in these runs" in t.get_text() for t in fig.figure.axes[1].texts)


def test_comparison_of_real_runs_has_every_headline_metric(samples: dict[str, list[dict[str, float]]]) -> None:
    fig = comparison_figure(samples)
    titles = [ax.get_title(loc="left") for ax in fig.figure.axes]
    assert [t.split(" (")[0] for t in titles] == [s.title for s in HEADLINE]
    for ax in fig.figure.axes:
        assert len(bars(ax)) <= len(POLICIES)
        assert sorted(t.get_text() for t in ax.get_yticklabels()) == POLICIES


def test_fairness_figure(samples: dict[str, list[dict[str, float]]]) -> None:
    colours = PolicyColours(POLICIES)
    fig = fairness_figure(samples, colours)
    check_frame(fig)
    react, arrive, seg = fig.figure.axes
    for ax, trait in ((react, "reaction"), (arrive, "arrival")):
        lines = labelled_lines(ax)
        assert set(lines) == set(POLICIES)
        for p in POLICIES:
            assert list(lines[p].get_xdata()) == list(range(1, 11))
            assert lines[p].get_color() == colours[p]
        assert trait in ax.get_xlabel() and ax.get_ylabel() == "patients with a slot (%)"
    assert [t.get_text() for t in seg.get_xticklabels()] == ["elderly", "mobile"]
    assert len([b for b in seg.patches if isinstance(b, Rectangle)]) == len(POLICIES) * 2
    assert [t.get_text() for t in fig.figure.legends[0].get_texts()] == POLICIES


def test_time_to_book_cdf(runs: dict[str, Path]) -> None:
    tables = {p: load_run(runs[p]).pooled(p) for p in POLICIES}
    fig = time_to_book_figure(tables)
    check_frame(fig)
    (ax,) = fig.figure.axes
    assert ax.get_xscale() == "log"
    lines = ax.get_lines()
    assert len(lines) == len(POLICIES)
    for line, policy in zip(lines, POLICIES, strict=True):
        n = len(times_to_book(tables[policy]))
        assert line.get_label().startswith(f"{policy} (n = {n},")
        y = line.get_ydata()
        assert y[0] == 0 and y[-1] == pytest.approx(100.0) and np.all(np.diff(y) >= 0)
    assert len(legend_texts(ax)) == len(POLICIES)
    assert ax.get_ylabel() == "successful patients booked by then (%)"


def test_time_to_book_matches_replications_separately(runs: dict[str, Path]) -> None:
    run = load_run(runs["fcfs"])
    pooled = times_to_book(run.pooled("fcfs"))
    apart = np.sort(np.concatenate([times_to_book(run.tables("fcfs", r)) for r in range(3)]))
    np.testing.assert_allclose(pooled, apart)
    assert (pooled > 0).all()


def test_scalper_figure(samples: dict[str, list[dict[str, float]]]) -> None:
    fig = scalper_figure(samples, markup=3.0)
    check_frame(fig)
    profit, even = fig.figure.axes
    assert profit.get_title(loc="left") == "Scalper profit (lower is better)"
    assert "¥" in profit.get_xlabel()
    assert len(bars(profit)) == len(POLICIES)
    assert even.get_title(loc="left").startswith("Break-even markup")


def test_twin_figure(runs: dict[str, Path], samples: dict[str, list[dict[str, float]]]) -> None:
    load = load_run(runs["load"])
    fig = twin_figure(
        samples["fcfs"],
        load.samples["fcfs"],
        sim_tables=load_run(runs["fcfs"]).tables("fcfs"),
        load_tables=load.tables("fcfs"),
    )
    check_frame(fig)
    metrics, slots = fig.figure.axes
    assert {"bot share", "patient success"} <= {t.get_text() for t in metrics.get_yticklabels()}
    assert legend_texts(metrics) == ["simulator (mean, 95 % CI)", "load run"]
    assert {"patients, simulator", "bots, simulator", "patients, load", "bots, load"} <= set(labelled_lines(slots))
    assert slots.get_ylabel() == "slots confirmed"


def test_long_policy_labels_are_wrapped_not_squeezing_the_bars() -> None:
    from reports.comparison import wrap_label

    label = "reserved_share(release_unused_at_s=10800,share=0.389)"
    wrapped = wrap_label(label)
    assert wrapped.replace("\n", "") == label
    assert max(len(line) for line in wrapped.split("\n")) <= 28
    assert wrap_label("fcfs") == "fcfs"
    fig = comparison_figure({label: [{"bot_share": 0.5}], "fcfs": [{"bot_share": 0.9}]})
    ticks = [t.get_text() for t in fig.figure.axes[0].get_yticklabels()]
    assert ticks == ["fcfs", wrapped]


def test_slot_share_figure_adds_up_and_keeps_intervals_inside_0_100(samples: dict[str, list[dict[str, float]]]) -> None:
    from reports.slot_shares import slot_groups, slot_share_figure

    fig = slot_share_figure(samples)
    check_frame(fig)
    share, tried = fig.figure.axes
    assert share.get_xlim() == (0.0, 100.0) and share.get_xlabel() == "share of released slots (%)"
    groups = set(legend_texts(share))
    assert {"patients: elderly", "patients: mobile", "bots", "via resale", "unused"} == groups
    for policy in POLICIES:
        parts = slot_groups(samples[policy])
        assert sum(parts.values()) == pytest.approx(1.0)
        confirmed = np.mean([r["slots_confirmed"] for r in samples[policy]])
        released = np.mean([r["slots_released"] for r in samples[policy]])
        assert parts["bots"] == pytest.approx(np.mean([r["bot_share"] for r in samples[policy]]) * confirmed / released)
    assert tried.get_ylabel() == "patients who tried with a slot (%)"
    assert tried.get_ylim()[0] >= 0 and tried.get_ylim()[1] <= 100
    for bar in tried.collections:  # CI whiskers
        for seg in bar.get_segments():
            assert seg[:, 1].min() >= 0.0 and seg[:, 1].max() <= 100.0


def test_share_panels_never_go_below_0_or_beyond_100() -> None:
    samples = {"A": [{"bot_share": v, "slots_confirmed": 30.0} for v in (0.0, 0.0, 1 / 30)],
               "B": [{"bot_share": v, "slots_confirmed": 30.0} for v in (1.0, 1.0, 29 / 30)]}
    ax = comparison_figure(samples).figure.axes[0]
    lo, hi = ax.get_xlim()
    assert lo == 0.0 and hi <= 100.0
    for whisker in ax.collections:
        for seg in whisker.get_segments():
            assert seg[:, 0].min() >= 0.0 and seg[:, 0].max() <= 100.0


def test_break_even_chart_marks_the_scalpers_markup() -> None:
    samples = {p: [{"scalper_profit": 100.0 * i, "break_even_markup": 2.0 + i} for i in range(3)] for p in POLICIES}
    fig = scalper_figure(samples, markup=20.0)
    even = fig.figure.axes[1]
    line = labelled_lines(even)["scalpers' markup (×20)"]
    assert list(line.get_xdata()) == [20.0, 20.0]
    assert even.get_xlim()[1] >= 20.0 and "scalpers' markup (×20)" in legend_texts(even)


def test_twin_folder_figure_has_no_empty_panel() -> None:
    from reports.stats import Estimate

    sim = {"bot_share": Estimate(0.9, 0.85, 0.95, ())}
    fig = twin_figure(sim, {"bot_share": 0.5})
    assert len(fig.figure.axes) == 1
    assert any("outside CI" in t.get_text() for t in fig.figure.axes[0].texts)


def test_svg_is_text_with_titles_and_file_names_are_safe(samples: dict[str, list[dict[str, float]]]) -> None:
    fig = comparison_figure(samples)
    fig.key = "timeline-simulator-rate_limit(key=ip)"
    svg = fig.svg()
    assert svg.startswith("<svg") and "Bot share of slots (lower is better)" in svg
    assert fig.file_stem == "timeline-simulator-rate_limit_key_ip_"


def test_twin_share_axis_stops_at_100() -> None:
    from reports.stats import Estimate

    sim = {"bot_share": Estimate(0.97, 0.9, 1.0, ()), "patient_success": Estimate(0.01, 0.005, 0.015, ())}
    ax = twin_figure(sim, {"bot_share": 0.95, "patient_success": 0.01}).figure.axes[0]
    assert ax.get_xlim() == (0.0, 100.0)
