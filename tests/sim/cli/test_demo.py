"""``slotgrab demo`` end to end with small settings (the real compare runner, real load runs
against the reference service), and a clear failure when a part is missing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app

SMALL = ["--reps", "2", "--policies", "2", "--load-share", "0.02", "--load-seconds", "5"]


@pytest.mark.slow
def test_demo_small(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), *SMALL])
    assert result.exit_code == 0, result.output
    assert "slotgrab demo: who gets the slots" in result.output
    assert f"report: {out / 'report.html'}" in result.output
    assert (out / "compare" / "compare.json").exists()
    loads = sorted(p.name for p in (out / "load").iterdir())
    assert "fcfs" in loads and all((out / "load" / p / "meta.json").exists() for p in loads)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', html)) >= 6
    assert (out / "figures" / "comparison.svg").exists() and (out / "figures" / "comparison.png").exists()
    verdict = next(ln for ln in result.output.splitlines() if ln.startswith("• "))
    assert verdict.startswith(("• Verdict:", "• No verdict:"))  # the terminal says what the report decides
    assert "Load run — fcfs" in html and "Incomplete" not in html
    rows = [ln for ln in result.output.splitlines() if ln.startswith("│ load")]
    assert len(rows) == len(loads)


@pytest.mark.slow
def test_demo_names_a_missing_part_and_fails(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.demo.load_step as load_step

    def broken(*_args: object) -> list[str]:
        return [sys.executable, "-c", "import sys; sys.exit('load driver: not installed')"]

    monkeypatch.setattr(load_step, "load_command", broken)
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), *SMALL])
    assert result.exit_code == 1
    assert "incomplete: load run under fcfs: slotgrab load exited with code 1" in result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Incomplete" in html and "load run under fcfs" in html
