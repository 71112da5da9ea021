"""The reference the simulator is measured against: a bare SimPy timeout loop.

``processes`` processes each yield ``timeouts`` timeouts of seeded exponential length, so the
event heap holds ``processes`` entries as the simulator's does at the release peak. No model,
no records: what SimPy itself costs per event on this machine, measured in the same run as the
simulator, so ratios survive a busy or slower machine.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

__all__ = ["timeout_loop", "timeout_rates"]


def _proc(env: simpy.Environment, delays: list[float]) -> Generator[Any, Any, None]:
    timeout = env.timeout
    for d in delays:
        yield timeout(d)


def timeout_loop(processes: int = 10_000, timeouts: int = 100, seed: int = 0) -> float:
    """Timeouts per wall-clock second (process creation included)."""
    return timeout_rates(processes, timeouts, seed)[0]


def timeout_rates(processes: int = 10_000, timeouts: int = 100,
                  seed: int = 0) -> tuple[float, float]:
    """Timeouts per wall-clock second and per CPU second of this process (process creation
    included)."""
    rng = np.random.default_rng(seed)
    delays = rng.exponential(1.0, (processes, timeouts)).tolist()
    t0, c0 = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    for row in delays:
        env.process(_proc(env, row))
    env.run()
    n = processes * timeouts
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)
