"""The SimPy driver's use of SimPy internals, all in one place.

The driver makes each running agent a SimPy event that is re-scheduled for every request
(no event object, callback list or payload allocated per request). That leans on three
private parts of SimPy 4.1, which this module alone touches:

- ``Environment._queue`` and ``Environment._eid``: the event heap and its tie-breaking counter,
  which ``Environment.schedule`` pushes ``(time, priority, eid, event)`` onto — pushed here
  directly, at an absolute time;
- what ``Environment.step`` reads of an event it pops — ``callbacks`` (run, then set to None)
  and ``_ok`` (True: no failure to raise) — which is all :class:`ReusableEvent` provides: it is
  not a ``simpy.Event`` subclass, so that it can be a native class when the driver is compiled
  (:mod:`sim.compiled`; a compiled class cannot subclass an interpreted one).

The SimPy version is bounded in ``pyproject.toml``; ``tests/sim/drivers/test_simpy_engine.py``
fails if any of these stops holding, rather than the driver going silently wrong.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL

__all__ = ["NORMAL", "ReusableEvent", "Scheduler", "events_scheduled", "scheduler"]


class ReusableEvent:
    """An event that is triggered (ok, no value) from the start and may be scheduled again and
    again: set ``callbacks`` before each scheduling (``Environment.step`` clears them). It has
    what ``Environment.step`` uses of a ``simpy.Event`` (and its ``ok``/``value``), no more:
    nothing ever yields it or waits on it."""

    __slots__ = ("_ok", "_value", "callbacks", "env")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.callbacks: list[Callable[[Any], None]] | None = None
        self._ok = True
        self._value: Any = None

    @property
    def ok(self) -> bool:
        """Always True: the event never fails."""
        return self._ok

    @property
    def value(self) -> Any:
        """Always None."""
        return self._value


class Scheduler:
    """The driver's hot-path view of one environment: the clock, and scheduling at an absolute
    time (what ``env.schedule(event, NORMAL, t - env.now)`` does, without the method call)."""

    __slots__ = ("_eid", "_queue", "env")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._queue: list[Any] = env._queue
        self._eid = env._eid

    def at(self, event: Any, t: float) -> None:
        """Schedule ``event`` at simulated time ``t``."""
        heapq.heappush(self._queue, (t, NORMAL, next(self._eid), event))

    def now(self) -> float:
        """The simulated clock (``env.now`` without the property call)."""
        now: float = self.env._now
        return now


def scheduler(env: simpy.Environment) -> Callable[[Any, float], None]:
    """``schedule_at(event, t)``: :meth:`Scheduler.at` of ``env``."""
    return Scheduler(env).at


def events_scheduled(env: simpy.Environment) -> int:
    """Events scheduled so far: SimPy numbers them from a counter (peeking takes one number)."""
    return int(next(env._eid))
