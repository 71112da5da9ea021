"""Small real runs for the report tests: a tiny release under two policies, written as run
directories exactly as ``slotgrab simulate`` and ``slotgrab compare`` lay them out, and a load
run directory derived from a simulated replication (with generator lag injected)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from sim.experiments import RunDir, aggregate, run_replication
from sim.scenario.loader import parse_scenario
from sim.scenario.model import PolicySpec, Scenario

TINY = {
    "name": "tiny-release",
    "seed": 7,
    "replications": 3,
    "horizon": {"before_s": 10, "after_s": 120},
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "d1", "capacity": 10}]}]},
    "patients": [
        {"segment": "mobile", "count": 150, "arrival_s": {"dist": "normal", "mean": -2, "sd": 3}, "retries": 5},
        {
            "segment": "elderly",
            "count": 50,
            "arrival_s": {"dist": "uniform", "low": 0, "high": 60},
            "reaction_s": {"dist": "lognormal", "median": 1.0, "p95": 3.0},
            "retries": 3,
        },
    ],
    "bots": [{"crew": "plugin", "devices": 1, "lanes": 2, "rate_per_s": 50, "accounts": 5, "ips": 3, "persons": 20}],
    "service": {"workers": 2, "backlog": 64},
}
POLICIES = ("fcfs", "waiting_room")
REPS = 3


def tiny(policy: str = "fcfs") -> Scenario:
    """The tiny scenario under one policy."""
    return parse_scenario(TINY, "tiny.yaml", None).with_policies((PolicySpec(name=policy),))


def write_simulate(sc: Scenario, folder: Path, reps: int = REPS) -> Path:
    """A run directory in the ``slotgrab simulate`` layout."""
    run = RunDir.create(folder)
    run.write_scenario(sc)
    summaries = []
    for rep in range(reps):
        summary, records = run_replication(sc, rep)
        run.write_records(rep, records)
        summaries.append(summary)
    run.write_summary(sc, list(range(reps)), aggregate(summaries))
    run.write_meta(sc, list(range(reps)), None)
    return folder


def write_load(sc: Scenario, folder: Path, lag_s: float = 0.25) -> Path:
    """A load-kind run directory: a simulated replication with planned send times moved
    ``lag_s`` earlier during the release second (a generator that fell behind), no queue times."""
    summary, records = run_replication(sc, 0)
    req = records.requests
    sent = req.column("t_sent").to_numpy()
    planned = sent - np.where((sent >= 0) & (sent < 1), lag_s, 0.001)
    nan = pa.array(np.full(len(sent), np.nan))
    for name, values in (("t_planned", pa.array(planned)), ("t_arrive", nan), ("t_start", nan)):
        req = req.set_column(req.column_names.index(name), name, values)
    records.requests = req
    run = RunDir.create(folder)
    run.write_scenario(sc)
    run.write_records(0, records)
    run.write_summary(sc, [0], aggregate([summary]))
    timing = {"latency_corrected": {"p99_ms": 300.0}, "lag": {"p99_ms": lag_s * 1000}}
    run.write_meta(sc, [0], None, {"kind": "load", "timing": timing})
    return folder


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``fcfs`` and ``waiting_room`` simulate runs and an ``fcfs`` load run of the same race."""
    root = tmp_path_factory.mktemp("runs")
    out = {p: write_simulate(tiny(p), root / p) for p in POLICIES}
    out["load"] = write_load(tiny("fcfs"), root / "load-fcfs")
    return out


@pytest.fixture(scope="session")
def compare_dir(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``slotgrab compare`` folder (compare.json) made from the two simulate runs."""
    folder = tmp_path_factory.mktemp("compare")
    variants = []
    for rank, policy in enumerate(POLICIES, 1):
        summary = json.loads((runs[policy] / "summary.json").read_text())
        variants.append({"rank": rank, "variant": policy, "metrics": summary["metrics"]})
    doc = {"scenario": "tiny-release", "seed": 7, "reps": list(range(REPS)), "variants": variants}
    (folder / "compare.json").write_text(json.dumps(doc))
    return folder


@pytest.fixture(scope="session")
def written(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML report of both policies and the load run, with one problem to show."""
    from reports import write_report

    out = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(
        [runs["fcfs"], runs["waiting_room"], runs["load"]],
        out,
        echo=None,
        problems=["load run under lottery: <the load driver is not available>"],
    )


@pytest.fixture(scope="session")
def twin_dir(runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``slotgrab twin`` folder (twin.json rows) made from the fcfs run and the load run."""
    folder = tmp_path_factory.mktemp("twin")
    sim = json.loads((runs["fcfs"] / "summary.json").read_text())["metrics"]
    load = json.loads((runs["load"] / "summary.json").read_text())["metrics"]
    rows = [
        {
            "metric": m,
            "sim_mean": sim[m]["mean"],
            "ci_low": sim[m]["ci_low"],
            "ci_high": sim[m]["ci_high"],
            "load": load[m]["mean"],
        }
        for m in ("bot_share", "patient_success", "overloaded_rate")
        if m in sim and m in load
    ]
    (folder / "twin.json").write_text(json.dumps({"scenario": "tiny-release", "reps": REPS, "rows": rows}))
    return folder
