"""Demo step 2: a short load run against the reference service on SQLite, with ``slotgrab load``.

The load run goes through the ``slotgrab load`` command in a child process: it starts the
reference service on 127.0.0.1, plays the plan through Locust (which patches the standard
library with gevent — kept out of this process, which already ran a process pool), judges the
service's final state and writes a run directory with ``kind: load``. Its progress bar shows on
this terminal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.scenario.model import PolicySpec

__all__ = ["LoadStepError", "load_command", "run_load_step"]


class LoadStepError(Exception):
    """The load run did not produce a run directory (message says why)."""


def load_command(scenario: str, stack: Sequence[PolicySpec], overrides: Mapping[str, Any], out: Path) -> list[str]:
    """The ``slotgrab load`` command line for one policy stack."""
    # no report of its own: the demo writes one report of all its runs
    cmd = [sys.executable, "-m", "sim.cli.app", "load", scenario, "--out", str(out), "--no-report"]
    for spec in stack:
        cmd += ["--policy", json.dumps({spec.name: spec.params}) if spec.params else spec.name]
    for path, value in overrides.items():
        cmd += ["--set", f"{path}={value}"]
    return cmd


def run_load_step(
    scenario: str, stack: Sequence[PolicySpec], overrides: Mapping[str, Any], out: Path, timeout_s: float = 300.0
) -> Path:
    """Run the load command; the run directory, or :class:`LoadStepError`."""
    cmd = load_command(scenario, stack, overrides, out)
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise LoadStepError(f"slotgrab load did not finish within {timeout_s:.0f} s") from None
    except OSError as exc:
        raise LoadStepError(f"cannot start slotgrab load: {exc.strerror}") from None
    if done.returncode != 0 or not (out / "meta.json").exists():
        raise LoadStepError(f"slotgrab load exited with code {done.returncode} (its message is above)")
    return out
