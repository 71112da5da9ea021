"""The Python API: docs/python-api.md's examples run, and the results say what the commands say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import slotgrab
from sim.experiments.replicate import run_replication

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
SMALL = {"patients.mobile.count": 100, "patients.elderly.count": 30, "patients.slow-network.count": 20}


def test_the_documented_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(BLOCKS[0], str(DOC), "exec"), {})
    out = capsys.readouterr().out
    assert "patient_success" in out and "real_name+captcha" in out


@pytest.mark.slow
def test_the_documented_load_example_runs() -> None:
    # in a child process: locust's gevent patching must not leak into the rest of the suite
    done = subprocess.run([sys.executable, "-c", BLOCKS[1]], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("True ")


def test_simulate_returns_the_records_a_replication_writes() -> None:
    sc = slotgrab.load_scenario("release-peak", SMALL)
    run = slotgrab.simulate(sc, replications=[1])
    summary, records = run_replication(sc, 1)
    assert run.summaries == [summary]
    assert run.table("outcomes").equals(records.outcomes)
    assert run.replications().column("rep").to_pylist() == [1]


def test_metrics_carry_the_mean_and_ci_of_the_replications() -> None:
    run = slotgrab.simulate(slotgrab.load_scenario("release-peak", SMALL), replications=3)
    metrics = run.metrics().to_pandas().set_index("metric")
    values = [s["patient_success"] for s in run.summaries]
    row = metrics.loc["patient_success"]
    assert row["mean"] == pytest.approx(sum(values) / 3)
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    assert row["n"] == 3


def test_compare_runs_each_stack_and_labels_it() -> None:
    sc = slotgrab.load_scenario("release-peak", SMALL)
    cmp = slotgrab.compare(sc, ["fcfs", ["real_name", {"rate_limit": {"key": "account"}}]], replications=1)
    assert cmp.variants == ["fcfs", "real_name+rate_limit(key=account)"]
    table = cmp.replications()
    assert isinstance(table, pa.Table) and table.num_rows == 2
    fcfs = slotgrab.simulate(sc.with_policies(cmp.matrix.variants[0].stack), replications=[0])
    assert cmp.matrix.summaries[0] == fcfs.summaries


def test_an_unknown_records_table_names_the_allowed_ones() -> None:
    run = slotgrab.simulate(slotgrab.load_scenario("release-peak", SMALL), replications=1)
    with pytest.raises(KeyError, match="allowed"):
        run.table("nope")
