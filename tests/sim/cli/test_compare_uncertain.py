"""``slotgrab compare --uncertain N``: P(best for patients) per stack, beside the seed CIs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sim.cli.app import app
from sim.experiments.aggregate import MetricStats
from sim.experiments.matrix_output import _cell
from sim.experiments.ranking import Ranked

TINY = """\
name: tiny-unc
seed: 5
replications: 2
horizon: {before_s: 10, after_s: 60}
supply:
  departments:
    - {id: d, sessions: [{id: s1, capacity: 5}]}
patients:
  - {segment: fast, count: 100, arrival_s: {dist: uniform, low: -5, high: 5}, retries: 3}
bots:
  - {crew: c, devices: 1, rate_per_s: 20, lanes: 2, accounts: 4, ips: 2, persons: 10}
compare: [fcfs, lottery]
uncertain:
  bots.c.devices: [1, 3]
"""


def test_compare_uncertain_reports_p_best_per_stack(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", str(path), "--workers", "1", "--uncertain", "3",
                              "--out", str(out), "--no-report"])
    assert res.exit_code == 0, res.output
    assert "P(best for patients)" in res.output
    doc = json.loads((out / "uncertain_best.json").read_text())
    assert [r["variant"] for r in doc["rows"]] == ["fcfs", "lottery"]
    assert sum(r["p_best"] for r in doc["rows"]) == 1.0
    assert len(doc["draws"]) == 3


def test_compare_uncertain_without_ranges_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(TINY.split("uncertain:")[0])
    res = runner.invoke(app, ["compare", str(path), "--workers", "1", "--uncertain", "2",
                              "--out", str(tmp_path / "c"), "--no-report"])
    assert res.exit_code == 2 and "--uncertain" in res.output and "Traceback" not in res.output


def test_zero_width_cis_are_marked_deterministic(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    res = runner.invoke(app, ["compare", str(path), "--workers", "1", "--policy", "fcfs",
                              "--out", str(tmp_path / "c"), "--no-report"])
    assert res.exit_code == 0, res.output
    # slots released are 5 in every seed: some cell or the note must say so plainly
    assert "the model is deterministic there" in res.output


def test_a_zero_width_cell_says_det_and_a_spread_one_does_not() -> None:
    best = Ranked(0, 1, {})
    flat = MetricStats(0.933, 0.0, 0.933, 0.933, 0.0, 10, (0.933,) * 10)
    spread = MetricStats(0.9, 0.05, 0.86, 0.94, 0.04, 10, (0.9,) * 10)
    assert _cell(flat, best, "bot_share").endswith("± 0 det")
    assert "det" not in _cell(spread, best, "bot_share")
