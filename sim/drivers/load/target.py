"""The system under test: a URL, or a reference/naive service this run starts and stops
(``target_for`` tells which from the ``--target`` value).

A started service listens on 127.0.0.1 on a free port, keeps its SQLite database and admin
token in a private temporary folder, trusts ``X-Client-IP`` (so every simulated agent has its
own IP) and is stopped by its process id when the run ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = [
    "ADMIN_TOKEN_ENV",
    "KINDS",
    "Target",
    "TargetSpecError",
    "env_admin_token",
    "free_port",
    "started_target",
    "target_for",
    "wait_healthy",
]

KINDS = ("reference", "naive")
ADMIN_TOKEN_ENV = "SLOTGRAB_ADMIN_TOKEN"


class TargetSpecError(ValueError):
    """A ``--target`` value that is neither a URL nor a kind of service a run can start."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to send the load, and the admin token if this run owns the service."""

    base_url: str
    admin_token: str | None
    started: str | None = None  # the kind of service this run started, None for a given URL
    pid: int | None = None  # the process this run started (its children serve), None for a URL


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(
    base_url: str,
    timeout_s: float = 30.0,
    proc: subprocess.Popen[bytes] | None = None,
    stderr: Path | None = None,
) -> None:
    """Wait until ``GET /v1/health`` answers; RuntimeError (with the server's stderr) if not."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while True:
            if proc is not None and proc.poll() is not None:
                err = (
                    stderr.read_text(errors="replace")[-2000:] if stderr and stderr.exists() else ""
                )
                raise RuntimeError(
                    f"the target exited with code {proc.returncode} before it was ready:\n{err}"
                )
            try:
                if client.get("/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{base_url}/v1/health did not answer within {timeout_s:.0f} s")
            time.sleep(0.1)


def _serve_command(kind: str, port: int, folder: Path) -> list[str]:
    """``slotgrab serve`` on 127.0.0.1 with a private SQLite file and admin token file."""
    return [
        sys.executable,
        "-m",
        "sim.cli.app",
        "serve",
        "--target",
        kind,
        "--port",
        str(port),
        "--db",
        f"sqlite:///{folder / 'slotgrab.db'}",
        "--trusted-ip-header",
        "X-Client-IP",
        "--admin-token-file",
        str(folder / "admin-token"),
    ]


@contextlib.contextmanager
def started_target(kind: str = "reference", command: list[str] | None = None) -> Iterator[Target]:
    """Start a service of ``kind`` (``reference`` or ``naive``) on a free port; stop it after.

    ``command`` replaces the default ``slotgrab serve`` command line (``{port}`` and ``{dir}``
    in it are filled in; the service must write its admin token to ``{dir}/admin-token``)."""
    if kind not in KINDS and command is None:
        raise ValueError(f"target kind {kind!r}; allowed: {list(KINDS)}")
    with tempfile.TemporaryDirectory(prefix="slotgrab-target-") as tmp:
        folder = Path(tmp)
        port = free_port()
        cmd = (
            [c.format(port=port, dir=folder) for c in command]
            if command
            else _serve_command(kind, port, folder)
        )
        # stderr to a file, not a pipe: a chatty server must never block on a full pipe
        log = (folder / "stderr.log").open("wb")
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base_url, 60.0, proc, folder / "stderr.log")
            token_file = folder / "admin-token"
            token = token_file.read_text().strip() if token_file.exists() else None
            yield Target(base_url, token, kind, proc.pid)
        finally:
            _stop(proc)
            log.close()


def env_admin_token() -> str | None:
    """The admin token of a given URL from ``$SLOTGRAB_ADMIN_TOKEN``."""
    return os.environ.get(ADMIN_TOKEN_ENV)


@contextlib.contextmanager
def target_for(
    target: str | None,
    command: list[str] | None = None,
    admin_token: Callable[[], str | None] = env_admin_token,
) -> Iterator[Target]:
    """``None``/``reference``/``naive`` (or a ``command``): a service started here and stopped
    after; a URL: that service, with the admin token ``admin_token()`` returns (asked only then)."""
    if target is None or target in KINDS or command is not None:
        with started_target(target or "reference", command) as started:
            yield started
        return
    if not target.startswith(("http://", "https://")):
        raise TargetSpecError(
            f"--target {target!r}: expected a URL (http://…), 'reference' or 'naive'"
        )
    yield Target(target.rstrip("/"), admin_token())


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the service we started: SIGTERM to its process group (uvicorn workers), then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
