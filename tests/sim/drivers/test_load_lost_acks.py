"""A target that loses acknowledged holds: the lost acknowledgements count in
``invariant_violations`` in the table, ``summary.json`` and ``report.md``, and each is named
plainly. (Before, such a run reported ``invariant_violations 0`` everywhere and a gate
``invariant_violations == 0`` passed it; only the trailing message showed the loss.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_kit import run_slotgrab, write_burst

from sim.gates.evaluate import evaluate_gate
from sim.gates.expression import parse_gate
from sim.gates.values import MetricValue

pytestmark = pytest.mark.slow

LOST = 5


def test_lost_acknowledgements_count_everywhere(tmp_path: Path, stub_target) -> None:  # type: ignore[no-untyped-def]
    url = stub_target(lose_acks=LOST)
    out = tmp_path / "run"
    burst = write_burst(tmp_path, name="lost-acks", patients=60, after_s=4)
    r = run_slotgrab("load", str(burst), "--target", url, "--out", str(out))
    assert r.returncode == 1, r.stderr[-2000:]
    assert re.search(rf"invariant_violations\s*│\s*{LOST}\b", r.stdout), r.stdout[-3000:]
    summary = json.loads((out / "summary.json").read_text())["metrics"]
    assert summary["invariant_violations"]["mean"] == LOST
    assert summary["slots_confirmed"]["mean"] == 10 - LOST  # the export kept the other holds
    report = (out / "report.md").read_text()
    assert f"invariant violations {LOST}" in report
    assert re.search(r"Broken invariant: lost_ack: confirmation of hold \d+ acknowledged to person \d+, "
                     r"not in the target's export", report), report
    assert re.search(r"acknowledged to person \d+, not in the target's export", r.stderr), r.stderr
    assert json.loads((out / "meta.json").read_text())["violations"] == ["lost_ack"] * LOST
    gate = parse_gate("invariant_violations == 0")
    assert evaluate_gate(gate, MetricValue.point(summary["invariant_violations"]["mean"])).status == "fail"
