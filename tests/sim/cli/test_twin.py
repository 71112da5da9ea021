"""The twin's comparison: a load value is judged against the simulator's CI and prediction
interval."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from cli_kit import run_slotgrab

from sim.cli.twin import compare
from sim.experiments.aggregate import stats_of


def test_a_single_run_outside_the_ci_can_still_be_inside_the_prediction_interval() -> None:
    sim = {"bot_share": stats_of([0.5, 0.6, 0.7, 0.55, 0.65])}  # mean 0.6, sd ≈ 0.079
    (row,) = compare(sim, {"bot_share": 0.5}, {"bot_share": 0.75})
    assert row.diff == 0.75 - 0.6
    assert row.in_ci is False  # the CI of the mean is about ±0.098
    assert row.in_pi is True  # one replication varies by about ±0.24
    (far,) = compare(sim, {}, {"bot_share": 1.2})
    assert far.in_pi is False and math.isnan(far.sim_rep0)


def test_metrics_missing_on_either_side_are_left_out_and_constants_compare_exactly() -> None:
    sim = {"slots_confirmed": stats_of([30, 30, 30]), "bot_share": stats_of([0.1, 0.2])}
    rows = compare(sim, {}, {"slots_confirmed": 30.0, "requests": 5.0})
    assert [r.metric for r in rows] == ["slots_confirmed"]
    assert rows[0].in_ci is True  # zero spread: equal is inside
    assert compare(sim, {}, {"slots_confirmed": 29.0})[0].in_ci is False


@pytest.mark.slow
def test_twin_writes_its_report_by_default_and_prints_its_path(
    tmp_path: Path, burst_file: Path
) -> None:
    out = tmp_path / "twin"
    r = run_slotgrab("twin", str(burst_file), "--reps", "2", "--samples", "10", "--out", str(out),
                     timeout=180.0)
    assert r.returncode == 0, r.stderr
    html = out / "report.html"
    assert f"report: {html}" in r.stdout.replace("\n", "")
    assert (out / "twin.json").exists() and "<img" in html.read_text()
    summary = (out / "report.md").read_text()
    assert "simulated mean" in summary and "load run" in summary and "Patient success" in summary
    assert (out / "scenario.yaml").exists()  # the twin folder keeps what it simulated and load-tested
    assert "The simulator does not reproduce" in summary or "The calibrated simulator reproduces" in summary
