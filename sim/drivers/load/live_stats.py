"""What a load run has done so far, for the live view, the web page and Prometheus.

:class:`LiveStats` is a small thread-safe aggregator: the load engine calls :meth:`record` for
every answered call (in multi-process runs each worker keeps its own and sends the rows it
gathered since its last report to the master, which :meth:`merge`s them), and readers take a
:meth:`snapshot`, a plain dict of the numbers a person watches during the peak: time to T0,
requests/s, p50/p99 latency and generator lag over the last seconds, the mix of answer codes,
slots left and the bots' share of the slots confirmed so far.

The run's records stay the source of truth for the summary and the exported time series
(:mod:`sim.drivers.load.stats_export`); these numbers only watch the run go by. This module
imports neither locust nor gevent, so it is usable (and testable) anywhere.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.agents.actions import STATUS_OF

__all__ = ["WINDOW_S", "LiveStats", "Watch", "is_failure"]

WINDOW_S = 5.0
"""Seconds of recent answers the rates and percentiles are taken over."""

_ROW = ("t_done", "latency_ms", "lag_ms", "code", "bot_confirm")


def is_failure(code: str) -> bool:
    """Whether an answer code counts as a failed request (no answer or a 5xx, as in Locust)."""
    return STATUS_OF.get(code, 500) >= 500


class LiveStats:
    """Thread-safe running totals of one load run (times in seconds since T0 unless noted)."""

    def __init__(self, slots: int = 0, agents: int = 0) -> None:
        self.slots = slots
        self.agents = agents
        self.t0_wall: float | None = None
        self.urls: dict[str, str] = {}  # live pages of the run (web UI, Prometheus), by name
        self._lock = threading.Lock()
        self._rows: list[tuple[float, float, float, str, int]] = []
        self._pending: list[tuple[float, float, float, str, int]] = []
        self._codes: Counter[str] = Counter()
        self._confirmed = {"bot": 0, "other": 0}
        self._finished = 0

    # ---- writers -----------------------------------------------------------------------
    def record(self, role: str, op: str, planned: float, sent: float, done: float, code: str) -> None:
        """One answered call of an agent playing ``role``."""
        confirm = -1
        if op == "confirm" and code == "ok":
            confirm = 1 if role == "bot" else 0
        self._add([(done, (done - sent) * 1e3, (sent - planned) * 1e3, code, confirm)], True)

    def agent_finished(self, n: int = 1) -> None:
        """``n`` more agents have reached their outcome."""
        with self._lock:
            self._finished += n

    def merge(self, message: dict[str, Any]) -> None:
        """Add the rows a worker sent (its :meth:`drain`)."""
        rows = [tuple(r) for r in message.get("rows", [])]
        self._add(rows, False)
        self.agent_finished(int(message.get("finished", 0)))

    def drain(self) -> dict[str, Any]:
        """The rows recorded since the last drain and the agents finished since then, as a
        msgpack-safe dict (what a worker sends to the master)."""
        with self._lock:
            rows, self._pending = self._pending, []
            finished, self._finished = self._finished, 0
        return {"rows": [list(r) for r in rows], "finished": finished}

    def _add(self, rows: list[tuple[float, float, float, str, int]], keep: bool) -> None:
        with self._lock:
            self._rows.extend(rows)
            if keep:
                self._pending.extend(rows)
            for r in rows:
                self._codes[r[3]] += 1
                if r[4] >= 0:
                    self._confirmed["bot" if r[4] == 1 else "other"] += 1

    # ---- readers -----------------------------------------------------------------------
    def now(self) -> float | None:
        """Seconds since T0 (negative before it), None while T0 is not chosen yet."""
        return None if self.t0_wall is None else time.time() - self.t0_wall

    def snapshot(self) -> dict[str, Any]:
        """The numbers of the live view (NaN where nothing was answered yet)."""
        now = self.now()
        with self._lock:
            recent = [r for r in self._rows if now is not None and r[0] >= now - WINDOW_S]
            codes = dict(self._codes)
            confirmed = dict(self._confirmed)
            finished, total = self._finished, len(self._rows)
        span = WINDOW_S if now is None else min(WINDOW_S, max(now - self._first_done(), 1e-9))
        booked = confirmed["bot"] + confirmed["other"]
        return {
            "t": now,
            "requests": total,
            "rps": len(recent) / span if recent else 0.0,
            "latency_p50_ms": _pct([r[1] for r in recent], 50),
            "latency_p99_ms": _pct([r[1] for r in recent], 99),
            "lag_p99_ms": _pct([r[2] for r in recent], 99),
            "codes": codes,
            "failures": sum(n for c, n in codes.items() if is_failure(c)),
            "slots": self.slots,
            "slots_left": max(self.slots - booked, 0),
            "confirmed": booked,
            "bot_share": confirmed["bot"] / booked if booked else math.nan,
            "agents": self.agents,
            "finished": finished,
        }

    def _first_done(self) -> float:
        with self._lock:
            return self._rows[0][0] if self._rows else 0.0


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


@dataclass
class Watch:
    """Who watches a load run: the running totals to keep, and Locust's web UI port if asked
    for (0: a free port; None: no web UI)."""

    stats: LiveStats
    web_ui_port: int | None = None
