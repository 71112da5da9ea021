"""Starting a target under uvicorn (uvloop + httptools) on 127.0.0.1, as a child process.

Used by ``slotgrab serve``, the benchmark and the tests, through :mod:`targets.reference.launch`
(header and idle deadlines: :mod:`targets.reference.slow_clients`). Settings travel to uvicorn's
workers in the environment; the admin token is written to a file only its owner can read. uvicorn's
``--proxy-headers`` is off: it would otherwise rewrite the client address from
``X-Forwarded-For``, which the service must not trust unless told to.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from targets.reference.launch import APPS
from targets.reference.settings import Settings

__all__ = ["APPS", "Server", "free_port", "make_settings", "start_server", "write_admin_token"]

def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(**kw: object) -> Settings:
    """Settings with fresh random secrets (per start)."""
    kw.setdefault("token_secret", secrets.token_urlsafe(32))
    kw.setdefault("admin_token", secrets.token_urlsafe(32))
    return Settings.model_validate(kw)


def write_admin_token(settings: Settings, path: Path) -> Path:
    """Write the admin token to ``path`` (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(settings.admin_token + "\n")
    return path


def uvicorn_command(settings: Settings, port: int, target: str = "reference") -> list[str]:
    """The command line that serves ``target`` with ``settings.workers`` workers."""
    if target not in APPS:
        raise ValueError(f"unknown target {target!r}; one of {sorted(APPS)}")
    return [sys.executable, "-m", "targets.reference.launch", target, str(port)]


@dataclass
class Server:
    """A running target process."""

    proc: subprocess.Popen[bytes]
    url: str
    settings: Settings

    def admin_headers(self) -> dict[str, str]:
        """Headers that authenticate as admin."""
        return {"Authorization": f"Bearer {self.settings.admin_token}"}

    def stop(self, kill: bool = False) -> None:
        """Terminate (or SIGKILL) the process and its workers; wait for it."""
        if self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_server(settings: Settings, port: int | None = None, target: str = "reference",
                 wait_s: float = 30.0, quiet: bool = True) -> Server:
    """Start ``target`` and wait until ``/v1/health`` answers (RuntimeError if it does not)."""
    port = port or free_port()
    env = {**os.environ, **settings.to_env()}
    out = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(uvicorn_command(settings, port, target), env=env, stdout=out, stderr=out)
    server = Server(proc, f"http://127.0.0.1:{port}", settings)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{target} service exited with code {proc.returncode} on start")
        try:
            if httpx.get(f"{server.url}/v1/health", timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop(kill=True)
    raise RuntimeError(f"{target} service did not answer on {server.url} within {wait_s:.0f} s")
