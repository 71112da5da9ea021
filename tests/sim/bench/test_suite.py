"""``bench all``: ratios gathered from every benchmark's JSON, comparable across runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sim.bench import suite

SIM = {"benchmark": "sim", "throughput": {"req_per_s": {"median": 90_000.0}},
       "ratio": {"req_per_s_over_timeouts_per_s": 0.25}, "goals": {"req_per_s_met": False}}
SERVICE = {"servers": [{"name": "sqlite", "holds_per_s": 3100.0, "p99_vs_trivial": 1.4}],
           "load": {"duration_s": 2.0}, "cpu_ratio": 0.5,
           "sqlite_vs_trivial": 0.62, "goals": {"sqlite_1_worker >= 50% of trivial": True}}


def test_ratios_are_collected_by_dotted_path_and_nothing_else() -> None:
    ratios = suite.collect_ratios({"sim": SIM, "service": SERVICE})
    assert ratios == {"sim.ratio.req_per_s_over_timeouts_per_s": 0.25,
                      "service.servers.0.p99_vs_trivial": 1.4, "service.cpu_ratio": 0.5,
                      "service.sqlite_vs_trivial": 0.62}


def test_comparison_gives_relative_changes_and_marks_new_ratios() -> None:
    rows = suite.compare_ratios({"a_vs_b": 0.5, "new_ratio": 2.0}, {"a_vs_b": 0.4})
    assert rows[0][0] == "a_vs_b" and rows[0][3] == pytest.approx(0.25)
    assert rows[1] == ("new_ratio", None, 2.0, None)


@pytest.fixture
def bench_cli() -> typer.Typer:
    app, bench_app = typer.Typer(), typer.Typer()
    suite.register(bench_app)
    app.add_typer(bench_app, name="bench")
    return app


def test_unknown_benchmark_names_are_usage_errors(bench_cli: typer.Typer) -> None:
    result = CliRunner().invoke(bench_cli, ["bench", "all", "--only", "gpu"])
    assert result.exit_code == 2 and "allowed sim, service, load, compare" in result.output
    result = CliRunner().invoke(bench_cli, ["bench", "all", "--with", "gpu=--fast"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_bench_all_runs_the_sim_benchmark_in_a_child_and_gathers_it(tmp_path: Path,
                                                                   bench_cli: typer.Typer) -> None:
    sc = tmp_path / "tiny.yaml"
    sc.write_text("""
name: tiny
supply: {departments: [{id: d, sessions: [{id: s, capacity: 5}]}]}
patients: [{segment: m, count: 200, arrival_s: {dist: uniform, low: 0, high: 5}}]
""")
    out, old = tmp_path / "all.json", tmp_path / "old.json"
    old.write_text(json.dumps({"ratios": {"sim.ratio.req_per_s_over_timeouts_per_s": 0.1}}))
    result = CliRunner().invoke(bench_cli, ["bench", "all", "--only", "sim", "--with",
                                            f"sim={sc} --runs 1 --agents 0", "--out", str(out),
                                            "--compare", str(old)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["format"] == "slotgrab-bench/1" and doc["failed"] == {}
    assert doc["benchmarks"]["sim"]["scenario"] == "tiny"
    assert doc["ratios"]["sim.ratio.req_per_s_over_timeouts_per_s"] > 0
    sim_row = next(r for r in doc["figures"] if r["benchmark"] == "sim")
    assert sim_row["value"] > 0 and sim_row["reference"] > 0 and sim_row["ratio"] > 0
    assert all(r["value"] is None for r in doc["figures"] if r["benchmark"] != "sim")
