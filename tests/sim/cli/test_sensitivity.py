"""``slotgrab sensitivity``: indices and report written; bad input is one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app

TINY = """\
name: tiny-sens
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
uncertain:
  bots.c.devices: [1, 3]
  bots.c.face_price: [10, 100]
"""


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def test_sensitivity_writes_indices_and_a_tornado_report(runner: CliRunner, tiny_file: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "sens"
    res = runner.invoke(app, ["sensitivity", str(tiny_file), "--n", "2", "--jobs", "1",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "sensitivity.json").read_text())
    assert doc["runs"] == 2 * 3 and doc["method"] == "morris"
    assert doc["indices"]["bot_share"]["bots.c.face_price"]["mu_star"] == 0.0
    assert (out / "indices.csv").read_text().startswith("output,input,")
    assert (out / "sensitivity.png").stat().st_size > 1000
    assert "zero-width CI for `bots.c.face_price`" in (out / "report.md").read_text()


def test_a_scenario_without_ranges_is_one_clear_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text(TINY.split("uncertain:")[0])
    res = runner.invoke(app, ["sensitivity", str(path), "--jobs", "1"])
    assert res.exit_code == 2
    assert "no 'uncertain:' ranges" in res.output and "Traceback" not in res.output


def test_a_bad_uncertain_path_names_the_field(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(TINY.replace("bots.c.face_price", "bots.c.nope"))
    res = runner.invoke(app, ["sensitivity", str(path), "--jobs", "1"])
    assert res.exit_code == 2
    assert "uncertain" in res.output and "no field 'nope'" in res.output
    assert "rate_per_s" in res.output  # the allowed fields are listed
