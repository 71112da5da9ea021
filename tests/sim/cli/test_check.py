"""``slotgrab check`` on simulated runs: verdicts, exit codes, baselines and the files it writes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from cli_kit import one_command_app
from typer.testing import CliRunner

from sim.cli import check

SCENARIO = """
name: small-gated
seed: 7
replications: 3
horizon: {before_s: 30, after_s: 300}
supply:
  departments:
    - {id: derm, level: expert, sessions: [{id: d1-am, capacity: 10}]}
patients:
  - {segment: mobile, count: 200, arrival_s: {dist: normal, mean: -5, sd: 10}, retries: 10}
bots:
  - {crew: plugin, devices: 2, rate_per_s: 50, accounts: 10, ips: 5, persons: 40}
policies: [fcfs]
gates:
  simulate: ["bot_share < 0.10", "invariant_violations == 0"]
"""


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    return one_command_app(check.register)


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SCENARIO)
    return path


def run(cli: typer.Typer, *args: str | Path, report: bool = False) -> tuple[int, str]:
    flag = [] if report else ["--no-report"]
    result = CliRunner().invoke(cli, ["check", *map(str, args), *flag])
    return result.exit_code, result.output


def test_fcfs_with_bots_fails_the_bot_share_gate(
    cli: typer.Typer, scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, output = run(cli, scenario, "--out", out, report=True)
    assert code == 1, output
    doc = json.loads((out / "result.json").read_text())
    verdicts = {g["gate"]: g["status"] for g in doc["gates"]}
    assert verdicts == {"bot_share < 0.1": "fail", "invariant_violations == 0": "pass"}
    assert doc["status"] == "fail" and doc["exit_code"] == 1
    assert doc["metrics"]["bot_share"]["n"] == 3
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["bot_share < 0.1"]
    summary = (out / "summary.md").read_text()
    assert "❌ fail" in summary and "`bot_share < 0.1`" in summary
    assert "slotgrab report" in summary and (out / "report.html").exists()  # the report's summary
    assert (out / "run" / "summary.json").exists()


def test_the_same_scenario_without_bots_passes(
    cli: typer.Typer, scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, output = run(cli, scenario, "--out", out, "--set", "bots=[]")
    assert code == 0, output
    assert json.loads((out / "result.json").read_text())["status"] == "pass"


def test_a_ci_straddling_the_threshold_is_inconclusive(
    cli: typer.Typer, scenario: Path, tmp_path: Path
) -> None:
    code, _ = run(cli, scenario, "--out", tmp_path / "a", "--set", "bots=[]")
    latency = json.loads((tmp_path / "a" / "result.json").read_text())["metrics"]["latency_p99_ms"]
    assert latency["ci_low"] < latency["ci_high"]  # replications differ, so there is an interval
    gate = f"latency_p99_ms < {latency['mean']}"
    code, output = run(
        cli,
        scenario,
        "--out",
        tmp_path / "b",
        "--set",
        "bots=[]",
        "--set",
        f"gates={{simulate: ['{gate}']}}",
    )
    assert code == 3, output
    suite = ET.parse(tmp_path / "b" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "1"


def test_baseline_round_trip_and_outcome_regression(
    cli: typer.Typer, scenario: Path, tmp_path: Path
) -> None:
    base = tmp_path / "baseline.json"
    only_invariants = "gates={simulate: ['invariant_violations == 0']}"
    code, output = run(
        cli,
        scenario,
        "--out",
        tmp_path / "a",
        "--set",
        "bots=[]",
        "--set",
        only_invariants,
        "--save-baseline",
        base,
    )
    assert code == 0, output
    assert json.loads(base.read_text())["references"]["reference_rate_per_s"] > 0
    # the same run against its own baseline: no regression
    code, output = run(
        cli,
        scenario,
        "--out",
        tmp_path / "b",
        "--set",
        "bots=[]",
        "--set",
        only_invariants,
        "--baseline",
        base,
        "--tolerance",
        "patient_success=0.05",
    )
    assert code == 0, output
    # bots come back: patient success collapses, a regression beyond tolerance
    code, output = run(
        cli,
        scenario,
        "--out",
        tmp_path / "c",
        "--set",
        only_invariants,
        "--baseline",
        base,
        "--tolerance",
        "patient_success=0.05",
    )
    assert code == 1, output
    regressions = json.loads((tmp_path / "c" / "result.json").read_text())["regressions"]
    status = {r["metric"]: r["status"] for r in regressions}
    assert status["patient_success"] == "fail" and status["invariant_violations"] == "pass"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "perf"], "not a run kind"),
        (["--tolerance", "bot_share"], "METRIC=REL"),
        (["--set", "gates={simulate: ['bot_shar < 0.1']}"], "bot_shar"),
        (["--set", "gates={simulate: ['bot_share <> 0.1']}"], "comparators"),
        (["--set", "gates={}"], "no gates"),
        (["--baseline", "missing.json"], "not found"),
    ],
)
def test_usage_and_configuration_errors_exit_2(
    cli: typer.Typer, scenario: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    code, output = run(
        cli, scenario, "--out", tmp_path / "out", "--set", "patients.mobile.count=20", *args
    )
    assert code == 2, output
    assert message in output and "Traceback" not in output
