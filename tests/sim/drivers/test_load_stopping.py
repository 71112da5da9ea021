"""``slotgrab load`` stops early and honestly: against nothing, against a target that dies
mid-run, and on Ctrl-C (one process and master + workers). Each ends with one error line, a
non-zero exit, no traceback; a run that gathered records keeps them and is marked incomplete.
(Before: an httpx traceback after playing the whole horizon, and an empty run folder.)"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cli_kit import run_slotgrab

from sim.drivers.load.stopping import ConnectionWatch, TargetDown, check_listening
from sim.drivers.load.target import free_port

pytestmark = pytest.mark.slow

HORIZON_S = 30
LONG = f"""
name: long-run
seed: 11
replications: 1
horizon: {{before_s: 2, after_s: {HORIZON_S}}}
supply:
  departments:
    - {{id: derm, level: expert, sessions: [{{id: d1-am, capacity: 10}}]}}
patients:
  - {{segment: mobile, count: 80, arrival_s: {{dist: uniform, low: -1.5, high: 25}}, retries: 3,
     reaction_s: 0.05, think_s: 0.5, pay_s: 0.3}}
bots:
  - {{crew: plugin, devices: 1, rate_per_s: 20, lanes: 2, accounts: 4, ips: 2, persons: 8,
     start_s: -0.5, give_up_after_sold_out_s: 60}}
"""


def _scenario(folder: Path) -> Path:
    path = folder / "long.yaml"
    path.write_text(LONG)
    return path


def _error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = [ln for ln in stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1, stderr[-3000:]
    return errors[0]


def _kept_and_marked(out: Path, reason: str) -> None:
    assert any((out / "records" / "rep-000").glob("requests*.parquet"))
    for name in ("meta.json", "summary.json"):
        assert reason in json.loads((out / name).read_text())["incomplete"]


def test_the_watch_needs_failures_in_a_row_over_time() -> None:
    watch = ConnectionWatch(failures=3, span_s=0.0)
    assert not any(watch.saw(c) for c in ("network_error", "network_error", "ok", "network_error"))
    assert not watch.saw("network_error") and watch.saw("network_error")
    slow = ConnectionWatch(failures=1, span_s=3600.0)
    assert not slow.saw("network_error")  # failures within a blink are not a dead target


def test_nothing_listening_fails_at_once_and_leaves_no_folder(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(TargetDown, match="nothing answers at"):
        check_listening(url)
    out = tmp_path / "run"
    started = time.monotonic()
    r = run_slotgrab("load", str(_scenario(tmp_path)), "--target", url, "--out", str(out))
    assert r.returncode == 2
    assert "nothing answers at" in _error_line(r.stderr)
    assert not out.exists()
    assert time.monotonic() - started < HORIZON_S  # it did not play the horizon first


def test_a_target_that_dies_mid_run_stops_it_and_keeps_the_records(
    tmp_path: Path, stub_target  # type: ignore[no-untyped-def]
) -> None:
    url = stub_target(die_after_s=3.0)
    out = tmp_path / "run"
    r = run_slotgrab("load", str(_scenario(tmp_path)), "--target", url, "--out", str(out))
    assert r.returncode == 2, r.stderr[-2000:]
    assert "stopped early: the target stopped answering" in _error_line(r.stderr)
    _kept_and_marked(out, "the target stopped answering")
    meta = json.loads((out / "meta.json").read_text())
    assert meta["wall_s"] < HORIZON_S - 5  # stopped, not played to the end
    assert "Load run INCOMPLETE" in (out / "report.md").read_text()


def test_check_does_not_judge_gates_on_a_run_cut_short(
    tmp_path: Path, stub_target  # type: ignore[no-untyped-def]
) -> None:
    url = stub_target(die_after_s=3.0)
    out = tmp_path / "check"
    r = run_slotgrab("check", str(_scenario(tmp_path)), "--kind", "load", "--target", url, "--out", str(out),
                     "--set", "gates={load: ['invariant_violations == 0']}", "--no-report")
    assert r.returncode == 2, r.stdout[-2000:] + r.stderr[-2000:]
    assert "stopped early: the target stopped answering" in _error_line(r.stderr)
    assert not (out / "result.json").exists()


def _loaded(url: str) -> bool:
    try:
        return bool(httpx.get(f"{url}/v1/health", timeout=1.0).json().get("loaded"))
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize("processes", [1, 2])
def test_ctrl_c_stops_cleanly_and_keeps_the_records(
    processes: int, tmp_path: Path, stub_target  # type: ignore[no-untyped-def]
) -> None:
    url = stub_target()
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli.app", "load", str(_scenario(tmp_path)), "--target", url,
         "--out", str(out), "--no-report", "--processes", str(processes)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not _loaded(url) and time.monotonic() < deadline:  # T0 is chosen: the run is on
            time.sleep(0.2)
        time.sleep(2.0)
        children = _children(proc.pid)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr[-2000:]
    assert "stopped early: interrupted (Ctrl-C)" in _error_line(stderr)
    _kept_and_marked(out, "interrupted (Ctrl-C)")
    if processes > 1:
        assert len(children) >= processes
        time.sleep(1.0)
        assert not [pid for pid in children if _alive(pid)], "Locust workers outlived the master"


def _children(pid: int) -> list[int]:
    done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in done.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
