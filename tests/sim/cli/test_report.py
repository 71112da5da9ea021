"""``slotgrab report``: run folders in, one HTML file and a Markdown summary out; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app

TINY = """\
name: tiny-report
seed: 5
replications: 2
horizon: {before_s: 10, after_s: 90}
supply:
  departments:
    - {id: d, sessions: [{id: s1, capacity: 5}]}
patients:
  - {segment: fast, count: 120, arrival_s: {dist: uniform, low: -5, high: 5}, retries: 3}
bots:
  - {crew: c, devices: 1, rate_per_s: 20, lanes: 2, accounts: 4, ips: 2, persons: 10}
"""


@pytest.fixture(scope="module")
def run_dir(runner: CliRunner, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report-cli")
    (root / "tiny.yaml").write_text(TINY)
    out = root / "run"
    result = runner.invoke(app, ["simulate", str(root / "tiny.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"report: {out / 'report.html'}" in result.output  # simulate writes its report
    return out


def test_simulate_writes_its_report(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "slotgrab report — tiny-report" in html and "data:image/svg+xml;base64," in html
    assert (run_dir / "report.md").exists()


def test_report_command(runner: CliRunner, run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("previous step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(run_dir), "--out", str(out), "--title", "Nightly"])
    assert result.exit_code == 0, result.output
    assert f"report: {out}" in result.output
    assert "<title>Nightly</title>" in out.read_text(encoding="utf-8")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("previous step\n## Nightly") and "| metric | fcfs |" in text


def test_not_a_run_directory_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "meta.json: missing" in result.output and "Traceback" not in result.output
