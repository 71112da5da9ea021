"""The SimPy driver's use of SimPy internals, all in one place.

The driver makes each running agent a SimPy event that is re-scheduled for every request
(no event object, callback list or payload allocated per request). That leans on three
private parts of SimPy 4.1, which this module alone touches:

- ``Environment._queue`` and ``Environment._eid``: the event heap and its tie-breaking counter,
  which ``Environment.schedule`` pushes ``(time, priority, eid, event)`` onto — pushed here
  directly, at an absolute time;
- ``Event._ok`` and ``Event._value``: set on the agent's event once, as ``Event.succeed``
  would, so ``Environment.step`` runs its callbacks every time it pops it.

The SimPy version is bounded in ``pyproject.toml``; ``tests/sim/drivers/test_simpy_engine.py``
fails if any of these stops holding, rather than the driver going silently wrong.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import simpy
from simpy.events import NORMAL, Event

__all__ = ["NORMAL", "ReusableEvent", "events_scheduled", "scheduler"]


class ReusableEvent(Event):
    """An event that is triggered (ok, no value) from the start and may be scheduled again and
    again: set ``callbacks`` before each scheduling (``Environment.step`` clears them)."""

    def __init__(self, env: simpy.Environment) -> None:
        # Event.__init__ would allocate a callback list the driver replaces at once
        self.env = env
        self._ok = True
        self._value = None


def scheduler(env: simpy.Environment) -> Callable[[Event, float], None]:
    """``schedule_at(event, t)``: what ``env.schedule(event, NORMAL, t - env.now)`` does, at an
    absolute time and without the method call (the driver's hot path)."""
    queue, eid, push = env._queue, env._eid, heapq.heappush

    def schedule_at(event: Event, at: float) -> None:
        push(queue, (at, NORMAL, next(eid), event))

    return schedule_at


def events_scheduled(env: simpy.Environment) -> int:
    """Events scheduled so far: SimPy numbers them from a counter (peeking takes one number)."""
    return int(next(env._eid))
