"""Helpers of the tests that run slotgrab's command line: in a child process (Locust
monkey-patches the standard library with gevent, which must not happen inside the test process),
the short release burst those tests play, and an app holding one command module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import typer

# PATIENTS patients click 50 ms after T0 for 10 slots; a small bot crew snipes. A few seconds of load.
BURST = """
name: NAME
seed: 11
replications: 1
horizon: {before_s: 2, after_s: AFTER_S}
supply:
  departments:
    - {id: derm, level: expert, sessions: [{id: d1-am, capacity: 10}]}
patients:
  - {segment: mobile, count: PATIENTS, arrival_s: {dist: uniform, low: -1.5, high: -0.5}, retries: 1,
     reaction_s: 0.05, think_s: 0.5, pay_s: 0.3}
bots:
  - {crew: plugin, devices: 1, rate_per_s: 20, lanes: 2, accounts: 4, ips: 2, persons: 8,
     start_s: -0.5, give_up_after_sold_out_s: 1.0}
"""


def run_slotgrab(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run ``slotgrab ARGS`` in a child process; the CompletedProcess, whatever its exit code."""
    return subprocess.run([sys.executable, "-m", "sim.cli.app", *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


def write_burst(folder: Path, *, name: str, patients: int, after_s: int) -> Path:
    """The release burst as ``folder/burst.yaml``: scenario ``name``, ``patients`` patients,
    a horizon ending ``after_s`` seconds after T0."""
    path = folder / "burst.yaml"
    text = BURST.replace("NAME", name).replace("AFTER_S", str(after_s))
    path.write_text(text.replace("PATIENTS", str(patients)))
    return path


def one_command_app(register: Callable[[typer.Typer], None]) -> typer.Typer:
    """A Typer app with only the command(s) ``register`` adds (a command module's ``register``);
    its root callback keeps the command's name on the command line."""
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    register(app)
    return app
