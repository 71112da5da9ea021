"""``slotgrab serve``: bad flags are one clear error and exit 2 (the server itself is tested in
tests/targets/)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sim.cli.app import _register_all, app
from sim.drivers.load.target import free_port, wait_healthy

_register_all()


@pytest.mark.parametrize(("args", "message"), [
    (["--workers", "2"], "needs --db postgresql://"),
    (["--target", "nginx"], "allowed: ['naive', 'reference']"),
    (["--sqlite-sync", "off"], "allowed: normal, full"),
    (["--scenario", "/no/such/file.yaml"], "/no/such/file.yaml"),
])
def test_bad_flags_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "1", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@contextlib.contextmanager
def _in(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.mark.parametrize(("args", "message"), [
    (["--db", "sqlite:////proc/x/y.db"], "cannot create /proc/x/y.db"),
    (["--db", "mysql://x"], "allowed: sqlite:///PATH, postgresql://"),
    (["--db", "postgresql://nobody@127.0.0.1:1/none"], "cannot connect to PostgreSQL within 3 s"),
    (["--policy", "nosuch"], "unknown policy 'nosuch'; allowed: ["),
    (["--t0-in", "nan"], "--t0-in nan; allowed: a finite number in [-2,592,000, 2,592,000]"),
    (["--token-ttl", "-1"], "--token-ttl -1.0; allowed: a finite number in (0, 2,592,000]"),
    (["--token-ttl", "1e9"], "--token-ttl 1000000000.0; allowed"),
])
def test_start_up_failures_are_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    """Each used to start uvicorn anyway: a traceback from the child and exit 0 (or 30 s of
    PostgreSQL retries; ``mysql://x`` became a SQLite file named ``mysql:/x``)."""
    with _in(tmp_path):
        result = CliRunner().invoke(app, ["serve", "--port", str(free_port()), *args])
        assert not Path("mysql:").exists()
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_directory_as_the_database_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", str(free_port()), "--db", f"sqlite:///{tmp_path}"])
    assert result.exit_code == 2
    assert f"{tmp_path} is a directory" in result.output


def test_a_port_in_use_is_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"--port {port}: cannot listen on 127.0.0.1:{port}" in result.output


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/v1/health", timeout=1.0).status_code == 200
    except httpx.TransportError:
        return False


def test_sigkill_of_serve_takes_its_uvicorn_child_down(tmp_path: Path) -> None:
    """SIGKILL cannot be forwarded: the child must be armed to die with its parent."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli.app", "serve", "--port", str(port),
         "--db", f"sqlite:///{tmp_path / 'db.sqlite'}", "--admin-token-file", str(tmp_path / "token")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(url, 60.0, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 20
        while _answers(url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _answers(url), "the uvicorn child still answers after serve was SIGKILLed"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not sqlite\n" * 500)
    result = CliRunner().invoke(app, ["serve", "--port", str(free_port()), "--db", f"sqlite:///{garbage}"])
    assert result.exit_code == 2
    assert "as a SQLite database for writing: file is not a database" in result.output
