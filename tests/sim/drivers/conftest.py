"""Helpers of the load-driver tests: the CLI in a child process (Locust monkey-patches the
standard library, which must not happen inside the test process) and a stub target."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.drivers.load.target import free_port, wait_healthy

STUB = Path(__file__).with_name("stub_target.py")


def run_slotgrab(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run ``slotgrab ARGS`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "sim.cli.app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def slotgrab() -> object:
    """``slotgrab(*args)`` runs the CLI in a child process and returns the CompletedProcess."""
    return run_slotgrab


@pytest.fixture
def stub_target() -> Iterator[object]:
    """A factory: ``stub_target(stall_s=…, stall_nth=…)`` → base URL of a stub on 127.0.0.1."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(stall_s: float = 0.0, stall_nth: int = 0) -> str:
        port = free_port()
        p = subprocess.Popen(
            [
                sys.executable,
                str(STUB),
                "--port",
                str(port),
                "--stall-s",
                str(stall_s),
                "--stall-nth",
                str(stall_nth),
            ],
            stderr=subprocess.DEVNULL,
        )
        procs.append(p)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, 30.0, p)
        return url

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)
