import json
from datetime import UTC, datetime

import pytest

from sim.experiments import RunDir, aggregate, replicate
from sim.experiments.rundir import default_run_dir
from sim.records import read_records
from sim.scenario import load_scenario


def test_run_dir_holds_scenario_records_summary_meta(tiny, tmp_path):
    d = RunDir.create(tmp_path / "run")
    d.write_scenario(tiny)
    summaries = replicate(tiny, [0, 1], lambda r: d.write_records(r.rep, r.records))
    d.write_summary(tiny, [0, 1], aggregate(summaries))
    d.write_meta(tiny, [0, 1], "tiny.yaml")

    assert load_scenario(d.path / "scenario.yaml") == tiny
    tables = read_records(d.path / "records" / "rep-001")
    assert set(tables) == {"agents", "identities", "requests", "bookings", "outcomes"}
    summary = json.loads((d.path / "summary.json").read_text())
    assert summary["reps"] == [0, 1] and summary["policy"] == "fcfs"
    bot = summary["metrics"]["bot_share"]
    assert set(bot) >= {"mean", "ci_low", "ci_high", "half_width", "sd", "n", "values"}
    assert len(bot["values"]) == 2
    meta = json.loads((d.path / "meta.json").read_text())
    assert meta["seed"] == tiny.seed and meta["replications"] == 2
    assert {"python", "numpy", "simpy", "slotgrab"} <= set(meta["versions"])
    assert "commit" in meta["git"] and meta["command"]


def test_default_run_dir_never_reuses_a_folder(tmp_path):
    now = datetime(2026, 11, 23, 7, 0, 0, tzinfo=UTC)
    first = default_run_dir("rp", tmp_path, now)
    assert first.name == "rp-20261123-070000"
    first.mkdir()
    assert default_run_dir("rp", tmp_path, now).name == "rp-20261123-070000-2"


def test_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f").write_text("")
    with pytest.raises(FileExistsError):
        RunDir.create(tmp_path / "x")
