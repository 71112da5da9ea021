"""Which figures a report gets for which runs, and one colour per policy across them."""

from __future__ import annotations

from pathlib import Path

from matplotlib.colors import to_hex

from reports.build import build_report, count_figures
from reports.palette import PolicyColours


def test_simulate_runs_of_two_policies_and_a_load_run(runs: dict[str, Path]) -> None:
    paths = [runs["fcfs"], runs["waiting_room"], runs["load"]]
    seen: list[str] = []
    report = build_report(paths, on_figure=seen.append)
    keys = [f.key for f in report.figures]
    assert keys == [
        "comparison",
        "fairness",
        "slot_shares",
        "scalpers",
        "time_to_book",
        "timeline-simulator-fcfs",
        "timeline-simulator-waiting_room",
        "load-fcfs",
        "timeline-load-run-fcfs",
        "twin-fcfs",
    ]
    assert len(seen) == count_figures(paths) == len(keys)
    assert report.best == "waiting_room"
    assert report.conclusions[0].startswith("Verdict: waiting_room gives patients the most slots")
    assert report.summary.columns == ("metric", "fcfs", "waiting_room", "fcfs · load run")
    labels = [row[0] for row in report.summary.rows]
    assert labels[:3] == ["Bot share of slots", "Patient success (all patients)", "Success among patients who tried"]
    assert "Latency p99, corrected" in labels  # from the load run's timing


def test_one_colour_per_policy_in_every_figure(runs: dict[str, Path]) -> None:
    report = build_report([runs["fcfs"], runs["waiting_room"]])
    expected = PolicyColours(["fcfs", "waiting_room"])
    by_key = {f.key: f.figure for f in report.figures}
    for name in ("fcfs", "waiting_room"):
        fairness = {ln.get_label(): ln.get_color() for ln in by_key["fairness"].axes[0].get_lines()}
        cdf = {ln.get_label().split(" (")[0]: ln.get_color() for ln in by_key["time_to_book"].axes[0].get_lines()}
        bars = {to_hex(p.get_facecolor(), keep_alpha=False) for p in by_key["comparison"].axes[0].patches}
        assert fairness[name] == cdf[name] == expected[name]
        assert expected[name] in bars


def test_single_run_gets_no_comparison_and_no_twin_across_different_races(
    runs: dict[str, Path], compare_dir: Path
) -> None:
    single = [f.key for f in build_report([runs["fcfs"]]).figures]
    assert "comparison" not in single and "timeline-simulator-fcfs" in single
    # compare.json has no scenario.yaml: no race to match, so no twin figure
    other = build_report([compare_dir, runs["load"]])
    keys = [f.key for f in other.figures]
    assert "comparison" in keys and "load-fcfs" in keys and "twin-fcfs" not in keys
    assert any(c.startswith("The load runs under fcfs measure a different race") for c in other.conclusions)
    assert not any("agrees with the simulator" in c or "disagrees" in c for c in other.conclusions)


def test_twin_folder(twin_dir: Path) -> None:
    report = build_report([twin_dir])
    (fig,) = report.figures
    assert fig.key == f"twin-{twin_dir.name}"
    assert len(fig.figure.axes) == 1  # no records in a twin folder: no empty slots panel
    assert report.conclusions and "load run" in report.conclusions[0]
    metrics = fig.figure.axes[0]
    assert {"bot share", "patient success"} <= {t.get_text() for t in metrics.get_yticklabels()}
    assert report.summary.columns[1:] == (f"twin {twin_dir.name}: simulated mean", f"twin {twin_dir.name}: load run")
