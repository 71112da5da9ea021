"""Loading run directories of each kind, and clear errors for folders that are not runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.runs import RunDirError, load_run

REPS = 3  # conftest.REPS


def test_simulate_run(runs: dict[str, Path]) -> None:
    run = load_run(runs["fcfs"])
    assert run.kind == "simulate" and run.policies == ["fcfs"]
    assert len(run.samples["fcfs"]) == REPS
    assert run.scenario["name"] == "tiny-release" and "tiny-release" in run.scenario_text
    tables = run.tables("fcfs", 1)
    assert tables is not None and set(tables) >= {"agents", "requests", "bookings", "outcomes"}
    assert run.tables("fcfs", REPS) is None


def test_load_run_gets_flat_timing_metrics(runs: dict[str, Path]) -> None:
    run = load_run(runs["load"])
    assert run.kind == "load"
    (rep,) = run.samples["fcfs"]
    assert rep["latency_corrected_p99_ms"] == 300.0 and rep["generator_lag_p99_ms"] == 250.0


def test_compare_folder(compare_dir: Path) -> None:
    run = load_run(compare_dir)
    assert run.kind == "compare" and run.policies == ["fcfs", "waiting_room"]
    assert len(run.samples["waiting_room"]) == REPS
    assert run.tables("fcfs") is None  # compare keeps no records unless asked


def test_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="not a folder"):
        load_run(tmp_path / "nope")
    with pytest.raises(RunDirError, match=r"meta\.json: missing"):
        load_run(tmp_path)
    (tmp_path / "meta.json").write_text("{oops")
    with pytest.raises(RunDirError, match=r"meta\.json: not valid JSON"):
        load_run(tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"kind": "banana"}))
    with pytest.raises(RunDirError, match=r"kind 'banana' is not known; allowed: \['simulate'"):
        load_run(tmp_path)
