"""``slotgrab bench sim`` produces its JSON report (figures are checked for shape, not speed:
speed goals are met in the benchmark itself, never in timed unit tests)."""

from __future__ import annotations

import json

import typer
from cli_kit import one_command_app
from typer.testing import CliRunner

from sim.bench.simulator import scaled_to
from sim.cli import bench
from sim.scenario.loader import parse_scenario

SMALL = {
    "name": "bench-small", "seed": 3, "horizon": {"before_s": 10, "after_s": 60},
    "supply": {"departments": [{"id": "d", "sessions": [{"id": "s1", "capacity": 5}]}]},
    "patients": [{"segment": "a", "count": 150, "arrival_s": {"dist": "uniform", "low": -5,
                                                              "high": 30}},
                 {"segment": "b", "count": 50, "arrival_s": 0.0}],
    "bots": [{"crew": "c", "devices": 1, "rate_per_s": 20, "lanes": 2, "accounts": 2, "ips": 2,
              "persons": 4}],
}


def _app() -> typer.Typer:
    return one_command_app(bench.register)


def test_bench_sim_reports_throughput_reference_ratio_and_memory(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.bench.simulator.REFERENCE", {"processes": 1000, "timeouts": 20})
    path = tmp_path / "small.yaml"
    path.write_text(json.dumps(SMALL), encoding="utf-8")  # JSON is YAML
    out = tmp_path / "bench.json"
    res = CliRunner().invoke(_app(), ["bench", "sim", str(path), "--runs", "2", "--agents",
                                      "1000", "--out", str(out)])
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["benchmark"] == "sim" and report["runs"] == 2
    assert report["requests_per_run"] > 0
    assert len(report["throughput"]["req_per_s"]["runs"]) == 2
    assert report["throughput"]["req_per_s"]["median"] > 0
    assert set(report["throughput"]["phases_s"]) == {"setup", "loop", "records"}
    assert report["reference"]["timeouts_per_s"]["median"] > 0
    assert report["ratio"]["req_per_s_over_timeouts_per_s"] > 0
    # the skeleton runs the scenario's shape, and the ratio goal is read as a budget beside it
    assert report["skeleton"]["agents"] == report["agents"]
    assert report["skeleton"]["requests_per_agent"] == round(report["requests_per_run"]
                                                             / report["agents"])
    assert report["ratio"]["skeleton_over_timeouts_per_s"] > 0
    budget = report["budget"]
    assert budget["skeleton_us_per_request"] > 0
    assert budget["model_us_per_request_allowed"] < 1e6 / (0.6 * report["reference"]
                                                            ["timeouts_per_cpu_s"]["min"])
    assert report["memory"]["agents"] == 1000
    assert 0 < report["memory"]["peak_rss_bytes"] < 2**31


def test_bench_sim_reports_a_bad_scenario_without_traceback(tmp_path):
    res = CliRunner().invoke(_app(), ["bench", "sim", str(tmp_path / "missing.yaml")])
    assert res.exit_code == 2
    assert "no such file" in res.output and "Traceback" not in res.output


def test_scaled_to_keeps_the_segment_mix_and_hits_the_agent_count():
    sc = parse_scenario(SMALL, "small.yaml")
    big = scaled_to(sc, 10_000)
    counts = [p.count for p in big.patients]
    assert sum(counts) + 2 == 10_000  # one device × two lanes
    assert counts[0] == 3 * counts[1] or abs(counts[0] - 3 * counts[1]) <= 3
