"""``slotgrab simulate``: the table, the run folder, and clear errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli.app import app

TINY = """\
name: tiny-cli
description: Five slots, 150 patients, one bot device.
seed: 3
replications: 2
horizon: {before_s: 10, after_s: 120}
supply:
  departments:
    - {id: d, sessions: [{id: s1, capacity: 5}]}
patients:
  - {segment: fast, count: 150, arrival_s: {dist: uniform, low: -5, high: 5}, retries: 3}
bots:
  - {crew: c, devices: 1, rate_per_s: 20, lanes: 2, accounts: 4, ips: 2, persons: 10}
"""


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def test_simulate_prints_the_table_and_writes_the_run_folder(runner, tiny_file, tmp_path):
    out = tmp_path / "run"
    res = runner.invoke(app, ["simulate", str(tiny_file), "--out", str(out), "--reps", "2"])
    assert res.exit_code == 0, res.output
    assert "bot_share" in res.output and "95% CI" in res.output
    assert f"run folder: {out}" in res.output
    for name in ("scenario.yaml", "summary.json", "meta.json"):
        assert (out / name).is_file()
    for rep in ("rep-000", "rep-001"):
        assert (out / "records" / rep / "requests.parquet").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["patient_success"]["n"] == 2


def test_seed_and_set_reach_the_resolved_scenario(runner, tiny_file, tmp_path):
    out = tmp_path / "run"
    res = runner.invoke(app, ["simulate", str(tiny_file), "--out", str(out), "--reps", "1",
                              "--no-report", "--seed", "11", "--set", "patients.fast.count=40"])
    assert res.exit_code == 0, res.output
    resolved = (out / "scenario.yaml").read_text()
    assert "seed: 11" in resolved and "count: 40" in resolved
    assert json.loads((out / "meta.json").read_text())["seed"] == 11


def _error(res) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    return res.output


def test_bad_field_value_names_file_field_value_and_allowed(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("capacity: 5", "capacity: -3"))
    out = _error(runner.invoke(app, ["simulate", str(bad)]))
    assert str(bad) in out
    assert "supply.departments.0.sessions.0.capacity" in out
    assert "-3" in out and "greater than or equal to 1" in out


def test_bad_set_path_lists_the_allowed_names(runner, tiny_file):
    out = _error(runner.invoke(app, ["simulate", str(tiny_file), "--set", "bots.nocrew.devices=3"]))
    assert "nocrew" in out and "allowed" in out and "'c'" in out


def test_bad_set_value_names_field_and_value(runner, tiny_file):
    out = _error(runner.invoke(app, ["simulate", str(tiny_file), "--set", "service.workers=many"]))
    assert "service.workers" in out and "'many'" in out and "integer" in out


def test_malformed_set(runner, tiny_file):
    out = _error(runner.invoke(app, ["simulate", str(tiny_file), "--set", "workers"]))
    assert "PATH=VALUE" in out


def test_unknown_scenario_lists_the_shipped_ones(runner):
    out = _error(runner.invoke(app, ["simulate", "no-such-scenario"]))
    assert "no-such-scenario" in out and "release-peak" in out


def test_bad_reps_flag(runner, tiny_file):
    _error(runner.invoke(app, ["simulate", str(tiny_file), "--reps", "0"]))


def test_non_empty_out_folder_is_refused(runner, tiny_file, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    out = _error(runner.invoke(app, ["simulate", str(tiny_file), "--out", str(tmp_path / "full")]))
    assert "not empty" in out
