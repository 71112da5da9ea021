"""``slotgrab compare``: the ranked table, its files, and clear errors without tracebacks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app

TINY = """\
name: tiny-compare
seed: 5
replications: 2
horizon: {before_s: 10, after_s: 120}
supply:
  departments:
    - {id: d, sessions: [{id: s1, capacity: 5}]}
patients:
  - {segment: fast, count: 150, arrival_s: {dist: uniform, low: -5, high: 5}, retries: 3}
bots:
  - {crew: c, devices: 1, rate_per_s: 20, lanes: 2, accounts: 4, ips: 2, persons: 10}
compare: [fcfs, captcha]
"""


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def test_compare_ranks_the_scenarios_stacks_and_writes_csv_json(runner: CliRunner, tiny_file: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", str(tiny_file), "--workers", "1", "--out", str(out),
                              "--sweep", "bots.0.lanes=1,2", "--no-report"])
    assert res.exit_code == 0, res.output
    assert "captcha [bots.0.lanes=2]" in res.output and "Welch" in res.output
    doc = json.loads((out / "compare.json").read_text())
    assert [v["rank"] for v in doc["variants"]] == [1, 2, 3, 4]
    assert len(doc["reps"]) == 2 and doc["executor"] == "1 local process"
    with (out / "cells.csv").open() as fh:
        cells = list(csv.DictReader(fh))
    assert len(cells) == 4 * 2 and "bot_share" in cells[0]
    with (out / "compare.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["metric"] for r in rows} >= {"bot_share", "patient_success", "scalper_profit"}
    assert not (out / "report.html").exists()  # --no-report


def test_compare_writes_its_report_by_default_and_prints_its_path(runner: CliRunner, tiny_file: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    res = runner.invoke(app, ["compare", str(tiny_file), "--workers", "1", "--seeds", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out / "report.html"
    assert f"report: {html}" in res.output.replace("\n", "")
    assert "<img" in html.read_text() and "captcha" in (out / "report.md").read_text()
    assert "markup:" in (out / "scenario.yaml").read_text()  # the report shows it; break-even needs the markup
    assert "Verdict:" in html.read_text()


def test_policy_option_replaces_the_compare_list(runner: CliRunner, tiny_file: Path,
                                                 tmp_path: Path) -> None:
    res = runner.invoke(app, ["compare", str(tiny_file), "--workers", "1", "--seeds", "1",
                              "--policy", "real_name+captcha", "--out", str(tmp_path / "o"), "--no-report"])
    assert res.exit_code == 0, res.output
    assert "real_name+captcha" in res.output and "fcfs" not in res.output.split("\n", 3)[-1]


@pytest.mark.parametrize(("args", "message"), [
    (["--policy", "no_such_policy"], "--policy 'no_such_policy'"),
    (["--policy", "[fcfs"], "not valid YAML"),
    (["--sweep", "bots.0.lanes"], "expected PATH=v1,v2"),
    (["--sweep", "bots.0.lanes=0"], "bots.0.lanes"),
    (["--sweep", "nothing.here=1"], "nothing"),
    (["--dask", "tcp://127.0.0.1:9"], "cannot connect"),
])
def test_bad_options_give_one_clear_error(runner: CliRunner, tiny_file: Path, tmp_path: Path,
                                          args: list[str], message: str) -> None:
    res = runner.invoke(app, ["compare", str(tiny_file), "--workers", "1", "--seeds", "1",
                              "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_missing_scenario_is_a_clear_error(runner: CliRunner) -> None:
    res = runner.invoke(app, ["compare", "no-such-scenario"])
    assert res.exit_code == 2 and "no such file" in res.output


def test_compare_runs_on_a_dask_cluster_and_matches_local(runner: CliRunner, tiny_file: Path,
                                                          tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    args = ["compare", str(tiny_file), "--seeds", "2", "--policy", "fcfs", "--no-report"]
    local = runner.invoke(app, [*args, "--workers", "1", "--out", str(tmp_path / "local")])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        res = runner.invoke(app, [*args, "--dask", cluster.scheduler_address,
                                  "--out", str(tmp_path / "dask")])
    assert local.exit_code == 0 and res.exit_code == 0, res.output
    assert "Dask cluster" in res.output
    cells = [(tmp_path / d / "cells.csv").read_text() for d in ("local", "dask")]
    assert cells[0] == cells[1]
