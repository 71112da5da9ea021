"""``slotgrab load`` writes its HTML report by default (after the Locust run, in the same
process) and prints its path; ``--no-report`` skips it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_kit import run_slotgrab

pytestmark = pytest.mark.slow


def test_load_writes_its_report_by_default_and_prints_its_path(
    tmp_path: Path, burst_file: Path
) -> None:
    out = tmp_path / "run"
    r = run_slotgrab("load", str(burst_file), "--out", str(out), timeout=180.0)
    assert r.returncode == 0, r.stderr
    html = out / "report.html"
    assert f"report: {html}" in r.stdout.replace("\n", "")
    text = html.read_text()
    assert "<img" in text and "cli-burst" in text
    assert "Load run under fcfs" in (out / "report.md").read_text()
