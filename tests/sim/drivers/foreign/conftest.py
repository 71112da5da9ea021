"""Fixtures of the foreign-service tests: the two services of this folder, started on 127.0.0.1
on a free port in a child process each and stopped after the test, and the burst scenario they
are loaded with (its session ``d1-am`` is the services' event/show code)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sim.drivers.load.target import free_port

HERE = Path(__file__).parent

# The burst of tests/cli_kit.py (150 patients, a sniping crew, 10 slots) with gates for a CI run;
# the generator-lag gate is explicit and loose so a busy test machine cannot make it inconclusive.
GATED = """
gates:
  load: ["lost_ack == 0", "overbooked == 0", "generator_lag_p99_ms < 5000"]
"""


def _start(args: list[str], health: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, *args, "--port", str(port)], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_healthy_at(url, health, proc)
    return proc, url


def wait_healthy_at(url: str, path: str, proc: subprocess.Popen[bytes]) -> None:
    """Wait until the service's own health path answers (it has no ``/v1/health``)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited with {proc.returncode}")
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url}{path} did not answer")


@pytest.fixture
def foreign() -> Iterator[object]:
    """``foreign("tickets", db=PATH, lose_every=N)`` or ``foreign("shows", oversell=N)`` → URL."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(kind: str, **opts: object) -> str:
        args = [str(HERE / f"{'ticket' if kind == 'tickets' else 'show'}_service.py")]
        for k, v in opts.items():
            args += [f"--{k.replace('_', '-')}", str(v)]
        proc, url = _start(args, "/health" if kind == "tickets" else "/ping")
        procs.append(proc)
        return url

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)
