"""Fixtures of the foreign-service tests: the two services of this folder, started on 127.0.0.1
on a free port in a child process each and stopped after the test."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from foreign_kit import HERE

from sim.drivers.load.target import free_port


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
        port = free_port()
        proc = subprocess.Popen([sys.executable, *args, "--port", str(port)], stderr=subprocess.DEVNULL)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_healthy_at(url, "/health" if kind == "tickets" else "/ping", proc)
        return url

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)
