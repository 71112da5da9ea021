"""A short ``slotgrab load`` against the reference service on 127.0.0.1, watched: Locust's web
UI and the Prometheus page answer during the run; ``--json`` prints one strict JSON document
with the per-operation stats and the load gates; the run folder holds the stats CSV/JSON; and
headless output (no TTY) carries no live view."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cli_kit import write_burst

from sim.drivers.load.target import free_port

pytestmark = pytest.mark.slow


def _poll(url: str, proc: subprocess.Popen[str], until: str = "", deadline_s: float = 150.0
          ) -> httpx.Response:
    """The first 200 answer of ``url`` (whose text matches ``until``) while ``proc`` runs."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and proc.poll() is None:
        try:
            r = httpx.get(url, timeout=2.0)
            if r.status_code == 200 and re.search(until, r.text, re.M):
                return r
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never answered 200 ({until!r}) while the run lasted")


def test_watched_load_run(tmp_path: Path) -> None:
    scenario = write_burst(tmp_path, name="watched", patients=60, after_s=6)
    scenario.write_text(scenario.read_text() + "gates:\n  load: ['overbooked == 0', 'bot_share > 0.99']\n")
    out, web, prom = tmp_path / "run", free_port(), free_port()
    # two Locust workers: the live totals reach /metrics through the master (slotgrab_live)
    cmd = [sys.executable, "-m", "sim.cli.app", "load", str(scenario), "--out", str(out),
           "--no-report", "--web-ui", "--web-ui-port", str(web), "--prometheus", str(prom), "--json",
           "--processes", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        page = _poll(f"http://127.0.0.1:{web}/", proc)
        assert "locust" in page.text.lower()
        metrics = _poll(f"http://127.0.0.1:{prom}/metrics", proc, r"^slotgrab_requests_total [1-9]")
        assert 'slotgrab_responses_total{code="ok"}' in metrics.text
        stdout, stderr = proc.communicate(timeout=240)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    doc = json.loads(stdout)  # the whole of stdout is one strict JSON document
    assert "\x1b[" not in stdout + stderr  # no live view, no colours when not a terminal
    agg = doc["operations"][-1]
    assert agg["Name"] == "Aggregated" and agg["Request Count"] == doc["metrics"]["requests"]
    # independent of stats_export: the HdrHistogram timing of the same requests (0.1 %)
    assert agg["99%"] == pytest.approx(doc["timing"]["latency"]["p99_ms"], rel=0.02)
    verdicts = {g["gate"]: g["status"] for g in doc["gates"]}
    assert verdicts["overbooked == 0"] == "pass" and verdicts["bot_share > 0.99"] == "fail"
    with (out / "stats_history.csv").open() as f:
        history = list(csv.DictReader(f))
    assert sum(float(r["Requests/s"]) for r in history) == doc["metrics"]["requests"]
    # the busiest second of the history is the service metric computed from the records
    assert max(float(r["Requests/s"]) for r in history) == pytest.approx(doc["metrics"]["peak_rps"], abs=1)
    assert (out / "stats.csv").exists() and (out / "stats.json").exists()
