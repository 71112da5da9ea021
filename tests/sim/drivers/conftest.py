"""Fixtures of the load-driver tests: a stub target on 127.0.0.1 (the CLI in a child process is
``cli_kit.run_slotgrab``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.drivers.load.target import free_port, wait_healthy

STUB = Path(__file__).with_name("stub_target.py")


@pytest.fixture
def stub_target() -> Iterator[object]:
    """A factory: ``stub_target(stall_s=…, stall_nth=…, lose_acks=…, die_after_s=…)`` → base URL
    of a stub on 127.0.0.1."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(stall_s: float = 0.0, stall_nth: int = 0, lose_acks: int = 0, die_after_s: float = 0.0) -> str:
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
                "--lose-acks",
                str(lose_acks),
                "--die-after-s",
                str(die_after_s),
            ],
            stderr=subprocess.DEVNULL,
        )
        procs.append(p)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, 30.0, p)
        return url

    yield start
    for p in procs:
        if p.poll() is None:
            p.terminate()
        p.wait(timeout=10)
