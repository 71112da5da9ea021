"""Helpers of the CLI tests that run Locust: the CLI in a child process (Locust monkey-patches
the standard library with gevent, which must not happen inside the test process) and a small,
short release burst to play."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# 60 patients click 50 ms after T0 for 10 slots; a small bot crew snipes. A few seconds of load.
BURST = """
name: cli-burst
seed: 11
replications: 1
horizon: {before_s: 2, after_s: 4}
supply:
  departments:
    - {id: derm, level: expert, sessions: [{id: d1-am, capacity: 10}]}
patients:
  - {segment: mobile, count: 60, arrival_s: {dist: uniform, low: -1.5, high: -0.5}, retries: 1,
     reaction_s: 0.05, think_s: 0.5, pay_s: 0.3}
bots:
  - {crew: plugin, devices: 1, rate_per_s: 20, lanes: 2, accounts: 4, ips: 2, persons: 8,
     start_s: -0.5, give_up_after_sold_out_s: 1.0}
"""

Slotgrab = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def burst_file(tmp_path: Path) -> Path:
    """The small release burst as a scenario file."""
    path = tmp_path / "burst.yaml"
    path.write_text(BURST)
    return path


@pytest.fixture
def slotgrab_child() -> Slotgrab:
    """``slotgrab_child(*args)`` runs ``slotgrab ARGS`` in a child process (CompletedProcess)."""

    def run(*args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sim.cli.app", *args], capture_output=True,
                              text=True, timeout=timeout, check=False)

    return run
