"""Load-run checks against real services on 127.0.0.1: the naive target's overbooking, a slowed
target's latency gate, and baselines that see a slower service but not a slower machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_kit import run_slotgrab

pytestmark = pytest.mark.slow

SLOWED = Path(__file__).with_name("slowed_target.py")

SCENARIO = """
name: load-gated
seed: 3
replications: 1
horizon: {before_s: 2, after_s: 5}
supply:
  departments:
    - {id: derm, level: expert, sessions: [{id: d1-am, capacity: 10}]}
patients:
  - {segment: mobile, count: PATIENTS, arrival_s: {dist: uniform, low: 0, high: 1}, retries: 2,
     patience_s: 4, think_s: 0.2, pay_s: 0.3}
bots:
  - {crew: plugin, devices: 2, rate_per_s: BOTRATE, lanes: 4, accounts: 8, ips: 4, persons: 16,
     give_up_after_sold_out_s: 1}
policies: [fcfs]
gates:
  # a generous lag limit: these tests share 2 cores with whatever else runs; a lagging generator
  # would make the latency verdicts inconclusive (tested in test_gate_evaluate.py)
  load: ["overbooked == 0", "latency_corrected_p50_ms < 500", "generator_lag_p99_ms < 2000"]
"""


def scenario(tmp_path: Path, patients: int, bot_rate: float) -> Path:
    """Bot lanes wait for each answer, so a slow target must not be asked for more than a lane
    can send (4 lanes at ``bot_rate``/4 per second), or the plan itself lags."""
    path = tmp_path / f"load-{patients}.yaml"
    path.write_text(SCENARIO.replace("PATIENTS", str(patients)).replace("BOTRATE", str(bot_rate)))
    return path


# Each check runs in a child process: the load driver imports Locust, whose gevent patching
# must never reach the pytest process (threads started before it deadlock).
CHILD = """
import json, sys
from pathlib import Path
from sim.gates.check import CheckError, CheckOptions, run_check
a = json.loads(sys.argv[1])
opts = CheckOptions(a["sc"], "load", a["baseline"] and Path(a["baseline"]), a["save"] and Path(a["save"]),
                    ("latency_p50_ms=0.12",), (), Path(a["out"]), report=False, target=a["target"],
                    command=a["command"] and tuple(a["command"]), reference_path=a["reference_path"])
try:
    sys.exit(run_check(opts).result.exit_code)
except CheckError as exc:
    print(f"CheckError: {exc}", file=sys.stderr)
    sys.exit(2)
"""


def check(sc: Path, out: Path, *, target: str | None = None, delay_ms: float = 0.0,
          health_ms: float = 0.0, baseline: Path | None = None, save: Path | None = None,
          reference_path: str = "/v1/health") -> tuple[int, dict[str, Any], str]:
    """Run one load check in a child process: (exit code, result.json, stderr)."""
    command = None
    if target is None:
        command = [sys.executable, str(SLOWED), "--port", "{port}", "--dir", "{dir}",
                   "--delay-ms", str(delay_ms), "--health-ms", str(health_ms)]
    args = {"sc": str(sc), "out": str(out), "target": target, "command": command,
            "baseline": baseline and str(baseline), "save": save and str(save),
            "reference_path": reference_path}
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True,
                          text=True, timeout=300, check=False)
    result_file = out / "result.json"
    doc = json.loads(result_file.read_text()) if result_file.exists() else {}
    return proc.returncode, doc, proc.stderr


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {g["metric"]: g["status"] for g in doc["gates"]} | {
        f"regression:{r['metric']}": r["status"] for r in doc["regressions"]
    }


def test_naive_target_fails_overbooked_gate_and_passes_the_latency_gate(tmp_path: Path) -> None:
    """Through the real command line, in its own process (Locust's gevent patching, the progress
    bar and the exit code as CI sees them)."""
    out = tmp_path / "naive"
    proc = run_slotgrab("check", str(scenario(tmp_path, 150, 40)), "--kind", "load", "--target", "naive",
                        "--out", str(out), "--no-report", timeout=240)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads((out / "result.json").read_text())
    got = {g["metric"]: g["status"] for g in doc["gates"]}
    assert got["overbooked"] == "fail" and doc["metrics"]["overbooked"]["mean"] > 0
    assert got["latency_corrected_p50_ms"] == "pass"  # a fast target passes the latency gate


# Delays are large beside this machine's own overhead (which grows under load: up to ~100 ms at
# p50 on 2 busy cores), so a 30 % slowdown stays well outside the 12 % tolerance and a uniformly
# slower machine well inside it. The service is compared on latency_p50_ms (from the actual
# send), which generator stalls do not touch; the absolute gate is on the corrected latency.
BASE_MS, HEALTH_MS, SLOWER = 400.0, 80.0, 1.3


def test_slowed_service_fails_latency_gate_and_baseline_but_slower_machine_only_the_gate(
    tmp_path: Path,
) -> None:
    sc = scenario(tmp_path, 60, 4)  # bot lanes send once a second: slower than any answer here
    base = tmp_path / "baseline.json"
    _, first, err = check(sc, tmp_path / "base", delay_ms=BASE_MS, health_ms=HEALTH_MS, save=base)
    got = statuses(first)
    assert got["overbooked"] == "pass" and got["generator_lag_p99_ms"] == "pass", (got, err)
    assert first["references"]["reference_latency_ms"] >= HEALTH_MS

    # the service alone is 30 % slower: every answer takes ≥ 520 ms, so the absolute gate
    # (< 500) fails by construction, and the baseline sees the ratio to the reference grow
    code, slower_service, err = check(sc, tmp_path / "service", delay_ms=BASE_MS * SLOWER,
                                      health_ms=HEALTH_MS, baseline=base)
    got = statuses(slower_service)
    assert got["latency_corrected_p50_ms"] == "fail", slower_service["gates"]
    assert got["regression:latency_p50_ms"] == "fail", slower_service["regressions"]
    assert code == 1 and slower_service["exit_code"] == 1, err

    # the whole machine is 30 % slower (the reference endpoint too): no regression; the absolute
    # gate still fails, as an absolute limit should
    _, slower_machine, _ = check(sc, tmp_path / "machine", delay_ms=BASE_MS * SLOWER,
                                 health_ms=HEALTH_MS * SLOWER, baseline=base)
    got = statuses(slower_machine)
    assert got["regression:latency_p50_ms"] == "pass", slower_machine["regressions"]
    assert got["latency_corrected_p50_ms"] == "fail"


def test_a_reference_endpoint_that_does_not_answer_is_a_configuration_error(tmp_path: Path) -> None:
    code, _, err = check(scenario(tmp_path, 10, 8), tmp_path / "out", target="reference",
                         reference_path="/v1/no-such-endpoint")
    assert code == 2 and "--reference-path" in err, err
